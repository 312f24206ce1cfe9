"""The secretariat's cycle dashboard, for each named person: the reviewer and the secretariat
administrator see it and send reminders; corr_fra, corr_ken, the Commission member and
anonymous visitors are refused."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from portal.models import AuditEntry, Respondent
from questionnaires import services as questionnaire_services
from questionnaires.models import Cycle
from responses import charts, dashboard, services
from responses.models import ClarificationThread, Reminder, Response
from responses.selectors import draft_revision_get
from tests.conftest import required_answers
from tests.dates import new_year_in_two_years
from tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.django_db


def dashboard_url(cycle):
    return reverse("secretariat:cycle_dashboard", args=[cycle.slug])


def reminders_url(cycle):
    return reverse("secretariat:cycle_reminders_send", args=[cycle.slug])


def submit(cycle, code, person):
    """A respondent's response, filled in and submitted by its focal point."""
    response = services.response_start(cycle=cycle, respondent=Respondent.objects.get(code=code), user=person)
    answers = required_answers(cycle.instrument_version.definition)
    assert services.draft_save(response=response, user=person, answers=answers, base_revision=0).ok
    services.response_submit(
        response=response, user=person, base_revision=draft_revision_get(response=response)
    )
    response.refresh_from_db()
    return response


@pytest.fixture
def submitted_fra(open_cycle, corr_fra):
    return submit(open_cycle, "FRA", corr_fra)


@pytest.fixture
def draft_ken(open_cycle, corr_ken):
    return services.response_start(
        cycle=open_cycle, respondent=Respondent.objects.get(code="KEN"), user=corr_ken
    )


def the_deadline_passes(cycle):
    # Time passes: the cycle's deadline is now yesterday.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Cycle.objects.filter(pk=cycle.pk).update(
        opens_on=yesterday - datetime.timedelta(days=30), deadline=yesterday
    )
    cycle.refresh_from_db()


def row_of(page, code):
    return next(row for row in page.context["rows"] if row.respondent.code == code)


# --- Access ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["corr_fra", "corr_ken", "commission"])
def test_it_refuses_everyone_but_the_secretariat(request, client_for, open_cycle, name, mailoutbox):
    client = client_for(request.getfixturevalue(name))
    assert client.get(dashboard_url(open_cycle)).status_code == 403
    assert client.post(reminders_url(open_cycle)).status_code == 403
    assert mailoutbox == []
    assert not AuditEntry.objects.filter(action="cycle.reminders_sent").exists()


def test_it_sends_anonymous_visitors_to_sign_in(client, open_cycle):
    for page in (client.get(dashboard_url(open_cycle)), client.post(reminders_url(open_cycle))):
        assert page.status_code == 302 and page["Location"].startswith(reverse("login"))


def test_it_answers_404_for_an_unknown_cycle(client_for, reviewer, open_cycle):
    assert (
        client_for(reviewer).get(reverse("secretariat:cycle_dashboard", args=["no-such-cycle"])).status_code
        == 404
    )


# --- The matrix -------------------------------------------------------------------------


def test_it_shows_every_respondent_asked_with_the_status_of_its_response(
    client_for, reviewer, open_cycle, submitted_fra, draft_ken
):
    page = client_for(reviewer).get(dashboard_url(open_cycle))
    assert page.status_code == 200
    asked = open_cycle.respondents.count()
    assert len(page.context["rows"]) == asked == page.context["asked"]
    assert row_of(page, "FRA").status == Response.Status.SUBMITTED
    assert row_of(page, "KEN").status == Response.Status.DRAFT
    assert row_of(page, "BRA").status == dashboard.NOT_STARTED
    counts = {code: n for code, _label, n in page.context["counts"]}
    assert counts == {
        "not_started": asked - 2,
        "draft": 1,
        "submitted": 1,
        "in_review": 0,
        "clarification_requested": 0,
        "resubmitted": 0,
        "accepted": 0,
    }
    html = page.content.decode()
    # One column per status, with France's mark in the "Submitted" column.
    for label in ("Not started", "Draft", "Submitted", "In review", "Clarification requested", "Resubmitted"):
        assert f'<th scope="col" class="status-col">{label}</th>' in html
    assert row_of(page, "FRA").cells == [False, False, True, False, False, False, False]
    assert reverse("responses:version_detail", args=[submitted_fra.pk, 1]) in html


