"""The six official languages: complete catalogues, each main page rendered in every language
(text direction, no catalogue string left in English, dates), and e-mail in the recipient's
language.

The catalogues are read with the standard library only: a small .po reader, and
``gettext.GNUTranslations`` over the compiled .mo to check that it matches its .po.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import escape

from portal.models import Respondent
from questionnaires.models import Cycle, InstrumentVersion, localized, localized_with_fallback
from questionnaires.selectors import questionnaire_view
from tests.dates import new_year_in_two_years

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
# Interface language code -> catalogue folder under locale/ (English is the source language).
CATALOGUES = {"ar": "ar", "zh-hans": "zh_Hans", "fr": "fr", "ru": "ru", "es": "es"}
LANGUAGES = ["en", *CATALOGUES]
PLURAL_FORMS = {"ar": 6, "zh-hans": 1, "fr": 2, "ru": 3, "es": 2}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


# --- Reading the catalogues -------------------------------------------------------------


@dataclass
class Entry:
    msgid: str
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def translations(self) -> list[str]:
        return [self.msgstr[i] for i in sorted(self.msgstr)]


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header and obsolete entries left out."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        flags: set[str] = set()
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                key = None
                break
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and key is not None:
                fields[key] += ast.literal_eval(line)
            elif line.strip():
                key, _, value = line.partition(" ")
                fields[key] = ast.literal_eval(value)
        if "msgid" not in fields or fields["msgid"] == "":
            continue
        msgstr = {0: fields["msgstr"]} if "msgstr" in fields else {}
        msgstr |= {int(k[7:-1]): v for k, v in fields.items() if k.startswith("msgstr[")}
        entries.append(
            Entry(
                msgid=fields["msgid"],
                msgid_plural=fields.get("msgid_plural", ""),
                msgctxt=fields.get("msgctxt"),
                msgstr=msgstr,
                flags=flags,
            )
        )
    return entries


def po_path(language: str) -> Path:
    return LOCALE_DIR / CATALOGUES[language] / "LC_MESSAGES" / "django.po"


# --- Reading a page ----------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
READABLE_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}


class _Text(HTMLParser):
    """What a person reads or hears on a page: text and readable attributes, without scripts,
    styles, codes and text areas; with ``skip_english``, without elements marked lang="en" (texts shown
    in English on purpose, such as an instrument's fallback or the language's own name)."""

    def __init__(self, *, skip_english: bool):
        super().__init__(convert_charrefs=True)
        self.skip_english = skip_english
        self.parts: list[str] = []
        self.skipping: tuple[str, int] | None = None
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.skipping is not None:
            name, depth = self.skipping
            if tag == name and tag not in VOID:
                self.skipping = (name, depth + 1)
            return
        lang = (attrs.get("lang") or "").lower()
        # Codes (question codes, symbols) are identifiers and a text area holds what someone
        # wrote, in their own language: neither is text to translate.
        if tag in ("code", "textarea") or (self.skip_english and tag != "html" and lang.startswith("en")):
            if tag not in VOID:
                self.skipping = (tag, 1)
            return
        if tag in ("script", "style"):
            self.hidden += 1
        for name in READABLE_ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if self.skipping is not None:
            name, depth = self.skipping
            if tag == name:
                self.skipping = None if depth == 1 else (name, depth - 1)
            return
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if self.skipping is None and not self.hidden:
            self.parts.append(data)


def page_text(html: str, *, skip_english: bool = False) -> str:
    parser = _Text(skip_english=skip_english)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def contains(text: str, phrase: str) -> bool:
    """``phrase`` occurs in ``text`` as whole words (whitespace normalized)."""
    phrase = " ".join(phrase.split())
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", text) is not None


def checked_phrases(entry: Entry) -> list[str]:
    """The English text of an entry as it can appear on a page: the whole message, or the
    literal parts between its placeholders; short ones (under 4 characters) are too common
    to tell anything and are left out."""
    phrases = []
    for source in filter(None, (entry.msgid, entry.msgid_plural)):
        if PLACEHOLDER.search(source):
            # A part of a message is only telling when it is long enough to be specific.
            parts = [" ".join(p.split()) for p in PLACEHOLDER.split(source)]
            phrases += [p for p in parts if len(p) >= 12 and re.search(r"[A-Za-z]{3}", p)]
        elif len(source.strip()) >= 4:
            phrases.append(source)
    return phrases


# --- The pages ----------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    route: str
    person: str | None  # fixture name; None for an anonymous visitor
    args: str | None = None  # "cycle" or "response"

    def url(self, *, cycle, response) -> str:
        args = {"cycle": [cycle.slug], "response": [response.pk], None: []}[self.args]
        return reverse(self.route, args=args)


PAGES = [
    Page("login", "login", None),
    Page("home-correspondent", "home", "corr_fra"),
    Page("home-secretariat", "home", "reviewer"),
    Page("profile", "profile", "corr_fra"),
    Page("cycle-questionnaire", "questionnaires:cycle_detail", "corr_fra", "cycle"),
    Page("response-form", "responses:response_detail", "corr_fra", "response"),
    Page("review-queue", "responses:review_queue", "reviewer", "cycle"),
    Page("secretariat-dashboard", "secretariat:cycle_dashboard", "reviewer", "cycle"),
    Page("reports-list", "reports:report_list", "commission"),
]


def render_in_each_language(request, client_for, page: Page, *, cycle, response) -> dict[str, str]:
    """The page's HTML in each of the six languages: a signed-in person in their profile's
    language, an anonymous visitor in their browser's."""
    try:
        url = page.url(cycle=cycle, response=response)
    except NoReverseMatch:
        pytest.skip(f"The route {page.route!r} does not resolve yet; its page is not checked.")
    person = request.getfixturevalue(page.person) if page.person else None
    client = client_for(person) if person else None
    rendered = {}
    for language in LANGUAGES:
        if person is None:
            result = Client().get(url, HTTP_ACCEPT_LANGUAGE=language)
        else:
            person.language = language
            person.save(update_fields=["language"])
            result = client.get(url)
        assert result.status_code == 200, (page.name, language, result.status_code)
        rendered[language] = result.content.decode()
    return rendered


