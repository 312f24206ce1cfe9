"""Pages of the questionnaires domain: instruments and their life cycle, reporting cycles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.errors import ApplicationError
from portal.selectors import respondents_for_user
from portal.views import run_service, secretariat_required
from questionnaires import selectors, services
from questionnaires.forms import ApproveForm, CirculateForm, CommentForm, CycleForm
from questionnaires.models import InstrumentVersion, localized_with_fallback

# The instruments' languages, each named in itself (codes as in the definition files).
INSTRUMENT_LANGUAGE_NAMES = [
    ("ar", "العربية", "ar"),
    ("zh", "中文", "zh-hans"),
    ("en", "English", "en"),
    ("fr", "Français", "fr"),
    ("ru", "Русский", "ru"),
    ("es", "Español", "es"),
]


def _language(request: HttpRequest) -> str:
    """A reader may view the questionnaire in another language with ?lang=xx."""
    from django.conf import settings

    wanted = request.GET.get("lang", "")
    return wanted if wanted in settings.INSTRUMENT_LANGUAGES else (get_language() or "en").split("-")[0]


@secretariat_required
def instrument_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "questionnaires/instrument_list.html", {"instruments": selectors.instruments_with_versions()}
    )


@login_required
def instrument_version_detail(request: HttpRequest, code: str, number: int) -> HttpResponse:
    version = selectors.instrument_version_get_for_user(user=request.user, code=code, number=number)
    language = _language(request)
    comment_respondents = []
    comments = []
    if version.status == InstrumentVersion.Status.CIRCULATED:
        if request.user.is_correspondent:
            comment_respondents = list(respondents_for_user(user=request.user))
            comments = version.comments.filter(respondent__in=comment_respondents)
        elif request.user.is_secretariat:
            comments = version.comments.all()
    comments_by_question: dict[str, list] = {}
    for comment in comments.select_related("respondent", "author") if comments else []:
        comments_by_question.setdefault(comment.question_code, []).append(comment)
    return render(
        request,
        "questionnaires/instrument_version_detail.html",
        {
            "version": version,
            "sections": selectors.questionnaire_view(version.definition, language),
            "language": language,
            "instrument_languages": INSTRUMENT_LANGUAGE_NAMES,
            "description": localized_with_fallback(version.definition.get("description"), language),
            "comment_respondents": comment_respondents,
            "comments_by_question": comments_by_question,
            "circulate_form": CirculateForm(),
            "approve_form": ApproveForm(initial={"approved_by": version.approved_by}),
            "other_versions": version.instrument.versions.exclude(pk=version.pk),
        },
    )


@secretariat_required
def instrument_version_diff(request: HttpRequest, code: str, number: int) -> HttpResponse:
    version = selectors.instrument_version_get_for_user(user=request.user, code=code, number=number)
    try:
        other_number = int(request.GET.get("from", number - 1))
    except ValueError:
        raise Http404 from None
    other = selectors.instrument_version_get_for_user(user=request.user, code=code, number=other_number)
    return render(
        request,
        "questionnaires/instrument_version_diff.html",
        {
            "version": version,
            "other": other,
            "diff": selectors.instrument_versions_diff(other.definition, version.definition),
        },
    )


@secretariat_required
@require_POST
def instrument_version_circulate(request: HttpRequest, code: str, number: int) -> HttpResponse:
    version = selectors.instrument_version_get_for_user(user=request.user, code=code, number=number)
    form = CirculateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date by which comments are due."))
    else:
        run_service(
            request,
            services.instrument_version_circulate,
            version=version,
            comments_due=form.cleaned_data["comments_due"],
            user=request.user,
            success=_("The version has been circulated for comments."),
        )
    return redirect("questionnaires:instrument_version_detail", code=code, number=number)


@secretariat_required
@require_POST
def instrument_version_approve(request: HttpRequest, code: str, number: int) -> HttpResponse:
    version = selectors.instrument_version_get_for_user(user=request.user, code=code, number=number)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Name the Commission session that approved the version."))
    else:
        run_service(
            request,
            services.instrument_version_approve,
            version=version,
            approved_by=form.cleaned_data["approved_by"],
            user=request.user,
            success=_("The approval has been recorded."),
        )
    return redirect("questionnaires:instrument_version_detail", code=code, number=number)


@login_required
@require_POST
def instrument_comment_add(request: HttpRequest, code: str, number: int) -> HttpResponse:
    version = selectors.instrument_version_get_for_user(user=request.user, code=code, number=number)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment."))
    else:
        respondent = (
            respondents_for_user(user=request.user).filter(code=form.cleaned_data["respondent"]).first()
        )
        if respondent is None:
            raise Http404
        run_service(
            request,
            services.instrument_comment_add,
            version=version,
            question_code=form.cleaned_data["question_code"],
            respondent=respondent,
            text=form.cleaned_data["text"],
            user=request.user,
            success=_("Your comment has been recorded."),
        )
    return redirect("questionnaires:instrument_version_detail", code=code, number=number)


@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_secretariat or request.user.is_correspondent):
        raise DjangoPermissionDenied
    return render(
        request, "questionnaires/cycle_list.html", {"cycles": selectors.cycles_for_user(user=request.user)}
    )


@login_required
def cycle_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cycle = selectors.cycle_get_for_user(user=request.user, slug=slug)
    language = _language(request)
    return render(
        request,
        "questionnaires/cycle_detail.html",
        {
            "cycle": cycle,
            "version": cycle.instrument_version,
            "sections": selectors.questionnaire_view(cycle.instrument_version.definition, language),
            "language": language,
            "instrument_languages": INSTRUMENT_LANGUAGE_NAMES,
            "respondent_counts": selectors.cycle_respondent_counts(cycle=cycle)
            if request.user.is_secretariat
            else None,
            "my_respondents": selectors.respondents_of_user_in_cycle(user=request.user, cycle=cycle)
            if request.user.is_correspondent
            else None,
        },
    )


@secretariat_required
def cycle_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_secretariat_admin:
        raise DjangoPermissionDenied
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            cycle = services.cycle_create(user=request.user, **data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The cycle has been created. Open it when it is ready."))
            return redirect("questionnaires:cycle_detail", slug=cycle.slug)
    return render(
        request,
        "questionnaires/cycle_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@secretariat_required
@require_POST
def cycle_open(request: HttpRequest, slug: str) -> HttpResponse:
    cycle = selectors.cycle_get_for_user(user=request.user, slug=slug)
    run_service(
        request,
        services.cycle_open,
        cycle=cycle,
        user=request.user,
        success=_("The cycle is open; the correspondents are being notified."),
    )
    return redirect("questionnaires:cycle_detail", slug=slug)


@secretariat_required
@require_POST
def cycle_close(request: HttpRequest, slug: str) -> HttpResponse:
    cycle = selectors.cycle_get_for_user(user=request.user, slug=slug)
    run_service(
        request, services.cycle_close, cycle=cycle, user=request.user, success=_("The cycle is closed.")
    )
    return redirect("questionnaires:cycle_detail", slug=slug)
