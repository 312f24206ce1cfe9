"""Authentication and session security: lockout, second factor, timeouts, sessions ended
everywhere, production headers and settings."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password=PASSWORD, address="203.0.113.5"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_it_locks_a_name_and_address_pair_after_five_failures_but_not_the_real_person_elsewhere(
    client, corr_fra, django_user_model
):
    from django.test import Client

    statuses = [
        _login(client, "corr-fra", "wrong password", address="203.0.113.66").status_code for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    locked = _login(client, "corr-fra", address="203.0.113.66")  # even the right password now
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # The attacker's failures do not lock the real person out from their own address.
    elsewhere = _login(Client(), "corr-fra", address="198.51.100.20")
    assert elsewhere.status_code == 302


def test_every_login_attempt_is_recorded(client, corr_fra):
    from axes.models import AccessAttempt, AccessLog

    _login(client, "corr-fra", "wrong password")
    _login(client, "corr-fra")
    assert AccessAttempt.objects.filter(username="corr-fra").exists() or AccessLog.objects.exists()
    assert AccessLog.objects.filter(username="corr-fra").exists()


def test_the_secretariat_must_set_up_a_second_factor(client, reviewer):
    assert _login(client, "reviewer").status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_a_correspondent_may_work_without_a_second_factor(client, corr_fra):
    _login(client, "corr-fra")
    assert client.get(reverse("home")).status_code == 200


def test_a_setting_can_require_the_second_factor_for_everyone(client, corr_fra, settings):
    settings.PORTAL_REQUIRE_2FA_FOR_ALL = True
    _login(client, "corr-fra")
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_setup"))


def test_setting_up_totp_needs_the_password_and_a_valid_code(client, reviewer):
    _login(client, "reviewer")
    wrong = client.post(reverse("two_factor_setup"), {"password": "not it"})
    assert "This is not your password." in wrong.content.decode()
    page = client.post(reverse("two_factor_setup"), {"password": PASSWORD})
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    bad = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert "not valid" in bad.content.decode()
    # django-otp slows down retries after a failure; skip the wait rather than sleep.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    good = client.post(reverse("two_factor_setup"), {"token": f"{totp(device.bin_key):06d}", "next": "/"})
    assert good.status_code == 200
    assert "Your recovery codes" in good.content.decode()
    assert client.get(reverse("home")).status_code == 200


def test_a_totp_code_works_once(client, reviewer):
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    code = f"{totp(device.bin_key):06d}"
    _login(client, "reviewer")
    assert client.post(reverse("two_factor_verify"), {"token": code}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    from django.test import Client

    other = Client()
    _login(other, "reviewer")
    replay = other.post(reverse("two_factor_verify"), {"token": code})
    assert replay.status_code == 200
    assert "has been used already" in replay.content.decode()


def test_signing_out_ends_the_persons_other_sessions(corr_fra):
    from django.test import Client

    laptop, phone = Client(), Client()
    _login(laptop, "corr-fra")
    _login(phone, "corr-fra", address="198.51.100.9")
    assert phone.get(reverse("home")).status_code == 200
    laptop.post(reverse("logout"))
    assert phone.get(reverse("home")).status_code == 302


def test_a_password_change_ends_the_other_sessions(corr_fra):
    from django.test import Client

    laptop, phone = Client(), Client()
    _login(laptop, "corr-fra")
    _login(phone, "corr-fra", address="198.51.100.9")
    new = "a brand new passphrase for 2027"
    response = laptop.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert laptop.get(reverse("home")).status_code == 200
    assert phone.get(reverse("home")).status_code == 302


def test_deactivation_ends_every_session(client, corr_fra):
    _login(client, "corr-fra")
    corr_fra.is_active = False
    corr_fra.save()
    assert client.get(reverse("home")).status_code == 302


def test_an_idle_session_ends(client, corr_fra, settings):
    _login(client, "corr-fra")
    session = client.session
    session["portal_session_last_seen"] = int(time.time()) - settings.PORTAL_SESSION_IDLE_SECONDS - 5
    session.save()
    assert client.get(reverse("home")).status_code == 302


def test_a_session_ends_after_the_absolute_limit_however_active(client, corr_fra, settings):
    _login(client, "corr-fra")
    session = client.session
    session["portal_session_started"] = int(time.time()) - settings.PORTAL_SESSION_ABSOLUTE_SECONDS - 5
    session.save()
    assert client.get(reverse("home")).status_code == 302


def test_login_gives_a_new_session_key(client, corr_fra):
    client.get(reverse("login"))
    client.cookies["sessionid"] = "attacker-chosen-session-key"
    _login(client, "corr-fra")
    assert client.cookies["sessionid"].value != "attacker-chosen-session-key"


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short1!", False),
        ("password1234", False),  # common
        ("123456789012345", False),  # numeric
        ("correct horse battery staple in vienna", True),  # long passphrase
    ],
)
def test_password_rules(password, accepted, corr_fra):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user=corr_fra)
    except ValidationError:
        assert not accepted
    else:
        assert accepted


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_contain_no_inline_script_or_style(client_for, corr_fra):
    import re

    client = client_for(corr_fra)
    for url in [
        reverse("login"),
        reverse("home"),
        reverse("profile"),
        reverse("respondent_detail", args=["FRA"]),
    ]:
        content = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", content), url
        assert not re.search(r"\sstyle=\"", content), url
        assert not re.search(r"\son[a-z]+=\"", content), url


def test_denied_access_is_logged(client_for, corr_ken, caplog):
    client_for(corr_ken).get(reverse("respondent_detail", args=["FRA"]))
    assert any("access denied status=404 user=corr-ken" in r.getMessage() for r in caplog.records)


def test_production_settings_pass_the_deployment_check():
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environment.update(
        DEBUG="False",
        SECRET_KEY="p" * 20 + "-production-secret-for-the-deploy-check-0123456789",
        ALLOWED_HOSTS="portal.example.org",
        DATABASE_URL=os.environ.get("DATABASE_URL") or "postgres://portal@db.example.org/portal",
        CELERY_BROKER_URL="redis://redis.example.org:6379/0",
        HISTORY_SEAL_KEY="h" * 8 + "-production-history-seal-key-0123456789",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_api_documentation_works_under_the_policy(client_for, reviewer):
    import re

    content = client_for(reviewer).get("/api/docs/").content.decode()
    assert "swagger-ui" in content
    assert not re.search(r"<style", content)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", content)


def _end_reason_is_told(client, expected: str) -> None:
    """After the middleware ended the session: the autosave's 401 and then the sign-in page
    say why, once."""
    token = client.get(reverse("session_token"))
    assert token.status_code == 401 and expected in token.json()["error"]
    assert token.json()["code"] == "session_ended"
    page = client.get(reverse("login")).content.decode()
    assert expected in page
    assert expected not in client.get(reverse("login")).content.decode()


def test_the_sign_in_page_says_a_session_ended_because_of_a_sign_out_elsewhere(corr_fra):
    from django.test import Client

    laptop, phone = Client(), Client()
    _login(laptop, "corr-fra")
    _login(phone, "corr-fra", address="198.51.100.9")
    laptop.post(reverse("logout"))
    assert phone.get(reverse("home")).status_code == 302
    _end_reason_is_told(phone, "you signed out in another window")


def _session_aged(client, settings, key: str) -> None:
    """Move the session's clock (last seen, or started) past its limit."""
    limit = {
        "portal_session_last_seen": settings.PORTAL_SESSION_IDLE_SECONDS,
        "portal_session_started": settings.PORTAL_SESSION_ABSOLUTE_SECONDS,
    }[key]
    session = client.session
    session[key] = int(time.time()) - limit - 5
    session.save()


