"""The PDF receipt: a pure function from a version to (filename, content type, bytes) that
a state files as proof of what it sent; respondent text is escaped and WeasyPrint reads
nothing but the project's static files."""

import io

import pytest
from django.conf import settings
from pypdf import PdfReader

from responses import services
from responses.receipts import StaticFilesOnly, receipt_render
from responses.selectors import draft_revision_get

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def version(filled_fra, corr_fra):
    services.draft_save(
        response=filled_fra,
        user=corr_fra,
        answers={
            "b.8.border_measures": ["firearms", "passports"],
            "e.1.programmes": "partly",
            "e.3.number_programmes": 42,
            "b.2.arrangements": [{"partners": "Germany", "type": "extradition", "year": 1951}],
            "d.1.treaty_status": {"drugs_1988_illicit_traffic": {"status": "ratified", "date": "1990-06-30"}},
            "c.3.description": '<b>Training</b> <img src="http://203.0.113.9/track.png"> & "more"',
        },
        base_revision=filled_fra.draft_revision,
    )
    return services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )


def test_it_renders_the_receipt_with_the_hashes_and_every_answer(version):
    filename, content_type, content = receipt_render(version)
    assert filename == "receipt-FRA-test-1997-34-v1.pdf" and content_type == "application/pdf"
    assert content.startswith(b"%PDF")
    text = _text(content)
    for expected in [
        "France (FRA)",
        "Implementation of the Declaration",
        "E/CN.15/1999/3",
        "Initial response",
        "Claire Martin (corr-fra)",
        version.content_sha256,
        version.sha256,
        "Is legislation in force in your country to combat organized crime?",
        "Stronger enforcement of regulations on illicit transnational trafficking in firearms",  # by label
        "42 programmes",  # a number with its unit
        "Partly",
        "Germany",  # a table row
        "1988 Convention Ratified 1990-06-30",  # a treaty, its status by label, its date
    ]:
        assert expected in text, expected


def test_it_prints_respondent_markup_as_text(version):
    text = _text(receipt_render(version)[2])
    assert '<b>Training</b> <img src="http://203.0.113.9/track.png"> & "more"' in text


def test_it_fetches_only_files_under_the_static_directory():
    fetcher = StaticFilesOnly()
    static = settings.STATICFILES_DIRS[0]
    stylesheet = fetcher.fetch(f"file://{static}/responses/receipt.css")
    assert b"@page" in stylesheet.read() and stylesheet.content_type == "text/css"
    for url in [
        "http://203.0.113.9/track.png",
        "https://example.org/style.css",
        "data:text/css,body{}",
        "file:///etc/passwd",
        f"file://{static}/../manage.py",
        f"file://{static}/responses",  # a directory
        f"file://evil.example{static}/responses/receipt.css",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
