from django.core.management.base import BaseCommand, CommandError

from responses.integrity import history_verify


class Command(BaseCommand):
    help = "Verify every respondent's chain of response versions; exit non-zero at the first break."

    def handle(self, *args, **options):
        report = history_verify()
        if report.breaks:
            for problem in report.breaks:
                self.stderr.write(problem)
            raise CommandError(f"{len(report.breaks)} break(s) in the version history.")
        self.stdout.write(f"{report.versions} versions of {report.respondents} respondents verified.")
