"""The PDF receipt of a submitted version: what the state files as proof of what it sent.

``receipt_render`` is a pure function from a version to ``(filename, content_type, bytes)``.
Every text of the response goes through the template's escaping, and WeasyPrint may read
nothing but files under the project's static directory.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from questionnaires.answers import is_empty
from questionnaires.selectors import questionnaire_view
from responses import forms
from responses.models import ResponseVersion

CONTENT_TYPE = "application/pdf"


def static_dir() -> Path:
    return Path(settings.STATICFILES_DIRS[0]).resolve()


class StaticFilesOnly(URLFetcher):
    """Fetches only ``file:`` URLs of files inside the static directory; refuses the rest
    (http:, data:, any other file), so a receipt can never reach the network or the disk."""

    def __init__(self):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"refused: {url[:80]}")
        path = Path(url2pathname(parts.path)).resolve()
        root = static_dir()
        if not path.is_relative_to(root) or not path.is_file():
            raise ValueError(f"refused: {url[:80]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )


def receipt_filename(version: ResponseVersion) -> str:
    response = version.response
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", response.cycle.slug).strip("-")
    code = re.sub(r"[^A-Za-z0-9]+", "", response.respondent.code)
    return f"receipt-{code}-{slug}-v{version.number}.pdf"


def receipt_render(version: ResponseVersion) -> tuple[str, str, bytes]:
    response = version.response
    attachments = {a.pk: a for a in response.attachments.all()}
    sections = []
    for section in questionnaire_view(version.instrument_version.definition):
        answered = [
            {"q": q, "display": forms.answer_display(q, version.answers[q.code], attachments)}
            for q in section.questions
            if not is_empty(version.answers.get(q.code))
        ]
        if answered:
            sections.append({"title": section.title, "items": answered})
    html = render_to_string(
        "responses/receipt.html",
        {
            "response": response,
            "version": version,
            "sections": sections,
            "created_at": timezone.localtime(version.created_at),
            "generated_at": timezone.localtime(),
        },
    )
    content = HTML(
        string=html, base_url=static_dir().as_uri() + "/", url_fetcher=StaticFilesOnly()
    ).write_pdf()
    return receipt_filename(version), CONTENT_TYPE, content
