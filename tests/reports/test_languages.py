"""The report in each of the six official languages: the document's fixed text follows the
chosen language, Arabic runs right to left, the PDF's language tag is set and every font is
embedded (Debian's Noto fonts cover Arabic and Chinese)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from reports import services
from tests.reports import pdf
from tests.reports.conftest import build_cycle

pytestmark = pytest.mark.django_db

# A phrase of the report's fixed text in each language, and the script it is written in.
EXPECTED = {
    "en": ("Report of the Secretary-General", None),
    "fr": ("Rapport du Secrétaire général", None),
    "es": ("Informe del Secretario General", None),
    "ru": ("Доклад Генерального секретаря", "\u0400-\u04ff"),
    "zh-hans": ("秘书长的报告", "\u4e00-\u9fff"),
    "ar": ("تقرير الأمين العام", "\u0600-\u06ff"),
}


# France's name in the reports' languages (Arabic is extracted in visual order: not compared).
STATE_NAMES = {"en": "France", "fr": "France", "es": "Francia", "ru": "Франция", "zh-hans": "法国"}

# fontconfig's language code for each script the default fonts may lack, and the Debian
# package that brings a font for it (.ci/run installs both).
FONT_PACKAGES = {"zh-hans": ("zh-cn", "fonts-noto-cjk"), "ar": ("ar", "fonts-noto-core")}


def _font_missing(language: str) -> str | None:
    if language not in FONT_PACKAGES or not shutil.which("fc-list"):
        return None
    fc_language, package = FONT_PACKAGES[language]
    fonts = subprocess.run(["fc-list", f":lang={fc_language}"], capture_output=True, text=True, check=False)
    return None if fonts.stdout.strip() else package


@pytest.fixture
def two_state_cycle(people):
    return build_cycle(people=people, codes=["FRA", "KEN"], slug="languages-1997-34", long_words=20)


@pytest.mark.parametrize("language", list(EXPECTED))
def test_it_compiles_the_report_in_each_official_language(
    two_state_cycle, people, language, settings, tmp_path
):
    missing = _font_missing(language)
    if missing:
        # Without a font for the script WeasyPrint draws boxes: nothing to check on this machine.
        pytest.skip(f"no installed font covers {language}; install Debian's {missing}")
    settings.MEDIA_ROOT = str(tmp_path)
    report = services.report_request(
        cycle=two_state_cycle, user=people["reviewer"], language=language, enqueue=False
    )
    report = services.report_compile_now(report=report)
    main = report.documents.get(symbol=two_state_cycle.document_symbol)
    with main.file.open("rb") as stored:
        content = stored.read()
    document = pdf.reader(content)
    root = document.trailer["/Root"]
    assert root["/Lang"] == language
    fonts = pdf.embedded_fonts(content)
    assert fonts and all(embedded for _name, embedded in fonts), fonts
    phrase, script = EXPECTED[language]
    text = pdf.all_text(content)
    if language in ("ar",):
        # Arabic is extracted in visual order by pypdf; its letters must be there all the same.
        assert sum("\u0600" <= ch <= "\u06ff" for ch in text) > 200
    else:
        assert phrase in text, text[:500]
    if script:
        low, high = script.split("-")
        assert sum(low <= ch <= high for ch in text) > 50
    if language in STATE_NAMES:  # the states that replied are named in the report's language
        assert STATE_NAMES[language] in text


def test_the_arabic_report_runs_right_to_left_and_the_others_left_to_right():
    from reports.renderers.pdf import document_html

    data = {"language": "ar", "symbol": "E/CN.15/1999/3", "title": "", "kind": "main"}
    html = document_html(template="reports/pdf/base.html", data=data)
    assert '<html lang="ar" dir="rtl">' in html
    html = document_html(template="reports/pdf/base.html", data={**data, "language": "fr"})
    assert '<html lang="fr" dir="ltr">' in html


def test_names_sort_alphabetically_ignoring_case_accents_and_hamza():
    from reports.inputs import collation_key

    french = ["Zambie", "Égypte", "eswatini", "Afghanistan", "Érythrée", "Espagne"]
    assert sorted(french, key=collation_key) == [
        "Afghanistan",
        "Égypte",
        "Érythrée",
        "Espagne",
        "eswatini",
        "Zambie",
    ]
    arabic = ["بلجيكا", "أفغانستان", "ألبانيا", "الأرجنتين"]  # Belgium, Afghanistan, Albania, Argentina
    assert sorted(arabic, key=collation_key)[-1] == "بلجيكا"  # alif (with or without hamza) before ba
