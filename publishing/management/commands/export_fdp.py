"""python manage.py export_fdp --council SLUG --plan SLUG --out DIR

Writes the Fiscal Data Package of a published plan: ``DIR/datapackage.json`` and the CSV
it describes (``DIR/budget.csv``), exactly what its public page offers. A plan that is not
published is refused with a message and exit status 1, and nothing is written."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.management.plan_argument import plan_from_arguments

from ... import fdp
from ...services import current_publication, public_source


class Command(BaseCommand):
    help = "Write the Fiscal Data Package (datapackage.json and its CSV) of a published plan."

    def add_arguments(self, parser):
        parser.add_argument("--council", required=True, help="Council slug, e.g. cheshire-east")
        parser.add_argument("--plan", required=True, help="Plan slug")
        parser.add_argument("--out", required=True, help="The folder to write datapackage.json and its CSV to")

    def handle(self, *args, council, plan, out, **options):
        chosen = plan_from_arguments(council, plan)
        publication = current_publication(chosen)
        if publication is None:
            raise CommandError(f"{chosen.name} is not published: publish it first (manage.py publish).")
        publication.plan = chosen
        folder = Path(out)
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"--out {out!r} is a file, not a folder.")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            csv_text = fdp.csv_text(public_source(publication))
            (folder / fdp.CSV_NAME).write_text(csv_text, encoding="utf-8")
            (folder / "datapackage.json").write_text(fdp.descriptor_json(publication), encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Could not write to {out!r}: {error.strerror}.") from None
        count = csv_text.count("\n") - 1
        self.stdout.write(self.style.SUCCESS(
            f"Wrote {folder / 'datapackage.json'} and {folder / fdp.CSV_NAME} ({count} row{'s' if count != 1 else ''})."
        ))
