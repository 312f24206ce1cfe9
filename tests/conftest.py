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