def test_it_shows_the_last_activity_or_never(client_for, reviewer, open_cycle, submitted_fra):
    page = client_for(reviewer).get(dashboard_url(open_cycle))
    assert row_of(page, "FRA").last_activity_at == submitted_fra.last_activity_at
    assert row_of(page, "KEN").last_activity_at is None
    assert ">never</td>" in page.content.decode()


def test_it_follows_the_review_to_acceptance(client_for, reviewer, open_cycle, submitted_fra):
    services.review_start(response=submitted_fra, user=reviewer)
    services.response_accept(response=submitted_fra, user=reviewer)
    page = client_for(reviewer).get(dashboard_url(open_cycle))
    assert row_of(page, "FRA").status == Response.Status.ACCEPTED


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "submitted"}, {"FRA"}),
        ({"status": "draft"}, {"KEN"}),
        ({"group": "AFRICAN", "status": "draft"}, {"KEN"}),
        ({"group": "WEOG", "q": "fran"}, {"FRA"}),
        ({"q": "KEN"}, {"KEN"}),
        ({"q": "Kenya"}, {"KEN"}),
        ({"kind": "organization"}, set()),
        ({"group": "AFRICAN", "status": "submitted"}, set()),
    ],
)
def test_it_filters_by_status_group_kind_and_name(
    client_for, reviewer, open_cycle, submitted_fra, draft_ken, query, expected
):
    page = client_for(reviewer).get(dashboard_url(open_cycle), query)
    assert {row.respondent.code for row in page.context["rows"]} == expected
    # The summary counts every respondent asked, whatever the filters.
    assert sum(n for _code, _label, n in page.context["counts"]) == open_cycle.respondents.count()
    if not expected:
        assert "No respondent matches the filters." in page.content.decode()


def test_it_filters_the_respondents_without_a_regional_group(client_for, reviewer, secadmin, open_cycle):
    organization = Respondent.objects.filter(kind=Respondent.Kind.ORGANIZATION).first()
    open_cycle.respondents.add(organization)
    page = client_for(reviewer).get(dashboard_url(open_cycle), {"group": "none"})
    assert [row.respondent for row in page.context["rows"]] == [organization]


def test_it_keeps_every_row_when_a_filter_is_not_valid(client_for, reviewer, open_cycle):
    page = client_for(reviewer).get(dashboard_url(open_cycle), {"status": "bogus"})
    assert len(page.context["rows"]) == open_cycle.respondents.count()


# --- Response rate ----------------------------------------------------------------------


def test_it_charts_the_response_rate_by_regional_group(
    client_for, reviewer, open_cycle, submitted_fra, corr_ken
):
    submit(open_cycle, "KEN", corr_ken)
    services.response_start(cycle=open_cycle, respondent=Respondent.objects.get(code="BRA"), user=reviewer)
    page = client_for(reviewer).get(dashboard_url(open_cycle))
    rates = {bar.label: bar for bar in page.context["rates"]}
    weog = open_cycle.respondents.filter(regional_group="WEOG").count()
    african = open_cycle.respondents.filter(regional_group="AFRICAN").count()
    grulac = open_cycle.respondents.filter(regional_group="GRULAC").count()
    assert (
        rates["Western European and other States"].value,
        rates["Western European and other States"].maximum,
    ) == (
        1,
        weog,
    )
    assert (rates["African States"].value, rates["African States"].maximum) == (1, african)
    # Brazil has a draft only: nothing submitted.
    assert rates["Latin American and Caribbean States"].value == 0
    assert rates["Latin American and Caribbean States"].maximum == grulac
    html = page.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="response-rate" role="img"' in html
    assert charts.rate_text(1, african) in html
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_it_draws_bar_charts_with_every_text_escaped():
    svg = charts.horizontal_bar_chart(
        [
            charts.Bar(label="<b>Group</b>", value=3, maximum=4, text="3 / 4"),
            charts.Bar("Empty", 0, 0, "0 / 0"),
        ],
        title='Rate "by" group',
        description="<script>",
        chart_id="c",
    )
    assert "&lt;b&gt;Group&lt;/b&gt;" in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "<script>" not in svg
    assert "Rate &quot;by&quot; group" in svg
    # Three quarters of the 490-unit track, and nothing for a group that asks no one.
    assert 'width="367.5"' in svg and 'width="0.0"' in svg
    assert "style" not in svg


# --- Overdue ----------------------------------------------------------------------------


