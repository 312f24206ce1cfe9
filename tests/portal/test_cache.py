"""The cache is shared by every process of the portal, so that the API's throttles count
requests across gunicorn workers: what another process counted, this one sees."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIRequestFactory

from portal.api import AnonThrottle
from tests.conftest import database_url

# Another process must see the counts: they are committed for real.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ADDRESS = "203.0.113.77"

# Another process of the portal: it takes `requests` anonymous API requests from ADDRESS
# through the API's throttle, as a second gunicorn worker would.
OTHER_WORKER = f"""
import django
django.setup()
from rest_framework.test import APIRequestFactory
from portal.api import AnonThrottle
for _ in range(int(__import__("sys").argv[1])):
    request = APIRequestFactory().get("/api/v1/cycles/", REMOTE_ADDR="{ADDRESS}")
    request.user = None
    assert AnonThrottle().allow_request(request, None)
"""


@pytest.fixture
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _throttle_allows() -> bool:
    request = APIRequestFactory().get("/api/v1/cycles/", REMOTE_ADDR=ADDRESS)
    request.user = None
    return AnonThrottle().allow_request(request, None)


def test_it_counts_the_requests_another_process_throttled(empty_cache):
    limit = int(AnonThrottle().get_rate().split("/")[0])
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "True",
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
    }
    subprocess.run(
        [sys.executable, "-c", OTHER_WORKER, str(limit)],
        env=environment,
        cwd=settings.BASE_DIR,
        check=True,
        timeout=120,
    )
    # The other process used up the address's allowance: this one refuses the next request.
    assert not _throttle_allows()
    cache.clear()
    assert _throttle_allows()


def test_it_creates_the_cache_table_with_every_migrate():
    """A database copied from migrations alone (a restore, a new deployment without
    CACHE_URL) gets the table the database cache needs."""
    from django.core.management import call_command

    if settings.CACHES["default"]["BACKEND"] != "django.core.cache.backends.db.DatabaseCache":
        pytest.skip("CACHE_URL is set: the cache is Redis")
    table = settings.CACHES["default"]["LOCATION"]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
    call_command("migrate", verbosity=0)
    assert table in connection.introspection.table_names()
    cache.set("after-migrate", "kept")
    assert cache.get("after-migrate") == "kept"
