"""Pages of the cross-cutting domain. Thin: parse, fetch through a selector, call a service."""

from __future__ import annotations

import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import selectors, services
from portal.errors import ApplicationError, PermissionDenied
from portal.forms import DesignateCorrespondentForm, FocalPointForm, ProfileForm, RespondentFilterForm
from portal.home import home_sections
from portal.models import Designation
from portal.request import client_ip


def secretariat_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_secretariat:
            raise DjangoPermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def run_service(request: HttpRequest, service, *, success: str, **kwargs):
    """Run one service for a page: its result, with ``success`` as a message. A refusal of the
    person (PermissionDenied) is a 403; any other rule that refuses the action becomes an error
    message and None, for the page to show where it was."""
    try:
        result = service(**kwargs)
    except PermissionDenied as error:
        raise DjangoPermissionDenied(str(error.message)) from error
    except ApplicationError as error:
        messages.error(request, error.message)
        return None
    messages.success(request, success)
    return result


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembered in the person's profile when signed in."""
    from django.views.i18n import set_language as django_set_language

    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        get_user_model().objects.filter(pk=request.user.pk).update(language=language)
    return response


# Seconds a client is asked to wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 5


def _database_unreachable(error: BaseException | None) -> bool:
    if isinstance(error, OperationalError | InterfaceError):
        return True
    # libpq reports a connection cut mid-query ("server closed the connection unexpectedly")
    # as a bare DatabaseError at times. Unlike an error of the query itself (integrity, data,
    # a bug), it carries no SQLSTATE: the server never answered.
    return isinstance(error, DatabaseError) and getattr(error.__cause__, "pgcode", "") is None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. An unreachable database (restarted, failed over, out of connections) is
    not a bug of the request: it answers 503 with Retry-After, so that the questionnaire page
    and API clients try again and nothing typed is lost. Anything else stays a 500. Renders
    without context processors and without the session: both may need the database."""
    from portal.api import error_body

    unavailable = _database_unreachable(sys.exc_info()[1])
    status = 503 if unavailable else 500
    if unavailable:
        code = "unavailable"
        message = _("The portal is briefly unavailable. Please try again in a moment.")
    else:
        code = "server_error"
        message = _(
            "Something went wrong on our side. Please try again later; if it persists, "
            "contact the secretariat."
        )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body(code=code, message=message), status=status)
    elif "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"error": str(message), "code": code}, status=status)
    else:
        html = loader.render_to_string("500.html", {"status": status, "message": message})
        response = HttpResponse(html, status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"sections": home_sections(user=request.user)})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile has been saved."))
        return redirect("profile")
    designations = selectors.user_designations(user=request.user)
    return render(request, "portal/profile.html", {"form": form, "designations": designations})


@secretariat_required
def respondent_list(request: HttpRequest) -> HttpResponse:
    form = RespondentFilterForm(request.GET or None)
    respondents = selectors.respondents_with_designations()
    if form.is_valid():
        if q := form.cleaned_data["q"]:
            respondents = respondents.filter(
                Q(name_en__icontains=q) | Q(name_fr__icontains=q) | Q(code__iexact=q)
            )
        if kind := form.cleaned_data["kind"]:
            respondents = respondents.filter(kind=kind)
        if group := form.cleaned_data["group"]:
            respondents = respondents.filter(regional_group=group)
    return render(request, "portal/respondent_list.html", {"form": form, "respondents": respondents})


def _respondent_page(request, respondent, *, status=200, **forms) -> HttpResponse:
    is_focal_point = services.focal_point_of(respondent=respondent, person=request.user) is not None
    can_manage = request.user.is_secretariat or is_focal_point
    context = {
        "respondent": respondent,
        "designations": selectors.designations_of(respondent=respondent),
        "can_manage": can_manage,
        "designate_form": DesignateCorrespondentForm() if can_manage else None,
        "focal_point_form": FocalPointForm() if request.user.is_secretariat else None,
    }
    context.update(forms)
    return render(request, "portal/respondent_detail.html", context, status=status)


@login_required
def respondent_detail(request: HttpRequest, code: str) -> HttpResponse:
    respondent = selectors.respondent_get_for_user(user=request.user, code=code)
    return _respondent_page(request, respondent)


@login_required
@require_POST
def correspondent_designate(request: HttpRequest, code: str) -> HttpResponse:
    respondent = selectors.respondent_get_for_user(user=request.user, code=code)
    form = DesignateCorrespondentForm(request.POST)
    if form.is_valid():
        try:
            services.correspondent_designate(
                respondent=respondent,
                by=request.user,
                ip_address=client_ip(request),
                **form.cleaned_data,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            # The same answer for every address: whether it has an account, and whose, is
            # not the focal point's to learn here.
            messages.success(
                request,
                _("An invitation has been sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("respondent_detail", code=respondent.code)
    return _respondent_page(request, respondent, status=400, designate_form=form)


@login_required
@require_POST
def focal_point_register(request: HttpRequest, code: str) -> HttpResponse:
    if not request.user.is_secretariat:
        raise DjangoPermissionDenied
    respondent = selectors.respondent_get_for_user(user=request.user, code=code)
    form = FocalPointForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            designation = services.focal_point_register(
                respondent=respondent,
                by=request.user,
                ip_address=client_ip(request),
                **form.cleaned_data,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(person)s is registered as the focal point of %(respondent)s.")
                % {"person": designation.person, "respondent": respondent},
            )
            return redirect("respondent_detail", code=respondent.code)
    return _respondent_page(request, respondent, status=400, focal_point_form=form)


@login_required
@require_POST
def designation_withdraw(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    respondent = selectors.respondent_get_for_user(user=request.user, code=code)
    designation = get_object_or_404(Designation, pk=pk, respondent=respondent)
    try:
        services.designation_withdraw(designation=designation, by=request.user, ip_address=client_ip(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The designation of %(person)s has been withdrawn.") % {"person": designation.person}
        )
    return redirect("respondent_detail", code=respondent.code)


@login_required
@require_POST
def designation_authorise(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    respondent = selectors.respondent_get_for_user(user=request.user, code=code)
    designation = get_object_or_404(Designation, pk=pk, respondent=respondent)
    try:
        services.designation_authorise_submit(
            designation=designation,
            may_submit=request.POST.get("may_submit") == "1",
            by=request.user,
            ip_address=client_ip(request),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The authorisation has been recorded."))
    return redirect("respondent_detail", code=respondent.code)


@login_required
@require_http_methods(["GET", "POST"])
def designation_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page where an invited person accepts a designation (GET shows it, POST accepts)."""
    try:
        invitation = services.designation_invitation_read(token=token, user=request.user)
    except PermissionDenied as error:
        raise DjangoPermissionDenied(str(error.message)) from error
    except ApplicationError as error:
        return render(request, "portal/designation_invitation.html", {"error": error.message}, status=404)
    if request.method == "POST":
        designation = run_service(
            request,
            services.designation_invitation_accept,
            token=token,
            user=request.user,
            ip_address=client_ip(request),
            success=_("You are now a correspondent of %(respondent)s.")
            % {"respondent": invitation["respondent"].name},
        )
        if designation is not None:
            return redirect("respondent_detail", code=designation.respondent.code)
    return render(request, "portal/designation_invitation.html", {"invitation": invitation})
