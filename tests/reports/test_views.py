"""The pages: the secretariat's cycle report page (compile, progress, publish, conclusions,
exports) and the Commission's published reports. Who may see and do what."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports import services
from reports.models import CycleConclusions, Report
from tests.reports.conftest import stored_report

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")


def _no_inline_code(html: str) -> None:
    assert not INLINE_SCRIPT.search(html)
    assert " style=" not in html


@pytest.mark.parametrize("person", ["reviewer", "secadmin"])
def test_it_shows_the_cycle_report_page_to_the_secretariat(client_for, open_cycle, person, request):
    client = client_for(request.getfixturevalue(person))
    response = client.get(reverse("reports:cycle_report", args=[open_cycle.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Compile" in html and "Conclusions and recommendations" in html
    assert "<svg" in html  # the response-rate chart
    _no_inline_code(html)


@pytest.mark.parametrize("person", ["corr_fra", "corr_ken", "commission"])
def test_it_refuses_the_cycle_report_page_and_the_compile_to_everyone_else(
    client_for, open_cycle, person, request
):
    client = client_for(request.getfixturevalue(person))
    assert client.get(reverse("reports:cycle_report", args=[open_cycle.slug])).status_code == 403
    assert client.post(reverse("reports:report_compile", args=[open_cycle.slug])).status_code == 403
    assert client.get(reverse("reports:answers_csv", args=[open_cycle.slug])).status_code == 403
    assert not Report.objects.exists()


def test_it_compiles_on_request_and_shows_the_progress_until_done(
    client_for, open_cycle, reviewer, django_capture_on_commit_callbacks
):
    client = client_for(reviewer)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("reports:report_compile", args=[open_cycle.slug]), {"language": "en"})
    assert response.status_code == 303
    assert response["Location"] == reverse("reports:cycle_report", args=[open_cycle.slug])
    assert len(callbacks) == 1
    report = Report.objects.get(cycle=open_cycle)
    assert report.status == "queued" and report.requested_by == reviewer

    page = client.get(response["Location"]).content.decode()
    progress_url = reverse("reports:report_progress", args=[report.pk])
    assert f'hx-get="{progress_url}"' in page and 'hx-trigger="every 2s"' in page
    assert '<progress class="w-100" value="0" max="100"' in page

    again = client.post(
        reverse("reports:report_compile", args=[open_cycle.slug]), {"language": "en"}, follow=True
    )
    assert "being compiled" in again.content.decode()
    assert Report.objects.filter(cycle=open_cycle).count() == 1

    Report.objects.filter(pk=report.pk).update(
        status="running", progress=40, stage="rendering document 2 of 4"
    )
    fragment = client.get(progress_url).content.decode()
    assert "rendering document 2 of 4" in fragment and 'value="40"' in fragment and "hx-trigger" in fragment
    _no_inline_code(fragment)

    services.report_fail(report_id=report.pk, error="Rendering E/CN.15/1999/3 failed after 4 attempts")
    fragment = client.get(progress_url).content.decode()
    assert "hx-get" not in fragment  # polling stops
    assert "failed after 4 attempts" in fragment


def test_it_shows_the_result_and_publishes_it(client_for, open_cycle, reviewer, commission):
    report = stored_report(open_cycle)
    client = client_for(reviewer)
    fragment = client.get(reverse("reports:report_progress", args=[report.pk])).content.decode()
    document = report.documents.get()
    assert document.sha256 in fragment and "Publish to the Commission" in fragment
    assert reverse("reports:document_download", args=[document.pk, "E-CN.15-1999-3.pdf"]) in fragment

    response = client.post(reverse("reports:report_publish", args=[report.pk]))
    assert response.status_code == 303
    report.refresh_from_db()
    assert report.published and report.published_by == reviewer


def test_it_saves_the_conclusions_from_the_page(client_for, open_cycle, reviewer):
    client = client_for(reviewer)
    response = client.post(
        reverse("reports:conclusions_edit", args=[open_cycle.slug]), {"text": "States should reply."}
    )
    assert response.status_code == 303
    assert CycleConclusions.objects.get(cycle=open_cycle).text == "States should reply."
    assert "States should reply." in client.get(response["Location"]).content.decode()


def test_it_lists_published_reports_by_session_for_commission_members(
    client_for, open_cycle, reviewer, commission, django_assert_num_queries
):
    published = stored_report(open_cycle, publish_as=reviewer)
    draft = stored_report(open_cycle, content=b"%PDF-1.7\n% a draft\n")
    client = client_for(commission)
    client.get(reverse("home"))  # warm the session and the language
    # 1 the session, 2 the person, 3 the published reports with their cycles, 4 their documents.
    with django_assert_num_queries(4):
        response = client.get(reverse("reports:report_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Eighth session (1999)" in html
    published_document = published.documents.get()
    assert (
        reverse("reports:document_download", args=[published_document.pk, published_document.filename])
        in html
    )
    assert (
        reverse("reports:document_download", args=[draft.documents.get().pk, "E-CN.15-1999-3.pdf"])
        not in html
    )
    _no_inline_code(html)


@pytest.mark.parametrize("person", ["corr_fra", "corr_ken"])
def test_it_refuses_the_published_reports_to_correspondents(db, client_for, person, request):
    assert client_for(request.getfixturevalue(person)).get(reverse("reports:report_list")).status_code == 403


def test_it_serves_documents_by_role(client, client_for, open_cycle, reviewer, commission, corr_fra):
    draft = stored_report(open_cycle, content=b"%PDF-1.7\n% the draft\n")
    draft_doc = draft.documents.get()
    published = stored_report(open_cycle, publish_as=reviewer)
    published_doc = published.documents.get()

    def get(document):
        return client.get(reverse("reports:document_download", args=[document.pk, document.filename]))

    client_for(commission)
    assert get(draft_doc).status_code == 404
    response = get(published_doc)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client_for(corr_fra)
    assert get(published_doc).status_code == 404 and get(draft_doc).status_code == 404
    client_for(reviewer)
    assert get(draft_doc).status_code == 200 and get(published_doc).status_code == 200
    wrong_name = reverse("reports:document_download", args=[published_doc.pk, "other.pdf"])
    assert client.get(wrong_name).status_code == 404


def test_it_exports_the_accepted_answers_as_csv_and_xlsx(client_for, small_cycle, reviewer):
    client = client_for(reviewer)
    response = client.get(reverse("reports:answers_csv", args=[small_cycle.slug]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith(f'attachment; filename="{small_cycle.slug}-answers-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    head = rows[0]
    assert head[:6] == [
        "respondent_code",
        "respondent",
        "kind",
        "regional_group",
        "version",
        "version_sha256",
    ]
    assert "a.1.organized_crime" in head and "d.1.treaty_status" in head
    assert sorted(row[0] for row in rows[1:]) == ["FRA", "KEN"]
    assert all(row[4] == "1" for row in rows[1:])

    response = client.get(reverse("reports:answers_xlsx", args=[small_cycle.slug]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == head
    assert sheet.max_row == 3


def test_it_points_commission_members_to_the_published_reports_from_home(
    client_for, open_cycle, reviewer, commission
):
    stored_report(open_cycle, publish_as=reviewer)
    html = client_for(commission).get(reverse("home")).content.decode()
    assert "Published reports" in html and reverse("reports:report_list") in html
    assert "E/CN.15/1999/3" in html
