"""Demo responses: 44 Member States of the five regional groups answer the demo cycles
through the real services, with answers generated per question type, so every page of the
workflow has something to show. France's response to demo-1997-34 stays a draft for
corr-fra; Poland has not started (the "Start" button); Kenya has a clarification request to
answer; Brazil a secretariat amendment to acknowledge.

Idempotent: a response that exists is left alone, each state's history is written in one
transaction, and nobody is e-mailed.
"""

from __future__ import annotations

import datetime
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from portal.demo import register_demo_step
from portal.models import Designation, Respondent, Role, User
from questionnaires.answers import is_visible
from questionnaires.definition import iter_questions
from questionnaires.models import Cycle
from responses import services
from responses.models import Response
from responses.selectors import draft_revision_get

STATES = {
    # regional group order: the first of each group has a named demo person in portal/demo.py
    "AFRICAN": ["KEN", "NGA", "ZAF", "EGY", "MAR", "SEN", "GHA", "ETH", "TUN"],
    "APG": ["JPN", "CHN", "IND", "IDN", "PHL", "THA", "PAK", "KOR", "JOR"],
    "EEG": ["POL", "CZE", "HUN", "ROU", "UKR", "BGR", "HRV", "LTU", "SVK"],
    "GRULAC": ["BRA", "MEX", "ARG", "CHL", "COL", "PER", "JAM", "CRI", "URY"],
    "WEOG": ["FRA", "DEU", "ITA", "ESP", "GBR", "CAN", "AUS", "NLD", "SWE"],
}
LANGUAGES = {
    "KEN": "English, Kiswahili",
    "NGA": "English, Hausa, Igbo, Yoruba",
    "ZAF": "English, Afrikaans, isiZulu",
    "EGY": "Arabic",
    "MAR": "Arabic, French",
    "SEN": "French, Wolof",
    "GHA": "English",
    "ETH": "Amharic",
    "TUN": "Arabic, French",
    "JPN": "Japanese",
    "CHN": "Chinese",
    "IND": "Hindi, English",
    "IDN": "Indonesian",
    "PHL": "Filipino, English",
    "THA": "Thai",
    "PAK": "Urdu, English",
    "KOR": "Korean",
    "JOR": "Arabic",
    "POL": "Polish",
    "CZE": "Czech",
    "HUN": "Hungarian",
    "ROU": "Romanian",
    "UKR": "Ukrainian",
    "BGR": "Bulgarian",
    "HRV": "Croatian",
    "LTU": "Lithuanian",
    "SVK": "Slovak",
    "BRA": "Portuguese",
    "MEX": "Spanish",
    "ARG": "Spanish",
    "CHL": "Spanish",
    "COL": "Spanish",
    "PER": "Spanish, Quechua",
    "JAM": "English",
    "CRI": "Spanish",
    "URY": "Spanish",
    "FRA": "French",
    "DEU": "German",
    "ITA": "Italian",
    "ESP": "Spanish, Catalan, Basque, Galician",
    "GBR": "English, Welsh",
    "CAN": "English, French",
    "AUS": "English",
    "NLD": "Dutch",
    "SWE": "Swedish",
}
REGIONAL = {
    "AFRICAN": (
        "African Union member States",
        "OAU Convention on the Prevention and Combating of Terrorism",
        1999,
    ),
    "APG": ("ASEAN member States", "Treaty on Mutual Legal Assistance in Criminal Matters (ASEAN)", 2004),
    "EEG": ("Council of Europe member States", "European Convention on Extradition", 1957),
    "GRULAC": ("Organization of American States", "Inter-American Convention on Extradition", 1981),
    "WEOG": (
        "Council of Europe member States",
        "European Convention on Mutual Assistance in Criminal Matters",
        1959,
    ),
}
MONTHS = ["March", "June", "October"]
FIRST_NAMES = [
    "Amina",
    "David",
    "Elena",
    "Hiroshi",
    "Ioana",
    "Jorge",
    "Leila",
    "Marta",
    "Nikolai",
    "Olga",
    "Pedro",
    "Samuel",
    "Sofia",
    "Tomás",
    "Wei",
    "Yasmin",
    "Zanele",
    "Lukas",
    "Anjali",
    "Kwame",
]
LAST_NAMES = [
    "Adeyemi",
    "Bianchi",
    "Chen",
    "Dubois",
    "Eriksson",
    "Fernández",
    "García",
    "Horváth",
    "Ivanova",
    "Kowalczyk",
    "Lindqvist",
    "Mensah",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Rahman",
    "Silva",
    "Tanaka",
]
TOPICS = {
    "organized_crime": (
        "Organized Crime Control",
        "participation in an organized criminal group and conspiracy to commit serious offences",
        "the National Police and the Public Prosecution Service",
    ),
    "drug_trafficking": (
        "Narcotic Drugs and Psychotropic Substances",
        "the illicit cultivation, production, "
        "manufacture, trafficking and distribution of controlled substances",
        "the Drug Enforcement Directorate",
    ),
    "arms_trafficking": (
        "Firearms, Ammunition and Explosives",
        "the illicit manufacture of and trafficking in "
        "firearms and explosives, and the possession of unmarked weapons",
        "the National Police",
    ),
    "smuggling_illicit_articles": (
        "Customs",
        "the smuggling of cultural property, protected species, nuclear material and counterfeit goods",
        "the Customs Administration",
    ),
    "trafficking_in_persons": (
        "Prevention of Trafficking in Persons",
        "recruitment, transport and harbouring of "
        "persons by force, fraud or deception for the purpose of exploitation",
        "the Border Police and the Labour Inspectorate",
    ),
    "terrorist_crimes": (
        "Suppression of Terrorism",
        "terrorist acts, the financing of terrorism and membership of a terrorist organization",
        "the Counter-Terrorism Unit of the National Police",
    ),
    "money_laundering": (
        "Prevention of Money-Laundering",
        "the conversion, transfer and concealment of proceeds of crime, including self-laundering",
        "the Financial Intelligence Unit",
    ),
}
GENERIC_TEXTS = [
    "The {authority} coordinates the implementation of these measures with the ministries concerned. An "
    "inter-ministerial working group meets quarterly and reports to the Government each year.",
    "Implementation is governed by the {code} and its implementing regulations of {year}. Guidelines issued "
    "by the Prosecutor General in {year2} set out the practice of the courts and of the prosecution service.",
    "Training for judges, prosecutors and police officers is provided by the national judicial training "
    "institute; some {n} officials attended courses on these subjects in {year2}.",
    "Limited resources in the regions and the lack of comparable statistics remain the main difficulties; "
    "a national data-collection system is being introduced with the support of development partners.",
]


