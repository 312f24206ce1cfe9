"""Demo cycles: an open cycle of each demonstrated instrument, asking all Member States."""

import datetime

from django.utils import timezone

from portal.demo import register_demo_step
from questionnaires.models import Cycle, InstrumentVersion
from questionnaires.services import cycle_create, cycle_open, instruments_load

DEMO_CYCLES = [
    {
        "slug": "demo-1997-34",
        "instrument": "1997-34",
        "title": "Implementation of the United Nations Declaration on Crime and Public Security",
        "session_number": 8,
        "session_year": 1999,
        "document_symbol": "E/CN.15/1999/3",
        "agenda_item": 5,
    },
    {
        "slug": "demo-2004-28-1",
        "instrument": "2004-28-1",
        "title": "Use and application of United Nations standards and norms: persons in custody, "
        "non-custodial sanctions, juvenile and restorative justice",
        "session_number": 15,
        "session_year": 2006,
        "document_symbol": "E/CN.15/2006/13",
        "agenda_item": 6,
    },
]


@register_demo_step(10)
def seed_cycles(*, people, log) -> None:
    instruments_load()
    today = timezone.localdate()
    for spec in DEMO_CYCLES:
        if Cycle.objects.filter(slug=spec["slug"]).exists():
            continue
        version = InstrumentVersion.objects.filter(
            instrument__code=spec["instrument"], status=InstrumentVersion.Status.APPROVED
        ).latest("number")
        cycle = cycle_create(
            slug=spec["slug"],
            title=spec["title"],
            instrument_version=version,
            session_number=spec["session_number"],
            session_year=spec["session_year"],
            document_symbol=spec["document_symbol"],
            agenda_item=spec["agenda_item"],
            opens_on=today - datetime.timedelta(days=30),
            deadline=today + datetime.timedelta(days=60),
            user=people["secadmin"],
        )
        cycle_open(cycle=cycle, user=people["secadmin"], notify=False)
    log(f"Cycles: {', '.join(s['slug'] for s in DEMO_CYCLES)}")
