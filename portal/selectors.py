"""Reads of the cross-cutting domain, scoped to the person asking."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from portal.models import Designation, Respondent, User


def respondents_for_user(*, user: User) -> QuerySet[Respondent]:
    return Respondent.objects.for_user(user)


def respondent_get_for_user(*, user: User, code: str) -> Respondent:
    """The respondent with ``code`` if the person may see it; 404 otherwise, so a
    correspondent cannot even learn which other respondents exist in the portal."""
    respondent = respondents_for_user(user=user).filter(code=code).first()
    if respondent is None:
        raise Http404
    return respondent


def designations_of(*, respondent: Respondent) -> QuerySet[Designation]:
    return (
        Designation.objects.filter(respondent=respondent)
        .select_related("person", "designated_by", "withdrawn_by")
        .order_by("withdrawn_at", "-designated_at")
    )


def user_designations(*, user: User) -> QuerySet[Designation]:
    return Designation.objects.active().filter(person=user).select_related("respondent")


def respondents_with_designations() -> QuerySet[Respondent]:
    return Respondent.objects.prefetch_related(
        Prefetch(
            "designations",
            queryset=Designation.objects.active().select_related("person"),
            to_attr="active_designations",
        )
    )