def test_it_lists_nobody_as_overdue_before_the_deadline(client_for, reviewer, open_cycle, draft_ken):
    page = client_for(reviewer).get(dashboard_url(open_cycle))
    assert page.context["overdue"] == []
    assert "No respondent is overdue." in page.content.decode()


def test_it_lists_respondents_with_nothing_submitted_after_the_deadline(
    client_for, reviewer, open_cycle, submitted_fra, draft_ken
):
    the_deadline_passes(open_cycle)
    page = client_for(reviewer).get(dashboard_url(open_cycle))
    overdue = {row.respondent.code for row in page.context["overdue"]}
    assert "KEN" in overdue and "BRA" in overdue and "FRA" not in overdue
    assert len(overdue) == open_cycle.respondents.count() - 1
    assert "deadline passed, nothing submitted" in page.content.decode()


def test_it_lists_clarifications_past_their_due_date(client_for, reviewer, open_cycle, submitted_fra):
    due = timezone.localdate() + datetime.timedelta(days=5)
    services.clarification_request(
        response=submitted_fra,
        user=reviewer,
        comments={"contact.1.authority": "Which ministry?"},
        due_date=due,
    )
    page = client_for(reviewer).get(dashboard_url(open_cycle))
    assert page.context["overdue"] == []
    # Time passes: the thread's due date is now two days ago.
    past = timezone.localdate() - datetime.timedelta(days=2)
    ClarificationThread.objects.filter(response=submitted_fra).update(due_date=past)
    page = client_for(reviewer).get(dashboard_url(open_cycle))
    [row] = page.context["overdue"]
    assert row.respondent.code == "FRA" and row.clarification_due == past and not row.deadline_missed
    assert row_of(page, "FRA").status == Response.Status.CLARIFICATION_REQUESTED
    assert "clarification due" in page.content.decode()


