"""One validator per question type, shared by pages, API and submission."""

import pytest

from questionnaires.answers import AnswerError, clean_answer, is_visible, missing_required
from questionnaires.definition import QuestionDef


def q(type_, **spec):
    return QuestionDef(
        code="x.1",
        type=type_,
        section="x",
        group="",
        order=1,
        spec={"text": {"en": "?"}, "mandate": "m", **spec},
    )


CHOICES = [{"code": "a", "label": {"en": "A"}}, {"code": "b", "label": {"en": "B"}}]
TABLE = q(
    "table",
    columns=[
        {"code": "partner", "type": "short_text", "label": {"en": "Partner"}, "required": True},
        {"code": "year", "type": "year", "label": {"en": "Year"}},
        {"code": "scope", "type": "single_choice", "label": {"en": "Scope"}, "choices": CHOICES},
    ],
)


@pytest.mark.parametrize(
    ("question", "value", "expected"),
    [
        (q("short_text"), "  Penal Code  ", "Penal Code"),
        (q("yes_no_partly"), "partly", "partly"),
        (q("single_choice", choices=CHOICES), "b", "b"),
        (q("multiple_choice", choices=CHOICES), ["b", "a"], ["a", "b"]),
        (q("integer", min=0), "1 200", 1200),
        (q("decimal"), "12.5", 12.5),
        (q("date"), "1998-03-12", "1998-03-12"),
        (q("year"), 1997, 1997),
        (
            q("links"),
            ["https://legislation.example/penal-code"],
            [{"url": "https://legislation.example/penal-code", "title": ""}],
        ),
        (
            TABLE,
            [{"partner": "Italy", "year": "1996", "scope": "a"}, {}],
            [{"partner": "Italy", "year": 1996, "scope": "a"}],
        ),
        (
            q("treaty_matrix", treaties=["t1"]),
            {"t1": {"status": "ratified", "date": "1990-01-02"}},
            {"t1": {"status": "ratified", "date": "1990-01-02", "reservations": ""}},
        ),
        (q("long_text"), {"special": "not_applicable"}, {"special": "not_applicable"}),
        (q("integer"), "", None),
    ],
)
def test_it_cleans_valid_answers(question, value, expected):
    assert clean_answer(question, value) == expected


@pytest.mark.parametrize(
    ("question", "value", "message"),
    [
        (q("short_text"), 42, "Enter text"),
        (q("short_text", max_length=5), "too long", "within 5 characters"),
        (q("yes_no_partly"), "maybe", "yes, no, partly or unknown"),
        (q("single_choice", choices=CHOICES), "c", "one of the options"),
        (q("multiple_choice", choices=CHOICES), ["a", "z"], "Unknown option: z"),
        (q("integer", max=10), 11, "at most 10"),
        (q("integer"), "twelve", "whole number"),
        (q("integer"), True, "whole number"),
        (q("decimal"), "NaN", "Enter a number"),
        (q("date"), "12/03/1998", "YYYY-MM-DD"),
        (q("year"), 1492, "at least 1900"),
        (q("links"), ["javascript:alert(1)"], "not a web address"),
        (q("links"), ["file:///etc/passwd"], "not a web address"),
        (TABLE, [{"year": 1990}], "Row 1: Partner is required"),
        (TABLE, [{"partner": "Italy", "colour": "red"}], "unknown column colour"),
        (q("treaty_matrix", treaties=["t1"]), {"t2": {"status": "ratified"}}, "Unknown treaty"),
        (q("treaty_matrix", treaties=["t1"]), {"t1": {"status": "maybe"}}, "Choose a status"),
        (q("long_text"), {"special": "whatever"}, "not applicable"),
    ],
)
def test_it_refuses_invalid_answers_with_a_clear_message(question, value, message):
    with pytest.raises(AnswerError) as error:
        clean_answer(question, value)
    assert message in error.value.message


def test_it_shows_conditional_questions_only_when_the_condition_matches():
    dependent = QuestionDef(
        "x.2",
        "long_text",
        "x",
        "",
        2,
        {
            "text": {"en": "?"},
            "mandate": "m",
            "required": True,
            "show_if": {"question": "x.1", "in": ["yes", "partly"]},
        },
    )
    assert not is_visible(dependent, {"x.1": "no"})
    assert is_visible(dependent, {"x.1": "partly"})
    assert missing_required([dependent], {"x.1": "no"}) == []
    assert missing_required([dependent], {"x.1": "yes"}) == [dependent]
    assert missing_required([dependent], {"x.1": "yes", "x.2": {"special": "no_information"}}) == []


RLO, PDF_, LRI, PDI = "\u202e", "\u202c", "\u2066", "\u2069"
LRM, RLM, ALM = "\u200e", "\u200f", "\u061c"


@pytest.mark.parametrize(
    ("question", "value", "expected"),
    [
        (q("short_text"), f"Law {RLO}5002{PDF_} of 2004", "Law 5002 of 2004"),
        (q("long_text"), f"\u202a\u202b\u202d{LRI}\u2067\u2068text{PDI}", "text"),
        (
            TABLE,
            [{"partner": f"{RLO}ylatI"}],
            [{"partner": "ylatI"}],
        ),
        (
            q("treaty_matrix", treaties=["t1"]),
            {"t1": {"status": "signed", "reservations": f"none{RLO}"}},
            {"t1": {"status": "signed", "date": None, "reservations": "none"}},
        ),
        (
            q("links"),
            [{"url": f"https://legislation.example/{RLO}", "title": f"{RLO}Code"}],
            [{"url": "https://legislation.example/", "title": "Code"}],
        ),
    ],
)
def test_it_removes_bidi_overrides_from_every_text(question, value, expected):
    assert clean_answer(question, value) == expected


def test_it_keeps_the_direction_marks_arabic_text_needs():
    text = f"القانون رقم{RLM} 12{LRM} لسنة{ALM} 2004"
    assert clean_answer(q("long_text"), text) == text
