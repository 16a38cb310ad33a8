"""python manage.py delivery --council SLUG [--plan SLUG] [--period 2019/20-Q2] [--format json|csv]

Prints a monitoring period's delivery summary (the page's figures, from the same
function): totals, then by rating, outcome, theme and service budget, and the trend over
the plan's periods. The period defaults to the latest with returns. Money is signed £m
strings ("-1.233"), as the other report commands print it; the JSON shape is in the
README ("Savings delivery")."""
import json

from django.core.management.base import BaseCommand, CommandError

from delivery.summary import FIGURE_HEADINGS, FIGURES, PeriodNotFound, delivery_summary, figures, period_for
from proposals.money import format_m
from reports import downloads
from reports.management.plan_argument import plan_from_arguments


def _figures(totals):
    values = dict(zip(FIGURES, figures(totals, format_m), strict=True))
    values["delivered"] = None if totals.percentage is None else str(totals.percentage)
    values["full_target"] = format_m(totals.full_target_k)
    return values


def delivery_json(summary):
    period = summary.period
    return {
        "council": period.plan.council.slug,
        "plan": period.plan.slug,
        "period": period.label,
        "reporting_date": period.reporting_date.isoformat(),
        "is_open": period.is_open,
        "totals": _figures(summary.totals),
        **{f"by_{key}": [{"key": group.key, "label": group.label, **_figures(group.totals)} for group in groups]
           for key, _heading, groups in summary.groupings},
        "trend": [{"period": p.label, **_figures(totals)} for p, totals in summary.trend],
    }


def delivery_rows(summary):
    headers = ["Grouping", "Group", *FIGURE_HEADINGS]
    rows = [["Total", summary.period.label, *figures(summary.totals, format_m)]]
    for _key, heading, groups in summary.groupings:
        rows += [[heading, group.label, *figures(group.totals, format_m)] for group in groups]
    rows += [["Trend", p.label, *figures(totals, format_m)] for p, totals in summary.trend]
    return headers, rows


class Command(BaseCommand):
    help = "Print a monitoring period's savings delivery summary."

    def add_arguments(self, parser):
        parser.add_argument("--council", required=True, help="Council slug, e.g. cheshire-east")
        parser.add_argument("--plan", help="Plan slug (default: the council's latest plan)")
        parser.add_argument("--period", help="The period, e.g. 2019/20-Q2 (default: the latest with returns)")
        parser.add_argument("--format", default="json", dest="fmt", help="json or csv (default json)")

    def handle(self, *args, council, plan, period, fmt, **options):
        if fmt not in ("json", "csv"):
            raise CommandError(f"Unknown --format {fmt!r}: use json or csv.")
        chosen = plan_from_arguments(council, plan)
        try:
            found = period_for(chosen, period)
        except PeriodNotFound as error:
            raise CommandError(str(error)) from None
        summary = delivery_summary(found)
        if fmt == "json":
            self.stdout.write(json.dumps(delivery_json(summary), indent=2, ensure_ascii=False))
        else:
            headers, rows = delivery_rows(summary)
            self.stdout.write(downloads.to_csv(headers, rows), ending="")
