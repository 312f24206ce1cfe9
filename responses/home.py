"""The home page sections of the responses domain: a correspondent's questionnaires, and
the secretariat's open cycles with what waits for review."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, F

from portal.home import register_home_section
from questionnaires.definition import iter_questions
from questionnaires.models import Cycle
from responses import forms
from responses.models import DraftAnswer, Response, ResponseVersion


@register_home_section
def correspondent_questionnaires_section(*, user) -> dict | None:
    """Each respondent of the person, in each open cycle that asks it: status, progress
    (answered / required shown questions), days left, and the next step."""
    from portal.selectors import user_designations

    if not user.is_correspondent:
        return None
    respondent_ids = [d.respondent_id for d in user_designations(user=user)]
    asked = (
        Cycle.respondents.through.objects.filter(
            respondent_id__in=respondent_ids, cycle__status=Cycle.Status.OPEN
        )
        .select_related("cycle__instrument_version", "respondent")
        .order_by("cycle__deadline", "respondent__name_en")
    )
    pairs = [(link.cycle, link.respondent) for link in asked]
    responses = {
        (r.cycle_id, r.respondent_id): r
        for r in Response.objects.for_user(user).filter(
            cycle_id__in={c.pk for c, _r in pairs}, respondent_id__in=respondent_ids
        )
    }
    answers: dict[int, dict] = {}
    drafts = [r.pk for r in responses.values() if r.draft_open]
    for response_id, code, value in DraftAnswer.objects.filter(response_id__in=drafts).values_list(
        "response_id", "question_code", "value"
    ):
        if value is not None:
            answers.setdefault(response_id, {})[code] = value
    submitted = [r.pk for r in responses.values() if not r.draft_open]
    for response_id, version_answers in ResponseVersion.objects.filter(
        response_id__in=submitted, number=F("response__latest_version_number")
    ).values_list("response_id", "answers"):
        answers[response_id] = version_answers
    rows = []
    for cycle, respondent in pairs:
        response = responses.get((cycle.pk, respondent.pk))
        if response is None:
            action, progress = "start", None
        else:
            questions = iter_questions(cycle.instrument_version.definition)
            progress = forms.progress_of(questions, answers.get(response.pk, {}))
            if response.draft_open:
                action = "continue"
            elif response.latest_version_number:
                action = "amend"
            else:
                action = "view"
        rows.append(
            {
                "cycle": cycle,
                "respondent": respondent,
                "response": response,
                "progress": progress,
                "action": action,
            }
        )
    return {"template": "responses/home_responses.html", "rows": rows}


@register_home_section
def review_section(*, user) -> dict | None:
    if not user.is_secretariat:
        return None
    cycles = list(Cycle.objects.open().order_by("deadline", "slug"))
    counts: dict[int, Counter] = {c.pk: Counter() for c in cycles}
    for cycle_id, status, n in (
        Response.objects.filter(cycle__in=cycles)
        .values_list("cycle_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[cycle_id][status] = n
    S = Response.Status
    return {
        "template": "responses/home_review.html",
        "cycles": [
            {
                "cycle": cycle,
                "waiting": counts[cycle.pk][S.SUBMITTED]
                + counts[cycle.pk][S.RESUBMITTED]
                + counts[cycle.pk][S.IN_REVIEW],
                "clarification": counts[cycle.pk][S.CLARIFICATION_REQUESTED],
                "accepted": counts[cycle.pk][S.ACCEPTED],
                "drafts": counts[cycle.pk][S.DRAFT],
            }
            for cycle in cycles
        ],
    }
