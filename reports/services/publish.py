"""Publishing a compiled report to the Commission, and the secretariat's conclusions."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError, PermissionDenied
from portal.models import User
from portal.services import audit_record
from questionnaires.models import Cycle
from reports.models import CycleConclusions, Report


@transaction.atomic
def report_publish(*, report: Report, user: User, ip_address: str | None = None) -> Report:
    """Make a done report what Commission members see. From then on it is immutable (a
    database trigger refuses any change to it or to its documents)."""
    if not user.is_secretariat:
        raise PermissionDenied(_("Only the secretariat publishes reports."))
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.published:
        raise ApplicationError(_("This report is already published."), code="already_published")
    if report.status != Report.Status.DONE:
        raise ApplicationError(_("Only a compiled report can be published."), code="not_done")
    report.published = True
    report.published_at = timezone.now()
    report.published_by = user
    report.save(update_fields=["published", "published_at", "published_by"])
    audit_record(
        actor=user,
        action="report.published",
        obj=report,
        ip_address=ip_address,
        data={"sha256": report.sha256, "cycle": report.cycle.slug},
    )
    return report


@transaction.atomic
def conclusions_save(
    *, cycle: Cycle, text: str, user: User, ip_address: str | None = None
) -> CycleConclusions:
    """Save chapter III (conclusions and recommendations); the next compile uses it.
    Paragraphs are separated by a blank line; each becomes a numbered paragraph."""
    if not user.is_secretariat:
        raise PermissionDenied(_("Only the secretariat writes the conclusions."))
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > 50000:
        raise ApplicationError(_("Keep the conclusions within 50,000 characters."), code="too_long")
    conclusions, _created = CycleConclusions.objects.select_for_update().get_or_create(cycle=cycle)
    conclusions.text = text
    conclusions.updated_by = user
    conclusions.updated_at = timezone.now()
    conclusions.save()
    audit_record(
        actor=user,
        action="report.conclusions_saved",
        obj=conclusions,
        ip_address=ip_address,
        data={"cycle": cycle.slug, "characters": len(text)},
    )
    return conclusions
