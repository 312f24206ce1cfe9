"""Concurrent saves and submits against the real PostgreSQL, from real threads, each with its
own database connection: nothing lost, conflicts reported, one version per submission."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from portal.errors import ApplicationError
from questionnaires.definition import iter_questions
from responses import services
from responses.models import DraftAnswer, ResponseVersion
from responses.selectors import draft_revision_get

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _in_thread(function):
    def run(*args):
        try:
            return function(*args)
        finally:
            connection.close()

    return run


def _value(question, index):
    return 1950 + index if question.type in ("year", "integer", "decimal") else f"answer {index}"


def test_fifty_concurrent_saves_lose_nothing_and_report_every_conflict(response_fra, corr_fra, corr_fra_2):
    distinct = [
        q
        for q in iter_questions(response_fra.cycle.instrument_version.definition)
        if q.type in ("long_text", "short_text", "year", "integer", "decimal")
        and q.code != "contact.1.authority"
    ][:40]
    assert len(distinct) == 40

    @_in_thread
    def save(index):
        person = corr_fra if index % 2 else corr_fra_2
        if index < 40:  # 40 saves to distinct questions, all from the same starting revision
            question = distinct[index]
            return services.draft_save(
                response=response_fra,
                user=person,
                answers={question.code: _value(question, index)},
                base_revision=0,
            )
        # 10 saves racing on one question, all believing they saw revision 0
        return services.draft_save(
            response=response_fra,
            user=person,
            answers={"contact.1.authority": f"authority {index}"},
            base_revision=0,
        )

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(save, range(50)))

    assert all(r.ok for r in results[:40])
    stored = dict(DraftAnswer.objects.filter(response=response_fra).values_list("question_code", "value"))
    assert all(stored[q.code] == _value(q, i) for i, q in enumerate(distinct))  # 0 lost

    racing = dict(enumerate(results[40:], start=40))
    winners = [index for index, r in racing.items() if r.ok]
    assert len(winners) == 1
    assert stored["contact.1.authority"] == f"authority {winners[0]}"
    losers = [r for r in racing.values() if not r.ok]
    assert len(losers) == 9
    for loser in losers:  # every other one a conflict that shows the stored value
        assert loser.conflicts["contact.1.authority"]["theirs"] == f"authority {winners[0]}"


def test_twenty_parallel_submits_make_exactly_one_version(filled_fra, corr_fra):
    @_in_thread
    def submit(_):
        try:
            return services.response_submit(
                response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
            ).number
        except ApplicationError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(submit, range(20)))
    assert outcomes.count(1) == 1
    assert ResponseVersion.objects.filter(response=filled_fra).count() == 1
    assert list(ResponseVersion.objects.values_list("number", flat=True)) == [1]
