"""The instrument definition files: faithful to the mandate, validated with clear errors."""

import copy
import re
from pathlib import Path

import pytest
import yaml

from questionnaires.definition import (
    INSTRUMENTS_DIR,
    REFERENCE_DIR,
    DefinitionError,
    iter_questions,
    read_definition_file,
    validate_definition,
)

ALL_TYPES = {
    "short_text",
    "long_text",
    "yes_no_partly",
    "single_choice",
    "multiple_choice",
    "integer",
    "decimal",
    "date",
    "year",
    "treaty_matrix",
    "table",
    "attachments",
    "links",
}


def _definition(code: str) -> dict:
    return read_definition_file(INSTRUMENTS_DIR / code / "v1.yaml")


def _treaty_codes() -> set[str]:
    return {t["code"] for t in yaml.safe_load((REFERENCE_DIR / "treaties.yaml").read_text())}


@pytest.mark.parametrize("code", ["1997-34", "2004-28-1", "2004-28-2", "2004-28-3", "2004-28-4"])
def test_it_validates_every_shipped_definition(code):
    validate_definition(_definition(code), source=code, treaty_codes=_treaty_codes())


def test_it_asks_every_item_a_to_g_of_resolution_1997_34_with_citations():
    definition = _definition("1997-34")
    sections = {s["code"]: s for s in definition["sections"]}
    for item in "abcdefg":
        assert sections[item]["mandate"] == f"ECOSOC res. 1997/34, para. 2 ({item})"
        questions = [q for q in iter_questions(definition) if q.section == item]
        assert len(questions) >= 3, item
        assert all(q.spec["mandate"].startswith("ECOSOC res. 1997/34, para. 2") for q in questions), item
    assert {"contact", "dissemination", "technical_assistance"} <= set(sections)


def test_it_covers_every_crime_type_of_article_1_under_item_a():
    codes = {q.code for q in iter_questions(_definition("1997-34")) if q.section == "a"}
    for crime in [
        "organized_crime",
        "drug",
        "arms",
        "smuggling",
        "trafficking_in_persons",
        "terror",
        "laundering",
    ]:
        assert any(crime in code for code in codes), crime


def test_it_lists_the_terrorism_and_the_four_drug_conventions_in_the_treaty_matrix():
    matrix = next(q for q in iter_questions(_definition("1997-34")) if q.type == "treaty_matrix")
    treaties = {t["code"]: t for t in yaml.safe_load((REFERENCE_DIR / "treaties.yaml").read_text())}
    listed = [treaties[c] for c in matrix.spec["treaties"]]
    drug_years = sorted(t["adopted"] for t in listed if t["category"] == "drugs")
    assert drug_years == [1961, 1971, 1972, 1988]
    assert sum(t["category"] == "terrorism" for t in listed) >= 10


def test_the_1997_34_questionnaire_uses_every_question_type():
    assert {q.type for q in iter_questions(_definition("1997-34"))} == ALL_TYPES


@pytest.mark.parametrize("category", [1, 2, 3, 4])
def test_each_2004_28_category_asks_difficulties_assistance_and_practices_per_standard(category):
    definition = _definition(f"2004-28-{category}")
    standards = {s["code"]: s for s in yaml.safe_load((REFERENCE_DIR / "standards.yaml").read_text())}
    standard_sections = [s for s in definition["sections"] if s["code"] in standards]
    assert standard_sections
    assert {standards[s["code"]]["category"] for s in standard_sections} == {category}
    for section in standard_sections:
        codes = [q.code for q in iter_questions(definition) if q.section == section["code"]]
        for suffix in ("difficulties", "ta_needs", "useful_practices"):
            assert any(code.endswith(suffix) for code in codes), (section["code"], suffix)
    assert all(q.spec.get("mandate") for q in iter_questions(definition))


def test_category_1_includes_the_standards_first_surveyed_under_1993_34():
    definition = _definition("2004-28-1")
    assert "smr_prisoners" in {s["code"] for s in definition["sections"]}


def test_every_text_has_english_and_french():
    for path in INSTRUMENTS_DIR.glob("*/v*.yaml"):
        for question in iter_questions(read_definition_file(path)):
            assert question.spec["text"].get("en") and question.spec["text"].get("fr"), question.code


def _broken(mutate) -> dict:
    definition = copy.deepcopy(_definition("1997-34"))
    mutate(definition)
    return definition


def _first_question(definition) -> dict:
    item = definition["sections"][1]["items"][0]
    return item["questions"][0] if "group" in item else item


@pytest.mark.parametrize(
    ("mutate", "location", "message"),
    [
        (
            lambda d: _first_question(d).update(type="colour"),
            "(a.1.organized_crime).type",
            "'colour' is not one of",
        ),
        (lambda d: _first_question(d).pop("mandate"), "sections[1](a)", "'mandate' is a required property"),
        (
            lambda d: d["sections"][0]["items"].append(copy.deepcopy(d["sections"][0]["items"][0])),
            "question contact.",
            "duplicate question code",
        ),
        (
            lambda d: _first_question(d).update(show_if={"question": "zz.unknown", "in": ["yes"]}),
            "show_if.question",
            "is not a question that comes earlier",
        ),
        (lambda d: _first_question(d).update(min=10, max=1), "min", "min is greater than max"),
        (lambda d: d.update(version=7), "code/version", "declares 1997-34 v7"),
    ],
)
def test_it_rejects_invalid_definitions_naming_the_file_and_the_field(mutate, location, message):
    with pytest.raises(DefinitionError) as error:
        validate_definition(
            _broken(mutate),
            source="questionnaires/instruments/1997-34/v1.yaml",
            treaty_codes=_treaty_codes(),
            expected=("1997-34", 1),
        )
    text = str(error.value)
    assert text.startswith("questionnaires/instruments/1997-34/v1.yaml: ")
    assert location in text
    assert re.search(re.escape(message), text)


def test_it_rejects_an_unknown_treaty():
    def mutate(d):
        matrix = next(q for q in iter_questions(d) if q.type == "treaty_matrix")
        matrix.spec["treaties"].append("treaty_of_nowhere")

    with pytest.raises(DefinitionError, match="unknown treaty 'treaty_of_nowhere'"):
        validate_definition(_broken(mutate), source="f.yaml", treaty_codes=_treaty_codes())


def test_it_rejects_a_file_that_is_not_yaml(tmp_path: Path):
    path = tmp_path / "v1.yaml"
    path.write_text("code: [unclosed\n")
    with pytest.raises(DefinitionError, match="not valid YAML"):
        read_definition_file(path)
