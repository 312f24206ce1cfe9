"""Writes of the cross-cutting domain: people, designations, the audit log.

Every function is atomic, checks its rule, and records what it did in the audit log.
Pages, the API, commands and the admin all go through these.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.errors import ApplicationError, PermissionDenied
from portal.mail import mail_queue
from portal.models import AuditEntry, Designation, Respondent, Role, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj,
    respondent: Respondent | None = None,
    ip_address: str | None = None,
    data: dict | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        respondent=respondent,
        ip_address=ip_address,
        data=data or {},
    )


def person_get_or_create(*, email: str, first_name: str = "", last_name: str = "") -> tuple[User, bool]:
    """Find a person by e-mail (case-insensitive) or create an account without a usable
    password; they set one from the invitation."""
    email = User.objects.normalize_email(email).strip()
    if not email:
        raise ApplicationError(_("An e-mail address is required."), code="email_required")
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing, False
    base = email.split("@", 1)[0].lower()[:120] or "person"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    person = User(
        username=username, email=email, first_name=first_name, last_name=last_name, role=Role.CORRESPONDENT
    )
    person.set_unusable_password()
    person.save()
    return person, True


def invitation_send(*, person: User, designation: Designation) -> None:
    """Queue, in the person's language, an e-mail with a link to set their password."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    mail_queue(
        person=person,
        subject=gettext_noop("You have been designated for %(respondent)s"),
        template="portal/email/invitation.txt",
        context={
            "designation": designation,
            "respondent": designation.respondent,
            "link": settings.PORTAL_BASE_URL.rstrip("/") + path,
            "username": person.username,
        },
        key=f"invitation:{designation.pk}",
        params={"respondent": designation.respondent},
    )


def _designation_create(
    *,
    respondent: Respondent,
    email: str,
    first_name: str,
    last_name: str,
    kind: str,
    may_submit: bool,
    communication: str,
    communication_file,
    by: User,
    ip_address: str | None,
) -> Designation:
    person, created = person_get_or_create(email=email, first_name=first_name, last_name=last_name)
    if person.role != Role.CORRESPONDENT:
        raise ApplicationError(
            _("%(person)s is not a correspondent and cannot be designated for a respondent.")
            % {"person": person},
            code="not_a_correspondent",
        )
    if Designation.objects.active().filter(respondent=respondent, person=person).exists():
        raise ApplicationError(
            _("%(person)s is already designated for %(respondent)s.")
            % {"person": person, "respondent": respondent},
            code="already_designated",
        )
    designation = Designation.objects.create(
        respondent=respondent,
        person=person,
        kind=kind,
        may_submit=may_submit or kind == Designation.Kind.FOCAL_POINT,
        communication=communication,
        communication_file=communication_file or "",
        designated_by=by,
    )
    audit_record(
        actor=by,
        action=f"designation.{kind}",
        obj=designation,
        respondent=respondent,
        ip_address=ip_address,
        data={"person": person.username, "communication": communication, "new_account": created},
    )
    if created or not person.has_usable_password():
        invitation_send(person=person, designation=designation)  # queued; sent once this commits
    return designation


@transaction.atomic
def focal_point_register(
    *,
    respondent: Respondent,
    email: str,
    first_name: str = "",
    last_name: str = "",
    communication: str,
    communication_file=None,
    by: User,
    ip_address: str | None = None,
) -> Designation:
    """The secretariat registers the respondent's focal point on an official communication.
    A previous focal point stays a correspondent, without the right to submit."""
    if not by.is_secretariat:
        raise PermissionDenied(_("Only the secretariat registers focal points."))
    if not communication.strip():
        raise ApplicationError(
            _("Record the official communication that designates the focal point."),
            code="communication_required",
        )
    respondent = Respondent.objects.select_for_update().get(pk=respondent.pk)
    previous = (
        Designation.objects.active().filter(respondent=respondent, kind=Designation.Kind.FOCAL_POINT).first()
    )
    if previous is not None:
        previous.withdrawn_at = timezone.now()
        previous.withdrawn_by = by
        previous.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit_record(
            actor=by,
            action="designation.replaced",
            obj=previous,
            respondent=respondent,
            ip_address=ip_address,
            data={"person": previous.person.username},
        )
    existing = (
        Designation.objects.active()
        .filter(respondent=respondent, person__email__iexact=email.strip())
        .first()
    )
    if existing is not None:
        existing.withdrawn_at = timezone.now()
        existing.withdrawn_by = by
        existing.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return _designation_create(
        respondent=respondent,
        email=email,
        first_name=first_name,
        last_name=last_name,
        kind=Designation.Kind.FOCAL_POINT,
        may_submit=True,
        communication=communication,
        communication_file=communication_file,
        by=by,
        ip_address=ip_address,
    )


def focal_point_of(*, respondent: Respondent, person: User) -> Designation | None:
    return (
        Designation.objects.active()
        .filter(respondent=respondent, person=person, kind=Designation.Kind.FOCAL_POINT)
        .first()
    )