def _focal_point(respondent: Respondent, secadmin: User, password_hash: str) -> User:
    designation = (
        Designation.objects.active()
        .filter(respondent=respondent, kind=Designation.Kind.FOCAL_POINT)
        .select_related("person")
        .first()
    )
    if designation is not None:
        return designation.person
    # Seeded for repeatable demo names, never for secrets.
    rng = random.Random(respondent.code)  # nosec B311
    username = f"corr-{respondent.code.lower()}"
    person, created = User.objects.get_or_create(
        username=username,
        defaults={
            "role": Role.CORRESPONDENT,
            "first_name": rng.choice(FIRST_NAMES),
            "last_name": rng.choice(LAST_NAMES),
            "email": f"{username}@demo.invalid",
            "password": password_hash,
        },
    )
    Designation.objects.create(
        respondent=respondent,
        person=person,
        kind=Designation.Kind.FOCAL_POINT,
        may_submit=True,
        communication=f"Note verbale {respondent.code}/DEMO/1 (demonstration data)",
        designated_by=secadmin,
    )
    return person


class AnswerWriter:
    """Realistic answers for one state, stable from run to run."""

    def __init__(self, respondent: Respondent, person: User, group: str):
        self.respondent, self.person, self.group = respondent, person, group
        # Seeded for repeatable demo answers, never for secrets.
        self.rng = random.Random(f"{respondent.code}-answers")  # nosec B311
        self.code_name = self.rng.choice(["Criminal Code", "Penal Code"])
        self.authority = self.rng.choice(
            [
                "Ministry of Justice",
                "Ministry of Justice and Public Security",
                "Office of the Attorney General",
            ]
        )

    def _act(self, topic: str) -> tuple[str, int]:
        year = self.rng.randint(1975, 1996)
        style = self.rng.randrange(3)
        if style == 0:
            return f"the {topic} Act {year}", year
        if style == 1:
            return f"Law No. {self.rng.randint(12, 480)}/{year} on {topic}", year
        return (
            f"the {topic} Law of {self.rng.randint(1, 28)} {self.rng.choice(MONTHS)} {year}",
            year,
        )

    def _long_text(self, code: str) -> str:
        topic = next((key for key in TOPICS if key in code), None)
        if topic and code.endswith("_summary"):
            title, conduct, enforcer = TOPICS[topic]
            act, year = self._act(title)
            low, high = self.rng.randint(1, 4), self.rng.choice([8, 10, 12, 15, 20])
            text = (
                f"{act[0].upper()}{act[1:]} (last amended in {self.rng.randint(year + 1, 1998)}) and "
                f"articles {self.rng.randint(100, 400)} to {self.rng.randint(401, 460)} of the "
                f"{self.code_name} criminalize "
                f"{conduct}. Penalties range from {low} to {high} years of imprisonment, and up to "
                f"{high + 5} years where the offence is committed by an organized criminal group. "
                f"Enforcement "
                f"rests with {enforcer}."
            )
            return text
        if topic and code.endswith("_pending"):
            if self.rng.random() < 0.5:
                return "No legislative proposal is pending."
            title, _conduct, _enforcer = TOPICS[topic]
            return (
                f"A bill amending the legislation on {title.lower()} to extend the investigative powers of "
                f"the police and to provide for the confiscation of instrumentalities was submitted to "
                f"Parliament "
                f"in {self.rng.randint(1996, 1998)}; it is at the committee stage."
            )
        if code.endswith("law_details"):
            act, year = self._act(
                self.rng.choice(["Prison Service", "Juvenile Justice", "Criminal Procedure"])
            )
            return (
                f"{act[0].upper()}{act[1:]} and the implementing regulations of {year + 2} reflect the "
                f"standard: they provide for the separation of categories of detainees, access to medical "
                f"care, the right "
                f"to complain to an independent authority and regular inspection."
            )
        template = self.rng.choice(GENERIC_TEXTS)
        return template.format(
            authority=self.authority,
            code=self.code_name,
            year=self.rng.randint(1985, 1996),
            year2=self.rng.randint(1996, 1998),
            n=self.rng.randint(40, 900),
        )

    def _short_text(self, code: str, spec: dict) -> str:
        name = self.respondent.name_en
        if code.endswith("authority") and code.startswith("contact"):
            return f"{self.authority}, Department of International Legal Cooperation"
        if "contact_person" in code or code.endswith(".person"):
            return self.person.get_full_name() or self.person.username
        if "position" in code:
            return "Director, International Legal Cooperation"
        if "email" in code:
            return f"focal.point@justice.{self.respondent.code.lower()}.example.org"
        if "phone" in code:
            parts = (self.rng.randint(20, 998), self.rng.randint(10, 99), self.rng.randint(100, 9999))
            return "+{} {} {}".format(*parts)
        if "languages" in code:
            return LANGUAGES.get(self.respondent.code, "")
        if "central_authority" in code:
            return f"{self.authority} of {name}, Central Authority for Mutual Legal Assistance"
        if "supervising" in code:
            return "National Probation and Aftercare Service"
        return f"{self.authority} of {name}"[: spec.get("max_length", 500)]

    def _table(self, question) -> list[dict]:
        columns = {c["code"]: c for c in question.spec["columns"]}
        neighbours = [c for c in STATES[self.group] if c != self.respondent.code]
        names = dict(Respondent.objects.filter(code__in=neighbours).values_list("code", "name_en"))
        rows = []
        if "partners" in columns or "partner" in columns:
            key = "partners" if "partners" in columns else "partner"
            partners, instrument, year = REGIONAL[self.group]
            rows.append(
                {
                    key: partners,
                    "scope": "regional",
                    "year": min(year, 1998),
                    "in_force": "yes",
                    "instrument": instrument,
                    "type": "extradition",
                }
            )
            rows.append(
                {
                    key: "States parties to the 1988 Convention",
                    "scope": "global",
                    "year": 1988,
                    "in_force": "yes",
                    "type": "mutual_legal_assistance",
                    "instrument": "United Nations Convention against Illicit Traffic in Narcotic Drugs "
                    "and Psychotropic Substances, art. 7",
                }
            )
            for code in self.rng.sample(neighbours, k=self.rng.randint(1, 3)):
                year = self.rng.randint(1962, 1997)
                kind = self.rng.choice(["extradition", "mutual_legal_assistance", "other_law_enforcement"])
                rows.append(
                    {
                        key: names.get(code, code),
                        "scope": "bilateral",
                        "year": year,
                        "in_force": self.rng.choice(["yes", "yes", "partly"]),
                        "type": kind,
                        "instrument": f"Treaty between {self.respondent.name_en} and {names.get(code, code)} "
                        f"on {'extradition' if kind == 'extradition' else 'mutual legal assistance'}",
                    }
                )
        elif "activity" in columns:
            for activity in self.rng.sample(
                [
                    "Regional seminar on money-laundering investigations",
                    "Training course on controlled delivery",
                    "Workshop on mutual legal assistance requests",
                    "Joint exercise on border controls",
                ],
                k=2,
            ):
                rows.append(
                    {
                        "activity": activity,
                        "organizer": self.rng.choice(["UNDCP", "INTERPOL", "National Police Academy"]),
                        "year": self.rng.randint(1994, 1998),
                        "participants": self.rng.randint(12, 80),
                    }
                )
        return [{k: v for k, v in row.items() if k in columns} for row in rows]

    def _treaties(self, question) -> dict:
        from questionnaires.models import Treaty

        adopted = dict(
            Treaty.objects.filter(code__in=question.spec["treaties"]).values_list("code", "adopted")
        )
        matrix = {}
        for code in question.spec["treaties"]:
            year = adopted.get(code, 1980)
            if year >= 1997:
                status = self.rng.choice(["signed", "not_party"])
            else:
                status = self.rng.choices(
                    ["ratified", "acceded", "signed", "not_party"], weights=[6, 3, 1, 1]
                )[0]
            entry = {"status": status, "date": None, "reservations": ""}
            if status != "not_party":
                joined = min(1998, year + self.rng.randint(1, 12))
                entry["date"] = datetime.date(
                    joined, self.rng.randint(1, 12), self.rng.randint(1, 28)
                ).isoformat()
            if status in ("ratified", "acceded") and self.rng.random() < 0.15:
                entry["reservations"] = (
                    "Reservation to the article on the settlement of disputes (compulsory arbitration)."
                )
            matrix[code] = entry
        return matrix

    def value(self, question):
        spec, kind, code = question.spec, question.type, question.code
        if kind == "short_text":
            return self._short_text(code, spec)
        if kind == "long_text":
            return self._long_text(code)
        if kind == "yes_no_partly":
            return self.rng.choices(["yes", "partly", "no", "unknown"], weights=[12, 5, 2, 1])[0]
        if kind == "single_choice":
            codes = [c["code"] for c in spec["choices"]]
            return self.rng.choices(codes, weights=[len(codes) - i for i in range(len(codes))])[0]
        if kind == "multiple_choice":
            codes = [c["code"] for c in spec["choices"]]
            return self.rng.sample(codes, k=self.rng.randint(1, min(4, len(codes))))
        if kind in ("integer", "decimal"):
            low, high = spec.get("min", 0), spec.get("max", 1_000_000)
            unit = (spec.get("unit") or {}).get("en", "")
            if unit == "years":
                return self.rng.randint(max(low, 12), min(high, 70))
            if "dollars" in unit:
                return self.rng.choice([10000, 15000, 1000, 250, 2_500_000, 14_000_000])
            return self.rng.randint(low, min(high, 5000 if unit in ("days", "hours") else 60000))
        if kind == "year":
            return self.rng.randint(max(spec.get("min", 1900), 1985), min(spec.get("max", 2100), 1998))
        if kind == "date":
            if code.endswith("reply_date"):
                return (timezone.localdate() - datetime.timedelta(days=self.rng.randint(1, 20))).isoformat()
            return datetime.date(
                self.rng.randint(1990, 1998), self.rng.randint(1, 12), self.rng.randint(1, 28)
            ).isoformat()
        if kind == "treaty_matrix":
            return self._treaties(question)
        if kind == "table":
            return self._table(question)
        if kind == "links":
            slug = code.split(".")[-1].replace("_", "-")
            return [
                {
                    "url": f"https://legislation.example.org/{self.respondent.code.lower()}/{slug}",
                    "title": f"{self.code_name} ({self.respondent.name_en}), consolidated text",
                }
            ]
        return None  # attachments are uploaded, not generated

    def answers(self, definition: dict, *, share: float = 0.6) -> dict:
        """Answers in questionnaire order, only to questions shown by the earlier answers;
        every required question is answered, about ``share`` of the others."""
        answers: dict = {}
        for question in iter_questions(definition):
            if not is_visible(question, answers):
                continue
            if not question.required and self.rng.random() > share:
                continue
            if not question.required and question.type == "long_text" and self.rng.random() < 0.05:
                answers[question.code] = {"special": "no_information"}
                continue
            value = self.value(question)
            if value not in (None, [], {}, ""):
                answers[question.code] = value
        return answers


