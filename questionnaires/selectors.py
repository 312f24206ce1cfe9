"""Reads of the questionnaires domain, scoped to the person asking."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.http import Http404

from portal.models import Respondent, User
from questionnaires.definition import iter_questions
from questionnaires.models import (
    Cycle,
    Instrument,
    InstrumentVersion,
    Treaty,
    localized,
    localized_with_fallback,
)


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
    """Respondents asked, by the display name of their kind."""
    kinds = dict(Respondent.Kind.choices)
    counts = cycle.respondents.values_list("kind").annotate(n=Count("id")).order_by()
    return {kinds[kind]: n for kind, n in counts}


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
    # True when the text is missing in the language asked for and is shown in English:
    # templates wrap it in lang="en" with an "(English)" marker, never silently.
    text_fallback: bool = False
    help_fallback: bool = False
    unit_fallback: bool = False
    group_title_fallback: bool = False
    fallback_choices: frozenset[str] = frozenset()


@dataclass
class SectionView:
    code: str
    title: str
    intro: str
    mandate: str
    questions: list[QuestionView]
    title_fallback: bool = False
    intro_fallback: bool = False


def questionnaire_view(definition: dict, language: str | None = None) -> list[SectionView]:
    """The definition in one language, ready to render. A text missing in that language falls
    back to English and is flagged (``*_fallback``) so the page shows it as English."""
    treaty_names = {t.code: localized(t.short_name, language) for t in Treaty.objects.all()}
    group_titles = {
        item["group"]: localized_with_fallback(item["title"], language)
        for section in definition["sections"]
        for item in section["items"]
        if "group" in item
    }
    by_section: dict[str, list[QuestionView]] = {s["code"]: [] for s in definition["sections"]}
    for q in iter_questions(definition):
        spec = q.spec
        text, text_fallback = localized_with_fallback(spec["text"], language)
        help_text, help_fallback = localized_with_fallback(spec.get("help"), language)
        unit, unit_fallback = localized_with_fallback(spec.get("unit"), language)
        choices = [
            (c["code"], *localized_with_fallback(c["label"], language)) for c in spec.get("choices", [])
        ]
        group_title, group_title_fallback = group_titles.get(q.group, ("", False))
        by_section[q.section].append(
            QuestionView(
                code=q.code,
                type=q.type,
                text=text,
                help=help_text,
                mandate=spec.get("mandate", ""),
                required=q.required,
                show_if=spec.get("show_if"),
                unit=unit,
                choices=[(code, label) for code, label, _ in choices],
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
                group_title=group_title,
                text_fallback=text_fallback,
                help_fallback=help_fallback,
                unit_fallback=unit_fallback,
                group_title_fallback=group_title_fallback,
                fallback_choices=frozenset(code for code, _, fell_back in choices if fell_back),
            )
        )
    sections = []
    for s in definition["sections"]:
        title, title_fallback = localized_with_fallback(s["title"], language)
        intro, intro_fallback = localized_with_fallback(s.get("intro"), language)
        sections.append(
            SectionView(
                code=s["code"],
                title=title,
                intro=intro,
                mandate=s["mandate"],
                questions=by_section[s["code"]],
                title_fallback=title_fallback,
                intro_fallback=intro_fallback,
            )
        )
    return sections


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
