"""Uploading legislation texts: the type is read from the content, never from the name."""

from __future__ import annotations

import hashlib
import unicodedata

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from portal.errors import ApplicationError, PermissionDenied
from portal.models import User
from portal.services import audit_record
from responses import permissions
from responses.filechecks import AttachmentRejected, detect_kind
from responses.models import Attachment, Response

MAX_BYTES = getattr(settings, "ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
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


def safe_display_name(name: str) -> str:
    """The person's file name as data: no directories, no control characters, bounded.
    Removing every control and format character (Unicode category C) also removes the bidi
    overrides that would show "report\u202etxt.exe" as "reportexe.txt"."""
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
