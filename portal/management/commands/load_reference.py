from django.core.management.base import BaseCommand

from portal.reference import load_respondents


class Command(BaseCommand):
    help = "Load or refresh the respondents (Member States, organizations, institutes)."

    def handle(self, *args, **options):
        counts = load_respondents()
        self.stdout.write(f"Respondents: {counts['created']} created, {counts['updated']} updated.")
