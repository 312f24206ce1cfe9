"""Verification of the stored version history: each respondent's SHA-256 chain, each
version's seal (an HMAC under a key the database does not hold), and each chain against
what its response says it holds, so that recomputing the chain after a change and deleting
the newest versions are both detected."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from responses.hashing import answers_sha256, seal_matches, version_sha256
from responses.models import Response, ResponseVersion


@dataclass
class HistoryReport:
    versions: int = 0
    respondents: int = 0
    breaks: list[str] = field(default_factory=list)


def history_verify() -> HistoryReport:
    report = HistoryReport()
    previous_by_respondent: dict[int, str] = {}
    numbers_by_response: dict[int, set[int]] = defaultdict(set)
    versions = (
        ResponseVersion.objects.select_related("response__respondent", "response__cycle", "author")
        .order_by("response__respondent_id", "created_at", "id")
        .iterator(chunk_size=500)
    )
    for version in versions:
        respondent = version.response.respondent
        expected_previous = previous_by_respondent.get(respondent.pk, "")
        label = f"{respondent.code} {version.response.cycle.slug} v{version.number}"
        report.versions += 1
        numbers_by_response[version.response_id].add(version.number)
        if version.content_sha256 != answers_sha256(version.answers):
            report.breaks.append(f"{label}: the answers do not match their SHA-256")
        if version.previous_sha256 != expected_previous:
            report.breaks.append(f"{label}: the chain is broken (previous hash differs)")
        recomputed = version_sha256(
            previous_sha256=version.previous_sha256,
            respondent_code=respondent.code,
            cycle_slug=version.response.cycle.slug,
            number=version.number,
            kind=version.kind,
            author=version.author.username,
            reason=version.reason,
            created_at=version.created_at.isoformat(),
            content_sha256=version.content_sha256,
        )
        if recomputed != version.sha256:
            report.breaks.append(f"{label}: the version's SHA-256 does not match its content")
        if not seal_matches(version.sha256, version.seal):
            report.breaks.append(
                f"{label}: the seal does not match (hash recomputed or seal made without the key)"
            )
        previous_by_respondent[respondent.pk] = version.sha256
    report.respondents = len(previous_by_respondent)
    report.breaks.extend(_missing_versions(numbers_by_response))
    return report


def _missing_versions(numbers_by_response: dict[int, set[int]]) -> list[str]:
    """Versions a response says it has but the history lacks, and versions past its count:
    a chain cut at its end is still a valid chain, only the response remembers its length."""
    problems = []
    responses = Response.objects.select_related("respondent", "cycle").order_by("respondent_id", "cycle_id")
    for response in responses.iterator(chunk_size=500):
        stored = numbers_by_response.get(response.pk, set())
        expected = set(range(1, response.latest_version_number + 1))
        label = f"{response.respondent.code} {response.cycle.slug}"
        for number in sorted(expected - stored):
            problems.append(
                f"{label} v{number}: missing (the response has {response.latest_version_number} versions)"
            )
        for number in sorted(stored - expected):
            problems.append(
                f"{label} v{number}: beyond the response's {response.latest_version_number} versions"
            )
        accepted = response.accepted_version_number
        if accepted is not None and accepted not in stored:
            problems.append(f"{label} v{accepted}: the accepted version is missing")
    return problems
