from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from portal.errors import ApplicationError
from portal.services import api_token_create


class Command(BaseCommand):
    help = (
        "Create (or replace) the API token of USERNAME, a service account of a correspondent, "
        "and print it once. Refused for roles that require two-factor authentication: their "
        "tokens come from their own verified session (Profile, API token)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        person = get_user_model().objects.filter(username=username, is_active=True).first()
        if person is None:
            raise CommandError(f"No active person with the user name {username!r}.")
        try:
            token, key = api_token_create(user=person, second_factor_verified=False, by_operator=True)
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        # The key alone on standard output, for scripts; the rest on standard error.
        until = f"{token.expiry:%Y-%m-%d %H:%M} UTC" if token.expiry else "revoked"
        self.stderr.write(f"Token for {username}, valid until {until}:")
        self.stdout.write(key)
