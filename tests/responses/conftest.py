import datetime

import pytest

from portal.models import Respondent
from questionnaires import services as questionnaire_services
from questionnaires.models import InstrumentVersion
from responses import services


@pytest.fixture
def open_cycle(secadmin):
    version = InstrumentVersion.objects.get(instrument__code="1997-34", number=1)
    cycle = questionnaire_services.cycle_create(
        slug="test-1997-34",
        title="Implementation of the Declaration",
        instrument_version=version,
        session_number=8,
        session_year=1999,
        document_symbol="E/CN.15/1999/3",
        opens_on=datetime.date(2026, 1, 1),
        deadline=datetime.date(2027, 1, 1),
        user=secadmin,
    )
    return questionnaire_services.cycle_open(cycle=cycle, user=secadmin, notify=False)


@pytest.fixture
def france():
    return Respondent.objects.get(code="FRA")


@pytest.fixture
def response_fra(open_cycle, france, corr_fra):
    return services.response_start(cycle=open_cycle, respondent=france, user=corr_fra)


def required_answers(definition: dict) -> dict:
    """Valid answers to every required question (and nothing else)."""
    from questionnaires.definition import iter_questions

    samples = {
        "short_text": "Ministry of Justice",
        "long_text": "Penal Code, articles 450-1 to 450-5, criminalizes participation in organized crime.",
        "yes_no_partly": "yes",
        "integer": 3,
        "decimal": 10000,
        "date": "1998-03-12",
        "year": 1996,
        "links": ["https://legislation.example.org/penal-code"],
    }
    answers = {}
    for question in iter_questions(definition):
        if not question.required:
            continue
        if question.type in samples:
            answers[question.code] = samples[question.type]
        elif question.type == "single_choice":
            answers[question.code] = question.spec["choices"][0]["code"]
        elif question.type == "multiple_choice":
            answers[question.code] = [question.spec["choices"][0]["code"]]
        else:
            answers[question.code] = {"special": "no_information"}
    return answers


@pytest.fixture
def filled_fra(response_fra, corr_fra):
    answers = required_answers(response_fra.cycle.instrument_version.definition)
    result = services.draft_save(response=response_fra, user=corr_fra, answers=answers, base_revision=0)
    assert result.ok, (result.errors, result.conflicts)
    response_fra.refresh_from_db()
    return response_fra
