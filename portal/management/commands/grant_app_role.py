import os

from django.core.management.base import BaseCommand, CommandError

from portal.db_roles import app_role_grant, app_role_login


class Command(BaseCommand):
    help = (
        "Give the application's database ROLE its privileges, without UPDATE/DELETE on the "
        "append-only tables, and guard the history triggers against being ignored by it. Run as "
        "the schema owner after each migration."
    )

    def add_arguments(self, parser):
        parser.add_argument("role")
        parser.add_argument(
            "--login-password-env",
            metavar="VARIABLE",
            help="Create the role if needed, as a login role whose password is in this environment "
            "variable (read from the environment, so it never shows in a process list).",
        )

    def handle(self, *args, role, login_password_env=None, **options):
        if login_password_env:
            password = os.environ.get(login_password_env, "")
            if not password:
                raise CommandError(f"{login_password_env} is not set in the environment.")
            app_role_login(role, password=password)
        protected = app_role_grant(role)
        self.stdout.write(f"Granted {role}; append-only for it: {', '.join(protected)}")
