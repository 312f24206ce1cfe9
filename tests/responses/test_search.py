"""Full-text search across accepted answers, for the secretariat only: corr_fra, corr_ken,
the Commission member and anonymous visitors are refused. Data comes through the real
services: a response is indexed when the secretariat accepts it."""


import pytest
from django.urls import reverse

from portal.models import Respondent
from questionnaires import services as questionnaire_services
from questionnaires.definition import questions_by_code
from questionnaires.models import InstrumentVersion
from responses import search, services
from responses.models import AnswerSearchEntry, Response
from responses.selectors import draft_revision_get
from tests.conftest import required_answers
from tests.dates import cycle_dates

pytestmark = pytest.mark.django_db

SEARCH = reverse("secretariat:answer_search")
HOSTILE = '"quoted" & 1 < 2 <script>alert(1)</script> hostile <img src=x onerror=alert(2)>'


def fill_and_submit(cycle, code, person, answers=None):
    response = services.response_start(cycle=cycle, respondent=Respondent.objects.get(code=code), user=person)
    values = {**required_answers(cycle.instrument_version.definition), **(answers or {})}
    result = services.draft_save(response=response, user=person, answers=values, base_revision=0)
    assert result.ok, result.errors
    services.response_submit(
        response=response, user=person, base_revision=draft_revision_get(response=response)
    )
    response.refresh_from_db()
    return response


def accept(response, reviewer):
    services.review_start(response=response, user=reviewer)
    services.response_accept(response=response, user=reviewer)
    response.refresh_from_db()
    return response


@pytest.fixture
def other_cycle(secadmin):
    version = InstrumentVersion.objects.get(instrument__code="2004-28-1", number=1)
    cycle = questionnaire_services.cycle_create(
        slug="test-2004-28-1",
        title="Standards and norms: persons in custody",
        instrument_version=version,
        session_number=14,
        session_year=2005,
        document_symbol="E/CN.15/2005/TEST",
        **cycle_dates(),
        user=secadmin,
    )
    return questionnaire_services.cycle_open(cycle=cycle, user=secadmin, notify=False)


@pytest.fixture
def accepted_fra(open_cycle, corr_fra, reviewer):
    response = fill_and_submit(
        open_cycle,
        "FRA",
        corr_fra,
        {
            "a.1.organized_crime_summary": "Extradition of nationals follows the Code of Criminal Procedure.",
            "g.6.measures_summary": f"The anti-corruption agency. {HOSTILE}",
        },
    )
    return accept(response, reviewer)


@pytest.fixture
def accepted_ken(open_cycle, corr_ken, reviewer):
    response = fill_and_submit(
        open_cycle, "KEN", corr_ken, {"a.1.organized_crime_summary": "Extradition treaties with neighbours."}
    )
    return accept(response, reviewer)


@pytest.fixture
def world(accepted_fra, accepted_ken, open_cycle, other_cycle, corr_fra, people, reviewer):
    """Extradition everywhere: accepted in both cycles, but also in Japan's submitted response
    (not accepted) and in Brazil's draft, which the search must not show."""
    fill_and_submit(
        open_cycle, "JPN", people["corr-jpn"], {"a.1.organized_crime_summary": "Extradition, submitted only."}
    )
    draft = services.response_start(
        cycle=open_cycle, respondent=Respondent.objects.get(code="BRA"), user=people["corr-bra"]
    )
    services.draft_save(
        response=draft,
        user=people["corr-bra"],
        answers={"a.1.organized_crime_summary": "Extradition in a draft."},
        base_revision=0,
    )
    accept(
        fill_and_submit(
            other_cycle,
            "FRA",
            corr_fra,
            {"general.94.useful_practices": "Extradition hearings in the presence of counsel."},
        ),
        reviewer,
    )


def found(page):
    return sorted(
        (r.entry.respondent.code, r.entry.cycle.slug, r.entry.question_code) for r in page.context["results"]
    )


# --- Access ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["corr_fra", "corr_ken", "commission"])
def test_it_refuses_everyone_but_the_secretariat(request, client_for, accepted_fra, name):
    page = client_for(request.getfixturevalue(name)).get(SEARCH, {"q": "extradition"})
    assert page.status_code == 403
    assert b"Extradition" not in page.content


def test_it_sends_anonymous_visitors_to_sign_in(client, accepted_fra):
    page = client.get(SEARCH, {"q": "extradition"})
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))


