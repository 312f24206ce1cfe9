"""Verification of the stored version history against its SHA-256 chain."""

from __future__ import annotations

from dataclasses import dataclass, field

from responses.hashing import answers_sha256, version_sha256
from responses.models import ResponseVersion


@dataclass
class HistoryReport:
    versions: int = 0
    respondents: int = 0
    breaks: list[str] = field(default_factory=list)


def history_verify() -> HistoryReport:
    report = HistoryReport()
    previous_by_respondent: dict[int, str] = {}
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
        previous_by_respondent[respondent.pk] = version.sha256
    report.respondents = len(previous_by_respondent)
    return report
