"""The response pages, for each named person: corr_fra (France's focal point) may, corr_fra_2
(a French correspondent) may fill in but not submit, corr_ken (Kenya) and the Commission
see nothing of France, anonymous visitors are sent to sign in."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone
from pypdf import PdfReader

from portal.models import Respondent
from questionnaires.models import Cycle
from responses import services
from responses.models import ClarificationThread, DraftAnswer, Response, ResponseVersion
from responses.selectors import draft_revision_get
from tests.dates import cycle_dates, days_from_today

pytestmark = pytest.mark.django_db


def url(name, response, *args):
    return reverse(f"responses:{name}", args=[response.pk, *args])


def client_of(person):
    """A second browser, for a second person at the same time as ``client_for``'s."""
    from portal.security import second_factor_required
    from tests.conftest import verified_second_factor

    client = Client()
    client.force_login(person)
    if second_factor_required(person):
        verified_second_factor(client, person)
    return client


@pytest.fixture
def submitted_fra(filled_fra, corr_fra):
    services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    filled_fra.refresh_from_db()
    return filled_fra


@pytest.fixture
def attachment_fra(response_fra, corr_fra):
    return services.attachment_upload(
        response=response_fra,
        question_code="a.1.organized_crime_texts",
        upload=SimpleUploadedFile('loi 2004-204 "résumé".txt', "Loi n° 2004-204.\n".encode()),
        user=corr_fra,
    )


def save(client, response, code, data, base=0):
    return client.post(
        url("answer", response, code), {**data, "base_revision": str(base)}, HTTP_ACCEPT="application/json"
    )


