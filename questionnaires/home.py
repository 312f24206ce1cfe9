from portal.home import register_home_section


@register_home_section
def open_cycles_section(*, user) -> dict | None:
    from questionnaires.selectors import cycles_for_user

    if not (user.is_correspondent or user.is_secretariat):
        return None
    return {"template": "questionnaires/home_cycles.html", "cycles": list(cycles_for_user(user=user).open())}
