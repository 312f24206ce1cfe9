
import pytest
from django.urls import reverse

from questionnaires import services
from questionnaires.models import Cycle, InstrumentVersion
from tests.dates import cycle_dates, days_from_today

pytestmark = pytest.mark.django_db


# open_cycle comes from tests/conftest.py.


def test_a_correspondent_reads_the_questionnaire_in_english_and_french(client_for, corr_fra, open_cycle):
    client = client_for(corr_fra)
    english = client.get(reverse("questionnaires:cycle_detail", args=[open_cycle.slug]))
    assert english.status_code == 200
    text = english.content.decode()
    assert "ECOSOC res. 1997/34, para. 2 (a)" in text
    assert "Single Convention (1961)" in text
    french = client.get(reverse("questionnaires:cycle_detail", args=[open_cycle.slug]), {"lang": "fr"})
    assert "Convention unique (1961)" in french.content.decode()


def test_the_home_page_lists_the_open_cycle_for_a_correspondent(client_for, corr_ken, open_cycle):
    content = client_for(corr_ken).get(reverse("home")).content.decode()
    assert "Implementation of the Declaration" in content


def test_commission_members_do_not_see_cycles(client_for, commission, open_cycle):
    client = client_for(commission)
    assert client.get(reverse("questionnaires:cycle_detail", args=[open_cycle.slug])).status_code == 404
    assert client.get(reverse("questionnaires:cycle_list")).status_code == 403


def test_a_correspondent_does_not_see_a_cycle_in_preparation(client_for, corr_fra, secadmin):
    version = InstrumentVersion.objects.get(instrument__code="2004-28-1", number=1)
    services.cycle_create(
        slug="prep",
        title="Prep",
        instrument_version=version,
        session_number=15,
        session_year=2006,
        document_symbol="E/CN.15/2006/13",
        **cycle_dates(),
        user=secadmin,
    )
    assert client_for(corr_fra).get(reverse("questionnaires:cycle_detail", args=["prep"])).status_code == 404


def test_an_administrator_creates_and_opens_a_cycle_in_the_portal(client_for, secadmin):
    client = client_for(secadmin)
    version = InstrumentVersion.objects.get(instrument__code="2004-28-2", number=1)
    response = client.post(
        reverse("questionnaires:cycle_create"),
        {
            "slug": "coop-2007",
            "title": "International cooperation",
            "instrument_version": version.pk,
            "session_number": 16,
            "session_year": 2007,
            "venue": "Vienna",
            "agenda_item": 6,
            "document_symbol": "E/CN.15/2007/11",
            "opens_on": days_from_today(-1).isoformat(),
            "deadline": days_from_today(180).isoformat(),
        },
    )
    assert response.status_code == 302
    client.post(reverse("questionnaires:cycle_open", args=["coop-2007"]))
    assert Cycle.objects.get(slug="coop-2007").status == "open"


def test_a_bad_cycle_form_keeps_the_input_and_explains(client_for, secadmin):
    response = client_for(secadmin).post(
        reverse("questionnaires:cycle_create"),
        {
            "slug": "bad",
            "title": "Kept title",
            "session_number": 16,
            "session_year": 2007,
            "document_symbol": "E/CN.15/2007/12",
            "opens_on": days_from_today(30).isoformat(),
            "deadline": days_from_today(-120).isoformat(),
        },
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Kept title" in content
    assert "The deadline must not come before the opening date." in content


def test_a_reviewer_cannot_create_cycles(client_for, reviewer):
    assert client_for(reviewer).get(reverse("questionnaires:cycle_create")).status_code == 403


def test_the_secretariat_reads_every_instrument_version(client_for, reviewer):
    client = client_for(reviewer)
    assert "2004-28-4" in client.get(reverse("questionnaires:instrument_list")).content.decode()
    response = client.get(reverse("questionnaires:instrument_version_detail", args=["2004-28-4", 1]))
    assert response.status_code == 200


def test_a_correspondent_cannot_read_versions_not_circulated_or_used(client_for, corr_fra):
    response = client_for(corr_fra).get(
        reverse("questionnaires:instrument_version_detail", args=["2004-28-4", 1])
    )
    assert response.status_code == 404


def test_a_comment_from_someone_who_may_not_comment_is_a_403_and_not_stored(
    client_for, secadmin, reviewer, corr_fra
):
    from questionnaires.models import InstrumentComment
    from tests.questionnaires.test_services import _draft_of

    draft = _draft_of()
    services.instrument_version_circulate(
        version=draft, comments_due=days_from_today(30), user=secadmin
    )
    url = reverse("questionnaires:instrument_comment_add", args=[draft.instrument.code, draft.number])
    data = {
        "respondent": "FRA",
        "question_code": draft.questions.first().code,
        "text": "Please define 'victim'.",
    }
    assert client_for(reviewer).post(url, data).status_code == 403  # the secretariat does not comment
    assert not InstrumentComment.objects.exists()
    assert client_for(corr_fra).post(url, data).status_code == 302
    assert InstrumentComment.objects.get().respondent.code == "FRA"
