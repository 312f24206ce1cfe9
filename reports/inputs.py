"""What a report is compiled from, as plain values: one ``Reply`` per respondent (the version
used), and the fingerprint that makes equal inputs recognizable (same inputs, same bytes)."""

from __future__ import annotations

import hashlib
import unicodedata
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


def collation_key(name: str) -> str:
    """Alphabetical order of names in Latin, Cyrillic or Arabic script: case and diacritics
    (accents, hamza) are ignored, as in the lists of United Nations documents."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def replies_from_versions(versions, *, language: str) -> list[Reply]:
    """Replies in the order of the report: by respondent name in the report's language
    (Chinese follows the English order: no pinyin or stroke collation is available here)."""
    keyed = []
    for v in versions:
        respondent = v.response.respondent
        reply = Reply(
            version_id=v.pk,
            respondent_code=respondent.code,
            respondent_name=respondent.name_in(language),
            respondent_kind=respondent.kind,
            regional_group=respondent.regional_group,
            number=v.number,
            version_kind=v.kind,
            created_at=v.created_at,
            sha256=v.sha256,
            answers=v.answers,
        )
        order_name = respondent.name_en if language.lower().startswith("zh") else reply.respondent_name
        keyed.append(((collation_key(order_name), respondent.code), reply))
    return [reply for _key, reply in sorted(keyed, key=lambda item: item[0])]


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