def _save(response: Response, person: User, answers: dict) -> None:
    response.refresh_from_db()
    result = services.draft_save(
        response=response, user=person, answers=answers, base_revision=response.draft_revision
    )
    if not result.ok:
        raise RuntimeError(f"demo answers refused for {response}: {result.errors or result.conflicts}")


def _attach(response: Response, person: User, question_code: str, name: str, text: str) -> None:
    attachment = services.attachment_upload(
        response=response,
        question_code=question_code,
        upload=SimpleUploadedFile(name, text.encode("utf-8")),
        user=person,
    )
    _save(response, person, {question_code: [attachment.pk]})


def _amend(response: Response, person: User) -> None:
    """The state amends its latest version: edits two texts and adds an arrangement."""
    services.response_amend(response=response, user=person)
    response.refresh_from_db()
    latest = response.versions.order_by("-number").first().answers
    changes = {}
    texts = sorted(
        (code for code, value in latest.items() if isinstance(value, str) and len(value) > 80),
        key=lambda code: (not code.endswith("_summary"), code),
    )
    for code in texts[:2]:
        changes[code] = (
            latest[code].replace("Penalties range", "Since the amendment of 1998, penalties range")
            + " Confiscation of the proceeds is mandatory on conviction."
        )
    if isinstance(latest.get("b.2.arrangements"), list):
        row = {
            "partners": "States members of INTERPOL",
            "type": "other_law_enforcement",
            "scope": "global",
            "instrument": "INTERPOL Constitution",
            "year": 1956,
            "in_force": "yes",
        }
        changes["b.2.arrangements"] = [*latest["b.2.arrangements"], row]
    _save(response, person, changes)
    services.response_submit(
        response=response, user=person, base_revision=draft_revision_get(response=response)
    )


