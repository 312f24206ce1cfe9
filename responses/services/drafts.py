"""Starting a response, saving its draft with the concurrency rule, carrying answers forward."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.errors import ApplicationError, PermissionDenied
from portal.models import Respondent, User
from portal.services import audit_record
from questionnaires.answers import AnswerError, clean_answer
from questionnaires.definition import questions_by_code
from questionnaires.models import Cycle
from responses import permissions
from responses.models import Attachment, DraftAnswer, Response, ResponseVersion


def response_start(
    *, cycle: Cycle, respondent: Respondent, user: User, carry_forward: bool = True
) -> Response:
    """The respondent's response in the cycle, created on first use (idempotent). A new
    draft starts from the respondent's latest accepted answers of an earlier cycle."""
    if not (user.is_secretariat or permissions.acts_for(user, respondent)):
        raise PermissionDenied(_("You do not act for %(respondent)s.") % {"respondent": respondent})
    if cycle.status != Cycle.Status.OPEN:
        raise ApplicationError(_("This cycle is not open."), code="cycle_not_open")
    if not cycle.respondents.filter(pk=respondent.pk).exists():
        raise ApplicationError(_("This cycle does not ask %(respondent)s.") % {"respondent": respondent})
    existing = Response.objects.filter(cycle=cycle, respondent=respondent).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            response = Response.objects.create(cycle=cycle, respondent=respondent)
            audit_record(actor=user, action="response.started", obj=response, respondent=respondent)
            if carry_forward:
                draft_carry_forward(response=response, user=user)
    except IntegrityError:  # started by a colleague at the same moment
        return Response.objects.get(cycle=cycle, respondent=respondent)
    return response


@dataclass
class DraftSaveResult:
    revision: int
    saved: dict[str, int] = field(default_factory=dict)  # question code -> its new revision
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, dict] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.conflicts


def _locked(response: Response) -> Response:
    # The definition is not read: the version's parsed questions are cached by its content.
    return (
        Response.objects.select_for_update()
        .select_related("cycle__instrument_version")
        .defer("cycle__instrument_version__definition")
        .get(pk=response.pk)
    )


def _refuse_foreign_attachments(response: Response, questions: dict, cleaned: dict, errors: dict) -> None:
    """An answer lists only files uploaded by its own respondent (in this or an earlier
    cycle, from which answers are carried forward): another respondent's attachment id
    would make the stored version reference that state's file."""
    wanted = {
        code: value
        for code, value in cleaned.items()
        if questions[code].type == "attachments" and isinstance(value, list)
    }
    if not wanted:
        return
    owned = set(
        Attachment.objects.filter(
            pk__in={pk for ids in wanted.values() for pk in ids},
            response__respondent_id=response.respondent_id,
        ).values_list("pk", flat=True)
    )
    for code, ids in wanted.items():
        if not owned.issuperset(ids):
            errors[code] = _("Attach only files uploaded for this response; upload the file here.")
            del cleaned[code]


