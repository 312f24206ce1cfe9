"""How answers travel between a person and their stored JSON value.

The one type-to-field mapping of the response pages, used by the questionnaire page, its
autosave endpoint, the full save without scripts and the secretariat's amendment form:

- ``answer_from_post``: the posted fields of one question -> its raw value. Validation is the
  services' job (``questionnaires.answers.clean_answer``); a raw value that fails it is shown
  again in the fields, so nothing typed is lost.
- ``answer_display``: a stored value -> what a person reads (labels, treaty names, table
  rows), rendered by ``responses/_answer_value.html`` on pages and in the PDF receipt.

Field names: ``<code>`` for one value, ``<code>__special`` for "not applicable" / "no
information", ``<code>__rev`` for the base revision, ``<code>__<row>__<column>`` for tables and
links, ``<code>__<treaty>__<field>`` for treaty matrices.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from portal.models import RegionalGroup
from questionnaires.answers import is_empty, is_special, is_visible
from responses.models import Response, VersionAcknowledgement

YES_NO_LABELS = {"yes": _("Yes"), "no": _("No"), "partly": _("Partly"), "unknown": _("Unknown")}
SPECIAL_LABELS = {"not_applicable": _("Not applicable"), "no_information": _("No information")}
TREATY_STATUS_LABELS = {
    "not_party": _("Not a party"),
    "signed": _("Signed"),
    "ratified": _("Ratified"),
    "acceded": _("Acceded"),
    "succeeded": _("Succeeded"),
}
ROW_FIELD = re.compile(r"^(\d{1,4})__(.+)$")


# --- Posted fields -> raw value ---------------------------------------------------------


def _rows(code: str, data, columns: list[dict]) -> list[dict]:
    """Rows posted as ``<code>__<n>__<column>``, in row order, all-empty rows dropped."""
    indexes: set[int] = set()
    prefix = f"{code}__"
    for key in data:
        if key.startswith(prefix) and (match := ROW_FIELD.match(key[len(prefix) :])):
            indexes.add(int(match.group(1)))
    rows = []
    for index in sorted(indexes):
        row = {}
        for column in columns:
            name = f"{code}__{index}__{column['code']}"
            if column.get("type") == "multiple_choice":
                cell = [v for v in data.getlist(name) if v]
            else:
                cell = data.get(name, "")
                cell = cell.strip() if isinstance(cell, str) else cell
            if not is_empty(cell):
                row[column["code"]] = cell
        if row:
            rows.append(row)
    return rows


def _treaties(question, data) -> dict:
    matrix = {}
    for treaty in question.spec.get("treaties", []):
        base = f"{question.code}__{treaty}__"
        status = data.get(base + "status", "")
        date = data.get(base + "date", "").strip()
        reservations = data.get(base + "reservations", "").strip()
        if status or date or reservations:
            # A date or reservation without a status is kept, so the validator asks for one.
            matrix[treaty] = {"status": status or None, "date": date or None, "reservations": reservations}
    return matrix


def _attachment_ids(question, data) -> list[int]:
    return [int(v) for v in data.getlist(question.code) if v.isdigit()]


PARSERS = {
    "short_text": lambda q, data: data.get(q.code, ""),
    "long_text": lambda q, data: data.get(q.code, ""),
    "yes_no_partly": lambda q, data: data.get(q.code, ""),
    "single_choice": lambda q, data: data.get(q.code, ""),
    "multiple_choice": lambda q, data: [v for v in data.getlist(q.code) if v],
    "integer": lambda q, data: data.get(q.code, "").strip(),
    "decimal": lambda q, data: data.get(q.code, "").strip(),
    "year": lambda q, data: data.get(q.code, "").strip(),
    "date": lambda q, data: data.get(q.code, "").strip(),
    "treaty_matrix": _treaties,
    "table": lambda q, data: _rows(q.code, data, q.spec.get("columns", [])),
    "attachments": _attachment_ids,
    "links": lambda q, data: _rows(q.code, data, [{"code": "url"}, {"code": "title"}]),
}


def answer_from_post(question, data):
    """The raw value of ``question`` (a QuestionDef or QuestionView) in posted ``data``."""
    special = data.get(f"{question.code}__special", "")
    if special:
        return {"special": special}
    value = PARSERS[question.type](question, data)
    return None if is_empty(value) else value


def answers_from_post(questions, data) -> tuple[dict, dict[str, int]]:
    """The answers and base revisions of every question that was on the posted form."""
    answers, bases = {}, {}
    for question in questions:
        revision = data.get(f"{question.code}__rev")
        if revision is None:
            continue
        answers[question.code] = answer_from_post(question, data)
        bases[question.code] = int(revision) if revision.isdigit() else 0
    return answers, bases


# --- Stored value -> what a person reads ------------------------------------------------


def _label(choices: list[tuple[str, str]], code) -> str:
    return dict(choices).get(code, str(code))


def _cell(column: dict, value) -> str:
    if is_empty(value):
        return ""
    if column["type"] == "yes_no_partly":
        return str(YES_NO_LABELS.get(value, value))
    if column["type"] == "single_choice":
        return _label(column["choices"], value)
    if column["type"] == "multiple_choice" and isinstance(value, list):
        return "; ".join(_label(column["choices"], v) for v in value)
    return str(value)


def _display(question, value, attachments: dict) -> dict:
    kind = question.type
    if kind in ("short_text", "long_text", "date", "year"):
        return {"kind": "text", "text": str(value)}
    if kind in ("integer", "decimal"):
        return {"kind": "text", "text": f"{value} {question.unit}".strip()}
    if kind == "yes_no_partly":
        return {"kind": "text", "text": str(YES_NO_LABELS.get(value, value))}
    if kind == "single_choice":
        return {"kind": "text", "text": _label(question.choices, value)}
    if kind == "multiple_choice":
        return {"kind": "list", "items": [_label(question.choices, v) for v in value]}
    if kind == "treaty_matrix":
        names = dict(question.treaties)
        return {
            "kind": "treaties",
            "rows": [
                {
                    "name": names.get(code, code),
                    "status": str(TREATY_STATUS_LABELS.get(entry.get("status"), entry.get("status") or "")),
                    "date": entry.get("date") or "",
                    "reservations": entry.get("reservations") or "",
                }
                for code, entry in sorted(value.items(), key=lambda item: list(names).index(item[0]))
                if code in names
            ],
        }
    if kind == "table":
        return {
            "kind": "table",
            "headers": [c["label"] for c in question.columns],
            "rows": [[_cell(c, row.get(c["code"])) for c in question.columns] for row in value],
        }
    if kind == "attachments":
        return {
            "kind": "attachments",
            "items": [
                {"id": pk, "name": attachments[pk].original_name if pk in attachments else f"#{pk}"}
                for pk in value
            ],
        }
    if kind == "links":
        return {
            "kind": "links",
            "items": [
                {"url": link.get("url", ""), "title": link.get("title") or link.get("url", "")}
                for link in value
            ],
        }
    return {"kind": "text", "text": json.dumps(value, ensure_ascii=False)}


def answer_display(question, value, attachments: dict | None = None) -> dict:
    """What a person reads for ``value`` of ``question`` (a QuestionView)."""
    if is_empty(value):
        return {"kind": "empty"}
    if is_special(value):
        return {"kind": "special", "text": str(SPECIAL_LABELS[value["special"]])}
    try:
        return _display(question, value, attachments or {})
    except (AttributeError, KeyError, TypeError, ValueError):
        # A stored value from an older rule: show it as it is rather than fail the page.
        return {"kind": "text", "text": json.dumps(value, ensure_ascii=False, default=str)}


# --- The questionnaire as the pages render it -------------------------------------------


def shown_questions(questions, answers: dict) -> set[str]:
    """The codes of the questions shown for ``answers``, in order: a question hidden by its
    condition also hides the questions that depend on it."""
    shown: set[str] = set()
    visible: dict = {}
    for question in questions:
        if is_visible(question, visible):
            shown.add(question.code)
            if question.code in answers:
                visible[question.code] = answers[question.code]
    return shown


@dataclass
class Progress:
    required: int = 0
    required_answered: int = 0
    questions: int = 0
    answered: int = 0

    @property
    def complete(self) -> bool:
        return self.required_answered == self.required

    @property
    def percent(self) -> int:
        return round(100 * self.required_answered / self.required) if self.required else 100

    def as_dict(self) -> dict:
        return {
            "required": self.required,
            "required_answered": self.required_answered,
            "questions": self.questions,
            "answered": self.answered,
        }


def progress_of(questions, answers: dict, shown: set[str] | None = None) -> Progress:
    """Answered and required questions among those shown."""
    questions = list(questions)
    shown = shown_questions(questions, answers) if shown is None else shown
    progress = Progress()
    for question in questions:
        if question.code not in shown:
            continue
        answered = not is_empty(answers.get(question.code))
        progress.questions += 1
        progress.answered += answered
        if question.required:
            progress.required += 1
            progress.required_answered += answered
    return progress


@dataclass
class QuestionItem:
    """One question on a page: its text, the value its fields show, and what surrounds it."""

    q: object  # questionnaires.selectors.QuestionView
    section: str = ""
    value: object = None
    shown: bool = True
    revision: int = 0
    draft: object = None  # DraftAnswer, for who changed it last and whether it was carried
    error: str = ""
    conflict: dict | None = None
    threads: list = field(default_factory=list)
    attachments: list = field(default_factory=list)  # uploads for this question
    display: dict = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        return not is_empty(self.value)

    @property
    def changed_note(self) -> str:
        """Where the answer comes from: the accepted version it was carried from (until
        confirmed or edited), else who changed it last and when."""
        draft = self.draft
        if draft is None:
            return ""
        if draft.carried_forward and draft.carried_from_id:
            source = draft.carried_from
            return _("Carried forward from %(cycle)s, version %(number)d of %(date)s") % {
                "cycle": source.response.cycle.title,
                "number": source.number,
                "date": formats.date_format(timezone.localtime(source.created_at), "DATE_FORMAT"),
            }
        if draft.updated_by_id is None:
            return ""
        return _("Last changed by %(who)s on %(when)s") % {
            "who": draft.updated_by,
            "when": formats.date_format(timezone.localtime(draft.updated_at), "DATETIME_FORMAT"),
        }

    @property
    def options(self) -> list[tuple[str, str]]:
        if self.q.type == "yes_no_partly":
            return list(YES_NO_LABELS.items())
        return self.q.choices

    special_options = list(SPECIAL_LABELS.items())
    treaty_status_options = list(TREATY_STATUS_LABELS.items())
    yes_no_options = list(YES_NO_LABELS.items())

    @property
    def special(self) -> str:
        return self.value["special"] if is_special(self.value) else ""

    @property
    def scalar(self) -> str:
        if self.value is None or isinstance(self.value, dict | list):
            return ""
        return str(self.value)

    @property
    def chosen(self) -> list[str]:
        return [str(v) for v in self.value] if isinstance(self.value, list) else []

    @property
    def show_if_json(self) -> str:
        condition = self.q.show_if
        if not condition:
            return ""
        return json.dumps(
            {"question": condition["question"], "in": condition.get("in", [condition.get("equals")])}
        )

    @property
    def treaty_rows(self) -> list[dict]:
        matrix = self.value if isinstance(self.value, dict) and not self.special else {}
        rows = []
        for code, name in self.q.treaties:
            entry = matrix.get(code) or {}
            rows.append(
                {
                    "code": code,
                    "name": name,
                    "prefix": f"{self.q.code}__{code}__",
                    "status": entry.get("status") or "",
                    "date": entry.get("date") or "",
                    "reservations": entry.get("reservations") or "",
                }
            )
        return rows

    def _columns(self) -> list[dict]:
        if self.q.type == "table":
            return self.q.columns
        return [{"code": "url", "type": "url"}, {"code": "title", "type": "short_text"}]

    def _row(self, index, row: dict) -> dict:
        prefix = f"{self.q.code}__{index}__"
        cells = []
        for column in self._columns():
            cell = row.get(column["code"])
            cells.append(
                {
                    "column": column,
                    "name": prefix + column["code"],
                    "value": "" if cell is None or isinstance(cell, list) else str(cell),
                    "chosen": [str(v) for v in cell] if isinstance(cell, list) else [],
                }
            )
        number = index + 1 if isinstance(index, int) else "__NUMBER__"
        return {"index": index, "number": number, "cells": cells}

    @property
    def rows(self) -> list[dict]:
        """The rows of a table or links question, and one empty row to add another without
        scripts."""
        rows = self.value if isinstance(self.value, list) else []
        return [
            self._row(index, row if isinstance(row, dict) else {}) for index, row in enumerate([*rows, {}])
        ]

    @property
    def template_row(self) -> dict:
        """The empty row that scripts copy to add one; ``__INDEX__`` becomes its number."""
        return self._row("__INDEX__", {})

    @property
    def next_row(self) -> int:
        return len(self.value) + 1 if isinstance(self.value, list) else 1


@dataclass
class SectionItem:
    code: str
    title: str
    intro: str
    mandate: str
    items: list[QuestionItem]
    progress: Progress


# --- Plain forms ------------------------------------------------------------------------


class ReviewFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Response.Status.choices]
    )
    group = forms.ChoiceField(
        label=_("Regional group"), required=False, choices=[("", _("All groups")), *RegionalGroup.choices]
    )


class StartForm(forms.Form):
    cycle = forms.SlugField(max_length=80)
    respondent = forms.CharField(max_length=20)


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Your reply"), max_length=10000, widget=forms.Textarea(attrs={"rows": 2}))


class ClarificationForm(forms.Form):
    due_date = forms.DateField(
        label=_("Reply due by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def comments(self, data, codes) -> dict[str, str]:
        """The request text of each question that was commented on."""
        return {code: text for code in codes if (text := data.get(f"comment__{code}", "").strip())}


class SecretariatAmendmentForm(forms.Form):
    # Required by the service (the one copy of the rule); its error is shown on this field.
    reason = forms.CharField(
        label=_("Reason for the amendment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded with the version and shown to the correspondents."),
    )


class AcknowledgeForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your answer"), choices=VersionAcknowledgement.Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you contest the amendment."),
    )
