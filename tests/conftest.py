"""Shared people and data. Named people, as in every test of the portal:

- ``corr_fra``: focal point of France (state A); ``corr_fra_2``: a second French correspondent
- ``corr_ken``: focal point of Kenya (state B), who must be refused France's data
- ``reviewer`` and ``secadmin``: the secretariat; ``commission``: a Commission member
"""

import pytest

from portal.demo import seed_people
from questionnaires.services import instruments_load

PASSWORD = "a long test passphrase 2026"


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


@pytest.fixture
def client_for(client):
    """A test client signed in as the given person."""

    def sign_in(person):
        client.force_login(person)
        return client

    return sign_in
