"""Submitting and amending: every submission is a new immutable version in a hash chain."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError, PermissionDenied
from portal.models import Respondent, User
from portal.services import audit_record
from questionnaires.answers import AnswerError, clean_answer, is_visible, missing_required
from questionnaires.definition import iter_questions, questions_by_code
from responses import notifications, permissions
from responses.hashing import answers_sha256, version_seal, version_sha256
from responses.models import DraftAnswer, Response, ResponseVersion


class SubmissionInvalid(ApplicationError):
    """The draft cannot be submitted: ``extra['errors']`` maps question codes to messages."""


class SubmissionStale(ApplicationError):
    """The draft changed after the revision the person reviewed: ``extra['revision']`` is the
    current one, ``extra['changes']`` the answers changed since (code, value, by, at)."""

    status_code = 409


def _locked(response: Response) -> Response:
    return (
        Response.objects.select_for_update()
        .select_related("cycle__instrument_version", "respondent")
        .get(pk=response.pk)
    )


def submission_errors(*, definition: dict, answers: dict) -> dict[str, str]:
    """Every problem that stops a submission: invalid values and required answers missing."""
    questions = list(iter_questions(definition))
    errors: dict[str, str] = {}
    for question in questions:
        value = answers.get(question.code)
        if value is None or not is_visible(question, answers):
            continue
        try:
            clean_answer(question, value)
        except AnswerError as error:
            errors[question.code] = error.message
    for question in missing_required(questions, answers):
        errors.setdefault(
            question.code,
            _("This question needs an answer (or 'not applicable' / 'no information')."),
        )
    return errors


def _shown_answers(definition: dict, answers: dict) -> dict:
    """The answers to the questions the other answers show, in questionnaire order: an
    answer kept in the draft for a question hidden by its condition is not part of what
    the state sends (a hidden question also hides the questions that depend on it)."""
    shown: dict = {}
    for question in iter_questions(definition):
        if question.code in answers and is_visible(question, shown):
            shown[question.code] = answers[question.code]
    return shown


def version_create(
    *, response: Response, kind: str, answers: dict, languages: dict, author: User, reason: str = ""
) -> ResponseVersion:
    """Append the next version to the response and to the respondent's hash chain. The
    caller holds the response's row lock; the respondent's row lock orders the chain."""
    Respondent.objects.select_for_update().get(pk=response.respondent_id)
    previous = (
        ResponseVersion.objects.filter(response__respondent_id=response.respondent_id)
        .order_by("-created_at", "-id")
        .values_list("sha256", flat=True)
        .first()
        or ""
    )
    number = response.latest_version_number + 1
    created_at = timezone.now()
    content = answers_sha256(answers)
    sha256 = version_sha256(
        previous_sha256=previous,
        respondent_code=response.respondent.code,
        cycle_slug=response.cycle.slug,
        number=number,
        kind=kind,
        author=author.username,
        reason=reason,
        created_at=created_at.isoformat(),
        content_sha256=content,
    )
    version = ResponseVersion.objects.create(
        response=response,
        number=number,
        kind=kind,
        instrument_version=response.cycle.instrument_version,
        answers=answers,
        answer_languages=languages,
        author=author,
        reason=reason,
        created_at=created_at,
        content_sha256=content,
        previous_sha256=previous,
        sha256=sha256,
        seal=version_seal(sha256),
    )
    response.latest_version_number = number
    return version


@transaction.atomic
def response_submit(
    *, response: Response, user: User, base_revision: int, ip_address: str | None = None
) -> ResponseVersion:
    """Validate the whole draft and turn it into the next immutable version. ``base_revision``
    is the draft revision the person reviewed: what a colleague saved after it is not sent
    unseen, the submission is refused with those changes."""
    response = _locked(response)
    if not permissions.can_submit(user, response):
        raise PermissionDenied(
            _("Only the focal point of %(respondent)s, or a correspondent it authorised, submits.")
            % {"respondent": response.respondent}
        )
    drafts = {a.question_code: a for a in response.draft_answers.select_related("updated_by")}
    if base_revision != response.draft_revision:
        changes = sorted(
            (
                {
                    "code": code,
                    "value": a.value,
                    "by": str(a.updated_by) if a.updated_by else "",
                    "at": a.updated_at.isoformat(),
                    "revision": a.revision,
                }
                for code, a in drafts.items()
                if a.revision > base_revision
            ),
            key=lambda change: change["code"],
        )
        raise SubmissionStale(
            _("The draft changed after you reviewed it; review the changes and submit again."),
            code="draft_changed",
            extra={"revision": response.draft_revision, "changes": changes},
        )
    answers = {code: a.value for code, a in drafts.items() if a.value is not None}
    definition = response.cycle.instrument_version.definition
    errors = submission_errors(definition=definition, answers=answers)
    if errors:
        raise SubmissionInvalid(
            _("The response cannot be submitted yet: %(count)d question(s) need attention.")
            % {"count": len(errors)},
            code="invalid_submission",
            extra={"errors": errors},
        )
    answers = _shown_answers(definition, answers)
    languages = {code: drafts[code].language for code in answers if drafts[code].language}
    first = response.latest_version_number == 0
    version = version_create(
        response=response,
        kind=ResponseVersion.Kind.INITIAL if first else ResponseVersion.Kind.AMENDED,
        answers=answers,
        languages=languages,
        author=user,
    )
    now = timezone.now()
    response.status = Response.Status.SUBMITTED if first else Response.Status.RESUBMITTED
    response.draft_open = False
    response.submitted_at = response.updated_at = response.last_activity_at = now
    response.save(
        update_fields=[
            "status",
            "draft_open",
            "submitted_at",
            "updated_at",
            "last_activity_at",
            "latest_version_number",
        ]
    )
    audit_record(
        actor=user,
        action="response.submitted",
        obj=version,
        respondent=response.respondent,
        ip_address=ip_address,
        data={"number": version.number, "kind": version.kind, "sha256": version.sha256},
    )
    notifications.submission_received(version_id=version.pk)  # queued; sent once this commits
    return version


@transaction.atomic
def response_amend(*, response: Response, user: User, ip_address: str | None = None) -> dict:
    """Open an amendment draft from the latest version (res. 1997/34, para. 3). Answers are
    mapped by question code onto the cycle's instrument version; returns the questions that
    are new in it and those that are gone."""
    response = _locked(response)
    if not permissions.can_amend(user, response):
        if response.draft_open:
            raise ApplicationError(_("An amendment draft is already open."), code="draft_open")
        raise PermissionDenied(_("You cannot amend this response."))
    latest = response.versions.order_by("-number").first()
    questions = questions_by_code(response.cycle.instrument_version.definition)
    carried = {code: value for code, value in latest.answers.items() if code in questions}
    gone = sorted(set(latest.answers) - set(questions))
    new = sorted(set(questions) - set(questions_by_code(latest.instrument_version.definition)))
    response.draft_revision += 1
    response.draft_answers.all().delete()
    DraftAnswer.objects.bulk_create(
        DraftAnswer(
            response=response,
            question_code=code,
            value=value,
            revision=response.draft_revision,
            language=latest.answer_languages.get(code, ""),
            updated_by=latest.author,
            updated_at=latest.created_at,
        )
        for code, value in carried.items()
    )
    response.draft_open = True
    response.updated_at = response.last_activity_at = timezone.now()
    response.save(update_fields=["draft_open", "draft_revision", "updated_at", "last_activity_at"])
    audit_record(
        actor=user,
        action="response.amendment_opened",
        obj=response,
        respondent=response.respondent,
        ip_address=ip_address,
        data={"from_version": latest.number, "new_questions": new, "gone_questions": gone},
    )
    return {"from_version": latest.number, "new_questions": new, "gone_questions": gone}