def test_it_lets_both_secretariat_roles_search(client_for, reviewer, secadmin, accepted_fra):
    for person in (reviewer, secadmin):
        assert len(client_for(person).get(SEARCH, {"q": "extradition"}).context["results"]) == 1


# --- Finding ----------------------------------------------------------------------------


def test_it_finds_words_in_accepted_answers_only(client_for, reviewer, world):
    page = client_for(reviewer).get(SEARCH, {"q": "extradition"})
    assert found(page) == [
        ("FRA", "test-1997-34", "a.1.organized_crime_summary"),
        ("FRA", "test-2004-28-1", "general.94.useful_practices"),
        ("KEN", "test-1997-34", "a.1.organized_crime_summary"),
    ]
    html = page.content.decode()
    assert "3 answers match “extradition”." in html
    assert "submitted only" not in html and "in a draft" not in html


def test_it_finds_nothing_before_acceptance(client_for, reviewer, open_cycle, corr_fra):
    response = fill_and_submit(open_cycle, "FRA", corr_fra, {"a.1.organized_crime_summary": "Extradition."})
    services.review_start(response=response, user=reviewer)
    page = client_for(reviewer).get(SEARCH, {"q": "extradition"})
    assert page.context["results"] == []
    assert "No accepted answer matches." in page.content.decode()
    assert not AnswerSearchEntry.objects.exists()


def test_it_asks_for_words_before_searching(client_for, reviewer, accepted_fra):
    page = client_for(reviewer).get(SEARCH)
    assert page.context["page"] is None
    assert "Enter words to search" in page.content.decode()


def test_it_shows_respondent_cycle_question_version_and_a_link_to_the_version(
    client_for, reviewer, accepted_fra, open_cycle
):
    page = client_for(reviewer).get(SEARCH, {"q": "nationals"})
    [result] = page.context["results"]
    definition = open_cycle.instrument_version.definition
    question_text = questions_by_code(definition)["a.1.organized_crime_summary"].text["en"]
    assert result.question_text == question_text
    html = page.content.decode()
    assert "France" in html and open_cycle.title in html and question_text in html
    link = reverse("responses:version_detail", args=[accepted_fra.pk, 1]) + "#q-a.1.organized_crime_summary"
    assert f'href="{link}"' in html and "Version 1 of the response" in html


def test_it_shows_the_question_in_the_persons_language(client_for, reviewer, accepted_fra, open_cycle):
    reviewer.language = "fr"
    reviewer.save()
    client = client_for(reviewer)
    client.cookies["django_language"] = "fr"
    [result] = client.get(SEARCH, {"q": "nationals"}, HTTP_ACCEPT_LANGUAGE="fr").context["results"]
    definition = open_cycle.instrument_version.definition
    assert result.question_text == questions_by_code(definition)["a.1.organized_crime_summary"].text["fr"]


def test_it_understands_phrases_alternatives_and_exclusions(client_for, reviewer, world):
    client = client_for(reviewer)
    assert len(client.get(SEARCH, {"q": '"extradition treaties"'}).context["results"]) == 1
    assert len(client.get(SEARCH, {"q": "neighbours or counsel"}).context["results"]) == 2
    assert len(client.get(SEARCH, {"q": "extradition -neighbours"}).context["results"]) == 2


# --- Highlights -------------------------------------------------------------------------


def test_it_highlights_the_words_found_with_mark(client_for, reviewer, accepted_fra):
    page = client_for(reviewer).get(SEARCH, {"q": "criminal procedure"})
    [result] = page.context["results"]
    assert "<mark>Criminal</mark> <mark>Procedure</mark>" in result.extract
    assert "<mark>Criminal</mark> <mark>Procedure</mark>" in page.content.decode()


def test_it_escapes_hostile_answer_text(client_for, reviewer, accepted_fra):
    page = client_for(reviewer).get(SEARCH, {"q": "hostile"})
    [result] = page.context["results"]
    html = page.content.decode()
    # PostgreSQL leaves well-formed tags out of a headline; whatever else it returns is text.
    assert "<mark>hostile</mark>" in result.extract
    assert (
        "&lt;img src=x onerror=alert" in result.extract
        and "&quot;quoted&quot; &amp; 1 &lt; 2" in result.extract
    )
    assert "<script>alert" not in html and "<img src=x" not in html
    # Only the highlights are markup in the extract.
    assert result.extract.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_it_escapes_hostile_search_words(client_for, reviewer, accepted_fra):
    page = client_for(reviewer).get(SEARCH, {"q": "<script>alert(3)</script>"})
    assert "<script>alert(3)" not in page.content.decode()


