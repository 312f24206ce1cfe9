"""Responses: one respondent's answers in one cycle, the draft being worked on, and the
immutable versions that each submission or amendment creates."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Designation, OutgoingMail, Respondent
from questionnaires.models import Cycle, InstrumentVersion


class ResponseQuerySet(models.QuerySet):
    def for_user(self, user) -> ResponseQuerySet:
        """The one scoping rule: the secretariat sees every response; a correspondent those of
        the respondents they are actively designated for, in cycles that are not in
        preparation; everyone else (Commission members included) none."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_secretariat:
            return self.all()
        if user.is_correspondent:
            return self.filter(
                respondent__in=Designation.objects.active().filter(person=user).values("respondent")
            ).exclude(cycle__status=Cycle.Status.DRAFT)
        return self.none()


class Response(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        CLARIFICATION_REQUESTED = "clarification_requested", _("Clarification requested")
        RESUBMITTED = "resubmitted", _("Resubmitted")
        ACCEPTED = "accepted", _("Accepted")

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="responses")
    respondent = models.ForeignKey(Respondent, on_delete=models.PROTECT, related_name="responses")
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.DRAFT)
    draft_open = models.BooleanField(
        _("draft open"), default=True, help_text=_("A draft (initial or amendment) is being worked on.")
    )
    draft_revision = models.PositiveIntegerField(
        _("draft revision"), default=0, help_text=_("Concurrency token: grows with every save.")
    )
    latest_version_number = models.PositiveIntegerField(default=0)
    # The version the secretariat last accepted. It stays while a later submission is being
    # reviewed, so the reply stays in reports and search until that one is accepted in turn.
    accepted_version_number = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    carried_from = models.ForeignKey(
        "ResponseVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["cycle", "respondent__name_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "respondent"], name="one_response_per_cycle_and_respondent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.respondent.code} / {self.cycle.slug}"


class DraftAnswer(models.Model):
    """The current answer to one question of a response's draft.

    ``revision`` is the response's draft revision at which this answer last changed: a save
    based on an older revision of the same question is a conflict, never an overwrite.
    """

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="draft_answers")
    question_code = models.CharField(max_length=120)
    value = models.JSONField(null=True, blank=True)
    language = models.CharField(_("language written in"), max_length=8, blank=True)
    revision = models.PositiveIntegerField(default=0)
    carried_forward = models.BooleanField(
        default=False, help_text=_("Carried from an earlier cycle; not yet confirmed or edited.")
    )
    # The accepted version the answer was carried from: it, not the draft's creation, says
    # where the answer comes from (cycle, version number, date) until it is confirmed or edited.
    carried_from = models.ForeignKey(
        "ResponseVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["response", "question_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question_code"], name="one_draft_answer_per_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response} {self.question_code}"


class ResponseVersionQuerySet(models.QuerySet):
    def accepted(self) -> ResponseVersionQuerySet:
        """Of each response, the version the secretariat last accepted (none if it never did)."""
        return self.filter(number=models.F("response__accepted_version_number"))


