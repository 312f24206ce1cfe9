"""GET /api/v1/cycles/ and /api/v1/cycles/{slug}/, scoped by Cycle.objects.for_user."""


import pytest

from questionnaires import services
from questionnaires.models import InstrumentVersion
from tests.api.conftest import THROTTLE_QUERIES
from tests.dates import cycle_dates

CYCLES = "/api/v1/cycles/"


@pytest.fixture
def cycle_in_preparation(secadmin):
    return services.cycle_create(
        slug="in-preparation",
        title="Standards and norms",
        instrument_version=InstrumentVersion.objects.get(instrument__code="2004-28-1", number=1),
        session_number=15,
        session_year=2006,
        document_symbol="E/CN.15/2006/13",
        **cycle_dates(),
        user=secadmin,
    )


def test_a_correspondent_sees_the_open_cycles_asking_them(
    api_for, corr_fra, open_cycle, cycle_in_preparation, django_assert_num_queries
):
    api = api_for(corr_fra)
    # 1 token and person, 2 count, 3 cycles with their instrument
    with django_assert_num_queries(3 + THROTTLE_QUERIES):
        body = api.get(CYCLES).json()
    assert [c["slug"] for c in body["results"]] == [open_cycle.slug]
    item = body["results"][0]
    assert item["instrument"] == "1997-34"
    assert item["instrument_version"] == 1
    assert item["status"] == "open"
    assert item["deadline"] == open_cycle.deadline.isoformat()
    assert api.get(f"{CYCLES}{cycle_in_preparation.slug}/").status_code == 404


def test_a_cycle_lists_only_the_respondents_the_person_may_see(api_for, corr_fra, reviewer, open_cycle):
    mine = api_for(corr_fra).get(f"{CYCLES}{open_cycle.slug}/").json()
    assert mine["respondents"] == ["FRA"]
    everyone = api_for(reviewer).get(f"{CYCLES}{open_cycle.slug}/").json()
    assert {"FRA", "KEN"} <= set(everyone["respondents"])


def test_the_secretariat_sees_every_cycle_and_filters_by_status(
    api_for, reviewer, open_cycle, cycle_in_preparation
):
    api = api_for(reviewer)
    assert {c["slug"] for c in api.get(CYCLES).json()["results"]} == {open_cycle.slug, "in-preparation"}
    assert [c["slug"] for c in api.get(CYCLES, {"status": "draft"}).json()["results"]] == ["in-preparation"]
    assert [c["slug"] for c in api.get(CYCLES, {"instrument": "1997-34"}).json()["results"]] == [
        open_cycle.slug
    ]
    assert api.get(CYCLES, {"status": "bogus"}).status_code == 400


def test_commission_members_see_no_cycle_and_anonymous_clients_are_refused(api_for, commission, open_cycle):
    assert api_for(commission).get(CYCLES).json()["results"] == []
    assert api_for(commission).get(f"{CYCLES}{open_cycle.slug}/").status_code == 404
    assert api_for().get(f"{CYCLES}{open_cycle.slug}/").status_code == 401
