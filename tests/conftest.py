"""Shared people and data. Named people, as in every test of the portal:

- ``corr_fra``: focal point of France (state A); ``corr_fra_2``: a second French correspondent
- ``corr_ken``: focal point of Kenya (state B), who must be refused France's data
- ``reviewer`` and ``secadmin``: the secretariat; ``commission``: a Commission member
"""

import pytest

from portal.demo import seed_people
from portal.models import Respondent
from questionnaires import services as questionnaire_services
from questionnaires.models import InstrumentVersion
from questionnaires.services import instruments_load
from responses import services as response_services
from tests.dates import cycle_dates

PASSWORD = "a long test passphrase 2026"


def pytest_collection_modifyitems(items):
    """Browser tests last: they are the slowest and start their own servers."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.fspath))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Instruments are reference data every test may need; load them once per test database.
    with django_db_blocker.unblock():
        instruments_load()
        # Transactional tests flush every table; `serialized_rollback=True` restores this
        # snapshot, so take it again now that it holds the instruments too.
        from django.db import connection

        connection._test_serialized_contents = connection.creation.serialize_db_to_string()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_in_process(request):
    """Outside the tests marked ``worker``, a task queued on commit (an outbox mail) runs in
    the test's own process, as Celery's eager mode runs it, so that a test sees the mail its
    action caused without a worker. The ``worker`` tests use the real broker and workers."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    from portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def people(db):
    return seed_people(password=PASSWORD)


@pytest.fixture
def corr_fra(people):
    return people["corr-fra"]


@pytest.fixture
def corr_fra_2(people):
    return people["corr-fra-2"]


@pytest.fixture
def corr_ken(people):
    return people["corr-ken"]


@pytest.fixture
def reviewer(people):
    return people["reviewer"]


@pytest.fixture
def secadmin(people):
    return people["secadmin"]


@pytest.fixture
def commission(people):
    return people["commission"]


def database_url(database: str) -> str:
    """A DATABASE_URL for ``database`` on the server the tests use (TCP or a socket), for the
    processes they start: workers, a live portal, the restore check."""
    from django.db import connection

    params = connection.get_connection_params()
    host = params.get("host") or ""
    if host.startswith("/"):
        return f"postgres:///{database}?host={host}&user={params.get('user', '')}"
    return f"postgres://{params.get('user', '')}@{host}:{params.get('port') or 5432}/{database}"


def verified_second_factor(client, person) -> None:
    """Mark the client's session as having passed the second factor with a confirmed TOTP
    device, as the verify page does (tests of that page use the real codes)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=person, name="test", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def client_for(client):
    """A test client signed in as the given person (with their second factor passed when
    their role requires one)."""
    from portal.security import second_factor_required

    def sign_in(person):
        client.force_login(person)
        if second_factor_required(person):
            verified_second_factor(client, person)
        return client

    return sign_in


# A response of France in an open 1997/34 cycle, for tests of every app.


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
        **cycle_dates(),
        user=secadmin,
    )
    return questionnaire_services.cycle_open(cycle=cycle, user=secadmin, notify=False)


@pytest.fixture
def france():
    return Respondent.objects.get(code="FRA")


@pytest.fixture
def response_fra(open_cycle, france, corr_fra):
    return response_services.response_start(cycle=open_cycle, respondent=france, user=corr_fra)


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
    result = response_services.draft_save(
        response=response_fra, user=corr_fra, answers=answers, base_revision=0
    )
    assert result.ok, (result.errors, result.conflicts)
    response_fra.refresh_from_db()
    return response_fra


@pytest.fixture(scope="session")
def redis_broker_url(tmp_path_factory):
    """The Redis broker for tests with real workers: CELERY_BROKER_URL when it is Redis, else
    a redis-server started for this run (tests/brokers.py). Publishing goes to it only where
    a test's own fixture says so (tests.brokers.publish_to)."""
    from django.conf import settings

    from tests.brokers import redis_server

    configured = settings.CELERY_BROKER_URL
    if configured.startswith("redis://"):
        yield configured
        return
    with redis_server(tmp_path_factory.mktemp("redis"), configured=configured) as url:
        yield url
