"""Accessibility in a real browser: axe-core on every main page (no serious or critical
violation, WCAG 2.1 AA contrast included), the questionnaire by keyboard alone with a
visible focus, and a phone-sized screen without sideways scrolling."""

from __future__ import annotations

import base64
import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DEMO_PASSWORD, axe_violations, shot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

CORRESPONDENT_PAGES = [
    "/",
    "/profile/",
    "/questionnaires/cycles/demo-1997-34/",
    "/reports/",
]
SECRETARIAT_PAGES = [
    "/",
    "/respondents/",
    "/respondents/FRA/",
    "/questionnaires/cycles/",
    "/questionnaires/instruments/",
    "/questionnaires/instruments/1997-34/v1/",
    "/responses/review/demo-1997-34/",
    "/secretariat/cycles/demo-1997-34/",
    "/secretariat/search/?q=law",
    "/reports/cycles/demo-1997-34/",
]


def _scan(page, label, problems):
    page.wait_for_load_state("networkidle")
    violations = axe_violations(page)
    if violations:
        problems.append({"page": label, "violations": violations})


def _open_france(page):
    page.goto("/")
    page.get_by_role("link", name=re.compile("^Continue")).first.click()
    page.wait_for_load_state("networkidle")


def test_the_main_pages_have_no_serious_accessibility_violation(new_page):
    from django_otp.oath import totp

    problems: list = []
    anonymous = new_page()
    anonymous.goto("/accounts/login/")
    _scan(anonymous, "login", problems)

    page = new_page()
    sign_in(page, "corr-fra")
    for path in CORRESPONDENT_PAGES:
        page.goto(path)
        _scan(page, f"corr-fra {path}", problems)
    _open_france(page)
    _scan(page, "corr-fra questionnaire", problems)
    page.get_by_role("link", name=re.compile("Review and submit|Review the whole draft")).first.click()
    _scan(page, "corr-fra submission review", problems)

    staff = new_page()
    sign_in(staff, "secadmin")
    staff.get_by_label("Your password").fill(DEMO_PASSWORD)
    staff.get_by_role("button", name="Continue").click()
    _scan(staff, "2fa setup", problems)
    secret = staff.locator("code.user-select-all").inner_text().strip()
    staff.get_by_label("Code from your authenticator app").fill(f"{totp(base64.b32decode(secret)):06d}")
    staff.get_by_role("button", name="Turn on").click()
    for path in SECRETARIAT_PAGES:
        staff.goto(path)
        _scan(staff, f"secadmin {path}", problems)
    staff.goto("/responses/review/demo-1997-34/")
    staff.locator("main table a[href^='/responses/']").first.click()
    _scan(staff, "secadmin response", problems)
    history = staff.get_by_role("link", name=re.compile("History|Versions"))
    if history.count():
        history.first.click()
        _scan(staff, "secadmin history", problems)

    (ARTIFACTS / "axe-violations.json").write_text(json.dumps(problems, indent=2))
    assert problems == [], problems


def test_the_questionnaire_works_with_the_keyboard_alone_and_shows_the_focus(new_page):
    page = new_page()
    sign_in(page, "corr-fra-2")
    _open_france(page)
    field = page.locator("[id='f-contact.2.contact_person']")
    field.focus()
    # Keyboard only: select what is there, type over it, move on with Tab.
    page.keyboard.press("Control+a")
    page.keyboard.type("Julien Bernard (keyboard)")
    outline = field.evaluate(
        "el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth"
    )
    assert not outline.startswith("none"), outline  # the focus is visible
    page.keyboard.press("Tab")
    state = page.locator("[id='q-contact.2.contact_person'] [data-save-state]")
    expect(state).to_have_text(re.compile("Saved"), timeout=15000)
    # A radio group is reachable and operable from the keyboard too.
    radio = page.locator("[id='q-a.2.drug_trafficking'] input[type=radio]:not(:checked)").first
    radio.focus()
    page.keyboard.press("Space")
    expect(page.locator("[id='q-a.2.drug_trafficking'] [data-save-state]")).to_have_text(
        re.compile("Saved"), timeout=15000
    )
    shot(page, "keyboard-questionnaire")


def test_the_questionnaire_fits_a_phone(new_page):
    page = new_page(viewport={"width": 375, "height": 740})
    sign_in(page, "corr-fra")
    _open_france(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    shot(page, "phone-questionnaire")
    culprits = page.evaluate(
        """() => {
            const scrolls = e => { for (let p = e.parentElement; p; p = p.parentElement) {
                if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; }
                return false; };
            return [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
              .filter(e => !scrolls(e))
              .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id);
        }"""
    )
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px on a phone: {culprits}"