def _secretariat_amendment(response: Response, reviewer: User) -> None:
    latest = response.versions.order_by("-number").first().answers
    matrix = latest.get("d.1.treaty_status")
    if isinstance(matrix, dict):
        code = next(
            (c for c, e in matrix.items() if e["status"] in ("signed", "not_party") and "1997" not in c),
            next(iter(matrix)),
        )
        corrected = {**matrix, code: {"status": "ratified", "date": "1996-11-19", "reservations": ""}}
        services.secretariat_amendment_create(
            response=response,
            user=reviewer,
            answers={"d.1.treaty_status": corrected},
            reason="Treaty status corrected according to the records of the depositary (United Nations "
            "Treaty "
            "Collection); the instrument of ratification was deposited on 19 November 1996.",
        )
    else:
        services.secretariat_amendment_create(
            response=response,
            user=reviewer,
            answers={"contact.1.authority": f"Ministry of Justice of {response.respondent.name_en}"},
            reason="Official name of the responding authority, as given in the note verbale of transmission.",
        )


def _clarify(response: Response, reviewer: User, definition: dict) -> None:
    codes = {q.code for q in iter_questions(definition)}
    wanted = {
        "a.7.money_laundering_summary": "Please indicate the predicate offences covered and whether "
        "self-laundering is criminalized.",
        "d.1.treaty_status": "The depositary records show a different date for the 1988 Convention; please "
        "confirm the date of deposit of the instrument.",
        "smr_prisoners.6.prison_population": "Please give the reference date of this figure and say "
        "whether it "
        "includes pre-trial detainees held in police custody.",
        "contact.1.authority": "Please confirm the official name of the responding authority.",
    }
    comments = {code: text for code, text in wanted.items() if code in codes}
    services.clarification_request(
        response=response,
        user=reviewer,
        comments=dict(list(comments.items())[:2]),
        due_date=timezone.localdate() + datetime.timedelta(days=14),
    )


