"""A list of outcomes, themes or service budgets pasted from a spreadsheet or uploaded,
read into a plan of what to create, and applied.

One record a line, its columns in ``structure.FIELDS`` order: outcomes as code, title
and (optionally) what this means; themes as name and description; service budgets as
name and "service" or "funding". Pasted text is tab-separated (as a spreadsheet copies
cells) or, with no tab in it, comma-separated; an upload is read by
``workbooks.uploads.read_upload`` (its first sheet with anything in it). A first line
of column headings is skipped.

The plan says what would be created, what the council has already (left unchanged) and
every problem, by line and column; nothing is written until ``apply_plan``, which creates
the records through ``proposals.structure`` in one transaction.
"""
import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from proposals import structure
from proposals.models import ServiceBudget
from workbooks.uploads import Refused, read_upload

MAX_LINES = 500
MAX_CHARACTERS = 100_000

KIND_WORDS = {
    "": ServiceBudget.Kind.SERVICE,
    "service": ServiceBudget.Kind.SERVICE,
    "service budget": ServiceBudget.Kind.SERVICE,
    "funding": ServiceBudget.Kind.FUNDING,
    "funding line": ServiceBudget.Kind.FUNDING,
}


class ListFailed(Exception):
    """Applying a plan failed (something changed since the preview); nothing was written."""


def column_headings(model):
    return [
        "service or funding" if name == "kind" else str(structure.field_label(model, name))
        for name in structure.FIELDS[model]
    ]


@dataclass
class Problem:
    line: int
    column: int | None
    heading: str
    message: str

    def __str__(self):
        where = f"Line {self.line:,}"
        if self.column:
            where += f", column {self.column}" + (f" ({self.heading})" if self.heading else "")
        return f"{where}: {self.message}"


@dataclass
class Existing:
    line: int
    record: object
    differs: list = field(default_factory=list)  # headings whose value in the list is not the portal's


@dataclass
class ListPlan:
    model: type
    source: str
    to_create: list = field(default_factory=list)  # (line, {field: value})
    existing: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    headings_line: int | None = None

    @property
    def can_apply(self):
        return bool(self.to_create) and not self.problems

    def stored(self):
        """What the session keeps for the confirm: the checked values, by line."""
        return [[line, values] for line, values in self.to_create]

    def rows_to_create(self):
        """(line, [each column's value as the preview shows it]) of the records to create."""
        columns = structure.FIELDS[self.model]
        return [
            (line, [ServiceBudget.Kind(values[name]).label if name == "kind" else values[name] for name in columns])
            for line, values in self.to_create
        ]


def _too_big(what):
    return Refused(
        f"{what} The most read at once is {MAX_LINES:,} lines and {MAX_CHARACTERS:,} characters: "
        "split it into parts."
    )


def rows_of_text(text):
    """[(line number, [cells])] of pasted text, within the bounds, or Refused."""
    if len(text) > MAX_CHARACTERS:
        raise _too_big(f"The list is {len(text):,} characters long.")
    delimiter = "\t" if "\t" in text else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, line = [], 1
    try:
        for cells in reader:
            rows.append((line, cells))
            line = reader.line_num + 1
            if len(rows) > MAX_LINES:
                raise _too_big(f"The list has more than {MAX_LINES:,} lines.")
    except csv.Error:
        raise Refused(f"Line {line:,} cannot be read: a quotation mark is not closed.") from None
    return rows


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def rows_of_upload(file, filename):
    """[(row number, [cells])] of the first sheet with anything in it, within the bounds, or Refused."""
    for table in read_upload(file, filename):
        rows = [(number, [cell_text(value) for value in values]) for number, values in table.rows]
        rows = [(number, cells) for number, cells in rows if any(cell.strip() for cell in cells)]
        if not rows:
            continue
        if len(rows) > MAX_LINES:
            raise _too_big(f"The file has {len(rows):,} lines with something in them.")
        characters = sum(len(cell) for _, cells in rows for cell in cells)
        if characters > MAX_CHARACTERS:
            raise _too_big(f"The file holds {characters:,} characters.")
        return rows
    return []


def _is_headings(model, cells):
    first = structure.key(cells[0]) if cells else ""
    heading = structure.key(column_headings(model)[0])
    name = structure.key(structure.noun(model))
    return first in {heading, name, f"{name} {heading}"}


def plan_list(model, council, rows, *, source):
    """The ListPlan of ``rows`` (from ``rows_of_text`` or ``rows_of_upload``) for ``council``:
    one query for what the council has, then every line checked as the write will check it."""
    plan = ListPlan(model=model, source=source)
    columns = structure.FIELDS[model]
    headings = column_headings(model)
    key_field = structure.KEY_FIELD[model]
    taken = structure.taken_keys(model, council)
    seen = {}
    for line, raw in rows:
        cells = list(raw)
        while cells and not cells[-1].strip():
            cells.pop()
        if not cells:
            continue
        if plan.headings_line is None and not plan.to_create and not plan.existing and _is_headings(model, cells):
            plan.headings_line = line
            continue

        def problem(name, message, line=line):
            index = columns.index(name) if name in columns else None
            plan.problems.append(Problem(line, None if index is None else index + 1,
                                         headings[index] if index is not None else "", message))

        if len(cells) > len(columns):
            plan.problems.append(Problem(
                line, len(columns) + 1, "",
                f"There are {len(cells)} columns; {model._meta.verbose_name_plural} have at most {len(columns)} "
                f"({', '.join(headings)}).",
            ))
            continue
        values = dict(zip(columns, [cell.strip() for cell in cells] + [""] * (len(columns) - len(cells)), strict=True))
        if "kind" in values:
            word = structure.key(values["kind"])
            if word not in KIND_WORDS:
                problem("kind", f"\u201c{values['kind']}\u201d is not \u201cservice\u201d or \u201cfunding\u201d.")
                continue
            values["kind"] = KIND_WORDS[word]
        key = structure.key(values[key_field])
        if key and key in taken:
            record = taken[key]
            plan.existing.append(Existing(line, record, [
                headings[columns.index(name)] for name, value in values.items()
                if name != key_field and value and structure.key(value) != structure.key(getattr(record, name))
            ]))
            continue
        if key and key in seen:
            problem(key_field, f"\u201c{values[key_field]}\u201d is on line {seen[key]:,} already.")
            continue
        try:
            cleaned = structure.clean(model, council, values, taken={})
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    problem(name, message)
            continue
        seen[key] = line
        plan.to_create.append((line, cleaned))
    return plan


def apply_plan(model, council, user, stored):
    """Create every record of a stored plan (``ListPlan.stored``) in one transaction, or
    none: ListFailed says which line could not be created now."""
    created = []
    with transaction.atomic():
        for line, values in stored:
            try:
                created.append(structure.create(model, council=council, user=user, **values))
            except ValidationError as error:
                raise ListFailed(f"Line {line:,}: {' '.join(error.messages)} Nothing has been created.") from None
    return created
