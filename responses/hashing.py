"""The SHA-256 of a version's answers, and of the version itself chained to its predecessor,
so that any change to the stored history is detectable (``verify_history``).

The chain alone proves nothing against someone who can write the tables: the algorithm is
public, so they can recompute every hash after a change. Each version's chain hash is
therefore also sealed with an HMAC under ``HISTORY_SEAL_KEY``, a key that lives in the
environment of the application only, never in the database."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

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


def version_seal(sha256: str, *, key: str | None = None) -> str:
    """The HMAC-SHA256 of a version's chain hash under the history seal key."""
    secret = (key if key is not None else settings.HISTORY_SEAL_KEY).encode("utf-8")
    return hmac.new(secret, sha256.encode("ascii"), hashlib.sha256).hexdigest()


def seal_matches(sha256: str, seal: str) -> bool:
    return hmac.compare_digest(version_seal(sha256), seal)