def _play(plan: str, *, cycle: Cycle, respondent: Respondent, person: User, people: dict, group: str) -> None:
    """Write one state's history in the cycle, up to ``plan``."""
    reviewer = people["reviewer"]
    writer = AnswerWriter(respondent, person, group)
    definition = cycle.instrument_version.definition
    response = services.response_start(cycle=cycle, respondent=respondent, user=person)
    if plan == "started":
        return
    if plan == "draft":
        _save(response, person, writer.answers(definition, share=0.3))
        return
    _save(response, person, writer.answers(definition))
    if writer.rng.random() < 0.2:
        texts = next((q.code for q in iter_questions(definition) if q.type == "attachments"), None)
        if texts:
            _attach(
                response,
                person,
                texts,
                f"{writer.code_name.lower().replace(' ', '-')}-extract.txt",
                f"{writer.code_name} of {respondent.name_en} (extract)\n\nArticle 1. ...\n",
            )
    services.response_submit(
        response=response, user=person, base_revision=draft_revision_get(response=response)
    )
    if plan == "submitted":
        return
    if plan == "amended":  # the state amends before any review: resubmitted
        _amend(response, person)
        return
    services.review_start(response=response, user=reviewer)
    if plan == "in_review":
        return
    if plan in ("clarification", "clarified"):
        _clarify(response, reviewer, definition)
        if plan == "clarified":
            thread = response.threads.first()
            services.clarification_reply(
                thread=thread,
                user=person,
                text="The information is being verified; an amended response follows.",
            )
            _amend(response, person)
        return
    if plan in ("secretariat_amended", "accepted_after_secretariat_amendment"):
        _secretariat_amendment(response, reviewer)
        if plan == "secretariat_amended":
            services.response_accept(response=response, user=reviewer)
            return
        version = response.versions.order_by("-number").first()
        services.version_acknowledge(version=version, user=person, decision="acknowledged")
    services.response_accept(response=response, user=reviewer)


