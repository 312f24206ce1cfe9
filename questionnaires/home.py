"""The questionnaires' home section: cycles the secretariat is preparing. Open cycles appear
in the responses' sections (a correspondent's questionnaires, the secretariat's review)."""

from portal.home import register_home_section


@register_home_section
def cycles_in_preparation_section(*, user) -> dict | None:
    from questionnaires.models import Cycle
    from questionnaires.selectors import cycles_for_user

    if not user.is_secretariat:
        return None
    cycles = list(cycles_for_user(user=user).filter(status=Cycle.Status.DRAFT).order_by("opens_on"))
    if not cycles:
        return None
    return {"template": "questionnaires/home_cycles.html", "cycles": cycles}
