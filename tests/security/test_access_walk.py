"""Every route, as every outsider: a correspondent of another respondent, a Commission member
and an anonymous visitor, on France's objects (response, draft, versions, diff, attachment,
clarification thread, designation, report). Routes are enumerated from the URL resolver and
checked against the OpenAPI schema, so a new route is probed without anyone listing it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from portal.models import AuditEntry, Designation
from responses import services
from responses.models import ClarificationThread, DraftAnswer, Response, ResponseVersion
from responses.selectors import draft_revision_get
from tests.conftest import verified_second_factor

pytestmark = pytest.mark.django_db

MARKER = "SECRET-FRA-7f3a"  # planted in France's answers, files and threads; must never leak
DENIED = {401, 403, 404, 405}

# Routes an outsider may reach, because they show the person their own things or public
# reference data; their bodies are still checked for France's marker.
OPEN_TO_EVERYONE = {
    "login",
    "logout",
    "healthz",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "api_schema",
    "api_docs",
}
OPEN_TO_AUTHENTICATED = OPEN_TO_EVERYONE | {
    "home",
    "profile",
    "session_token",  # the person's own CSRF token and id
    "password_change",
    "password_change_done",
    "set_language",
    "two_factor_setup",
    "two_factor_verify",
    "two_factor_disable",
    "two_factor_recovery_codes",
    "api_schema",
    "api_docs",
    "api_tokens",
    "api_token_create",
    "api_token_revoke",
    "api:instrument_list",
    "api:instrument_detail",
    "api:cycle_list",
    "api:response_list",
    "reports:report_list",
}
OPEN_TO_CORRESPONDENTS = OPEN_TO_AUTHENTICATED | {
    # The cycle asks Kenya as well as France: its questionnaire is Kenya's to read.
    "questionnaires:cycle_list",
    "questionnaires:cycle_detail",
    "questionnaires:instrument_version_detail",
    "api:cycle_detail",
    "responses:response_start",
    # Comments on an instrument circulated for comments come from every respondent.
    "questionnaires:instrument_comment_add",
}
OPEN_TO_ANONYMOUS = OPEN_TO_EVERYONE
# A secretariat member who entered the password but not the code of their authenticator.
OPEN_BEFORE_THE_SECOND_FACTOR = OPEN_TO_EVERYONE | {"two_factor_verify"}


def _routes():
    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = (
                    f"{namespace}:{pattern.namespace}"
                    if namespace and pattern.namespace
                    else (pattern.namespace or namespace)
                )
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
                yield name, prefix + str(pattern.pattern)

    return [
        (name, route)
        for name, route in walk(get_resolver().url_patterns, "", "")
        if not route.startswith("admin/") and "(?" not in route and not route.startswith("^")
    ]


@pytest.fixture
def world(filled_fra, corr_fra, reviewer, open_cycle):
    """France's objects with the marker in every place its data can show."""
    services.draft_save(
        response=filled_fra,
        user=corr_fra,
        answers={"contact.1.authority": f"Ministry {MARKER}"},
        base_revision=filled_fra.draft_revision,
    )
    attachment = services.attachment_upload(
        response=filled_fra,
        question_code="a.1.organized_crime_texts",
        upload=SimpleUploadedFile(f"law-{MARKER}.txt", f"Law text {MARKER}".encode()),
        user=corr_fra,
    )
    services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    (thread,) = services.clarification_request(
        response=filled_fra, user=reviewer, comments={"a.1.organized_crime": f"Which law? {MARKER}"}
    )
    services.secretariat_amendment_create(
        response=filled_fra,
        user=reviewer,
        answers={"contact.2.contact_person": f"Person {MARKER}"},
        reason=f"Reason {MARKER}",
    )
    designation = Designation.objects.get(respondent__code="FRA", person=corr_fra)
    objects = {
        "response": filled_fra,
        "attachment": attachment,
        "thread": thread,
        "designation": designation,
        "cycle": open_cycle,
    }
    objects.update(_report_objects(open_cycle, reviewer))
    return objects


def _report_objects(cycle, reviewer) -> dict:
    """A compiled, unpublished report of the cycle, if the reports app can make one."""
    try:
        from reports.models import Report, ReportDocument
    except ImportError:  # pragma: no cover
        return {}
    from django.utils import timezone

    report = Report.objects.create(cycle=cycle, requested_by=reviewer, status="done", cutoff=timezone.now())
    document = ReportDocument.objects.create(
        report=report,
        position=0,
        symbol=cycle.document_symbol,
        filename="E-CN.15-1999-3.pdf",
        sha256="0" * 64,
        pages=1,
    )
    return {"report": report, "document": document}


