"""The API's people are those of tests/conftest.py; each reaches the API with a token
(``api_for(person)``) or a signed-in session (``api_for(person, session=True)``)."""

import datetime

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.models import Respondent
from questionnaires import services as questionnaire_services
from questionnaires.models import InstrumentVersion
from responses import services
from tests.api.helpers import complete_answers


@pytest.fixture(autouse=True)
def fresh_throttles():
    # Throttle counters live in the cache, which outlives a test's database transaction.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_for(db):
    def client(person=None, *, session: bool = False) -> APIClient:
        api = APIClient()
        if person is not None and session:
            api.force_login(person)
        elif person is not None:
            key = Token.objects.get_or_create(user=person)[0].key
            api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return api

    return client


@pytest.fixture
def open_cycle(secadmin):
    version = InstrumentVersion.objects.get(instrument__code="1997-34", number=1)
    cycle = questionnaire_services.cycle_create(
        slug="api-1997-34",
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
def kenya():
    return Respondent.objects.get(code="KEN")


@pytest.fixture
def response_fra(open_cycle, france, corr_fra):
    return services.response_start(cycle=open_cycle, respondent=france, user=corr_fra)


@pytest.fixture
def response_ken(open_cycle, kenya, corr_ken):
    return services.response_start(cycle=open_cycle, respondent=kenya, user=corr_ken)


@pytest.fixture
def filled_fra(response_fra, corr_fra):
    answers = complete_answers(response_fra.cycle.instrument_version.definition)
    result = services.draft_save(response=response_fra, user=corr_fra, answers=answers, base_revision=0)
    assert result.ok, (result.errors, result.conflicts)
    response_fra.refresh_from_db()
    return response_fra


@pytest.fixture
def submitted_fra(filled_fra, corr_fra):
    services.response_submit(response=filled_fra, user=corr_fra)
    filled_fra.refresh_from_db()
    return filled_fra
