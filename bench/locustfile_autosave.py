"""Correspondents autosaving one response through the API (PATCH with If-Match).

Each simulated person owns a few questions of France's draft and saves new values to them as
a person typing would. A 412 (someone else saved meanwhile) is answered as the pages do: read
the draft again and retry. At the end every question must hold the last value that was
acknowledged with a 200: any other value is a lost answer.
"""

from __future__ import annotations

import itertools
import json
import os

from locust import HttpUser, between, events, task

TOKEN = os.environ["BENCH_TOKEN"]
RESPONSE_ID = os.environ["BENCH_RESPONSE_ID"]
QUESTIONS = json.loads(os.environ["BENCH_QUESTIONS"])
PER_USER = int(os.environ.get("BENCH_QUESTIONS_PER_USER", "3"))
acknowledged: dict[str, str] = {}
# The value of a request still in flight when the run stops: the server may have saved it
# without the client hearing so; that is not a lost answer.
in_flight: dict[str, str] = {}
counter = itertools.count()
conflicts = itertools.count()


class Correspondent(HttpUser):
    wait_time = between(0.2, 0.8)

    def on_start(self):
        index = next(counter)
        self.questions = QUESTIONS[index * PER_USER : (index + 1) * PER_USER]
        self.client.headers["Authorization"] = f"Token {TOKEN}"
        self.edits = itertools.count()
        self.etag = self.client.get(f"/api/v1/responses/{RESPONSE_ID}/draft/", name="draft GET").headers[
            "ETag"
        ]

    @task
    def autosave(self):
        question = self.questions[next(self.edits) % len(self.questions)]
        value = f"{question} edit {next(self.edits)} by {id(self)}"
        for _attempt in range(5):
            in_flight[question] = value
            with self.client.patch(
                f"/api/v1/responses/{RESPONSE_ID}/draft/",
                json={"answers": {question: value}},
                headers={"If-Match": self.etag},
                name="draft PATCH",
                catch_response=True,
            ) as response:
                if response.status_code == 200:
                    self.etag = response.headers["ETag"]
                    acknowledged[question] = value
                    in_flight.pop(question, None)
                    response.success()
                    return
                if response.status_code == 412:
                    next(conflicts)
                    response.success()  # the protocol working, not an error
                    fresh = self.client.get(f"/api/v1/responses/{RESPONSE_ID}/draft/", name="draft GET")
                    self.etag = fresh.headers["ETag"]
                    continue
                response.failure(f"HTTP {response.status_code}")
                return


@events.test_stop.add_listener
def count_lost_answers(environment, **kwargs):
    import urllib.request

    request = urllib.request.Request(
        f"{environment.host}/api/v1/responses/{RESPONSE_ID}/draft/",
        headers={"Authorization": f"Token {TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310 (loopback server of the bench)
        stored = json.load(reply)["answers"]
    lost = [
        code for code, value in acknowledged.items() if stored.get(code) not in (value, in_flight.get(code))
    ]
    summary = {
        "questions_saved": len(acknowledged),
        "lost_answers": len(lost),
        "conflicts_412": next(conflicts),
    }
    print("AUTOSAVE-RESULT " + json.dumps(summary))
