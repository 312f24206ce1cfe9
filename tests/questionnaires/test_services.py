import json
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.utils import InternalError

from portal.errors import ApplicationError, PermissionDenied
from portal.models import AuditEntry, Respondent
from questionnaires import services
from questionnaires.definition import INSTRUMENTS_DIR, DefinitionError, read_definition_file
from questionnaires.models import Cycle, InstrumentVersion, Question
from tests.dates import cycle_dates, days_from_today

pytestmark = pytest.mark.django_db


def _version(code="1997-34", number=1) -> InstrumentVersion:
    return InstrumentVersion.objects.get(instrument__code=code, number=number)


def test_it_loads_every_instrument_with_its_questions():
    for code in ["1997-34", "2004-28-1", "2004-28-2", "2004-28-3", "2004-28-4"]:
        version = _version(code)
        assert version.status == InstrumentVersion.Status.APPROVED
        assert version.questions.count() > 20
    assert Question.objects.filter(
        version=_version(), code="d.1.treaty_status", type="treaty_matrix"
    ).exists()


def test_loading_again_changes_nothing():
    report = services.instruments_load()
    assert report.created == [] and report.updated == []
    assert len(report.unchanged) == 5


def test_every_shipped_instrument_is_complete_in_the_six_languages():
    report = services.instruments_load(languages=["fr", "es", "ru", "zh", "ar"])
    assert report.missing_translations == {}


def _copy_of_1997_34(tmp_path, change) -> Path:
    definition = read_definition_file(INSTRUMENTS_DIR / "1997-34" / "v1.yaml")
    change(definition)
    folder = tmp_path / "instruments" / "1997-34"
    folder.mkdir(parents=True)
    (folder / "v1.yaml").write_text(json.dumps(definition, ensure_ascii=False))
    return tmp_path / "instruments"


def test_it_reports_texts_that_fall_back_to_english(tmp_path):
    def drop_arabic(definition):
        del definition["sections"][0]["title"]["ar"]

    directory = _copy_of_1997_34(tmp_path, drop_arabic)
    report = services.instruments_load(directory=directory, languages=["fr", "ar"])
    assert report.missing_translations == {"1997-34 v1": 1}


def test_a_published_version_takes_corrected_translations_and_logs_it(tmp_path):
    def correct_spanish(definition):
        definition["title"]["es"] = "Cuestionario corregido"

    report = services.instruments_load(directory=_copy_of_1997_34(tmp_path, correct_spanish))
    assert report.translated == ["1997-34 v1"]
    assert _version().definition["title"]["es"] == "Cuestionario corregido"
    assert AuditEntry.objects.filter(action="instrument.translations_updated").exists()


def test_it_refuses_to_change_a_published_version(tmp_path):
    def change_english(definition):
        definition["title"]["en"] = "A quietly changed title"

    with pytest.raises(DefinitionError, match=r"1997-34 v1 is approved and cannot change; .* \(v2\)"):
        services.instruments_load(directory=_copy_of_1997_34(tmp_path, change_english))
    assert _version().definition["title"]["en"] != "A quietly changed title"


def test_the_database_refuses_to_edit_a_published_definition():
    version = _version()
    with pytest.raises(InternalError), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE questionnaires_instrumentversion SET definition = '{}'::jsonb WHERE id = %s",
            [version.pk],
        )


def test_the_database_refuses_to_delete_a_published_version():
    with pytest.raises(InternalError), connection.cursor() as cursor:
        cursor.execute("DELETE FROM questionnaires_instrumentversion WHERE id = %s", [_version().pk])


def _draft_of(code="2004-28-3") -> InstrumentVersion:
    source = _version(code)
    definition = {**source.definition, "version": 2, "status": "draft"}
    definition["sections"] = [*source.definition["sections"][:-1]]
    services.instrument_version_store(definition=definition, source="test")
    return _version(code, 2)


