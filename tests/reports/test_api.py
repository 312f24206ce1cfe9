"""The reports API under /api/v1/: request a compile (202 and the job), follow it, and
download the main document, under the same rules as the pages."""

from __future__ import annotations

import pytest

from reports import services
from reports.models import Report
from tests.reports.conftest import stored_report


def _request_url(cycle) -> str:
    return f"/api/v1/cycles/{cycle.slug}/reports/"


def test_it_accepts_a_compile_request_with_202_and_the_job_to_follow(
    client_for, open_cycle, secadmin, django_capture_on_commit_callbacks
):
    client = client_for(secadmin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(_request_url(open_cycle), {"language": "en"}, content_type="application/json")
    assert response.status_code == 202
    report = Report.objects.get(cycle=open_cycle)
    assert response.json() == {"id": report.pk, "url": f"http://testserver/api/v1/reports/{report.pk}/"}
    assert len(callbacks) == 1

    job = client.get(response.json()["url"]).json()
    assert job["id"] == report.pk and job["cycle"] == open_cycle.slug
    assert (job["status"], job["progress"], job["stage"], job["documents"]) == ("queued", 0, "queued", [])

    again = client.post(_request_url(open_cycle), {}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "compile_running"


@pytest.mark.parametrize("person", ["corr_fra", "corr_ken", "commission"])
def test_it_refuses_a_compile_request_to_everyone_but_the_secretariat(
    client_for, open_cycle, person, request
):
    client = client_for(request.getfixturevalue(person))
    response = client.post(_request_url(open_cycle), {}, content_type="application/json")
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_it_refuses_unknown_fields_and_languages(client_for, open_cycle, reviewer):
    client = client_for(reviewer)
    response = client.post(_request_url(open_cycle), {"language": "xx"}, content_type="application/json")
    assert response.status_code == 400 and "language" in response.json()["error"]["fields"]
    response = client.post(_request_url(open_cycle), {"status": "done"}, content_type="application/json")
    assert response.status_code == 400 and "status" in response.json()["error"]["fields"]


def test_it_shows_a_done_report_with_its_documents(client_for, open_cycle, reviewer):
    report = stored_report(open_cycle)
    document = report.documents.get()
    body = client_for(reviewer).get(f"/api/v1/reports/{report.pk}/").json()
    assert body["status"] == "done" and body["sha256"] == report.sha256 and body["published"] is False
    assert body["documents"] == [
        {
            "symbol": "E/CN.15/1999/3",
            "url": f"http://testserver/reports/documents/{document.pk}/E-CN.15-1999-3.pdf",
            "sha256": document.sha256,
            "pages": 1,
        }
    ]


def test_it_serves_the_main_pdf_to_commission_members_once_published(
    client_for, open_cycle, reviewer, commission
):
    report = stored_report(open_cycle)
    client = client_for(commission)
    assert client.get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert client.get(f"/api/v1/reports/{report.pk}/pdf/").status_code == 404
    services.report_publish(report=report, user=reviewer)
    assert client.get(f"/api/v1/reports/{report.pk}/").json()["published"] is True
    response = client.get(f"/api/v1/reports/{report.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_it_hides_reports_from_correspondents(client_for, open_cycle, reviewer, corr_fra):
    report = stored_report(open_cycle, publish_as=reviewer)
    client = client_for(corr_fra)
    assert client.get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert client.get(f"/api/v1/reports/{report.pk}/pdf/").status_code == 404


def test_it_serves_any_done_report_to_the_secretariat_but_not_an_unfinished_one(
    client_for, open_cycle, reviewer
):
    client = client_for(reviewer)
    done = stored_report(open_cycle)
    assert client.get(f"/api/v1/reports/{done.pk}/pdf/").status_code == 200
    queued = services.report_request(cycle=open_cycle, user=reviewer, enqueue=False)
    assert client.get(f"/api/v1/reports/{queued.pk}/pdf/").status_code == 404