def opening_tag(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[html.rindex("<", 0, start) : html.index(">", start) + 1]


class Labels(HTMLParser):
    """Every form field of a page, and the ids that a <label for> names."""

    def __init__(self):
        super().__init__()
        self.fields, self.labelled = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit", "button"):
            self.fields.append(attrs.get("id") or attrs.get("name"))


# --- Access ---------------------------------------------------------------------------

PAGES = [
    ("response_detail", ()),
    ("version_list", ()),
    ("version_detail", (1,)),
    ("version_receipt", (1,)),
    ("version_diff", ()),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_it_serves_every_page_of_a_response_to_its_state(client_for, corr_fra, submitted_fra, name, args):
    assert client_for(corr_fra).get(url(name, submitted_fra, *args)).status_code == 200


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_it_serves_every_page_of_a_response_to_the_secretariat(
    client_for, reviewer, submitted_fra, name, args
):
    assert client_for(reviewer).get(url(name, submitted_fra, *args)).status_code == 200


ACTIONS = [
    ("get", "response_detail", ()),
    ("post", "response_detail", ()),
    ("get", "version_list", ()),
    ("get", "version_detail", (1,)),
    ("get", "version_receipt", (1,)),
    ("get", "version_diff", ()),
    ("get", "response_submit", ()),
    ("post", "response_submit", ()),
    ("post", "response_amend", ()),
    ("post", "carried_confirm", ()),
    ("post", "version_acknowledge", (1,)),
    ("post", "review_start", ()),
    ("post", "review_accept", ()),
    ("get", "review_clarify", ()),
    ("get", "review_amend", ()),
    ("post", "attachment_upload", ()),
]


@pytest.mark.parametrize(("method", "name", "args"), ACTIONS)
def test_it_hides_every_page_and_action_from_another_state_and_the_commission(
    client_for, corr_ken, commission, submitted_fra, method, name, args
):
    for person in (corr_ken, commission):
        response = getattr(client_of(person), method)(url(name, submitted_fra, *args))
        assert response.status_code == 404, (person, name)


@pytest.mark.parametrize(("method", "name", "args"), ACTIONS)
def test_it_sends_anonymous_visitors_to_sign_in(client, submitted_fra, method, name, args):
    response = getattr(client, method)(url(name, submitted_fra, *args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_it_hides_answers_attachments_and_threads_from_another_state(
    client, corr_ken, commission, response_fra, attachment_fra, reviewer
):
    for person in (corr_ken, commission):
        client.force_login(person)
        assert client.get(url("answer", response_fra, "contact.1.authority")).status_code == 404
        assert (
            save(client, response_fra, "contact.1.authority", {"contact.1.authority": "x"}).status_code == 404
        )
        assert client.get(url("attachment_download", response_fra, attachment_fra.pk)).status_code == 404
    client.logout()
    assert save(client, response_fra, "contact.1.authority", {"contact.1.authority": "x"}).status_code == 401
    assert not DraftAnswer.objects.filter(response=response_fra, question_code="contact.1.authority").exists()


def test_after_signing_in_again_the_page_takes_a_fresh_token_and_saves(corr_fra, response_fra):
    from portal.security import end_all_sessions
    from tests.conftest import PASSWORD

    browser = Client(enforce_csrf_checks=True)

    def sign_in():
        form = browser.get(reverse("login")).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        credentials = {"username": "corr-fra", "password": PASSWORD, "csrfmiddlewaretoken": token}
        assert browser.post(reverse("login"), credentials).status_code == 302

    sign_in()
    page = browser.get(url("response_detail", response_fra)).content.decode()
    old_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    typed = {"contact.1.authority": "Typed while signed out", "typed_by": str(corr_fra.pk)}

    def autosave(token):
        return browser.post(
            url("answer", response_fra, "contact.1.authority"),
            {**typed, "base_revision": "0", "csrfmiddlewaretoken": token},
            HTTP_ACCEPT="application/json",
        )

    end_all_sessions(corr_fra)  # signed out on another device
    ended = autosave(old_token)
    assert ended.status_code == 401 and ended.json()["code"] == "session_ended"
    assert "you signed out in another window" in ended.json()["error"]
    sign_in()  # in another tab: a sign-in rotates the CSRF token
    assert autosave(old_token).status_code == 403
    fresh = browser.get(reverse("session_token"), HTTP_ACCEPT="application/json")
    assert fresh.json()["user"] == corr_fra.pk and "no-store" in fresh["Cache-Control"]
    assert autosave(fresh.json()["token"]).status_code == 200
    assert DraftAnswer.objects.get(response=response_fra, question_code="contact.1.authority").value == (
        "Typed while signed out"
    )


def test_what_one_person_typed_is_not_saved_in_anothers_name(client_for, corr_fra, corr_fra_2, response_fra):
    client = client_for(corr_fra_2)  # signed in, in the same browser, over corr_fra's page
    reply = save(
        client,
        response_fra,
        "contact.1.authority",
        {"contact.1.authority": "Typed by corr_fra", "typed_by": str(corr_fra.pk)},
    )
    assert reply.status_code == 401 and reply.json()["code"] == "other_person"
    assert not DraftAnswer.objects.filter(response=response_fra, question_code="contact.1.authority").exists()


def test_it_refuses_the_secretariats_review_actions_to_correspondents(client_for, corr_fra, submitted_fra):
    client = client_for(corr_fra)
    for name in ("review_start", "review_accept"):
        assert client.post(url(name, submitted_fra)).status_code == 403
    assert client.get(url("review_clarify", submitted_fra)).status_code == 403
    assert client.get(url("review_amend", submitted_fra)).status_code == 403
    submitted_fra.refresh_from_db()
    assert submitted_fra.status == Response.Status.SUBMITTED


# --- Home -----------------------------------------------------------------------------


def test_it_lists_each_open_cycle_with_a_start_button_then_continue(client_for, corr_fra, open_cycle):
    client = client_for(corr_fra)
    home = client.get(reverse("home")).content.decode()
    assert open_cycle.title in home and "Not started" in home and "days left" in home
    started = client.post(
        reverse("responses:response_start"), {"cycle": open_cycle.slug, "respondent": "FRA"}
    )
    response = Response.objects.get(cycle=open_cycle, respondent__code="FRA")
    assert started["Location"] == url("response_detail", response)
    services.draft_save(
        response=response,
        user=corr_fra,
        answers={"contact.1.authority": "Ministère de la Justice"},
        base_revision=0,
    )
    home = client.get(reverse("home")).content.decode()
    assert "Continue" in home and "1 of 20 required" in home


def test_it_offers_to_amend_a_submitted_response_from_the_home_page(client_for, corr_fra, submitted_fra):
    home = client_for(corr_fra).get(reverse("home")).content.decode()
    assert "Amend" in home and url("response_amend", submitted_fra) in home


def test_it_refuses_to_start_a_response_for_another_state(client_for, corr_ken, open_cycle):
    response = client_for(corr_ken).post(
        reverse("responses:response_start"), {"cycle": open_cycle.slug, "respondent": "FRA"}
    )
    assert response.status_code == 404
    assert not Response.objects.filter(cycle=open_cycle).exists()


def test_it_shows_the_secretariat_the_open_cycles_with_their_queues(client_for, reviewer, submitted_fra):
    home = client_for(reviewer).get(reverse("home")).content.decode()
    assert reverse("responses:review_queue", args=[submitted_fra.cycle.slug]) in home


# --- The questionnaire form -----------------------------------------------------------


def test_it_renders_every_question_type_with_a_label_on_every_field(client_for, corr_fra, response_fra):
    page = client_for(corr_fra).get(url("response_detail", response_fra))
    assert page.status_code == 200
    html = page.content.decode()
    for field in [
        'name="contact.1.authority"',  # short text
        'name="a.1.organized_crime_summary"',  # long text
        'type="radio" form="response-form" id="f-a.1.organized_crime-partly"',  # yes / no / partly
        'id="f-b.3.extradition_nationals-conditions"',  # single choice
        'type="checkbox" form="response-form" id="f-b.8.border_measures-firearms"',  # multiple choice
        'inputmode="numeric" form="response-form" id="f-e.3.number_programmes"',  # integer
        "programmes</span>",  # its unit
        'inputmode="decimal" form="response-form" id="f-f.5.cash_threshold"',  # decimal
        'id="f-f.12.fiu_year"',  # year
        'type="date" form="response-form" id="f-contact.6.reply_date"',  # date
        'name="d.1.treaty_status__drugs_1988_illicit_traffic__status"',  # treaty matrix
        'name="d.1.treaty_status__drugs_1988_illicit_traffic__reservations"',
        'name="b.2.arrangements__0__partners"',  # table, with a row to add
        "b.2.arrangements____INDEX____partners",  # the row template for scripts
        'name="a.1.organized_crime_links__0__url"',  # links
        'id="u-a.1.organized_crime_texts"',  # attachments upload
        'name="a.1.organized_crime__special"',  # not applicable / no information
        'data-show-if="{&quot;question&quot;: &quot;a.1.organized_crime&quot;',  # conditional, client side
        'data-revision="0"',
    ]:
        assert field in html, field
    parser = Labels()
    parser.feed(html)
    unlabelled = [field for field in parser.fields if field not in parser.labelled]
    assert unlabelled == [] and len(parser.fields) > 150


def test_it_hides_questions_by_their_condition_on_the_server(client_for, corr_fra, response_fra):
    services.draft_save(
        response=response_fra, user=corr_fra, answers={"a.1.organized_crime": "no"}, base_revision=0
    )
    html = client_for(corr_fra).get(url("response_detail", response_fra)).content.decode()
    assert opening_tag(html, "q-a.1.organized_crime_summary").endswith(" hidden>")
    assert not opening_tag(html, "q-a.1.organized_crime_pending").endswith(" hidden>")
    assert 'data-show-if="{&quot;question&quot;: &quot;a.1.organized_crime&quot;' in html  # for scripts


def test_it_shows_who_last_changed_each_answer(client_for, corr_fra, corr_fra_2, response_fra):
    services.draft_save(
        response=response_fra, user=corr_fra_2, answers={"contact.1.authority": "Ministère"}, base_revision=0
    )
    html = client_for(corr_fra).get(url("response_detail", response_fra)).content.decode()
    assert "Last changed by Julien Bernard (corr-fra-2)" in html


def test_it_shows_a_read_only_view_once_submitted(client_for, corr_fra, submitted_fra):
    html = client_for(corr_fra).get(url("response_detail", submitted_fra)).content.decode()
    assert "The answers of version 1" in html and 'name="contact.1.authority"' not in html
    assert "Ministry of Justice" in html and url("response_amend", submitted_fra) in html


def test_it_shows_the_secretariat_no_answers_of_a_draft(client_for, reviewer, filled_fra):
    html = client_for(reviewer).get(url("response_detail", filled_fra)).content.decode()
    assert "Not submitted yet" in html and "Ministry of Justice" not in html


# --- Autosave -------------------------------------------------------------------------


def test_autosave_saves_one_question_and_returns_its_revision(client_for, corr_fra, response_fra):
    reply = save(
        client_for(corr_fra), response_fra, "contact.1.authority", {"contact.1.authority": " Ministère "}
    )
    assert reply.status_code == 200
    data = reply.json()
    assert data["saved"] == {"contact.1.authority": 1} and data["revision"] == 1
    assert data["errors"] == {} and data["conflicts"] == {}
    assert data["progress"]["contact"]["required_answered"] == 1 and data["changed"]["by"].startswith(
        "Claire"
    )
    answer = DraftAnswer.objects.get(response=response_fra, question_code="contact.1.authority")
    assert (answer.value, answer.updated_by, answer.revision) == ("Ministère", corr_fra, 1)


@pytest.mark.parametrize(
    ("code", "data", "value"),
    [
        (
            "b.8.border_measures",
            {"b.8.border_measures": ["firearms", "passports"]},
            ["passports", "firearms"],
        ),
        ("e.3.number_programmes", {"e.3.number_programmes": "1 200"}, 1200),
        ("f.5.cash_threshold", {"f.5.cash_threshold": "10000.50"}, 10000.5),
        (
            "a.1.organized_crime_pending",
            {"a.1.organized_crime_pending__special": "not_applicable"},
            {"special": "not_applicable"},
        ),
        (
            "d.1.treaty_status",
            {
                "d.1.treaty_status__drugs_1988_illicit_traffic__status": "ratified",
                "d.1.treaty_status__drugs_1988_illicit_traffic__date": "1990-06-30",
                "d.1.treaty_status__drugs_1961_single_convention__status": "",
            },
            {"drugs_1988_illicit_traffic": {"status": "ratified", "date": "1990-06-30", "reservations": ""}},
        ),
        (
            "b.2.arrangements",
            {
                "b.2.arrangements__0__partners": "Germany",
                "b.2.arrangements__0__type": "extradition",
                "b.2.arrangements__0__year": "1951",
                "b.2.arrangements__1__partners": "",
                "b.2.arrangements__3__partners": "Council of Europe",
                "b.2.arrangements__3__scope": "regional",
            },
            [
                {"partners": "Germany", "type": "extradition", "year": 1951},
                {"partners": "Council of Europe", "scope": "regional"},
            ],
        ),
        (
            "a.1.organized_crime_links",
            {
                "a.1.organized_crime_links__0__url": "https://www.legifrance.gouv.fr",
                "a.1.organized_crime_links__0__title": "",
            },
            [{"url": "https://www.legifrance.gouv.fr", "title": ""}],
        ),
    ],
)
def test_autosave_reads_every_kind_of_field(client_for, corr_fra, response_fra, code, data, value):
    reply = save(client_for(corr_fra), response_fra, code, data)
    assert reply.status_code == 200, reply.json()
    assert DraftAnswer.objects.get(response=response_fra, question_code=code).value == value


def test_autosave_answers_a_validation_error_with_its_message(client_for, corr_fra, response_fra):
    reply = save(
        client_for(corr_fra), response_fra, "e.3.number_programmes", {"e.3.number_programmes": "many"}
    )
    assert reply.status_code == 400
    assert reply.json()["errors"] == {"e.3.number_programmes": "Enter a whole number."}
    assert not DraftAnswer.objects.filter(response=response_fra).exists()


def test_autosave_reports_a_conflict_showing_both_values(client_for, corr_fra, corr_fra_2, response_fra):
    claire = client_for(corr_fra)
    julien = client_of(corr_fra_2)
    assert (
        save(
            julien, response_fra, "contact.1.authority", {"contact.1.authority": "Ministère de l'Intérieur"}
        ).status_code
        == 200
    )
    reply = save(
        claire, response_fra, "contact.1.authority", {"contact.1.authority": "Ministère de la Justice"}
    )
    assert reply.status_code == 409
    conflict = reply.json()["conflicts"]["contact.1.authority"]
    assert "Ministère de l&#x27;Intérieur" in conflict["theirs_html"]
    assert "Ministère de la Justice" in conflict["yours_html"]
    assert conflict["by"] == "Julien Bernard (corr-fra-2)" and conflict["revision"] == 1
    answer = DraftAnswer.objects.get(response=response_fra, question_code="contact.1.authority")
    assert answer.value == "Ministère de l'Intérieur"  # never a silent overwrite
    # "Overwrite with mine": the same value again, on the revision just seen.
    again = save(
        claire, response_fra, "contact.1.authority", {"contact.1.authority": "Ministère de la Justice"}, 1
    )
    assert again.status_code == 200
    answer.refresh_from_db()
    assert answer.value == "Ministère de la Justice" and answer.updated_by == corr_fra


def test_autosave_merges_saves_to_different_questions(client_for, corr_fra, corr_fra_2, response_fra):
    assert (
        save(
            client_of(corr_fra_2),
            response_fra,
            "contact.2.contact_person",
            {"contact.2.contact_person": "J. B."},
        ).status_code
        == 200
    )
    reply = save(
        client_for(corr_fra), response_fra, "contact.1.authority", {"contact.1.authority": "Ministère"}
    )
    assert reply.status_code == 200
    values = dict(DraftAnswer.objects.filter(response=response_fra).values_list("question_code", "value"))
    assert values == {"contact.2.contact_person": "J. B.", "contact.1.authority": "Ministère"}


def test_keep_theirs_reloads_the_question_as_the_server_has_it(
    client_for, corr_fra, corr_fra_2, response_fra
):
    services.draft_save(
        response=response_fra, user=corr_fra_2, answers={"contact.1.authority": "Theirs"}, base_revision=0
    )
    fragment = client_for(corr_fra).get(url("answer", response_fra, "contact.1.authority"))
    html = fragment.content.decode()
    assert fragment.status_code == 200 and 'value="Theirs"' in html and 'data-revision="1"' in html


def test_autosave_is_refused_once_the_draft_is_submitted(client_for, corr_fra_2, submitted_fra):
    reply = save(
        client_for(corr_fra_2), submitted_fra, "contact.1.authority", {"contact.1.authority": "Late"}
    )
    assert reply.status_code == 403 and "cannot change" in reply.json()["error"]


# --- The whole form, without scripts --------------------------------------------------


def test_a_full_post_without_scripts_saves_every_answer(client_for, corr_fra, response_fra):
    reply = client_for(corr_fra).post(
        url("response_detail", response_fra),
        {
            "contact.1.authority__rev": "0",
            "contact.1.authority": "Ministère de la Justice",
            "b.8.border_measures__rev": "0",
            "b.8.border_measures": ["firearms"],
            "d.1.treaty_status__rev": "0",
            "d.1.treaty_status__terrorism_1970_hague_convention__status": "ratified",
            "a.2.drug_trafficking__rev": "0",
            "a.2.drug_trafficking": "partly",
        },
    )
    assert reply.status_code == 302
    values = dict(DraftAnswer.objects.filter(response=response_fra).values_list("question_code", "value"))
    assert (
        values["contact.1.authority"] == "Ministère de la Justice"
        and values["a.2.drug_trafficking"] == "partly"
    )
    assert values["d.1.treaty_status"]["terrorism_1970_hague_convention"]["status"] == "ratified"


def test_a_full_post_keeps_what_failed_in_its_fields_and_saves_the_rest(client_for, corr_fra, response_fra):
    reply = client_for(corr_fra).post(
        url("response_detail", response_fra),
        {
            "contact.1.authority__rev": "0",
            "contact.1.authority": "Ministère de la Justice",
            "e.1.programmes__rev": "0",
            "e.1.programmes": "yes",
            "e.3.number_programmes__rev": "0",
            "e.3.number_programmes": "about forty",
        },
    )
    assert reply.status_code == 400
    html = reply.content.decode()
    assert "Enter a whole number." in html and 'value="about forty"' in html
    values = dict(DraftAnswer.objects.filter(response=response_fra).values_list("question_code", "value"))
    assert values == {"contact.1.authority": "Ministère de la Justice", "e.1.programmes": "yes"}


def test_a_full_post_ignores_the_questions_its_answers_hide(client_for, corr_fra, response_fra):
    client_for(corr_fra).post(
        url("response_detail", response_fra),
        {
            "a.1.organized_crime__rev": "0",
            "a.1.organized_crime": "no",
            "a.1.organized_crime_summary__rev": "0",
            "a.1.organized_crime_summary": "Typed while the question was shown.",
        },
    )
    codes = set(DraftAnswer.objects.filter(response=response_fra).values_list("question_code", flat=True))
    assert codes == {"a.1.organized_crime"}


def test_a_full_post_shows_a_conflict_with_both_values(client_for, corr_fra, corr_fra_2, response_fra):
    services.draft_save(
        response=response_fra, user=corr_fra_2, answers={"contact.1.authority": "Theirs"}, base_revision=0
    )
    reply = client_for(corr_fra).post(
        url("response_detail", response_fra), {"contact.1.authority__rev": "0", "contact.1.authority": "Mine"}
    )
    assert reply.status_code == 400
    html = reply.content.decode()
    assert "Someone else changed this answer" in html and "Theirs" in html and 'value="Mine"' in html


# --- Carried forward, attachments, clarification threads ------------------------------


def _next_round_started(client, submitted_fra, secadmin, france) -> Response:
    """A second cycle of the same instrument, opened, and France's reply to it started
    through the page (which carries the accepted answers forward)."""
    from questionnaires import services as questionnaire_services

    cycle = questionnaire_services.cycle_create(
        slug="next-round",
        title="Second round",
        instrument_version=submitted_fra.cycle.instrument_version,
        session_number=10,
        session_year=2001,
        document_symbol="E/CN.15/2001/4",
        **cycle_dates(),
        user=secadmin,
    )
    questionnaire_services.cycle_open(cycle=cycle, user=secadmin, notify=False)
    client.post(reverse("responses:response_start"), {"cycle": cycle.slug, "respondent": "FRA"})
    return Response.objects.get(cycle=cycle, respondent=france)


def test_it_marks_carried_answers_and_confirms_them(
    client_for, corr_fra, reviewer, secadmin, submitted_fra, france
):
    services.response_accept(response=submitted_fra, user=reviewer)
    client = client_for(corr_fra)
    response = _next_round_started(client, submitted_fra, secadmin, france)
    html = client.get(url("response_detail", response)).content.decode()
    assert "Carried forward" in html and "Confirm all carried-forward answers" in html
    client.post(url("carried_confirm", response), {"question": "contact.1.authority"})
    carried = DraftAnswer.objects.filter(response=response, carried_forward=True)
    assert not carried.filter(question_code="contact.1.authority").exists() and carried.exists()
    client.post(url("carried_confirm", response))
    assert not carried.exists()


def _question_block(html: str, code: str) -> str:
    start = html.index(f'id="q-{code}"')
    return html[start : html.index('class="question ', start)]


CODE = "contact.1.authority"


def test_a_carried_answer_names_the_version_it_comes_from(
    client_for, corr_fra, reviewer, secadmin, submitted_fra, france
):
    # The secretariat's amendment is the accepted version: its author is not who answers now.
    services.secretariat_amendment_create(
        response=submitted_fra,
        user=reviewer,
        answers={"contact.1.authority": "Ministry of Justice (France)"},
        reason="Official name.",
    )
    services.response_accept(response=submitted_fra, user=reviewer)
    source = submitted_fra.versions.get(number=2)
    client = client_for(corr_fra)
    response = _next_round_started(client, submitted_fra, secadmin, france)
    block = _question_block(client.get(url("response_detail", response)).content.decode(), CODE)
    date = formats.date_format(timezone.localtime(source.created_at), "DATE_FORMAT")
    assert f"Carried forward from Implementation of the Declaration, version 2 of {date}" in block
    assert "Last changed by" not in block and str(reviewer) not in block
    client.post(url("carried_confirm", response), {"question": "contact.1.authority"})
    block = _question_block(client.get(url("response_detail", response)).content.decode(), CODE)
    assert f"Last changed by {corr_fra}" in block and "Carried forward from" not in block


def test_it_uploads_an_attachment_into_the_answer_and_serves_it_safely(client_for, corr_fra, response_fra):
    client = client_for(corr_fra)
    upload = SimpleUploadedFile("Loi <2004>.txt", "Loi n° 2004-204.\n".encode())
    reply = client.post(
        url("attachment_upload", response_fra),
        {"question": "a.1.organized_crime_texts", "file": upload},
        HTTP_ACCEPT="application/json",
    )
    assert reply.status_code == 200
    (attachment,) = response_fra.attachments.all()
    answer = DraftAnswer.objects.get(response=response_fra, question_code="a.1.organized_crime_texts")
    assert answer.value == [attachment.pk] and "Loi &lt;2004&gt;.txt" in reply.json()["html"]
    served = client.get(url("attachment_download", response_fra, attachment.pk))
    assert served["Content-Disposition"] == (
        f"attachment; filename=\"attachment-{attachment.pk}.txt\"; filename*=UTF-8''Loi%20%3C2004%3E.txt"
    )
    assert (
        served["X-Content-Type-Options"] == "nosniff"
        and served["Content-Type"] == "text/plain; charset=utf-8"
    )
    assert b"".join(served.streaming_content) == "Loi n° 2004-204.\n".encode()


def test_it_refuses_a_disguised_upload_with_a_message(client_for, corr_fra, response_fra):
    reply = client_for(corr_fra).post(
        url("attachment_upload", response_fra),
        {"question": "a.1.organized_crime_texts", "file": SimpleUploadedFile("law.pdf", b"plain text")},
    )
    assert reply.status_code == 302 and reply["Location"].endswith("#q-a.1.organized_crime_texts")
    assert not response_fra.attachments.exists()


def test_it_shows_clarification_threads_next_to_their_question_and_takes_replies(
    client_for, corr_fra_2, reviewer, submitted_fra
):
    services.review_start(response=submitted_fra, user=reviewer)
    (thread,) = services.clarification_request(
        response=submitted_fra, user=reviewer, comments={"contact.1.authority": "Which ministry exactly?"}
    )
    client = client_for(corr_fra_2)
    html = client.get(url("response_detail", submitted_fra)).content.decode()
    assert "The secretariat asks for clarification on 1 question" in html
    question = html.index('id="q-contact.1.authority"')
    assert question < html.index("Which ministry exactly?") < html.index('id="q-contact.2.contact_person"')
    reply = client.post(url("thread_reply", submitted_fra, thread.pk), {"text": "The Ministry of Justice."})
    assert reply["Location"].endswith("#q-contact.1.authority")
    assert thread.messages.last().text == "The Ministry of Justice."


# --- Submitting, amending, history ----------------------------------------------------


def reviewed(response) -> dict:
    """The submit form as the person posts it: with the draft revision they reviewed."""
    return {"base_revision": draft_revision_get(response=response)}


def test_the_submit_page_lists_what_is_missing_with_links(client_for, corr_fra, response_fra):
    client = client_for(corr_fra)
    html = client.get(url("response_submit", response_fra)).content.decode()
    assert "20 questions need attention" in html
    assert f"{url('response_detail', response_fra)}#q-d.1.treaty_status" in html
    reply = client.post(url("response_submit", response_fra), reviewed(response_fra))
    assert reply.status_code == 400 and "This question needs an answer" in reply.content.decode()
    assert not response_fra.versions.exists()


def test_only_the_focal_point_is_offered_and_allowed_to_submit(client_for, corr_fra_2, filled_fra):
    client = client_for(corr_fra_2)
    html = client.get(url("response_submit", filled_fra)).content.decode()
    assert "Submit the response" not in html and "Only the focal point" in html
    assert client.post(url("response_submit", filled_fra), reviewed(filled_fra)).status_code == 403
    assert not filled_fra.versions.exists()


def test_the_focal_point_submits_and_gets_version_1(client_for, corr_fra, filled_fra):
    client = client_for(corr_fra)
    assert "Submit the response" in client.get(url("response_submit", filled_fra)).content.decode()
    reply = client.post(url("response_submit", filled_fra), reviewed(filled_fra))
    assert reply["Location"] == url("version_detail", filled_fra, 1)
    version = filled_fra.versions.get()
    html = client.get(reply["Location"]).content.decode()
    assert version.sha256 in html and version.content_sha256 in html


def test_a_draft_changed_after_review_is_not_submitted_and_the_changes_are_shown(
    client_for, corr_fra, corr_fra_2, filled_fra
):
    client = client_for(corr_fra)
    page = client.get(url("response_submit", filled_fra)).content.decode()
    reviewed = re.search(r'name="base_revision" value="(\d+)"', page).group(1)
    services.draft_save(
        response=filled_fra,
        user=corr_fra_2,
        answers={"contact.1.authority": "Ministry of the Interior"},
        base_revision=int(reviewed),
    )
    reply = client.post(url("response_submit", filled_fra), {"base_revision": reviewed})
    assert reply.status_code == 409
    html = reply.content.decode()
    assert "1 answer changed after you opened this page; nothing was submitted" in html
    change = re.search(r'<li data-change="contact.1.authority">(.*?)</li>', html, re.S).group(1)
    assert str(corr_fra_2) in change and "Ministry of the Interior" in change
    assert not filled_fra.versions.exists()
    # The page now carries the revision with the change: submitting it is a choice made knowingly.
    current = re.search(r'name="base_revision" value="(\d+)"', html).group(1)
    assert int(current) == draft_revision_get(response=filled_fra) != int(reviewed)
    assert client.post(url("response_submit", filled_fra), {"base_revision": current}).status_code == 302
    assert filled_fra.versions.get().answers["contact.1.authority"] == "Ministry of the Interior"


def test_a_submit_without_a_revision_submits_nothing(client_for, corr_fra, filled_fra):
    reply = client_for(corr_fra).post(url("response_submit", filled_fra))
    assert reply.status_code == 400 and "Review the draft on this page" in reply.content.decode()
    assert not filled_fra.versions.exists()


def test_amending_opens_a_draft_and_the_diff_shows_inserted_words(client_for, corr_fra, submitted_fra):
    client = client_for(corr_fra)
    assert client.post(url("response_amend", submitted_fra))["Location"] == url(
        "response_detail", submitted_fra
    )
    submitted_fra.refresh_from_db()
    assert submitted_fra.draft_open
    revision = DraftAnswer.objects.get(response=submitted_fra, question_code="contact.1.authority").revision
    assert (
        save(
            client,
            submitted_fra,
            "contact.1.authority",
            {"contact.1.authority": "Ministry of Justice and Liberties"},
            revision,
        ).status_code
        == 200
    )
    client.post(url("response_submit", submitted_fra), reviewed(submitted_fra))
    html = client.get(url("version_diff", submitted_fra), {"from": 1, "to": 2}).content.decode()
    assert "<ins> and Liberties</ins>" in html
    listing = client.get(url("version_list", submitted_fra)).content.decode()
    assert "Amended response" in listing and submitted_fra.versions.get(number=2).sha256 in listing


def test_the_receipt_is_a_pdf_with_the_hashes_served_as_an_attachment(client_for, corr_fra, submitted_fra):
    reply = client_for(corr_fra).get(url("version_receipt", submitted_fra, 1))
    assert reply.content.startswith(b"%PDF")
    assert reply["Content-Disposition"] == 'attachment; filename="receipt-FRA-test-1997-34-v1.pdf"'
    assert reply["X-Content-Type-Options"] == "nosniff" and reply["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(reply.content)).pages)
    version = submitted_fra.versions.get()
    assert version.sha256 in text and version.content_sha256 in text


# --- The secretariat's review ---------------------------------------------------------


def test_the_review_queue_lists_and_filters_responses(
    client_for, reviewer, submitted_fra, corr_ken, open_cycle
):
    services.response_start(cycle=open_cycle, respondent=Respondent.objects.get(code="KEN"), user=corr_ken)
    client = client_for(reviewer)
    page = client.get(reverse("responses:review_queue", args=[open_cycle.slug]))
    html = page.content.decode()
    assert "France" in html and "Kenya" in html and "Western European and other States" in html
    html = client.get(
        reverse("responses:review_queue", args=[open_cycle.slug]), {"status": "submitted"}
    ).content
    assert b"France" in html and b"Kenya" not in html
    html = client.get(reverse("responses:review_queue", args=[open_cycle.slug]), {"group": "AFRICAN"}).content
    assert b"France" not in html and b"Kenya" in html


def test_the_review_queue_is_for_the_secretariat_only(client, client_for, corr_fra, commission, open_cycle):
    path = reverse("responses:review_queue", args=[open_cycle.slug])
    assert client.get(path).status_code == 302
    assert client_for(corr_fra).get(path).status_code == 403
    assert client_for(commission).get(path).status_code == 403


def _queue_queries(client, cycle) -> int:
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("responses:review_queue", args=[cycle.slug])).status_code == 200
    return len(queries)


def test_the_review_queue_makes_the_same_queries_for_any_number_of_responses(
    client_for, reviewer, secadmin, open_cycle, django_assert_num_queries
):
    client = client_for(reviewer)
    codes = ["DEU", "ITA", "ESP", "KEN", "NGA", "JPN", "BRA", "POL"]
    for code in codes[:2]:
        services.response_start(cycle=open_cycle, respondent=Respondent.objects.get(code=code), user=secadmin)
    path = reverse("responses:review_queue", args=[open_cycle.slug])
    # session, person, the person's second-factor devices, cycle, respondents not started,
    # the responses with their respondents
    with django_assert_num_queries(6):
        client.get(path)
    for code in codes[2:]:
        services.response_start(cycle=open_cycle, respondent=Respondent.objects.get(code=code), user=secadmin)
    with django_assert_num_queries(6):
        assert client.get(path).content.count(b"/responses/") >= len(codes)


def test_the_secretariat_reviews_asks_for_clarification_and_accepts_through_the_pages(
    client_for, reviewer, submitted_fra
):
    client = client_for(reviewer)
    client.post(url("review_start", submitted_fra))
    submitted_fra.refresh_from_db()
    assert submitted_fra.status == Response.Status.IN_REVIEW
    due = days_from_today(14)
    empty = client.post(url("review_clarify", submitted_fra), {"due_date": due.isoformat()})
    assert empty.status_code == 400 and "Say which questions need clarification." in empty.content.decode()
    assert f'value="{due.isoformat()}"' in empty.content.decode()
    reply = client.post(
        url("review_clarify", submitted_fra),
        {
            "due_date": due.isoformat(),
            "comment__d.1.treaty_status": "Please confirm the date of ratification.",
        },
    )
    assert reply.status_code == 302
    thread = ClarificationThread.objects.get(response=submitted_fra)
    assert (thread.question_code, thread.due_date) == ("d.1.treaty_status", due)
    client.post(url("thread_resolve", submitted_fra, thread.pk))
    thread.refresh_from_db()
    assert thread.status == ClarificationThread.Status.RESOLVED


def test_the_secretariat_amends_with_a_reason_and_the_state_acknowledges(
    client_for, reviewer, corr_fra, submitted_fra
):
    client = client_for(reviewer)
    posted = {"amend": ["contact.1.authority"], "contact.1.authority": "Ministère de la Justice (France)"}
    without_reason = client.post(url("review_amend", submitted_fra), posted)
    html = without_reason.content.decode()
    assert without_reason.status_code == 400 and "This field is required." in html
    assert 'value="Ministère de la Justice (France)"' in html
    reply = client.post(
        url("review_amend", submitted_fra), {**posted, "reason": "Name as in the note verbale."}
    )
    assert reply["Location"] == url("version_detail", submitted_fra, 2)
    version = submitted_fra.versions.get(number=2)
    assert version.kind == ResponseVersion.Kind.SECRETARIAT_AMENDMENT
    assert version.answers["contact.1.authority"] == "Ministère de la Justice (France)"
    assert version.answers["a.1.organized_crime"] == "yes"  # the other answers are kept
    state = client_of(corr_fra)
    page = state.get(url("version_detail", submitted_fra, 2)).content.decode()
    assert "Name as in the note verbale." in page and "Record my answer" in page
    contested = state.post(
        url("version_acknowledge", submitted_fra, 2), {"decision": "contested", "comment": ""}
    )
    assert contested.status_code == 400 and "Say why you contest the amendment." in contested.content.decode()
    state.post(url("version_acknowledge", submitted_fra, 2), {"decision": "acknowledged"})
    assert version.acknowledgements.get().person == corr_fra
    client.post(url("review_accept", submitted_fra))
    submitted_fra.refresh_from_db()
    assert submitted_fra.status == Response.Status.ACCEPTED


def test_a_refused_review_action_becomes_a_message(client_for, reviewer, filled_fra, corr_fra):
    version = services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    services.response_amend(response=filled_fra, user=corr_fra)  # an amendment draft is open
    reply = client_for(reviewer).post(url("review_accept", filled_fra), follow=True)
    assert "wait for their submission" in reply.content.decode()
    filled_fra.refresh_from_db()
    assert filled_fra.status == Response.Status.SUBMITTED and version.number == 1


def test_closed_cycles_are_read_only(client_for, corr_fra, filled_fra):
    Cycle.objects.filter(pk=filled_fra.cycle_id).update(status=Cycle.Status.CLOSED)
    html = client_for(corr_fra).get(url("response_detail", filled_fra)).content.decode()
    assert "it can no longer be changed" in html and 'name="contact.1.authority"' not in html


def test_a_submitted_version_leaves_out_the_answers_its_conditions_hide(client_for, corr_fra, filled_fra):
    services.draft_save(
        response=filled_fra,
        user=corr_fra,
        answers={"a.1.organized_crime": "no", "a.1.organized_crime_summary": "Written before answering no."},
        base_revision=filled_fra.draft_revision,
    )
    submitted = client_for(corr_fra).post(url("response_submit", filled_fra), reviewed(filled_fra))
    assert submitted.status_code == 302
    answers = filled_fra.versions.get().answers
    assert answers["a.1.organized_crime"] == "no" and "a.1.organized_crime_summary" not in answers
