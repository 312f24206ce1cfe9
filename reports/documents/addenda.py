"""The addenda: the full replies, one addendum per regional group (then organizations and
institutes), split into near-equal parts when a group is large."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from questionnaires.answers import is_empty, is_special, is_visible
from questionnaires.definition import QuestionDef, canonical_json, iter_questions
from questionnaires.models import localized
from reports import analysis
from reports.documents.common import (
    PERSONAL_SECTION,
    cover,
    group_label,
    long_date,
    number,
    question_text,
    symbol_filename,
    version_label,
)
from reports.inputs import Reply

# An addendum is rendered in one pass by one worker; after one amendment, the recompile renders
# the main report and that respondent's addendum again. For that to take at most a quarter of
# a full compile (2 workers), no addendum may carry much more than a tenth of the replies:
# with 40, the Western European and other States addendum (29 replies) took 29 % of a full
# compile in the benchmark. With 25: at most 23 respondents per addendum (docs/reports.md).
MAX_RESPONDENTS_PER_ADDENDUM = 25


def addenda_plan(replies: list[Reply], *, main_symbol: str) -> list[dict]:
    """One addendum per regional group (then organizations and institutes), split into
    near-equal parts when a group has more than MAX_RESPONDENTS_PER_ADDENDUM respondents."""
    plan = []
    for group, members in analysis.replies_by_group(replies).items():
        if not members:
            continue
        parts = math.ceil(len(members) / MAX_RESPONDENTS_PER_ADDENDUM)
        size = math.ceil(len(members) / parts)
        for part in range(parts):
            chunk = members[part * size : (part + 1) * size]
            position = len(plan) + 1
            title = group_label(group)
            if parts > 1:
                title = _("%(group)s (part %(part)d of %(parts)d)") % {
                    "group": title,
                    "part": part + 1,
                    "parts": parts,
                }
            symbol = f"{main_symbol}/Add.{position}"
            plan.append(
                {
                    "position": position,
                    "symbol": symbol,
                    "filename": symbol_filename(symbol),
                    "title": title,
                    "respondents": [r.respondent_code for r in chunk],
                    "weight": sum(len(canonical_json(r.answers)) for r in chunk),
                }
            )
    return plan


def yes_no_label(value: str) -> str:
    return {"yes": _("Yes"), "no": _("No"), "partly": _("Partly"), "unknown": _("Unknown")}.get(value, value)


def treaty_status_label(value: str) -> str:
    return {
        "not_party": _("Not a party"),
        "signed": _("Signed"),
        "ratified": _("Ratified"),
        "acceded": _("Acceded"),
        "succeeded": _("Succeeded"),
    }.get(value, value)


def addendum_data(
    *,
    cycle: dict,
    definition: dict,
    replies: list[Reply],
    symbol: str,
    title: str,
    treaties: dict[str, str],
    language: str,
) -> dict:
    """An addendum: the full replies of some respondents, in the questionnaire's order.
    Dated by its newest reply, not by the compile, so an unchanged addendum stays equal."""
    as_of = max(r.created_at for r in replies)
    questions = list(iter_questions(definition))
    sections = {s["code"]: s for s in definition["sections"]}
    group_titles = {
        item["group"]: localized(item["title"])
        for s in definition["sections"]
        for item in s["items"]
        if "group" in item
    }
    respondents = []
    for reply in replies:
        blocks: list[dict] = []
        authority = ""
        current_section = current_group = None
        for q in questions:
            value = reply.answers.get(q.code)
            if is_empty(value) or not is_visible(q, reply.answers):
                continue
            if q.section == PERSONAL_SECTION:
                if q.code.endswith(".authority") and isinstance(value, str):
                    authority = value
                continue
            if q.section != current_section:
                current_section, current_group = q.section, None
                spec = sections[q.section]
                label = f"({q.section}) " if len(q.section) == 1 else ""
                blocks.append({"type": "section", "text": label + localized(spec["title"])})
            if q.group and q.group != current_group:
                current_group = q.group
                blocks.append({"type": "group", "text": group_titles.get(q.group, q.group)})
            blocks.append(
                {"type": "answer", "question": question_text(q), "answer": display_answer(q, value, treaties)}
            )
        respondents.append(
            {
                "anchor": f"respondent-{reply.respondent_code.lower()}",
                "name": reply.respondent_name,
                "provenance": reply.provenance,
                "version": _("Version %(number)s, %(date)s")
                % {"number": version_label(reply), "date": long_date(reply.created_at)},
                "authority": authority,
                "blocks": blocks,
            }
        )
    return {
        "kind": "addendum",
        **cover(cycle=cycle, symbol=symbol, as_of=as_of, language=language),
        "main_symbol": cycle["symbol"],
        "subtitle": title,
        "respondents": respondents,
    }


def display_answer(q: QuestionDef, value, treaties: dict[str, str]) -> dict:
    """An answer as the addendum shows it: text, paragraphs, a list or a table."""
    if is_special(value):
        return {
            "kind": "text",
            "text": _("Not applicable")
            if value["special"] == "not_applicable"
            else _("No information available"),
        }
    return _display(q.type, q.spec, value, treaties)


def _display(kind: str, spec: dict, value, treaties: dict[str, str]) -> dict:
    if kind == "long_text":
        paragraphs = [" ".join(p.split()) for p in value.replace("\r\n", "\n").split("\n") if p.strip()]
        return {"kind": "paragraphs", "items": paragraphs}
    if kind == "multiple_choice":
        labels = {c["code"]: localized(c["label"]) for c in spec["choices"]}
        return {"kind": "list", "items": [labels.get(v, v) for v in value]}
    if kind == "links":
        return {
            "kind": "list",
            "items": [
                f"{link['title']} – {link['url']}" if link.get("title") else link["url"] for link in value
            ],
        }
    if kind == "treaty_matrix":
        head = [_("Treaty"), _("Status"), _("Date"), _("Reservations or declarations")]
        rows = [
            [
                treaties.get(code, code),
                treaty_status_label(entry["status"]),
                long_date(entry.get("date")),
                entry.get("reservations", ""),
            ]
            for code, entry in value.items()
        ]
        return {"kind": "table", "head": head, "rows": rows}
    if kind == "table":
        columns = spec["columns"]
        rows = [
            ["" if is_empty(row.get(c["code"])) else _text(c["type"], c, row[c["code"]]) for c in columns]
            for row in value
        ]
        return {"kind": "table", "head": [localized(c["label"]) for c in columns], "rows": rows}
    return {"kind": "text", "text": _text(kind, spec, value)}


def _text(kind: str, spec: dict, value) -> str:
    """A single value as one line of text (also a table cell)."""
    if kind == "yes_no_partly":
        return yes_no_label(value)
    if kind in ("single_choice", "multiple_choice"):
        labels = {c["code"]: localized(c["label"]) for c in spec["choices"]}
        values = value if isinstance(value, list) else [value]
        return "; ".join(labels.get(v, v) for v in values)
    if kind in ("integer", "decimal"):
        unit = localized(spec.get("unit"))
        return number(value) + (f" {unit}" if unit else "")
    if kind == "date":
        return long_date(value)
    if kind == "attachments":
        return ngettext(
            "%(n)d document attached (available from the secretariat)",
            "%(n)d documents attached (available from the secretariat)",
            len(value),
        ) % {"n": len(value)}
    if kind == "long_text":
        return " ".join(value.split())
    return str(value)
