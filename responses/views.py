"""Pages of the responses domain. Thin: parse, fetch through the access helper
(``selectors.response_get_for_user``: another respondent's response is a 404), call one
service, render or redirect. The services check who may act (``responses.permissions``)."""

from __future__ import annotations

import datetime
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.errors import ApplicationError, PermissionDenied
from portal.request import client_ip
from portal.selectors import respondents_for_user
from portal.sessions import session_ended_reply
from portal.views import run_service, secretariat_required
from questionnaires.answers import is_empty
from questionnaires.definition import iter_questions, questions_by_code
from questionnaires.models import localized_with_fallback
from questionnaires.selectors import cycle_get_for_user, cycles_for_user, questionnaire_view
from responses import forms, permissions, receipts, selectors, services
from responses.diff import versions_diff
from responses.models import (
    Attachment,
    ClarificationMessage,
    ClarificationThread,
    DraftAnswer,
    Response,
    ResponseVersion,
)
from responses.services.versions import SubmissionInvalid, SubmissionStale, submission_errors

ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain; charset=utf-8",
}
# The secretariat's queue shows first what waits for it.
QUEUE_ORDER = [
    Response.Status.SUBMITTED,
    Response.Status.RESUBMITTED,
    Response.Status.IN_REVIEW,
    Response.Status.CLARIFICATION_REQUESTED,
    Response.Status.DRAFT,
    Response.Status.ACCEPTED,
]


# --- Reading helpers --------------------------------------------------------------------


def _when(moment: datetime.datetime | str | None) -> str:
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment)
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


def _threads_by_question(response: Response) -> dict[str, list[ClarificationThread]]:
    threads: dict[str, list] = {}
    for thread in response.threads.select_related("created_by", "resolved_by").prefetch_related(
        Prefetch("messages", queryset=ClarificationMessage.objects.select_related("author"))
    ):
        threads.setdefault(thread.question_code, []).append(thread)
    return threads


def _attachments(response: Response) -> dict[int, Attachment]:
    return {a.pk: a for a in response.attachments.select_related("uploaded_by")}


def _open_threads(threads: dict, sections: list) -> list[dict]:
    """The open clarification requests, in questionnaire order, for the page's summary."""
    texts = {item.q.code: item.q.text for section in sections for item in section.items}
    return [
        {"code": code, "text": texts.get(code, code), "thread": thread}
        for code in [*texts, *(c for c in threads if c not in texts)]
        for thread in threads.get(code, [])
        if thread.status == ClarificationThread.Status.OPEN
    ]


def _sections(
    definition: dict,
    values: dict,
    *,
    drafts: dict[str, DraftAnswer] | None = None,
    threads: dict | None = None,
    attachments: dict | None = None,
    errors: dict | None = None,
    conflicts: dict | None = None,
    answered_only: bool = False,
    show_all: bool = False,
) -> list[forms.SectionItem]:
    """The questionnaire with ``values`` in its fields, ready for the templates."""
    drafts, threads, attachments = drafts or {}, threads or {}, attachments or {}
    errors, conflicts = errors or {}, conflicts or {}
    view = questionnaire_view(definition)
    questions = [q for section in view for q in section.questions]
    shown = {q.code for q in questions} if show_all else forms.shown_questions(questions, values)
    sections = []
    for section in view:
        items = []
        for q in section.questions:
            value = values.get(q.code)
            if answered_only and (q.code not in shown or is_empty(value)):
                continue
            draft = drafts.get(q.code)
            conflict = conflicts.get(q.code)
            if conflict:
                conflict = {
                    **conflict,
                    "at": _when(conflict["at"]),
                    "yours_display": forms.answer_display(q, conflict["yours"], attachments),
                    "theirs_display": forms.answer_display(q, conflict["theirs"], attachments),
                }
            items.append(
                forms.QuestionItem(
                    q=q,
                    section=section.code,
                    value=value,
                    shown=q.code in shown,
                    # After a conflict the person has seen both values: saving again is their choice.
                    revision=conflict["revision"] if conflict else (draft.revision if draft else 0),
                    draft=draft,
                    error=errors.get(q.code, ""),
                    conflict=conflict,
                    threads=threads.get(q.code, []),
                    attachments=[a for a in attachments.values() if a.question_code == q.code],
                    display=forms.answer_display(q, value, attachments),
                )
            )
        if items or not answered_only:
            sections.append(
                forms.SectionItem(
                    code=section.code,
                    title=section.title,
                    intro=section.intro,
                    mandate=section.mandate,
                    items=items,
                    progress=forms.progress_of(section.questions, values, shown),
                )
            )
    return sections


