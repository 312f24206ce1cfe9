"""portal/api.py: one error shape for every failure, pagination, throttling."""

import pytest
from rest_framework.settings import api_settings

from tests.api.helpers import error_of

RESPONSES = "/api/v1/responses/"


def test_it_answers_an_anonymous_request_with_401_and_the_token_challenge(api_for):
    response = api_for().get(RESPONSES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_of(response)["code"] == "not_authenticated"


def test_it_refuses_an_unknown_token(api_for):
    api = api_for()
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = api.get(RESPONSES)
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_it_gives_field_messages_for_a_serializer_error(api_for, corr_fra, open_cycle):
    response = api_for(corr_fra).post(RESPONSES, {"cycle": open_cycle.slug}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["fields"] == {"respondent": ["This field is required."]}


def test_it_rejects_fields_a_person_may_not_set(api_for, corr_fra, open_cycle):
    response = api_for(corr_fra).post(
        RESPONSES, {"cycle": open_cycle.slug, "respondent": "FRA", "status": "accepted"}, format="json"
    )
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"status": ["Unknown field."]}


def test_it_reports_a_body_that_is_not_json(api_for, corr_fra):
    response = api_for(corr_fra).post(RESPONSES, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_it_reports_a_method_the_resource_does_not_have(api_for, corr_fra):
    response = api_for(corr_fra).delete(RESPONSES)
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_it_paginates_lists(api_for, reviewer, open_cycle, secadmin):
    from portal.models import Respondent
    from responses import services

    for code in ("FRA", "KEN", "BRA"):
        services.response_start(cycle=open_cycle, respondent=Respondent.objects.get(code=code), user=secadmin)
    api = api_for(reviewer)
    first = api.get(RESPONSES, {"page_size": 2}).json()
    assert first["count"] == 3
    assert len(first["results"]) == 2
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert {r["respondent"] for r in first["results"] + second["results"]} == {"FRA", "KEN", "BRA"}
    beyond = api.get(RESPONSES, {"page": 9})
    assert beyond.status_code == 404
    assert error_of(beyond)["code"] == "not_found"


@pytest.fixture
def tight_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "3/minute"},
    }
    assert api_settings.DEFAULT_THROTTLE_RATES["user"] == "3/minute"


def test_it_throttles_a_person_beyond_the_user_rate(api_for, corr_fra, tight_rates):
    api = api_for(corr_fra)
    assert [api.get(RESPONSES).status_code for _ in range(3)] == [200, 200, 200]
    throttled = api.get(RESPONSES)
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert error_of(throttled)["code"] == "throttled"


def test_it_throttles_anonymous_clients_beyond_the_anonymous_rate(api_for, tight_rates):
    # The schema is the one resource open to anonymous clients; elsewhere they get 401 first.
    api = api_for()
    assert [api.get("/api/schema/").status_code for _ in range(3)] == [200, 200, 429]


def test_an_unknown_address_is_a_404_in_the_error_shape(api_for, corr_fra):
    for path in ("/api/v1/nothing-here/", "/api/v1/instruments/bad%00code/", "/api/v1/responses/x/draft/"):
        response = api_for(corr_fra).get(path)
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "not_found"
