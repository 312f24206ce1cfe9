"""Pages of the portal app, for each named person, and the boundaries between them."""

import pytest
from django.urls import reverse

from portal.models import Designation, Respondent

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_serves_the_login_page(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_it_signs_a_correspondent_in_and_shows_their_state(client, corr_fra):
    from tests.conftest import PASSWORD

    response = client.post(reverse("login"), {"username": "corr-fra", "password": PASSWORD})
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "France" in home.content.decode()


def test_it_shows_the_secretariat_its_areas(client_for, reviewer):
    content = client_for(reviewer).get(reverse("home")).content.decode()
    assert "Manage respondents" in content
    assert reverse("questionnaires:cycle_list") in content


def test_it_shows_a_correspondent_their_respondent_page(client_for, corr_fra):
    response = client_for(corr_fra).get(reverse("respondent_detail", args=["FRA"]))
    assert response.status_code == 200
    assert "corr-fra-2" in response.content.decode()


@pytest.mark.parametrize("code", ["KEN", "BRA", "INTERPOL"])
def test_it_hides_other_respondents_from_a_correspondent(client_for, corr_fra, code):
    assert client_for(corr_fra).get(reverse("respondent_detail", args=[code])).status_code == 404


def test_it_hides_respondent_pages_from_commission_members(client_for, commission):
    client = client_for(commission)
    assert client.get(reverse("respondent_detail", args=["FRA"])).status_code == 404
    assert client.get(reverse("respondent_list")).status_code == 403


def test_it_refuses_the_respondent_list_to_correspondents(client_for, corr_fra):
    assert client_for(corr_fra).get(reverse("respondent_list")).status_code == 403


def test_it_lists_and_filters_respondents_for_the_secretariat(
    client_for, reviewer, django_assert_max_num_queries
):
    client = client_for(reviewer)
    # session, user, second-factor device, respondents, their active designations
    # (prefetched): constant in the data
    with django_assert_max_num_queries(5):
        response = client.get(reverse("respondent_list"), {"group": "AFRICAN"})
    content = response.content.decode()
    assert "Kenya" in content and "France" not in content


@pytest.mark.parametrize("person", ["corr_fra", "corr_ken", "commission", "reviewer"])
def test_it_keeps_everyone_but_secretariat_administrators_out_of_the_admin(client_for, request, person):
    person = request.getfixturevalue(person)
    person.is_staff = True  # even with the staff flag
    person.save()
    response = client_for(person).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_it_lets_a_secretariat_administrator_use_the_admin(client_for, secadmin):
    client = client_for(secadmin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/portal/respondent/?q=France").status_code == 200


def test_it_lets_the_focal_point_designate_through_the_page(client_for, corr_fra, mailoutbox):
    client = client_for(corr_fra)
    response = client.post(
        reverse("correspondent_designate", args=["FRA"]),
        {"email": "third@diplomatie.example", "first_name": "Paul"},
    )
    assert response.status_code == 302
    assert (
        Designation.objects.active()
        .filter(respondent__code="FRA", person__email="third@diplomatie.example")
        .exists()
    )


def test_it_keeps_the_form_input_on_a_bad_designation(client_for, corr_fra):
    response = client_for(corr_fra).post(
        reverse("correspondent_designate", args=["FRA"]), {"email": "not-an-address", "first_name": "Paul"}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Enter a valid email address" in content
    assert 'value="Paul"' in content


def test_it_refuses_designation_for_another_state_through_the_page(client_for, corr_ken):
    response = client_for(corr_ken).post(
        reverse("correspondent_designate", args=["FRA"]), {"email": "spy@example.org"}
    )
    assert response.status_code == 404
    assert not Designation.objects.filter(person__email="spy@example.org").exists()


def test_it_shows_a_plain_correspondent_no_designation_form(client_for, corr_fra_2):
    content = client_for(corr_fra_2).get(reverse("respondent_detail", args=["FRA"])).content.decode()
    assert "Designate a correspondent" not in content


def test_it_lets_the_secretariat_register_a_focal_point_with_a_note_verbale(client_for, secadmin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    note = SimpleUploadedFile("note.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    response = client_for(secadmin).post(
        reverse("focal_point_register", args=["KEN"]),
        {"email": "fp@kenya.example", "communication": "Note verbale KEN/2026/4", "communication_file": note},
    )
    assert response.status_code == 302
    designation = Designation.objects.active().get(respondent__code="KEN", kind="focal_point")
    assert designation.person.email == "fp@kenya.example"
    assert designation.communication_file.name.endswith(".pdf")


def test_it_refuses_a_communication_that_is_not_a_pdf(client_for, secadmin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("note.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client_for(secadmin).post(
        reverse("focal_point_register", args=["KEN"]),
        {"email": "fp@kenya.example", "communication": "Note verbale", "communication_file": fake},
    )
    assert response.status_code == 400
    assert "must be a PDF" in response.content.decode()


def test_it_saves_the_profile_language(client_for, corr_fra):
    client = client_for(corr_fra)
    client.post(reverse("profile"), {"first_name": "Claire", "last_name": "Martin", "language": "fr"})
    corr_fra.refresh_from_db()
    assert corr_fra.language == "fr"


def test_it_answers_the_health_check(client):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok"}


def test_respondent_scoping_gives_correspondents_only_their_own(corr_fra, corr_ken, reviewer, commission):
    assert list(Respondent.objects.for_user(corr_fra).values_list("code", flat=True)) == ["FRA"]
    assert list(Respondent.objects.for_user(corr_ken).values_list("code", flat=True)) == ["KEN"]
    assert Respondent.objects.for_user(reviewer).count() == Respondent.objects.count()
    assert not Respondent.objects.for_user(commission).exists()


def test_the_language_switch_is_remembered_in_the_profile(client_for, corr_fra):
    client = client_for(corr_fra)
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    corr_fra.refresh_from_db()
    assert corr_fra.language == "es"
    assert client.get(reverse("home"))["Content-Language"] == "es"


def test_the_language_switch_refuses_unknown_languages(client_for, corr_fra):
    client_for(corr_fra).post(reverse("set_language"), {"language": "xx", "next": "/"})
    corr_fra.refresh_from_db()
    assert corr_fra.language == ""


# --- Nothing confidential is kept by a browser or a proxy -------------------------------


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_signed_in_pages_are_not_stored(client_for, corr_fra):
    client = client_for(corr_fra)
    assert _no_store(client.get(reverse("home")))
    assert _no_store(client.get(reverse("respondent_detail", args=["FRA"])))


def test_a_receipt_and_an_attachment_download_are_not_stored(client_for, filled_fra, corr_fra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from responses import services
    from responses.selectors import draft_revision_get

    attachment = services.attachment_upload(
        response=filled_fra,
        question_code="a.1.organized_crime_texts",
        upload=SimpleUploadedFile("loi.txt", b"Loi"),
        user=corr_fra,
    )
    version = services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    client = client_for(corr_fra)
    download = client.get(reverse("responses:attachment_download", args=[filled_fra.pk, attachment.pk]))
    assert download.status_code == 200 and _no_store(download)
    receipt = client.get(reverse("responses:version_receipt", args=[filled_fra.pk, version.number]))
    assert receipt.status_code == 200 and _no_store(receipt)


def test_an_export_is_not_stored(client_for, open_cycle, reviewer):
    response = client_for(reviewer).get(reverse("reports:answers_csv", args=[open_cycle.slug]))
    assert response.status_code == 200 and _no_store(response)


def test_api_responses_are_not_stored_even_without_a_session(client, corr_fra):
    from tests.api.conftest import token_for

    assert _no_store(client.get("/api/v1/cycles/"))  # 401, and no one signed in
    key = token_for(corr_fra)
    answered = client.get("/api/v1/cycles/", HTTP_AUTHORIZATION=f"Token {key}")
    assert answered.status_code == 200 and _no_store(answered)


def test_static_files_stay_cacheable(client_for, corr_fra, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client_for(corr_fra).get("/static/portal/portal.css")
    assert response.status_code == 200
    assert not _no_store(response)


# --- The designation form answers the same way whatever the address ----------------------


@pytest.mark.parametrize("who", ["new", "corr_ken", "reviewer"])
def test_the_designation_form_tells_nothing_about_the_address(request, client_for, corr_fra, who, mailoutbox):
    person = None if who == "new" else request.getfixturevalue(who)
    email = "new.person@diplomatie.example" if person is None else person.email
    client = client_for(corr_fra)
    response = client.post(reverse("correspondent_designate", args=["FRA"]), {"email": email}, follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    assert f"An invitation has been sent to {email}." in content
    if person is not None:
        assert person.username not in content.replace(email, "")
        assert person.get_full_name() not in content
        assert not Designation.objects.filter(respondent__code="FRA", person=person).exists()


def test_an_invited_person_accepts_on_the_invitation_page(
    client_for, corr_fra, corr_ken, corr_fra_2, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(corr_fra).post(reverse("correspondent_designate", args=["FRA"]), {"email": corr_ken.email})
    link = mailoutbox[0].body.split("http://", 1)[1].split()[0]
    path = link[link.index("/invitations/") :]

    assert client_for(corr_fra_2).get(path).status_code == 403
    assert client_for(corr_ken).get(path.replace("/invitations/", "/invitations/x")).status_code == 404
    client = client_for(corr_ken)
    page = client.get(path)
    assert page.status_code == 200 and "France" in page.content.decode()
    assert not Designation.objects.filter(respondent__code="FRA", person=corr_ken).exists()
    accepted = client.post(path)
    assert accepted.status_code == 302
    assert Designation.objects.active().filter(respondent__code="FRA", person=corr_ken).exists()