def _progress(definition: dict, values: dict) -> dict:
    """Progress of every section and of the whole questionnaire, for the autosave reply."""
    questions = list(iter_questions(definition))
    shown = forms.shown_questions(questions, values)
    by_section: dict[str, list] = {}
    for question in questions:
        by_section.setdefault(question.section, []).append(question)
    progress = {code: forms.progress_of(qs, values, shown).as_dict() for code, qs in by_section.items()}
    progress["__all__"] = forms.progress_of(questions, values, shown).as_dict()
    return progress


def _draft_values(drafts: dict[str, DraftAnswer]) -> dict:
    return {code: a.value for code, a in drafts.items() if a.value is not None}


def _latest_version(response: Response) -> ResponseVersion | None:
    if not response.latest_version_number:
        return None
    return selectors.version_get(response=response, number=response.latest_version_number)


def _actions(user, response: Response) -> dict:
    return {
        "can_edit": permissions.can_edit_draft(user, response),
        "can_submit": permissions.can_submit(user, response),
        "can_amend": permissions.can_amend(user, response),
        "can_review": permissions.can_review(user, response),
        "can_acknowledge": permissions.can_acknowledge(user, response),
    }


def _to_question(response: Response, code: str) -> HttpResponse:
    url = reverse("responses:response_detail", args=[response.pk])
    return redirect(f"{url}#q-{code}" if code else url)


# --- Starting and filling in ------------------------------------------------------------


@login_required
@require_POST
def response_start(request: HttpRequest) -> HttpResponse:
    form = forms.StartForm(request.POST)
    if not form.is_valid():
        raise Http404
    cycle = cycles_for_user(user=request.user).open().filter(slug=form.cleaned_data["cycle"]).first()
    respondent = respondents_for_user(user=request.user).filter(code=form.cleaned_data["respondent"]).first()
    if cycle is None or respondent is None:
        raise Http404
    try:
        response = services.response_start(cycle=cycle, respondent=respondent, user=request.user)
    except PermissionDenied as error:
        raise DjangoPermissionDenied(str(error.message)) from error
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("home")
    return redirect("responses:response_detail", pk=response.pk)