@pytest.mark.parametrize(
    ("key", "told"),
    [
        ("portal_session_last_seen", "after a long time without activity"),
        ("portal_session_started", "longest allowed duration"),
    ],
)
def test_the_sign_in_page_says_a_session_timed_out_and_which_limit(client, corr_fra, settings, key, told):
    _login(client, "corr-fra")
    _session_aged(client, settings, key)
    assert client.get(reverse("home")).status_code == 302
    _end_reason_is_told(client, told)


def test_a_new_sign_in_forgets_why_the_last_session_ended(client, corr_fra, settings):
    _login(client, "corr-fra")
    _session_aged(client, settings, "portal_session_last_seen")
    client.get(reverse("home"))
    _login(client, "corr-fra")  # straight to the form's POST, without reading the sign-in page
    assert client.get(reverse("home")).status_code == 200
    assert "portal_session_end_reason" not in client.session


def test_the_account_ceiling_slows_the_addresses_that_failed_but_never_the_real_persons(corr_fra, settings):
    from datetime import timedelta

    from axes.models import AccessFailureLog
    from django.test import Client

    settings.PORTAL_LOGIN_ACCOUNT_CEILING = 10
    # A guesser spread over ten addresses, one failure each: below django-axes' limit.
    for n in range(1, 11):
        assert _login(Client(), "corr-fra", "wrong password", address=f"203.0.113.{n}").status_code == 200
    slowed = _login(Client(), "corr-fra", "another guess", address="203.0.113.3")
    assert slowed.status_code == 429
    assert 0 < int(slowed["Retry-After"]) <= settings.PORTAL_LOGIN_ACCOUNT_DELAY_SECONDS
    assert AccessFailureLog.objects.filter(username="corr-fra").count() == 10  # not even tried
    # Only that name: the same address signs in as someone else.
    assert _login(Client(), "corr-fra-2", address="203.0.113.3").status_code == 302
    # The real person, from an address that has not failed, gets in.
    assert _login(Client(), "corr-fra", address="198.51.100.7").status_code == 302
    # After the delay the address may try again, once.
    AccessFailureLog.objects.update(
        attempt_time=timezone.now() - timedelta(seconds=settings.PORTAL_LOGIN_ACCOUNT_DELAY_SECONDS + 1)
    )
    assert _login(Client(), "corr-fra", "wrong again", address="203.0.113.3").status_code == 200
    assert _login(Client(), "corr-fra", "and again", address="203.0.113.3").status_code == 429


def test_below_the_account_ceiling_nobody_is_slowed(corr_fra, settings):
    from django.test import Client

    settings.PORTAL_LOGIN_ACCOUNT_CEILING = 10
    for n in range(1, 10):
        _login(Client(), "corr-fra", "wrong password", address=f"203.0.113.{n}")
    assert _login(Client(), "corr-fra", address="203.0.113.1").status_code == 302


def test_a_page_waiting_for_its_person_never_deletes_the_cookie_of_a_new_sign_in(client, corr_fra):
    """The page's poll may carry the old cookie while a sign-in in another tab sets a new
    one: its answer must not tell the browser to delete the session cookie."""
    from django.conf import settings as django_settings

    client.cookies[django_settings.SESSION_COOKIE_NAME] = "a-session-replaced-by-a-sign-in-elsewhere"
    answer = client.get(reverse("session_token"))
    assert answer.status_code == 401
    assert django_settings.SESSION_COOKIE_NAME not in answer.cookies
