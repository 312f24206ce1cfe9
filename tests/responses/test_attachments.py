"""Uploads: legislation texts are accepted by content; a hostile sample set is refused with a
clear message, and nothing of it is stored."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.errors import ApplicationError, PermissionDenied
from responses import services
from responses.models import Attachment

pytestmark = pytest.mark.django_db

QUESTION = "a.1.organized_crime_texts"


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document/>"})


def _pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>Loi n° 2004-204 du 9 mars 2004</p>").write_pdf()


def _upload(response, corr, name, data):
    return services.attachment_upload(
        response=response, question_code=QUESTION, upload=SimpleUploadedFile(name, data), user=corr
    )


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("loi-2004-204.pdf", None, "pdf"),
        ("code-penal.docx", DOCX, "docx"),
        ("code-penal.odt", ODT, "odt"),
        ("summary.txt", "Résumé de la loi n° 2004-204.\n".encode(), "txt"),
    ],
)
def test_it_accepts_legislation_texts_by_content(response_fra, corr_fra, name, data, kind):
    data = data if data is not None else _pdf()
    attachment = _upload(response_fra, corr_fra, name, data)
    assert attachment.kind == kind
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.original_name == name
    with attachment.file.open("rb") as stored:
        assert stored.read() == data
    assert not attachment.file.name.endswith(name)  # the server chose the stored name


HOSTILE = [
    ("tool.exe", b"MZ\x90\x00\x03" + b"\x00" * 100, "Upload a PDF, DOCX, ODT or plain text"),
    ("setup.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "Upload a PDF, DOCX, ODT or plain text"),
    ("page.txt", b"<html><body><script>alert(1)</script></body></html>", "Web pages and images"),
    ("image.txt", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "Web pages"),
    ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "Upload a PDF, DOCX, ODT"),
    ("law.pdf", b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>", "scripts"),
    (
        "law.docx",
        _zip(
            {
                "[Content_Types].xml": b"macroEnabled",
                "word/document.xml": b"x",
                "word/vbaProject.bin": b"\x00",
            }
        ),
        "macros",
    ),
    ("law.exe.pdf", b"%PDF-1.4\n%%EOF", "second, unsafe extension"),
    ("law.pdf", DOCX, "content is DOCX but its name ends in .pdf"),
    (
        "bomb.docx",
        _zip({"[Content_Types].xml": b"x", "word/document.xml": b"\x00" * (60 * 1024 * 1024)}),
        "unreasonable size",
    ),
    ("empty.txt", b"", "empty"),
    ("latin1.txt", "Résumé".encode("latin-1"), "UTF-8"),
]


@pytest.mark.parametrize(("name", "data", "message"), HOSTILE, ids=[h[0] + "-" + h[2][:12] for h in HOSTILE])
def test_it_refuses_hostile_files_with_a_clear_message(response_fra, corr_fra, name, data, message):
    with pytest.raises(ApplicationError) as error:
        _upload(response_fra, corr_fra, name, data)
    assert message in str(error.value.message)
    assert not Attachment.objects.exists()


def test_a_name_with_folders_never_reaches_the_storage(response_fra, corr_fra):
    # Django strips the folders from an uploaded file's name before we see it; the stored
    # name is ours in any case, so '../' can never choose where the file goes.
    attachment = _upload(response_fra, corr_fra, "../../etc/passwd.txt", b"root:x:0:0")
    assert attachment.original_name == "passwd.txt"
    assert attachment.file.name.startswith("attachments/") and ".." not in attachment.file.name


def test_it_refuses_an_oversize_file(response_fra, corr_fra, settings):
    data = b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024)
    with pytest.raises(ApplicationError, match="larger than 20 MB"):
        _upload(response_fra, corr_fra, "huge.pdf", data)


def test_it_refuses_uploads_to_a_question_without_attachments(response_fra, corr_fra):
    with pytest.raises(ApplicationError, match="does not take attachments"):
        services.attachment_upload(
            response=response_fra,
            question_code="contact.1.authority",
            upload=SimpleUploadedFile("a.txt", b"text"),
            user=corr_fra,
        )


def test_another_state_cannot_upload(response_fra, corr_ken):
    with pytest.raises(PermissionDenied):
        _upload(response_fra, corr_ken, "a.txt", b"text")
