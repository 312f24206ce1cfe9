"""python manage.py compile_report CYCLE --output-dir DIR [--language en] [--cutoff ISO]

Compiles the cycle's report in this process, through the same services as the Celery tasks,
and writes each document named after its symbol: E-CN.15-1999-3.pdf, E-CN.15-1999-3-Add.1.pdf
... (a contract other checks rely on). The compile is recorded like any other (requested by
nobody), so the page and the API show it too.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from portal.errors import ApplicationError
from questionnaires.models import Cycle
from reports import services


def _cutoff(value: str | None) -> datetime.datetime | None:
    """An ISO date-time (naive means UTC), or a date meaning the end of that day (UTC)."""
    if not value:
        return None
    day = parse_date(value)
    moment = datetime.datetime.combine(day, datetime.time.max) if day else parse_datetime(value)
    if moment is None:
        raise CommandError(f"--cutoff {value!r} is not an ISO date or date-time.")
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC)


class Command(BaseCommand):
    help = "Compile a cycle's report synchronously and write its documents, named after their symbols."

    def add_arguments(self, parser):
        parser.add_argument("cycle", help="The cycle's short name (slug).")
        parser.add_argument("--output-dir", required=True, help="Where to write the PDF files.")
        parser.add_argument("--language", default="en", choices=[code for code, _name in settings.LANGUAGES])
        parser.add_argument("--cutoff", help="ISO date or date-time; versions created later are left out.")

    def handle(self, *args, **options):
        cycle = Cycle.objects.filter(slug=options["cycle"]).first()
        if cycle is None:
            raise CommandError(f"There is no cycle {options['cycle']!r}.")
        output = Path(options["output_dir"])
        output.mkdir(parents=True, exist_ok=True)
        try:
            report = services.report_request(
                cycle=cycle,
                user=None,
                language=options["language"],
                cutoff=_cutoff(options["cutoff"]),
                enqueue=False,
            )
            report = services.report_compile_now(report=report)
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        except Exception as error:  # recorded on the report as its error by the service
            raise CommandError(f"The compile failed: {type(error).__name__}: {error}") from error
        for document in report.documents.order_by("position"):
            target = output / document.filename
            with document.file.open("rb") as source:
                target.write_bytes(source.read())
            self.stdout.write(f"{target}  {document.pages} p.  sha256 {document.sha256}")
        self.stdout.write(
            self.style.SUCCESS(f"Report #{report.pk}: {report.pages} pages, sha256 {report.sha256}")
        )
