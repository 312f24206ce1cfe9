"""The full life of a response through its services: draft, submit, amend, review,
clarification, resubmission, secretariat amendment, acceptance."""

import pgtrigger
import pytest
from django.core import mail
from django.db import connection
from django.db.utils import InternalError
from django.urls import reverse

from portal.errors import ApplicationError, PermissionDenied
from responses import services
from responses.integrity import history_verify
from responses.models import ClarificationThread, DraftAnswer, Response, ResponseVersion
from responses.selectors import draft_revision_get
from responses.services.versions import SubmissionInvalid, SubmissionStale
from tests.dates import cycle_dates

pytestmark = pytest.mark.django_db


def test_it_starts_one_response_per_respondent_and_cycle(response_fra, open_cycle, france, corr_fra_2):
    again = services.response_start(cycle=open_cycle, respondent=france, user=corr_fra_2)
    assert again.pk == response_fra.pk
    assert response_fra.status == Response.Status.DRAFT and response_fra.draft_open


def test_it_validates_every_saved_value_and_saves_nothing_on_error(response_fra, corr_fra):
    result = services.draft_save(
        response=response_fra,
        user=corr_fra,
        answers={"contact.1.authority": "Ministry of Justice", "a.1.organized_crime": "perhaps"},
        base_revision=0,
    )
    assert not result.ok
    assert "yes, no, partly or unknown" in result.errors["a.1.organized_crime"]
    assert not DraftAnswer.objects.filter(response=response_fra).exists()


def test_it_refuses_unknown_questions(response_fra, corr_fra):
    result = services.draft_save(response=response_fra, user=corr_fra, answers={"zz.9": "x"}, base_revision=0)
    assert "There is no question zz.9" in result.errors["zz.9"]


def test_saves_to_different_questions_merge(response_fra, corr_fra, corr_fra_2):
    first = services.draft_save(
        response=response_fra, user=corr_fra, answers={"contact.1.authority": "Ministry"}, base_revision=0
    )
    second = services.draft_save(
        response=response_fra, user=corr_fra_2, answers={"a.1.organized_crime": "yes"}, base_revision=0
    )
    assert first.ok and second.ok
    assert second.revision == first.revision + 1
    values = dict(DraftAnswer.objects.filter(response=response_fra).values_list("question_code", "value"))
    assert values == {"contact.1.authority": "Ministry", "a.1.organized_crime": "yes"}


def test_a_stale_save_to_the_same_question_is_a_conflict_showing_both_values(
    response_fra, corr_fra, corr_fra_2
):
    services.draft_save(
        response=response_fra, user=corr_fra, answers={"a.1.organized_crime": "yes"}, base_revision=0
    )
    result = services.draft_save(
        response=response_fra, user=corr_fra_2, answers={"a.1.organized_crime": "no"}, base_revision=0
    )
    assert not result.ok
    conflict = result.conflicts["a.1.organized_crime"]
    assert conflict["yours"] == "no" and conflict["theirs"] == "yes"
    assert "corr-fra" in conflict["by"]
    assert DraftAnswer.objects.get(response=response_fra, question_code="a.1.organized_crime").value == "yes"
    # Having seen their value, the colleague may overwrite it deliberately.
    retry = services.draft_save(
        response=response_fra,
        user=corr_fra_2,
        answers={"a.1.organized_crime": "no"},
        base_revision=conflict["revision"],
    )
    assert retry.ok


def test_it_records_who_last_changed_each_answer_and_the_language(response_fra, corr_fra_2):
    services.draft_save(
        response=response_fra,
        user=corr_fra_2,
        answers={"contact.1.authority": "Ministère"},
        base_revision=0,
        language="fr",
    )
    answer = DraftAnswer.objects.get(response=response_fra, question_code="contact.1.authority")
    assert answer.updated_by == corr_fra_2 and answer.language == "fr"


