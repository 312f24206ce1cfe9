"""The API's people are those of tests/conftest.py; each reaches the API with a token
(``api_for(person)``) or a signed-in session (``api_for(person, session=True)``)."""

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from portal.models import Respondent
from portal.security import second_factor_required
from portal.services import api_token_create
from responses import services
from responses.selectors import draft_revision_get
from tests.api.helpers import complete_answers
from tests.conftest import verified_second_factor

# What the API's throttle costs in queries on each request: none with Redis (CACHE_URL);
# with the database cache, a read, then a write's count, read and upsert in a savepoint.
THROTTLE_QUERIES = 0 if settings.CACHE_URL else 6


@pytest.fixture(autouse=True)
def fresh_throttles(db):
    # Throttle counters live in the cache, which outlives a test's database transaction
    # when it is Redis (CACHE_URL); without it the cache is a database table.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_for(db):
    def client(person=None, *, session: bool = False) -> APIClient:
        api = APIClient()
        if person is not None and session:
            api.force_login(person)
            if second_factor_required(person):
                verified_second_factor(api, person)
        elif person is not None:
            api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(person)}")
        return api

    return client


def token_for(person) -> str:
    """A token made the way the portal makes them: from the person's verified session where
    their role requires the second factor, by an operator's command otherwise."""
    verified = second_factor_required(person)
    _token, key = api_token_create(user=person, second_factor_verified=verified, by_operator=not verified)
    return key


# open_cycle, france and response_fra come from tests/conftest.py.


@pytest.fixture
def kenya():
    return Respondent.objects.get(code="KEN")


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
    services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    filled_fra.refresh_from_db()
    return filled_fra
