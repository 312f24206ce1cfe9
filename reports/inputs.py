"""What a report is compiled from, as plain values: one ``Reply`` per respondent (the version
used), and the fingerprint that makes equal inputs recognizable (same inputs, same bytes)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import weasyprint
from django.conf import settings

from questionnaires.definition import canonical_json

# Bump when the builders change what they produce for the same inputs.
BUILDER_VERSION = "1"
PDF_TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates" / "reports" / "pdf"
PDF_STATIC_DIR = Path(settings.BASE_DIR) / "static"
PDF_STYLESHEET = PDF_STATIC_DIR / "reports" / "pdf.css"


@dataclass(frozen=True)
class Reply:
    """The version of one respondent's response that the report uses."""

    version_id: int
    respondent_code: str
    respondent_name: str
    respondent_kind: str  # portal.models.Respondent.Kind
    regional_group: str  # RegionalGroup value, "" for organizations and institutes
    number: int
    version_kind: str  # responses.models.ResponseVersion.Kind
    created_at: datetime
    sha256: str
    answers: dict

    @property
    def provenance(self) -> str:
        """How every extract names its source: "France (version 2)"."""
        from django.utils.translation import gettext as _

        return _("%(name)s (version %(number)d)") % {"name": self.respondent_name, "number": self.number}


def replies_from_versions(versions, *, language: str) -> list[Reply]:
    """Replies in the order of the report: by respondent name in the report's language."""
    replies = [
        Reply(
            version_id=v.pk,
            respondent_code=v.response.respondent.code,
            respondent_name=v.response.respondent.name_fr
            if language.startswith("fr")
            else v.response.respondent.name_en,
            respondent_kind=v.response.respondent.kind,
            regional_group=v.response.respondent.regional_group,
            number=v.number,
            version_kind=v.kind,
            created_at=v.created_at,
            sha256=v.sha256,
            answers=v.answers,
        )
        for v in versions
    ]
    return sorted(replies, key=lambda r: (r.respondent_name.casefold(), r.respondent_code))


@cache
def renderer_fingerprint() -> str:
    """Everything besides the data that shapes a document's bytes: the PDF templates, the
    stylesheet, the WeasyPrint version and the builders' version."""
    digest = hashlib.sha256()
    digest.update(f"builder={BUILDER_VERSION};weasyprint={weasyprint.__version__}".encode())
    for path in sorted([*PDF_TEMPLATES_DIR.rglob("*.html"), PDF_STYLESHEET]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_sha256(data: dict) -> str:
    """The SHA-256 of a document's inputs: its data and the renderer fingerprint."""
    record = canonical_json({"renderer": renderer_fingerprint(), "data": data})
    return hashlib.sha256(record.encode("utf-8")).hexdigest()
