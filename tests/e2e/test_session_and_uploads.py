"""The edges a person meets while replying, in Chromium against the live portal: a session
that ends while they type (signed out elsewhere), and a file the server refuses.

Poland's correspondent works here (the demo leaves Poland not started), so the journey's
France is left alone. The live portal's database is read directly to see what was saved."""

from __future__ import annotations

import re

import psycopg2
import pytest
from playwright.sync_api import expect

from tests.conftest import database_url
from tests.e2e.conftest import shot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

CYCLE = "demo-1997-34"
TEXT = "a.1.organized_crime_pending"
FILES = "a.1.organized_crime_texts"


def _query(live_portal, sql: str, params: list):
    with psycopg2.connect(database_url(live_portal["database"])) as db, db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall() if cursor.description else None
    db.close()
    return rows


def _open_polish_draft(page, live_portal) -> int:
    start = page.locator(f"form:has(input[name=cycle][value='{CYCLE}']):has(input[value=POL]) button")
    if start.count():
        start.click()
        page.wait_for_load_state("networkidle")
    [(pk,)] = _query(
        live_portal,
        "SELECT r.id FROM responses_response r JOIN questionnaires_cycle c ON c.id = r.cycle_id"
        " JOIN portal_respondent p ON p.id = r.respondent_id WHERE c.slug = %s AND p.code = 'POL'",
        [CYCLE],
    )
    page.goto(f"/responses/{pk}/")
    return pk


def _draft_value(live_portal, response_id: int, code: str):
    rows = _query(
        live_portal,
        "SELECT value FROM responses_draftanswer WHERE response_id = %s AND question_code = %s",
        [response_id, code],
    )
    return rows[0][0] if rows else None


def _end_sessions_elsewhere(live_portal, username: str) -> None:
    """What signing out on another device does (portal.security.end_all_sessions)."""
    _query(
        live_portal,
        "UPDATE portal_user SET session_generation = session_generation + 1 WHERE username = %s",
        [username],
    )


def _question(page, code):
    return page.locator(f"[id='q-{code}']")


def _state(page, code):
    return _question(page, code).locator("[data-save-state]")


def _unsaved_work_claimed(page) -> bool:
    """Whether leaving the page now would warn of unsaved answers."""
    return page.evaluate(
        "() => { const e = new Event('beforeunload', {cancelable: true});"
        " window.dispatchEvent(e); return e.defaultPrevented; }"
    )


def _session_ends_while_typing(page, live_portal, saved: str, typed: str):
    """Polish draft open, ``saved`` saved, the session ended elsewhere, ``typed`` waiting."""
    sign_in(page, "corr-pol")
    response_id = _open_polish_draft(page, live_portal)
    field = page.locator(f"[id='f-{TEXT}']")
    field.fill(saved)
    expect(_state(page, TEXT)).to_have_text("Saved", timeout=15000)
    _end_sessions_elsewhere(live_portal, "corr-pol")
    field.fill(typed)
    expect(_state(page, TEXT)).to_contain_text("signed out in another window", timeout=15000)
    return response_id, field


def test_after_signing_in_again_in_another_tab_the_waiting_answer_is_saved(new_page, live_portal):
    page = new_page()
    typed = "Draft law on criminal organizations, first reading. Second reading in the Senate in May."
    response_id, field = _session_ends_while_typing(
        page, live_portal, "Draft law on criminal organizations, first reading.", typed
    )
    expect(page.locator("#save-status")).to_have_attribute("data-state", "unsaved")
    shot(page, "session-ended-while-typing")

    other_tab = page.context.new_page()
    other_tab.goto("/accounts/login/")
    expect(other_tab.locator("[data-session-ended]")).to_contain_text("signed out in another window")
    sign_in(other_tab, "corr-pol")
    page.bring_to_front()
    expect(_state(page, TEXT)).to_have_text("Saved", timeout=15000)
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    assert _draft_value(live_portal, response_id, TEXT) == typed
    assert field.input_value() == typed
    assert not _unsaved_work_claimed(page)
    shot(page, "session-back-answer-saved")


def test_what_waits_is_not_saved_when_another_person_signs_in(new_page, live_portal):
    page = new_page()
    response_id, _field = _session_ends_while_typing(
        page,
        live_portal,
        "Written by the Polish correspondent.",
        "Written by the Polish correspondent, after the session ended.",
    )
    other_tab = page.context.new_page()
    sign_in(other_tab, "corr-fra")  # a colleague of another state, on the same computer
    page.bring_to_front()
    expect(_state(page, TEXT)).to_contain_text("Another person is signed in now", timeout=15000)
    assert _draft_value(live_portal, response_id, TEXT) == "Written by the Polish correspondent."
    assert _unsaved_work_claimed(page)  # the text is still only in the page

    other_tab.goto("/")
    other_tab.get_by_role("button", name=re.compile("Sign out")).first.click()
    sign_in(other_tab, "corr-pol")
    page.bring_to_front()
    expect(_state(page, TEXT)).to_have_text("Saved", timeout=15000)
    assert (
        _draft_value(live_portal, response_id, TEXT)
        == "Written by the Polish correspondent, after the session ended."
    )


def test_a_refused_file_is_explained_at_the_field_and_changes_nothing(new_page, live_portal):
    page = new_page()
    sign_in(page, "corr-pol")
    response_id = _open_polish_draft(page, live_portal)
    question = _question(page, FILES)
    chooser = page.locator(f"[id='u-{FILES}']")
    chooser.set_input_files(
        {"name": "ustawa.txt", "mimeType": "text/plain", "buffer": b"Ustawa z dnia 6 czerwca 1997 r.\n"}
    )
    question.get_by_role("button", name="Upload", exact=True).click()
    question = _question(page, FILES)  # replaced by the server's rendering of it
    expect(question.locator("[data-save-state]")).to_have_text("Saved", timeout=15000)
    attached = _draft_value(live_portal, response_id, FILES)
    assert len(attached) == 1

    page.locator(f"[id='u-{FILES}']").set_input_files(
        {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00" + b"\x00" * 64}
    )
    question.get_by_role("button", name="Upload", exact=True).click()
    error = question.locator("[data-upload-error]")
    expect(error).to_contain_text("Upload a PDF, DOCX, ODT or plain text (.txt) file.")
    expect(page.locator(f"[id='u-{FILES}']")).to_have_attribute("aria-invalid", "true")
    expect(question.locator("[data-save-state]")).to_have_text("Saved")
    expect(page.locator("#save-status")).not_to_have_attribute("data-state", "unsaved")
    assert not _unsaved_work_claimed(page)
    assert _draft_value(live_portal, response_id, FILES) == attached
    expect(question.get_by_label("ustawa.txt")).to_be_checked()
    shot(page, "upload-refused")
