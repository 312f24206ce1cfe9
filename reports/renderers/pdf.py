"""Writing a document's data as a tagged PDF with WeasyPrint, in one pass.

- PDF/UA-1 (tagged: structure tree and MarkInfo), language and title from <html lang> and
  <title>, fonts embedded (subset) from the system's Noto/DejaVu fonts.
- Deterministic: the dates come from the data (<meta name="dcterms.created">) and the file
  identifier from the inputs' SHA-256, so equal data gives equal bytes.
- Fetches nothing but files under the project's static directory: respondent text is escaped
  by the templates, and whatever still names a URL is refused by ``StaticFilesOnly``.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from reports.inputs import PDF_STATIC_DIR, inputs_sha256

# WeasyPrint logs every layout step at INFO; a compile of hundreds of pages would flood the logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

PDF_VARIANT = "pdf/ua-1"
CONTENT_TYPE = "application/pdf"


class Rendered(NamedTuple):
    filename: str
    content_type: str
    content: bytes
    pages: int


class StaticFilesOnly(URLFetcher):
    """Serves ``file:`` URLs of files under ``root``; refuses (and records) everything else:
    http(s), data:, file: elsewhere (e.g. /etc/passwd), and paths escaping through ``..``."""

    def __init__(self, root: Path = PDF_STATIC_DIR):
        super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()
        self.refused: list[str] = []

    def local_path(self, url: str) -> Path | None:
        parsed = urlparse(url)
        if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(unquote(parsed.path))).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    def fetch(self, url, headers=None):
        path = self.local_path(url)
        if path is None:
            self.refused.append(url)
            raise ValueError(
                f"The report renderer fetches only the portal's static files, not {url[:200]!r}."
            )
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


def document_html(*, template: str, data: dict) -> str:
    """The document as HTML, in its language (right to left for Arabic)."""
    with translation.override(data["language"]):
        return render_to_string(template, {"doc": data})


def pdf_write(
    *, template: str, data: dict, filename: str, fetcher: StaticFilesOnly | None = None
) -> Rendered:
    """Render ``template`` with ``data`` and lay it out as a PDF/UA document."""
    html = document_html(template=template, data=data)
    fetcher = fetcher or StaticFilesOnly()
    document = HTML(string=html, base_url=PDF_STATIC_DIR.as_uri() + "/", url_fetcher=fetcher).render(
        pdf_variant=PDF_VARIANT
    )
    content = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=inputs_sha256(data)[:32].encode())
    return Rendered(filename, CONTENT_TYPE, content, len(document.pages))
