"""python manage.py snapshot --council SLUG --plan SLUG --name NAME [--date YYYY-MM-DD] [--user USERNAME]

Takes a snapshot of the plan as it stands ("as at" the date, today by default), as
``--user`` (an approver or council administrator), or as the system when --user is not
given. Prints the snapshot's slug, which ``?as_at=`` and ``--as-at`` name."""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from proposals.permissions import SYSTEM, can_take_snapshot
from proposals.snapshots import SnapshotInvalid, take_snapshot
from reports.management.plan_argument import plan_from_arguments, user_from_argument


class Command(BaseCommand):
    help = "Freeze a plan as it stands, as at a Cabinet date."

    def add_arguments(self, parser):
        parser.add_argument("--council", required=True, help="Council slug, e.g. cheshire-east")
        parser.add_argument("--plan", required=True, help="Plan slug")
        parser.add_argument("--name", required=True, help='e.g. "Cabinet 5 February 2019"')
        parser.add_argument("--date", help="The date it is as at, YYYY-MM-DD (default today)")
        parser.add_argument("--user", help="Who takes it: an approver or council administrator (default: the system)")

    def handle(self, *args, council, plan, name, date, user, **options):
        chosen = plan_from_arguments(council, plan)
        taken_on = None
        if date:
            try:
                taken_on = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date {date!r} is not a date: give it as YYYY-MM-DD, e.g. 2019-02-05.") from None
        taker = user_from_argument(user, can_take_snapshot, chosen, what="the snapshot") if user else SYSTEM
        try:
            snapshot = take_snapshot(plan=chosen, user=taker, name=name, taken_on=taken_on)
        except SnapshotInvalid as error:
            raise CommandError(str(error)) from None
        count = snapshot.proposals.count()
        self.stdout.write(self.style.SUCCESS(
            f"Snapshot {snapshot.slug!r} of {chosen.name}: {count} proposal{'s' if count != 1 else ''}, "
            f"as at {snapshot.taken_on.isoformat()}."
        ))
