"""The workflow actions over the API: who may do what, in which state. The rules are the
services'; these tests check that the API reaches them and reports their answers."""

import pytest

from responses import services
from responses.models import ClarificationThread, Response, ResponseVersion
from responses.selectors import draft_revision_get
from tests.api.helpers import error_of
from tests.dates import days_from_today


def url(response, action: str) -> str:
    return f"/api/v1/responses/{response.pk}/{action}/"


def post(api, response, action: str, body=None):
    return api.post(url(response, action), body or {}, format="json")


def submit(api, response, body=None):
    """Submit the draft as of its current revision (the one the client has reviewed)."""
    revision = draft_revision_get(response=response)
    return api.post(url(response, "submit"), body or {}, format="json", HTTP_IF_MATCH=f'"{revision}"')


def test_the_focal_point_submits_and_gets_the_new_version(api_for, corr_fra, filled_fra):
    response = submit(api_for(corr_fra), filled_fra)
    assert response.status_code == 201
    version = response.json()
    assert version["number"] == 1
    assert version["kind"] == "initial"
    assert version["author"] == "corr-fra"
    assert len(version["sha256"]) == 64
    assert version["answers"]["contact.1.authority"] == "Ministry of Justice"
    filled_fra.refresh_from_db()
    assert filled_fra.status == Response.Status.SUBMITTED


def test_an_incomplete_draft_is_refused_with_a_message_per_question(api_for, corr_fra, response_fra):
    response = submit(api_for(corr_fra), response_fra)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_submission"
    assert "contact.1.authority" in error["fields"]
    assert not ResponseVersion.objects.exists()


def test_who_may_not_submit(api_for, corr_fra_2, corr_ken, reviewer, commission, filled_fra):
    not_authorised = submit(api_for(corr_fra_2), filled_fra)
    assert not_authorised.status_code == 403
    assert error_of(not_authorised)["code"] == "permission_denied"
    assert submit(api_for(reviewer), filled_fra).status_code == 403
    assert submit(api_for(corr_ken), filled_fra).status_code == 404
    assert submit(api_for(commission), filled_fra).status_code == 404
    assert submit(api_for(), filled_fra).status_code == 401
    assert not ResponseVersion.objects.exists()


def test_an_action_takes_no_fields(api_for, corr_fra, filled_fra):
    response = submit(api_for(corr_fra), filled_fra, {"status": "accepted"})
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"status": ["Unknown field."]}


def test_a_correspondent_amends_a_submitted_response(api_for, corr_fra_2, submitted_fra):
    api = api_for(corr_fra_2)  # any correspondent of the state opens an amendment
    opened = post(api, submitted_fra, "amend")
    assert opened.status_code == 200
    assert opened.json()["from_version"] == 1
    assert opened["ETag"] == f'"{opened.json()["revision"]}"'
    again = post(api, submitted_fra, "amend")
    assert again.status_code == 400
    assert error_of(again)["code"] == "draft_open"


def test_a_draft_cannot_be_amended_before_it_is_submitted(api_for, corr_fra, response_fra):
    assert post(api_for(corr_fra), response_fra, "amend").status_code == 400


@pytest.fixture
def comments():
    return {
        "comments": {"contact.1.authority": "Which ministry exactly?"},
        "due_date": days_from_today(14).isoformat(),
    }


def test_only_the_secretariat_requests_clarification(api_for, corr_fra, reviewer, submitted_fra, comments):
    assert post(api_for(corr_fra), submitted_fra, "request-clarification", comments).status_code == 403
    response = post(api_for(reviewer), submitted_fra, "request-clarification", comments)
    assert response.status_code == 200
    assert response.json()["status"] == "clarification_requested"
    thread = ClarificationThread.objects.get(response=submitted_fra)
    assert thread.question_code == "contact.1.authority"
    assert thread.due_date == days_from_today(14)


def test_a_clarification_names_real_questions(api_for, reviewer, submitted_fra):
    response = post(api_for(reviewer), submitted_fra, "request-clarification", {"comments": {"zz.1": "?"}})
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"zz.1"}
    missing = post(api_for(reviewer), submitted_fra, "request-clarification", {})
    assert error_of(missing)["fields"] == {"comments": ["This field is required."]}


def test_accept_only_from_submitted_or_in_review(api_for, reviewer, corr_fra, filled_fra):
    api = api_for(reviewer)
    nothing_yet = post(api, filled_fra, "accept")
    assert nothing_yet.status_code == 400
    assert error_of(nothing_yet)["code"] == "invalid_transition"
    services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    assert post(api_for(corr_fra), filled_fra, "accept").status_code == 403
    in_review = post(api, filled_fra, "start-review")
    assert in_review.status_code == 200
    assert in_review.json()["status"] == "in_review"
    accepted = post(api, filled_fra, "accept")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    twice = post(api, filled_fra, "accept")
    assert twice.status_code == 400
    assert error_of(twice)["code"] == "invalid_transition"


def test_a_response_with_an_open_amendment_draft_is_not_accepted(api_for, reviewer, corr_fra, submitted_fra):
    services.response_amend(response=submitted_fra, user=corr_fra)
    response = post(api_for(reviewer), submitted_fra, "accept")
    assert response.status_code == 400
    assert error_of(response)["code"] == "draft_open"


