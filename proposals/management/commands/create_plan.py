"""Create a council's budget plan (round) from the command line:

    manage.py create_plan --council SLUG --slug SLUG --name NAME --base-year 2001/02
        --years 2002/03 2003/04 2004/05 [--unit millions|thousands]

The same service as the portal's plan pages (``proposals.plans.create_plan``), as the
system actor, recorded in the council's audit trail. Bad arguments (an unknown council,
a year that is not a financial year, years that do not follow one another or the base
year, a slug in use, more than ten years) are refused with a message and exit status
1, and nothing is written.
"""
from django.core.management.base import BaseCommand, CommandError

from councils.models import Council
from proposals import years as fy
from proposals.money import UNITS
from proposals.permissions import SYSTEM
from proposals.plans import PlanInvalid, create_plan


def _year(text, what):
    try:
        return fy.parse_label(text)
    except fy.YearError as error:
        raise CommandError(f"{what}: {error}") from None


class Command(BaseCommand):
    help = "Create a budget plan (round) of a council, with its financial years."

    def add_arguments(self, parser):
        parser.add_argument("--council", required=True, metavar="SLUG", help="The council's slug.")
        parser.add_argument("--slug", required=True, help="The plan's address name, e.g. mtfs-2025-28.")
        parser.add_argument("--name", required=True, help="The plan's name.")
        parser.add_argument("--base-year", required=True, metavar="YEAR",
                            help="The approved base-year budget the figures vary, e.g. 2024/25.")
        parser.add_argument("--years", required=True, nargs="+", metavar="YEAR",
                            help="The plan's financial years in order, e.g. 2025/26 2026/27 2027/28.")
        parser.add_argument("--unit", choices=UNITS, default=UNITS[0],
                            help="The unit the council works in: millions (£m, default) or thousands (£000).")

    def handle(self, *args, **options):
        council = Council.objects.filter(slug=options["council"]).first()
        if council is None:
            raise CommandError(f"No council has the slug {options['council']!r}.")
        base_year = _year(options["base_year"], "--base-year")
        years = [_year(text, "--years") for text in options["years"]]
        try:
            plan = create_plan(
                council=council, user=SYSTEM, name=options["name"], slug=options["slug"], base_year=base_year,
                years=years, unit=options["unit"],
            )
        except PlanInvalid as invalid:
            raise CommandError("The plan was not created:\n" + "\n".join(
                f"  {field.replace('_', '-')}: {message}"
                for field, messages in invalid.errors.items() for message in messages
            )) from None
        self.stdout.write(
            f"Created {plan.name} ({plan.slug}) for {council.name}: {plan.years.first().label} to "
            f"{plan.years.last().label}, varying the approved {plan.base_year_label} budget, in {plan.unit_label}."
        )
