"""GET /api/v1/instruments/ and /api/v1/instruments/{code}/, for each role."""

from tests.api.conftest import THROTTLE_QUERIES
from tests.api.helpers import error_of

INSTRUMENTS = "/api/v1/instruments/"


def test_the_secretariat_sees_every_instrument(api_for, reviewer, django_assert_num_queries):
    api = api_for(reviewer)
    # 1 token and person, 2 count, 3 instruments, 4 their versions
    with django_assert_num_queries(4 + THROTTLE_QUERIES):
        body = api.get(INSTRUMENTS).json()
    assert [i["code"] for i in body["results"]] == [
        "1997-34",
        "2004-28-1",
        "2004-28-2",
        "2004-28-3",
        "2004-28-4",
    ]
    first = body["results"][0]
    assert first["title"]["en"] and first["title"]["fr"]
    assert first["versions"][0]["number"] == 1
    assert first["versions"][0]["status"] == "approved"


def test_a_correspondent_sees_the_instruments_of_their_cycles(api_for, corr_fra, open_cycle):
    body = api_for(corr_fra).get(INSTRUMENTS).json()
    assert [i["code"] for i in body["results"]] == ["1997-34"]
    assert api_for(corr_fra).get(f"{INSTRUMENTS}2004-28-2/").status_code == 404


def test_an_instrument_has_its_versions_sections_and_questions(api_for, corr_fra, open_cycle):
    response = api_for(corr_fra).get(f"{INSTRUMENTS}1997-34/")
    assert response.status_code == 200
    version = response.json()["versions"][0]
    assert version["number"] == 1
    assert len(version["sha256"]) == 64
    sections = {s["code"]: s for s in version["sections"]}
    contact = sections["contact"]["questions"][0]
    assert contact["code"] == "contact.1.authority"
    assert contact["type"] == "short_text"
    assert contact["required"] is True
    assert contact["text"]["fr"]
    summary = next(q for q in sections["a"]["questions"] if q["code"] == "a.1.organized_crime_summary")
    assert summary["show_if"] == {"question": "a.1.organized_crime", "in": ["yes", "partly"]}


def test_commission_members_and_anonymous_clients_see_no_instrument(api_for, commission, open_cycle):
    assert api_for(commission).get(INSTRUMENTS).json()["results"] == []
    assert api_for(commission).get(f"{INSTRUMENTS}1997-34/").status_code == 404
    assert api_for().get(INSTRUMENTS).status_code == 401


def test_an_unknown_instrument_is_a_404_in_the_error_shape(api_for, reviewer):
    response = api_for(reviewer).get(f"{INSTRUMENTS}no-such/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