def test_the_other_state_cannot_save(response_fra, corr_ken):
    with pytest.raises(PermissionDenied):
        services.draft_save(
            response=response_fra, user=corr_ken, answers={"contact.1.authority": "x"}, base_revision=0
        )


def test_submission_requires_every_required_answer(response_fra, corr_fra):
    with pytest.raises(SubmissionInvalid) as error:
        services.response_submit(
            response=response_fra, user=corr_fra, base_revision=draft_revision_get(response=response_fra)
        )
    assert "a.1.organized_crime" in error.value.extra["errors"]


def test_only_the_focal_point_or_an_authorised_correspondent_submits(filled_fra, corr_fra_2, corr_ken):
    for person in (corr_fra_2, corr_ken):
        with pytest.raises(PermissionDenied):
            services.response_submit(
                response=filled_fra, user=person, base_revision=draft_revision_get(response=filled_fra)
            )


def test_the_full_path_from_draft_to_acceptance(
    filled_fra, corr_fra, corr_fra_2, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        v1 = services.response_submit(
            response=filled_fra,
            user=corr_fra,
            base_revision=draft_revision_get(response=filled_fra),
            ip_address="198.51.100.7",
        )
    assert (v1.number, v1.kind) == (1, ResponseVersion.Kind.INITIAL)
    assert len(v1.sha256) == 64 and v1.previous_sha256 == ""
    filled_fra.refresh_from_db()
    assert filled_fra.status == Response.Status.SUBMITTED and not filled_fra.draft_open
    assert any("Submission received" in m.subject for m in mail.outbox)
    with pytest.raises(PermissionDenied):
        services.draft_save(
            response=filled_fra, user=corr_fra, answers={"contact.1.authority": "x"}, base_revision=9
        )

    services.review_start(response=filled_fra, user=reviewer)
    with pytest.raises(ApplicationError):
        services.clarification_request(response=filled_fra, user=reviewer, comments={"zz": "?"})
    with django_capture_on_commit_callbacks(execute=True):
        (thread,) = services.clarification_request(
            response=filled_fra, user=reviewer, comments={"a.1.organized_crime": "Which law applies?"}
        )
    filled_fra.refresh_from_db()
    assert filled_fra.status == Response.Status.CLARIFICATION_REQUESTED
    assert any("Clarification requested" in m.subject for m in mail.outbox)
    services.clarification_reply(thread=thread, user=corr_fra_2, text="Law No. 2004-204 of 9 March 2004.")

    services.response_amend(response=filled_fra, user=corr_fra_2)
    filled_fra.refresh_from_db()
    result = services.draft_save(
        response=filled_fra,
        user=corr_fra_2,
        answers={"a.1.organized_crime_summary": "Law No. 2004-204 adapts justice to organized crime."},
        base_revision=filled_fra.draft_revision,
    )
    assert result.ok
    v2 = services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    assert (v2.number, v2.kind, v2.previous_sha256) == (2, ResponseVersion.Kind.AMENDED, v1.sha256)
    filled_fra.refresh_from_db()
    assert filled_fra.status == Response.Status.RESUBMITTED

    with pytest.raises(ApplicationError) as error:
        services.secretariat_amendment_create(
            response=filled_fra,
            user=reviewer,
            answers={"contact.1.authority": "Ministry of Justice (France)"},
            reason="",
        )
    assert error.value.code == "reason_required"
    v3 = services.secretariat_amendment_create(
        response=filled_fra,
        user=reviewer,
        answers={"contact.1.authority": "Ministry of Justice (France)"},
        reason="Official name of the authority as in the note verbale.",
    )
    assert v3.kind == ResponseVersion.Kind.SECRETARIAT_AMENDMENT and v3.number == 3
    assert v3.answers["a.1.organized_crime_summary"].startswith("Law No. 2004-204")
    services.version_acknowledge(version=v3, user=corr_fra, decision="acknowledged")
    with pytest.raises(ApplicationError):
        services.version_acknowledge(version=v3, user=corr_fra, decision="contested", comment=" ")

    services.response_accept(response=filled_fra, user=reviewer)
    filled_fra.refresh_from_db()
    assert filled_fra.status == Response.Status.ACCEPTED
    assert not ClarificationThread.objects.filter(response=filled_fra, status="open").exists()
    assert history_verify().breaks == []


def test_only_the_secretariat_reviews(filled_fra, corr_fra, commission):
    services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    for person in (corr_fra, commission):
        with pytest.raises(PermissionDenied):
            services.response_accept(response=filled_fra, user=person)


def test_a_draft_cannot_be_accepted(response_fra, reviewer):
    with pytest.raises(ApplicationError) as error:
        services.response_accept(response=response_fra, user=reviewer)
    assert error.value.code == "invalid_transition"


def test_a_save_from_a_revision_that_does_not_exist_is_refused(response_fra, corr_fra):
    with pytest.raises(ApplicationError) as error:
        services.draft_save(
            response=response_fra, user=corr_fra, answers={"contact.1.authority": "x"}, base_revision=99
        )
    assert error.value.code == "unknown_revision"


def test_only_its_correspondents_start_a_response_and_only_in_an_open_cycle(
    open_cycle, france, corr_ken, secadmin
):
    from questionnaires import services as questionnaire_services

    with pytest.raises(PermissionDenied):
        services.response_start(cycle=open_cycle, respondent=france, user=corr_ken)
    questionnaire_services.cycle_close(cycle=open_cycle, user=secadmin)
    open_cycle.refresh_from_db()
    with pytest.raises(ApplicationError) as error:
        services.response_start(cycle=open_cycle, respondent=france, user=secadmin)
    assert error.value.code == "cycle_not_open"


def test_a_clarification_cannot_be_due_in_the_past(filled_fra, corr_fra, reviewer):
    import datetime

    services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    with pytest.raises(ApplicationError) as error:
        services.clarification_request(
            response=filled_fra,
            user=reviewer,
            comments={"a.1.organized_crime": "?"},
            due_date=datetime.date(2000, 1, 1),
        )
    assert error.value.code == "due_date_past"


def test_versions_are_append_only_in_the_database(filled_fra, corr_fra):
    version = services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    with pytest.raises(InternalError), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE responses_responseversion SET answers = '{}'::jsonb WHERE id = %s", [version.pk]
        )