def test_a_draft_is_circulated_commented_and_approved(secadmin, corr_fra, corr_ken):
    draft = _draft_of()
    draft.definition = {**draft.definition, "title": {"en": "Edited while draft", "fr": "Modifié"}}
    draft.save()  # a draft may still change
    services.instrument_version_circulate(
        version=draft, comments_due=days_from_today(30), user=secadmin
    )
    france = Respondent.objects.get(code="FRA")
    question = draft.questions.first()
    comment = services.instrument_comment_add(
        version=draft,
        question_code=question.code,
        respondent=france,
        text="Please define 'victim'.",
        user=corr_fra,
    )
    assert comment.respondent == france
    with pytest.raises(PermissionDenied):
        services.instrument_comment_add(
            version=draft, question_code=question.code, respondent=france, text="forged", user=corr_ken
        )
    with pytest.raises(ApplicationError):
        services.instrument_version_approve(version=draft, approved_by=" ", user=secadmin)
    services.instrument_version_approve(
        version=draft,
        approved_by="Commission on Crime Prevention and Criminal Justice, sixteenth session",
        user=secadmin,
    )
    draft.refresh_from_db()
    assert draft.status == "approved" and draft.approved_at is not None


def test_only_an_administrator_approves(reviewer):
    with pytest.raises(PermissionDenied):
        services.instrument_version_approve(version=_draft_of(), approved_by="x", user=reviewer)


def _cycle(secadmin, version=None, **extra) -> Cycle:
    fields = {
        "slug": "test-cycle",
        "title": "Test cycle",
        "instrument_version": version or _version(),
        "session_number": 8,
        "session_year": 1999,
        "document_symbol": "E/CN.15/1999/99",
        **cycle_dates(),
        "user": secadmin,
    }
    fields.update(extra)
    return services.cycle_create(**fields)


def test_a_cycle_asks_all_member_states_by_default(secadmin):
    cycle = _cycle(secadmin)
    assert cycle.respondents.count() == 193
    assert not cycle.respondents.exclude(kind="member_state").exists()


def test_a_cycle_may_also_ask_organizations_and_institutes(secadmin):
    cycle = _cycle(secadmin, include_organizations=True)
    assert cycle.respondents.filter(kind="institute").exists()


def test_a_cycle_uses_only_approved_versions(secadmin):
    with pytest.raises(ApplicationError) as error:
        _cycle(secadmin, version=_draft_of())
    assert error.value.code == "version_not_approved"


def test_a_cycle_refuses_a_deadline_before_it_opens(secadmin):
    with pytest.raises(ApplicationError):
        _cycle(secadmin, opens_on=days_from_today(30), deadline=days_from_today(-1))


def test_opening_a_cycle_notifies_the_correspondents(secadmin, django_capture_on_commit_callbacks):
    cycle = _cycle(secadmin)
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_open(cycle=cycle, user=secadmin)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert "corr-fra@demo.invalid" in recipients and "corr-ken@demo.invalid" in recipients
    assert all("/questionnaires/cycles/test-cycle/" in m.body for m in mail.outbox)
    with pytest.raises(ApplicationError):
        services.cycle_open(cycle=cycle, user=secadmin)
    services.cycle_close(cycle=cycle, user=secadmin)


def test_only_administrators_create_cycles(reviewer, corr_fra):
    for person in (reviewer, corr_fra):
        with pytest.raises(PermissionDenied):
            _cycle(person)


def test_dump_instrument_prints_the_stored_version_in_the_file_shape(capsys):
    call_command("dump_instrument", "1997-34", "--version", "1")
    dumped = json.loads(capsys.readouterr().out)
    assert dumped == _version().definition
    assert dumped["code"] == "1997-34" and dumped["version"] == 1
    assert [s["code"] for s in dumped["sections"]][1:8] == list("abcdefg")


def test_dump_instrument_names_a_missing_instrument():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No stored version of instrument '9999'"):
        call_command("dump_instrument", "9999")
