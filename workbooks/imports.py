"""Importing proposals from a workbook or CSV: read safely, preview, then apply.

1. ``read_upload`` (``workbooks/uploads.py``) refuses, before any row is read, a file
   that is not a spreadsheet we can trust or breaks one of the limits named there.
2. ``preview_import`` reads every sheet with a "Reference … Title …" header row (the
   outcome sheets of the cabinet-paper workbook, the flat list's "Proposals" sheet, or
   the CSV of the flat list), checks every cell and compares with the database:
   proposals to create, to change (old -> new), unchanged; conflicts (changed in the app
   since the file was exported: its version differs) are reported and never applied.
   Every problem names its sheet, row and column. Nothing is written.
3. ``apply_import`` applies a preview's plan of changes in one transaction through
   ``proposals.services`` (so increments, stored net and the audit trail stay right),
   with the uploader as author. The plan is plain data (ids and £k), kept on the server
   between preview and confirmation; figures are never re-read from the browser.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl.utils import get_column_letter

from outcomes.models import Outcome
from proposals import years as fy
from proposals.fields import MoneyField
from proposals.models import BudgetPlan, ChangeSet, ImpactLine, Kind, Proposal, ServiceBudget, Status, Theme, Variation
from proposals.money import format_m
from proposals.permissions import can_import
from proposals.references import display_reference, parse_reference, reference_in_use_message
from proposals.services import (
    ConflictError,
    LineInput,
    ReadOnlyError,
    ReferenceInUse,
    create_proposal,
    next_position,
    save_proposal,
)

from .uploads import Refused, read_upload

HEADER_SEARCH_ROWS = 30

KNOWN_COLUMNS = {
    "Council", "Plan", "Reference", "Title", "Kind", "Outcome", "Theme", "Status", "Service budget",
    "Total over the period", "Proposal id", "Version",
}
REQUIRED_COLUMNS = ("Reference", "Title", "Kind", "Outcome", "Theme", "Service budget", "Proposal id", "Version")


@dataclass
class Problem:
    sheet: str
    row: int
    column: str  # "H (2020/21)", or "" for the whole row
    message: str

    def __str__(self):
        where = f"Sheet \u2018{self.sheet}\u2019, row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class Planned:
    """One proposal the import will create or change, with its changes in words."""

    label: str
    changes: list
    data: dict


@dataclass
class Preview:
    plan: BudgetPlan
    filename: str
    created: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    unchanged: int = 0
    conflicts: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def figure_changes(self):
        return sum(len(item.changes) for item in self.changed)

    @property
    def can_apply(self):
        return not self.problems and bool(self.created or self.changed)

    def plan_of_changes(self):
        """What ``apply_import`` needs, as plain data safe to keep in a session."""
        return {
            "plan": self.plan.pk,
            "filename": self.filename,
            "created": [item.data for item in self.created],
            "changed": [item.data for item in self.changed],
        }


# ---------------------------------------------------------------- checking rows


class _Lookups:
    """The council's outcomes, themes and budgets and the plan's years and proposals,
    read once (a fixed number of queries whatever the file's size)."""

    def __init__(self, plan):
        council = plan.council
        self.plan = plan
        self.years = list(plan.years.all())
        self.year_by_label = {year.label: year for year in self.years}
        self.outcomes = {o.code: o for o in Outcome.objects.filter(council=council)}
        self.themes = {t.name.casefold(): t for t in Theme.objects.filter(council=council)}
        self.budgets = {b.name.casefold(): b for b in ServiceBudget.objects.filter(council=council)}
        self.proposals = {
            p.pk: p for p in Proposal.objects.filter(plan=plan).select_related("outcome", "theme")
        }
        self.reference_owner = {p.reference: p.pk for p in self.proposals.values() if p.reference}
        self.lines: dict[int, list[tuple[int, dict[int, int]]]] = {}  # proposal id -> lines in order
        line_figures: dict[int, dict[int, int]] = {}
        for line in ImpactLine.objects.filter(proposal__plan=plan).order_by("proposal_id", "position", "pk"):
            figures: dict[int, int] = {}
            line_figures[line.pk] = figures
            self.lines.setdefault(line.proposal_id, []).append((line.service_budget_id, figures))
        for line_id, year_id, amount_k in Variation.objects.filter(line__proposal__plan=plan).values_list(
            "line_id", "year_id", "amount_k"
        ):
            line_figures[line_id][year_id] = amount_k
        self.budget_names = {b.pk: b.name for b in self.budgets.values()}
        self.year_labels = {year.pk: year.label for year in self.years}

    def outcome(self, value):
        code = _text(value)
        if code in self.outcomes:
            return self.outcomes[code]
        if code.isdigit():  # a spreadsheet may have turned "01" into 1
            matches = [o for c, o in self.outcomes.items() if c.isdigit() and int(c) == int(code)]
            if len(matches) == 1:
                return matches[0]
        raise ValueError(
            f"\u201c{code}\u201d is not an outcome of {self.plan.council.name}. Use one of: "
            + ", ".join(sorted(self.outcomes)) + "."
        )


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


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
    return parse_reference(_text(value))


def _choice(value, choices, what):
    text = _text(value)
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
        names = [_text(v) for v in values]
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
        if all(_text(v) == "" for v in raw.values()):
            continue
        if not any(_text(raw.get(name)) for name in ("Reference", "Proposal id", "Service budget")):
            # A theme heading, subtotal or total row: labels and formulas only.
            for year in lookups.years:
                value = raw.get(year.label)
                if value is not None and not (isinstance(value, str) and value.startswith("=")) and _text(value):
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
        if name in raw and _text(raw[name]) and _text(raw[name]) != expected:
            bad(name, f"This row is for \u201c{_text(raw[name])}\u201d, not {expected}.")

    pid = _text(raw.get("Proposal id"))
    row.values["id"] = None
    if pid:
        if not pid.isdigit() or int(pid) not in lookups.proposals:
            bad("Proposal id",
                f"\u201c{pid}\u201d is not the id of a proposal in this plan. Leave it empty for a new proposal.")
        else:
            row.values["id"] = int(pid)
        version = _text(raw.get("Version"))
        if not version.isdigit():
            bad("Version", "The version is missing; keep the Version column as it was exported.")
        else:
            row.values["version"] = int(version)

    reference = _reference(raw.get("Reference"))
    if reference is not None and len(reference) > 20:
        bad("Reference", "A reference has at most 20 characters.")
    row.values["reference"] = reference

    title = _text(raw.get("Title"))
    if not title:
        bad("Title", "Every proposal needs a title.")
    elif len(title) > 300:
        bad("Title", "A title has at most 300 characters.")
    row.values["title"] = title

    for name, key, convert in (
        ("Kind", "kind", lambda v: _choice(v, Kind.choices, "kind of proposal")),
        ("Outcome", "outcome", lookups.outcome),
        ("Theme", "theme", lambda v: _theme(v, lookups)),
        ("Status", "status", lambda v: _choice(v, Status.choices, "status") if _text(v) else None),
    ):
        if name not in raw:
            row.values[key] = None
            continue
        try:
            row.values[key] = convert(raw[name])
        except ValueError as error:
            bad(name, str(error))

    budget_name = _text(raw.get("Service budget"))
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
    name = _text(value)
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


def _describe_fields(proposal, values):
    changes = []
    pairs = (
        ("Reference", proposal.display_reference, display_reference(values["reference"])),
        ("Title", proposal.title, values["title"]),
        ("Kind", proposal.get_kind_display(), Kind(values["kind"]).label),
        ("Outcome", str(proposal.outcome), str(values["outcome"])),
        ("Theme", proposal.theme.name if proposal.theme else "(none)",
         values["theme"].name if values["theme"] else "(none)"),
    )
    for name, old, new in pairs:
        if old != new:
            changes.append(f"{name}: {old} \u2192 {new}")
    return changes


def _describe_lines(old_lines, new_lines, lookups):
    """Words for every line added or removed and every figure changed."""
    old = dict(old_lines)
    new = dict(new_lines)
    changes = []
    for budget_id, figures in new_lines:
        name = lookups.budget_names[budget_id]
        before = old.get(budget_id)
        if before is None:
            changes.append(f"{name}: line added")
            before = {}
        for year in lookups.years:
            a, b = before.get(year.pk), figures.get(year.pk)
            if a != b:
                old, new_ = format_m(a, blank="not profiled"), format_m(b, blank="not profiled")
                changes.append(f"{year.label} {name}: {old} \u2192 {new_}")
    for budget_id, _figures in old_lines:
        if budget_id not in new:
            changes.append(f"{lookups.budget_names[budget_id]}: line removed")
    return changes


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


def _plan_data(values, lines):
    return {
        "fields": {
            "reference": values["reference"], "title": values["title"], "kind": values["kind"],
            "outcome": values["outcome"].pk, "theme": values["theme"].pk if values["theme"] else None,
        },
        "lines": [[budget_id, {str(year): amount for year, amount in figures.items()}] for budget_id, figures in lines],
    }


def preview_import(*, plan, file, filename):
    """Read ``file`` (binary) and say what importing it into ``plan`` would do. Writes
    nothing. Raises Refused for a file refused as a whole."""
    tables = read_upload(file, filename)
    lookups = _Lookups(plan)
    preview = Preview(plan=plan, filename=filename)
    problems = preview.problems
    rows, found = [], False
    for table in tables:
        table_rows = _rows(table, lookups, problems)
        if table_rows is None:
            continue
        found = True
        rows += [row for row in table_rows if _check_row(row, lookups, problems)]
    if not found:
        raise Refused(
            "No sheet in this file has the proposal columns (a header row with Reference, Title, Kind, Outcome, "
            "Theme, Service budget, the plan's years, Proposal id and Version). Start from an exported workbook "
            "or the flat CSV."
        )
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
                if not _describe_fields(existing, v) + _describe_lines(old_lines, lines, lookups):
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
            changes = [f"{lookups.year_labels[int(y)]} {lookups.budget_names[b]}: {format_m(k)}"
                       for b, figures in lines
                       for y, k in sorted(figures.items(), key=lambda i: lookups.year_labels[i[0]])]
            preview.created.append(Planned(label=label, changes=changes, data=_plan_data(v, lines)))
            continue
        proposal = lookups.proposals[v["id"]]
        if _same_text(v["title"], proposal.title):
            v["title"] = proposal.title  # a spreadsheet trims spaces and turns CR into LF
        changes = _describe_fields(proposal, v) + _describe_lines(lookups.lines.get(proposal.pk, []), lines, lookups)
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
        data_ = _plan_data(v, lines)
        data_["id"], data_["version"] = proposal.pk, proposal.version
        preview.changed.append(Planned(label=label, changes=changes, data=data_))
    problems.sort(key=lambda p: (p.sheet, p.row))
    return preview


# ---------------------------------------------------------------- applying


class ImportFailed(Exception):
    """Applying stopped and nothing was changed; the message is for users."""


def apply_import(*, plan, plan_of_changes, user):
    """Apply a preview's ``plan_of_changes`` in one transaction, as ``user``. Returns
    (created, changed) counts. Raises ImportFailed (nothing changed) if a proposal moved
    on since the preview."""
    can_import(user, plan).require()
    if plan_of_changes.get("plan") != plan.pk:
        raise ImportFailed("This preview is for a different plan. Upload the file again.")
    council = plan.council
    outcomes = {o.pk: o for o in Outcome.objects.filter(council=council)}
    themes = {t.pk: t for t in Theme.objects.filter(council=council)}
    budgets = {b.pk: b for b in ServiceBudget.objects.filter(council=council)}
    years = {year.pk: year for year in plan.years.all()}
    note = f"Imported from {plan_of_changes.get('filename') or 'a spreadsheet'}"[:300]

    def fields_of(item):
        f = item["fields"]
        return {
            "reference": f["reference"], "title": f["title"], "kind": f["kind"],
            "outcome": outcomes[f["outcome"]], "theme": themes[f["theme"]] if f["theme"] else None,
        }

    def lines_of(item):
        return [
            LineInput(service_budget=budgets[budget_id], figures={years[int(y)]: k for y, k in figures.items()})
            for budget_id, figures in item["lines"]
        ]

    try:
        with transaction.atomic():
            created = plan_of_changes["created"]
            start = next_position(plan) if created else 0  # asked once; they follow one another
            for position, item in enumerate(created, start=start):
                create_proposal(
                    plan=plan, user=user, fields={**fields_of(item), "position": position}, lines=lines_of(item),
                    status=Status.DRAFT, action=ChangeSet.Action.IMPORT, note=note,
                )
            for item in plan_of_changes["changed"]:
                proposal = Proposal.objects.get(pk=item["id"], plan=plan)
                save_proposal(
                    proposal=proposal, user=user, fields=fields_of(item), lines=lines_of(item),
                    expected_version=item["version"], action=ChangeSet.Action.IMPORT, note=note,
                )
    except ConflictError as error:
        raise ImportFailed(
            f"{error.proposal.display_reference} {error.proposal.title} was changed in the portal after the preview. "
            "Nothing has been imported; upload the file again to see the changes now."
        ) from None
    except ReferenceInUse as error:
        raise ImportFailed(f"{error}. Nothing has been imported; upload the file again.") from None
    except (ReadOnlyError, Proposal.DoesNotExist, KeyError):
        raise ImportFailed(
            "The plan changed after the preview (a proposal was approved or removed). Nothing has been "
            "imported; upload the file again."
        ) from None
    return len(plan_of_changes["created"]), len(plan_of_changes["changed"])
