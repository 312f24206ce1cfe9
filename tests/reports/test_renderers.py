"""The renderers on their own: nothing fetched from what respondents wrote, charts and
exports that cannot carry markup or formulas. Pure: no database."""

from __future__ import annotations

import csv
import datetime
import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from openpyxl import load_workbook

from questionnaires.definition import INSTRUMENTS_DIR, read_definition_file
from reports import documents
from reports.inputs import PDF_STATIC_DIR, Reply
from reports.renderers.charts import measures_chart_svg, response_rate_chart_svg
from reports.renderers.exports import answers_csv, answers_xlsx
from reports.renderers.pdf import StaticFilesOnly, pdf_write
from tests.reports import pdf

CYCLE = {
    "symbol": "E/CN.15/1999/3",
    "title": "Implementation of the United Nations Declaration on Crime and Public Security",
    "session_number": 8,
    "session_year": 1999,
    "session_start": "1999-04-27",
    "session_end": "1999-05-06",
    "venue": "Vienna",
    "agenda_item": 5,
    "opened": "1998-03-01",
    "deadline": "1998-12-31",
    "instrument_code": "1997-34",
    "instrument_title": "Questionnaire on the implementation of the Declaration",
    "instrument_number": 1,
}


class Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (the handler's name is http.server's)
        Recorder.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    Recorder.requests = []
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class RecordingFetcher(StaticFilesOnly):
    def __init__(self):
        super().__init__()
        self.fetched: list[str] = []

    def fetch(self, url, headers=None):
        self.fetched.append(url)
        return super().fetch(url, headers)


def hostile_reply(server: str) -> Reply:
    hostile = (
        f'<img src="{server}/pixel.png"> <img src="file:///etc/passwd"> '
        f'<link rel="stylesheet" href="{server}/sheet.css"> '
        f"<style>@import url({server}/import.css); body {{ background: url({server}/bg.png) }}</style> "
        f'<object data="file:///etc/passwd"></object> <iframe src="{server}/frame"></iframe> '
        f'<svg><image href="{server}/svg.png"/></svg> url({server}/css-function.png)'
    )
    return Reply(
        version_id=1,
        respondent_code="FRA",
        respondent_name="France",
        respondent_kind="member_state",
        regional_group="WEOG",
        number=2,
        version_kind="amended",
        created_at=datetime.datetime(1998, 11, 2, 9, 30, tzinfo=datetime.UTC),
        sha256="0" * 64,
        answers={
            "contact.1.authority": f'Ministry <img src="{server}/authority.png">',
            "a.1.organized_crime": "yes",
            "a.1.organized_crime_summary": hostile,
            "b.2.arrangements": [{"partners": hostile[:200], "type": "extradition", "scope": "bilateral"}],
            "g.6.measures_summary": hostile,
        },
    )


def test_it_fetches_nothing_named_in_the_text_of_respondents(web_server):
    definition = read_definition_file(INSTRUMENTS_DIR / "1997-34" / "v1.yaml")
    reply = hostile_reply(web_server)
    addendum = documents.addendum_data(
        cycle=CYCLE,
        definition=definition,
        replies=[reply],
        symbol="E/CN.15/1999/3/Add.1",
        title="Western European and other States",
        treaties={},
        language="en",
    )
    main = documents.main_document_data(
        cycle=CYCLE,
        definition=definition,
        replies=[reply],
        asked={"WEOG": 29},
        conclusions=f'<img src="{web_server}/conclusions.png">',
        treaties={},
        addenda=[{"symbol": "E/CN.15/1999/3/Add.1", "title": "Western European and other States"}],
        as_of=datetime.datetime(1999, 1, 15, tzinfo=datetime.UTC),
        language="en",
    )
    for template, data in (("reports/pdf/addendum.html", addendum), ("reports/pdf/main.html", main)):
        fetcher = RecordingFetcher()
        rendered = pdf_write(template=template, data=data, filename="test.pdf", fetcher=fetcher)
        assert fetcher.fetched == [(PDF_STATIC_DIR / "reports" / "pdf.css").as_uri()]
        assert fetcher.refused == []
        text = pdf.all_text(rendered.content).replace(" ", "")  # lines may break after a "/"
        assert '<imgsrc="file:///etc/passwd">' in text  # shown as the text it is
        assert "root:x:0:0" not in text
    assert Recorder.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.org/x.css",
        "file:///etc/passwd",
        (PDF_STATIC_DIR / ".." / "portal" / "settings.py").as_uri(),
        "file://attacker.example.org/static/reports/pdf.css",
        "data:text/css,body{}",
        "ftp://example.org/x",
    ],
)
def test_it_refuses_every_url_but_the_static_files(url):
    fetcher = StaticFilesOnly()
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_it_serves_the_static_files_to_the_renderer():
    response = StaticFilesOnly().fetch((PDF_STATIC_DIR / "reports" / "pdf.css").as_uri())
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_it_escapes_chart_labels_and_uses_no_style_attributes():
    svg = response_rate_chart_svg([('<script>alert("x")</script>', 40)])
    svg += measures_chart_svg([("A. <b>Legislation</b>", {"yes": 3, "partly": 1, "no": 1, "unknown": 0})])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;" in svg
    assert "style=" not in svg


