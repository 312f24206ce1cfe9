"""The Secretary-General's session report: a compile job per cycle, the documents it produced
(the main report and its addenda), and the secretariat's conclusions that go into it."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from questionnaires.models import Cycle, InstrumentVersion

ACTIVE_STATUSES = ("queued", "running")


class ReportQuerySet(models.QuerySet):
    def active(self) -> ReportQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def for_user(self, user) -> ReportQuerySet:
        """The secretariat sees every report; a Commission member the published ones;
        everyone else (correspondents included) none."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_secretariat:
            return self.all()
        if user.is_commission_member:
            return self.filter(published=True)
        return self.none()


class Report(models.Model):
    """One compile of a cycle's report, from queued to done (or failed).

    The inputs are fixed when the compile starts collecting: the cutoff, the exact response
    versions (``versions``), the instrument version and a copy of the conclusions. A
    published report is immutable in the database itself.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="reports", verbose_name=_("cycle")
    )
    language = models.CharField(_("language"), max_length=8, default="en")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    cutoff = models.DateTimeField(_("cutoff"), help_text=_("Versions created after this time are left out."))
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
        help_text=_("Empty when compiled by the compile_report command."),
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last activity"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    versions = models.JSONField(
        _("response versions used"),
        default=list,
        blank=True,
        help_text=_("[{id, respondent, number, sha256}] of every version the report compiles."),
    )
    conclusions = models.TextField(_("conclusions and recommendations"), blank=True)
    sha256 = models.CharField(_("SHA-256 of the documents"), max_length=64, blank=True)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    log = models.TextField(_("compile log"), blank=True)
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("session report")
        verbose_name_plural = _("session reports")
        constraints = [
            # One compile per cycle at a time.
            models.UniqueConstraint(
                fields=["cycle"], condition=Q(status__in=ACTIVE_STATUSES), name="one_active_report_per_cycle"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_at_most_100"),
            models.CheckConstraint(
                condition=Q(published=False) | Q(status="done"), name="only_a_done_report_is_published"
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="published_report_immutable",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Condition("OLD.published"),
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def main_document(self) -> ReportDocument | None:
        return next((d for d in self.documents.all() if d.kind == ReportDocument.Kind.MAIN), None)

    def __str__(self) -> str:
        return f"{self.cycle.document_symbol} #{self.pk} ({self.status})"


def document_path(document: ReportDocument, sha256: str) -> str:
    """Content-addressed: the same bytes are stored once and shared by every report that
    produced or reused them; rewriting the same path is harmless."""
    return f"reports/{document.report.cycle.slug}/{sha256}/{document.filename}"


class ReportDocument(models.Model):
    """The main report or one of its addenda. Pending until its file is stored."""

    class Kind(models.TextChoices):
        MAIN = "main", _("Report")
        ADDENDUM = "addendum", _("Addendum")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(_("position"), help_text=_("0 for the report, n for Add.n."))
    symbol = models.CharField(_("document symbol"), max_length=80)
    filename = models.CharField(_("file name"), max_length=120)
    title = models.CharField(_("title"), max_length=300)
    respondents = models.JSONField(
        _("respondents"), default=list, blank=True, help_text=_("Codes of the respondents of an addendum.")
    )
    weight = models.PositiveBigIntegerField(default=0, help_text=_("Size estimate: larger renders go first."))
    file = models.FileField(_("file"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    inputs_sha256 = models.CharField(
        _("SHA-256 of the inputs"),
        max_length=64,
        blank=True,
        help_text=_("Equal inputs give equal bytes: a document whose inputs did not change is reused."),
    )
    reused_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reused from"),
    )
    render_seconds = models.FloatField(_("render time (s)"), null=True, blank=True)
    stored_at = models.DateTimeField(_("stored at"), null=True, blank=True)

    class Meta:
        ordering = ["report", "position"]
        verbose_name = _("report document")
        verbose_name_plural = _("report documents")
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="unique_document_position"),
            models.UniqueConstraint(fields=["report", "symbol"], name="unique_document_symbol"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="published_documents_immutable",
                operation=pgtrigger.Update | pgtrigger.Delete,
                when=pgtrigger.Before,
                func=(
                    "IF EXISTS (SELECT 1 FROM reports_report WHERE id = OLD.report_id AND published) THEN "
                    "RAISE EXCEPTION 'The documents of a published report cannot change.'; "
                    "END IF; RETURN COALESCE(NEW, OLD);"
                ),
            ),
        ]

    @property
    def is_stored(self) -> bool:
        return bool(self.sha256)

    def __str__(self) -> str:
        return self.symbol


class CycleConclusions(models.Model):
    """Chapter III of the report, which the secretariat writes in the portal. Each compile
    copies the text, so a report always shows the conclusions it was compiled with."""

    cycle = models.OneToOneField(Cycle, on_delete=models.PROTECT, related_name="report_conclusions")
    text = models.TextField(_("conclusions and recommendations"), blank=True, max_length=50000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("conclusions of a cycle")
        verbose_name_plural = _("conclusions of cycles")

    def __str__(self) -> str:
        return f"{self.cycle.slug}"
