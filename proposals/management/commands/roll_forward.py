"""python manage.py roll_forward --council SLUG --plan SLUG --slug NEW --name NAME [--status STATUS ...]
--user USERNAME

Creates the next round's plan from this one, carrying the chosen proposals (approved by
default) with their lines re-based to the new base year (proposals.roll_forward), as
``--user``: a council administrator who is also a finance officer."""
from django.core.management.base import BaseCommand, CommandError

from proposals.permissions import can_roll_forward
from proposals.roll_forward import DEFAULT_STATUSES, RollForwardInvalid, roll_forward
from proposals.years import label
from reports.management.plan_argument import plan_from_arguments, user_from_argument


class Command(BaseCommand):
    help = "Start the next round's plan from this one, carrying its proposals re-based."

    def add_arguments(self, parser):
        parser.add_argument("--council", required=True, help="Council slug, e.g. cheshire-east")
        parser.add_argument("--plan", required=True, help="The plan to roll forward")
        parser.add_argument("--slug", required=True, help="The new plan's address name, e.g. 2020-23")
        parser.add_argument("--name", required=True, help="The new plan's name")
        parser.add_argument("--status", action="append", dest="statuses",
                            help="Carry proposals of this status (repeatable; default approved)")
        parser.add_argument("--user", help="Who rolls it forward: a council administrator who is also an officer")

    def handle(self, *args, council, plan, slug, name, statuses, user, **options):
        chosen = plan_from_arguments(council, plan)
        person = user_from_argument(user, can_roll_forward, chosen, what="the roll forward")
        try:
            new_plan, result = roll_forward(plan=chosen, user=person, slug=slug, name=name,
                                            statuses=statuses or DEFAULT_STATUSES)
        except RollForwardInvalid as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Created {new_plan.name} ({new_plan.slug}), varying the approved {label(new_plan.base_year)} budget. "
            f"Carried {len(result.carried)} proposals with {result.line_count} lines; "
            f"{len(result.dropped_lines)} lines left behind (nothing left once re-based). "
            f"{label(result.new_year)} is not profiled yet: fill it in for each carried proposal."
        ))
