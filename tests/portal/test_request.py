"""The client's address behind the TLS proxy: from the trusted hop of X-Forwarded-For, for
django-axes and the logs. Checked on a real gunicorn with production settings."""

import http.client
import os
import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import RequestFactory

from portal.request import client_ip
from tests.conftest import PASSWORD
from tests.servers import gunicorn_running, production_environment

HOST = "portal.example.org"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.66", "10.0.0.2"),  # no proxy: the header is the client's to invent
        (1, "203.0.113.66", "203.0.113.66"),
        (1, "198.51.100.7, 203.0.113.66", "203.0.113.66"),  # the client's own entry is ignored
        (2, "198.51.100.7, 203.0.113.66, 10.0.0.9", "203.0.113.66"),
        (1, None, "10.0.0.2"),  # did not come through the proxy (a health check on the host)
        (2, "203.0.113.66", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_it_reads_the_address_the_trusted_proxy_saw(settings, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies
    headers = {"REMOTE_ADDR": "10.0.0.2"}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **headers)) == expected


class _Browser:
    """One person's browser behind the proxy: the proxy adds X-Forwarded-For and -Proto."""

    def __init__(self, port: int, address: str, forwarded_by_client: str = ""):
        self.port = port
        self.forwarded = f"{forwarded_by_client}, {address}" if forwarded_by_client else address
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> http.client.HTTPResponse:
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.forwarded,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        data = None
        if body is not None:
            data = urlencode(body)
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": f"https://{HOST}",
                    "Referer": f"https://{HOST}{path}",
                }
            )
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        response.text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        connection.close()
        return response

    def login(self, password: str) -> int:
        form = self.request("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        answer = self.request(
            "POST",
            "/accounts/login/",
            {"username": "corr-fra", "password": password, "csrfmiddlewaretoken": token},
        )
        return answer.status


@pytest.fixture
def proxied_portal(tmp_path):
    """gunicorn with production settings behind one trusted proxy (PROXY_COUNT=1); only the
    static files come from the apps' folders, since collecting them takes minutes."""
    (tmp_path / "proxied_settings.py").write_text(
        "from portal.settings import *  # noqa: F403\n"
        'STORAGES = {**STORAGES, "staticfiles": {"BACKEND": '
        '"django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405\n'
    )
    environment = production_environment(
        tmp_path,
        ALLOWED_HOSTS=HOST,
        PROXY_COUNT="1",
        LOG_LEVEL="INFO",
        DJANGO_SETTINGS_MODULE="proxied_settings",
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(settings.BASE_DIR)]),
    )
    log_path = tmp_path / "server.log"
    with gunicorn_running(
        environment,
        log_path=log_path,
        ready=lambda port: _Browser(port, "192.0.2.1").request("GET", "/healthz").status == 200,
        extra_args=("--workers", "1", "--forwarded-allow-ips", "127.0.0.1"),
    ) as port:
        yield port, log_path


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_behind_the_proxy_an_attacker_locks_only_their_own_address(corr_fra, settings, proxied_portal):
    from axes.models import AccessAttempt

    # The server hashes with the production hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    corr_fra.set_password(PASSWORD)
    corr_fra.save()
    port, log_path = proxied_portal
    attacker = _Browser(port, "203.0.113.66")
    assert [attacker.login("wrong password") for _ in range(5)] == [200, 200, 200, 200, 429]
    # Claiming the real person's address in the header it sends changes nothing.
    assert _Browser(port, "203.0.113.66", forwarded_by_client="198.51.100.7").login(PASSWORD) == 429
    assert _Browser(port, "198.51.100.7").login(PASSWORD) == 302  # the real person gets in
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    log = log_path.read_text()
    assert "login failed user=corr-fra ip=203.0.113.66" in log
    assert "login ok user=corr-fra ip=198.51.100.7" in log


def test_the_api_throttles_the_address_behind_the_proxy(settings):
    from portal.api import AnonThrottle

    settings.PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert AnonThrottle().get_ident(request) == "203.0.113.66"
