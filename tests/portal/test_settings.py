"""Production settings refuse to start without real secrets and servers."""

import os
import subprocess
import sys

from django.conf import settings

CONFIGURED = ("DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "CELERY_BROKER_URL", "HISTORY_SEAL_KEY")


def _start(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in CONFIGURED}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=60,
    )


GOOD = {
    "DEBUG": "False",
    "SECRET_KEY": "k" * 20 + "a-real-random-production-secret-value-0123456789",
    "ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "postgres://portal@db.example.org/portal",
    "CELERY_BROKER_URL": "redis://redis.example.org:6379/0",
    "HISTORY_SEAL_KEY": "s" * 8 + "-a-real-random-history-seal-key-0123",
}


def test_it_starts_in_production_with_every_setting():
    result = _start(**GOOD)
    assert result.returncode == 0, result.stderr


def test_it_refuses_production_without_a_secret_key():
    result = _start(**{**GOOD, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_refuses_a_development_secret_key_in_production():
    result = _start(**{**GOOD, "SECRET_KEY": "development-only-not-secret-" + "x" * 40})
    assert result.returncode != 0
    assert "SECRET_KEY must be a random value" in result.stderr


def test_it_refuses_production_without_a_history_seal_key():
    result = _start(**{**GOOD, "HISTORY_SEAL_KEY": ""})
    assert result.returncode != 0
    assert "HISTORY_SEAL_KEY must be set" in result.stderr


def test_it_refuses_a_short_or_development_history_seal_key_in_production():
    for key in ("too-short-for-an-hmac-key", "development-only-history-seal-key-" + "x" * 16):
        result = _start(**{**GOOD, "HISTORY_SEAL_KEY": key})
        assert result.returncode != 0
        assert "HISTORY_SEAL_KEY must be a random value of at least 32 bytes" in result.stderr


def test_it_refuses_production_without_a_database():
    result = _start(**{**GOOD, "DATABASE_URL": ""})
    assert result.returncode != 0
    assert "DATABASE_URL must be set" in result.stderr


def test_it_refuses_a_database_other_than_postgresql():
    result = _start(**{**GOOD, "DATABASE_URL": "sqlite:///portal.db"})
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_it_refuses_production_without_allowed_hosts():
    result = _start(**{**GOOD, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr
