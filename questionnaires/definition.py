"""Instrument definitions: reading and validating the files, and walking a version's questions.

A definition is the plain dict of a definition file (see instruments/FORMAT.md). This module
is the one place that knows its shape; forms, the API, validation and reports go through it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jsonschema
import yaml

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
SCHEMA_FILE = INSTRUMENTS_DIR / "schema.json"
YES_NO_PARTLY = ("yes", "no", "partly", "unknown")
TREATY_STATUSES = ("not_party", "signed", "ratified", "acceded", "succeeded")
SPECIAL_ANSWERS = ("not_applicable", "no_information")


class DefinitionError(Exception):
    """A definition file is invalid. The message names the file and the field."""

    def __init__(self, source: str, location: str, message: str):
        self.source, self.location, self.message = source, location, message
        super().__init__(f"{source}: {location}: {message}")


@dataclass(frozen=True)
class QuestionDef:
    code: str
    type: str
    section: str
    group: str
    order: int
    spec: dict = field(repr=False, hash=False, compare=False)

    @property
    def required(self) -> bool:
        return bool(self.spec.get("required"))

    @property
    def show_if(self) -> dict | None:
        return self.spec.get("show_if")

    @property
    def text(self) -> dict:
        return self.spec["text"]


@cache
def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def definition_sha256(definition: dict) -> str:
    return hashlib.sha256(canonical_json(definition).encode("utf-8")).hexdigest()


LANGUAGE_KEYS = {"en", "fr", "es", "ru", "zh", "ar"}


def _original_only(node):
    """The definition with every text reduced to its English original."""
    if isinstance(node, dict):
        if node and set(node) <= LANGUAGE_KEYS and all(isinstance(v, str) for v in node.values()):
            return {"en": node.get("en", "")}
        return {key: _original_only(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_original_only(item) for item in node]
    return node


def structure_sha256(definition: dict) -> str:
    """SHA-256 of what an approval fixes: everything but the translations of the English
    original, which may still be added or corrected (as the UN issues corrigenda)."""
    return definition_sha256(_original_only(definition))


def read_definition_file(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise DefinitionError(str(path), "(file)", f"not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise DefinitionError(str(path), "(file)", "the file must hold one mapping")
    return data


def iter_questions(definition: dict) -> Iterator[QuestionDef]:
    order = 0
    for section in definition["sections"]:
        for item in section["items"]:
            if "group" in item:
                for question in item["questions"]:
                    order += 1
                    yield QuestionDef(
                        question["code"], question["type"], section["code"], item["group"], order, question
                    )
            else:
                order += 1
                yield QuestionDef(item["code"], item["type"], section["code"], "", order, item)


def questions_by_code(definition: dict) -> dict[str, QuestionDef]:
    return {q.code: q for q in iter_questions(definition)}


def validate_definition(
    definition: dict,
    *,
    source: str,
    treaty_codes: set[str] | None = None,
    expected: tuple[str, int] | None = None,
) -> None:
    """Check a definition against the schema and the rules a schema cannot express."""
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(definition), key=lambda e: list(e.absolute_path))
    if errors:
        error = _most_specific(errors[0])
        location = _json_path(error.absolute_path, definition)
        raise DefinitionError(source, location, error.message)
    if expected and (definition["code"], definition["version"]) != expected:
        raise DefinitionError(
            source,
            "code/version",
            f"the file declares {definition['code']} v{definition['version']} but lies at the path"
            f" of {expected[0]} v{expected[1]}",
        )
    seen_sections: set[str] = set()
    for section in definition["sections"]:
        if section["code"] in seen_sections:
            raise DefinitionError(source, f"sections.{section['code']}", "duplicate section code")
        seen_sections.add(section["code"])
    seen: dict[str, QuestionDef] = {}
    groups: set[str] = set()
    for section in definition["sections"]:
        for item in section["items"]:
            if "group" in item:
                if item["group"] in groups:
                    raise DefinitionError(source, f"group {item['group']}", "duplicate group code")
                groups.add(item["group"])
    for question in iter_questions(definition):
        where = f"question {question.code}"
        if question.code in seen:
            raise DefinitionError(source, where, "duplicate question code")
        _check_type_keys(question, source)
        show_if = question.show_if
        if show_if:
            target = seen.get(show_if["question"])
            if target is None:
                raise DefinitionError(
                    source,
                    f"{where}.show_if.question",
                    f"'{show_if['question']}' is not a question that comes earlier",
                )
            values = show_if.get("in", [show_if.get("equals")])
            allowed = _allowed_values(target)
            if allowed is not None:
                for value in values:
                    if value not in allowed:
                        raise DefinitionError(
                            source, f"{where}.show_if", f"'{value}' is not a possible answer of {target.code}"
                        )
        if question.type == "treaty_matrix" and treaty_codes is not None:
            for code in question.spec["treaties"]:
                if code not in treaty_codes:
                    raise DefinitionError(source, f"{where}.treaties", f"unknown treaty '{code}'")
        seen[question.code] = question


def _most_specific(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """An item is a group or a question: report what is wrong with it as the kind it is,
    rather than 'not valid under any of the given schemas'."""
    while error.validator == "oneOf" and error.context:
        kind = 0 if isinstance(error.instance, dict) and "group" in error.instance else 1
        candidates = [e for e in error.context if e.relative_schema_path[0] == kind] or error.context
        error = jsonschema.exceptions.best_match(candidates)
    return error


def _allowed_values(question: QuestionDef) -> set | None:
    if question.type == "yes_no_partly":
        return set(YES_NO_PARTLY)
    if question.type in ("single_choice", "multiple_choice"):
        return {c["code"] for c in question.spec["choices"]}
    return None


def _check_type_keys(question: QuestionDef, source: str) -> None:
    spec, where = question.spec, f"question {question.code}"
    needs = {
        "single_choice": "choices",
        "multiple_choice": "choices",
        "treaty_matrix": "treaties",
        "table": "columns",
    }
    if question.type in needs and needs[question.type] not in spec:
        raise DefinitionError(source, where, f"a {question.type} question needs '{needs[question.type]}'")
    if "min" in spec and "max" in spec and spec["min"] > spec["max"]:
        raise DefinitionError(source, f"{where}.min", "min is greater than max")
    for column in spec.get("columns", []):
        if column["type"] in ("single_choice", "multiple_choice") and "choices" not in column:
            raise DefinitionError(
                source, f"{where}.columns.{column['code']}", f"a {column['type']} column needs 'choices'"
            )
    codes = [c["code"] for c in spec.get("columns", [])]
    if len(codes) != len(set(codes)):
        raise DefinitionError(source, f"{where}.columns", "duplicate column code")
    choice_codes = [c["code"] for c in spec.get("choices", [])]
    if len(choice_codes) != len(set(choice_codes)):
        raise DefinitionError(source, f"{where}.choices", "duplicate choice code")


def _json_path(path, definition) -> str:
    """A readable location such as ``sections[a].items[3](a.1.organized_crime).text``."""
    parts, node = [], definition
    for key in path:
        if isinstance(key, int):
            node = node[key]
            label = node.get("code") or node.get("group") if isinstance(node, dict) else None
            parts[-1] += f"[{key}]" + (f"({label})" if label else "")
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def missing_translations(definition: dict, languages: list[str]) -> list[tuple[str, str]]:
    """Every (location, language) whose text falls back to English."""
    missing: list[tuple[str, str]] = []

    def walk(node, where):
        if isinstance(node, dict):
            if "en" in node and all(isinstance(v, str) for v in node.values()):
                missing.extend((where, lang) for lang in languages if not node.get(lang))
                return
            for key, value in node.items():
                walk(value, f"{where}.{key}" if where else key)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                label = value.get("code") or value.get("group") if isinstance(value, dict) else None
                walk(value, f"{where}[{label or index}]")

    walk(definition, "")
    return missing
