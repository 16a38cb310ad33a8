"""python manage.py rollup --council SLUG [--plan SLUG] [--as-at SNAPSHOT] [--by ...] [--view ...] [--format csv|json]

Prints the roll-up page's figures (same function, same default statuses: all but
rejected and withdrawn) for scripts. The JSON shape is documented in the README."""
import json

from django.core.management.base import BaseCommand, CommandError

from reports import downloads
from reports.management.plan_argument import plan_from_arguments, source_from_argument
from reports.rollup import GROUPINGS, VIEWS, rollup


class Command(BaseCommand):
    help = "Print a plan's roll-up (investment, saving, net by group and year) as JSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--council", required=True, help="Council slug, e.g. cheshire-east")
        parser.add_argument("--plan", help="Plan slug (default: the council's latest plan)")
        parser.add_argument("--as-at", dest="as_at", help="A snapshot's slug: the roll-up as it stood then")
        parser.add_argument("--by", default="outcome", help="outcome, service, theme or kind (default outcome)")
        parser.add_argument("--view", default="cumulative", help="cumulative or incremental (default cumulative)")
        parser.add_argument("--format", default="json", dest="fmt", help="json or csv (default json)")

    def handle(self, *args, council, plan, by, view, fmt, as_at=None, **options):
        if by not in GROUPINGS:
            raise CommandError(f"Unknown --by {by!r}: use one of {', '.join(GROUPINGS)}.")
        if view not in VIEWS:
            raise CommandError(f"Unknown --view {view!r}: use cumulative or incremental.")
        if fmt not in ("json", "csv"):
            raise CommandError(f"Unknown --format {fmt!r}: use json or csv.")
        chosen = plan_from_arguments(council, plan)
        source = source_from_argument(chosen, as_at)
        result = rollup(plan=chosen, proposals=source.proposals().counted(), by=by, view=view)
        if fmt == "json":
            data = downloads.rollup_json(result)
            if source.snapshot is not None:
                data["as_at"] = source.snapshot.slug  # only then: the shape scripts read is unchanged
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            headers, rows = downloads.rollup_table(result)
            self.stdout.write(downloads.to_csv(headers, rows), ending="")
