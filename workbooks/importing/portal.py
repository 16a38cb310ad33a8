"""Reading the portal's own format: the cabinet-paper workbook's outcome sheets, the flat
list (.xlsx or CSV), with the Proposal id and Version columns that tie each row to its
proposal. ``preview_portal`` checks every cell and compares with the database; rows with
reference [NEW] and no id create drafts; a proposal changed in the portal since the
export is a conflict, never overwritten. Nothing is written.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from openpyxl.utils import get_column_letter

from proposals import years as fy
from proposals.fields import MoneyField
from proposals.models import BudgetPlan, Kind, Status
from proposals.references import display_reference, parse_reference, reference_in_use_message

from ..uploads import Refused, read_upload
from ..uploads import Table as SheetCells
from ..xlsx import GOVERNANCE_COLUMNS
from .preview import Lookups, Planned, Preview, describe_fields, describe_lines, describe_new, plan_data, text_of
from .table import Problem

HEADER_SEARCH_ROWS = 30

# The export's governance columns are known and not read: governance is edited on the proposal page.
KNOWN_COLUMNS = {
    "Council", "Plan", "Reference", "Title", "Kind", "Outcome", "Theme", "Status", "Service budget",
    "Total over the period", "Proposal id", "Version", *GOVERNANCE_COLUMNS,
}
REQUIRED_COLUMNS = ("Reference", "Title", "Kind", "Outcome", "Theme", "Service budget", "Proposal id", "Version")


def _same_text(a, b):
    def norm(text):
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()

    return norm(a) == norm(b)


FIGURE_CELL = MoneyField(max_length=None)


def _figure(value):
    """A cell's value -> whole £ thousands or None (unprofiled), read as a typed figure is
    (``MoneyField``). Raises ValidationError."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(f"\u201c{value}\u201d is not a figure in £m.")
    if isinstance(value, (datetime, date, time)):
        raise ValidationError("A date is not a figure in £m; format the cell as a number.")
    if isinstance(value, float):
        # The shortest text that is exactly this float, as the spreadsheet holds it.
        value = Decimal(repr(value))
    text = format(value, "f") if isinstance(value, Decimal) else str(value).strip()
    if text.startswith("="):
        raise ValidationError(f"\u201c{text[:40]}\u201d is a formula; type the figure itself, in £m.")
    return FIGURE_CELL.clean(text)


def _reference(value):
    return parse_reference(text_of(value))


def _choice(value, choices, what):
    text = text_of(value)
    for key, label in choices:
        if text.casefold() in (key.casefold(), label.casefold()):
            return key
    known = ", ".join(label for _, label in choices)
    raise ValueError(f"\u201c{text}\u201d is not a {what}. Use one of: {known}.")


@dataclass
class _Row:
    table: str
    number: int
    columns: dict  # column name -> (letter, raw value)
    values: dict = field(default_factory=dict)  # checked values

    def where(self, name):
        letter = self.columns.get(name, ("", None))[0]
        return f"{letter} ({name})" if letter else name


def _header(table, lookups, problems):
    """(row index in table.rows, {column name: index}) or None if the table has no header."""
    for index, (number, values) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):  # noqa: B007 (both used after the break)
        names = [text_of(v) for v in values]
        if "Reference" in names and "Title" in names:
            break
    else:
        return None
    columns, years_seen = {}, set()
    for position, name in enumerate(names):
        letter = get_column_letter(position + 1)
        if not name:
            continue
        if name in columns:
            problems.append(Problem(table.name, number, letter, f"The heading \u201c{name}\u201d appears twice."))
        elif name in KNOWN_COLUMNS:
            columns[name] = position
        else:
            try:
                start = fy.parse_label(name)
            except fy.YearError:
                problems.append(Problem(
                    table.name, number, letter,
                    f"Unknown column heading \u201c{name}\u201d. The headings are: "
                    + ", ".join(REQUIRED_COLUMNS[:6]) + ", the plan's years, Proposal id and Version.",
                ))
                continue
            label = fy.label(start)
            if label not in lookups.year_by_label:
                problems.append(Problem(
                    table.name, number, letter,
                    f"{label} is not a year of this plan, which runs from {lookups.years[0].label} "
                    f"to {lookups.years[-1].label}.",
                ))
                continue
            columns[label] = position
            years_seen.add(label)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    missing += [year.label for year in lookups.years if year.label not in years_seen]
    if missing:
        problems.append(Problem(table.name, number, "", "Missing column(s): " + ", ".join(missing) + "."))
    return index, columns