@pytest.fixture
def rendered_pages(request, client_for, filled_fra):
    cache: dict[str, dict[str, str]] = {}

    def get(page: Page) -> dict[str, str]:
        if page.name not in cache:
            cache[page.name] = render_in_each_language(
                request, client_for, page, cycle=filled_fra.cycle, response=filled_fra
            )
        return cache[page.name]

    return get


# Known defects outside the catalogues, each strict: the test fails once it is fixed, so the
# mark is removed then.
KNOWN_DEFECTS: dict[str, str] = {}


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(p, id=p.name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[p.name]))
        if p.name in KNOWN_DEFECTS
        else pytest.param(p, id=p.name)
        for p in PAGES
    ],
)
def test_it_renders_each_main_page_in_the_six_languages(rendered_pages, page):
    rendered = rendered_pages(page)
    catalogues = {language: read_po(po_path(language)) for language in CATALOGUES}
    english = page_text(rendered["en"])
    problems = []
    for language, html in rendered.items():
        direction = "rtl" if language == "ar" else "ltr"
        if f'<html lang="{language}" dir="{direction}">' not in html:
            problems.append(f"{language}: expected <html lang={language!r} dir={direction!r}>")
        if language == "en":
            continue
        if language == "ar" and "bootstrap.rtl.min.css" not in html:
            problems.append("ar: Bootstrap's RTL stylesheet is not used")
        translated = page_text(html, skip_english=True)
        for entry in catalogues[language]:
            if entry.msgid in entry.translations:
                continue  # The same in both languages, e.g. "SHA-256" or "Excel (XLSX)".
            for phrase in checked_phrases(entry):
                if contains(english, phrase) and contains(translated, phrase):
                    problems.append(f"{language}: left in English: {phrase!r}")
    assert not problems, f"{page.name}:\n" + "\n".join(problems)


# --- The catalogues -----------------------------------------------------------------------


@pytest.mark.parametrize("language", list(CATALOGUES))
def test_it_has_a_complete_catalogue_for_each_language(language):
    path = po_path(language)
    entries = read_po(path)
    assert len(entries) > 500, "the catalogue looks truncated"
    header = path.read_text(encoding="utf-8")
    assert f"nplurals={PLURAL_FORMS[language]};" in header
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries in {path}: {fuzzy[:5]}"
    empty = [e.msgid for e in entries if not all(e.translations)]
    assert not empty, f"untranslated entries in {path}: {empty[:5]}"
    wrong_plurals = [e.msgid for e in entries if e.msgid_plural and len(e.msgstr) != PLURAL_FORMS[language]]
    assert not wrong_plurals, f"plural entries without {PLURAL_FORMS[language]} forms: {wrong_plurals[:5]}"
    placeholders = [
        e.msgid
        for e in entries
        for text in e.translations
        if not set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(e.msgid + e.msgid_plural))
    ]
    assert not placeholders, f"translations with unknown placeholders: {placeholders[:5]}"


