"""Differences between two versions of a response, per question: word-level for text,
row-level for tables and treaty matrices, value-level for the rest."""

from __future__ import annotations

import difflib
import re

from questionnaires.definition import iter_questions

TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in 'equal', 'delete', 'insert'."""
    a, b = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    ops: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append(("equal", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                ops.append(("delete", "".join(a[i1:i2])))
            if j2 > j1:
                ops.append(("insert", "".join(b[j1:j2])))
    return ops


def rows_diff(old: list, new: list) -> dict:
    old, new = old or [], new or []
    key = repr
    old_keys, new_keys = [key(r) for r in old], [key(r) for r in new]
    return {
        "added": [r for r, k in zip(new, new_keys, strict=True) if k not in old_keys],
        "removed": [r for r, k in zip(old, old_keys, strict=True) if k not in new_keys],
        "unchanged": sum(1 for k in new_keys if k in old_keys),
    }


def matrix_diff(old: dict, new: dict) -> dict:
    old, new = old or {}, new or {}
    return {
        code: {"from": old.get(code), "to": new.get(code)}
        for code in sorted(set(old) | set(new))
        if old.get(code) != new.get(code)
    }


def versions_diff(*, definition: dict, old: dict, new: dict) -> list[dict]:
    """The questions whose answers differ, in questionnaire order, with their diff."""
    changes = []
    known = set()
    for question in iter_questions(definition):
        known.add(question.code)
        a, b = old.get(question.code), new.get(question.code)
        if a == b:
            continue
        change = {"code": question.code, "type": question.type, "from": a, "to": b}
        if (
            question.type in ("short_text", "long_text")
            and isinstance(a, str | None)
            and isinstance(b, str | None)
        ):
            change["words"] = text_diff(a or "", b or "")
        elif question.type == "table" and isinstance(a, list | None) and isinstance(b, list | None):
            change["rows"] = rows_diff(a, b)
        elif question.type == "treaty_matrix" and isinstance(a, dict | None) and isinstance(b, dict | None):
            change["treaties"] = matrix_diff(a, b)
        changes.append(change)
    for code in sorted((set(old) | set(new)) - known):
        if old.get(code) != new.get(code):
            changes.append({"code": code, "type": "", "from": old.get(code), "to": new.get(code)})
    return changes