def test_versions_cannot_be_deleted_in_the_database(filled_fra, corr_fra):
    services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    with pytest.raises(InternalError), connection.cursor() as cursor:
        cursor.execute("DELETE FROM responses_responseversion")


def test_verify_history_names_a_break(filled_fra, corr_fra):
    from django.core.management import CommandError, call_command

    version = services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    call_command("verify_history")
    # Tamper the way someone bypassing the application's trigger could.
    with pgtrigger.ignore("responses.ResponseVersion:versions_append_only"), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE responses_responseversion SET answers = answers || %s::jsonb WHERE id = %s",
            ['{"a.1.organized_crime": "no"}', version.pk],
        )
    with pytest.raises(CommandError, match="1 break"):
        call_command("verify_history")
    assert "FRA test-1997-34 v1: the answers do not match their SHA-256" in history_verify().breaks[0]


def test_carry_forward_prefills_the_next_cycle_and_marks_answers(
    filled_fra, corr_fra, reviewer, secadmin, france
):

    from questionnaires import services as questionnaire_services

    services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    services.response_accept(response=filled_fra, user=reviewer)
    cycle = questionnaire_services.cycle_create(
        slug="next-1997-34",
        title="Second round",
        instrument_version=filled_fra.cycle.instrument_version,
        session_number=10,
        session_year=2001,
        document_symbol="E/CN.15/2001/4",
        **cycle_dates(),
        user=secadmin,
    )
    cycle = questionnaire_services.cycle_open(cycle=cycle, user=secadmin, notify=False)
    response = services.response_start(cycle=cycle, respondent=france, user=corr_fra)
    carried = DraftAnswer.objects.filter(response=response, carried_forward=True).count()
    assert carried == len(filled_fra.versions.get(number=1).answers)
    source = filled_fra.versions.get(number=1)
    origins = DraftAnswer.objects.filter(response=response).values_list("carried_from", "updated_at")
    assert set(origins) == {(source.pk, source.created_at)}
    assert services.draft_confirm_carried(response=response, user=corr_fra) == carried
    assert not DraftAnswer.objects.filter(response=response, carried_forward=True).exists()


