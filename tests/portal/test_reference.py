from collections import Counter

import pytest
from django.utils import translation

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


# The names in the six official languages (UNTERM short names for the Member States).

SCRIPTS = {
    "zh": lambda c: "\u4e00" <= c <= "\u9fff",  # CJK unified ideographs
    "ar": lambda c: "\u0600" <= c <= "\u06ff",  # Arabic
    "ru": lambda c: "\u0400" <= c <= "\u04ff",  # Cyrillic
}


def test_every_member_state_is_named_in_the_six_official_languages():
    states = list(Respondent.objects.filter(kind=Respondent.Kind.MEMBER_STATE))
    assert len(states) == 193
    for state in states:
        assert state.name_en.strip() and state.name_fr.strip(), state.code
        assert set(state.names) == {"ar", "zh", "ru", "es"}, state.code
        for language, text in state.names.items():
            assert text and text == text.strip(), (state.code, language)
        for language, in_script in SCRIPTS.items():
            assert any(in_script(c) for c in state.names[language]), (state.code, language)
        # Chinese names are written in ideographs alone (with at most full-width punctuation).
        assert not any(c.isascii() and c.isalpha() for c in state.names["zh"]), state.code
        assert not any("a" <= c.lower() <= "z" for c in state.names["ar"] + state.names["ru"]), state.code


def test_the_short_names_are_the_un_ones():
    bolivia = Respondent.objects.get(code="BOL")
    assert bolivia.names == {
        "ar": "بوليفيا (دولة - المتعددة القوميات)",
        "zh": "多民族玻利维亚国",
        "ru": "Боливия (Многонациональное Государство)",
        "es": "Bolivia (Estado Plurinacional de)",
    }
    netherlands = Respondent.objects.get(code="NLD")
    assert netherlands.names["es"] == "Países Bajos (Reino de los)"
    assert netherlands.names["ru"] == "Нидерланды (Королевство)"
    assert Respondent.objects.get(code="CHN").names["zh"] == "中国"
    assert Respondent.objects.get(code="RUS").names["ru"] == "Российская Федерация"
    assert Respondent.objects.get(code="SAU").names["ar"] == "المملكة العربية السعودية"
    assert Respondent.objects.get(code="MEX").names["es"] == "México"


def test_organizations_and_institutes_are_named_in_the_six_languages_too():
    others = Respondent.objects.exclude(kind=Respondent.Kind.MEMBER_STATE)
    assert others.exists()
    for respondent in others:
        assert set(respondent.names) == {"ar", "zh", "ru", "es"}, respondent.code
        assert all(respondent.names.values()), respondent.code
        for language, in_script in SCRIPTS.items():
            assert any(in_script(c) for c in respondent.names[language]), (respondent.code, language)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ar", "بوليفيا (دولة - المتعددة القوميات)"),
        ("zh-hans", "多民族玻利维亚国"),
        ("zh", "多民族玻利维亚国"),
        ("en", "Bolivia (Plurinational State of)"),
        ("fr", "Bolivie (État plurinational de)"),
        ("ru", "Боливия (Многонациональное Государство)"),
        ("es", "Bolivia (Estado Plurinacional de)"),
        ("de", "Bolivia (Plurinational State of)"),
    ],
)
def test_name_follows_the_active_language(language, expected):
    bolivia = Respondent.objects.get(code="BOL")
    with translation.override(language):
        assert bolivia.name == expected
        assert str(bolivia) == expected


def test_name_falls_back_to_english_when_a_language_is_missing():
    respondent = Respondent(code="XTEST", kind=Respondent.Kind.ORGANIZATION, name_en="Test body", name_fr="")
    for language in ("ar", "zh-hans", "ru", "es", "fr"):
        with translation.override(language):
            assert respondent.name == "Test body"
    respondent.names = {"es": "Órgano de prueba", "ar": ""}
    with translation.override("es"):
        assert respondent.name == "Órgano de prueba"
    with translation.override("ar"):
        assert respondent.name == "Test body"


def test_reloading_restores_the_names_and_changes_nothing_else():
    japan = Respondent.objects.get(code="JPN")
    japan.names = {}
    japan.save()
    Respondent.objects.filter(code="ESP").update(names={"es": "Spain?"})
    fields = ("code", "pk", "name_en", "name_fr", "kind", "regional_group", "is_active")
    before = set(Respondent.objects.values_list(*fields))
    counts = load_respondents()
    assert counts == {"created": 0, "updated": len(before)}
    assert set(Respondent.objects.values_list(*fields)) == before
    japan_names = {"ar": "اليابان", "zh": "日本", "ru": "Япония", "es": "Japón"}
    assert Respondent.objects.get(code="JPN").names == japan_names
    assert Respondent.objects.get(code="ESP").names["es"] == "España"
    snapshot = dict(Respondent.objects.values_list("code", "names"))
    load_respondents()
    assert dict(Respondent.objects.values_list("code", "names")) == snapshot


def test_the_loader_skips_names_on_a_model_without_them():
    """The data migration 0002 passes a historical model that predates the `names` field."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    state = MigrationExecutor(connection).loader.project_state(("portal", "0002_load_respondents"))
    historical = state.apps.get_model("portal", "Respondent")
    assert not any(f.name == "names" for f in historical._meta.get_fields())
    counts = load_respondents(historical)
    assert counts["created"] == 0
    assert Respondent.objects.get(code="BOL").names["zh"] == "多民族玻利维亚国"
