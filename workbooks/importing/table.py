"""What the import read from a council's own sheet: the table detection found (or the
officer chose), its rows in the printed unit and sign, its sections and its total rows.

This is the boundary between ``detect`` (cells -> ``Table``, no database) and the
mapping, preview and apply steps (``Table`` + the plan -> proposals).
"""
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models

from proposals import money

# The fields a column may be mapped to (besides a year).
FIELDS = ("reference", "title", "description", "outcome", "theme", "service_budget", "kind", "status")
FIELD_LABELS = {
    "reference": "Reference", "title": "Title", "description": "Description", "outcome": "Outcome",
    "theme": "Theme", "service_budget": "Service budget", "kind": "Kind", "status": "Status",
}


class Unit(models.TextChoices):
    """The unit a sheet's figures are printed in. Figures are stored in whole £k."""

    POUNDS = money.POUNDS, "£ (pounds)"
    THOUSANDS = money.THOUSANDS, "£000"
    MILLIONS = money.MILLIONS, "£m"


class Signs(models.TextChoices):
    """How a sheet signs its figures."""

    VARIATIONS = "variations", "As variations: + cost, \u2212 saving"
    SAVINGS_POSITIVE = "savings-positive", "Savings shown as positive"


class Basis(models.TextChoices):
    """What each year's figure is: the portal stores variations to the base year."""

    CUMULATIVE = "cumulative", "Each year against the base year (cumulative)"
    INCREMENTAL = "incremental", "Each year's change on the year before (incremental)"


@dataclass(frozen=True)
class Choices:
    """What the officer chose on the mapping page (or the command line); None = as detected.

    ``columns``: {column index (0-based): field name, or a year label "2024/25", or "" to ignore};
    a column not in it keeps what was detected for it.
    """

    sheet: str | None = None
    header_row: int | None = None  # 1-based, as the spreadsheet numbers rows
    columns: dict[int, str] | None = None
    unit: str | None = None  # a Unit value
    signs: str | None = None  # a Signs value
    basis: str | None = None  # a Basis value


@dataclass(frozen=True)
class YearColumn:
    column: int  # 0-based
    heading: str  # as printed: "2024/25 £'000"
    start_year: int  # 2024 for 2024/25


@dataclass
class Section:
    """A row with a heading and no figures: the rows under it take its text as their theme,
    or as their kind where it names one ("Savings", "Growth", "Income")."""

    row: int
    text: str
    kind_word: str | None = None  # the text when it names a kind, else None


@dataclass
class TableRow:
    """A proposal row. ``cells``: {field: text as printed, stripped}; ``figures``: {start
    year: Decimal in the printed unit and sign, or None where the cell is empty}."""

    row: int  # 1-based
    cells: dict[str, str]
    figures: dict[int, Decimal | None]
    section: str | None = None  # the theme heading above it, if any
    kind_word: str | None = None  # the kind heading above it ("Savings"), if any


@dataclass
class TotalRow:
    """A total or subtotal row (a "Total …"/"Sub-total" label or SUM formulas), with the
    rows it covers and what they add up to, year by year, in the printed unit and sign."""

    row: int
    label: str
    printed: dict[int, Decimal | None]  # the figures on the total row (a SUM is computed from its cells)
    covers: list[int]  # the 1-based row numbers of the proposal rows it adds up
    sums: dict[int, Decimal]  # the sum of those rows' figures

    @property
    def differences(self):
        """{start year: printed - sum} for each year that does not add up."""
        out = {}
        for year, printed in self.printed.items():
            if printed is None:
                continue
            diff = printed - self.sums.get(year, Decimal(0))
            if diff:
                out[year] = diff
        return out

    @property
    def reconciles(self):
        return not self.differences


@dataclass
class RowTotal:
    """A proposal row's own printed total (a "Total" column), checked against the sum of its
    years, in the printed unit and sign."""

    row: int
    reference: str  # the row's reference (or title) as printed, to name it
    printed: Decimal
    sum: Decimal  # of the row's year figures

    @property
    def difference(self):
        return self.printed - self.sum

    @property
    def reconciles(self):
        return not self.difference


@dataclass
class Problem:
    """Something wrong with a cell or row, for the officer: names the sheet, row and column."""

    sheet: str
    row: int
    column: str  # "D (2024/25)", or "" for the whole row
    message: str

    def __str__(self):
        where = f"Sheet \u2018{self.sheet}\u2019, row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class Table:
    """One sheet's table as read with the given (or detected) choices."""

    sheet: str
    sheets: list[str]  # every sheet of the file, for the mapping page
    header_row: int  # 1-based
    headings: list[str]  # the header row's cells as text, by column
    columns: dict[int, str]  # column index -> field name (FIELDS), for the columns used
    years: list[YearColumn]
    unit: str | None  # a Unit value, or None when nothing said and the officer must choose
    unit_source: str  # in words: "the heading \u201c2024/25 £'000\u201d", or "" when not found
    signs: str  # a Signs value
    signs_source: str  # in words: why this sign convention
    basis: str = "cumulative"  # a Basis value
    basis_source: str = ""  # in words: why this basis
    rows: list[TableRow] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    totals: list[TotalRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[int] = field(default_factory=list)  # headed columns not used (FTE, Total, %)
    title_rows: list[str] = field(default_factory=list)  # the text above the header
    unit_row: int | None = None  # 1-based: the row of units under the header, skipped
    total_column: int | None = None  # a headed "Total" column across the years (also in ignored_columns)
    row_totals: list[RowTotal] = field(default_factory=list)  # each row's Total column, when it adds the years
    notes: list[str] = field(default_factory=list)  # what detection decided, in words, for the officer
    unit_warnings: list[str] = field(default_factory=list)  # figures whose size suggests another unit

    def column_of(self, name):
        for column, mapped in self.columns.items():
            if mapped == name:
                return column
        return None
