"""python manage.py publish --council SLUG --plan SLUG [--as-at SNAPSHOT] [--withdraw] [--user USERNAME]

Publishes the plan for anyone to read under /public/<council>/<plan>/ and the API: as at
the snapshot ``--as-at`` names, or (without it) its approved proposals; ``--withdraw``
takes the current publication down. Recorded in the audit trail as the change of
``--user`` (a council administrator), or of the system when --user is not given. Bad
arguments are refused with a message and exit status 1, and nothing changes."""
from django.core.management.base import BaseCommand, CommandError

from proposals.permissions import SYSTEM, can_publish
from proposals.snapshots import NOW
from reports.management.plan_argument import plan_from_arguments, source_from_argument, user_from_argument

from ...services import PublishError, public_source, publish
from ...services import withdraw as withdraw_publication


class Command(BaseCommand):
    help = "Publish a plan (as at a snapshot, or its approved proposals) for anyone to read, or withdraw it."

    def add_arguments(self, parser):
        parser.add_argument("--council", required=True, help="Council slug, e.g. cheshire-east")
        parser.add_argument("--plan", required=True, help="Plan slug")
        parser.add_argument("--as-at", dest="as_at", help="A snapshot's slug (default: the approved proposals now)")
        parser.add_argument("--withdraw", action="store_true", help="Withdraw the plan's current publication")
        parser.add_argument("--user", help="Who publishes: a council administrator (default: the system)")

    def handle(self, *args, council, plan, as_at, withdraw: bool, user, **options):
        chosen = plan_from_arguments(council, plan)
        if withdraw and as_at:
            raise CommandError("--withdraw takes the current publication down; it cannot be combined with --as-at.")
        if as_at == NOW:
            raise CommandError(f"--as-at {NOW!r} is not a snapshot: leave --as-at out to publish the approved "
                               "proposals as they stand.")
        snapshot = source_from_argument(chosen, as_at).snapshot if as_at else None
        person = user_from_argument(user, can_publish, chosen, what="the publication") if user else SYSTEM
        try:
            if withdraw:
                done = withdraw_publication(plan=chosen, user=person)
                self.stdout.write(self.style.SUCCESS(f"Withdrew {chosen.name}, published {done.what}."))
                return
            publication = publish(plan=chosen, user=person, snapshot=snapshot)
        except PublishError as error:
            raise CommandError(str(error)) from None
        count = public_source(publication).proposals().count()
        self.stdout.write(self.style.SUCCESS(
            f"Published {chosen.name}, {publication.what} ({count} proposal{'s' if count != 1 else ''}): "
            f"/public/{chosen.council.slug}/{chosen.slug}/"
        ))