PLANS_1997 = [
    "accepted",
    "accepted",
    "in_review",
    "submitted",
    "amended",
    "clarification",
    "clarified",
    "accepted_after_secretariat_amendment",
    "accepted",
    "draft",
    "submitted",
    "accepted",
]
NAMED_1997 = {
    "FRA": "french_draft",
    "KEN": "clarification",
    "BRA": "secretariat_amended",
    "JPN": "amended",
    "POL": None,
}
NAMED_2004 = {"BRA": "started", "JPN": "submitted", "KEN": "draft", "FRA": None, "POL": None}
PLANS_2004 = ["submitted", "accepted", "draft", "in_review", "accepted"]


def _french_draft(cycle: Cycle, people: dict) -> None:
    """A few answers by the focal point and a colleague, one attached text: the rest is
    for corr-fra to fill in."""
    france = Respondent.objects.get(code="FRA")
    claire, julien = people["corr-fra"], people["corr-fra-2"]
    response = services.response_start(cycle=cycle, respondent=france, user=claire)
    _save(
        response,
        claire,
        {
            "contact.1.authority": "Ministère de la Justice, Direction des affaires criminelles",
            "contact.2.contact_person": "Claire Martin",
            "contact.4.email": "claire.martin@justice.example.fr",
            "a.1.organized_crime": "yes",
        },
    )
    _save(
        response,
        julien,
        {
            "a.1.organized_crime_summary": "Articles 450-1 to 450-5 of the Penal Code (Code pénal) define "
            "the offence of participation in an association de malfaiteurs, punishable by ten years' "
            "imprisonment "
            "where the offences prepared carry ten years or more.",
            "a.2.drug_trafficking": "yes",
        },
    )
    _attach(
        response,
        julien,
        "a.1.organized_crime_texts",
        "code-penal-450.txt",
        "Code pénal, articles 450-1 à 450-5 (extrait)\n\nArticle 450-1. Constitue une association de "
        "malfaiteurs tout groupement formé ou entente établie en vue de la préparation ...\n",
    )


