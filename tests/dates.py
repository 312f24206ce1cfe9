"""Dates relative to the day the tests run, so that a test passes on any day it is run.

Call these inside a test or fixture (never at import), so that a run crossing midnight
still agrees with the services, which read the date when they are called.
"""

import datetime

from django.utils import timezone


def days_from_today(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def cycle_dates() -> dict[str, datetime.date]:
    """An open cycle's dates: opened a month ago, due in two months (far from the 14, 7
    and 1 days before the deadline at which reminders go out)."""
    return {"opens_on": days_from_today(-30), "deadline": days_from_today(60)}


def new_year_in_two_years() -> datetime.date:
    """A fixed calendar day (1 January) that is always in the future, for tests that check
    how a date is written in each language."""
    return datetime.date(timezone.localdate().year + 2, 1, 1)
