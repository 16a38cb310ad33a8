from django.core.management.base import BaseCommand

from proposals.models import COUNTED_STATUSES, Proposal
from reports.filters import counted_statuses_text
from workbooks.exports import Export, write_workbook

from ._plans import find_plan


class Command(BaseCommand):
    help = (
        "Write the cabinet-paper workbook (.xlsx) of a council's plan: every proposal the reports "
        "count (all but rejected and withdrawn)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--council", required=True, help="The council's slug, e.g. cheshire-east.")
        parser.add_argument("--plan", help="The plan's slug (default: the council's latest plan).")
        parser.add_argument("--out", required=True, help="Where to write the workbook.")

    def handle(self, *args, council, plan=None, out, **options):
        plan = find_plan(council, plan)
        proposals = Proposal.objects.for_plan(plan).filter(status__in=COUNTED_STATUSES)
        with open(out, "wb") as file:
            write_workbook(
                export=Export(plan=plan, proposals=proposals,
                              included=f"statuses {counted_statuses_text(COUNTED_STATUSES)}"),
                out=file,
            )
        self.stdout.write(f"Wrote the workbook of {plan} to {out}.")
