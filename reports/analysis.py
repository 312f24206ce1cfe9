"""Counting the replies: pure functions from a question and the replies to numbers.

Shared by the report (chapter II and the annexes), the charts and the cycle's report page.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from portal.models import RegionalGroup
from questionnaires.answers import is_empty, is_special
from questionnaires.definition import QuestionDef
from reports.inputs import Reply

ORGANIZATIONS = "ORG"  # the column of intergovernmental organizations and institutes
GROUPS = [*RegionalGroup.values, ORGANIZATIONS]
YES_NO_PARTLY = ("yes", "partly", "no", "unknown")
PARTIES = ("ratified", "acceded", "succeeded")
TECHNICAL_ASSISTANCE = re.compile(r"(^technical_assistance\.|\.ta_)")


def group_of(reply: Reply) -> str:
    return reply.regional_group or ORGANIZATIONS


def answer_of(reply: Reply, question: QuestionDef):
    """The reply's answer, or None when it gave none (a special answer is an answer)."""
    value = reply.answers.get(question.code)
    return None if is_empty(value) else value


def is_technical_assistance(question: QuestionDef) -> bool:
    return bool(TECHNICAL_ASSISTANCE.search(question.code))


@dataclass
class Tally:
    """How the replies answered one question."""

    answered: int = 0  # gave a real answer
    special: int = 0  # not applicable / no information
    counts: Counter = field(default_factory=Counter)  # yes/no/partly/unknown, or choice codes
    by_group: dict[str, Counter] = field(default_factory=dict)  # group -> Counter incl. "answered"
    numbers: list[float] = field(default_factory=list)
    texts: list[tuple[Reply, str]] = field(default_factory=list)
    rows: int = 0

    @property
    def replied(self) -> int:
        return self.answered + self.special

    @property
    def positive(self) -> int:
        """yes or partly: the respondents reporting the measure at least in part."""
        return self.counts["yes"] + self.counts["partly"]


def tally(question: QuestionDef, replies: list[Reply]) -> Tally:
    result = Tally(by_group={group: Counter() for group in GROUPS})
    for reply in replies:
        value = answer_of(reply, question)
        if value is None:
            continue
        if is_special(value):
            result.special += 1
            continue
        result.answered += 1
        group = result.by_group[group_of(reply)]
        group["answered"] += 1
        kind = question.type
        if kind in ("yes_no_partly", "single_choice"):
            result.counts[value] += 1
            group[value] += 1
        elif kind == "multiple_choice":
            result.counts.update(value)
            group.update(value)
        elif kind in ("integer", "decimal", "year"):
            result.numbers.append(value)
        elif kind in ("long_text", "short_text"):
            result.texts.append((reply, value))
        elif kind == "table":
            result.rows += len(value)
            first_choice = next((c for c in question.spec["columns"] if c["type"] == "single_choice"), None)
            if first_choice:
                result.counts.update(
                    row[first_choice["code"]] for row in value if first_choice["code"] in row
                )
        elif kind == "treaty_matrix":
            for treaty, entry in value.items():
                result.counts[(treaty, entry["status"])] += 1
    return result


def median(numbers: list[float]) -> float:
    return statistics.median(numbers)


def replies_by_group(replies: list[Reply]) -> dict[str, list[Reply]]:
    grouped: dict[str, list[Reply]] = {group: [] for group in GROUPS}
    for reply in replies:
        grouped[group_of(reply)].append(reply)
    return grouped


def answered_any(replies: list[Reply], questions: list[QuestionDef]) -> int:
    """How many replies answered at least one of the questions."""
    codes = [q.code for q in questions]
    return sum(1 for r in replies if any(not is_empty(r.answers.get(code)) for code in codes))


def extract(text: str, *, words: int = 70) -> str:
    """A reply's text shortened at a word boundary, whitespace collapsed."""
    tokens = text.split()
    if len(tokens) <= words:
        return " ".join(tokens)
    return " ".join(tokens[:words]).rstrip(",;:") + " …"


def pick_extracts(texts: list[tuple[Reply, str]], *, limit: int) -> list[tuple[Reply, str]]:
    """Up to ``limit`` replies to quote, taken in turn from each regional group (so the
    extracts show the range of regions) and, inside a group, in the report's order."""
    by_group: dict[str, list[tuple[Reply, str]]] = {}
    for reply, text in texts:
        by_group.setdefault(group_of(reply), []).append((reply, text))
    queues = [by_group[g] for g in GROUPS if g in by_group]
    picked: list[tuple[Reply, str]] = []
    while len(picked) < limit and any(queues):
        for queue in queues:
            if queue and len(picked) < limit:
                picked.append(queue.pop(0))
    return picked
