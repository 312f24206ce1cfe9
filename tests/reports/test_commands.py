"""The compile_report command. Its output files (named after the symbols) are checked in
test_documents.py, which compiles through it."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command

from reports import services
from reports.management.commands.compile_report import _cutoff
from reports.models import Report


def test_it_names_an_unknown_cycle(db, tmp_path):
    with pytest.raises(CommandError, match="There is no cycle 'nowhere'"):
        call_command("compile_report", "nowhere", "--output-dir", str(tmp_path))


def test_it_refuses_a_cutoff_that_is_not_a_date(open_cycle, tmp_path):
    with pytest.raises(CommandError, match="not an ISO date"):
        call_command(
            "compile_report", open_cycle.slug, "--output-dir", str(tmp_path), "--cutoff", "yesterday"
        )
    assert not Report.objects.exists()


def test_it_refuses_to_compile_while_a_compile_runs(open_cycle, reviewer, tmp_path):
    services.report_request(cycle=open_cycle, user=reviewer, enqueue=False)
    with pytest.raises(CommandError, match="being compiled"):
        call_command("compile_report", open_cycle.slug, "--output-dir", str(tmp_path))


def test_it_reads_a_cutoff_as_utc_and_a_date_as_the_end_of_that_day():
    assert _cutoff("1999-01-15T10:30:00") == datetime.datetime(1999, 1, 15, 10, 30, tzinfo=datetime.UTC)
    assert _cutoff("1999-01-15T10:30:00+01:00").utcoffset() == datetime.timedelta(hours=1)
    assert _cutoff("1999-01-15") == datetime.datetime(1999, 1, 15, 23, 59, 59, 999999, tzinfo=datetime.UTC)
    assert _cutoff(None) is None
