"""Bounded loopback load test of autosaving: gunicorn with several worker processes on a
database of its own, locust driving correspondents for a fixed time. Prints errors, p50/p95
and lost answers.

    python bench/load_autosave.py [--users 20] [--seconds 30] [--workers 4]

Needs the bench extra (locust, psutil): `.venv/bin/uv pip install locust psutil`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args) -> str:
    return subprocess.run(
        [PYTHON, "manage.py", *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
    database = "portal_bench_load"
    admin_url = base_url.rsplit("/", 1)[0] + "/postgres"
    env = {
        **os.environ,
        "DEBUG": "True",
        "DATABASE_URL": base_url.rsplit("/", 1)[0] + f"/{database}",
        "API_THROTTLE_USER": "100000/minute",
    }
    subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=True)
    subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {database}"], check=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo")
    token = manage(env, "create_api_token", "corr-fra").strip()
    setup = manage(
        env,
        "shell",
        "-c",
        "import json;"
        "from portal.models import Respondent, User;"
        "from questionnaires.models import Cycle;"
        "from responses.services import response_start;"
        "from questionnaires.definition import iter_questions;"
        "r = response_start(cycle=Cycle.objects.get(slug='demo-1997-34'),"
        " respondent=Respondent.objects.get(code='FRA'), user=User.objects.get(username='corr-fra'));"
        "qs = [q.code for q in iter_questions(r.cycle.instrument_version.definition)"
        " if q.type in ('long_text', 'short_text')];"
        "print(json.dumps({'id': r.pk, 'questions': qs}))",
    )
    target = json.loads(setup.strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        with tempfile.TemporaryDirectory() as results:
            # Each person owns questions of their own: a question two people race on is the
            # conflict rule's case (tests/responses/test_concurrency.py), not this count's.
            per_user = len(target["questions"]) // args.users
            if per_user < 1:
                raise SystemExit(f"at most {len(target['questions'])} users")
            locust_env = {
                **env,
                "BENCH_TOKEN": token,
                "BENCH_RESPONSE_ID": str(target["id"]),
                "BENCH_QUESTIONS": json.dumps(target["questions"]),
                "BENCH_QUESTIONS_PER_USER": str(per_user),
            }
            run = subprocess.run(
                [
                    PYTHON,
                    "-m",
                    "locust",
                    "-f",
                    str(ROOT / "bench" / "locustfile_autosave.py"),
                    "--headless",
                    "-u",
                    str(args.users),
                    "-r",
                    str(args.users),
                    "-t",
                    f"{args.seconds}s",
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--csv",
                    f"{results}/run",
                    "--only-summary",
                ],
                env=locust_env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=args.seconds + 120,
            )
            result = next(
                json.loads(line.split(" ", 1)[1])
                for line in (run.stdout + run.stderr).splitlines()
                if line.startswith("AUTOSAVE-RESULT ")
            )
            with open(f"{results}/run_stats.csv") as stats:
                rows = {row["Name"]: row for row in csv.DictReader(stats)}
    finally:
        server.terminate()
        server.wait(timeout=30)
        subprocess.run(
            ["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=False
        )
    patch = rows["draft PATCH"]
    print(f"users={args.users} seconds={args.seconds} gunicorn_workers={args.workers}")
    print(
        f"PATCH requests={patch['Request Count']} failures={patch['Failure Count']} "
        f"p50={patch['50%']}ms p95={patch['95%']}ms rps={float(patch['Requests/s']):.1f}"
    )
    print(
        f"412 conflicts retried={result['conflicts_412']} questions saved={result['questions_saved']} "
        f"lost answers={result['lost_answers']}"
    )
    if int(patch["Failure Count"]) or result["lost_answers"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
