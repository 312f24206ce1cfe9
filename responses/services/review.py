"""The secretariat's review: a state machine on the response, clarification threads attached
to questions, and secretariat amendments that the correspondents acknowledge or contest."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError, PermissionDenied
from portal.models import User
from portal.services import audit_record
from questionnaires.answers import AnswerError, clean_answer
from questionnaires.definition import questions_by_code
from responses import notifications, permissions
from responses.models import (
    ClarificationMessage,
    ClarificationThread,
    Response,
    ResponseVersion,
    VersionAcknowledgement,
)
from responses.search import search_index_response
from responses.services.versions import version_create

S = Response.Status
REVIEWABLE = (S.SUBMITTED, S.RESUBMITTED, S.IN_REVIEW)


def _locked(response: Response) -> Response:
    return (
        Response.objects.select_for_update()
        .select_related("cycle__instrument_version", "respondent")
        .get(pk=response.pk)
    )


def _require_review(user: User, response: Response, allowed: tuple, action: str) -> None:
    if not user.is_secretariat:
        raise PermissionDenied(_("Only the secretariat reviews responses."))
    if response.status not in allowed or response.latest_version_number == 0:
        raise ApplicationError(
            _("A response that is %(status)s cannot be %(action)s.")
            % {"status": response.get_status_display().lower(), "action": action},
            code="invalid_transition",
        )


def _transition(response: Response, status: str, **stamps) -> None:
    response.status = status
    response.updated_at = response.last_activity_at = timezone.now()
    for key, value in stamps.items():
        setattr(response, key, value)
    response.save(update_fields=["status", "updated_at", "last_activity_at", *stamps])


@transaction.atomic
def review_start(*, response: Response, user: User, ip_address: str | None = None) -> Response:
    response = _locked(response)
    _require_review(user, response, (S.SUBMITTED, S.RESUBMITTED), _("taken into review"))
    _transition(response, S.IN_REVIEW)
    audit_record(
        actor=user,
        action="response.review_started",
        obj=response,
        respondent=response.respondent,
        ip_address=ip_address,
    )
    return response


@transaction.atomic
def clarification_request(
    *, response: Response, user: User, comments: dict[str, str], due_date=None, ip_address: str | None = None
) -> list[ClarificationThread]:
    """Ask for clarification on questions: one thread per question, with a due date."""
    response = _locked(response)
    _require_review(user, response, REVIEWABLE, _("sent back for clarification"))
    if not comments:
        raise ApplicationError(_("Say which questions need clarification."), code="comments_required")
    if due_date is not None and due_date < timezone.localdate():
        raise ApplicationError(
            _("The due date is in the past."),
            code="due_date_past",
            extra={"errors": {"due_date": _("In the past.")}},
        )
    questions = questions_by_code(response.cycle.instrument_version.definition)
    errors = {}
    for code, text in comments.items():
        if code not in questions:
            errors[code] = _("There is no question %(code)s in this questionnaire.") % {"code": code}
        elif not isinstance(text, str) or not text.strip():
            errors[code] = _("Write what needs clarifying.")
        elif len(text) > 10000:
            errors[code] = _("Keep the request within 10,000 characters.")
    if errors:
        raise ApplicationError(
            _("Some comments are not valid."), code="invalid_comments", extra={"errors": errors}
        )
    threads = []
    for code, text in comments.items():
        thread = ClarificationThread.objects.create(
            response=response, question_code=code, due_date=due_date, created_by=user
        )
        ClarificationMessage.objects.create(thread=thread, author=user, text=text.strip())
        threads.append(thread)
    _transition(response, S.CLARIFICATION_REQUESTED)
    audit_record(
        actor=user,
        action="response.clarification_requested",
        obj=response,
        respondent=response.respondent,
        ip_address=ip_address,
        data={"questions": sorted(comments), "due": due_date.isoformat() if due_date else None},
    )
    notifications.clarification_requested(response_id=response.pk, thread_ids=[t.pk for t in threads])
    return threads


def _thread_for(user: User, thread: ClarificationThread) -> ClarificationThread:
    thread = ClarificationThread.objects.select_for_update().select_related("response").get(pk=thread.pk)
    response = thread.response
    if not (user.is_secretariat or permissions.can_acknowledge(user, response)):
        raise PermissionDenied(_("You cannot take part in this thread."))
    return thread


@transaction.atomic
def clarification_reply(*, thread: ClarificationThread, user: User, text: str) -> ClarificationMessage:
    thread = _thread_for(user, thread)
    if thread.status != ClarificationThread.Status.OPEN:
        raise ApplicationError(_("This thread is resolved."), code="resolved")
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("Write a reply."), code="empty")
    message = ClarificationMessage.objects.create(thread=thread, author=user, text=text[:10000])
    audit_record(
        actor=user, action="clarification.replied", obj=thread, respondent=thread.response.respondent
    )
    return message


@transaction.atomic
def clarification_resolve(*, thread: ClarificationThread, user: User) -> ClarificationThread:
    thread = _thread_for(user, thread)
    if not user.is_secretariat:
        raise PermissionDenied(_("The secretariat resolves clarification threads."))
    thread.status = ClarificationThread.Status.RESOLVED
    thread.resolved_by, thread.resolved_at = user, timezone.now()
    thread.save(update_fields=["status", "resolved_by", "resolved_at"])
    audit_record(
        actor=user, action="clarification.resolved", obj=thread, respondent=thread.response.respondent
    )
    return thread


@transaction.atomic
def response_accept(*, response: Response, user: User, ip_address: str | None = None) -> Response:
    response = _locked(response)
    _require_review(user, response, REVIEWABLE, _("accepted"))
    if response.draft_open:
        raise ApplicationError(
            _("The correspondents have an amendment draft open; wait for their submission."),
            code="draft_open",
        )
    _transition(
        response,
        S.ACCEPTED,
        accepted_at=timezone.now(),
        accepted_version_number=response.latest_version_number,
    )
    response.threads.filter(status=ClarificationThread.Status.OPEN).update(
        status=ClarificationThread.Status.RESOLVED, resolved_by=user, resolved_at=timezone.now()
    )
    search_index_response(response=response)
    audit_record(
        actor=user,
        action="response.accepted",
        obj=response,
        respondent=response.respondent,
        ip_address=ip_address,
        data={"version": response.latest_version_number},
    )
    notifications.response_accepted(response_id=response.pk)  # queued; sent once this commits
    return response


@transaction.atomic
def secretariat_amendment_create(
    *, response: Response, user: User, answers: dict, reason: str, ip_address: str | None = None
) -> ResponseVersion:
    """The secretariat amends a submitted response: a new version of its own kind with a
    mandatory reason, which the correspondents are told of and acknowledge or contest."""
    response = _locked(response)
    if not permissions.can_review(user, response):
        raise PermissionDenied(_("Only the secretariat amends submitted responses."))
    if response.draft_open and response.latest_version_number == 0:
        raise ApplicationError(_("Nothing has been submitted yet."), code="nothing_submitted")
    if response.draft_open:
        raise ApplicationError(
            _("The correspondents have an amendment draft open; amend after their submission."),
            code="draft_open",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Give the reason for the amendment."),
            code="reason_required",
            extra={"errors": {"reason": _("This field is required.")}},
        )
    if not answers:
        raise ApplicationError(_("Give the answers to amend."), code="answers_required")
    questions = questions_by_code(response.cycle.instrument_version.definition)
    latest = response.versions.order_by("-number").first()
    merged = dict(latest.answers)
    errors = {}
    for code, value in answers.items():
        if code not in questions:
            errors[code] = _("There is no question %(code)s in this questionnaire.") % {"code": code}
            continue
        try:
            cleaned = clean_answer(questions[code], value)
        except AnswerError as error:
            errors[code] = error.message
            continue
        if cleaned is None:
            merged.pop(code, None)
        else:
            merged[code] = cleaned
    if errors:
        raise ApplicationError(
            _("Some answers are not valid."), code="invalid_answers", extra={"errors": errors}
        )
    languages = {code: lang for code, lang in latest.answer_languages.items() if code in merged}
    version = version_create(
        response=response,
        kind=ResponseVersion.Kind.SECRETARIAT_AMENDMENT,
        answers=merged,
        languages=languages,
        author=user,
        reason=reason,
    )
    response.updated_at = response.last_activity_at = timezone.now()
    fields = ["latest_version_number", "updated_at", "last_activity_at"]
    if response.status == S.ACCEPTED:
        # The secretariat's own amendment of an accepted reply is what it accepts.
        response.accepted_version_number = version.number
        fields.append("accepted_version_number")
    response.save(update_fields=fields)
    search_index_response(response=response)
    audit_record(
        actor=user,
        action="response.secretariat_amendment",
        obj=version,
        respondent=response.respondent,
        ip_address=ip_address,
        data={"number": version.number, "questions": sorted(answers), "reason": reason},
    )
    notifications.secretariat_amendment(version_id=version.pk)  # queued; sent once this commits
    return version


@transaction.atomic
def version_acknowledge(
    *, version: ResponseVersion, user: User, decision: str, comment: str = ""
) -> VersionAcknowledgement:
    version = ResponseVersion.objects.select_related("response").get(pk=version.pk)
    if version.kind != ResponseVersion.Kind.SECRETARIAT_AMENDMENT:
        raise ApplicationError(_("Only secretariat amendments are acknowledged."), code="not_amendment")
    if not permissions.can_acknowledge(user, version.response):
        raise PermissionDenied(_("Only the respondent's correspondents acknowledge amendments."))
    if decision not in VersionAcknowledgement.Decision.values:
        raise ApplicationError(_("Acknowledge or contest the amendment."), code="invalid_decision")
    if decision == VersionAcknowledgement.Decision.CONTESTED and not comment.strip():
        raise ApplicationError(_("Say why you contest the amendment."), code="comment_required")
    acknowledgement = VersionAcknowledgement.objects.create(
        version=version, decision=decision, comment=comment.strip(), person=user
    )
    audit_record(
        actor=user,
        action=f"version.{decision}",
        obj=version,
        respondent=version.response.respondent,
        data={"comment": comment.strip()},
    )
    return acknowledgement
