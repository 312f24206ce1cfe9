"""The correspondent's part of the journey in Arabic: the portal in Arabic from the
browser's language, laid out right to left, answers saved as typed and found after a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def test_a_correspondent_works_in_arabic(new_page):
    page = new_page(locale="ar")
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    page.locator("input[name=username]").fill("corr-fra-2")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    shot(page, "ar-01-home")
    assert page.locator("link[href*='bootstrap.rtl']").count() == 1
    # France's reply to the standards-and-norms cycle, not started in the demo (the other
    # journey works on the 1997/34 reply): start it, as the home page offers.
    page.locator("main form[action$='/responses/start/'] button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    field = page.locator("[id='f-contact.3.person']")
    field.fill("جوليان برنار")
    state = page.locator("[id='q-contact.3.person'] [data-save-state]")
    expect(state).to_have_attribute("data-state", "saved", timeout=15000)
    expect(state).not_to_have_text("Saved")  # the state is shown in Arabic
    shot(page, "ar-02-saved")
    page.reload()
    expect(page.locator("[id='f-contact.3.person']")).to_have_value("جوليان برنار")
    # Right to left: the question's text starts at the right edge of its box.
    direction = page.locator("[id='q-contact.3.person']").evaluate("e => getComputedStyle(e).direction")
    assert direction == "rtl"
