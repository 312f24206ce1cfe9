"""The demo: 40+ Member States of every regional group answer the demo cycles through the
real services; running it twice changes nothing."""

import pytest
from django.db.models import Count

from portal.demo import seed_demo
from portal.models import AuditEntry, RegionalGroup, User
from responses.demo import seed_responses
from responses.integrity import history_verify
from responses.models import ClarificationThread, DraftAnswer, Response, ResponseVersion
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Response, ResponseVersion, DraftAnswer, ClarificationThread, AuditEntry, User)
    }


def test_it_fills_the_demo_cycles_through_the_services_and_is_idempotent():
    people = seed_demo(password=PASSWORD, log=lambda line: None)
    first = _counts()

    responses = Response.objects.filter(cycle__slug="demo-1997-34").select_related("respondent")
    groups = {r.respondent.regional_group for r in responses}
    assert responses.filter(respondent__kind="member_state").count() >= 40
    assert groups == set(RegionalGroup.values)

    france = responses.get(respondent__code="FRA")
    assert france.status == Response.Status.DRAFT and france.draft_open and not france.versions.exists()
    authors = set(france.draft_answers.values_list("updated_by__username", flat=True))
    assert authors == {"corr-fra", "corr-fra-2"} and 3 <= france.draft_answers.count() <= 10
    assert not responses.filter(respondent__code="POL").exists()  # corr-pol has a "Start" button

    statuses = set(responses.values_list("status", flat=True))
    assert {
        "draft",
        "submitted",
        "in_review",
        "clarification_requested",
        "resubmitted",
        "accepted",
    } <= statuses
    several = responses.annotate(n=Count("versions")).filter(n__gte=2)
    assert several.count() >= 5
    kinds = set(ResponseVersion.objects.values_list("kind", flat=True))
    assert kinds == {"initial", "amended", "secretariat_amendment"}
    assert responses.get(respondent__code="KEN").status == Response.Status.CLARIFICATION_REQUESTED
    bra = responses.get(respondent__code="BRA")
    assert bra.versions.get(number=2).kind == "secretariat_amendment" and bra.status == "accepted"
    carried = DraftAnswer.objects.filter(
        response__cycle__slug="demo-2004-28-1", response__respondent__code="BRA", carried_forward=True
    )
    assert carried.exists()
    assert User.objects.filter(username="corr-deu", designations__kind="focal_point").exists()
    assert history_verify().breaks == []

    seed_responses(people=people, log=lambda line: None)  # the responses' step, run again
    assert _counts() == first
