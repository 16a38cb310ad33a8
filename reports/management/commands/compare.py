"""python manage.py compare --council SLUG --plan SLUG --from SNAPSHOT [--to SNAPSHOT|now] [--format json|csv]

Prints what changed in the plan between a snapshot and a later one (or now), from the
same function as the What changed page. JSON: {council, plan, from, to, changes: [{what,
proposal, label, outcome, field, year, old, new}], effect: {year: {net_before, net_after,
net_change, remaining_before, remaining_after, remaining_change}}}; money as signed £m
strings ("+3.588"), null for no figure or no gap entered."""
import json

from django.core.management.base import BaseCommand, CommandError

from proposals.money import format_m
from reports import downloads
from reports.compare import FIGURES, KINDS, compare
from reports.compare_views import sources_from
from reports.management.plan_argument import plan_from_arguments


def _m(amount_k):
    return None if amount_k is None else format_m(amount_k)


def comparison_json(result):
    plan = result.to_source.plan

    def value(change, side):
        return _m(side) if change.what == FIGURES else side

    return {
        "council": plan.council.slug,
        "plan": plan.slug,
        "from": result.from_source.snapshot.slug,
        "to": result.to_source.snapshot.slug if result.to_source.snapshot else "now",
        "changes": [
            {"what": c.what, "proposal": c.proposal_pk, "label": c.label, "outcome": c.outcome, "field": c.field,
             "year": c.year.label if c.year else None, "old": value(c, c.old), "new": value(c, c.new)}
            for c in result.changes
        ],
        "effect": {
            year.label: {"net_before": _m(a), "net_after": _m(b), "net_change": _m(d), "remaining_before": _m(ra),
                         "remaining_after": _m(rb), "remaining_change": _m(rd)}
            for year, a, b, d, ra, rb, rd in result.effect()
        },
    }


def comparison_rows(result):
    headers = ["Proposal", "Outcome", "Change", "What", "Year", "Was", "Now"]
    rows = []
    for c in result.changes:
        old, new = (_m(c.old), _m(c.new)) if c.what == FIGURES else (c.old, c.new)
        rows.append([c.label, c.outcome, KINDS[c.what], c.field, c.year.label if c.year else "", old or "",
                     new or ""])
    return headers, rows


class Command(BaseCommand):
    help = "Print what changed in a plan between a snapshot and a later one (or now)."

    def add_arguments(self, parser):
        parser.add_argument("--council", required=True, help="Council slug, e.g. cheshire-east")
        parser.add_argument("--plan", required=True, help="Plan slug")
        parser.add_argument("--from", dest="from_", required=True, help="The earlier snapshot's slug")
        parser.add_argument("--to", default="now", help="A later snapshot's slug, or now (default)")
        parser.add_argument("--format", default="json", dest="fmt", help="json or csv (default json)")

    def handle(self, *args, council, plan, from_, to, fmt, **options):
        if fmt not in ("json", "csv"):
            raise CommandError(f"Unknown --format {fmt!r}: use json or csv.")
        chosen = plan_from_arguments(council, plan)
        earlier, later, errors = sources_from(chosen, list(chosen.snapshots.all()), from_, to)
        if errors:
            raise CommandError(" ".join(message for _target, message in errors))
        result = compare(earlier, later)
        if fmt == "json":
            self.stdout.write(json.dumps(comparison_json(result), indent=2, ensure_ascii=False))
        else:
            headers, rows = comparison_rows(result)
            self.stdout.write(downloads.to_csv(headers, rows), ending="")
