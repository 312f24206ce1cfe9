from django.core.management.base import BaseCommand, CommandError

from questionnaires.definition import DefinitionError
from questionnaires.services import instruments_load


class Command(BaseCommand):
    help = "Validate and load every instrument definition file (idempotent)."

    def handle(self, *args, **options):
        try:
            report = instruments_load()
        except DefinitionError as error:
            raise CommandError(str(error)) from error
        for label in report.created:
            self.stdout.write(f"created   {label}")
        for label in report.updated:
            self.stdout.write(f"updated   {label}")
        for label in report.translated:
            self.stdout.write(f"translations updated {label}")
        for label in report.unchanged:
            self.stdout.write(f"unchanged {label}")
        for label, count in report.missing_translations.items():
            self.stderr.write(
                f"warning: {label}: {count} text(s) lack a translation and fall back to English"
            )
