"""handler500: an unreachable database answers 503 with Retry-After (clients try again);
any other failure stays a 500. The whole path, with a real PostgreSQL stopped and crashed
under a production server, is tests/e2e/test_database_restart.py."""

import json

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory

from portal.views import RETRY_AFTER_SECONDS, server_error


def _handled(error: Exception, path: str = "/responses/1/", **headers):
    request = RequestFactory().get(path, headers=headers)
    try:
        raise error
    except Exception:
        return server_error(request)


def test_database_unreachable_is_503_with_retry_after_on_pages():
    response = _handled(OperationalError("connection refused"))
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert b"briefly unavailable" in response.content


def test_database_unreachable_answers_json_to_the_questionnaire_page_and_the_api():
    page = _handled(OperationalError("x"), "/responses/1/answers/a.1/", accept="application/json")
    assert page.status_code == 503
    assert json.loads(page.content)["code"] == "unavailable"
    api = _handled(OperationalError("x"), "/api/v1/responses/")
    assert api.status_code == 503
    assert json.loads(api.content)["error"]["code"] == "unavailable"


def test_other_failures_stay_500_without_retry_after():
    response = _handled(ValueError("a bug"))
    assert response.status_code == 500
    assert not response.has_header("Retry-After")


@pytest.mark.django_db
def test_an_error_of_the_query_itself_is_500_not_503():
    # A real error from PostgreSQL that leaves the connection open is not an outage.
    with pytest.raises(Exception) as raised, connection.cursor() as cursor:
        cursor.execute("SELECT 1 / 0")
    response = _handled(raised.value, "/api/v1/responses/")
    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"


def test_a_connection_cut_mid_query_is_503_though_libpq_calls_it_a_bare_database_error():
    import psycopg2
    from django.db import DatabaseError

    try:
        try:
            raise psycopg2.DatabaseError("server closed the connection unexpectedly")
        except psycopg2.DatabaseError as cut:
            raise DatabaseError(str(cut)) from cut
    except DatabaseError as error:
        response = _handled(error)
    assert response.status_code == 503
