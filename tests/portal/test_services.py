import pytest
from django.core import mail
from django.db import connection
from django.db.utils import InternalError

from portal import services
from portal.errors import ApplicationError, PermissionDenied
from portal.models import AuditEntry, Designation, Respondent

pytestmark = pytest.mark.django_db


@pytest.fixture
def france():
    return Respondent.objects.get(code="FRA")


def test_it_lets_the_focal_point_designate_a_correspondent_who_is_invited(
    corr_fra, france, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        designation = services.correspondent_designate(
            respondent=france,
            email="new.person@diplomatie.example",
            first_name="Léa",
            by=corr_fra,
            ip_address="192.0.2.10",
        )
    assert designation.kind == Designation.Kind.CORRESPONDENT
    assert not designation.can_submit
    assert not designation.person.has_usable_password()
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body
    assert mail.outbox[0].to == ["new.person@diplomatie.example"]
    entry = AuditEntry.objects.get(action="designation.correspondent")
    assert entry.actor == corr_fra and entry.respondent == france
    assert entry.ip_address == "192.0.2.10"


def test_it_refuses_designation_by_a_plain_correspondent(corr_fra_2, france):
    with pytest.raises(PermissionDenied):
        services.correspondent_designate(respondent=france, email="x@example.org", by=corr_fra_2)


def test_it_refuses_designation_for_another_state(corr_ken, france):
    with pytest.raises(PermissionDenied):
        services.correspondent_designate(respondent=france, email="x@example.org", by=corr_ken)


def test_it_refuses_designating_the_same_person_twice(corr_fra, corr_fra_2, france):
    with pytest.raises(ApplicationError) as error:
        services.correspondent_designate(respondent=france, email=corr_fra_2.email, by=corr_fra)
    assert error.value.code == "already_designated"


def test_it_registers_a_focal_point_only_with_a_communication(secadmin, corr_fra, france):
    with pytest.raises(ApplicationError) as error:
        services.focal_point_register(
            respondent=france, email="fp@example.org", communication=" ", by=secadmin
        )
    assert error.value.code == "communication_required"
    designation = services.focal_point_register(
        respondent=france, email="fp@example.org", communication="Note verbale 2026/17", by=secadmin
    )
    assert designation.can_submit
    old = Designation.objects.get(respondent=france, person=corr_fra)
    assert old.withdrawn_at is not None and old.withdrawn_by == secadmin


def test_it_refuses_focal_point_registration_outside_the_secretariat(corr_fra, france):
    with pytest.raises(PermissionDenied):
        services.focal_point_register(
            respondent=france, email="fp@example.org", communication="Note", by=corr_fra
        )


def test_it_withdraws_a_correspondent_and_keeps_the_record(corr_fra, corr_fra_2, france):
    designation = Designation.objects.get(respondent=france, person=corr_fra_2)
    services.designation_withdraw(designation=designation, by=corr_fra)
    designation.refresh_from_db()
    assert designation.withdrawn_at is not None
    assert not Respondent.objects.for_user(corr_fra_2).exists()
    with pytest.raises(ApplicationError):
        services.designation_withdraw(designation=designation, by=corr_fra)


def test_it_lets_only_the_secretariat_withdraw_a_focal_point(corr_fra, secadmin, france):
    designation = Designation.objects.get(respondent=france, person=corr_fra)
    with pytest.raises(PermissionDenied):
        services.designation_withdraw(designation=designation, by=corr_fra)
    services.designation_withdraw(designation=designation, by=secadmin)


def test_it_lets_the_focal_point_authorise_submission(corr_fra, corr_fra_2, france):
    designation = Designation.objects.get(respondent=france, person=corr_fra_2)
    services.designation_authorise_submit(designation=designation, may_submit=True, by=corr_fra)
    designation.refresh_from_db()
    assert designation.can_submit


def test_it_keeps_the_audit_log_append_only_in_the_database(corr_fra, france):
    services.correspondent_designate(respondent=france, email="a@example.org", by=corr_fra)
    entry = AuditEntry.objects.latest("id")
    with pytest.raises(InternalError), connection.cursor() as cursor:
        cursor.execute("UPDATE portal_auditentry SET action = 'forged' WHERE id = %s", [entry.pk])


def test_it_refuses_deleting_audit_entries_in_the_database(corr_fra, france):
    services.correspondent_designate(respondent=france, email="b@example.org", by=corr_fra)
    with pytest.raises(InternalError), connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_auditentry")


# --- Existing people are invited, never silently designated ------------------------------


def _invite_ken(corr_fra, corr_ken, france, django_capture_on_commit_callbacks) -> str:
    """France's focal point designates Kenya's focal point: the token of the invitation."""
    with django_capture_on_commit_callbacks(execute=True):
        result = services.correspondent_designate(
            respondent=france,
            email=corr_ken.email.upper(),
            may_submit=True,
            by=corr_fra,
            ip_address="192.0.2.7",
        )
    assert result is None
    (message,) = mail.outbox
    assert message.to == [corr_ken.email]
    assert "/accounts/reset/" not in message.body  # they keep their password
    return message.body.split("/invitations/", 1)[1].split("/", 1)[0]


def test_an_existing_person_of_another_state_is_invited_not_designated(
    corr_fra, corr_ken, france, django_capture_on_commit_callbacks
):
    _invite_ken(corr_fra, corr_ken, france, django_capture_on_commit_callbacks)
    assert not Designation.objects.filter(respondent=france, person=corr_ken).exists()
    entry = AuditEntry.objects.get(action="designation.invited")
    assert entry.actor == corr_fra and entry.respondent == france and entry.ip_address == "192.0.2.7"
    assert entry.data["person"] == corr_ken.username
    assert not AuditEntry.objects.filter(action="designation.correspondent", respondent=france).exists()


def test_the_invited_person_accepts_and_only_then_is_designated(
    corr_fra, corr_ken, france, django_capture_on_commit_callbacks
):
    token = _invite_ken(corr_fra, corr_ken, france, django_capture_on_commit_callbacks)
    designation = services.designation_invitation_accept(token=token, user=corr_ken, ip_address="192.0.2.8")
    assert designation.is_active and designation.respondent == france and designation.may_submit
    assert designation.designated_by == corr_fra
    accepted = AuditEntry.objects.get(action="designation.accepted")
    assert accepted.actor == corr_ken and accepted.respondent == france
    with pytest.raises(ApplicationError) as again:
        services.designation_invitation_accept(token=token, user=corr_ken)
    assert again.value.code == "already_designated"


def test_an_invitation_is_only_for_its_addressee_and_while_it_stands(
    corr_fra, corr_fra_2, corr_ken, france, secadmin, django_capture_on_commit_callbacks
):
    token = _invite_ken(corr_fra, corr_ken, france, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        services.designation_invitation_accept(token=token, user=corr_fra_2)
    with pytest.raises(ApplicationError, match="not valid or has expired"):
        services.designation_invitation_accept(token=token[:-2] + "xx", user=corr_ken)
    # Accepted, withdrawn: the old link does not designate them again.
    designation = services.designation_invitation_accept(token=token, user=corr_ken)
    services.designation_withdraw(designation=designation, by=corr_fra)
    with pytest.raises(ApplicationError, match="not valid or has expired"):
        services.designation_invitation_accept(token=token, user=corr_ken)


def test_an_invitation_lapses_when_its_inviter_is_no_longer_the_focal_point(
    corr_fra, corr_ken, france, secadmin, django_capture_on_commit_callbacks
):
    token = _invite_ken(corr_fra, corr_ken, france, django_capture_on_commit_callbacks)
    services.focal_point_register(
        respondent=france, email="new.fp@diplomatie.example", communication="NV 1", by=secadmin
    )
    with pytest.raises(ApplicationError, match="not valid or has expired"):
        services.designation_invitation_accept(token=token, user=corr_ken)
    assert not Designation.objects.filter(respondent=france, person=corr_ken).exists()


def test_an_address_of_the_secretariat_is_refused_without_telling_the_focal_point(
    corr_fra, reviewer, france, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = services.correspondent_designate(respondent=france, email=reviewer.email, by=corr_fra)
    assert result is None and not mail.outbox
    assert not Designation.objects.filter(person=reviewer).exists()
    entry = AuditEntry.objects.get(action="designation.refused")
    assert entry.data == {"person": reviewer.username, "reason": "not_a_correspondent"}


def test_the_secretariat_designates_an_existing_person_directly(corr_ken, france, secadmin):
    designation = services.correspondent_designate(respondent=france, email=corr_ken.email, by=secadmin)
    assert designation.is_active and designation.person == corr_ken