def test_amending_maps_answers_and_reports_new_and_gone_questions(filled_fra, corr_fra):
    services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    outcome = services.response_amend(response=filled_fra, user=corr_fra)
    assert outcome == {"from_version": 1, "new_questions": [], "gone_questions": []}
    with pytest.raises(ApplicationError):
        services.response_amend(response=filled_fra, user=corr_fra)


def test_the_report_takes_the_accepted_version_while_an_amendment_is_reviewed(filled_fra, corr_fra, reviewer):
    from responses.selectors import latest_accepted_versions

    cycle = filled_fra.cycle
    assert latest_accepted_versions(cycle=cycle) == []  # nothing accepted yet
    services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    services.response_accept(response=filled_fra, user=reviewer)
    assert [v.number for v in latest_accepted_versions(cycle=cycle)] == [1]

    services.response_amend(response=filled_fra, user=corr_fra)
    filled_fra.refresh_from_db()
    services.draft_save(
        response=filled_fra,
        user=corr_fra,
        answers={"contact.1.authority": "Ministry of Justice"},
        base_revision=filled_fra.draft_revision,
    )
    services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    filled_fra.refresh_from_db()
    assert filled_fra.status == Response.Status.RESUBMITTED
    assert [v.number for v in latest_accepted_versions(cycle=cycle)] == [1]  # not dropped

    services.response_accept(response=filled_fra, user=reviewer)
    assert [v.number for v in latest_accepted_versions(cycle=cycle)] == [2]
    # The secretariat's amendment of an accepted reply is the accepted text from then on.
    services.secretariat_amendment_create(
        response=filled_fra,
        user=reviewer,
        answers={"contact.1.authority": "Ministry of Justice (France)"},
        reason="Official name of the authority.",
    )
    assert [v.number for v in latest_accepted_versions(cycle=cycle)] == [3]


# --- Attachment ids: only the respondent's own files ------------------------------------

TEXTS = "a.1.organized_crime_texts"
AUTHORITY = "contact.1.authority"


@pytest.fixture
def kenya_attachment(open_cycle, corr_ken):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.models import Respondent

    kenya = Respondent.objects.get(code="KEN")
    response_ken = services.response_start(cycle=open_cycle, respondent=kenya, user=corr_ken)
    return services.attachment_upload(
        response=response_ken, question_code=TEXTS, upload=SimpleUploadedFile("ke.txt", b"law"), user=corr_ken
    )


def _own_attachment(response, person):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return services.attachment_upload(
        response=response, question_code=TEXTS, upload=SimpleUploadedFile("fr.txt", b"loi"), user=person
    )


def test_a_draft_refuses_another_respondents_attachment(response_fra, corr_fra, kenya_attachment):
    own = _own_attachment(response_fra, corr_fra)
    result = services.draft_save(
        response=response_fra, user=corr_fra, answers={TEXTS: [own.pk, kenya_attachment.pk]}, base_revision=0
    )
    assert "Attach only files uploaded for this response" in result.errors[TEXTS]
    assert not DraftAnswer.objects.filter(response=response_fra, question_code=TEXTS).exists()
    ok = services.draft_save(response=response_fra, user=corr_fra, answers={TEXTS: [own.pk]}, base_revision=0)
    assert ok.ok


