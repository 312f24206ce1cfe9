"""Every write of the API as every role: those that may not do it change nothing, and the
roles that may do it succeed with the same request (so a refusal is the permission's, not a
bad request's). Then every write again from a role that may do it, with a field no one may
set (respondent, status, version number, author): refused, nothing changed.

Each request runs inside a savepoint that is rolled back, from a state prepared through the
services (a filled draft, a submitted reply, one amended by the secretariat). "Nothing
changed" is a fingerprint of every table of the portal but the logs (audit, denied access,
login attempts, sessions, trigger history). The pages call the same services and permission
functions; outsiders on every page and API route are walked in test_access_walk.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from rest_framework.test import APIClient

from responses import services
from tests.api.conftest import token_for

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "corr-ken", "commission", "corr-fra-2", "corr-fra", "reviewer", "secadmin")
# Secretariat sessions that passed the password but not the second factor: refused everything.
PASSWORD_ONLY = ("reviewer-password-only", "secadmin-password-only")
SECRETARIAT = {"reviewer", "secadmin"}
FRANCE = {"corr-fra", "corr-fra-2"}  # France's focal point and a correspondent it did not authorise
REFUSED = {401, 403, 404}
# Fields a person never sets; each write is tried with each of them added.
FORBIDDEN_FIELDS = {"respondent": "KEN", "status": "accepted", "number": 99, "author": 1}


def _excluded(table: str) -> bool:
    return (
        table.startswith(("axes_", "django_session", "otp_"))
        or table.endswith("event")  # pghistory's trigger-written history
        or table in {"portal_auditentry", "pghistory_context", "django_admin_log"}
        or table == "portal_cache"  # the throttles count every request, refused or not
    )


def _fingerprint() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [t for (t,) in cursor.fetchall() if not _excluded(t)]
        prints = {}
        for table in tables:
            # Table names come from the catalogue, quoted as identifiers.
            cursor.execute(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t"  # noqa: S608
            )
            prints[table] = cursor.fetchone()[0]
    return prints


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(table for table in before if before[table] != after.get(table))


# --- States and writes ------------------------------------------------------------------


@dataclass
class World:
    people: dict
    response: object
    cycle: object

    def person(self, role):
        return self.people.get(role)


def _draft(world: World) -> None:
    """France's draft, every required answer filled (the fixture's state)."""


def _submitted(world: World) -> None:
    world.response.refresh_from_db()
    services.response_submit(
        response=world.response, user=world.people["corr-fra"], base_revision=world.response.draft_revision
    )


def _amended_by_secretariat(world: World) -> None:
    _submitted(world)
    services.secretariat_amendment_create(
        response=world.response,
        user=world.people["reviewer"],
        answers={"contact.1.authority": "Ministry of Justice (France)"},
        reason="Official name.",
    )


@dataclass
class Write:
    name: str
    method: str
    path: Callable[[World], str]
    allowed: set[str]
    prepare: Callable[[World], None] = _draft
    body: Callable[[World], dict] = lambda world: {}
    headers: Callable[[World], dict] = lambda world: {}
    tamper_fields: tuple[str, ...] = tuple(FORBIDDEN_FIELDS)
    refusals: frozenset[int] = frozenset(REFUSED)
    results: dict = field(default_factory=dict)


def _response_path(suffix: str) -> Callable[[World], str]:
    return lambda world: f"/api/v1/responses/{world.response.pk}/{suffix}"


def _if_match(world: World) -> dict:
    world.response.refresh_from_db()
    return {"HTTP_IF_MATCH": f'"{world.response.draft_revision}"'}


WRITES = [
    Write(
        # The secretariat may open a state's response too (it cannot fill it in).
        "start a response (for Kenya)",
        "post",
        lambda world: "/api/v1/responses/",
        allowed={"corr-ken"} | SECRETARIAT,
        body=lambda world: {"cycle": world.cycle.slug, "respondent": "KEN"},
        tamper_fields=("status", "number", "author"),
        # A respondent one does not act for is not a valid choice of the field: 400.
        refusals=frozenset(REFUSED | {400}),
    ),
    Write(
        "save draft answers",
        "patch",
        _response_path("draft/"),
        allowed=FRANCE,
        body=lambda world: {"answers": {"contact.1.authority": "Changed authority"}},
        headers=_if_match,
    ),
    Write("submit", "post", _response_path("submit/"), allowed={"corr-fra"}, headers=_if_match),
    Write("amend", "post", _response_path("amend/"), allowed=FRANCE, prepare=_submitted),
    Write("start review", "post", _response_path("start-review/"), allowed=SECRETARIAT, prepare=_submitted),
    Write(
        "request clarification",
        "post",
        _response_path("request-clarification/"),
        allowed=SECRETARIAT,
        prepare=_submitted,
        body=lambda world: {"comments": {"a.1.organized_crime": "Which law?"}},
    ),
    Write("accept", "post", _response_path("accept/"), allowed=SECRETARIAT, prepare=_submitted),
    Write(
        "amend as the secretariat",
        "post",
        _response_path("secretariat-amendment/"),
        allowed=SECRETARIAT,
        prepare=_submitted,
        body=lambda world: {"answers": {"contact.1.authority": "Ministry (amended)"}, "reason": "Name."},
    ),
    Write(
        "acknowledge a secretariat amendment",
        "post",
        _response_path("versions/2/acknowledge/"),
        allowed=FRANCE,
        prepare=_amended_by_secretariat,
        body=lambda world: {"decision": "acknowledged"},
    ),
    Write(
        "ask for a report",
        "post",
        lambda world: f"/api/v1/cycles/{world.cycle.slug}/reports/",
        allowed=SECRETARIAT,
        prepare=_submitted,
        body=lambda world: {"language": "en"},
    ),
]


def _client(world: World, role: str, tokens: dict) -> APIClient:
    api = APIClient()
    if role in PASSWORD_ONLY:
        api.force_login(world.people[role.removesuffix("-password-only")])
    elif role != "anonymous":
        api.credentials(HTTP_AUTHORIZATION=f"Token {tokens[role]}")
    return api


def _attempt(world: World, write: Write, role: str, tokens: dict, extra: dict | None = None):
    """The write as ``role`` from its prepared state; returns (status, tables changed)."""
    savepoint = transaction.savepoint()
    try:
        write.prepare(world)
        world.response.refresh_from_db()
        body = {**write.body(world), **(extra or {})}
        headers = write.headers(world)
        client = _client(world, role, tokens)  # before the fingerprint: a sign-in sets last_login
        before = _fingerprint()
        reply = getattr(client, write.method)(write.path(world), body, format="json", **headers)
        code = reply.json().get("error", {}).get("code", "") if reply.status_code >= 400 else ""
        return f"{reply.status_code} {code}".strip(), reply.status_code, _changed(before, _fingerprint())
    finally:
        transaction.savepoint_rollback(savepoint)
        world.response.refresh_from_db()


@pytest.fixture
def world(filled_fra, people, open_cycle):
    return World(people=people, response=filled_fra, cycle=open_cycle)


def test_no_role_does_a_write_it_may_not_and_no_forbidden_field_is_accepted(world):
    tokens = {role: token_for(world.people[role]) for role in ROLES[1:]}
    problems = []
    requests = refused = performed = tampered = 0
    for write in WRITES:
        for role in ROLES + PASSWORD_ONLY:
            shown, status, changed = _attempt(world, write, role, tokens)
            requests += 1
            write.results[role] = shown
            seen = f"{write.name} as {role}: {status}, changed {changed}"
            if role in write.allowed:
                if status >= 300 or not changed:
                    problems.append(f"{seen} (should succeed)")
                performed += 1
            else:
                if status not in write.refusals or changed:
                    problems.append(f"{seen} (should be refused)")
                refused += 1
        doer = sorted(write.allowed)[0]
        for name in write.tamper_fields:
            _shown, status, changed = _attempt(world, write, doer, tokens, {name: FORBIDDEN_FIELDS[name]})
            requests += 1
            tampered += 1
            if status != 400 or changed:
                problems.append(f"{write.name} as {doer} with {name!r}: {status}, changed {changed}")

    summary = {
        "writes": len(WRITES),
        "roles": len(ROLES + PASSWORD_ONLY),
        "requests": requests,
        "refused_as_expected": refused - sum("should be refused" in p for p in problems),
        "forbidden_writes_accepted": sum("should be refused" in p for p in problems),
        "allowed_writes_performed": performed - sum("should succeed" in p for p in problems),
        "forbidden_field_attempts": tampered,
        "forbidden_fields_accepted": sum(" with '" in p for p in problems),
        "statuses": {write.name: write.results for write in WRITES},
        "problems": problems,
    }
    artifacts = Path(settings.BASE_DIR) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "privilege-matrix.json").write_text(json.dumps(summary, indent=2))
    print(
        f"\nprivilege matrix: {len(WRITES)} writes x {len(ROLES + PASSWORD_ONLY)} roles "
        f"+ {tampered} tampering attempts, "
        f"{requests} requests, {summary['forbidden_writes_accepted']} forbidden writes accepted, "
        f"{summary['forbidden_fields_accepted']} forbidden fields accepted"
    )
    assert problems == []