@pytest.mark.parametrize("language", list(CATALOGUES))
def test_it_ships_each_catalogue_compiled(language):
    """The .mo is committed with its .po (a fresh machine may have no msgfmt): it must hold
    the same translations."""
    mo = po_path(language).with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run manage.py compilemessages"
    with mo.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = []
    for entry in read_po(po_path(language)):
        if entry.msgctxt is not None:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
        elif entry.msgid_plural:
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            if got not in entry.translations:
                stale.append(entry.msgid)
            continue
        else:
            got = compiled.gettext(entry.msgid)
        if got != entry.msgstr[0]:
            stale.append(entry.msgid)
    assert not stale, f"{mo} is older than its .po (run compilemessages): {stale[:5]}"


# --- Dates, fallback and e-mail ------------------------------------------------------------

# How 1 January of year {year} is written in each language.
DEADLINES = {
    "en": "Jan. 1, {year}",
    "fr": "1 janvier {year}",
    "es": "1 de enero de {year}",
    "ru": "1 января {year}",
    "zh-hans": "{year}年1月1日",
    "ar": "يناير",
}


def test_it_formats_dates_in_each_language(rendered_pages, filled_fra):
    deadline = new_year_in_two_years()
    Cycle.objects.filter(pk=filled_fra.cycle_id).update(deadline=deadline)
    rendered = rendered_pages(next(p for p in PAGES if p.name == "cycle-questionnaire"))
    for language, html in rendered.items():
        text = page_text(html)
        with translation.override(language):
            expected = date_format(deadline, "DATE_FORMAT")
        assert expected in text, (language, expected)
        written = DEADLINES[language].format(year=deadline.year)
        assert written in text, (language, written)
        if language != "en":
            assert "January" not in page_text(html, skip_english=True), language


def _drop_language(node, language: str):
    """The definition with every text in ``language`` removed, as if not yet translated."""
    if isinstance(node, dict):
        if "en" in node and all(isinstance(v, str) for v in node.values()):
            return {k: v for k, v in node.items() if k != language}
        return {k: _drop_language(v, language) for k, v in node.items()}
    if isinstance(node, list):
        return [_drop_language(v, language) for v in node]
    return node


def test_it_falls_back_to_english_without_changing_localized():
    texts = {"en": "Yes", "fr": "Oui"}
    assert localized(texts, "es") == "Yes"
    assert localized(texts, "fr") == "Oui"
    assert localized(None) == ""
    assert localized_with_fallback(texts, "es") == ("Yes", True)
    assert localized_with_fallback(texts, "zh-hans") == ("Yes", True)
    assert localized_with_fallback(texts, "fr") == ("Oui", False)
    assert localized_with_fallback(texts, "en") == ("Yes", False)
    assert localized_with_fallback({}, "es") == ("", False)


@pytest.mark.parametrize("language", ["es", "ar"])
def test_it_marks_instrument_texts_shown_in_english(language):
    """A text missing in the reader's language is shown in English, visibly: in lang="en"
    (left to right) with a translated "(English)" marker, on the questionnaire page and in
    the response form."""
    version = InstrumentVersion.objects.get(instrument__code="1997-34", number=1)
    complete = questionnaire_view(version.definition, language)
    assert not any(
        q.text_fallback or q.help_fallback or q.unit_fallback or q.fallback_choices
        for section in complete
        for q in section.questions
    )
    sections = questionnaire_view(_drop_language(version.definition, language), language)
    assert all(section.title_fallback for section in sections)
    question = next(q for section in sections for q in section.questions if q.choices)
    assert question.text_fallback
    assert question.fallback_choices == {code for code, _ in question.choices}
    with translation.override(language):
        marker = translation.gettext("(English)")
        readonly = render_to_string("questionnaires/_question_readonly.html", {"q": question})
        head = render_to_string("responses/_question_head.html", {"item": {"q": question}})
    assert marker != "(English)"
    for html in (readonly, head):
        assert f'<span lang="en" dir="ltr">{escape(question.text)}</span>' in html
        assert marker in html
    label = question.choices[0][1]
    assert f'<span lang="en" dir="ltr">{escape(label)}</span>' in readonly


def test_it_sends_the_designation_invitation_in_the_recipients_language(
    secadmin, mailoutbox, django_capture_on_commit_callbacks
):
    from portal import services

    person, _ = services.person_get_or_create(
        email="layla@example.org", first_name="Layla", last_name="Haddad"
    )
    person.language = "ar"
    person.save(update_fields=["language"])
    france = Respondent.objects.get(code="FRA")
    with django_capture_on_commit_callbacks(execute=True):
        services.correspondent_designate(respondent=france, email="layla@example.org", by=secadmin)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["layla@example.org"]
    assert message.subject.startswith("تم تعيينك عن")
    assert "بوابة الإبلاغ عن التنفيذ" in message.body
    assert "لجنة منع الجريمة والعدالة الجنائية" in message.body
    assert "designated" not in message.subject + message.body
    assert "Dear" not in message.body
