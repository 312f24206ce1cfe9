"""Reading the compiled PDFs in tests, with pypdf."""

from __future__ import annotations

import io
import re
from functools import cache

from pypdf import PdfReader


def reader(content: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(content))


def flat(text: str) -> str:
    return " ".join(text.split())


@cache
def _pages_text(content: bytes) -> tuple[str, ...]:
    return tuple(flat(page.extract_text()) for page in reader(content).pages)


def pages_text(content: bytes) -> list[str]:
    """The text of each page, whitespace collapsed (extracted once per document)."""
    return list(_pages_text(content))


def all_text(content: bytes) -> str:
    return " ".join(pages_text(content))


def contents_page(content: bytes, heading: str) -> int:
    """The page number the contents give for a heading ('I. Introduction')."""
    text = pages_text(content)[1]
    match = re.search(re.escape(heading) + r" (?:\d+(?:–\d+)? )?(\d+)(?: |$)", text)
    assert match, f"{heading!r} is not in the contents: {text}"
    return int(match.group(1))


def page_of_heading(content: bytes, heading: str) -> int:
    """The (1-based) page where a heading really is: the first page after the contents
    whose text holds it."""
    for number, text in enumerate(pages_text(content), start=1):
        if number > 2 and heading in text:
            return number
    raise AssertionError(f"{heading!r} is on no page")


def embedded_fonts(content: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded?) for every font the pages use."""
    fonts = {}
    for page in reader(content).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font.get("/BaseFont"))] = embedded
    return sorted(fonts.items())
