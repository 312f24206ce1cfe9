from django.core.management.base import BaseCommand

from portal.db_roles import app_role_grant


class Command(BaseCommand):
    help = (
        "Give the application's database ROLE its privileges, without UPDATE/DELETE on the "
        "append-only tables, and guard the history triggers against being ignored by it. Run as "
        "the schema owner after each migration."
    )

    def add_arguments(self, parser):
        parser.add_argument("role")

    def handle(self, *args, role, **options):
        protected = app_role_grant(role)
        self.stdout.write(f"Granted {role}; append-only for it: {', '.join(protected)}")