def test_it_forgets_a_resolved_clarification(client_for, reviewer, open_cycle, submitted_fra):
    due = timezone.localdate() + datetime.timedelta(days=5)
    [thread] = services.clarification_request(
        response=submitted_fra,
        user=reviewer,
        comments={"contact.1.authority": "Which ministry?"},
        due_date=due,
    )
    ClarificationThread.objects.filter(pk=thread.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    services.clarification_resolve(thread=thread, user=reviewer)
    assert client_for(reviewer).get(dashboard_url(open_cycle)).context["overdue"] == []


# --- Reminders --------------------------------------------------------------------------


def test_it_sends_reminders_to_the_correspondents_of_respondents_with_nothing_submitted(
    client_for, reviewer, open_cycle, submitted_fra, draft_ken, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(reviewer)
    mailoutbox.clear()  # France's submission was mailed
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(reminders_url(open_cycle))
    assert posted.url == dashboard_url(open_cycle)
    page = client.get(posted.url)
    # Kenya (draft), Brazil, Japan and Poland (not started) have designated people; France submitted.
    recipients = sorted(address for message in mailoutbox for address in message.to)
    assert recipients == [
        "corr-bra@demo.invalid",
        "corr-jpn@demo.invalid",
        "corr-ken@demo.invalid",
        "corr-pol@demo.invalid",
    ]
    assert "4 reminders were queued; they are sent in a moment." in page.content.decode()
    days = open_cycle.days_left
    kenya = next(message for message in mailoutbox if message.to == ["corr-ken@demo.invalid"])
    assert kenya.subject == f"Reminder: {days} day(s) left to reply to {open_cycle.title}"
    assert (
        "Kenya" in kenya.body and reverse("questionnaires:cycle_detail", args=[open_cycle.slug]) in kenya.body
    )
    entry = AuditEntry.objects.get(action="cycle.reminders_sent")
    assert entry.actor == reviewer and entry.object_id == str(open_cycle.pk)
    assert entry.data == {"queued": 4, "already": 0, "respondents": ["BRA", "JPN", "KEN", "POL"]}
    reminders = Reminder.objects.filter(cycle=open_cycle)
    assert {(r.step, r.sent_by, r.mail.status) for r in reminders} == {("manual", reviewer, "sent")}


def test_it_reminds_each_correspondent_once_a_day_from_the_dashboard(
    client_for, reviewer, open_cycle, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reminders_url(open_cycle))
    sent = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reminders_url(open_cycle), follow=True)
    html = page.content.decode()
    assert len(mailoutbox) == sent  # a second press the same day sends nothing more
    assert "0 reminders were queued" in html
    assert f"{sent} correspondents were reminded today already and are not reminded again." in html


def test_it_records_and_shows_the_reminders_the_mail_server_refused(
    client_for, reviewer, open_cycle, settings, django_capture_on_commit_callbacks
):
    box = Mailbox(refuse_addresses=("corr-ken@demo.invalid",))
    with smtp_server(box) as port:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        client = client_for(reviewer)
        with django_capture_on_commit_callbacks(execute=True):
            posted = client.post(reminders_url(open_cycle))
    page = client.get(posted.url)
    html = page.content.decode()
    # France's two correspondents, Brazil, Japan, Poland and Kenya: nothing is submitted in this cycle.
    assert "6 reminders were queued; they are sent in a moment." in html
    assert sorted(m["To"] for m in box.messages) == [
        "corr-bra@demo.invalid",
        "corr-fra-2@demo.invalid",
        "corr-fra@demo.invalid",
        "corr-jpn@demo.invalid",
        "corr-pol@demo.invalid",
    ]
    kenya = Reminder.objects.get(cycle=open_cycle, person__email="corr-ken@demo.invalid")
    assert kenya.mail.status == "failed" and "550" in kenya.mail.last_error
    assert kenya.outcome.startswith("not sent: SMTPRecipientsRefused")
    row = next(r for r in page.context["reminders"] if r.pk == kenya.pk)
    assert escape(row.outcome) in html
    assert escape("not sent: SMTPRecipientsRefused") in html


def test_it_writes_each_reminder_in_its_recipients_language(
    reviewer, open_cycle, corr_ken, mailoutbox, django_capture_on_commit_callbacks
):
    corr_ken.language = "fr"
    corr_ken.save()
    open_cycle.deadline = new_year_in_two_years()
    open_cycle.save(update_fields=["deadline"])
    with django_capture_on_commit_callbacks(execute=True):
        dashboard.reminders_send_now(cycle=open_cycle, user=reviewer)
    kenya = next(message for message in mailoutbox if message.to == ["corr-ken@demo.invalid"])
    assert f"1 janvier {open_cycle.deadline.year}" in kenya.body  # the deadline, written in French


def test_it_sends_no_reminder_for_a_closed_cycle(client_for, secadmin, reviewer, open_cycle, mailoutbox):
    questionnaire_services.cycle_close(cycle=open_cycle, user=secadmin)
    page = client_for(reviewer).post(reminders_url(open_cycle), follow=True)
    assert "Reminders are sent for open cycles only." in page.content.decode()
    assert mailoutbox == []
    assert not AuditEntry.objects.filter(action="cycle.reminders_sent").exists()


def test_it_refuses_reminders_to_a_person_outside_the_secretariat(corr_fra, open_cycle, mailoutbox):
    from portal.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        dashboard.reminders_send_now(cycle=open_cycle, user=corr_fra)
    assert mailoutbox == []


def test_it_only_accepts_reminders_by_post(client_for, reviewer, open_cycle, mailoutbox):
    assert client_for(reviewer).get(reminders_url(open_cycle)).status_code == 405
    assert mailoutbox == []


# --- Cost -------------------------------------------------------------------------------


def test_it_costs_the_same_number_of_queries_however_many_respondents_answer(
    client_for, reviewer, open_cycle, submitted_fra, corr_ken, django_assert_num_queries
):
    client = client_for(reviewer)
    path = dashboard_url(open_cycle)
    # session, person, the person's second-factor devices, cycle, the respondents asked
    # with their response and oldest overdue clarification, the latest reminders with
    # their recipient, respondent and mail
    with django_assert_num_queries(6):
        client.get(path)
    submitted_ken = submit(open_cycle, "KEN", corr_ken)
    services.clarification_request(
        response=submitted_ken,
        user=reviewer,
        comments={"contact.1.authority": "Which ministry?"},
        due_date=timezone.localdate(),
    )
    ClarificationThread.objects.update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    for code in ["DEU", "ITA", "ESP", "NGA", "JPN", "BRA", "POL", "IND"]:
        services.response_start(cycle=open_cycle, respondent=Respondent.objects.get(code=code), user=reviewer)
    dashboard.reminders_send_now(cycle=open_cycle, user=reviewer)
    with django_assert_num_queries(6):
        page = client.get(path, {"status": "draft"})
    assert len(page.context["rows"]) == 8 and len(page.context["overdue"]) == 1