def test_it_never_lets_a_highlight_sentinel_through():
    assert search.highlight_html("a hlXs <b> hlXe", start="hlXs", stop="hlXe") == "a <mark> &lt;b&gt; </mark>"


# --- Filters ----------------------------------------------------------------------------


def test_it_filters_by_cycle(client_for, reviewer, world):
    page = client_for(reviewer).get(SEARCH, {"q": "extradition", "cycle": "test-2004-28-1"})
    assert found(page) == [("FRA", "test-2004-28-1", "general.94.useful_practices")]


def test_it_filters_by_section(client_for, reviewer, world):
    client = client_for(reviewer)
    by_section = client.get(SEARCH, {"q": "extradition", "section": "1997-34:a"})
    assert [code for code, _cycle, _q in found(by_section)] == ["FRA", "KEN"]
    assert found(client.get(SEARCH, {"q": "extradition", "section": "1997-34:g"})) == []
    assert found(client.get(SEARCH, {"q": "hostile", "section": "1997-34:g"})) == [
        ("FRA", "test-1997-34", "g.6.measures_summary")
    ]
    # The section choices name each instrument's sections, grouped by instrument.
    choices = dict(by_section.context["form"].fields["section"].choices)
    assert ("1997-34:g", "(g) " + _section_title("1997-34", "g")) in choices["1997-34"]
    assert ("2004-28-1:general", _section_title("2004-28-1", "general")) in choices["2004-28-1"]


def _section_title(instrument, code):
    definition = InstrumentVersion.objects.get(instrument__code=instrument, number=1).definition
    return next(s["title"]["en"] for s in definition["sections"] if s["code"] == code)


def test_it_filters_by_regional_group(client_for, reviewer, world):
    client = client_for(reviewer)
    assert found(client.get(SEARCH, {"q": "extradition", "group": "AFRICAN"})) == [
        ("KEN", "test-1997-34", "a.1.organized_crime_summary")
    ]
    assert [c for c, _cy, _q in found(client.get(SEARCH, {"q": "extradition", "group": "WEOG"}))] == [
        "FRA",
        "FRA",
    ]


def test_it_refuses_an_unknown_filter(client_for, reviewer, world):
    page = client_for(reviewer).get(SEARCH, {"q": "extradition", "section": "1997-34:zz"})
    assert page.context["page"] is None
    assert "A filter is not valid" in page.content.decode()


# --- Keeping the index current ----------------------------------------------------------


def test_an_amendment_under_review_leaves_the_accepted_answers_searchable(
    client_for, reviewer, accepted_fra, corr_fra
):
    """Until the amendment is accepted, search shows what the secretariat accepted."""
    services.response_amend(response=accepted_fra, user=corr_fra)
    accepted_fra.refresh_from_db()
    services.draft_save(
        response=accepted_fra,
        user=corr_fra,
        answers={"a.1.organized_crime_summary": "Surrender procedures under the new code."},
        base_revision=accepted_fra.draft_revision,
    )
    services.response_submit(
        response=accepted_fra, user=corr_fra, base_revision=draft_revision_get(response=accepted_fra)
    )
    accepted_fra.refresh_from_db()
    assert accepted_fra.status == Response.Status.RESUBMITTED
    client = client_for(reviewer)
    summary = [("FRA", "test-1997-34", "a.1.organized_crime_summary")]
    assert found(client.get(SEARCH, {"q": "extradition"})) == summary
    assert found(client.get(SEARCH, {"q": "surrender"})) == []
    accept(accepted_fra, reviewer)
    assert found(client.get(SEARCH, {"q": "extradition"})) == []
    assert found(client.get(SEARCH, {"q": "surrender"})) == summary


def test_it_indexes_the_latest_version_again_on_acceptance(client_for, reviewer, corr_fra, accepted_fra):
    services.response_amend(response=accepted_fra, user=corr_fra)
    services.draft_save(
        response=accepted_fra,
        user=corr_fra,
        answers={"a.1.organized_crime_summary": "Surrender under the European arrest warrant."},
        base_revision=accepted_fra.draft_revision + 1,
    )
    services.response_submit(
        response=accepted_fra, user=corr_fra, base_revision=draft_revision_get(response=accepted_fra)
    )
    accept(accepted_fra, reviewer)
    client = client_for(reviewer)
    assert client.get(SEARCH, {"q": "extradition"}).context["results"] == []
    [result] = client.get(SEARCH, {"q": "warrant"}).context["results"]
    assert result.entry.version_number == 2