def test_it_exports_one_row_per_respondent_without_running_formulas():
    head = ["respondent_code", "respondent", "version", "a.1", "a.2", "b.1", "d.1"]
    rows = [
        ["FRA", "France", 2, "yes", '=HYPERLINK("http://evil.example","x")', ["bilateral", "regional"], None],
        ["KEN", "Kenya", 1, {"special": "not_applicable"}, "@SUM(1)", [], {"t": {"status": "ratified"}}],
        ["MEX", "Mexico", -3, "\uff1dcmd|' /C calc'!A0", "\uff0b1", "\uff0d1", "\uff20SUM(1)"],
        ["PER", "Peru", 1, "+1", "-1", "\tx", "\rx"],
    ]
    filename, content_type, content = answers_csv(stem="cycle-answers", head=head, rows=rows)
    assert filename == "cycle-answers.csv" and content_type.startswith("text/csv")
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert table[0] == head
    assert table[1] == [
        "FRA",
        "France",
        "2",
        "yes",
        '\'=HYPERLINK("http://evil.example","x")',
        "bilateral; regional",
        "",
    ]
    assert table[2][3:5] == ["not_applicable", "'@SUM(1)"]
    assert table[2][6] == '{"t":{"status":"ratified"}}'
    assert table[3][2:] == ["-3", "'\uff1dcmd|' /C calc'!A0", "'\uff0b1", "'\uff0d1", "'\uff20SUM(1)"]
    assert table[4][3:] == ["'+1", "'-1", "'\tx", "'\rx"]

    filename, content_type, content = answers_xlsx(stem="cycle-answers", head=head, rows=rows)
    assert filename == "cycle-answers.xlsx"
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]] == head
    formula = sheet["E2"]
    assert formula.value == '\'=HYPERLINK("http://evil.example","x")' and formula.data_type == "s"
    assert [c.value for c in sheet[4]][3:] == [
        "'\uff1dcmd|' /C calc'!A0",
        "'\uff0b1",
        "'\uff0d1",
        "'\uff20SUM(1)",
    ]
    assert [c.value for c in sheet[5]][3:] == ["'+1", "'-1", "'\tx", "'\rx"]
    assert sheet["C2"].value == 2 and sheet["C4"].value == -3


def _reply(code: str, group: str, name: str) -> Reply:
    return Reply(
        version_id=0,
        respondent_code=code,
        respondent_name=name,
        respondent_kind="member_state" if group else "organization",
        regional_group=group,
        number=1,
        version_kind="initial",
        created_at=datetime.datetime(1998, 11, 2, tzinfo=datetime.UTC),
        sha256="",
        answers={"a": "x" * 10},
    )


def test_it_plans_one_addendum_per_group_split_into_near_equal_parts_when_large():
    replies = [_reply(f"A{i:02d}", "AFRICAN", f"African State {i:02d}") for i in range(54)]
    replies += [_reply(f"W{i:02d}", "WEOG", f"Western State {i:02d}") for i in range(3)]
    replies += [_reply("INTERPOL", "", "INTERPOL")]
    plan = documents.addenda_plan(replies, main_symbol="E/CN.15/1999/3")
    assert [(a["symbol"], a["filename"], len(a["respondents"])) for a in plan] == [
        ("E/CN.15/1999/3/Add.1", "E-CN.15-1999-3-Add.1.pdf", 18),
        ("E/CN.15/1999/3/Add.2", "E-CN.15-1999-3-Add.2.pdf", 18),
        ("E/CN.15/1999/3/Add.3", "E-CN.15-1999-3-Add.3.pdf", 18),
        ("E/CN.15/1999/3/Add.4", "E-CN.15-1999-3-Add.4.pdf", 3),
        ("E/CN.15/1999/3/Add.5", "E-CN.15-1999-3-Add.5.pdf", 1),
    ]
    assert plan[0]["title"] == "African States (part 1 of 3)"
    assert plan[3]["title"] == "Western European and other States"
    assert plan[4]["title"] == "Intergovernmental organizations and United Nations institutes"
