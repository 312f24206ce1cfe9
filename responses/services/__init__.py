"""Writes of the responses domain. Pages, the API, tasks and commands call these only."""

from responses.services.attachments import attachment_upload
from responses.services.drafts import (
    DraftSaveResult,
    draft_carry_forward,
    draft_confirm_carried,
    draft_save,
    response_start,
)
from responses.services.review import (
    clarification_reply,
    clarification_request,
    clarification_resolve,
    response_accept,
    review_start,
    secretariat_amendment_create,
    version_acknowledge,
)
from responses.services.versions import response_amend, response_submit

__all__ = [
    "DraftSaveResult",
    "attachment_upload",
    "clarification_reply",
    "clarification_request",
    "clarification_resolve",
    "draft_carry_forward",
    "draft_confirm_carried",
    "draft_save",
    "response_accept",
    "response_amend",
    "response_start",
    "response_submit",
    "review_start",
    "secretariat_amendment_create",
    "version_acknowledge",
]
