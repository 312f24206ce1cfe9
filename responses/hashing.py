"""The SHA-256 of a version's answers, and of the version itself chained to its predecessor,
so that any change to the stored history is detectable (``verify_history``)."""

from __future__ import annotations

import hashlib

from questionnaires.definition import canonical_json


def answers_sha256(answers: dict) -> str:
    return hashlib.sha256(canonical_json(answers).encode("utf-8")).hexdigest()


def version_sha256(
    *,
    previous_sha256: str,
    respondent_code: str,
    cycle_slug: str,
    number: int,
    kind: str,
    author: str,
    reason: str,
    created_at: str,
    content_sha256: str,
) -> str:
    record = canonical_json(
        {
            "previous": previous_sha256,
            "respondent": respondent_code,
            "cycle": cycle_slug,
            "number": number,
            "kind": kind,
            "author": author,
            "reason": reason,
            "created_at": created_at,
            "content": content_sha256,
        }
    )
    return hashlib.sha256(record.encode("utf-8")).hexdigest()
