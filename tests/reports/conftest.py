"""Cycles with accepted responses, built through the real services, and compiled reports.

- ``build_cycle``: a 1997/34 cycle (eighth session, E/CN.15/1999/3) with accepted responses of
  the given respondents, each submitted by its focal point and accepted by the reviewer.
- ``compiled``: compiled once per test module with the ``compile_report`` command (the same
  code as the tasks), then amended and compiled again; the PDFs and what the tests need to
  know are kept in memory and the database is rolled back.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from portal.demo import seed_people
from portal.models import Respondent
from portal.reference import load_respondents
from portal.services import focal_point_register
from questionnaires.models import Cycle, InstrumentVersion
from questionnaires.services import cycle_create, cycle_open, instruments_load
from reports import selectors, services
from reports.documents import symbol_filename
from reports.models import Report, ReportDocument, document_path
from responses.models import Response
from responses.services import secretariat_amendment_create
from tests.conftest import PASSWORD
from tests.reports.factories import accepted_version, answers_for

SYMBOL = "E/CN.15/1999/3"
# One Member State of each regional group (two of Western European and other States), and an
# intergovernmental organization.
RESPONDENTS = ["FRA", "DEU", "KEN", "BRA", "JPN", "POL", "INTERPOL"]
CONCLUSIONS = (
    "The secretariat concludes that most respondents have legislation against organized crime.\n\n"
    "It recommends that the Commission encourage the States that have not replied to do so."
)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def build_cycle(
    *, people: dict, codes: list[str], slug: str = "report-1997-34", long_words: int = 50
) -> Cycle:
    secadmin = people["secadmin"]
    version = InstrumentVersion.objects.get(instrument__code="1997-34", number=1)
    cycle = cycle_create(
        slug=slug,
        title="Implementation of the United Nations Declaration on Crime and Public Security",
        instrument_version=version,
        session_number=8,
        session_year=1999,
        document_symbol=SYMBOL,
        agenda_item=5,
        opens_on=datetime.date(1998, 3, 1),
        deadline=datetime.date(1998, 12, 31),
        session_start=datetime.date(1999, 4, 27),
        session_end=datetime.date(1999, 5, 6),
        include_organizations=True,
        user=secadmin,
    )
    cycle = cycle_open(cycle=cycle, user=secadmin, notify=False)
    focal_points = {
        "FRA": "corr-fra",
        "KEN": "corr-ken",
        "BRA": "corr-bra",
        "JPN": "corr-jpn",
        "POL": "corr-pol",
    }
    for index, code in enumerate(codes):
        respondent = Respondent.objects.get(code=code)
        if code in focal_points:
            person = people[focal_points[code]]
        else:
            person = focal_point_register(
                respondent=respondent,
                email=f"focal-{code.lower()}@example.org",
                communication=f"Note verbale {code}/1998/1",
                by=secadmin,
            ).person
        accepted_version(
            cycle=cycle,
            respondent=respondent,
            person=person,
            reviewer=people["reviewer"],
            answers=answers_for(version.definition, seed=index, long_words=long_words),
        )
    return cycle


@pytest.fixture
def small_cycle(people) -> Cycle:
    return build_cycle(people=people, codes=["FRA", "KEN"])


@dataclass
class Compiled:
    files: dict[str, bytes]  # file name -> PDF, as the command wrote them
    output: str  # the command's output
    respondents: dict[str, dict]  # code -> name, group, version number
    main_data: dict  # the main document's data, to render again
    main_sha256: str
    recompiled: dict[str, bool] = field(default_factory=dict)  # symbol -> reused after an amendment
    amended: str = ""  # the symbol of the addendum holding the amended reply


@pytest.fixture(scope="module")
def compiled(django_db_setup, django_db_blocker, tmp_path_factory) -> Compiled:
    media = tmp_path_factory.mktemp("media")
    output = tmp_path_factory.mktemp("reports")
    with override_settings(MEDIA_ROOT=str(media), PASSWORD_HASHERS=FAST_HASHER):
        with django_db_blocker.unblock(), transaction.atomic():
            # These tests need no `db` fixture, so they run last, possibly after a transactional
            # test of another app flushed the reference data: load it (idempotent, rolled back).
            load_respondents()
            instruments_load()
            people = seed_people(password=PASSWORD)
            cycle = build_cycle(people=people, codes=RESPONDENTS)
            services.conclusions_save(cycle=cycle, text=CONCLUSIONS, user=people["reviewer"])
            stdout = StringIO()
            call_command("compile_report", cycle.slug, "--output-dir", str(output), stdout=stdout)
            report = Report.objects.get(cycle=cycle)
            main = report.main_document
            result = Compiled(
                files={path.name: path.read_bytes() for path in Path(output).glob("*.pdf")},
                output=stdout.getvalue(),
                respondents={
                    r.respondent.code: {
                        "name": r.respondent.name_en,
                        "group": r.respondent.regional_group,
                        "number": r.latest_version_number,
                    }
                    for r in Response.objects.filter(cycle=cycle).select_related("respondent")
                },
                main_data=selectors.document_data(report=report, document=main),
                main_sha256=main.sha256,
            )
            # One respondent's amendment, then a recompile: only what changed is rendered again.
            france = Response.objects.get(cycle=cycle, respondent__code="FRA")
            secretariat_amendment_create(
                response=france,
                user=people["reviewer"],
                answers={"g.6.measures_summary": "A national anti-corruption agency was created in 1998."},
                reason="Corrected on the Permanent Mission's request.",
            )
            again = services.report_compile_now(
                report=services.report_request(cycle=cycle, user=people["reviewer"], enqueue=False)
            )
            result.recompiled = {d.symbol: d.reused_from_id is not None for d in again.documents.all()}
            result.amended = again.documents.get(respondents__contains=["FRA"]).symbol
            transaction.set_rollback(True)
    return result


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Report files go to a temporary directory, never to the development media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def stored_report(
    cycle: Cycle, *, publish_as=None, content: bytes = b"%PDF-1.7\n% a stored report\n"
) -> Report:
    """A done report with its main document stored, without rendering (for pages, the API
    and publishing)."""
    now = timezone.now()
    report = Report.objects.create(
        cycle=cycle,
        status=Report.Status.DONE,
        cutoff=now,
        progress=100,
        stage="done",
        pages=1,
        sha256="a" * 64,
        started_at=now,
        finished_at=now,
    )
    document = ReportDocument(
        report=report,
        kind=ReportDocument.Kind.MAIN,
        position=0,
        symbol=cycle.document_symbol,
        filename=symbol_filename(cycle.document_symbol),
        title=cycle.title,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        pages=1,
    )
    document.file = default_storage.save(document_path(document, document.sha256), ContentFile(content))
    document.save()
    if publish_as is not None:
        report = services.report_publish(report=report, user=publish_as)
    return report
