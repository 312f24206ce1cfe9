"""Instruments (questionnaires) as versioned data, their reference tables, and reporting cycles."""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.models import Respondent


def localized_with_fallback(texts: dict | None, language: str | None = None) -> tuple[str, bool]:
    """The text in the active language (or ``language``) and whether it fell back to English
    because that language is missing, so a page can mark the English text as such."""
    if not texts:
        return "", False
    language = (language or get_language() or "en").split("-")[0]
    if texts.get(language):
        return texts[language], False
    english = texts.get("en") or ""
    return english, bool(english) and language != "en"


def localized(texts: dict | None, language: str | None = None) -> str:
    """The text in the active language, falling back to English. Never silently blank."""
    return localized_with_fallback(texts, language)[0]


class Treaty(models.Model):
    class Category(models.TextChoices):
        TERRORISM = "terrorism", _("International terrorism")
        DRUGS = "drugs", _("Drug control")
        ORGANIZED_CRIME = "organized_crime", _("Organized crime")
        CORRUPTION = "corruption", _("Corruption")

    code = models.SlugField(_("code"), max_length=80, unique=True)
    short_name = models.JSONField(_("short name"))
    title = models.JSONField(_("title"))
    adopted = models.PositiveSmallIntegerField(_("year of adoption"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)

    class Meta:
        ordering = ["category", "adopted", "code"]
        verbose_name = _("treaty")
        verbose_name_plural = _("treaties")

    def __str__(self) -> str:
        return localized(self.short_name)


class Standard(models.Model):
    """A United Nations standard or norm in crime prevention and criminal justice."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    short_name = models.JSONField(_("short name"))
    title = models.JSONField(_("title"))
    resolution = models.CharField(_("resolution"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.PositiveSmallIntegerField(_("category (res. 2003/30)"))
    first_surveyed_1993_34 = models.BooleanField(default=False)

    class Meta:
        ordering = ["category", "year", "code"]
        verbose_name = _("standard or norm")
        verbose_name_plural = _("standards and norms")

    def __str__(self) -> str:
        return localized(self.short_name)


class Instrument(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    title = models.JSONField(_("title"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return f"{self.code} — {localized(self.title)}"


@pghistory.track(exclude=["definition"])
class InstrumentVersion(models.Model):
    """One version of an instrument. ``definition`` holds the definition file's content;
    questions are also stored as rows so answers, comments and reports can refer to them.
    Once it leaves draft a version is immutable, enforced by a database trigger."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CIRCULATED = "circulated", _("Circulated for comments")
        APPROVED = "approved", _("Approved")
        RETIRED = "retired", _("Retired")

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    definition = models.JSONField(_("definition"))
    sha256 = models.CharField(_("SHA-256 of the definition"), max_length=64)
    structure_sha256 = models.CharField(
        _("SHA-256 of the original"),
        max_length=64,
        default="",
        help_text=_("Everything but the translations."),
    )
    source_file = models.CharField(_("definition file"), max_length=300, blank=True)
    approved_by = models.CharField(
        _("approved by"),
        max_length=200,
        blank=True,
        help_text=_("The Commission session that approved this version."),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    circulated_at = models.DateTimeField(_("circulated at"), null=True, blank=True)
    comments_due = models.DateField(_("comments due"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["instrument", "-number"]
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="unique_instrument_version"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="published_definition_immutable",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "OLD.status <> 'draft' AND (OLD.definition IS DISTINCT FROM NEW.definition"
                    " OR OLD.number IS DISTINCT FROM NEW.number"
                    " OR OLD.instrument_id IS DISTINCT FROM NEW.instrument_id)"
                ),
            ),
            pgtrigger.Protect(
                name="published_version_undeletable",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Condition("OLD.status <> 'draft'"),
            ),
        ]

    @property
    def is_published(self) -> bool:
        return self.status != self.Status.DRAFT

    def questions_by_code(self) -> dict:
        """The version's questions by code, parsed once per process and content: every
        autosave validates against them, and the definition is large."""
        from questionnaires.definition import questions_by_code

        key = (self.pk, self.sha256)
        questions = _QUESTIONS_CACHE.get(key)
        if questions is None:
            questions = _QUESTIONS_CACHE[key] = questions_by_code(self.definition)
        return questions

    @property
    def title(self) -> str:
        return localized(self.definition.get("title"))

    def __str__(self) -> str:
        return f"{self.instrument.code} v{self.number}"


_QUESTIONS_CACHE: dict[tuple[int, str], dict] = {}


class Question(models.Model):
    """A question of one instrument version, as a row. ``code`` is stable across versions."""

    version = models.ForeignKey(InstrumentVersion, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(_("code"), max_length=120)
    section_code = models.CharField(_("section"), max_length=60)
    group_code = models.CharField(_("group"), max_length=120, blank=True)
    order = models.PositiveIntegerField()
    type = models.CharField(_("type"), max_length=30)
    text = models.JSONField(_("text"))
    mandate = models.CharField(_("mandate"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_question_code_per_version"),
        ]

    def __str__(self) -> str:
        return self.code


class InstrumentComment(models.Model):
    """A comment on a question of a version circulated for comments (res. 2004/28, paras. 6, 16)."""

    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="comments")
    question_code = models.CharField(_("question"), max_length=120)
    respondent = models.ForeignKey(Respondent, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version", "question_code", "created_at"]

    def __str__(self) -> str:
        return f"{self.respondent.code} on {self.question_code}"


class CycleQuerySet(models.QuerySet):
    def open(self) -> CycleQuerySet:
        return self.filter(status=Cycle.Status.OPEN)

    def for_user(self, user) -> CycleQuerySet:
        """The secretariat sees every cycle; a correspondent the open and closed cycles that
        ask one of their respondents; a Commission member none (they see published reports)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_secretariat:
            return self.all()
        if user.is_correspondent:
            return (
                self.exclude(status=Cycle.Status.DRAFT)
                .filter(respondents__in=Respondent.objects.for_user(user))
                .distinct()
            )
        return self.none()


@pghistory.track()
class Cycle(models.Model):
    """One round of information-gathering for one Commission session."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("In preparation")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    instrument_version = models.ForeignKey(
        InstrumentVersion,
        on_delete=models.PROTECT,
        related_name="cycles",
        verbose_name=_("instrument version"),
    )
    session_number = models.PositiveSmallIntegerField(_("Commission session"))
    session_year = models.PositiveSmallIntegerField(_("session year"))
    session_start = models.DateField(_("session opens"), null=True, blank=True)
    session_end = models.DateField(_("session closes"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=100, default="Vienna")
    agenda_item = models.PositiveSmallIntegerField(_("item of the provisional agenda"), default=4)
    document_symbol = models.CharField(_("document symbol"), max_length=60, unique=True)
    opens_on = models.DateField(_("opens on"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    respondents = models.ManyToManyField(
        Respondent, related_name="cycles", verbose_name=_("respondents asked")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = CycleQuerySet.as_manager()

    class Meta:
        ordering = ["-session_year", "slug"]
        verbose_name = _("reporting cycle")
        verbose_name_plural = _("reporting cycles")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("opens_on")), name="cycle_deadline_after_opening"
            ),
        ]

    @property
    def days_left(self) -> int:
        return (self.deadline - timezone.localdate()).days

    def __str__(self) -> str:
        return self.title
