from django.core.management.base import BaseCommand

from portal.demo import DEFAULT_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the demo people, cycles and responses (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password of every demo person (default: {DEFAULT_PASSWORD})",
        )

    def handle(self, *args, password, **options):
        seed_demo(password=password, log=self.stdout.write)