@transaction.atomic
def draft_save(
    *,
    response: Response,
    user: User,
    answers: dict,
    base_revision: int | dict[str, int],
    language: str | None = None,
    ip_address: str | None = None,
) -> DraftSaveResult:
    """Save some answers of the draft. All or nothing: every value is validated for its
    question type, and a question that someone else changed after ``base_revision`` (one
    number for the whole draft, or one per question) is a conflict showing both values."""
    response = _locked(response)
    if not permissions.can_edit_draft(user, response):
        raise PermissionDenied(_("You cannot change this draft."))
    bases = base_revision.values() if isinstance(base_revision, dict) else [base_revision]
    if any(base > response.draft_revision for base in bases):
        # A revision from the future would skip the conflict check: refuse it.
        raise ApplicationError(_("This draft has no such revision; reload it."), code="unknown_revision")
    questions = response.cycle.instrument_version.questions_by_code()
    result = DraftSaveResult(revision=response.draft_revision)
    cleaned: dict[str, object] = {}
    for code, value in answers.items():
        question = questions.get(code)
        if question is None:
            result.errors[code] = _("There is no question %(code)s in this questionnaire.") % {"code": code}
            continue
        try:
            cleaned[code] = clean_answer(question, value)
        except AnswerError as error:
            result.errors[code] = error.message
    _refuse_foreign_attachments(response, questions, cleaned, result.errors)
    current = {a.question_code: a for a in response.draft_answers.filter(question_code__in=list(answers))}
    for code, value in cleaned.items():
        base = base_revision.get(code, 0) if isinstance(base_revision, dict) else base_revision
        existing = current.get(code)
        if existing is not None and existing.revision > base and existing.value != value:
            result.conflicts[code] = {
                "yours": value,
                "theirs": existing.value,
                "revision": existing.revision,
                "by": str(existing.updated_by) if existing.updated_by else "",
                "at": existing.updated_at.isoformat(),
            }
    if not result.ok:
        return result
    changed = {code: v for code, v in cleaned.items() if code not in current or current[code].value != v}
    if not changed:
        result.saved = {code: current[code].revision if code in current else 0 for code in cleaned}
        return result
    now = timezone.now()
    response.draft_revision += 1
    response.updated_at = response.last_activity_at = now
    response.save(update_fields=["draft_revision", "updated_at", "last_activity_at"])
    language = (language or get_language() or "en").split("-")[0]
    # One statement for all the answers of the save (an upsert on response and question).
    DraftAnswer.objects.bulk_create(
        [
            DraftAnswer(
                response=response,
                question_code=code,
                value=value,
                revision=response.draft_revision,
                updated_by=user,
                updated_at=now,
                carried_forward=False,
                language=language,
            )
            for code, value in changed.items()
        ],
        update_conflicts=True,
        unique_fields=["response", "question_code"],
        update_fields=["value", "revision", "updated_by", "updated_at", "carried_forward", "language"],
    )
    result.revision = response.draft_revision
    result.saved = {code: response.draft_revision for code in changed}
    result.saved.update({code: current[code].revision for code in cleaned if code not in changed})
    audit_record(
        actor=user,
        action="draft.saved",
        obj=response,
        respondent=response.respondent,
        ip_address=ip_address,
        data={"questions": sorted(changed), "revision": response.draft_revision},
    )
    return result


@transaction.atomic
def draft_carry_forward(*, response: Response, user: User) -> int:
    """Prefill empty draft answers from the respondent's latest accepted version in an
    earlier cycle, matched by question code; marked as carried until confirmed or edited."""
    source = (
        ResponseVersion.objects.accepted()
        .filter(response__respondent=response.respondent)
        .exclude(response__cycle=response.cycle)
        .order_by("-created_at")
        .first()
    )
    if source is None:
        return 0
    questions = questions_by_code(response.cycle.instrument_version.definition)
    answered = set(response.draft_answers.values_list("question_code", flat=True))
    carried = 0
    for code, value in source.answers.items():
        if code not in questions or code in answered or value is None:
            continue
        try:
            value = clean_answer(questions[code], value)
        except AnswerError:
            continue  # the question's rules changed; the correspondent answers it anew
        DraftAnswer.objects.create(
            response=response,
            question_code=code,
            value=value,
            revision=response.draft_revision,
            carried_forward=True,
            carried_from=source,
            language=source.answer_languages.get(code, ""),
            updated_by=source.author,
            updated_at=source.created_at,
        )
        carried += 1
    if carried:
        Response.objects.filter(pk=response.pk).update(carried_from=source)
        audit_record(
            actor=user,
            action="draft.carried_forward",
            obj=response,
            respondent=response.respondent,
            data={"from_version": source.pk, "answers": carried},
        )
    return carried


@transaction.atomic
def draft_confirm_carried(*, response: Response, user: User, question_codes: list[str] | None = None) -> int:
    response = _locked(response)
    if not permissions.can_edit_draft(user, response):
        raise PermissionDenied(_("You cannot change this draft."))
    answers = response.draft_answers.filter(carried_forward=True)
    if question_codes is not None:
        answers = answers.filter(question_code__in=question_codes)
    confirmed = answers.update(carried_forward=False, updated_by=user, updated_at=timezone.now())
    audit_record(
        actor=user,
        action="draft.carried_confirmed",
        obj=response,
        respondent=response.respondent,
        data={"answers": confirmed},
    )
    return confirmed
