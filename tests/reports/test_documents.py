"""The compiled PDFs: a United Nations document, its contents, its addenda, tagged and
reproducible. One compile for the module (``compiled``: through the compile_report command)."""

from __future__ import annotations

import hashlib
import re

import pytest

from reports.renderers import render_document
from tests.reports import pdf
from tests.reports.conftest import CONCLUSIONS, SYMBOL

MAIN = "E-CN.15-1999-3.pdf"
ADDENDA = {
    "E-CN.15-1999-3-Add.1.pdf": ["KEN"],  # African States
    "E-CN.15-1999-3-Add.2.pdf": ["JPN"],  # Asia-Pacific States
    "E-CN.15-1999-3-Add.3.pdf": ["POL"],  # Eastern European States
    "E-CN.15-1999-3-Add.4.pdf": ["BRA"],  # Latin American and Caribbean States
    "E-CN.15-1999-3-Add.5.pdf": ["FRA", "DEU"],  # Western European and other States
    "E-CN.15-1999-3-Add.6.pdf": ["INTERPOL"],  # organizations and institutes
}


def test_it_writes_the_report_and_one_addendum_per_regional_group_named_after_their_symbols(compiled):
    assert sorted(compiled.files) == sorted([MAIN, *ADDENDA])
    for name in [MAIN, *ADDENDA]:
        assert name in compiled.output


def test_it_opens_with_the_masthead_of_a_united_nations_document(compiled):
    first = pdf.pages_text(compiled.files[MAIN])[0]
    for text in [
        "United Nations",
        SYMBOL,
        "Economic and Social Council",
        "Distr.: General",
        "Original: English",
        "Commission on Crime Prevention and Criminal Justice",
        "Eighth session",
        "Vienna, 27 April–6 May 1999",
        "Item 5 of the provisional agenda",
        "Implementation of the United Nations Declaration on Crime and Public Security",
        "Report of the Secretary-General",
        "Summary",
    ]:
        assert text in first
    assert re.search(r"Distr\.: General \d{1,2} [A-Z][a-z]+ \d{4} Original: English", first)
    addendum = pdf.pages_text(compiled.files["E-CN.15-1999-3-Add.5.pdf"])[0]
    assert f"{SYMBOL}/Add.5" in addendum and "Addendum" in addendum and "Distr.: General" in addendum
    assert "Western European and other States" in addendum


def test_it_has_the_chapters_and_annexes_with_paragraphs_numbered_throughout(compiled):
    text = pdf.all_text(compiled.files[MAIN])
    for heading in [
        "Contents",
        "Paragraphs",
        "Page",
        "I. Introduction",
        "II. Analysis of the replies",
        "A. Legislation to combat serious transnational crime",
        "G. Measures to combat and prohibit corruption and bribery",
        "III. Conclusions and recommendations",
        "Annex I Respondents by regional group",
        "Annex II Status of adherence to the international treaties",
        "Annex III Technical assistance needs",
    ]:
        assert heading in text
    paragraphs = [
        block
        for section in compiled.main_data["sections"]
        for block in section["blocks"]
        if block["type"] in ("para", "extract")
    ]
    assert [p["number"] for p in paragraphs] == list(range(1, len(paragraphs) + 1))
    assert len(paragraphs) > 50
    for paragraph in paragraphs:
        start = paragraph["text"] if paragraph["type"] == "para" else paragraph["who"]
        assert f"{paragraph['number']}. {pdf.flat(start)[:40]}" in text


def test_it_gives_the_real_page_of_each_chapter_and_annex_in_the_contents(compiled):
    content = compiled.files[MAIN]
    entries = compiled.main_data["contents"]
    assert len(entries) > 10
    for entry in entries:
        heading = f"{entry['label']} {entry['heading']}"
        on_page = pdf.page_of_heading(
            content, f"Annex {entry['label'].rstrip('.')} {entry['heading']}" if entry["annex"] else heading
        )
        assert pdf.contents_page(content, heading) == on_page, heading