def test_the_autosave_refuses_another_respondents_attachment(
    client_for, response_fra, corr_fra, kenya_attachment
):
    client = client_for(corr_fra)
    url = reverse("responses:answer", args=[response_fra.pk, TEXTS])
    reply = client.post(url, {TEXTS: [str(kenya_attachment.pk)], "base_revision": "0"})
    assert reply.status_code == 400
    assert "Attach only files uploaded for this response" in reply.json()["errors"][TEXTS]
    assert not DraftAnswer.objects.filter(response=response_fra, question_code=TEXTS).exists()


def test_the_full_form_refuses_another_respondents_attachment_and_keeps_the_rest(
    client_for, response_fra, corr_fra, kenya_attachment
):
    client = client_for(corr_fra)
    reply = client.post(
        reverse("responses:response_detail", args=[response_fra.pk]),
        {
            AUTHORITY: "Ministry of Justice",
            f"{AUTHORITY}__rev": "0",
            TEXTS: [str(kenya_attachment.pk)],
            f"{TEXTS}__rev": "0",
        },
    )
    assert reply.status_code == 400
    assert "Attach only files uploaded for this response" in reply.content.decode()
    values = dict(DraftAnswer.objects.filter(response=response_fra).values_list("question_code", "value"))
    assert values == {AUTHORITY: "Ministry of Justice"}


def _api(person):
    from rest_framework.test import APIClient

    from tests.api.conftest import token_for

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(person)}")
    return api


def test_the_api_refuses_another_respondents_attachment(response_fra, corr_fra, kenya_attachment):
    reply = _api(corr_fra).patch(
        f"/api/v1/responses/{response_fra.pk}/draft/",
        {"answers": {TEXTS: [kenya_attachment.pk], AUTHORITY: "Ministry"}},
        format="json",
        HTTP_IF_MATCH='"0"',
    )
    assert reply.status_code == 400
    body = reply.json()
    assert "Attach only files uploaded for this response" in str(body)
    assert not DraftAnswer.objects.filter(response=response_fra).exists()


def test_every_entry_point_removes_bidi_overrides(client_for, response_fra, corr_fra):
    client = client_for(corr_fra)
    client.post(
        reverse("responses:answer", args=[response_fra.pk, AUTHORITY]),
        {AUTHORITY: "Ministry\u202e of Justice", "base_revision": "0"},
    )
    person = "contact.2.contact_person"
    client.post(
        reverse("responses:response_detail", args=[response_fra.pk]),
        {person: "\u2066Claire\u2069 Martin", f"{person}__rev": "1"},
    )
    _api(corr_fra).patch(
        f"/api/v1/responses/{response_fra.pk}/draft/",
        {"answers": {"contact.3.position": "\u202dDirector"}},
        format="json",
        HTTP_IF_MATCH='"2"',
    )
    values = dict(DraftAnswer.objects.filter(response=response_fra).values_list("question_code", "value"))
    assert values == {
        AUTHORITY: "Ministry of Justice",
        person: "Claire Martin",
        "contact.3.position": "Director",
    }
def test_a_submission_of_an_older_revision_is_refused_with_what_changed_since(
    filled_fra, corr_fra, corr_fra_2
):
    reviewed = draft_revision_get(response=filled_fra)
    services.draft_save(
        response=filled_fra,
        user=corr_fra_2,
        answers={"contact.1.authority": "Ministry of the Interior"},
        base_revision=reviewed,
    )
    with pytest.raises(SubmissionStale) as refused:
        services.response_submit(response=filled_fra, user=corr_fra, base_revision=reviewed)
    assert refused.value.extra["revision"] == reviewed + 1
    [change] = refused.value.extra["changes"]
    assert (change["code"], change["value"], change["by"]) == (
        "contact.1.authority",
        "Ministry of the Interior",
        str(corr_fra_2),
    )
    assert not filled_fra.versions.exists()
    filled_fra.refresh_from_db()
    assert filled_fra.draft_open and filled_fra.status == Response.Status.DRAFT