@register_demo_step(20)
def seed_responses(*, people: dict, log) -> None:
    started = timezone.now()
    secadmin = people["secadmin"]
    password_hash = people["corr-fra"].password
    cycles = {c.slug: c for c in Cycle.objects.filter(slug__in=["demo-1997-34", "demo-2004-28-1"])}
    respondents = {
        r.code: r for r in Respondent.objects.filter(code__in=[c for g in STATES.values() for c in g])
    }
    created = 0
    # The demo writes history; it mails nobody.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for slug, named, plans, limit in (
            ("demo-1997-34", NAMED_1997, PLANS_1997, 9),
            ("demo-2004-28-1", NAMED_2004, PLANS_2004, 3),
        ):
            cycle = cycles.get(slug)
            if cycle is None:
                continue
            index = 0
            for group, codes in STATES.items():
                for code in codes[:limit]:
                    if code in named and named[code] is None:
                        continue
                    if Response.objects.filter(cycle=cycle, respondent__code=code).exists():
                        continue
                    plan = named.get(code) or plans[index % len(plans)]
                    index += 1
                    with transaction.atomic():
                        if plan == "french_draft":
                            _french_draft(cycle, people)
                        else:
                            respondent = respondents[code]
                            person = _focal_point(respondent, secadmin, password_hash)
                            _play(
                                plan,
                                cycle=cycle,
                                respondent=respondent,
                                person=person,
                                people=people,
                                group=group,
                            )
                    created += 1
        User.objects.filter(username__in=[f"corr-{c.lower()}" for g in STATES.values() for c in g]).exclude(
            username__in=list(people)
        ).update(password=password_hash)
    total = Response.objects.filter(cycle__slug__in=list(cycles)).count()
    seconds = (timezone.now() - started).total_seconds()
    log(f"Responses: {created} new, {total} in the demo cycles ({seconds:.1f} s)")