def _form_page(
    request: HttpRequest,
    response: Response,
    *,
    posted: dict | None = None,
    errors: dict | None = None,
    conflicts: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    definition = response.cycle.instrument_version.definition
    drafts = selectors.draft_answers(response=response)
    values = {**_draft_values(drafts), **(posted or {})}
    threads = _threads_by_question(response)
    sections = _sections(
        definition,
        values,
        drafts=drafts,
        threads=threads,
        attachments=_attachments(response),
        errors=errors,
        conflicts=conflicts,
    )
    context = {
        "response": response,
        "sections": sections,
        "progress": forms.progress_of(iter_questions(definition), values),
        "carried": any(a.carried_forward for a in drafts.values()),
        "open_threads": _open_threads(threads, sections),
        "description": localized_with_fallback(definition.get("description")),
        "editing": True,
        "reply_form": forms.ReplyForm(),
        **_actions(request.user, response),
    }
    return render(request, "responses/response_form.html", context, status=status)


def _read_page(request: HttpRequest, response: Response) -> HttpResponse:
    version = _latest_version(response)
    actions = _actions(request.user, response)
    sections, values = [], {}
    if version is not None:
        values = version.answers
        definition = version.instrument_version.definition
    elif actions["can_acknowledge"]:  # the respondent's own correspondents see their draft
        values = _draft_values(selectors.draft_answers(response=response))
        definition = response.cycle.instrument_version.definition
    else:
        definition = response.cycle.instrument_version.definition
    threads = _threads_by_question(response)
    if values or version is not None:
        sections = _sections(definition, values, threads=threads, attachments=_attachments(response))
    context = {
        "response": response,
        "version": version,
        "sections": sections,
        "progress": forms.progress_of(
            iter_questions(definition),
            values or _draft_values(selectors.draft_answers(response=response)),
        ),
        "editing": False,
        "reply_form": forms.ReplyForm(),
        "open_threads": _open_threads(threads, sections),
        **actions,
    }
    return render(request, "responses/response_view.html", context)


def _full_save(request: HttpRequest, response: Response) -> HttpResponse:
    """The form posted whole (no scripts): the same service as the autosave. What is valid is
    saved; what is not comes back in its fields with its message, so nothing is lost."""
    definition = response.cycle.instrument_version.definition
    questions = list(iter_questions(definition))
    answers, bases = forms.answers_from_post(questions, request.POST)
    current = _draft_values(selectors.draft_answers(response=response))
    shown = forms.shown_questions(questions, {**current, **answers})
    answers = {code: value for code, value in answers.items() if code in shown}
    errors: dict = {}
    conflicts: dict = {}
    pending = answers
    try:
        while pending:
            result = services.draft_save(
                response=response,
                user=request.user,
                answers=pending,
                base_revision=bases,
                ip_address=client_ip(request),
            )
            if result.ok:
                break
            errors.update(result.errors)
            conflicts.update(result.conflicts)
            pending = {
                c: v for c, v in pending.items() if c not in result.errors and c not in result.conflicts
            }
    except PermissionDenied as error:
        messages.error(request, error.message)
        return redirect("responses:response_detail", pk=response.pk)
    if errors or conflicts:
        failing = set(errors) | set(conflicts)
        messages.error(
            request,
            _("%(count)d answer(s) could not be saved; see the messages next to them. The others are saved.")
            % {"count": len(failing)},
        )
        posted = {code: answers[code] for code in failing}
        return _form_page(request, response, posted=posted, errors=errors, conflicts=conflicts, status=400)
    messages.success(request, _("Your answers have been saved."))
    return redirect("responses:response_detail", pk=response.pk)


@login_required
@require_http_methods(["GET", "POST"])
def response_detail(request: HttpRequest, pk: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        return _full_save(request, response)
    if permissions.can_edit_draft(request.user, response):
        return _form_page(request, response)
    return _read_page(request, response)


def _json_login_required(view):
    """Scripts get a 401 they can act on, rather than the login page: why the session ended,
    or that another person is signed in now (the page names whose answers it holds, so what
    one person typed is never saved in another's name)."""

    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return session_ended_reply(request)
        typed_by = request.POST.get("typed_by", "") if request.method == "POST" else ""
        if typed_by and typed_by != str(request.user.pk):
            return JsonResponse(
                {
                    "error": _(
                        "Another person is signed in now: nothing is saved in their name. Sign in "
                        "again as yourself; your answer is kept here."
                    ),
                    "code": "other_person",
                },
                status=401,
            )
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _question_item(response: Response, code: str) -> forms.QuestionItem:
    drafts = selectors.draft_answers(response=response)
    sections = _sections(
        response.cycle.instrument_version.definition,
        _draft_values(drafts),
        drafts=drafts,
        threads=_threads_by_question(response),
        attachments=_attachments(response),
    )
    return next(item for section in sections for item in section.items if item.q.code == code)


def _question_html(request: HttpRequest, response: Response, code: str) -> str:
    return render_to_string(
        "responses/_question_edit.html",
        {
            "item": _question_item(response, code),
            "response": response,
            "editing": True,
            "reply_form": forms.ReplyForm(),
            **_actions(request.user, response),
        },
        request=request,
    )


@_json_login_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """GET: the question's fields as the server has them (after a conflict: keep theirs).
    POST: autosave of one question with its base revision -> JSON
    ``{revision, saved, errors, conflicts, progress, changed}``."""
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    definition = response.cycle.instrument_version.definition
    question = questions_by_code(definition).get(code)
    if question is None:
        raise Http404
    if request.method == "GET":
        if not permissions.can_edit_draft(request.user, response):
            raise DjangoPermissionDenied
        return HttpResponse(_question_html(request, response, code))
    value = forms.answer_from_post(question, request.POST)
    base = request.POST.get("base_revision", "")
    try:
        result = services.draft_save(
            response=response,
            user=request.user,
            answers={code: value},
            base_revision={code: int(base) if base.isdigit() else 0},
            ip_address=client_ip(request),
        )
    except ApplicationError as error:
        return JsonResponse({"error": str(error.message), "code": error.code}, status=error.status_code)
    view = next(q for s in questionnaire_view(definition) for q in s.questions if q.code == code)
    attachments = _attachments(response) if question.type == "attachments" else {}
    conflicts = {
        c: {
            "revision": conflict["revision"],
            "by": conflict["by"],
            "at": _when(conflict["at"]),
            "yours_html": render_to_string(
                "responses/_answer_value.html",
                {"display": forms.answer_display(view, conflict["yours"], attachments)},
            ),
            "theirs_html": render_to_string(
                "responses/_answer_value.html",
                {"display": forms.answer_display(view, conflict["theirs"], attachments)},
            ),
        }
        for c, conflict in result.conflicts.items()
    }
    payload = {
        "revision": result.revision,
        "saved": result.saved,
        "errors": {c: str(message) for c, message in result.errors.items()},
        "conflicts": conflicts,
        "progress": _progress(definition, _draft_values(selectors.draft_answers(response=response))),
    }
    if result.ok:
        payload["changed"] = {"by": str(request.user), "at": _when(timezone.now())}
    status = 409 if result.conflicts else 400 if result.errors else 200
    return JsonResponse(payload, status=status)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a legislation text and add it to its question's answer, in one transaction: the
    upload locks the response, so the answer read here cannot change before it is saved."""
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    code = request.POST.get("question", "")
    wants_json = "application/json" in request.headers.get("Accept", "")
    upload = request.FILES.get("file")
    error_message = None
    if upload is None:
        error_message = _("Choose a file to upload.")
    else:
        try:
            with transaction.atomic():
                attachment = services.attachment_upload(
                    response=response, question_code=code, upload=upload, user=request.user
                )
                current = response.draft_answers.filter(question_code=code).first()
                ids = list(current.value) if current and isinstance(current.value, list) else []
                result = services.draft_save(
                    response=response,
                    user=request.user,
                    answers={code: [*ids, attachment.pk]},
                    base_revision={code: current.revision if current else 0},
                    ip_address=client_ip(request),
                )
                if not result.ok:
                    raise ApplicationError(
                        next(iter(result.errors.values()), _("The file could not be added."))
                    )
        except PermissionDenied as error:
            if wants_json:
                return JsonResponse({"error": str(error.message)}, status=403)
            raise DjangoPermissionDenied(str(error.message)) from error
        except ApplicationError as error:
            error_message = error.message
    if wants_json:
        if error_message:
            return JsonResponse({"error": str(error_message)}, status=400)
        return JsonResponse({"html": _question_html(request, response, code), "revision": result.revision})
    if error_message:
        messages.error(request, error_message)
    else:
        messages.success(request, _("%(name)s has been attached.") % {"name": attachment.original_name})
    return _to_question(response, code)


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    attachment = get_object_or_404(response.attachments, pk=attachment_id)
    served = FileResponse(attachment.file.open("rb"), content_type=ATTACHMENT_TYPES[attachment.kind])
    # The server chooses the file name; the person's own name travels only as filename*.
    original = quote(attachment.original_name.replace('"', "").replace("\\", ""), safe="")
    served["Content-Disposition"] = (
        f"attachment; filename=\"attachment-{attachment.pk}.{attachment.kind}\"; filename*=UTF-8''{original}"
    )
    served["X-Content-Type-Options"] = "nosniff"
    served["Content-Security-Policy"] = "sandbox"
    return served


@login_required
@require_POST
def carried_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    code = request.POST.get("question", "")
    run_service(
        request,
        services.draft_confirm_carried,
        response=response,
        user=request.user,
        question_codes=[code] if code else None,
        success=_("The carried-forward answer has been confirmed.")
        if code
        else _("The carried-forward answers have been confirmed."),
    )
    return _to_question(response, code)


@login_required
@require_POST
def thread_reply(request: HttpRequest, pk: int, thread_id: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    thread = get_object_or_404(response.threads, pk=thread_id)
    run_service(
        request,
        services.clarification_reply,
        thread=thread,
        user=request.user,
        text=request.POST.get("text", ""),
        success=_("Your reply has been sent."),
    )
    return _to_question(response, thread.question_code)


@login_required
@require_POST
def thread_resolve(request: HttpRequest, pk: int, thread_id: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    thread = get_object_or_404(response.threads, pk=thread_id)
    run_service(
        request,
        services.clarification_resolve,
        thread=thread,
        user=request.user,
        success=_("The thread is resolved."),
    )
    return _to_question(response, thread.question_code)


# --- Submitting and amending ------------------------------------------------------------


def _submit_page(
    request: HttpRequest,
    response: Response,
    *,
    errors: dict | None = None,
    changes: list | None = None,
    status=200,
):
    # The revision is read with the response, before the answers shown: an answer newer than
    # it makes the submission refused (safe), never the reverse.
    definition = response.cycle.instrument_version.definition
    drafts = selectors.draft_answers(response=response)
    values = _draft_values(drafts)
    if errors is None:
        errors = submission_errors(definition=definition, answers=values)
    attachments = _attachments(response)
    sections = _sections(definition, values, drafts=drafts, attachments=attachments, errors=errors)
    questions = {item.q.code: item.q for section in sections for item in section.items}
    texts = {code: q.text for code, q in questions.items()}
    context = {
        "response": response,
        "revision": response.draft_revision,
        "sections": sections,
        "problems": [
            {"code": code, "text": texts.get(code, code), "message": m} for code, m in errors.items()
        ],
        "changes": [
            {
                **change,
                "text": texts.get(change["code"], change["code"]),
                "at": _when(change["at"]),
                "display": forms.answer_display(questions[change["code"]], change["value"], attachments)
                if change["code"] in questions
                else {},
            }
            for change in changes or []
        ],
        "progress": forms.progress_of(iter_questions(definition), values),
        **_actions(request.user, response),
    }
    return render(request, "responses/submit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def response_submit(request: HttpRequest, pk: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    if not response.draft_open:
        messages.info(request, _("There is no draft to submit."))
        return redirect("responses:response_detail", pk=response.pk)
    if request.method == "GET":
        return _submit_page(request, response)
    base = request.POST.get("base_revision", "")
    if not base.isdigit():
        messages.error(request, _("Review the draft on this page, then submit it."))
        return _submit_page(request, response, status=400)
    try:
        version = services.response_submit(
            response=response, user=request.user, base_revision=int(base), ip_address=client_ip(request)
        )
    except SubmissionInvalid as error:
        messages.error(request, error.message)
        return _submit_page(request, response, errors=error.extra.get("errors", {}), status=400)
    except SubmissionStale as error:
        messages.error(request, error.message)
        response = selectors.response_get_for_user(user=request.user, pk=pk)
        return _submit_page(request, response, changes=error.extra["changes"], status=409)
    except PermissionDenied as error:
        raise DjangoPermissionDenied(str(error.message)) from error
    except ApplicationError as error:
        messages.error(request, error.message)
        return _submit_page(request, response, status=400)
    messages.success(
        request,
        _(
            "Version %(number)d has been submitted. Download its receipt and keep it as proof of what "
            "was sent."
        )
        % {"number": version.number},
    )
    return redirect("responses:version_detail", pk=response.pk, number=version.number)


@login_required
@require_POST
def response_amend(request: HttpRequest, pk: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    outcome = run_service(
        request,
        services.response_amend,
        response=response,
        user=request.user,
        ip_address=client_ip(request),
        success=_("An amendment draft has been opened from the latest version. Submit it when it is ready."),
    )
    if outcome:
        questions = {
            q.code: q
            for s in questionnaire_view(response.cycle.instrument_version.definition)
            for q in s.questions
        }
        if outcome["new_questions"]:
            messages.info(
                request,
                _("New questions in this version of the questionnaire: %(questions)s")
                % {
                    "questions": "; ".join(
                        questions[c].text for c in outcome["new_questions"] if c in questions
                    )
                },
            )
        if outcome["gone_questions"]:
            messages.warning(
                request,
                _("Questions no longer asked (their answers are not carried): %(questions)s")
                % {"questions": ", ".join(outcome["gone_questions"])},
            )
    return redirect("responses:response_detail", pk=response.pk)


# --- History ----------------------------------------------------------------------------


@login_required
def version_list(request: HttpRequest, pk: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    versions = (
        response.versions.select_related("author")
        .prefetch_related("acknowledgements__person")
        .order_by("-number")
    )
    return render(request, "responses/version_list.html", {"response": response, "versions": versions})


def _version_page(request, response, version, *, acknowledge_form=None, status=200) -> HttpResponse:
    sections = _sections(
        version.instrument_version.definition,
        version.answers,
        attachments=_attachments(response),
        answered_only=True,
    )
    can_acknowledge = (
        version.kind == ResponseVersion.Kind.SECRETARIAT_AMENDMENT
        and permissions.can_acknowledge(request.user, response)
    )
    context = {
        "response": response,
        "version": version,
        "sections": sections,
        "acknowledgements": version.acknowledgements.select_related("person"),
        "acknowledge_form": acknowledge_form or (forms.AcknowledgeForm() if can_acknowledge else None),
    }
    return render(request, "responses/version_detail.html", context, status=status)


@login_required
def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    version = selectors.version_get(response=response, number=number)
    return _version_page(request, response, version)


@login_required
@require_POST
def version_acknowledge(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    version = selectors.version_get(response=response, number=number)
    form = forms.AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.version_acknowledge(version=version, user=request.user, **form.cleaned_data)
        except PermissionDenied as error:
            raise DjangoPermissionDenied(str(error.message)) from error
        except ApplicationError as error:
            form.add_error("comment" if error.code == "comment_required" else None, error.message)
        else:
            messages.success(request, _("Your answer to the amendment has been recorded."))
            return redirect("responses:version_detail", pk=response.pk, number=version.number)
    return _version_page(request, response, version, acknowledge_form=form, status=400)


@login_required
def version_receipt(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    version = selectors.version_get(response=response, number=number)
    version.response = response
    filename, content_type, content = receipts.receipt_render(version)
    served = HttpResponse(content, content_type=content_type)
    served["Content-Disposition"] = f'attachment; filename="{filename}"'
    served["X-Content-Type-Options"] = "nosniff"
    return served


def _number(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() else default


@login_required
def version_diff(request: HttpRequest, pk: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    latest = response.latest_version_number
    new_number = _number(request.GET.get("to"), latest)
    old_number = _number(request.GET.get("from"), max(new_number - 1, 1))
    new = selectors.version_get(response=response, number=new_number)
    old = selectors.version_get(response=response, number=old_number)
    attachments = _attachments(response)
    questions = {
        q.code: q for s in questionnaire_view(new.instrument_version.definition) for q in s.questions
    }
    changes = []
    for change in versions_diff(
        definition=new.instrument_version.definition, old=old.answers, new=new.answers
    ):
        question = questions.get(change["code"])
        if question is not None:
            change["question"] = question
            change["from_display"] = forms.answer_display(question, change["from"], attachments)
            change["to_display"] = forms.answer_display(question, change["to"], attachments)
            if "rows" in change:
                change["added_display"] = forms.answer_display(question, change["rows"]["added"])
                change["removed_display"] = forms.answer_display(question, change["rows"]["removed"])
            if "treaties" in change:
                names = dict(question.treaties)
                change["treaty_changes"] = [
                    {
                        "name": names.get(code, code),
                        "from": forms.answer_display(question, {code: d["from"]}) if d["from"] else None,
                        "to": forms.answer_display(question, {code: d["to"]}) if d["to"] else None,
                    }
                    for code, d in change["treaties"].items()
                ]
        changes.append(change)
    context = {
        "response": response,
        "old": old,
        "new": new,
        "changes": changes,
        "numbers": range(1, latest + 1),
    }
    return render(request, "responses/version_diff.html", context)


# --- The secretariat's review -----------------------------------------------------------


@secretariat_required
def review_queue(request: HttpRequest, cycle_slug: str) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, slug=cycle_slug)
    form = forms.ReviewFilterForm(request.GET or None)
    responses = (
        selectors.responses_for_user(user=request.user)
        .filter(cycle=cycle)
        .annotate(
            queue_order=Case(
                *[When(status=status, then=Value(n)) for n, status in enumerate(QUEUE_ORDER)],
                output_field=IntegerField(),
            )
        )
        .order_by("queue_order", "-last_activity_at", "respondent__name_en")
    )
    if form.is_valid():
        if status := form.cleaned_data["status"]:
            responses = responses.filter(status=status)
        if group := form.cleaned_data["group"]:
            responses = responses.filter(respondent__regional_group=group)
    not_started = cycle.respondents.exclude(responses__cycle=cycle).count()
    return render(
        request,
        "responses/review_queue.html",
        {"cycle": cycle, "form": form, "responses": responses, "not_started": not_started},
    )


def _reviewable(request: HttpRequest, pk: int) -> Response:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    if not permissions.can_review(request.user, response):
        raise DjangoPermissionDenied
    return response


@login_required
@require_POST
def review_start(request: HttpRequest, pk: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    run_service(
        request,
        services.review_start,
        response=response,
        user=request.user,
        ip_address=client_ip(request),
        success=_("The response is in review."),
    )
    return redirect("responses:response_detail", pk=response.pk)


@login_required
@require_POST
def review_accept(request: HttpRequest, pk: int) -> HttpResponse:
    response = selectors.response_get_for_user(user=request.user, pk=pk)
    run_service(
        request,
        services.response_accept,
        response=response,
        user=request.user,
        ip_address=client_ip(request),
        success=_("The response has been accepted; the correspondents are notified."),
    )
    return redirect("responses:response_detail", pk=response.pk)


@login_required
@require_http_methods(["GET", "POST"])
def review_clarify(request: HttpRequest, pk: int) -> HttpResponse:
    response = _reviewable(request, pk)
    version = _latest_version(response)
    definition = version.instrument_version.definition
    form = forms.ClarificationForm(request.POST or None)
    comments: dict[str, str] = {}
    errors: dict = {}
    if request.method == "POST" and form.is_valid():
        comments = form.comments(request.POST, questions_by_code(definition))
        try:
            services.clarification_request(
                response=response,
                user=request.user,
                comments=comments,
                due_date=form.cleaned_data["due_date"],
                ip_address=client_ip(request),
            )
        except PermissionDenied as error:
            raise DjangoPermissionDenied(str(error.message)) from error
        except ApplicationError as error:
            form.add_error(None, error.message)
            errors = error.extra.get("errors", {})
        else:
            messages.success(request, _("The clarification request has been sent to the correspondents."))
            return redirect("responses:response_detail", pk=response.pk)
    sections = _sections(
        definition, version.answers, attachments=_attachments(response), errors=errors, show_all=True
    )
    return render(
        request,
        "responses/review_clarify.html",
        {"response": response, "version": version, "sections": sections, "form": form, "comments": comments},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_amend(request: HttpRequest, pk: int) -> HttpResponse:
    response = _reviewable(request, pk)
    version = _latest_version(response)
    definition = response.cycle.instrument_version.definition
    form = forms.SecretariatAmendmentForm(request.POST or None)
    values = dict(version.answers)
    chosen: list[str] = []
    errors: dict = {}
    if request.method == "POST" and form.is_valid():
        questions = questions_by_code(definition)
        chosen = [code for code in request.POST.getlist("amend") if code in questions]
        answers = {code: forms.answer_from_post(questions[code], request.POST) for code in chosen}
        values.update(answers)
        try:
            amended = services.secretariat_amendment_create(
                response=response,
                user=request.user,
                answers=answers,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except PermissionDenied as error:
            raise DjangoPermissionDenied(str(error.message)) from error
        except ApplicationError as error:
            errors = dict(error.extra.get("errors", {}))
            if "reason" in errors:
                form.add_error("reason", errors.pop("reason"))
            else:
                form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Version %(number)d (secretariat amendment) has been recorded; the correspondents are "
                    "notified."
                )
                % {"number": amended.number},
            )
            return redirect("responses:version_detail", pk=response.pk, number=amended.number)
    sections = _sections(definition, values, attachments=_attachments(response), errors=errors, show_all=True)
    return render(
        request,
        "responses/review_amend.html",
        {"response": response, "version": version, "sections": sections, "form": form, "chosen": chosen},
        status=400 if request.method == "POST" else 200,
    )
