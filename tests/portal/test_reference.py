from collections import Counter

import pytest

from portal.models import RegionalGroup, Respondent
from portal.reference import load_respondents

pytestmark = pytest.mark.django_db


def test_it_has_all_193_member_states_in_the_five_regional_groups():
    states = Respondent.objects.filter(kind=Respondent.Kind.MEMBER_STATE)
    assert states.count() == 193
    groups = Counter(states.values_list("regional_group", flat=True))
    assert set(groups) == set(RegionalGroup.values)
    assert groups["AFRICAN"] == 54
    assert groups["EEG"] == 23
    assert groups["GRULAC"] == 33
    assert Respondent.objects.get(code="FRA").regional_group == "WEOG"
    assert Respondent.objects.get(code="KEN").regional_group == "AFRICAN"
    assert Respondent.objects.get(code="JPN").name_fr == "Japon"


def test_it_has_organizations_and_institutes_as_their_own_kinds():
    assert Respondent.objects.filter(kind=Respondent.Kind.ORGANIZATION, code="INTERPOL").exists()
    assert Respondent.objects.filter(kind=Respondent.Kind.INSTITUTE, code="UNICRI").exists()
    assert (
        not Respondent.objects.exclude(kind=Respondent.Kind.MEMBER_STATE).exclude(regional_group="").exists()
    )


def test_it_reloads_idempotently():
    before = Respondent.objects.count()
    counts = load_respondents()
    assert counts["created"] == 0
    assert Respondent.objects.count() == before