def test_it_runs_the_symbol_and_the_page_number_on_every_page(compiled):
    for name, content in compiled.files.items():
        pages = pdf.pages_text(content)
        symbol = SYMBOL if name == MAIN else SYMBOL + "/Add." + name.split("Add.")[1].removesuffix(".pdf")
        for number, text in enumerate(pages, start=1):
            assert symbol in text
            if number > 1:
                assert text.split()[-1] == str(number)


def test_it_names_every_respondent_in_the_report_and_reproduces_its_reply_in_an_addendum(compiled):
    main = pdf.all_text(compiled.files[MAIN])
    for code, respondent in compiled.respondents.items():
        assert respondent["name"] in main
        holding = [name for name, codes in ADDENDA.items() if code in codes]
        assert len(holding) == 1
        addendum = pdf.all_text(compiled.files[holding[0]])
        assert respondent["name"] in addendum
        assert f"Version {respondent['number']} (initial response)" in addendum
        for other in ADDENDA:
            if other not in holding:
                assert respondent["name"] not in pdf.all_text(compiled.files[other])


def test_it_names_the_respondent_and_version_of_every_extract(compiled):
    main = pdf.all_text(compiled.files[MAIN])
    extracts = [
        block["who"]
        for section in compiled.main_data["sections"]
        for block in section["blocks"]
        if block["type"] == "extract"
    ]
    assert extracts
    names = {f"{r['name']} (version {r['number']})" for r in compiled.respondents.values()}
    for who in extracts:
        assert who in names
        assert f"{who}:" in main


def test_it_includes_the_secretariat_conclusions_as_numbered_paragraphs_of_chapter_iii(compiled):
    main = pdf.all_text(compiled.files[MAIN])
    chapter = next(s for s in compiled.main_data["sections"] if s["anchor"] == "conclusions")
    assert [b["text"] for b in chapter["blocks"]] == [pdf.flat(p) for p in CONCLUSIONS.split("\n\n")]
    for block in chapter["blocks"]:
        assert f"{block['number']}. {block['text']}" in main


def test_it_draws_the_charts_in_the_report(compiled):
    main = pdf.all_text(compiled.files[MAIN])
    assert "Figure I Response rate by regional group" in main
    assert "Figure II Measures reported, by item" in main
    figures = [b for s in compiled.main_data["sections"] for b in s["blocks"] if b["type"] == "figure"]
    assert all(f["svg"].startswith("<svg") and "style=" not in f["svg"] for f in figures)


@pytest.mark.parametrize("name", [MAIN, *ADDENDA])
def test_it_writes_a_tagged_pdf_ua_with_its_language_title_and_embedded_fonts(compiled, name):
    document = pdf.reader(compiled.files[name])
    root = document.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert document.metadata.title.startswith(SYMBOL)
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    fonts = pdf.embedded_fonts(compiled.files[name])
    assert fonts and all(embedded for _name, embedded in fonts), fonts


def test_it_gives_the_same_bytes_for_the_same_inputs(compiled):
    filename, content_type, content, pages = render_document(compiled.main_data)
    assert (filename, content_type) == (MAIN, "application/pdf")
    assert content == compiled.files[MAIN]
    assert hashlib.sha256(content).hexdigest() == compiled.main_sha256
    assert pages == len(pdf.reader(content).pages)


def test_it_renders_again_only_the_documents_that_an_amendment_changed(compiled):
    assert compiled.amended == f"{SYMBOL}/Add.5"
    assert compiled.recompiled == {
        SYMBOL: False,  # counts and the date changed
        f"{SYMBOL}/Add.1": True,
        f"{SYMBOL}/Add.2": True,
        f"{SYMBOL}/Add.3": True,
        f"{SYMBOL}/Add.4": True,
        f"{SYMBOL}/Add.5": False,  # France's amended reply
        f"{SYMBOL}/Add.6": True,
    }