def _kwargs(name: str, route: str, world) -> dict:
    response = world["response"]
    values = {
        "pk": response.pk,
        "number": 1,
        "attachment_id": world["attachment"].pk,
        "thread_id": world["thread"].pk,
        "slug": world["cycle"].slug,
        "cycle_slug": world["cycle"].slug,
        "code": "FRA",
        "uidb64": "MQ",
        "token": "set-password",
        "filename": "E-CN.15-1999-3.pdf",
    }
    if name.startswith("questionnaires:instrument") or name == "api:instrument_detail":
        values["code"] = "1997-34"
    if name.startswith("designation_"):
        values["pk"] = world["designation"].pk
    if name.startswith("reports:report_") or name.startswith("api:report_"):
        values["pk"] = world["report"].pk
    if name == "reports:document_download":
        values["pk"] = world["document"].pk
    return {key: values[key] for key in re.findall(r"<(?:\w+:)?(\w+)>", route)}


def _path(route: str, kwargs: dict) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)


def _state(world) -> tuple:
    response = Response.objects.get(pk=world["response"].pk)
    return (
        response.status,
        response.draft_open,
        sorted(
            DraftAnswer.objects.filter(response=response).values_list("question_code", "value", "revision")
        ),
        ResponseVersion.objects.filter(response=response).count(),
        ClarificationThread.objects.filter(response=response, status="open").count(),
        sorted(
            Designation.objects.filter(respondent__code="FRA").values_list("pk", "withdrawn_at", "may_submit")
        ),
        AuditEntry.objects.filter(respondent__code="FRA").count(),
        tuple(sorted((k, str(getattr(v, "status", ""))) for k, v in world.items() if k in ("report",))),
    )


def test_no_outsider_reaches_another_respondents_data(world, corr_ken, commission, secadmin):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    routes = _routes()
    TOTPDevice.objects.create(user=secadmin, name="phone", confirmed=True)
    outsiders = {
        "corr-ken": corr_ken,
        "commission": commission,
        "anonymous": None,
        "secadmin-password-only": secadmin,
    }

    def fresh_client(label, person) -> Client:
        # Signed in anew for every request: probing the sign-out route must not turn the
        # rest of the walk into an anonymous one.
        client = Client()
        if person is not None:
            client.force_login(person)
            if not label.endswith("-password-only"):
                verified_second_factor(client, person)
        return client

    before = _state(world)
    requests = 0
    problems = []
    probed = set()
    for name, route in routes:
        path = _path(route, _kwargs(name, route, world))
        probed.add(name)
        for label, person in outsiders.items():
            allowed = (
                OPEN_TO_ANONYMOUS
                if label == "anonymous"
                else OPEN_BEFORE_THE_SECOND_FACTOR
                if label.endswith("-password-only")
                else OPEN_TO_CORRESPONDENTS
                if label == "corr-ken"
                else OPEN_TO_AUTHENTICATED
            )
            for method in ("get", "post"):
                client = fresh_client(label, person)
                if method == "get":
                    response = client.get(path)
                elif path.startswith("/api/"):
                    response = client.post(
                        path,
                        {"answers": {"contact.1.authority": "x"}, "reason": "x"},
                        content_type="application/json",
                    )
                else:
                    response = client.post(path, {"value": "x", "text": "x"})
                requests += 1
                body = b"".join(response) if response.streaming else response.content
                if MARKER.encode() in body:
                    problems.append(f"LEAK {label} {method.upper()} {path}")
                if name in allowed:
                    continue
                denied = (
                    response.status_code in DENIED
                    or (
                        label == "anonymous"
                        and response.status_code == 302
                        and "/accounts/login/" in response.get("Location", "")
                    )
                    or (response.status_code == 302 and "/accounts/2fa/" in response.get("Location", ""))
                )
                if not denied:
                    problems.append(f"REACHED {label} {method.upper()} {path} -> {response.status_code}")
    after = _state(world)
    if before != after:
        problems.append("France's data changed during the walk")
    summary = {
        "routes_total": len(routes),
        "routes_probed": len(probed),
        "requests": requests,
        "leaks": sum(p.startswith("LEAK") for p in problems),
        "problems": problems,
    }
    artifacts = Path(settings.BASE_DIR) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "access-walk.json").write_text(json.dumps(summary, indent=2))
    print(
        f"\naccess walk: {summary['routes_probed']}/{summary['routes_total']} routes, "
        f"{requests} requests, {summary['leaks']} leaks"
    )
    assert problems == []


def test_every_api_operation_in_the_schema_is_a_walked_route(client_for, reviewer):
    schema = client_for(reviewer).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = json.loads(schema.content)["paths"] if schema["Content-Type"].endswith("json") else None
    if paths is None:
        import yaml

        paths = yaml.safe_load(schema.content)["paths"]
    walked = {"/" + re.sub(r"<(?:\w+:)?(\w+)>", "{}", route) for _, route in _routes()}
    missing = [path for path in paths if re.sub(r"\{\w+\}", "{}", path) not in walked]
    assert paths and missing == []
