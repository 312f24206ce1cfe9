"""The whole journey in a real browser, as its people live it: a correspondent fills and
submits, the secretariat asks for clarification, the correspondent amends, the secretariat
accepts, compiles the report (watching the progress bar), publishes, and a Commission member
downloads the PDF. A screenshot of each step is kept in test-artifacts/."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DEMO_PASSWORD, shot, sign_in

# The django_db mark makes pytest-django create the test database, through which the live
# portal's own database is created and dropped.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def _question(page, code):
    return page.locator(f"[id='q-{code}']")


def _field(page, code):
    return page.locator(f"[id='f-{code}']")


def _saved(page, code):
    expect(_question(page, code).locator("[data-save-state]")).to_have_text(
        re.compile("Saved|Enregistr"), timeout=15000
    )


def _second_factor(page, live_portal, prefix):
    """Set up TOTP as a new secretariat member does, reading the key from the page."""
    from django_otp.oath import totp

    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    secret = page.locator("code.user-select-all").inner_text().strip()
    shot(page, f"{prefix}-2fa-setup")
    key = base64.b32decode(secret)
    page.get_by_label("Code from your authenticator app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Turn on").click()


def _answer_everything_required(page):
    """Answer 'no information' to every required question still missing, from the list the
    submission page gives, as a person working down that list would."""
    for _ in range(3):
        page.get_by_role("link", name=re.compile("Review and submit|Submit")).first.click()
        missing = page.locator("main li a[href*='#q-']")
        codes = [
            href.split("#q-")[1]
            for href in missing.evaluate_all("els => els.map(e => e.getAttribute('href'))")
            if "#q-" in href
        ]
        if not codes:
            return
        page.go_back()
        for code in codes:
            select = _question(page, code).locator("select[name$='__special']")
            if select.count():
                select.select_option("no_information")
                _saved(page, code)


def test_the_journey_from_draft_to_a_published_report(new_page, live_portal):
    # 1. The French correspondent fills questions of several types; the page saves as she types.
    page = new_page()
    sign_in(page, "corr-fra")
    expect(page.get_by_text("France").first).to_be_visible()
    shot(page, "01-correspondent-home")
    page.get_by_role("link", name=re.compile("^Continue")).first.click()
    _field(page, "contact.1.authority").fill("Ministère de la Justice (parcours)")
    _saved(page, "contact.1.authority")
    organized_crime = _question(page, "a.1.organized_crime")
    choice = "partly" if organized_crime.locator("input[value=yes]").is_checked() else "yes"
    organized_crime.locator(f"input[value={choice}]").check()
    _saved(page, "a.1.organized_crime")
    summary = _field(page, "a.1.organized_crime_summary")
    expect(summary).to_be_visible()  # shown because the answer above is "yes" or "partly"
    summary.fill("Code pénal, articles 450-1 à 450-5 (association de malfaiteurs), parcours.")
    _saved(page, "a.1.organized_crime_summary")
    year = _question(page, "f.7.fiu_year").locator("input")
    if year.count():
        year.first.fill("1990")
        _saved(page, "f.7.fiu_year")
    shot(page, "02-draft-saved")

    # 2. After a reload the answers are there.
    page.reload()
    expect(_field(page, "contact.1.authority")).to_have_value("Ministère de la Justice (parcours)")
    expect(_question(page, "a.1.organized_crime").locator(f"input[value={choice}]")).to_be_checked()

    # 3. She completes what is required and submits.
    _answer_everything_required(page)
    page.get_by_role("button", name="Submit the response").click()
    expect(page.get_by_text(re.compile("version 1", re.I)).first).to_be_visible()
    shot(page, "03-submitted")

    # 4. The reviewer (second factor set up on first sign-in) asks for clarification.
    reviewer = new_page()
    sign_in(reviewer, "reviewer")
    _second_factor(reviewer, live_portal, "04")
    reviewer.goto("/responses/review/demo-1997-34/")
    shot(reviewer, "04-review-queue")
    reviewer.get_by_role("link", name=re.compile("^France")).first.click()
    reviewer.get_by_role("link", name="Request clarification").click()
    reviewer.locator("textarea[name='comment__a.1.organized_crime_summary']").fill(
        "Please cite the law adopted in 2004 as well."
    )
    reviewer.get_by_role("button", name="Send the request").click()
    expect(reviewer.get_by_text(re.compile("Clarification requested", re.I)).first).to_be_visible()
    shot(reviewer, "05-clarification-requested")

    # 5. The correspondent sees the thread, amends and resubmits.
    page.goto("/")
    page.get_by_role("button", name=re.compile("^Amend")).first.click()
    expect(page.get_by_text("Please cite the law adopted in 2004 as well.").first).to_be_visible()
    summary = _field(page, "a.1.organized_crime_summary")
    summary.fill("Code pénal, articles 450-1 à 450-5; loi n° 2004-204 du 9 mars 2004.")
    _saved(page, "a.1.organized_crime_summary")
    shot(page, "06-amendment")
    page.get_by_role("link", name=re.compile("Review and submit|Submit")).first.click()
    page.get_by_role("button", name="Submit the response").click()
    expect(page.get_by_text(re.compile("version 2", re.I)).first).to_be_visible()

    # 6. The reviewer accepts, compiles the report and watches it progress, then publishes.
    reviewer.goto("/responses/review/demo-1997-34/")
    reviewer.get_by_role("link", name=re.compile("^France")).first.click()
    reviewer.get_by_role("button", name="Accept the response").click()
    expect(reviewer.get_by_text(re.compile("Accepted", re.I)).first).to_be_visible()
    reviewer.goto("/reports/cycles/demo-1997-34/")
    reviewer.get_by_role("button", name="Compile").click()
    progress = reviewer.locator("#report-status progress")
    expect(progress).to_be_visible()
    shot(reviewer, "07-compiling")
    expect(reviewer.get_by_role("button", name="Publish to the Commission")).to_be_visible(timeout=240000)
    shot(reviewer, "08-compiled")
    reviewer.get_by_role("button", name="Publish to the Commission").click()
    expect(reviewer.get_by_text("Published").first).to_be_visible()

    # 7. A Commission member downloads the published report.
    member = new_page()
    sign_in(member, "commission")
    member.goto("/reports/")
    shot(member, "09-commission-reports")
    link = member.get_by_role("link", name="E/CN.15/1999/3", exact=True)
    expect(link).to_be_visible()
    reply = member.context.request.get(link.get_attribute("href"))  # the member's own session
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/pdf"
    assert reply.body()[:5] == b"%PDF-"
    (ARTIFACTS / "E-CN.15-1999-3.pdf").write_bytes(reply.body())
