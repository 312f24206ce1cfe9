"""Writes of the questionnaires domain: loading instruments, their life cycle, and cycles."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pgtrigger
import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.errors import ApplicationError, PermissionDenied
from portal.mail import mail_queue
from portal.models import Designation, Respondent, User
from portal.services import audit_record
from questionnaires.definition import (
    INSTRUMENTS_DIR,
    REFERENCE_DIR,
    DefinitionError,
    definition_sha256,
    iter_questions,
    missing_translations,
    read_definition_file,
    structure_sha256,
    validate_definition,
)
from questionnaires.models import (
    Cycle,
    Instrument,
    InstrumentComment,
    InstrumentVersion,
    Question,
    Standard,
    Treaty,
)


def reference_load() -> dict[str, int]:
    """Load the treaties and the standards and norms (idempotent)."""
    treaties = yaml.safe_load((REFERENCE_DIR / "treaties.yaml").read_text(encoding="utf-8"))
    for row in treaties:
        Treaty.objects.update_or_create(
            code=row["code"],
            defaults={k: row[k] for k in ("short_name", "title", "adopted", "category")},
        )
    standards = yaml.safe_load((REFERENCE_DIR / "standards.yaml").read_text(encoding="utf-8"))
    for row in standards:
        Standard.objects.update_or_create(
            code=row["code"],
            defaults={
                "short_name": row["short_name"],
                "title": row["title"],
                "resolution": row["resolution"],
                "year": row["year"],
                "category": row["category"],
                "first_surveyed_1993_34": bool(row.get("first_surveyed_1993_34")),
            },
        )
    return {"treaties": len(treaties), "standards": len(standards)}


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    translated: list[str] = field(default_factory=list)
    missing_translations: dict[str, int] = field(default_factory=dict)


def definition_files(directory: Path = INSTRUMENTS_DIR) -> list[Path]:
    return sorted(directory.glob("*/v*.yaml"), key=lambda p: (p.parent.name, int(p.stem[1:])))


@transaction.atomic
def instruments_load(*, directory: Path = INSTRUMENTS_DIR, languages: list[str] | None = None) -> LoadReport:
    """Validate every definition file, then load each (idempotent). A file whose version is
    published and stored with other content is refused: a change is a new version."""
    reference_load()
    treaty_codes = set(Treaty.objects.values_list("code", flat=True))
    languages = (
        languages
        if languages is not None
        else [lang for lang in settings.INSTRUMENT_LANGUAGES if lang != "en"]
    )
    parsed = []
    for path in definition_files(directory):
        definition = read_definition_file(path)
        expected = (path.parent.name, int(path.stem[1:]))
        validate_definition(
            definition, source=_display_path(path), treaty_codes=treaty_codes, expected=expected
        )
        parsed.append((path, definition))
    report = LoadReport()
    for path, definition in parsed:
        label = f"{definition['code']} v{definition['version']}"
        outcome = instrument_version_store(definition=definition, source=_display_path(path))
        getattr(report, outcome).append(label)
        missing = missing_translations(definition, languages)
        if missing:
            report.missing_translations[label] = len(missing)
    return report


def _display_path(path: Path) -> str:
    base = Path(settings.BASE_DIR)
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)


def instrument_version_store(*, definition: dict, source: str) -> str:
    """Store one validated definition; returns 'created', 'updated' or 'unchanged'."""
    sha = definition_sha256(definition)
    instrument, _created = Instrument.objects.get_or_create(
        code=definition["code"], defaults={"title": definition["title"]}
    )
    if instrument.title != definition["title"]:
        instrument.title = definition["title"]
        instrument.save(update_fields=["title"])
    version = InstrumentVersion.objects.filter(instrument=instrument, number=definition["version"]).first()
    structure = structure_sha256(definition)
    if version is not None and version.sha256 == sha:
        return "unchanged"
    if version is not None and version.is_published and version.structure_sha256 == structure:
        # Only translations changed: a published version takes them, past the trigger that
        # guards its definition, and the log says so.
        with pgtrigger.ignore("questionnaires.InstrumentVersion:published_definition_immutable"):
            InstrumentVersion.objects.filter(pk=version.pk).update(definition=definition, sha256=sha)
        Question.objects.filter(version=version).delete()
        _questions_create(version, definition)
        audit_record(actor=None, action="instrument.translations_updated", obj=version, data={"sha256": sha})
        return "translated"
    if version is not None and version.is_published:
        raise DefinitionError(
            source,
            "version",
            f"{instrument.code} v{version.number} is {version.status} and cannot change; "
            f"put the change in a new version (v{_next_number(instrument)})",
        )
    status = definition["status"]
    fields = {
        "definition": definition,
        "sha256": sha,
        "structure_sha256": structure,
        "source_file": source,
        "approved_by": definition.get("approved_by", ""),
    }
    if version is None:
        version = InstrumentVersion.objects.create(
            instrument=instrument,
            number=definition["version"],
            status=status,
            approved_at=timezone.now() if status == InstrumentVersion.Status.APPROVED else None,
            **fields,
        )
        outcome = "created"
    else:
        for key, value in fields.items():
            setattr(version, key, value)
        version.save()
        version.questions.all().delete()
        outcome = "updated"
    _questions_create(version, definition)
    return outcome


def _questions_create(version: InstrumentVersion, definition: dict) -> None:
    Question.objects.bulk_create(
        Question(
            version=version,
            code=q.code,
            section_code=q.section,
            group_code=q.group,
            order=q.order,
            type=q.type,
            text=q.text,
            mandate=q.spec.get("mandate", ""),
            required=q.required,
        )
        for q in iter_questions(definition)
    )


def _next_number(instrument: Instrument) -> int:
    last = instrument.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return last + 1


def _require_secretariat(user: User, *, admin: bool = False) -> None:
    allowed = user.is_secretariat_admin if admin else user.is_secretariat
    if not allowed:
        raise PermissionDenied(_("This is for the secretariat."))


def _locked_version(version: InstrumentVersion) -> InstrumentVersion:
    return InstrumentVersion.objects.select_for_update().select_related("instrument").get(pk=version.pk)


@transaction.atomic
def instrument_version_circulate(
    *, version: InstrumentVersion, comments_due, user: User
) -> InstrumentVersion:
    """Circulate a draft for comments to Member States, organizations and institutes
    (res. 2004/28, paras. 6 and 16)."""
    _require_secretariat(user, admin=True)
    version = _locked_version(version)
    if version.status != InstrumentVersion.Status.DRAFT:
        raise ApplicationError(_("Only a draft can be circulated for comments."), code="not_draft")
    version.status = InstrumentVersion.Status.CIRCULATED
    version.circulated_at = timezone.now()
    version.comments_due = comments_due
    version.save(update_fields=["status", "circulated_at", "comments_due"])
    audit_record(actor=user, action="instrument.circulated", obj=version)
    return version


@transaction.atomic
def instrument_comment_add(
    *, version: InstrumentVersion, question_code: str, respondent: Respondent, text: str, user: User
) -> InstrumentComment:
    version = InstrumentVersion.objects.get(pk=version.pk)
    if version.status != InstrumentVersion.Status.CIRCULATED:
        raise ApplicationError(_("This version is not open for comments."), code="not_circulated")
    if not Respondent.objects.for_user(user).filter(pk=respondent.pk).exists() or user.is_secretariat:
        raise PermissionDenied(_("Comments come from the correspondents of a respondent."))
    if not version.questions.filter(code=question_code).exists():
        raise ApplicationError(_("There is no such question in this version."), code="unknown_question")
    text = text.strip()
    if not text:
        raise ApplicationError(_("Write a comment."), code="empty")
    comment = InstrumentComment.objects.create(
        version=version, question_code=question_code, respondent=respondent, author=user, text=text
    )
    audit_record(
        actor=user,
        action="instrument.commented",
        obj=comment,
        respondent=respondent,
        data={"question": question_code},
    )
    return comment


@transaction.atomic
def instrument_version_approve(
    *, version: InstrumentVersion, approved_by: str, user: User
) -> InstrumentVersion:
    """Record which Commission session approved the version; only approved versions are used
    in cycles (res. 2004/28, paras. 7 and 17)."""
    _require_secretariat(user, admin=True)
    version = _locked_version(version)
    if version.status not in (InstrumentVersion.Status.DRAFT, InstrumentVersion.Status.CIRCULATED):
        raise ApplicationError(
            _("This version is already %(status)s.") % {"status": version.get_status_display()},
            code="not_approvable",
        )
    if not approved_by.strip():
        raise ApplicationError(
            _("Name the Commission session that approved the version."), code="approved_by_required"
        )
    version.status = InstrumentVersion.Status.APPROVED
    version.approved_by = approved_by.strip()
    version.approved_at = timezone.now()
    version.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(actor=user, action="instrument.approved", obj=version, data={"by": version.approved_by})
    return version


@transaction.atomic
def cycle_create(
    *,
    slug: str,
    title: str,
    instrument_version: InstrumentVersion,
    session_number: int,
    session_year: int,
    document_symbol: str,
    opens_on,
    deadline,
    respondents=None,
    include_organizations: bool = False,
    user: User,
    **details,
) -> Cycle:
    _require_secretariat(user, admin=True)
    if instrument_version.status != InstrumentVersion.Status.APPROVED:
        raise ApplicationError(
            _("Only an approved instrument version can be used in a cycle."), code="version_not_approved"
        )
    if deadline < opens_on:
        raise ApplicationError(
            _("The deadline must not come before the opening date."), code="deadline_before_opening"
        )
    if Cycle.objects.filter(slug=slug).exists():
        raise ApplicationError(_("A cycle with this short name exists already."), code="slug_taken")
    if Cycle.objects.filter(document_symbol=document_symbol).exists():
        raise ApplicationError(_("Another cycle has this document symbol."), code="symbol_taken")
    cycle = Cycle.objects.create(
        slug=slug,
        title=title,
        instrument_version=instrument_version,
        session_number=session_number,
        session_year=session_year,
        document_symbol=document_symbol,
        opens_on=opens_on,
        deadline=deadline,
        created_by=user,
        **details,
    )
    if respondents is None:
        respondents = Respondent.objects.filter(is_active=True, kind=Respondent.Kind.MEMBER_STATE)
        if include_organizations:
            respondents = Respondent.objects.filter(is_active=True)
    cycle.respondents.set(respondents)
    audit_record(actor=user, action="cycle.created", obj=cycle, data={"symbol": document_symbol})
    return cycle


@transaction.atomic
def cycle_open(*, cycle: Cycle, user: User, notify: bool = True) -> Cycle:
    """Open the cycle and e-mail every designated correspondent of the respondents asked."""
    _require_secretariat(user, admin=True)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.DRAFT:
        raise ApplicationError(_("Only a cycle in preparation can be opened."), code="not_draft")
    cycle.status = Cycle.Status.OPEN
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=["status", "opened_at"])
    audit_record(actor=user, action="cycle.opened", obj=cycle)
    if notify:
        cycle_notify_opened(cycle=cycle)  # queued; sent once this commits
    return cycle


def cycle_notify_opened(*, cycle: Cycle) -> int:
    """Queue, for every designated correspondent of the respondents asked, a notice in
    their language that the questionnaire is open."""
    designations = (
        Designation.objects.active()
        .filter(respondent__in=cycle.respondents.all(), person__is_active=True)
        .exclude(person__email="")
        .select_related("person", "respondent")
    )
    queued = 0
    for designation in designations:
        mail_queue(
            person=designation.person,
            subject=gettext_noop("Questionnaire open: %(title)s"),
            template="questionnaires/email/cycle_opened.txt",
            context={"cycle": cycle, "respondent": designation.respondent},
            key=f"cycle-opened:{cycle.pk}:{designation.pk}",
            params={"title": cycle.title},
        )
        queued += 1
    return queued


@transaction.atomic
def cycle_close(*, cycle: Cycle, user: User) -> Cycle:
    _require_secretariat(user, admin=True)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        raise ApplicationError(_("Only an open cycle can be closed."), code="not_open")
    cycle.status = Cycle.Status.CLOSED
    cycle.closed_at = timezone.now()
    cycle.save(update_fields=["status", "closed_at"])
    audit_record(actor=user, action="cycle.closed", obj=cycle)
    return cycle
