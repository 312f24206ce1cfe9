"""Renderers: pure functions from a document's data to ``(filename, content_type, bytes)``
(plus the page count for PDFs). Tasks and the command store what they return."""

from reports.renderers.pdf import Rendered, pdf_write


def render_main(data: dict) -> Rendered:
    return pdf_write(template="reports/pdf/main.html", data=data, filename=data["filename"])


def render_addendum(data: dict) -> Rendered:
    return pdf_write(template="reports/pdf/addendum.html", data=data, filename=data["filename"])


def render_document(data: dict) -> Rendered:
    return render_main(data) if data["kind"] == "main" else render_addendum(data)
