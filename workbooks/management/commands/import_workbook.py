from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from openpyxl.utils import get_column_letter

from proposals import years as fy
from proposals.models import Kind
from proposals.permissions import SYSTEM, can_import, can_manage_structure
from workbooks.importing.apply import ImportFailed, apply_import
from workbooks.importing.council import NO_TABLE, Options, preview_council
from workbooks.importing.detect import BadChoice, NoTable, read_table
from workbooks.importing.portal import has_portal_sheet, preview_portal
from workbooks.importing.table import FIELD_LABELS, FIELDS, Basis, Choices, Signs, Unit
from workbooks.uploads import Refused, read_upload

from ._plans import find_plan


def _heading(text):
    return " ".join(str(text).split()).casefold()


class Command(BaseCommand):
    help = (
        "Import proposals from a workbook (.xlsx) or CSV into a council's plan: the portal's own export (the "
        "cabinet-paper workbook or the flat list) or the council's own table (detected, and read with the options "
        "below). The same checks and preview as the Import pages, then apply (unless --dry-run) in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The workbook (.xlsx) or CSV file.")
        parser.add_argument("--council", required=True, help="The council's slug.")
        parser.add_argument("--plan", help="The plan's slug (default: the council's newest plan).")
        parser.add_argument("--dry-run", action="store_true", help="Show the preview and change nothing.")
        parser.add_argument(
            "--user", help="Who the changes are recorded against: a finance officer's username. Required for the "
                           "portal's own export; for a council's own table the default is the published document.",
        )
        parser.add_argument("--sheet", help="The sheet to read (default: the one detected).")
        parser.add_argument("--header-row", help="The row number of the column headings (default: detected).")
        parser.add_argument(
            "--map", nargs="+", action="extend", default=[], metavar="HEADING=FIELD",
            help="Read the column headed HEADING as FIELD: " + ", ".join(FIELDS) + ", or a year such as 2024/25 "
                 "(an empty FIELD ignores the column).",
        )
        parser.add_argument("--units", help="pounds, thousands or millions (required when the sheet does not say).")
        parser.add_argument("--signs", help="variations (+ cost, - saving) or savings-positive.")
        parser.add_argument("--basis", help="cumulative (variations to the base year) or incremental (year on year).")
        parser.add_argument("--outcome", help="The outcome (code or name) of every row without an outcome column.")
        parser.add_argument("--kind", help="The kind of every row whose kind no column or section gives.")
        parser.add_argument("--service-budget", help="The service budget of every row without a service budget column.")
        parser.add_argument("--create-missing", action="store_true",
                            help="Create the outcomes, themes and service budgets the sheet names that are missing "
                                 "(council administrators).")

    def handle(self, *args, file, council, plan=None, dry_run=False, user=None, **options):
        path = Path(file)
        try:
            with path.open("rb") as upload:
                tables = read_upload(upload, path.name)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except Refused as refusal:
            raise CommandError(str(refusal)) from None
        plan = find_plan(council, plan)
        council_options = [name for name in ("sheet", "header_row", "units", "signs", "basis", "outcome", "kind",
                                             "service_budget") if options.get(name)]
        council_options += ["map"] * bool(options["map"]) + ["create_missing"] * bool(options["create_missing"])
        if has_portal_sheet(tables):
            if council_options:
                raise CommandError(
                    f"{path.name} is the portal's own export, read as it is: leave out "
                    + ", ".join("--" + name.replace("_", "-") for name in council_options) + "."
                )
            author = self._author(user, plan, required=not dry_run)
            preview = preview_portal(plan=plan, tables=tables, filename=path.name)
        else:
            author = self._author(user, plan, required=False) or SYSTEM
            if options["create_missing"] and not can_manage_structure(author, plan.council):
                raise CommandError(f"{user} is not an administrator of {plan.council.name}, so cannot create "
                                   "outcomes, themes or service budgets (--create-missing).")
            preview = self._council_preview(plan, tables, path.name, author, options)
        importing = can_import(author or SYSTEM, plan)
        if not importing:  # a closed plan
            raise CommandError(importing.reason)
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

    def _author(self, username, plan, *, required):
        if not username:
            if required:
                raise CommandError("Name the finance officer the changes are recorded against with --user USERNAME.")
            return None
        author = get_user_model().objects.filter(username=username, is_active=True).first()
        if author is None:
            raise CommandError(f"There is no active user {username!r}.")
        if can_import(author, plan).by_role:
            raise CommandError(f"{username} is not a finance officer of {plan.council.name}.")
        return author

    # ---------------------------------------------------------------- a council's own table

    def _choice(self, options, name, allowed):
        value = options.get(name)
        if value is not None and value not in allowed:
            raise CommandError(f"--{name.replace('_', '-')} {value!r} is not one of: {', '.join(allowed)}.")
        return value

    def _council_preview(self, plan, tables, filename, author, options):
        sheets = [table.name for table in tables]
        sheet = options.get("sheet")
        if sheet is not None and sheet not in sheets:
            raise CommandError(f"There is no sheet {sheet!r} in {filename}; its sheets are: {', '.join(sheets)}.")
        header_row = None
        if options.get("header_row") is not None:
            raw = options["header_row"]
            rows = len(next(t for t in tables if t.name == (sheet or sheets[0])).rows) if sheet else max(
                len(t.rows) for t in tables)
            if not raw.isdigit() or not 1 <= int(raw) <= rows:
                raise CommandError(f"--header-row {raw!r} is not a row of the sheet, which has {rows:,} rows.")
            header_row = int(raw)
        unit = self._choice(options, "units", Unit.values)
        signs = self._choice(options, "signs", Signs.values)
        basis = self._choice(options, "basis", Basis.values)
        kind = options.get("kind") or ""
        if kind:
            by_name = {k.label.casefold(): k.value for k in Kind} | {k.value: k.value for k in Kind}
            if kind.casefold() not in by_name:
                raise CommandError(f"--kind {kind!r} is not a kind; use one of: {', '.join(Kind.labels)}.")
            kind = by_name[kind.casefold()]
        try:
            detected = read_table(tables, Choices(sheet=sheet, header_row=header_row))
        except NoTable as error:
            raise CommandError(f"{NO_TABLE} {error}" if sheet is None and header_row is None else str(error)) from None
        except BadChoice as error:
            raise CommandError(str(error)) from None
        self._detected(detected)
        columns = self._columns(detected, options["map"]) if options["map"] else None
        try:
            table = read_table(tables, Choices(sheet=detected.sheet, header_row=detected.header_row, columns=columns,
                                               unit=unit, signs=signs, basis=basis))
        except (NoTable, BadChoice) as error:
            raise CommandError(str(error)) from None
        if table.unit is None:
            raise CommandError(f"Sheet \u2018{table.sheet}\u2019 does not say which unit its figures are in, and the "
                               "portal never guesses it: give --units pounds, thousands or millions.")
        return preview_council(
            plan=plan, table=table, filename=filename, user=author,
            options=Options(outcome=(options.get("outcome") or "").strip(), kind=kind,
                            service_budget=(options.get("service_budget") or "").strip(),
                            create_missing=options["create_missing"]),
        )

    def _columns(self, table, mappings):
        """The detected columns with --map's changes: {column index: field, year label or ""}."""
        columns = {index: name for index, name in table.columns.items()}
        columns |= {year.column: fy.label(year.start_year) for year in table.years}
        headings = {}
        for index, heading in enumerate(table.headings):
            headings.setdefault(_heading(heading), index)
        mapped = {}
        for mapping in mappings:
            heading, sep, field = mapping.partition("=")
            field = field.strip()
            if not sep:
                raise CommandError(f"--map {mapping!r} is not HEADING=FIELD.")
            index = headings.get(_heading(heading))
            if index is None:
                raise CommandError(
                    f"No column of sheet \u2018{table.sheet}\u2019 (header row {table.header_row}) is headed "
                    f"{heading!r}; its headings are: " + "; ".join(h for h in table.headings if h) + "."
                )
            if field and field not in FIELDS:
                try:
                    field = fy.label(fy.parse_label(field))
                except fy.YearError:
                    raise CommandError(f"--map {mapping!r}: {field!r} is not one of {', '.join(FIELDS)} "
                                       "or a year such as 2024/25.") from None
            if field and field in mapped:
                raise CommandError(f"--map: {field} is mapped to two columns ({mapped[field]!r} and {heading!r}).")
            if field:
                mapped[field] = heading
                columns = {i: "" if name == field else name for i, name in columns.items()}
            columns[index] = field
        return columns

    def _detected(self, table):
        out = self.stdout
        out.write(f"Detected in sheet \u2018{table.sheet}\u2019, header row {table.header_row}:")
        for index, name in sorted(table.columns.items()):
            out.write(f"  column {get_column_letter(index + 1)} \u201c{table.headings[index]}\u201d: "
                      f"{FIELD_LABELS.get(name, name)}")
        for year in table.years:
            out.write(f"  column {get_column_letter(year.column + 1)} \u201c{year.heading}\u201d: "
                      f"year {fy.label(year.start_year)}")
        unit = Unit(table.unit).label if table.unit else "not stated (give --units)"
        out.write(f"  unit: {unit}" + (f", from {table.unit_source}" if table.unit_source else ""))
        out.write(f"  signs: {Signs(table.signs).label}" + (f" ({table.signs_source})" if table.signs_source else ""))
        out.write(f"  basis: {table.basis}")
        out.write(f"  {len(table.rows)} proposal rows, {len(table.sections)} sections, {len(table.totals)} total rows")

    def _report(self, preview):
        out = self.stdout
        for words in preview.read_as:
            out.write(words)
        for warning in preview.unit_warnings:
            out.write(f"Check the unit: {warning}")
        out.write(
            f"{len(preview.created)} to create, {len(preview.changed)} to change, {preview.unchanged} unchanged, "
            f"{len(preview.conflicts)} conflict(s), {len(preview.problems)} problem(s)."
        )
        for item in preview.structure:
            out.write(f"  create {item.kind_word.lower()} {item}")
        for verb, items in (("create", preview.created), ("change", preview.changed)):
            for item in items:
                out.write(f"  {verb} {item.label}")
                for change in item.changes:
                    out.write(f"    {change}")
        for conflict in preview.conflicts:
            out.write(f"  conflict: {conflict}")
        for total in preview.reconciliation:
            out.write(f"  total row {total.row} {total.label}: {'adds up' if total.reconciles else 'DOES NOT ADD UP'}")
            for line in total.lines:
                out.write(f"    {line}")
        for line in preview.rounded:
            out.write(f"  rounded {line}")
        for problem in preview.problems:
            self.stderr.write(f"  {problem}")
