"""python manage.py api_token --user USERNAME [--new] [--revoke]

Prints the API token of an active user (making one if they have none): the
``Authorization: Token <key>`` a script sends to read what the user may read through
/api/v1/. ``--new`` replaces the key (the old one stops working); ``--revoke`` deletes it.
An unknown or inactive user is refused with a message and exit status 1."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print (or replace, or revoke) a user's API token."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The username whose token it is")
        parser.add_argument("--new", action="store_true", help="Replace the key: the old one stops working")
        parser.add_argument("--revoke", action="store_true", help="Delete the token")

    def handle(self, *args, user, new, revoke, **options):
        if new and revoke:
            raise CommandError("Give --new or --revoke, not both.")
        person = get_user_model().objects.filter(username=user, is_active=True).first()
        if person is None:
            raise CommandError(f"There is no active user {user!r}.")
        if revoke or new:
            deleted, _ = Token.objects.filter(user=person).delete()
            if revoke:
                self.stdout.write(f"{user}'s API token is revoked." if deleted else f"{user} had no API token.")
                return
        token, _ = Token.objects.get_or_create(user=person)
        self.stdout.write(token.key)
