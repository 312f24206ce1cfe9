from portal.home import register_home_section


@register_home_section
def published_reports_section(*, user) -> dict | None:
    """Commission members find the published session reports from their home page."""
    if not user.is_commission_member:
        return None
    from reports.selectors import published_reports

    return {"template": "reports/home_reports.html", "reports": published_reports(user=user)[:5]}
