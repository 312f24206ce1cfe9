"""Uploading legislation texts: the type is read from the content, never from the name."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from portal.errors import ApplicationError, PermissionDenied
from portal.models import User
from portal.services import audit_record
from responses import permissions
from responses.models import Attachment, Response

MAX_BYTES = getattr(settings, "ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_ZIP_ENTRIES = 2000
ALLOWED_EXTENSIONS = {"pdf", "docx", "odt", "txt"}
# Inner suffixes that make a name such as "law.exe.pdf" a disguise.
DANGEROUS_SUFFIXES = {
    "exe",
    "com",
    "bat",
    "cmd",
    "scr",
    "msi",
    "js",
    "vbs",
    "ps1",
    "sh",
    "php",
    "jar",
    "html",
    "htm",
    "svg",
    "xhtml",
    "hta",
    "docm",
    "dotm",
    "xlsm",
    "pptm",
    "lnk",
    "dll",
    "app",
}
PDF_ACTIVE_CONTENT = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")
MARKUP = re.compile(rb"<\s*(html|script|svg|iframe|object|embed|body)\b", re.IGNORECASE)


class AttachmentRejected(ApplicationError):
    def __init__(self, message):
        super().__init__(message, code="attachment_rejected")


def safe_display_name(name: str) -> str:
    """The person's file name as data: no directories, no control characters, bounded."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".") or "attachment"
    return name[-200:]


def _check_name(name: str) -> str:
    parts = name.lower().split(".")
    if len(parts) < 2 or parts[-1] not in ALLOWED_EXTENSIONS:
        raise AttachmentRejected(_("Upload a PDF, DOCX, ODT or plain text (.txt) file."))
    if any(part in DANGEROUS_SUFFIXES for part in parts[1:-1]):
        raise AttachmentRejected(
            _("The file name has a second, unsafe extension (%(name)s).") % {"name": name}
        )
    return parts[-1]


def _zip_kind(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise AttachmentRejected(_("The file is damaged and cannot be read.")) from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise AttachmentRejected(_("The document holds too many parts."))
    unzipped = sum(i.file_size for i in infos)
    if unzipped > MAX_UNZIPPED_BYTES or unzipped > MAX_ZIP_RATIO * max(len(data), 1):
        raise AttachmentRejected(_("The document expands to an unreasonable size and was refused."))
    names = {i.filename for i in infos}
    lowered = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") or n.startswith("basic/") or "/basic/" in n for n in lowered):
        raise AttachmentRejected(_("Documents with macros are not accepted; save it without macros."))
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        types = archive.read("[Content_Types].xml")
        if b"macroEnabled" in types or b"vbaProject" in types:
            raise AttachmentRejected(_("Documents with macros are not accepted; save it without macros."))
        return "docx"
    if "mimetype" in names and archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text":
        return "odt"
    raise AttachmentRejected(_("Upload a PDF, DOCX, ODT or plain text (.txt) file."))


def detect_kind(data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        if PDF_ACTIVE_CONTENT.search(data):
            raise AttachmentRejected(_("PDF files with scripts, actions or embedded files are not accepted."))
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if b"\x00" in data:
        raise AttachmentRejected(_("Upload a PDF, DOCX, ODT or plain text (.txt) file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AttachmentRejected(_("A text file must be in UTF-8.")) from None
    if MARKUP.search(data[:65536]) or text.lstrip().startswith("<"):
        raise AttachmentRejected(_("Web pages and images are not accepted; upload the text itself."))
    return "txt"


@transaction.atomic
def attachment_upload(*, response: Response, question_code: str, upload, user: User) -> Attachment:
    """Check and store an uploaded file for a question of type ``attachments``."""
    response = (
        Response.objects.select_for_update().select_related("cycle__instrument_version").get(pk=response.pk)
    )
    if not permissions.can_edit_draft(user, response):
        raise PermissionDenied(_("You cannot change this draft."))
    question = response.cycle.instrument_version.questions_by_code().get(question_code)
    if question is None or question.type != "attachments":
        raise ApplicationError(_("This question does not take attachments."), code="not_attachments")
    if upload.size > MAX_BYTES:
        raise AttachmentRejected(
            _("The file is larger than %(limit)d MB.") % {"limit": MAX_BYTES // (1024 * 1024)}
        )
    raw_name = upload.name or ""
    if "/" in raw_name or "\\" in raw_name or ".." in raw_name:
        raise AttachmentRejected(_("The file name must not contain folders or '..'."))
    name = safe_display_name(raw_name)
    extension = _check_name(name)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise AttachmentRejected(
            _("The file is larger than %(limit)d MB.") % {"limit": MAX_BYTES // (1024 * 1024)}
        )
    if not data:
        raise AttachmentRejected(_("The file is empty."))
    kind = detect_kind(data)
    if kind != extension:
        raise AttachmentRejected(
            _("The file's content is %(kind)s but its name ends in .%(extension)s.")
            % {"kind": kind.upper(), "extension": extension}
        )
    digest = hashlib.sha256(data).hexdigest()
    attachment = Attachment(
        response=response,
        question_code=question_code,
        original_name=name,
        kind=kind,
        size=len(data),
        sha256=digest,
        uploaded_by=user,
    )
    attachment.file.save(f"{digest}.bin", ContentFile(data), save=False)
    attachment.save()
    audit_record(
        actor=user,
        action="attachment.uploaded",
        obj=attachment,
        respondent=response.respondent,
        data={"question": question_code, "sha256": digest, "size": len(data), "kind": kind},
    )
    return attachment
