"""Who may do what to a response: the one permission layer used by pages, API and tasks.

Visibility is ``Response.objects.for_user``; these functions decide actions on a response the
person can already see.
"""

from __future__ import annotations

from portal.models import Designation, User
from questionnaires.models import Cycle
from responses.models import Response


def _designation(user: User, response: Response) -> Designation | None:
    if not user.is_correspondent:
        return None
    return Designation.objects.active().filter(person=user, respondent_id=response.respondent_id).first()


def acts_for(user: User, respondent) -> bool:
    return (
        user.is_correspondent
        and Designation.objects.active().filter(person=user, respondent_id=respondent.pk).exists()
    )


def can_edit_draft(user: User, response: Response) -> bool:
    return (
        response.draft_open
        and response.cycle.status == Cycle.Status.OPEN
        and _designation(user, response) is not None
    )


def can_submit(user: User, response: Response) -> bool:
    """Clearance inside a state: the focal point, or a correspondent it authorised."""
    designation = _designation(user, response)
    return (
        response.draft_open
        and response.cycle.status == Cycle.Status.OPEN
        and designation is not None
        and designation.can_submit
    )


def can_amend(user: User, response: Response) -> bool:
    return (
        not response.draft_open
        and response.latest_version_number > 0
        and response.cycle.status == Cycle.Status.OPEN
        and _designation(user, response) is not None
    )


def can_review(user: User, response: Response) -> bool:
    return user.is_secretariat and response.latest_version_number > 0


def can_acknowledge(user: User, response: Response) -> bool:
    return _designation(user, response) is not None