# A designation offered to someone who already has an account: they accept it themselves.
INVITATION_SALT = "portal.designation-invitation"
INVITATION_MAX_AGE = 14 * 24 * 3600


def designation_invitation_send(*, person: User, respondent: Respondent, by: User, token: str) -> None:
    """Queue the e-mail that gives an existing person the link to accept a designation."""
    path = reverse("designation_invitation", kwargs={"token": token})
    mail_queue(
        person=person,
        subject=gettext_noop("You are invited to act for %(respondent)s"),
        template="portal/email/designation_invitation.txt",
        context={"respondent": respondent, "by": by, "link": settings.PORTAL_BASE_URL.rstrip("/") + path},
        # One mail per invitation: the token is signed with the moment it was made.
        key=f"designation-invitation:{hashlib.sha256(token.encode()).hexdigest()}",
        params={"respondent": respondent},
    )


def _designation_invite(
    *, respondent: Respondent, person: User, may_submit: bool, communication: str, by: User, ip_address
) -> None:
    token = signing.dumps(
        {
            "respondent": respondent.pk,
            "person": person.pk,
            "may_submit": may_submit,
            "communication": communication,
            "by": by.pk,
            "at": timezone.now().isoformat(),
        },
        salt=INVITATION_SALT,
        compress=True,
    )
    audit_record(
        actor=by,
        action="designation.invited",
        obj=respondent,
        respondent=respondent,
        ip_address=ip_address,
        data={"person": person.username, "kind": Designation.Kind.CORRESPONDENT, "may_submit": may_submit},
    )
    designation_invitation_send(person=person, respondent=respondent, by=by, token=token)


def designation_invitation_read(*, token: str, user: User) -> dict:
    """The invitation behind ``token`` if it is addressed to ``user`` and still stands:
    signed, not expired, its inviter still the focal point (or the secretariat), and no
    designation of the person for the respondent withdrawn since it was sent."""
    invalid = ApplicationError(
        _("This invitation is not valid or has expired; ask the focal point to invite you again."),
        code="invitation_invalid",
    )
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.BadSignature:
        raise invalid from None
    if data["person"] != user.pk:
        raise PermissionDenied(_("This invitation is addressed to someone else."))
    respondent = Respondent.objects.filter(pk=data["respondent"]).first()
    by = User.objects.filter(pk=data["by"], is_active=True).first()
    if respondent is None or by is None:
        raise invalid
    if not (by.is_secretariat or focal_point_of(respondent=respondent, person=by)):
        raise invalid
    withdrawn_since = Designation.objects.filter(
        respondent=respondent, person=user, withdrawn_at__gt=data["at"]
    ).exists()
    if withdrawn_since:
        raise invalid
    return {**data, "respondent": respondent, "by": by}


@transaction.atomic
def designation_invitation_accept(*, token: str, user: User, ip_address: str | None = None) -> Designation:
    """The invited person accepts: only now are they designated."""
    invitation = designation_invitation_read(token=token, user=user)
    respondent = Respondent.objects.select_for_update().get(pk=invitation["respondent"].pk)
    designation = _designation_create(
        respondent=respondent,
        email=user.email,
        first_name="",
        last_name="",
        kind=Designation.Kind.CORRESPONDENT,
        may_submit=invitation["may_submit"],
        communication=invitation["communication"],
        communication_file=None,
        by=invitation["by"],
        ip_address=ip_address,
    )
    audit_record(
        actor=user,
        action="designation.accepted",
        obj=designation,
        respondent=respondent,
        ip_address=ip_address,
        data={"person": user.username, "invited_by": invitation["by"].username},
    )
    return designation


@transaction.atomic
def correspondent_designate(
    *,
    respondent: Respondent,
    email: str,
    first_name: str = "",
    last_name: str = "",
    may_submit: bool = False,
    communication: str = "",
    by: User,
    ip_address: str | None = None,
) -> Designation | None:
    """The focal point (or the secretariat) designates a further correspondent.

    A new address gets an account and the designation. Someone who already has an account
    (possibly as a correspondent of another state) is invited and designated only when they
    accept; the secretariat designates directly. To the focal point every address is
    answered the same way, so the page tells nothing about who has an account: the result
    is None when no designation was made now."""
    if not (by.is_secretariat or focal_point_of(respondent=respondent, person=by)):
        raise PermissionDenied(
            _("Only the focal point of %(respondent)s designates its correspondents.")
            % {"respondent": respondent}
        )
    address = User.objects.normalize_email(email).strip()
    existing = User.objects.filter(email__iexact=address).first() if address else None
    if existing is not None and not by.is_secretariat:
        if existing.role != Role.CORRESPONDENT:
            # Recorded for the secretariat; the focal point is not told who the address is.
            audit_record(
                actor=by,
                action="designation.refused",
                obj=respondent,
                respondent=respondent,
                ip_address=ip_address,
                data={"person": existing.username, "reason": "not_a_correspondent"},
            )
            return None
        if Designation.objects.active().filter(respondent=respondent, person=existing).exists():
            raise ApplicationError(
                _("%(email)s is already designated for %(respondent)s.")
                % {"email": existing.email, "respondent": respondent},
                code="already_designated",
            )
        _designation_invite(
            respondent=respondent,
            person=existing,
            may_submit=may_submit,
            communication=communication,
            by=by,
            ip_address=ip_address,
        )
        return None
    return _designation_create(
        respondent=respondent,
        email=email,
        first_name=first_name,
        last_name=last_name,
        kind=Designation.Kind.CORRESPONDENT,
        may_submit=may_submit,
        communication=communication,
        communication_file=None,
        by=by,
        ip_address=ip_address,
    )