def _rows(table, lookups, problems):
    found = _header(table, lookups, problems)
    if found is None:
        return None
    start, positions = found
    letters = {name: get_column_letter(pos + 1) for name, pos in positions.items()}
    out = []
    for number, values in table.rows[start + 1:]:
        raw = {name: (values[pos] if pos < len(values) else None) for name, pos in positions.items()}
        row = _Row(table.name, number, {name: (letters[name], raw[name]) for name in positions})
        if all(text_of(v) == "" for v in raw.values()):
            continue
        if not any(text_of(raw.get(name)) for name in ("Reference", "Proposal id", "Service budget")):
            # A theme heading, subtotal or total row: labels and formulas only.
            for year in lookups.years:
                value = raw.get(year.label)
                if value is not None and not (isinstance(value, str) and value.startswith("=")) and text_of(value):
                    problems.append(Problem(
                        table.name, number, row.where(year.label),
                        "A figure on a row with no reference, service budget or proposal id. Give the row its "
                        "proposal's reference (or [NEW]) and service budget.",
                    ))
                    break
            continue
        out.append(row)
    return out


def _check_row(row, lookups, problems):
    """Fill row.values from the raw cells; report each bad cell. True if the row is usable."""
    ok = True

    def bad(name, message):
        nonlocal ok
        ok = False
        problems.append(Problem(row.table, row.number, row.where(name), message))

    raw = {name: value for name, (_letter, value) in row.columns.items()}
    plan = lookups.plan
    for name, expected in (("Council", plan.council.name), ("Plan", plan.name)):
        if name in raw and text_of(raw[name]) and text_of(raw[name]) != expected:
            bad(name, f"This row is for \u201c{text_of(raw[name])}\u201d, not {expected}.")

    pid = text_of(raw.get("Proposal id"))
    row.values["id"] = None
    if pid:
        if not pid.isdigit() or int(pid) not in lookups.proposals:
            bad("Proposal id",
                f"\u201c{pid}\u201d is not the id of a proposal in this plan. Leave it empty for a new proposal.")
        else:
            row.values["id"] = int(pid)
        version = text_of(raw.get("Version"))
        if not version.isdigit():
            bad("Version", "The version is missing; keep the Version column as it was exported.")
        else:
            row.values["version"] = int(version)

    reference = _reference(raw.get("Reference"))
    if reference is not None and len(reference) > 20:
        bad("Reference", "A reference has at most 20 characters.")
    row.values["reference"] = reference

    title = text_of(raw.get("Title"))
    if not title:
        bad("Title", "Every proposal needs a title.")
    elif len(title) > 300:
        bad("Title", "A title has at most 300 characters.")
    row.values["title"] = title

    for name, key, convert in (
        ("Kind", "kind", lambda v: _choice(v, Kind.choices, "kind of proposal")),
        ("Outcome", "outcome", lookups.outcome),
        ("Theme", "theme", lambda v: _theme(v, lookups)),
        ("Status", "status", lambda v: _choice(v, Status.choices, "status") if text_of(v) else None),
    ):
        if name not in raw:
            row.values[key] = None
            continue
        try:
            row.values[key] = convert(raw[name])
        except ValueError as error:
            bad(name, str(error))

    budget_name = text_of(raw.get("Service budget"))
    row.values["budget"] = None
    if budget_name:
        budget = lookups.budgets.get(budget_name.casefold())
        if budget is None:
            bad("Service budget", f"\u201c{budget_name}\u201d is not a service budget of {plan.council.name}. "
                "Check the spelling; new budgets are added by an administrator.")
        row.values["budget"] = budget

    figures = {}
    for year in lookups.years:
        try:
            amount = _figure(raw.get(year.label))
        except ValidationError as error:
            bad(year.label, error.messages[0])
            continue
        if amount is not None:
            figures[year.pk] = amount
    row.values["figures"] = figures
    if figures and not budget_name:
        bad("Service budget", "A row with figures needs the service budget they vary.")
    return ok


