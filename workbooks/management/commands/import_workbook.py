from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from proposals.permissions import can_import
from workbooks.importing.apply import ImportFailed, apply_import
from workbooks.importing.portal import preview_import
from workbooks.uploads import Refused

from ._plans import find_plan


class Command(BaseCommand):
    help = (
        "Import proposals from a workbook (.xlsx) or the flat CSV into a council's plan: the same "
        "checks and preview as the Import page, then apply (unless --dry-run) in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The workbook (.xlsx) or CSV file.")
        parser.add_argument("--council", required=True, help="The council's slug.")
        parser.add_argument("--plan", help="The plan's slug (default: the council's latest plan).")
        parser.add_argument("--dry-run", action="store_true", help="Show the preview and change nothing.")
        parser.add_argument(
            "--user", help="The finance officer recorded as the author of the changes (required unless --dry-run)."
        )

    def handle(self, *args, file, council, plan=None, dry_run=False, user=None, **options):
        plan = find_plan(council, plan)
        author = None
        if user:
            author = get_user_model().objects.filter(username=user, is_active=True).first()
            if author is None:
                raise CommandError(f"There is no active user {user!r}.")
            if not can_import(author, plan):
                raise CommandError(f"{user} is not a finance officer of {plan.council.name}.")
        elif not dry_run:
            raise CommandError("Name the finance officer the changes are recorded against with --user USERNAME.")
        path = Path(file)
        try:
            with path.open("rb") as upload:
                preview = preview_import(plan=plan, file=upload, filename=path.name)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except Refused as refusal:
            raise CommandError(str(refusal)) from None
        self._report(preview)
        if preview.problems:
            raise CommandError(f"{len(preview.problems)} problem(s) in {path.name}; nothing was imported.")
        if dry_run or not preview.can_apply:
            self.stdout.write("Nothing was imported." if not dry_run else "Dry run: nothing was imported.")
            return
        try:
            created, changed = apply_import(plan=plan, plan_of_changes=preview.plan_of_changes(), user=author)
        except ImportFailed as failure:
            raise CommandError(str(failure)) from None
        self.stdout.write(self.style.SUCCESS(f"Imported {path.name}: {created} created, {changed} changed."))

    def _report(self, preview):
        out = self.stdout
        out.write(
            f"{len(preview.created)} to create, {len(preview.changed)} to change, {preview.unchanged} unchanged, "
            f"{len(preview.conflicts)} conflict(s), {len(preview.problems)} problem(s)."
        )
        for item in preview.created:
            out.write(f"  create {item.label}")
            for change in item.changes:
                out.write(f"    {change}")
        for item in preview.changed:
            out.write(f"  change {item.label}")
            for change in item.changes:
                out.write(f"    {change}")
        for conflict in preview.conflicts:
            out.write(f"  conflict: {conflict}")
        for problem in preview.problems:
            self.stderr.write(f"  {problem}")
