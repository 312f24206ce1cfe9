"""Helpers of the API tests."""

from questionnaires.definition import iter_questions

SAMPLE_ANSWERS = {
    "short_text": "Ministry of Justice",
    "long_text": "The Penal Code, articles 450-1 to 450-5, criminalizes participation in organized crime.",
    "yes_no_partly": "yes",
    "date": "1998-03-12",
}


def complete_answers(definition: dict) -> dict:
    """Valid answers to every required question: a draft that can be submitted."""
    return {
        q.code: SAMPLE_ANSWERS.get(q.type, {"special": "no_information"})
        for q in iter_questions(definition)
        if q.required
    }


def error_of(http_response) -> dict:
    """The API's one error shape, checked, returned as its inner object."""
    body = http_response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "fields"} <= set(body["error"]), body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]