def _theme(value, lookups):
    name = text_of(value)
    if name == "" or name.casefold() == "no theme":
        return None
    theme = lookups.themes.get(name.casefold())
    if theme is None:
        raise ValueError(
            f"\u201c{name}\u201d is not a theme of {lookups.plan.council.name}. Use one of: "
            + ", ".join(t.name for t in lookups.themes.values()) + " (or leave it empty)."
        )
    return theme


PROPOSAL_FIELDS = (
    ("reference", "Reference"), ("title", "Title"), ("kind", "Kind"), ("outcome", "Outcome"), ("theme", "Theme"),
    ("status", "Status"), ("version", "Version"),
)


def _group(rows, problems):
    """Rows -> {key: [rows]} for one proposal each, checking a proposal's rows agree."""
    groups: dict[tuple, list] = {}
    for row in rows:
        v = row.values
        key: tuple
        if v["id"] is not None:
            key = ("id", v["id"])
        elif v["reference"] is not None:
            key = ("reference", v["reference"])
        else:
            key = ("new", v["outcome"].pk if v["outcome"] else None, v["title"].casefold())
        groups.setdefault(key, []).append(row)
    for members in groups.values():
        first = members[0]
        budgets = set()
        for row in members:
            for attr, column in PROPOSAL_FIELDS:
                if row is not first and row.values.get(attr) != first.values.get(attr):
                    problems.append(Problem(
                        row.table, row.number, row.where(column),
                        f"This line says something different from the proposal's first line "
                        f"(sheet \u2018{first.table}\u2019, row {first.number}); a proposal's lines must agree.",
                    ))
            budget = row.values["budget"]
            if budget is not None:
                if budget.pk in budgets:
                    problems.append(Problem(
                        row.table, row.number, row.where("Service budget"),
                        f"The proposal already has a line for \u201c{budget.name}\u201d; put its figures on one row.",
                    ))
                budgets.add(budget.pk)
    return groups



def _already_there(values, lookups):
    """The proposal a row without an id stands for, if the portal has it already: same
    reference, or (for a [NEW] one) same outcome and title."""
    if values["reference"] is not None:
        pk = lookups.reference_owner.get(values["reference"])
        return lookups.proposals[pk] if pk is not None else None
    title = values["title"].casefold()
    for proposal in lookups.proposals.values():
        if (proposal.reference is None and proposal.outcome_id == values["outcome"].pk
                and proposal.title.casefold() == title):
            return proposal
    return None


def has_portal_sheet(tables: list[SheetCells]) -> bool:
    """Whether a sheet of the file is in the portal's own format: a header row, near its
    top, with Reference, Title and the Proposal id or Version column the export writes."""
    for table in tables:
        for _number, values in table.rows[:HEADER_SEARCH_ROWS]:
            names = {text_of(v) for v in values}
            if {"Reference", "Title"} <= names and names & {"Proposal id", "Version"}:
                return True
    return False


NO_PROPOSAL_COLUMNS = (
    "No sheet in this file has the proposal columns (a header row with Reference, Title, Kind, Outcome, "
    "Theme, Service budget, the plan's years, Proposal id and Version). Start from an exported workbook "
    "or the flat CSV."
)


