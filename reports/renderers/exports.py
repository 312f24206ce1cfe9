"""The cycle's accepted answers as CSV and XLSX: one row per respondent, one column per
question code, with the version used. Pure: (head, rows) in, (filename, type, bytes) out."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from questionnaires.answers import is_special
from questionnaires.definition import canonical_json

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a spreadsheet may read as the start of a formula, the fullwidth forms included (some
# spreadsheets fold ＝ ＋ － ＠ to their ASCII forms when they parse a cell).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def cell_value(value):
    """A number stays a number; text, choices and special answers become text; structured
    answers (tables, treaty matrices, links) their canonical JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return value
    if is_special(value):
        return value["special"]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    return canonical_json(value)


def inert(text: str) -> str:
    """Spreadsheets run cells that start like a formula: respondent text must not. The one
    rule for every export, CSV and XLSX: a cell typed as text is parsed again as a formula
    once someone edits it, so the text itself must not start like one."""
    return "'" + text if text.startswith(FORMULA_START) else text


def answers_csv(*, stem: str, head: list[str], rows: list[list]) -> tuple[str, str, bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(head)
    for row in rows:
        writer.writerow([inert(v) if isinstance(v, str) else v for v in map(cell_value, row)])
    return f"{stem}.csv", CSV_TYPE, ("\ufeff" + buffer.getvalue()).encode("utf-8")


def answers_xlsx(*, stem: str, head: list[str], rows: list[list]) -> tuple[str, str, bytes]:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "answers"
    sheet.append(head)
    for row in rows:
        sheet.append(
            [
                inert(ILLEGAL_CHARACTERS_RE.sub("", v)) if isinstance(v, str) else v
                for v in map(cell_value, row)
            ]
        )
    sheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return f"{stem}.xlsx", XLSX_TYPE, buffer.getvalue()
