"""What an uploaded file is, read from its content, and whether it may be kept.

A file is parsed the way a reader would parse it: a PDF with pikepdf (so name escapes,
object streams and incremental updates are seen as the reader sees them), an office
document as a zip of XML parts read without entity expansion. What would run, open, fetch
or submit something when the file is opened is refused.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

import pikepdf
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as xml_fromstring
from django.utils.translation import gettext as _

from portal.errors import ApplicationError

MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_ZIP_ENTRIES = 2000
MAX_RELS_BYTES = 2 * 1024 * 1024
MARKUP = re.compile(rb"<\s*(html|script|svg|iframe|object|embed|body)\b", re.IGNORECASE)

# Keys whose mere presence is active content: scripts, forms, embedded files, multimedia.
PDF_ACTIVE_KEYS = {
    "/JS",
    "/JavaScript",  # the /Names /JavaScript tree of document scripts
    "/AcroForm",
    "/XFA",
    "/EmbeddedFiles",
    "/EF",  # a file specification that embeds the file
    "/RichMediaContent",
    "/RichMediaSettings",
}
# Actions (/S) that run, launch, submit, import or open another file.
PDF_ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/ResetForm",
    "/GoToR",
    "/GoToE",
    "/RichMediaExecute",
    "/Rendition",
    "/Movie",
    "/Sound",
}
PDF_ACTIVE_SUBTYPES = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D", "/Widget"}
PDF_ACTIVE_TYPES = {"/EmbeddedFile", "/Filespec"}

EXTERNAL_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


class AttachmentRejected(ApplicationError):
    def __init__(self, message):
        super().__init__(message, code="attachment_rejected")


def _pdf_is_active(obj) -> bool:
    """Whether ``obj`` or a direct object inside it is active content. Indirect objects are
    each walked once from the file's object table, so references are not followed here
    (and a reference cycle cannot loop)."""
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Dictionary):
        keys = set(obj.keys())
        if keys & PDF_ACTIVE_KEYS:
            return True
        for key, values in (
            ("/S", PDF_ACTIVE_ACTIONS),
            ("/Subtype", PDF_ACTIVE_SUBTYPES),
            ("/Type", PDF_ACTIVE_TYPES),
        ):
            value = obj.get(key)
            if isinstance(value, pikepdf.Name) and str(value) in values:
                return True
        children = (obj[k] for k in keys)
    elif isinstance(obj, pikepdf.Array):
        children = iter(obj)
    else:
        return False
    # Numbers and booleans come back as Python values: they hold nothing.
    return any(not getattr(child, "is_indirect", True) and _pdf_is_active(child) for child in children)


def check_pdf(data: bytes) -> None:
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise AttachmentRejected(_("The PDF is protected by a password; upload it without one.")) from None
    except (pikepdf.PdfError, ValueError, RecursionError):
        raise AttachmentRejected(
            _("The PDF is damaged and cannot be read; save or export it again.")
        ) from None
    with pdf:
        try:
            # Every object of the file, including those inside object streams and those an
            # incremental update added, and the trailer that points at the catalog.
            objects = [pdf.trailer, *pdf.objects]
            active = any(_pdf_is_active(obj) for obj in objects)
        except (pikepdf.PdfError, RecursionError):
            raise AttachmentRejected(
                _("The PDF is damaged and cannot be read; save or export it again.")
            ) from None
    if active:
        raise AttachmentRejected(
            _(
                "PDF files with scripts, forms, actions, attachments or multimedia are not accepted; "
                "print it to a plain PDF and upload that."
            )
        )


def _refuse_macros() -> None:
    raise AttachmentRejected(_("Documents with macros are not accepted; save it without macros."))


def _check_relationships(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """A relationship that points outside the package (a remote template, an image or an
    object fetched when the document opens) is refused; a plain web or mail link is text."""
    if info.file_size > MAX_RELS_BYTES:
        raise AttachmentRejected(_("The document holds too many parts."))
    with archive.open(info) as part:
        data = part.read(MAX_RELS_BYTES + 1)
    try:
        root = xml_fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, SyntaxError, ValueError):
        raise AttachmentRejected(_("The file is damaged and cannot be read.")) from None
    for relationship in root.iter(RELATIONSHIP):
        if (relationship.get("TargetMode") or "").strip().lower() != "external":
            continue
        target = (relationship.get("Target") or "").strip().lower()
        if relationship.get("Type") == EXTERNAL_HYPERLINK and target.startswith(
            ("https://", "http://", "mailto:")
        ):
            continue
        raise AttachmentRejected(
            _(
                "The document links to an outside template or file that would be fetched when it is "
                "opened; save it as a plain document and upload that."
            )
        )


def zip_kind(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise AttachmentRejected(_("The file is damaged and cannot be read.")) from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise AttachmentRejected(_("The document holds too many parts."))
    # The sizes in the zip directory bound what is unpacked: zipfile reads no more than them.
    unzipped = sum(i.file_size for i in infos)
    if unzipped > MAX_UNZIPPED_BYTES or unzipped > MAX_ZIP_RATIO * max(len(data), 1):
        raise AttachmentRejected(_("The document expands to an unreasonable size and was refused."))
    names = [i.filename for i in infos]
    lowered = [n.lower() for n in names]
    if len(set(lowered)) != len(lowered):
        # Two parts of one name: readers disagree on which one counts.
        raise AttachmentRejected(_("The file is damaged and cannot be read."))
    if any(
        posixpath.basename(n) in ("vbaproject.bin", "vbadata.xml") or n.startswith("basic/") or "/basic/" in n
        for n in lowered
    ):
        _refuse_macros()
    try:
        if "[Content_Types].xml" in names:  # any OOXML package: word, spreadsheet, slides
            types = archive.read("[Content_Types].xml")
            if b"macroEnabled" in types or b"vbaProject" in types:
                _refuse_macros()
            for info in infos:
                if info.filename.lower().endswith(".rels"):
                    _check_relationships(archive, info)
            if "word/document.xml" in names:
                return "docx"
        elif (
            "mimetype" in names
            and archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text"
        ):
            return "odt"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise AttachmentRejected(_("The file is damaged and cannot be read.")) from None
    raise AttachmentRejected(_("Upload a PDF, DOCX, ODT or plain text (.txt) file."))


def detect_kind(data: bytes) -> str:
    """``pdf``, ``docx``, ``odt`` or ``txt`` from the content, or AttachmentRejected."""
    if data.startswith(b"%PDF-"):
        check_pdf(data)
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return zip_kind(data)
    if b"\x00" in data:
        raise AttachmentRejected(_("Upload a PDF, DOCX, ODT or plain text (.txt) file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AttachmentRejected(_("A text file must be in UTF-8.")) from None
    if MARKUP.search(data[:65536]) or text.lstrip().startswith("<"):
        raise AttachmentRejected(_("Web pages and images are not accepted; upload the text itself."))
    return "txt"
