"""The cross-cutting domain: respondents, people, their roles and designations, the audit log."""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class RegionalGroup(models.TextChoices):
    AFRICAN = "AFRICAN", _("African States")
    APG = "APG", _("Asia-Pacific States")
    EEG = "EEG", _("Eastern European States")
    GRULAC = "GRULAC", _("Latin American and Caribbean States")
    WEOG = "WEOG", _("Western European and other States")


class Role(models.TextChoices):
    CORRESPONDENT = "correspondent", _("National correspondent")
    REVIEWER = "reviewer", _("Secretariat reviewer")
    SECRETARIAT_ADMIN = "secadmin", _("Secretariat administrator")
    COMMISSION = "commission", _("Commission member")


@pghistory.track(exclude=["password", "last_login", "session_generation"])
class User(AbstractUser):
    """A person who signs in. What they may do follows from ``role`` and their designations."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CORRESPONDENT)
    language = models.CharField(_("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    session_generation = models.PositiveIntegerField(
        default=0, editable=False, help_text=_("Grows when the person signs out: their other sessions end.")
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    @property
    def is_secretariat(self) -> bool:
        return self.is_active and self.role in (Role.REVIEWER, Role.SECRETARIAT_ADMIN)

    @property
    def is_secretariat_admin(self) -> bool:
        return self.is_active and self.role == Role.SECRETARIAT_ADMIN

    @property
    def is_correspondent(self) -> bool:
        return self.is_active and self.role == Role.CORRESPONDENT

    @property
    def is_commission_member(self) -> bool:
        return self.is_active and self.role == Role.COMMISSION

    def has_perm(self, perm, obj=None) -> bool:
        # Secretariat administrators run the admin; the admin's own actions stay read-only
        # where a model says so (designations, audit log).
        if self.is_secretariat_admin and self.is_staff:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        if self.is_secretariat_admin and self.is_staff:
            return True
        return super().has_module_perms(app_label)

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class RespondentQuerySet(models.QuerySet):
    def for_user(self, user) -> RespondentQuerySet:
        """The respondents a person may see: all for the secretariat, their own for a
        correspondent (active designations only), none for anyone else."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_secretariat:
            return self.all()
        if user.is_correspondent:
            return self.filter(designations__person=user, designations__withdrawn_at__isnull=True).distinct()
        return self.none()


@pghistory.track()
class Respondent(models.Model):
    """Who answers questionnaires: a Member State, an intergovernmental organization or a
    UN institute of the crime prevention and criminal justice programme network."""

    class Kind(models.TextChoices):
        MEMBER_STATE = "member_state", _("Member State")
        ORGANIZATION = "organization", _("Intergovernmental organization")
        INSTITUTE = "institute", _("United Nations institute")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    code = models.CharField(
        _("code"), max_length=20, unique=True, help_text=_("ISO 3166 alpha-3 for Member States.")
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    names = models.JSONField(
        _("names in other languages"),
        default=dict,
        blank=True,
        help_text=_('Names in Arabic, Chinese, Russian and Spanish: {"ar": …, "zh": …, "ru": …, "es": …}.'),
    )
    regional_group = models.CharField(
        _("regional group"), max_length=10, choices=RegionalGroup.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = RespondentQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name_en"]
        verbose_name = _("respondent")
        verbose_name_plural = _("respondents")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="member_state") | ~Q(regional_group=""),
                name="member_state_has_regional_group",
            ),
        ]

    @property
    def name(self) -> str:
        """The name in the active language, falling back to English."""
        return self.name_in(get_language() or "en")

    def name_in(self, language: str) -> str:
        """The name in ``language`` ("zh-hans" reads "zh"), falling back to English."""
        language = language.lower().split("-")[0]
        if language == "en":
            return self.name_en
        if language == "fr":
            return self.name_fr or self.name_en
        return (self.names or {}).get(language) or self.name_en

    def __str__(self) -> str:
        return self.name


class DesignationQuerySet(models.QuerySet):
    def active(self) -> DesignationQuerySet:
        return self.filter(withdrawn_at__isnull=True)


@pghistory.track()
class Designation(models.Model):
    """A person designated for a respondent (GA res. 46/152, paras. 39-40).

    The secretariat registers the focal point on an official communication; the focal point
    designates further correspondents. Withdrawal is recorded, never deleted, so the record
    of who spoke for a respondent, when and on what authority stays complete.
    """

    class Kind(models.TextChoices):
        FOCAL_POINT = "focal_point", _("Focal point")
        CORRESPONDENT = "correspondent", _("Correspondent")

    respondent = models.ForeignKey(
        Respondent, on_delete=models.PROTECT, related_name="designations", verbose_name=_("respondent")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="designations",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    may_submit = models.BooleanField(
        _("may submit"),
        default=False,
        help_text=_("Focal points always may; the focal point can authorise a correspondent."),
    )
    communication = models.CharField(
        _("official communication"),
        max_length=300,
        blank=True,
        help_text=_("Reference of the note verbale or letter, e.g. 'Note verbale FRA/1998/12'."),
    )
    communication_file = models.FileField(
        _("communication document"), upload_to="designations/%Y/", blank=True
    )
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("designated by"),
    )
    designated_at = models.DateTimeField(_("designated at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("withdrawn by"),
    )

    objects = DesignationQuerySet.as_manager()

    class Meta:
        ordering = ["respondent", "-designated_at"]
        verbose_name = _("designation")
        verbose_name_plural = _("designations")
        constraints = [
            models.UniqueConstraint(
                fields=["respondent", "person"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_active_designation_per_person_and_respondent",
            ),
            models.UniqueConstraint(
                fields=["respondent"],
                condition=Q(withdrawn_at__isnull=True, kind="focal_point"),
                name="one_active_focal_point_per_respondent",
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    @property
    def can_submit(self) -> bool:
        return self.is_active and (self.kind == self.Kind.FOCAL_POINT or self.may_submit)

    def __str__(self) -> str:
        return f"{self.person} - {self.respondent} ({self.get_kind_display()})"


class AuditEntry(models.Model):
    """One action in the portal: who, when, what, on which object, from which address.

    Append-only in the database itself: a trigger refuses UPDATE and DELETE.
    """

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=60)
    respondent = models.ForeignKey(
        Respondent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("respondent"),
    )
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        triggers = [
            pgtrigger.Protect(name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class OutgoingMail(models.Model):
    """One e-mail in the outbox. Written in the transaction of the action that causes it,
    already rendered in the recipient's language, and sent by a Celery task once that
    transaction has committed: a mail server or broker that is down never undoes or fails
    the action, and the mail waits here until it can go."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("not sent")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    address = models.EmailField(_("address"), max_length=254)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=998)
    body = models.TextField(_("body"))
    # What the mail is about ("submission-received:12:7"): a second queueing of the same
    # mail, by a re-run or a retried task, finds this and queues nothing.
    key = models.CharField(_("key"), max_length=200, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    attempted_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["status", "created_at"], name="outgoingmail_status_created")]

    def __str__(self) -> str:
        return f"{self.key} → {self.address} ({self.status})"
