"""Token and session authentication; tokens from the profile pages and from drf_create_token."""

from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.models import AuditEntry
from tests.conftest import verified_second_factor


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


def test_drf_create_token_prints_a_token_that_works(corr_fra, response_fra):
    out = StringIO()
    call_command("drf_create_token", "corr-fra", stdout=out)
    key = Token.objects.get(user=corr_fra).key
    assert key in out.getvalue()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(f"/api/v1/responses/{response_fra.pk}/").status_code == 200


def test_the_profile_links_to_the_token_page(client_for, corr_fra):
    content = client_for(corr_fra).get(reverse("profile")).content.decode()
    assert reverse("api_tokens") in content


def test_a_token_needs_a_session_verified_with_the_second_factor(client_for, corr_fra):
    client = client_for(corr_fra)  # a correspondent signed in with the password alone
    response = client.post(reverse("api_token_create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))
    assert not Token.objects.filter(user=corr_fra).exists()


def test_a_person_creates_replaces_and_revokes_their_token(client_for, corr_fra, response_fra):
    client = client_for(corr_fra)
    verified_second_factor(client, corr_fra)
    assert "You have no token." in client.get(reverse("api_tokens")).content.decode()

    created = client.post(reverse("api_token_create"))
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    first = Token.objects.get(user=corr_fra).key
    assert first in created.content.decode()
    assert first not in client.get(reverse("api_tokens")).content.decode()  # shown only once

    client.post(reverse("api_token_create"))
    second = Token.objects.get(user=corr_fra).key
    assert second != first
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.get(f"/api/v1/responses/{response_fra.pk}/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.get(f"/api/v1/responses/{response_fra.pk}/").status_code == 200

    revoked = client.post(reverse("api_token_revoke"), follow=True)
    assert "revoked" in revoked.content.decode()
    assert not Token.objects.filter(user=corr_fra).exists()
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
    assert not Token.objects.exists()
