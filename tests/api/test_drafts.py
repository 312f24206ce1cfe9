"""GET and PATCH /api/v1/responses/{id}/draft/: ETag and If-Match, merge, 412, 428, 400."""

import json

from responses.models import DraftAnswer
from tests.api.helpers import error_of

AUTHORITY = "contact.1.authority"
PERSON = "contact.2.contact_person"


def draft_url(response) -> str:
    return f"/api/v1/responses/{response.pk}/draft/"


def patch(api, response, answers, if_match=None, **body):
    headers = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    return api.patch(draft_url(response), {"answers": answers, **body}, format="json", **headers)


def test_the_draft_comes_with_its_revision_as_etag(api_for, corr_fra, filled_fra):
    response = api_for(corr_fra).get(draft_url(filled_fra))
    assert response.status_code == 200
    assert response["ETag"] == f'"{filled_fra.draft_revision}"'
    body = response.json()
    assert body["revision"] == filled_fra.draft_revision
    assert body["answers"][AUTHORITY] == "Ministry of Justice"
    assert body["draft_open"] is True


def test_the_draft_is_hidden_from_other_respondents_commission_and_anonymous(
    api_for, corr_ken, commission, response_fra
):
    assert api_for(corr_ken).get(draft_url(response_fra)).status_code == 404
    assert api_for(commission).get(draft_url(response_fra)).status_code == 404
    assert api_for().get(draft_url(response_fra)).status_code == 401
    assert patch(api_for(corr_ken), response_fra, {AUTHORITY: "x"}, '"0"').status_code == 404
    assert patch(api_for(commission), response_fra, {AUTHORITY: "x"}, '"0"').status_code == 404


def test_a_save_without_if_match_is_refused_with_428(api_for, corr_fra, response_fra):
    response = patch(api_for(corr_fra), response_fra, {AUTHORITY: "Ministry"})
    assert response.status_code == 428
    assert error_of(response)["code"] == "precondition_required"
    assert not DraftAnswer.objects.filter(response=response_fra).exists()


def test_saves_to_different_questions_merge(api_for, corr_fra, corr_fra_2, response_fra):
    claire, julien = api_for(corr_fra), api_for(corr_fra_2)
    seen = claire.get(draft_url(response_fra))["ETag"]
    first = patch(julien, response_fra, {AUTHORITY: "Ministry of Justice"}, seen)
    assert first.status_code == 200
    assert first["ETag"] == '"1"'

    second = patch(claire, response_fra, {PERSON: "Claire Martin"}, seen)  # based on the older revision
    assert second.status_code == 200
    assert second["ETag"] == '"2"'
    assert second.json()["answers"] == {AUTHORITY: "Ministry of Justice", PERSON: "Claire Martin"}
    assert second.json()["revision"] == 2


def test_a_stale_save_to_a_changed_question_is_412_with_the_current_values(
    api_for, corr_fra, corr_fra_2, response_fra
):
    claire, julien = api_for(corr_fra), api_for(corr_fra_2)
    seen = claire.get(draft_url(response_fra))["ETag"]
    assert patch(julien, response_fra, {AUTHORITY: "Ministry of the Interior"}, seen).status_code == 200

    stale = patch(claire, response_fra, {AUTHORITY: "Ministry of Justice", PERSON: "Claire"}, seen)
    assert stale.status_code == 412
    assert stale["ETag"] == '"1"'
    error = error_of(stale)
    assert error["code"] == "conflict"
    assert set(error["fields"]) == {AUTHORITY}
    assert error["conflicts"][AUTHORITY]["yours"] == "Ministry of Justice"
    assert error["conflicts"][AUTHORITY]["theirs"] == "Ministry of the Interior"
    assert error["answers"] == {AUTHORITY: "Ministry of the Interior"}
    assert error["revision"] == 1
    # never an overwrite, and all or nothing: the other question was not saved either
    stored = dict(DraftAnswer.objects.filter(response=response_fra).values_list("question_code", "value"))
    assert stored == {AUTHORITY: "Ministry of the Interior"}

    retry = patch(claire, response_fra, {AUTHORITY: "Ministry of Justice", PERSON: "Claire"}, stale["ETag"])
    assert retry.status_code == 200
    assert retry.json()["answers"][AUTHORITY] == "Ministry of Justice"


def test_an_if_match_that_names_no_revision_is_412(api_for, corr_fra, filled_fra):
    api = api_for(corr_fra)
    for if_match in ("*", '"abc"', f'"{filled_fra.draft_revision + 1}"'):
        response = patch(api, filled_fra, {AUTHORITY: "Ministry"}, if_match)
        assert response.status_code == 412, if_match
        error = error_of(response)
        assert error["code"] == "precondition_failed"
        assert error["answers"][AUTHORITY] == "Ministry of Justice"
    assert (
        DraftAnswer.objects.get(response=filled_fra, question_code=AUTHORITY).value == "Ministry of Justice"
    )


def test_values_are_validated_per_question_type(api_for, corr_fra, response_fra):
    response = patch(
        api_for(corr_fra),
        response_fra,
        {AUTHORITY: 42, "a.1.organized_crime": "perhaps", "e.3.number_programmes": "seven", "zz.9": "x"},
        '"0"',
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_answers"
    assert error["fields"] == {
        AUTHORITY: ["Enter text."],
        "a.1.organized_crime": ["Choose yes, no, partly or unknown."],
        "e.3.number_programmes": ["Enter a whole number."],
        "zz.9": ["There is no question zz.9 in this questionnaire."],
    }
    assert not DraftAnswer.objects.filter(response=response_fra).exists()


def test_a_save_is_an_object_of_answers_and_nothing_else(api_for, corr_fra, response_fra):
    api = api_for(corr_fra)
    assert patch(api, response_fra, ["not", "an", "object"], '"0"').status_code == 400
    extra = patch(api, response_fra, {AUTHORITY: "x"}, '"0"', revision=7)
    assert error_of(extra)["fields"] == {"revision": ["Unknown field."]}


def test_the_secretariat_and_an_unauthorised_state_cannot_save(api_for, reviewer, corr_fra, submitted_fra):
    refused = patch(api_for(reviewer), submitted_fra, {AUTHORITY: "x"}, f'"{submitted_fra.draft_revision}"')
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "permission_denied"
    closed = patch(api_for(corr_fra), submitted_fra, {AUTHORITY: "x"}, f'"{submitted_fra.draft_revision}"')
    assert closed.status_code == 403  # submitted: the draft is closed until an amendment


def test_a_cleared_answer_leaves_the_draft(api_for, corr_fra, filled_fra):
    response = patch(api_for(corr_fra), filled_fra, {AUTHORITY: None}, f'"{filled_fra.draft_revision}"')
    assert response.status_code == 200
    assert AUTHORITY not in response.json()["answers"]


def test_text_that_the_database_cannot_hold_is_refused(api_for, corr_fra, response_fra):
    api = api_for(corr_fra)
    for answers in ({AUTHORITY: "Minis\x00try"}, {AUTHORITY: "\ud800"}, {"\x00": "x"}):
        response = api.patch(
            draft_url(response_fra),
            json.dumps({"answers": answers}),  # lone surrogates survive only as JSON escapes
            content_type="application/json",
            HTTP_IF_MATCH='"0"',
        )
        assert response.status_code == 400, answers
        assert "answers" in error_of(response)["fields"]
