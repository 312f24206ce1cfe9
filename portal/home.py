"""What the home page shows each person: the next things they need, by role.

Each app contributes through a registered provider, so the portal does not import the
apps that depend on it.
"""

from __future__ import annotations

from collections.abc import Callable

_providers: list[Callable] = []


def register_home_section(provider: Callable) -> Callable:
    _providers.append(provider)
    return provider


def home_sections(*, user) -> list[dict]:
    sections = []
    for provider in _providers:
        section = provider(user=user)
        if section:
            sections.append(section)
    return sections


@register_home_section
def _respondents_section(*, user) -> dict | None:
    from portal.selectors import user_designations

    if not user.is_correspondent:
        return None
    return {"template": "portal/home_respondents.html", "designations": list(user_designations(user=user))}


@register_home_section
def _secretariat_section(*, user) -> dict | None:
    from django.db.models import Count, Q

    from portal.models import Designation, Respondent

    if not user.is_secretariat:
        return None
    counts = Respondent.objects.filter(is_active=True).aggregate(
        total=Count("id", distinct=True),
        with_focal_point=Count(
            "designations",
            filter=Q(
                designations__kind=Designation.Kind.FOCAL_POINT, designations__withdrawn_at__isnull=True
            ),
            distinct=True,
        ),
    )
    return {
        "template": "portal/home_secretariat.html",
        "respondent_count": counts["total"],
        "without_focal_point": counts["total"] - counts["with_focal_point"],
    }
