"""GET and POST /api/v1/responses/ and GET /api/v1/responses/{id}/, for each role."""

from responses.models import Response
from tests.api.conftest import THROTTLE_QUERIES
from tests.api.helpers import error_of

RESPONSES = "/api/v1/responses/"


def test_a_correspondent_lists_only_their_respondents_responses(
    api_for, corr_fra, response_fra, response_ken, open_cycle, django_assert_num_queries
):
    api = api_for(corr_fra)
    # 1 token and person, 2 count, 3 responses with respondent and cycle
    with django_assert_num_queries(3 + THROTTLE_QUERIES):
        body = api.get(RESPONSES, {"cycle": open_cycle.slug}).json()
    assert body["count"] == 1
    assert body["results"][0] == {
        "id": response_fra.pk,
        "respondent": "FRA",
        "respondent_name": "France",
        "cycle": open_cycle.slug,
        "status": "draft",
        "latest_version": None,
        "draft_open": True,
        "updated_at": body["results"][0]["updated_at"],
        "submitted_at": None,
        "accepted_at": None,
    }


def test_the_secretariat_lists_all_and_filters(api_for, reviewer, submitted_fra, response_ken, open_cycle):
    api = api_for(reviewer)

    def codes(**params):
        response = api.get(RESPONSES, params)
        assert response.status_code == 200, response.json()
        return sorted(r["respondent"] for r in response.json()["results"])

    assert codes() == ["FRA", "KEN"]
    assert codes(cycle=open_cycle.slug) == ["FRA", "KEN"]
    assert codes(cycle="another-cycle") == []
    assert codes(respondent="KEN") == ["KEN"]
    assert codes(status="submitted") == ["FRA"]
    assert codes(regional_group="WEOG") == ["FRA"]
    assert codes(regional_group="AFRICAN") == ["KEN"]
    submitted = api.get(RESPONSES, {"respondent": "FRA"}).json()["results"][0]
    assert submitted["latest_version"] == 1
    invalid = api.get(RESPONSES, {"status": "bogus"})
    assert invalid.status_code == 400
    assert "status" in error_of(invalid)["fields"]


def test_commission_members_list_none_and_anonymous_clients_are_refused(api_for, commission, response_fra):
    assert api_for(commission).get(RESPONSES).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
    assert api_for(commission).get(f"{RESPONSES}{response_fra.pk}/").status_code == 404
    assert api_for().get(f"{RESPONSES}{response_fra.pk}/").status_code == 401


def test_another_respondents_response_is_not_found(api_for, corr_ken, response_fra):
    response = api_for(corr_ken).get(f"{RESPONSES}{response_fra.pk}/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_correspondent_starts_their_response_once(api_for, corr_fra, open_cycle):
    api = api_for(corr_fra)
    started = api.post(RESPONSES, {"cycle": open_cycle.slug, "respondent": "FRA"}, format="json")
    assert started.status_code == 201
    assert started.json()["respondent"] == "FRA"
    again = api.post(RESPONSES, {"cycle": open_cycle.slug, "respondent": "FRA"}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == started.json()["id"]
    assert Response.objects.filter(cycle=open_cycle).count() == 1


def test_nobody_starts_a_response_for_a_respondent_not_theirs(api_for, corr_fra, commission, open_cycle):
    refused = api_for(corr_fra).post(
        RESPONSES, {"cycle": open_cycle.slug, "respondent": "KEN"}, format="json"
    )
    assert refused.status_code == 400
    assert set(error_of(refused)["fields"]) == {"respondent"}
    commission_refused = api_for(commission).post(
        RESPONSES, {"cycle": open_cycle.slug, "respondent": "FRA"}, format="json"
    )
    assert commission_refused.status_code == 400
    assert set(error_of(commission_refused)["fields"]) == {"cycle", "respondent"}
    assert not Response.objects.exists()
