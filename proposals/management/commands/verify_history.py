"""Check the audit trail's hash chains: ``manage.py verify_history [--council SLUG]``.

Recomputes every change set's hash from its content and changes, council by council in
id order, and checks each names its predecessor's hash. Exits 0 with a summary, or 1
naming the first broken link of each council whose chain is broken. ``-v 2`` also prints
each chain's head: removing the newest change sets leaves a shorter chain that is still
whole, so an auditor notes the heads and compares them next time.
"""
from django.core.management.base import BaseCommand, CommandError

from councils.models import Council
from proposals.history import verify


class Command(BaseCommand):
    help = "Check that the audit trail is as it was written: each council's hash chain, link by link."

    def add_arguments(self, parser):
        parser.add_argument("--council", metavar="SLUG", help="Check only this council (its slug).")

    def handle(self, *args, **options):
        councils = Council.objects.order_by("slug")
        if options["council"]:
            councils = councils.filter(slug=options["council"])
            if not councils.exists():
                raise CommandError(f"No council has the slug {options['council']!r}.")
        reports = verify(councils)
        broken = [report for report in reports if report.broken_at is not None]
        for report in broken:
            self.stderr.write(
                f"{report.council.slug}: the chain is broken at change set {report.broken_at}: {report.problem}. "
                f"({report.changesets} change sets before it are intact.)"
            )
        if broken:
            raise CommandError(
                f"The audit trail has been tampered with in {len(broken)} of {len(reports)} councils "
                f"({', '.join(report.council.slug for report in broken)})."
            )
        if options["verbosity"] >= 2:
            for report in reports:
                head = report.head or "(empty)"
                self.stdout.write(f"{report.council.slug}: {report.changesets} change sets, head {head}")
        self.stdout.write(self.style.SUCCESS(
            f"History intact: {len(reports)} councils, {sum(r.changesets for r in reports):,} change sets, "
            f"{sum(r.changes for r in reports):,} changes, every link verified."
        ))