def test_a_secretariat_amendment_needs_a_reason(api_for, reviewer, submitted_fra):
    api = api_for(reviewer)
    answers = {"contact.1.authority": "Ministry of Justice and Liberties"}
    missing = post(api, submitted_fra, "secretariat-amendment", {"answers": answers})
    assert missing.status_code == 400
    assert error_of(missing)["fields"] == {"reason": ["This field is required."]}
    blank = post(api, submitted_fra, "secretariat-amendment", {"answers": answers, "reason": "  "})
    assert blank.status_code == 400
    assert error_of(blank)["code"] == "reason_required"
    assert list(error_of(blank)["fields"]) == ["reason"]
    assert ResponseVersion.objects.count() == 1

    made = post(api, submitted_fra, "secretariat-amendment", {"answers": answers, "reason": "Official name"})
    assert made.status_code == 201
    version = made.json()
    assert (version["number"], version["kind"], version["reason"]) == (
        2,
        "secretariat_amendment",
        "Official name",
    )
    assert version["answers"]["contact.1.authority"] == "Ministry of Justice and Liberties"


def test_a_secretariat_amendment_validates_answers_and_is_the_secretariats(
    api_for, reviewer, corr_fra, submitted_fra
):
    invalid = post(
        api_for(reviewer),
        submitted_fra,
        "secretariat-amendment",
        {"answers": {"a.1.organized_crime": 3}, "reason": "r"},
    )
    assert invalid.status_code == 400
    assert set(error_of(invalid)["fields"]) == {"a.1.organized_crime"}
    refused = post(
        api_for(corr_fra),
        submitted_fra,
        "secretariat-amendment",
        {"answers": {"contact.1.authority": "x"}, "reason": "r"},
    )
    assert refused.status_code == 403


def test_correspondents_acknowledge_or_contest_a_secretariat_amendment(
    api_for, reviewer, corr_fra, corr_ken, submitted_fra
):
    services.secretariat_amendment_create(
        response=submitted_fra,
        user=reviewer,
        answers={"contact.1.authority": "Ministry"},
        reason="Official name",
    )
    ack = "versions/2/acknowledge"
    contested = post(api_for(corr_fra), submitted_fra, ack, {"decision": "contested"})
    assert contested.status_code == 400
    assert error_of(contested)["code"] == "comment_required"
    acknowledged = post(api_for(corr_fra), submitted_fra, ack, {"decision": "acknowledged"})
    assert acknowledged.status_code == 201
    assert acknowledged.json()["person"] == "corr-fra"
    assert post(api_for(corr_ken), submitted_fra, ack, {"decision": "acknowledged"}).status_code == 404
    assert (
        post(
            api_for(corr_fra), submitted_fra, "versions/1/acknowledge", {"decision": "acknowledged"}
        ).status_code
        == 400
    )
    detail = api_for(corr_fra).get(url(submitted_fra, "versions/2")).json()
    assert [a["decision"] for a in detail["acknowledgements"]] == ["acknowledged"]


def test_a_submit_without_if_match_is_refused_with_428(api_for, corr_fra, filled_fra):
    response = post(api_for(corr_fra), filled_fra, "submit")
    assert response.status_code == 428
    assert error_of(response)["code"] == "precondition_required"
    assert not ResponseVersion.objects.exists()


def test_a_submit_whose_if_match_names_no_revision_is_412_in_the_submits_shape(api_for, corr_fra, filled_fra):
    response = api_for(corr_fra).post(url(filled_fra, "submit"), {}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 412
    error = error_of(response)
    assert (error["code"], error["changed"]) == ("precondition_failed", [])
    assert response["ETag"] == f'"{error["revision"]}"'
    assert not ResponseVersion.objects.exists()


def test_a_submit_of_a_draft_changed_since_is_412_naming_the_changes(
    api_for, corr_fra, corr_fra_2, filled_fra
):
    api = api_for(corr_fra)
    reviewed = api.get(f"/api/v1/responses/{filled_fra.pk}/draft/")["ETag"]
    colleague = api_for(corr_fra_2).patch(
        f"/api/v1/responses/{filled_fra.pk}/draft/",
        {"answers": {"contact.1.authority": "Ministry of the Interior"}},
        format="json",
        HTTP_IF_MATCH=reviewed,
    )
    assert colleague.status_code == 200
    response = api.post(url(filled_fra, "submit"), {}, format="json", HTTP_IF_MATCH=reviewed)
    assert response.status_code == 412
    error = error_of(response)
    assert error["code"] == "draft_changed"
    assert error["changed"] == ["contact.1.authority"]
    assert response["ETag"] == colleague["ETag"] == f'"{error["revision"]}"'
    assert not ResponseVersion.objects.exists()
    # Having read the change, the focal point submits the draft as it now is.
    again = api.post(url(filled_fra, "submit"), {}, format="json", HTTP_IF_MATCH=response["ETag"])
    assert again.status_code == 201
    assert again.json()["answers"]["contact.1.authority"] == "Ministry of the Interior"
