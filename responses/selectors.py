"""Reads of the responses domain, always through ``Response.objects.for_user``."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.http import Http404

from portal.models import User
from questionnaires.models import Cycle
from responses.models import DraftAnswer, Response, ResponseVersion


def responses_for_user(*, user: User) -> QuerySet[Response]:
    return Response.objects.for_user(user).select_related(
        "respondent", "cycle__instrument_version__instrument"
    )


def response_get_for_user(*, user: User, pk: int) -> Response:
    response = responses_for_user(user=user).filter(pk=pk).first()
    if response is None:
        raise Http404
    return response


def draft_answers(*, response: Response) -> dict[str, DraftAnswer]:
    return {
        a.question_code: a
        for a in response.draft_answers.select_related("updated_by", "carried_from__response__cycle")
    }


def draft_revision_get(*, response: Response) -> int:
    """The draft's current revision, from the database (an instance may predate a save)."""
    return Response.objects.values_list("draft_revision", flat=True).get(pk=response.pk)


def version_get(*, response: Response, number: int) -> ResponseVersion:
    version = response.versions.select_related("author", "instrument_version").filter(number=number).first()
    if version is None:
        raise Http404
    return version


def latest_accepted_versions(*, cycle: Cycle, cutoff=None) -> list[ResponseVersion]:
    """The version of each response of the cycle that the secretariat last accepted (as of
    ``cutoff``): a reply amended after its acceptance keeps its accepted version in until
    the amendment is accepted too."""
    versions = ResponseVersion.objects.filter(
        response__cycle=cycle, number__lte=F("response__accepted_version_number")
    )
    if cutoff is not None:
        versions = versions.filter(created_at__lte=cutoff)
    return list(
        versions.order_by("response_id", "-number")
        .distinct("response_id")
        .select_related("response__respondent", "author")
    )
