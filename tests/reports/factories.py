"""Data for the report tests and the benchmark: plausible answers to any instrument version
(deterministic for a seed; values follow FORMAT.md and pass ``clean_answer``; texts are prose
of realistic length from a small vocabulary of the domain), and accepted responses made
through the real services."""

from __future__ import annotations

import random

from portal.models import Respondent
from questionnaires.answers import is_visible
from questionnaires.definition import TREATY_STATUSES, iter_questions
from questionnaires.models import Cycle
from responses.models import ResponseVersion
from responses.selectors import draft_revision_get
from responses.services import draft_save, response_accept, response_start, response_submit

SUBJECTS = [
    "The Ministry of Justice",
    "The national police",
    "The Office of the Prosecutor-General",
    "The financial intelligence unit",
    "A national coordination committee",
    "The customs administration",
    "The judicial training institute",
    "The parliament",
]
VERBS = [
    "adopted",
    "reviewed",
    "strengthened",
    "introduced",
    "amended",
    "evaluated",
    "implemented",
    "extended",
]
OBJECTS = [
    "the provisions of the Criminal Code on participation in an organized criminal group",
    "the procedures for extradition and mutual legal assistance in criminal matters",
    "the rules on the seizure and confiscation of the proceeds of crime",
    "the training curriculum for law enforcement and prosecution officials",
    "the guidelines on the protection of victims and witnesses",
    "the regulations on suspicious transaction reporting by banks and money remitters",
    "the code of conduct for public officials and the declaration of assets",
    "the cooperation agreements with neighbouring States on border control",
]
DETAILS = [
    "following consultations with civil society and the private sector",
    "with technical assistance from the United Nations Office on Drugs and Crime",
    "in line with the international conventions to which the State is a party",
    "and the implementing regulations entered into force the following year",
    "and an evaluation is planned once sufficient case law is available",
    "although resources for their full implementation remain limited",
]


def sentence(rng: random.Random) -> str:
    year = rng.randint(1985, 1998)
    return (
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} in {year}, {rng.choice(DETAILS)}."
    )


def prose(rng: random.Random, *, words: int) -> str:
    text: list[str] = []
    while sum(len(s.split()) for s in text) < words:
        text.append(sentence(rng))
    paragraphs, size = [], rng.randint(3, 5)
    for start in range(0, len(text), size):
        paragraphs.append(" ".join(text[start : start + size]))
    return "\n\n".join(paragraphs)


def _value(kind: str, spec: dict, rng: random.Random, *, long_words: int):
    if kind == "short_text":
        return " ".join(rng.choice(OBJECTS).split()[: rng.randint(3, 8)]).capitalize()[
            : spec.get("max_length", 500)
        ]
    if kind == "long_text":
        return prose(rng, words=rng.randint(long_words // 3, long_words))[: spec.get("max_length", 20000)]
    if kind == "yes_no_partly":
        return rng.choices(["yes", "partly", "no", "unknown"], weights=[6, 3, 2, 1])[0]
    if kind == "single_choice":
        return rng.choice(spec["choices"])["code"]
    if kind == "multiple_choice":
        codes = [c["code"] for c in spec["choices"]]
        return rng.sample(codes, rng.randint(1, min(4, len(codes))))
    if kind == "integer":
        return rng.randint(spec.get("min", 0), min(spec.get("max", 100000), 100000))
    if kind == "decimal":
        return round(rng.uniform(spec.get("min", 0), min(spec.get("max", 100000), 100000)), 1)
    if kind == "year":
        return rng.randint(max(spec.get("min", 1950), 1950), min(spec.get("max", 1998), 1998))
    if kind == "date":
        return f"{rng.randint(1990, 1998)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind == "treaty_matrix":
        return {
            code: {
                "status": rng.choices(TREATY_STATUSES, weights=[2, 1, 5, 3, 1])[0],
                "date": f"{rng.randint(1970, 1998)}-{rng.randint(1, 12):02d}-01",
                "reservations": "" if rng.random() < 0.8 else sentence(rng),
            }
            for code in spec["treaties"]
        }
    if kind == "table":
        rows = []
        for _ in range(rng.randint(1, 4)):
            row = {}
            for column in spec["columns"]:
                row[column["code"]] = _value(column["type"], column, rng, long_words=40)
            rows.append(row)
        return rows
    if kind == "links":
        return [{"url": f"https://legislation.example.org/act/{rng.randint(1, 9999)}", "title": "Act"}]
    return None  # attachments need uploaded files


def answers_for(definition: dict, *, seed: int, long_words: int = 120, special_share: float = 0.08) -> dict:
    """A complete, valid set of answers: every visible question answered (some 'not
    applicable' or 'no information'), attachments left out."""
    rng = random.Random(seed)
    answers: dict = {}
    for question in iter_questions(definition):
        if not is_visible(question, answers):
            continue
        if question.type == "attachments":
            continue
        if not question.required and rng.random() < special_share:
            answers[question.code] = {"special": rng.choice(["not_applicable", "no_information"])}
            continue
        value = _value(question.type, question.spec, rng, long_words=long_words)
        if value is not None:
            answers[question.code] = value
    return answers


def accepted_version(
    *, cycle: Cycle, respondent: Respondent, person, reviewer, answers: dict
) -> ResponseVersion:
    """The respondent's response, saved and submitted by ``person`` and accepted by ``reviewer``."""
    response = response_start(cycle=cycle, respondent=respondent, user=person, carry_forward=False)
    result = draft_save(
        response=response, user=person, answers=answers, base_revision=response.draft_revision
    )
    assert result.ok, (result.errors, result.conflicts)
    version = response_submit(
        response=response, user=person, base_revision=draft_revision_get(response=response)
    )
    response_accept(response=response, user=reviewer)
    return version