def preview_portal(*, plan: BudgetPlan, tables: list[SheetCells], filename: str) -> Preview:
    """Say what importing ``tables`` (the file's sheets, from ``read_upload``) into ``plan``
    would do. Writes nothing. Raises Refused when no sheet has the portal's columns."""
    lookups = Lookups(plan)
    preview = Preview(plan=plan, filename=filename)
    problems = preview.problems
    rows: list[_Row] = []
    found = False
    for table in tables:
        table_rows = _rows(table, lookups, problems)
        if table_rows is None:
            continue
        found = True
        rows += [row for row in table_rows if _check_row(row, lookups, problems)]
    if not found:
        raise Refused(NO_PROPOSAL_COLUMNS)
    groups = _group(rows, problems)

    references_in_file: dict[str, object] = {}
    for key, members in groups.items():
        v = members[0].values
        label = f"{display_reference(v['reference'])} {v['title']}"
        lines = [(row.values["budget"].pk, row.values["figures"]) for row in members if row.values["budget"]]
        first = members[0]
        if v["id"] is None:
            existing = _already_there(v, lookups)
            if existing is not None:
                # A new row imported before (the file has no id for it yet): never a duplicate.
                old_lines = lookups.lines.get(existing.pk, [])
                if not describe_fields(existing, v) + describe_lines(old_lines, lines, lookups):
                    preview.unchanged += 1
                else:
                    problems.append(Problem(
                        first.table, first.number, first.where("Title"),
                        f"{existing.display_reference} {existing.title} is already in the portal (it was probably "
                        "imported from this file before). To change it, export the workbook again and edit that.",
                    ))
                continue
        if v["reference"] is not None:
            other = references_in_file.setdefault(v["reference"], key)
            owner = lookups.reference_owner.get(v["reference"])
            if other != key or (owner is not None and owner != v["id"]):
                used_by = lookups.proposals[owner].title if owner is not None and owner != v["id"] else None
                problems.append(Problem(first.table, first.number, first.where("Reference"),
                                        reference_in_use_message(v["reference"], used_by)))
                continue
        if v["id"] is None:
            if v["status"] not in (None, Status.DRAFT):
                problems.append(Problem(first.table, first.number, first.where("Status"),
                                        "A new proposal is imported as a draft; leave its status empty or Draft."))
                continue
            changes = describe_new(lines, lookups)
            preview.created.append(Planned(label=label, changes=changes, data=plan_data(v, lines)))
            continue
        proposal = lookups.proposals[v["id"]]
        if _same_text(v["title"], proposal.title):
            v["title"] = proposal.title  # a spreadsheet trims spaces and turns CR into LF
        changes = describe_fields(proposal, v) + describe_lines(lookups.lines.get(proposal.pk, []), lines, lookups)
        # A status that differs because the proposal moved on in the portal since the
        # export is not the file's doing; one typed into an up-to-date file is refused.
        if v["status"] is not None and v["status"] != proposal.status and v["version"] == proposal.version:
            problems.append(Problem(first.table, first.number, first.where("Status"),
                                    f"{proposal.display_reference} is {proposal.get_status_display()} in the portal; "
                                    "a status is changed through the approval workflow, not by import."))
            continue
        if not changes:
            preview.unchanged += 1
            continue
        if v["version"] != proposal.version:
            preview.conflicts.append(
                f"{proposal.display_reference} {proposal.title} was changed in the portal after this file was "
                f"exported (the file has version {v['version']}, the portal version {proposal.version}). Its changes "
                "in the file will not be applied: export again, make your changes and import that."
            )
            continue
        if proposal.is_read_only:
            problems.append(Problem(first.table, first.number, "",
                                    f"{proposal.display_reference} {proposal.title} is approved, so it cannot be "
                                    "changed by import. An approver must return it to draft first."))
            continue
        data_ = plan_data(v, lines)
        data_["id"], data_["version"] = proposal.pk, proposal.version
        preview.changed.append(Planned(label=label, changes=changes, data=data_))
    problems.sort(key=lambda p: (p.sheet, p.row))
    return preview



def preview_import(*, plan: BudgetPlan, file: Any, filename: str) -> Preview:
    """Read ``file`` (binary) in the portal's own format and say what importing it into
    ``plan`` would do. Writes nothing. Raises Refused for a file refused as a whole."""
    return preview_portal(plan=plan, tables=read_upload(file, filename), filename=filename)
