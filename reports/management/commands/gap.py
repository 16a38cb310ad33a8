"""python manage.py gap --council SLUG [--plan SLUG] [--as-at SNAPSHOT] [--set YEAR=AMOUNT ...]
[--user USERNAME] [--view cumulative|incremental] [--format json|csv]

Prints the plan's gap table (the gap page's figures, from the same function); with
``--set 2019/20=10.000`` first enters the gap before proposals for those years, in £m
("" or "none" to clear a year), recorded in the audit trail as the change of ``--user``.
The JSON shape is in the README ("The budget gap")."""
import json

from django.core.management.base import BaseCommand, CommandError

from proposals.gap import GapInvalid, set_gap_before
from proposals.money import MILLIONS, MoneyError, format_m, parse_in
from proposals.permissions import can_edit_gap
from proposals.years import YearError, parse_label
from reports import downloads
from reports.gap import GROUP_LABELS, GROUPS, gap_table
from reports.management.plan_argument import plan_from_arguments, source_from_argument, user_from_argument
from reports.rollup import VIEWS


def _m(amount_k):
    return None if amount_k is None else format_m(amount_k)


def gap_json(table):
    """{council, plan, as_at, view, unit, years: {year: {gap_before, approved, pending,
    draft, net, remaining_approved, remaining_all}}}: signed £m strings, null where no gap
    is entered."""
    plan = table.plan
    return {
        "council": plan.council.slug,
        "plan": plan.slug,
        "as_at": table.snapshot.slug if table.snapshot else "now",
        "view": table.view,
        "years": {
            row.year.label: {
                "gap_before": _m(row.gap_before),
                **{key: format_m(row.groups[key]) for key, _label, _statuses in GROUPS},
                "net": format_m(row.net),
                "remaining_approved": _m(row.remaining_approved),
                "remaining_all": _m(row.remaining_all),
            }
            for row in table.years
        },
    }


def gap_rows(table):
    """(headers, rows) of the table as the CSV and the page lay it out: a row per measure."""
    headers = ["Measure", *(row.year.label for row in table.years)]
    rows = [["Gap before proposals", *(_m(row.gap_before) or "" for row in table.years)]]
    for key, _label, _statuses in GROUPS:
        rows.append([f"Proposals: {GROUP_LABELS[key].lower()}", *(format_m(row.groups[key]) for row in table.years)])
    rows.append(["Remaining gap: approved only", *(_m(row.remaining_approved) or "" for row in table.years)])
    rows.append(["Remaining gap: if everything counted is agreed",
                 *(_m(row.remaining_all) or "" for row in table.years)])
    return headers, rows


class Command(BaseCommand):
    help = "Print a plan's budget gap by year (and enter the gap before proposals with --set)."

    def add_arguments(self, parser):
        parser.add_argument("--council", required=True, help="Council slug, e.g. cheshire-east")
        parser.add_argument("--plan", help="Plan slug (default: the council's latest plan)")
        parser.add_argument("--as-at", dest="as_at", help="A snapshot's slug: the gap as it stood then")
        parser.add_argument("--set", action="append", default=[], metavar="YEAR=AMOUNT",
                            help="Enter the gap before proposals for YEAR in £m, e.g. 2019/20=10.000 (repeatable)")
        parser.add_argument("--user", help="Who --set is recorded against: a finance officer or council administrator")
        parser.add_argument("--view", default="cumulative", help="cumulative or incremental (default cumulative)")
        parser.add_argument("--format", default="json", dest="fmt", help="json or csv (default json)")

    def handle(self, *args, council, plan, as_at, set, user, view, fmt, **options):
        if view not in VIEWS:
            raise CommandError(f"Unknown --view {view!r}: use cumulative or incremental.")
        if fmt not in ("json", "csv"):
            raise CommandError(f"Unknown --format {fmt!r}: use json or csv.")
        chosen = plan_from_arguments(council, plan)
        if set and as_at:
            raise CommandError("--set changes the plan as it stands; it cannot be combined with --as-at.")
        if set:
            figures = self._figures(chosen, set)
            person = user_from_argument(user, can_edit_gap, chosen, what="the gap")
            try:
                set_gap_before(plan=chosen, user=person, figures=figures)
            except GapInvalid as error:
                raise CommandError(str(error)) from None
        source = source_from_argument(chosen, as_at)
        table = gap_table(source, view)
        if fmt == "json":
            self.stdout.write(json.dumps(gap_json(table), indent=2, ensure_ascii=False))
        else:
            headers, rows = gap_rows(table)
            self.stdout.write(downloads.to_csv(headers, rows), ending="")

    def _figures(self, plan, pairs):
        years = {year.start_year: year for year in plan.years.all()}
        figures = {}
        for pair in pairs:
            label, sep, amount = pair.partition("=")
            if not sep:
                raise CommandError(f"--set {pair!r}: give YEAR=AMOUNT, e.g. 2019/20=10.000.")
            try:
                start = parse_label(label.strip())
            except YearError:
                start = None
            if start not in years:
                known = ", ".join(year.label for year in years.values())
                raise CommandError(f"--set {pair!r}: {label.strip()!r} is not a year of {plan.name} ({known}).")
            try:
                value = None if amount.strip().lower() in ("", "none") else parse_in(amount, MILLIONS)
            except MoneyError as error:
                raise CommandError(f"--set {pair!r}: {error}") from None
            figures[years[start]] = value
        return figures
