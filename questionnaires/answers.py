"""Validation of answers, one function per question type.

The single type-to-validator mapping used by the questionnaire pages, the API and the
submission check. Values are JSON (see instruments/FORMAT.md for each type's shape).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from urllib.parse import urlparse

from django.utils.translation import gettext as _

from questionnaires.definition import SPECIAL_ANSWERS, TREATY_STATUSES, YES_NO_PARTLY, QuestionDef

DEFAULT_MAX_LENGTH = {"short_text": 500, "long_text": 20000}
MAX_LIST_ITEMS = 200


class AnswerError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_special(value) -> bool:
    return isinstance(value, dict) and set(value) == {"special"} and value["special"] in SPECIAL_ANSWERS


def is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


# The explicit embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI) can
# make text read differently from what it says, in the review and in the report. The marks
# (LRM U+200E, RLM U+200F, ALM U+061C) stay: Arabic and mixed-direction text needs them.
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def text_clean(value: str) -> str:
    """Respondent text as stored: without bidi embedding/override/isolate controls, trimmed.
    Every text a question type keeps goes through here."""
    return value.translate(BIDI_CONTROLS).strip()


def _text(spec: dict, value, kind: str):
    if not isinstance(value, str):
        raise AnswerError(_("Enter text."))
    value = text_clean(value)
    limit = spec.get("max_length", DEFAULT_MAX_LENGTH[kind])
    if len(value) > limit:
        raise AnswerError(
            _("Keep this answer within %(limit)d characters (it has %(length)d).")
            % {"limit": limit, "length": len(value)}
        )
    return value


def _yes_no(spec: dict, value):
    if value not in YES_NO_PARTLY:
        raise AnswerError(_("Choose yes, no, partly or unknown."))
    return value


def _choice_codes(spec: dict) -> list[str]:
    return [c["code"] for c in spec["choices"]]


def _single_choice(spec: dict, value):
    if value not in _choice_codes(spec):
        raise AnswerError(_("Choose one of the options."))
    return value


def _multiple_choice(spec: dict, value):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AnswerError(_("Choose from the options."))
    codes = _choice_codes(spec)
    unknown = [v for v in value if v not in codes]
    if unknown:
        raise AnswerError(_("Unknown option: %(option)s.") % {"option": ", ".join(unknown)})
    return [c for c in codes if c in value]


def _range(spec: dict, number):
    if "min" in spec and number < spec["min"]:
        raise AnswerError(_("Enter a number of at least %(min)s.") % {"min": spec["min"]})
    if "max" in spec and number > spec["max"]:
        raise AnswerError(_("Enter a number of at most %(max)s.") % {"max": spec["max"]})
    return number


def _integer(spec: dict, value):
    if isinstance(value, bool):
        raise AnswerError(_("Enter a whole number."))
    if isinstance(value, str):
        try:
            value = int(value.strip().replace(" ", "").replace(",", ""))
        except ValueError:
            raise AnswerError(_("Enter a whole number.")) from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise AnswerError(_("Enter a whole number."))
    return _range(spec, value)


def _decimal(spec: dict, value):
    if isinstance(value, bool):
        raise AnswerError(_("Enter a number."))
    try:
        number = Decimal(str(value).strip().replace(" ", ""))
    except InvalidOperation:
        raise AnswerError(_("Enter a number.")) from None
    if not number.is_finite():
        raise AnswerError(_("Enter a number."))
    _range(spec, number)
    return float(number) if number != number.to_integral_value() else int(number)


def _date(spec: dict, value):
    if not isinstance(value, str):
        raise AnswerError(_("Enter a date as YYYY-MM-DD."))
    try:
        return datetime.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise AnswerError(_("Enter a date as YYYY-MM-DD.")) from None


def _year(spec: dict, value):
    year = _integer({}, value)
    bounds = {"min": spec.get("min", 1900), "max": spec.get("max", datetime.date.today().year + 10)}
    return _range(bounds, year)


def _treaty_matrix(spec: dict, value):
    if not isinstance(value, dict):
        raise AnswerError(_("Give a status for each treaty."))
    cleaned = {}
    for code, row in value.items():
        if code not in spec["treaties"]:
            raise AnswerError(_("Unknown treaty: %(code)s.") % {"code": code})
        if not isinstance(row, dict) or row.get("status") not in TREATY_STATUSES:
            raise AnswerError(_("Choose a status for %(code)s.") % {"code": code})
        entry = {"status": row["status"], "date": None, "reservations": ""}
        if row.get("date"):
            entry["date"] = _date({}, row["date"])
        if row.get("reservations"):
            entry["reservations"] = _text({"max_length": 4000}, row["reservations"], "long_text")
        extra = set(row) - {"status", "date", "reservations"}
        if extra:
            raise AnswerError(_("Unknown field: %(field)s.") % {"field": ", ".join(sorted(extra))})
        cleaned[code] = entry
    return cleaned


def _table(spec: dict, value):
    if not isinstance(value, list):
        raise AnswerError(_("Add rows to the table."))
    limit = spec.get("max_rows", MAX_LIST_ITEMS)
    if len(value) > limit:
        raise AnswerError(_("The table holds at most %(limit)d rows.") % {"limit": limit})
    columns = {c["code"]: c for c in spec["columns"]}
    rows = []
    for index, row in enumerate(value, start=1):
        if not isinstance(row, dict):
            raise AnswerError(_("Row %(row)d is not valid.") % {"row": index})
        unknown = set(row) - set(columns)
        if unknown:
            raise AnswerError(
                _("Row %(row)d: unknown column %(column)s.")
                % {"row": index, "column": ", ".join(sorted(unknown))}
            )
        if all(is_empty(cell) for cell in row.values()):
            continue
        cleaned = {}
        for code, column in columns.items():
            cell = row.get(code)
            if is_empty(cell):
                if column.get("required"):
                    raise AnswerError(
                        _("Row %(row)d: %(column)s is required.")
                        % {"row": index, "column": column["label"].get("en", code)}
                    )
                continue
            try:
                cleaned[code] = VALIDATORS[column["type"]](column, cell)
            except AnswerError as error:
                raise AnswerError(
                    _("Row %(row)d, %(column)s: %(error)s")
                    % {"row": index, "column": column["label"].get("en", code), "error": error.message}
                ) from None
        if cleaned:
            rows.append(cleaned)
    return rows


def _attachments(spec: dict, value):
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise AnswerError(_("Attach files by uploading them."))
    if len(value) > MAX_LIST_ITEMS:
        raise AnswerError(_("Too many attachments."))
    return list(dict.fromkeys(value))


def _links(spec: dict, value):
    if not isinstance(value, list) or len(value) > MAX_LIST_ITEMS:
        raise AnswerError(_("Add links as a list of addresses."))
    links = []
    for item in value:
        if isinstance(item, str):
            item = {"url": item, "title": ""}
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            raise AnswerError(_("Each link needs an address."))
        url = text_clean(item["url"])
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 2000:
            raise AnswerError(_("%(url)s is not a web address (http:// or https://).") % {"url": url[:100]})
        title = item.get("title") or ""
        if not isinstance(title, str) or len(title) > 300:
            raise AnswerError(_("A link title is text of at most 300 characters."))
        links.append({"url": url, "title": text_clean(title)})
    return links


VALIDATORS: dict[str, Callable] = {
    "short_text": lambda spec, v: _text(spec, v, "short_text"),
    "long_text": lambda spec, v: _text(spec, v, "long_text"),
    "yes_no_partly": _yes_no,
    "single_choice": _single_choice,
    "multiple_choice": _multiple_choice,
    "integer": _integer,
    "decimal": _decimal,
    "date": _date,
    "year": _year,
    "treaty_matrix": _treaty_matrix,
    "table": _table,
    "attachments": _attachments,
    "links": _links,
}


def clean_answer(question: QuestionDef, value):
    """The stored form of ``value`` for ``question``, or AnswerError. ``None`` clears it."""
    if is_empty(value):
        return None
    if isinstance(value, dict) and "special" in value:
        if not is_special(value):
            raise AnswerError(_("Answer 'not applicable' or 'no information'."))
        return {"special": value["special"]}
    return VALIDATORS[question.type](question.spec, value)


def is_visible(question: QuestionDef, answers: dict) -> bool:
    condition = question.show_if
    if not condition:
        return True
    value = answers.get(condition["question"])
    accepted = condition.get("in", [condition.get("equals")])
    if isinstance(value, list):
        return any(v in accepted for v in value)
    return value in accepted


def missing_required(questions, answers: dict) -> list[QuestionDef]:
    """Required, visible questions with no answer (a special answer counts as one)."""
    return [q for q in questions if q.required and is_visible(q, answers) and is_empty(answers.get(q.code))]
