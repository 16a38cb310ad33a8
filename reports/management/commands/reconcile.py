"""python manage.py reconcile --council SLUG [--plan SLUG] [--strict]

Prints each published total of a plan against the sum of its lines, figure by figure,
naming every difference (``proposals.published.reconcile``, as the reconciliation page).
"""
from django.core.management.base import BaseCommand, CommandError

from proposals.money import format_m
from proposals.published import reconcile
from reports.management.plan_argument import plan_from_arguments

DIFFERS_STATUS = 2


class Command(BaseCommand):
    help = (
        "Print each published total of a plan against the sum of its lines, year by year or over its period, "
        "naming every difference. Exit status: 0 once printed (differences or not); 1 for an unknown council "
        f"or plan; with --strict, {DIFFERS_STATUS} when any total differs from its lines."
    )

    def add_arguments(self, parser):
        parser.add_argument("--council", required=True, help="Council slug, e.g. cheshire-west-and-chester")
        parser.add_argument("--plan", help="Plan slug (default: the council's latest plan)")
        parser.add_argument(
            "--strict", action="store_true",
            help=f"Exit with status {DIFFERS_STATUS} when any published total differs from its lines (for scripts).",
        )

    def handle(self, *args, council, plan, strict, **options):
        chosen = plan_from_arguments(council, plan)
        result = reconcile(chosen)
        write = self.stdout.write
        write(f"{chosen.council.name}: {chosen.name} ({chosen.slug}), £m; printed − lines")
        if not result.totals:
            write("No published totals are kept for this plan.")
            return
        write(f"{result.headline}; {result.differ} differ; {result.unchecked} cannot be checked.")
        for total in result.totals:
            write("")
            write(f"{total.total.label}: {total.verdict.value}")
            write(f"  {total.total.get_measure_display()} of {total.covers}")
            write(f"  Source: {total.total.source}")
            for check in total.checks:
                write(f"  {check.period}: printed {format_m(check.printed_k)}, lines "
                      f"{format_m(check.lines_k, blank='–')}: {check.in_words.lower()}")
        differences = [(total, check) for total in result.totals for check in total.differences]
        if differences:
            write("")
            write(f"Differences ({len(differences)}):")
            for total, check in differences:
                write(f"  {total.total.label}, {check.period}: printed {format_m(check.printed_k)}, "
                      f"lines {format_m(check.lines_k)}, differs by {format_m(check.difference_k)}")
        if strict and result.differ:
            raise CommandError(f"{result.differ} of {len(result.totals)} published totals differ from their lines.",
                               returncode=DIFFERS_STATUS)
