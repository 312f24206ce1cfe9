"""The second factor: what a password alone cannot do, recovery codes, an administrator's
reset (announced by e-mail through a real SMTP server)."""

import re
import socket

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import AuditEntry
from tests.api.conftest import token_for
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _signed_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


def _enrol(client: Client) -> tuple[TOTPDevice, list[str]]:
    """Set up an authenticator through the pages; returns it and the recovery codes shown."""
    client.post(reverse("two_factor_setup"), {"password": PASSWORD})
    device = TOTPDevice.objects.get(confirmed=False)
    page = client.post(reverse("two_factor_setup"), {"token": _code(device)})
    assert page.status_code == 200
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", page.content.decode())
    device.refresh_from_db()
    return device, codes


@pytest.fixture
def phone(reviewer):
    return TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)


def test_a_password_alone_does_not_replace_the_authenticator(reviewer, phone):
    client = _signed_in("reviewer")  # the password, not the code of the phone
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("two_factor_verify"))
    posted = client.post(reverse("two_factor_setup"), {"password": PASSWORD})
    assert posted.status_code == 302 and posted["Location"].startswith(reverse("two_factor_verify"))
    assert list(TOTPDevice.objects.filter(user=reviewer)) == [phone]
    assert client.get(reverse("secretariat:answer_search")).status_code == 302


def test_replacing_the_authenticator_needs_a_current_code_in_a_verified_session(reviewer, phone):
    client = _signed_in("reviewer")
    assert client.post(reverse("two_factor_verify"), {"token": _code(phone)}).status_code == 302
    no_code = client.post(reverse("two_factor_setup"), {"password": PASSWORD})
    assert "This field is required." in no_code.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=False).exists()
    # The phone's code of this time step is spent: a recovery code is the current factor too.
    StaticToken.objects.create(
        device=StaticDevice.objects.create(user=reviewer, name="recovery codes"), token="abcdefgh"
    )
    client.post(reverse("two_factor_setup"), {"password": PASSWORD, "token": "abcdefgh"})
    new = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    done = client.post(reverse("two_factor_setup"), {"token": _code(new)})
    assert "Your recovery codes" in done.content.decode()
    assert list(TOTPDevice.objects.filter(user=reviewer).values_list("pk", flat=True)) == [new.pk]
    assert not StaticToken.objects.filter(token="abcdefgh").exists()
    assert AuditEntry.objects.filter(action="2fa.enabled", actor=reviewer, data__replaced=True).exists()


def test_recovery_codes_are_shown_once_and_each_works_once_at_the_verify_page(reviewer):
    client = _signed_in("reviewer")
    _device, codes = _enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert codes[0] not in client.get(reverse("two_factor_recovery_codes")).content.decode()

    laptop = _signed_in("reviewer")
    signed = laptop.post(reverse("two_factor_verify"), {"token": codes[0].upper()}, follow=True)
    assert "9 are left" in signed.content.decode()
    assert laptop.get(reverse("secretariat:answer_search")).status_code == 200

    replay = _signed_in("reviewer").post(reverse("two_factor_verify"), {"token": codes[0]})
    assert replay.status_code == 200
    assert "has been used already" in replay.content.decode()
    bad = _signed_in("reviewer").post(reverse("two_factor_verify"), {"token": "not a code"})
    assert "8-letter recovery codes" in bad.content.decode()


def test_new_recovery_codes_need_a_current_code_and_end_the_old_ones(reviewer):
    client = _signed_in("reviewer")
    _device, old = _enrol(client)
    refused = client.post(reverse("two_factor_recovery_codes"), {"token": "000000"})
    assert "not valid" in refused.content.decode()
    made = client.post(reverse("two_factor_recovery_codes"), {"token": old[0]})
    new = re.findall(r"<li>([a-z2-7]{8})</li>", made.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert not StaticToken.objects.filter(token__in=old).exists()
    assert StaticToken.objects.filter(device__user=reviewer).count() == 10


def test_a_password_alone_changes_no_password_and_revokes_no_token(reviewer, phone):
    key = token_for(reviewer)
    client = _signed_in("reviewer")
    new = "a brand new passphrase for 2027"
    for name, data in [
        ("password_change", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}),
        ("api_token_revoke", {}),
        ("api_token_create", {}),
        ("two_factor_recovery_codes", {"token": "000000"}),
        ("two_factor_disable", {"password": PASSWORD, "token": "000000"}),
    ]:
        response = client.post(reverse(name), data)
        assert response.status_code == 302 and response["Location"].startswith(
            reverse("two_factor_verify")
        ), name
    reviewer.refresh_from_db()
    assert reviewer.check_password(PASSWORD)
    from knox.models import AuthToken

    assert AuthToken.objects.filter(user=reviewer).count() == 1
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/responses/").status_code == 200


def test_sign_in_sign_out_and_password_reset_stay_open_before_the_second_factor(reviewer, phone):
    client = _signed_in("reviewer")
    assert client.get(reverse("password_reset")).status_code == 200
    assert client.get(reverse("two_factor_verify")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_inbox(settings):
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def test_an_administrator_resets_a_second_factor_with_an_audit_entry_and_an_email(
    client_for, secadmin, reviewer, phone, smtp_inbox, django_capture_on_commit_callbacks
):
    key = token_for(reviewer)
    victim = _signed_in("reviewer")
    victim.post(reverse("two_factor_verify"), {"token": _code(phone)})
    admin = client_for(secadmin)
    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(
            "/admin/portal/user/",
            {"action": "reset_two_factor", "_selected_action": [reviewer.pk]},
            follow=True,
        )
    assert "Two-factor authentication reset for 1 person." in done.content.decode()
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    entry = AuditEntry.objects.get(action="2fa.reset")
    assert (entry.actor, entry.object_id) == (secadmin, str(reviewer.pk))
    (message,) = smtp_inbox.messages
    assert message.rcpt_tos == [reviewer.email]
    assert b"has reset your two-factor authentication" in message.content
    assert victim.get(reverse("home")).status_code == 302  # signed out everywhere
    assert Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/responses/").status_code == 401
    # The next sign-in sets up a new authenticator, with the password alone.
    fresh = _signed_in("reviewer")
    assert fresh.get(reverse("home"))["Location"].startswith(reverse("two_factor_setup"))
    _enrol(fresh)
    assert fresh.get(reverse("home")).status_code == 200
