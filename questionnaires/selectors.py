"""Reads of the questionnaires domain, scoped to the person asking."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.http import Http404

from portal.models import Respondent, User
from questionnaires.definition import iter_questions
from questionnaires.models import Cycle, Instrument, InstrumentVersion, Treaty, localized


def cycles_for_user(*, user: User) -> QuerySet[Cycle]:
    return Cycle.objects.for_user(user).select_related("instrument_version__instrument")


def cycle_get_for_user(*, user: User, slug: str) -> Cycle:
    cycle = cycles_for_user(user=user).filter(slug=slug).first()
    if cycle is None:
        raise Http404
    return cycle


def instrument_versions_for_user(*, user: User) -> QuerySet[InstrumentVersion]:
    """The secretariat sees every version; a correspondent the versions circulated for
    comments and those used by a cycle they can see; anyone else none."""
    versions = InstrumentVersion.objects.select_related("instrument")
    if user.is_authenticated and user.is_secretariat:
        return versions
    if user.is_authenticated and user.is_correspondent:
        return versions.filter(
            pk__in=InstrumentVersion.objects.filter(status=InstrumentVersion.Status.CIRCULATED)
            .values("pk")
            .union(Cycle.objects.for_user(user).values("instrument_version"))
        )
    return versions.none()


def instrument_version_get_for_user(*, user: User, code: str, number: int) -> InstrumentVersion:
    version = instrument_versions_for_user(user=user).filter(instrument__code=code, number=number).first()
    if version is None:
        raise Http404
    return version


def instruments_with_versions() -> QuerySet[Instrument]:
    return Instrument.objects.prefetch_related("versions").annotate(version_count=Count("versions"))


def cycle_respondent_counts(*, cycle: Cycle) -> dict:
    return dict(cycle.respondents.values_list("kind").annotate(n=Count("id")).order_by())


def respondents_of_user_in_cycle(*, user: User, cycle: Cycle) -> QuerySet[Respondent]:
    return cycle.respondents.filter(pk__in=Respondent.objects.for_user(user).values("pk"))


@dataclass
class QuestionView:
    code: str
    type: str
    text: str
    help: str
    mandate: str
    required: bool
    show_if: dict | None
    unit: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    columns: list[dict] = field(default_factory=list)
    treaties: list[tuple[str, str]] = field(default_factory=list)
    spec: dict = field(default_factory=dict, repr=False)
    group: str = ""
    group_title: str = ""


@dataclass
class SectionView:
    code: str
    title: str
    intro: str
    mandate: str
    questions: list[QuestionView]


def questionnaire_view(definition: dict, language: str | None = None) -> list[SectionView]:
    """The definition in one language, ready to render (falling back to English)."""
    treaty_names = {t.code: localized(t.short_name, language) for t in Treaty.objects.all()}
    group_titles = {
        item["group"]: localized(item["title"], language)
        for section in definition["sections"]
        for item in section["items"]
        if "group" in item
    }
    by_section: dict[str, list[QuestionView]] = {s["code"]: [] for s in definition["sections"]}
    for q in iter_questions(definition):
        spec = q.spec
        by_section[q.section].append(
            QuestionView(
                code=q.code,
                type=q.type,
                text=localized(spec["text"], language),
                help=localized(spec.get("help"), language),
                mandate=spec.get("mandate", ""),
                required=q.required,
                show_if=spec.get("show_if"),
                unit=localized(spec.get("unit"), language),
                choices=[(c["code"], localized(c["label"], language)) for c in spec.get("choices", [])],
                columns=[
                    {
                        "code": c["code"],
                        "type": c["type"],
                        "label": localized(c["label"], language),
                        "required": c.get("required", False),
                        "choices": [
                            (ch["code"], localized(ch["label"], language)) for ch in c.get("choices", [])
                        ],
                    }
                    for c in spec.get("columns", [])
                ],
                treaties=[(code, treaty_names.get(code, code)) for code in spec.get("treaties", [])],
                spec=spec,
                group=q.group,
                group_title=group_titles.get(q.group, ""),
            )
        )
    return [
        SectionView(
            code=s["code"],
            title=localized(s["title"], language),
            intro=localized(s.get("intro"), language),
            mandate=s["mandate"],
            questions=by_section[s["code"]],
        )
        for s in definition["sections"]
    ]


def instrument_versions_diff(old: dict, new: dict) -> dict:
    """Questions added, removed and changed between two definitions, by stable code."""
    old_q = {q.code: q.spec for q in iter_questions(old)}
    new_q = {q.code: q.spec for q in iter_questions(new)}
    return {
        "added": [code for code in new_q if code not in old_q],
        "removed": [code for code in old_q if code not in new_q],
        "changed": [
            {
                "code": code,
                "fields": sorted(
                    k for k in set(old_q[code]) | set(new_q[code]) if old_q[code].get(k) != new_q[code].get(k)
                ),
            }
            for code in new_q
            if code in old_q and old_q[code] != new_q[code]
        ],
    }
