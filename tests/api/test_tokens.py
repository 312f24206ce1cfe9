"""Token and session authentication; tokens from the profile pages and from create_api_token;
what ends a token; the second factor on every API operation."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from portal.models import AuditEntry, Role
from tests.api.conftest import token_for
from tests.conftest import PASSWORD, verified_second_factor


def _api(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_it_authenticates_with_a_token(api_for, corr_fra, response_fra):
    response = api_for(corr_fra).get(f"/api/v1/responses/{response_fra.pk}/")
    assert response.status_code == 200
    assert response.json()["respondent"] == "FRA"


def test_it_authenticates_with_a_session(api_for, corr_fra, response_fra):
    response = api_for(corr_fra, session=True).get(f"/api/v1/responses/{response_fra.pk}/")
    assert response.status_code == 200


def test_a_session_needs_the_csrf_token_to_write(corr_fra, response_fra):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(corr_fra)
    response = api.patch(
        f"/api/v1/responses/{response_fra.pk}/draft/",
        {"answers": {"contact.1.authority": "Ministry"}},
        format="json",
        HTTP_IF_MATCH='"0"',
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_create_api_token_prints_a_token_that_works_and_stores_only_its_digest(corr_fra, response_fra):
    out = StringIO()
    call_command("create_api_token", "corr-fra", stdout=out, stderr=StringIO())
    key = out.getvalue().strip()
    token = AuthToken.objects.get(user=corr_fra)
    assert key.startswith(token.token_key) and len(key) > len(token.token_key) + 32
    assert key not in (token.digest, token.token_key)
    assert token.expiry > timezone.now() + timedelta(days=30)
    assert _api(key).get(f"/api/v1/responses/{response_fra.pk}/").status_code == 200
    call_command("create_api_token", "corr-fra", stdout=StringIO(), stderr=StringIO())
    assert AuthToken.objects.filter(user=corr_fra).count() == 1  # one per person: the new one replaced it
    assert _api(key).get(f"/api/v1/responses/{response_fra.pk}/").status_code == 401


@pytest.mark.parametrize("person", ["reviewer", "secadmin"])
def test_create_api_token_refuses_roles_that_require_the_second_factor(people, person):
    with pytest.raises(CommandError, match="two-factor"):
        call_command("create_api_token", person, stdout=StringIO(), stderr=StringIO())
    assert not AuthToken.objects.exists()


def test_create_api_token_refuses_an_unknown_person(db):
    with pytest.raises(CommandError, match="No active person"):
        call_command("create_api_token", "nobody", stdout=StringIO(), stderr=StringIO())


def test_an_operator_token_stops_working_when_its_owner_joins_the_secretariat(corr_fra, response_fra):
    key = token_for(corr_fra)
    assert _api(key).get("/api/v1/responses/").status_code == 200
    corr_fra.role = Role.REVIEWER
    corr_fra.save()
    refused = _api(key).get("/api/v1/responses/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "second_factor_required"


def test_an_expired_token_does_not_work(corr_fra):
    key = token_for(corr_fra)
    AuthToken.objects.filter(user=corr_fra).update(expiry=timezone.now() - timedelta(seconds=1))
    assert _api(key).get("/api/v1/responses/").status_code == 401


def test_a_new_password_ends_the_token(corr_fra):
    key = token_for(corr_fra)
    client = Client()
    client.force_login(corr_fra)
    new = "a brand new passphrase for 2027"
    changed = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert changed.status_code == 302
    assert _api(key).get("/api/v1/responses/").status_code == 401
    assert not AuthToken.objects.filter(user=corr_fra).exists()


def test_saving_the_person_without_a_new_password_keeps_the_token(corr_fra):
    key = token_for(corr_fra)
    corr_fra.first_name = "Marianne"
    corr_fra.save()
    assert _api(key).get("/api/v1/responses/").status_code == 200


def test_signing_out_everywhere_ends_the_token(corr_fra):
    key = token_for(corr_fra)
    client = Client()
    client.force_login(corr_fra)
    client.post(reverse("logout"))
    assert _api(key).get("/api/v1/responses/").status_code == 401


def test_deactivation_ends_the_token(corr_fra):
    key = token_for(corr_fra)
    corr_fra.is_active = False
    corr_fra.save()
    assert _api(key).get("/api/v1/responses/").status_code == 401


def test_the_profile_links_to_the_token_page(client_for, corr_fra):
    content = client_for(corr_fra).get(reverse("profile")).content.decode()
    assert reverse("api_tokens") in content


def test_a_token_needs_a_session_verified_with_the_second_factor(client_for, corr_fra):
    client = client_for(corr_fra)  # a correspondent signed in with the password alone
    response = client.post(reverse("api_token_create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))
    assert not AuthToken.objects.filter(user=corr_fra).exists()


def test_a_person_creates_replaces_and_revokes_their_token(client_for, corr_fra, response_fra):
    client = client_for(corr_fra)
    verified_second_factor(client, corr_fra)
    assert "You have no token." in client.get(reverse("api_tokens")).content.decode()

    created = client.post(reverse("api_token_create"))
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    first = _shown_key(created)
    assert AuthToken.objects.get(user=corr_fra).digest != first
    assert first not in client.get(reverse("api_tokens")).content.decode()  # shown only once

    second = _shown_key(client.post(reverse("api_token_create")))
    assert second != first
    assert AuthToken.objects.filter(user=corr_fra).count() == 1
    api = _api(first)
    assert api.get(f"/api/v1/responses/{response_fra.pk}/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.get(f"/api/v1/responses/{response_fra.pk}/").status_code == 200

    revoked = client.post(reverse("api_token_revoke"), follow=True)
    assert "revoked" in revoked.content.decode()
    assert not AuthToken.objects.filter(user=corr_fra).exists()
    assert api.get(f"/api/v1/responses/{response_fra.pk}/").status_code == 401

    actions = list(
        AuditEntry.objects.filter(actor=corr_fra, action__startswith="api_token.").values_list(
            "action", "object_id", "data"
        )
    )
    assert [a for a, _, _ in actions] == ["api_token.revoked", "api_token.created", "api_token.created"]
    assert all(first not in str(entry) and second not in str(entry) for entry in actions)


def test_the_token_pages_need_a_sign_in_and_a_post(client, client_for, corr_fra):
    assert client.get(reverse("api_tokens")).status_code == 302
    assert client.post(reverse("api_token_create")).status_code == 302
    assert client_for(corr_fra).get(reverse("api_token_create")).status_code == 405
    assert not AuthToken.objects.exists()


def _shown_key(page) -> str:
    import re

    return re.search(r'id="new-token" type="text" readonly value="([^"]+)"', page.content.decode()).group(1)


def _paths(response) -> list[str]:
    base = f"/api/v1/responses/{response.pk}/"
    return [
        "/api/v1/responses/",
        base,
        f"{base}draft/",
        f"{base}versions/",
        f"{base}versions/1/",
        f"{base}diff/?from=1&to=1",
    ]


@pytest.mark.parametrize("has_device", [True, False])
def test_a_secretariat_session_with_the_password_alone_reaches_no_api_operation(
    reviewer, submitted_fra, has_device
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from responses.models import ResponseVersion

    if has_device:
        TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    api = APIClient()
    api.force_login(reviewer)  # the password passed; the second factor not (or never set up)
    for path in _paths(submitted_fra):
        refused = api.get(path)
        assert refused.status_code == 403, path
        assert refused.json()["error"]["code"] == "second_factor_required", path
    versions = ResponseVersion.objects.filter(response=submitted_fra).count()
    amendment = api.post(
        f"/api/v1/responses/{submitted_fra.pk}/secretariat-amendment/",
        {"answers": {"contact.1.authority": "Ministry"}, "reason": "Typo"},
        format="json",
    )
    assert amendment.status_code == 403
    assert ResponseVersion.objects.filter(response=submitted_fra).count() == versions


def test_a_verified_secretariat_session_and_its_token_reach_the_api(api_for, reviewer, submitted_fra):
    for api in (api_for(reviewer, session=True), api_for(reviewer)):
        for path in _paths(submitted_fra):
            assert api.get(path).status_code == 200, path
