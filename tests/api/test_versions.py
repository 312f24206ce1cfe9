"""GET /api/v1/responses/{id}/versions/, …/versions/{n}/ and …/diff/?from=N&to=M."""

import pytest

from responses import services
from tests.api.conftest import THROTTLE_QUERIES
from tests.api.helpers import error_of


@pytest.fixture
def amended_fra(submitted_fra, reviewer):
    services.secretariat_amendment_create(
        response=submitted_fra,
        user=reviewer,
        answers={"contact.1.authority": "Ministry of Justice and Liberties"},
        reason="The ministry's official name",
    )
    return submitted_fra


def base(response) -> str:
    return f"/api/v1/responses/{response.pk}/"


def test_the_versions_list_in_order(api_for, corr_fra, amended_fra, django_assert_num_queries):
    api = api_for(corr_fra)
    # 1 token and person, 2 the response, 3 its versions with their authors
    with django_assert_num_queries(3 + THROTTLE_QUERIES):
        versions = api.get(base(amended_fra) + "versions/").json()
    assert [(v["number"], v["kind"], v["author"]) for v in versions] == [
        (1, "initial", "corr-fra"),
        (2, "secretariat_amendment", "reviewer"),
    ]
    assert set(versions[0]) == {"number", "kind", "author", "author_name", "reason", "sha256", "created_at"}
    assert versions[1]["reason"] == "The ministry's official name"


def test_a_version_adds_its_answers(api_for, reviewer, amended_fra):
    version = api_for(reviewer).get(base(amended_fra) + "versions/2/").json()
    assert version["answers"]["contact.1.authority"] == "Ministry of Justice and Liberties"
    assert version["instrument"] == "1997-34"
    assert len(version["previous_sha256"]) == 64
    assert api_for(reviewer).get(base(amended_fra) + "versions/3/").status_code == 404


def test_the_diff_shows_the_changed_answers(api_for, corr_fra, amended_fra):
    diff = api_for(corr_fra).get(base(amended_fra) + "diff/", {"from": 1, "to": 2}).json()
    assert (diff["from"], diff["to"]) == (1, 2)
    assert [c["code"] for c in diff["changes"]] == ["contact.1.authority"]
    change = diff["changes"][0]
    assert (change["from"], change["to"]) == ("Ministry of Justice", "Ministry of Justice and Liberties")
    assert ["insert", " and Liberties"] in change["words"]


def test_the_diff_needs_two_existing_versions(api_for, corr_fra, amended_fra):
    api = api_for(corr_fra)
    missing = api.get(base(amended_fra) + "diff/", {"from": 1})
    assert missing.status_code == 400
    assert error_of(missing)["fields"] == {"to": ["This field is required."]}
    assert api.get(base(amended_fra) + "diff/", {"from": "one", "to": 2}).status_code == 400
    assert api.get(base(amended_fra) + "diff/", {"from": 1, "to": 5}).status_code == 404


def test_versions_are_hidden_from_other_respondents_commission_and_anonymous(
    api_for, corr_ken, commission, amended_fra
):
    for path in ("versions/", "versions/1/", "diff/?from=1&to=2"):
        assert api_for(corr_ken).get(base(amended_fra) + path).status_code == 404
        assert api_for(commission).get(base(amended_fra) + path).status_code == 404
        assert api_for().get(base(amended_fra) + path).status_code == 401