class ResponseVersion(models.Model):
    """An immutable snapshot of a response's answers. Append-only in the database: a trigger
    refuses UPDATE and DELETE. Each respondent's versions form a SHA-256 hash chain."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial response")
        AMENDED = "amended", _("Amended response")
        SECRETARIAT_AMENDMENT = "secretariat_amendment", _("Secretariat amendment")

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=30, choices=Kind.choices)
    instrument_version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField()
    answer_languages = models.JSONField(default=dict)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    content_sha256 = models.CharField(max_length=64, help_text=_("SHA-256 of the answers alone."))
    previous_sha256 = models.CharField(max_length=64, blank=True)
    sha256 = models.CharField(max_length=64, help_text=_("SHA-256 of this version, chained to the previous."))
    seal = models.CharField(
        max_length=64, help_text=_("HMAC of the SHA-256 under a key the database does not hold.")
    )

    objects = ResponseVersionQuerySet.as_manager()

    class Meta:
        ordering = ["response", "number"]
        constraints = [
            models.UniqueConstraint(fields=["response", "number"], name="unique_version_number"),
            models.CheckConstraint(
                condition=~Q(kind="secretariat_amendment") | ~Q(reason=""),
                name="secretariat_amendment_has_reason",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="versions_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.response} v{self.number}"


class VersionAcknowledgement(models.Model):
    """A correspondent's answer to a secretariat amendment: acknowledged or contested."""

    class Decision(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CONTESTED = "contested", _("Contested")

    version = models.ForeignKey(ResponseVersion, on_delete=models.PROTECT, related_name="acknowledgements")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    comment = models.TextField(blank=True, max_length=5000)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version", "created_at"]
        triggers = [
            pgtrigger.Protect(
                name="acknowledgements_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.decision}"


class ClarificationThread(models.Model):
    """The secretariat's request for clarification on one question, with its replies."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="threads")
    question_code = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    due_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["response", "question_code", "created_at"]

    def __str__(self) -> str:
        return f"{self.response} {self.question_code} ({self.status})"


class ClarificationMessage(models.Model):
    thread = models.ForeignKey(ClarificationThread, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=10000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["thread", "created_at"]

    def __str__(self) -> str:
        return f"{self.thread} by {self.author}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is chosen by the server; the person's file name is kept as data only.
    return (
        f"attachments/{instance.response.cycle_id}/{instance.response.respondent.code}/{instance.sha256}.bin"
    )


class Attachment(models.Model):
    """An uploaded legislation text, checked by content, stored through Django's storage API."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "DOCX"
        ODT = "odt", "ODT"
        TXT = "txt", "TXT"

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="attachments")
    question_code = models.CharField(max_length=120)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=255)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["response", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class AnswerSearchEntry(models.Model):
    """One answer of the latest version of an accepted response, flattened to text for the
    secretariat's full-text search. Derived data: ``responses.search`` rebuilds it."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(ResponseVersion, on_delete=models.CASCADE, related_name="+")
    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")
    question_code = models.CharField(max_length=120)
    section_code = models.CharField(max_length=60)
    language = models.CharField(max_length=8, blank=True)
    text = models.TextField()
    # 'simple': answers come in six languages, so no stemming; an explicit configuration
    # keeps to_tsvector immutable, as a generated column requires.
    vector = models.GeneratedField(
        expression=SearchVector("text", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["cycle", "respondent", "question_code"]
        indexes = [
            GinIndex(fields=["vector"], name="answer_search_vector"),
            models.Index(fields=["cycle", "section_code"], name="answer_search_cycle_section"),
        ]

    def __str__(self) -> str:
        return f"{self.response} {self.question_code}"


class Reminder(models.Model):
    """One reminder to one correspondent about one cycle: 14, 7 or 1 days before its
    deadline (the daily job) or on demand from the dashboard. The unique constraints make
    every step go out once, however often the job or its task runs; a manual reminder goes
    out at most once a day. What became of the mail is its outbox row's status."""

    class Step(models.TextChoices):
        DAYS_14 = "14", _("14 days before the deadline")
        DAYS_7 = "7", _("7 days before the deadline")
        DAYS_1 = "1", _("1 day before the deadline")
        MANUAL = "manual", _("sent from the dashboard")

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("cycle")
    )
    respondent = models.ForeignKey(
        Respondent, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("respondent")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recipient")
    )
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    created_on = models.DateField(_("day"), default=timezone.localdate)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    mail = models.OneToOneField(
        OutgoingMail,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reminder",
        verbose_name=_("e-mail"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "respondent", "person", "step"],
                condition=~Q(step="manual"),
                name="reminder_step_once",
            ),
            models.UniqueConstraint(
                fields=["cycle", "respondent", "person", "created_on"],
                condition=Q(step="manual"),
                name="reminder_manual_once_a_day",
            ),
        ]

    @property
    def outcome(self) -> str:
        """Queued, sent, or not sent with the mail server's answer."""
        if self.mail is None:
            return OutgoingMail.Status.PENDING.label
        if self.mail.status == OutgoingMail.Status.FAILED:
            return f"{self.mail.get_status_display()}: {self.mail.last_error}"
        return self.mail.get_status_display()

    def __str__(self) -> str:
        return f"{self.cycle_id}/{self.respondent_id}/{self.person_id}/{self.step}"
