"""The admin shows no one's credentials and makes none for anyone."""

import pytest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from tests.api.conftest import token_for

pytestmark = pytest.mark.django_db


def test_the_admin_lists_tokens_and_devices_without_their_secrets(client_for, secadmin, corr_fra, reviewer):
    key = token_for(corr_fra)
    token = AuthToken.objects.get(user=corr_fra)
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    codes = StaticDevice.objects.create(user=reviewer, name="recovery codes", confirmed=True)
    StaticToken.objects.create(device=codes, token="abcdefgh")
    admin = client_for(secadmin)
    pages = {
        "/admin/knox/authtoken/": [key, token.digest, token.token_key],
        "/admin/otp_totp/totpdevice/": [device.key],
        "/admin/otp_static/staticdevice/": ["abcdefgh"],
    }
    for path, secrets in pages.items():
        page = admin.get(path)
        assert page.status_code == 200, path
        assert all(secret not in page.content.decode() for secret in secrets), path
    # No page of one credential: its title or fields would show it.
    assert admin.get(f"/admin/knox/authtoken/{token.pk}/change/").status_code == 403
    assert admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").status_code == 403
    for page in ("config", "qrcode"):  # django-otp's own pages of a device
        assert admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/{page}/", follow=True).status_code in (
            403,
            404,
        )
    assert admin.get(f"/admin/otp_static/staticdevice/{codes.pk}/change/").status_code == 403


def test_no_administrator_mints_a_token_or_a_device_for_someone_else(client_for, secadmin, corr_fra):
    admin = client_for(secadmin)
    for path in (
        "/admin/knox/authtoken/add/",
        "/admin/otp_totp/totpdevice/add/",
        "/admin/otp_static/staticdevice/add/",
    ):
        assert admin.get(path).status_code == 403, path
        assert admin.post(path, {"user": corr_fra.pk, "name": "x"}).status_code == 403, path
    assert not AuthToken.objects.exists()
    assert not TOTPDevice.objects.filter(user=corr_fra).exists()
    assert (
        "/admin/authtoken/" not in admin.get("/admin/").content.decode()
    )  # DRF's clear-text tokens are gone