@transaction.atomic
def designation_withdraw(*, designation: Designation, by: User, ip_address: str | None = None) -> Designation:
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    respondent = designation.respondent
    if not designation.is_active:
        raise ApplicationError(_("This designation has already been withdrawn."), code="withdrawn")
    if designation.kind == Designation.Kind.FOCAL_POINT and not by.is_secretariat:
        raise PermissionDenied(_("Only the secretariat withdraws a focal point."))
    if not (by.is_secretariat or focal_point_of(respondent=respondent, person=by)):
        raise PermissionDenied(
            _("Only the focal point of %(respondent)s withdraws its correspondents.")
            % {"respondent": respondent}
        )
    designation.withdrawn_at = timezone.now()
    designation.withdrawn_by = by
    designation.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit_record(
        actor=by,
        action="designation.withdrawn",
        obj=designation,
        respondent=respondent,
        ip_address=ip_address,
        data={"person": designation.person.username},
    )
    return designation


@transaction.atomic
def designation_authorise_submit(
    *, designation: Designation, may_submit: bool, by: User, ip_address: str | None = None
) -> Designation:
    """The focal point authorises (or stops authorising) a correspondent to submit."""
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    if designation.kind == Designation.Kind.FOCAL_POINT:
        raise ApplicationError(_("A focal point always may submit."), code="focal_point")
    if not (by.is_secretariat or focal_point_of(respondent=designation.respondent, person=by)):
        raise PermissionDenied(_("Only the focal point authorises submission."))
    designation.may_submit = may_submit
    designation.save(update_fields=["may_submit"])
    audit_record(
        actor=by,
        action="designation.authorise_submit",
        obj=designation,
        respondent=designation.respondent,
        ip_address=ip_address,
        data={"may_submit": may_submit},
    )
    return designation


# Tokens made from a session that passed the second factor carry this mark in their stored
# prefix (knox keeps the prefix in the clear, the rest only as a digest), so the API can tell
# them from an operator's tokens, which a role requiring the second factor may not use.
VERIFIED_TOKEN_PREFIX = "ccpcj2f_"  # noqa: S105  # nosec B105: a public prefix, not a secret
TOKEN_PREFIX = "ccpcj_"  # noqa: S105  # nosec B105: a public prefix, not a secret


@transaction.atomic
def api_token_create(
    *, user: User, second_factor_verified: bool, by_operator: bool = False, ip_address: str | None = None
):
    """A new token for the person; any previous one stops working. Returns (token, key):
    the database keeps a digest only, so the key exists once, for the caller to show.

    From a page, only a session that passed the second factor may make one: a token
    outlives the session and skips the sign-in. An operator (``create_api_token``) may
    make one for a service account, never for a role that requires the second factor."""
    from knox.models import AuthToken

    from portal.security import second_factor_required

    if not second_factor_verified and by_operator and second_factor_required(user):
        raise PermissionDenied(
            _(
                "Tokens of people whose role requires two-factor authentication come from "
                "their own verified session."
            )
        )
    if not second_factor_verified and not by_operator:
        raise PermissionDenied(
            _("Create API tokens after signing in with two-factor authentication (set it up first).")
        )
    replaced, _deleted = AuthToken.objects.filter(user=user).delete()
    token, key = AuthToken.objects.create(
        user=user, prefix=VERIFIED_TOKEN_PREFIX if second_factor_verified else TOKEN_PREFIX
    )
    # Record the person and the expiry, never the key or its digest.
    audit_record(
        actor=None if by_operator else user,
        action="api_token.created",
        obj=user,
        ip_address=ip_address,
        data={
            "replaced": bool(replaced),
            "by_operator": by_operator,
            "expiry": token.expiry.isoformat() if token.expiry else None,
        },
    )
    return token, key


def api_token_verified(token) -> bool:
    return token is not None and token.token_key.startswith(VERIFIED_TOKEN_PREFIX)


@transaction.atomic
def api_token_revoke(*, user: User, ip_address: str | None = None) -> bool:
    from knox.models import AuthToken

    deleted, _deleted = AuthToken.objects.filter(user=user).delete()
    if deleted:
        audit_record(actor=user, action="api_token.revoked", obj=user, ip_address=ip_address)
    return bool(deleted)
