"""Run the portal with demo data: migrate, load reference data and instruments, seed the demo,
then serve the web application with a real Celery worker and beat until Ctrl-C."""

import os
import signal

# Starts our own processes with fixed arguments.
import subprocess  # nosec B404
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from portal.demo import CORRESPONDENTS, DEFAULT_PASSWORD, STAFF


class Command(BaseCommand):
    help = "Run the portal with demo data, a Celery worker and beat (Ctrl-C stops all)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--password", default=DEFAULT_PASSWORD)

    def handle(self, *args, addr, password, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_reference")
        call_command("load_instruments")
        call_command("seed_demo", password=password)
        # The children read the same environment, so they reach the same servers
        # (the embedded ones when no URL is set).
        env = {**os.environ, "DEBUG": "True"}
        python = sys.executable
        processes = [
            subprocess.Popen([python, "manage.py", "runserver", addr, "--noreload"], env=env),  # nosec B603
            subprocess.Popen(  # nosec B603
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "portal",
                    "worker",
                    "-Q",
                    "celery,reports",
                    "--loglevel=INFO",
                    "--concurrency=2",
                    "--max-tasks-per-child=20",
                ],
                env=env,
            ),
            subprocess.Popen(  # nosec B603
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "portal",
                    "beat",
                    "--loglevel=INFO",
                    # The schedule in the database, as in production.
                    "--scheduler",
                    "django_celery_beat.schedulers:DatabaseScheduler",
                ],
                env=env,
            ),
        ]
        logins = ", ".join([u for u, *_ in CORRESPONDENTS] + [u for u, *_ in STAFF])
        self.stdout.write(
            self.style.SUCCESS(
                f"\nThe portal runs at http://{addr}/  (Ctrl-C to stop)\n"
                f"Demo logins: {logins}\nPassword: {password}\n"
            )
        )
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            for p in processes:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in processes:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
