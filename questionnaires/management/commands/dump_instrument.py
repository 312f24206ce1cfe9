import json

from django.core.management.base import BaseCommand, CommandError

from questionnaires.models import InstrumentVersion


class Command(BaseCommand):
    help = "Print a stored instrument version as JSON, in the shape of the definition files."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version is this command's own option (the instrument version), not Django's.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("code", help="Instrument code, e.g. 1997-34")
        parser.add_argument("--version", type=int, dest="number", help="Version number (default: the latest)")

    def handle(self, *args, code, number=None, **options):
        versions = InstrumentVersion.objects.filter(instrument__code=code)
        if number is not None:
            versions = versions.filter(number=number)
        version = versions.order_by("-number").first()
        if version is None:
            raise CommandError(
                f"No stored version of instrument {code!r}"
                + (f" with number {number}" if number is not None else "")
                + ". Run load_instruments first."
            )
        self.stdout.write(json.dumps(version.definition, ensure_ascii=False, indent=2))