def test_it_indexes_a_secretariat_amendment_of_an_accepted_response(client_for, reviewer, accepted_fra):
    services.secretariat_amendment_create(
        response=accepted_fra,
        user=reviewer,
        answers={"a.1.organized_crime_summary": "Extradition and mutual legal assistance."},
        reason="Typo in the reply.",
    )
    [result] = client_for(reviewer).get(SEARCH, {"q": "mutual"}).context["results"]
    assert result.entry.version_number == 2


def test_it_rebuilds_the_same_index(accepted_fra, accepted_ken):
    def snapshot():
        return sorted(
            AnswerSearchEntry.objects.values_list("response_id", "version_id", "question_code", "text")
        )

    before = snapshot()
    assert search.search_reindex() == len(before) > 0
    assert snapshot() == before


def test_it_flattens_every_kind_of_answer_to_text(open_cycle):
    questions = questions_by_code(open_cycle.instrument_version.definition)
    treaties = {"un_2000_organized_crime": "UNTOC"}

    def text(code, value):
        return search.answer_text(questions[code].spec, value, treaty_names=treaties)

    table = questions["b.2.arrangements"].spec
    text_column = next(c for c in table["columns"] if c["type"] == "short_text")
    choice_column = next(c for c in table["columns"] if c["type"] == "single_choice")
    first_choice = choice_column["choices"][0]
    assert text(
        "b.2.arrangements", [{text_column["code"]: "Italy", choice_column["code"]: first_choice["code"]}]
    ) == (f"Italy · {first_choice['label']['en']}")
    border = questions["b.8.border_measures"].spec["choices"]
    assert text("b.8.border_measures", [border[0]["code"], border[1]["code"]]) == (
        f"{border[0]['label']['en']}; {border[1]['label']['en']}"
    )
    assert text(
        "d.1.treaty_status", {"un_2000_organized_crime": {"status": "ratified", "reservations": "Art. 35"}}
    ) == ("UNTOC: Art. 35")
    assert text(
        "a.1.organized_crime_links", [{"url": "https://example.org/code", "title": "Code pénal"}]
    ) == ("Code pénal https://example.org/code")
    assert text("a.1.organized_crime", "yes") == ""
    assert text("f.5.cash_threshold", 10000) == ""
    assert text("g.6.measures_summary", {"special": "no_information"}) == ""


# --- Pages and cost ---------------------------------------------------------------------


def test_it_pages_results_at_a_constant_number_of_queries(
    client_for, reviewer, open_cycle, corr_fra, django_assert_num_queries
):
    definition = open_cycle.instrument_version.definition
    required = required_answers(definition)
    long_texts = [
        code
        for code, q in questions_by_code(definition).items()
        if q.type == "long_text" and (not q.show_if or required.get(q.show_if["question"]) in q.show_if["in"])
    ]
    assert len(long_texts) > search.PAGE_SIZE
    response = fill_and_submit(
        open_cycle, "FRA", corr_fra, {code: f"Common ground, answer {code}." for code in long_texts}
    )
    accept(response, reviewer)
    client = client_for(reviewer)
    # session, person, the person's second-factor devices, cycles with their sections,
    # count of the entries found, the page of entries with their highlights, the questions
    with django_assert_num_queries(7):
        one = client.get(SEARCH, {"q": "answer a.1.organized_crime_pending"})
    assert len(one.context["results"]) >= 1
    with django_assert_num_queries(7):
        first = client.get(SEARCH, {"q": "common", "cycle": open_cycle.slug, "group": "WEOG"})
    assert len(first.context["results"]) == search.PAGE_SIZE
    assert first.context["page"].paginator.count == len(long_texts)
    second = client.get(SEARCH, {"q": "common", "cycle": open_cycle.slug, "group": "WEOG", "page": 2})
    assert len(second.context["results"]) == len(long_texts) - search.PAGE_SIZE
    html = first.content.decode()
    assert "page=2" in html and "Page 1 of 2" in html and "cycle=test-1997-34" in html
