"""Council-shaped proposals sheets, built in memory, with what an import must read from them.

A ``Layout`` is laid out row by row as a council prints it (title rows, a header that may
sit low, a unit row, section headings, proposals, sub-totals and totals) and can be
written as an .xlsx (figures as numbers with a bracket number format, totals as SUM
formulas) or as the CSV a spreadsheet saves from it (figures as printed text: "(150)",
"1,234", "-"; totals as the figures they show). Each layout also holds what it should be
read as: every proposal row's cells and figures, every total's figures and the rows it
covers, the unit and the sign convention. ``LAYOUTS`` names them all.
"""
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

BRACKETS = "#,##0;(#,##0);\"-\""
BRACKETS_3DP = "#,##0.000;(#,##0.000);\"-\""


@dataclass
class ExpectedRow:
    row: int
    cells: dict[str, str]  # field -> text
    figures: dict[int, Decimal | None]  # start year -> figure as printed
    section: str | None = None
    kind_word: str | None = None


@dataclass
class ExpectedTotal:
    row: int
    label: str
    printed: dict[int, Decimal | None]
    covers: list[int]
    sums: dict[int, Decimal]

    @property
    def reconciles(self):
        return all(p is None or p == self.sums[y] for y, p in self.printed.items())


@dataclass
class Layout:
    """A sheet being laid out. ``fields``: the header's text columns, as (heading, field or
    None for a column the import ignores); ``years``: (heading, start year)."""

    name: str
    fields: list[tuple[str, str | None]]
    years: list[tuple[str, int]]
    sheet: str = "Proposals"
    unit: str | None = None
    signs: str = "variations"
    csv_style: str = "brackets"  # how the CSV prints a negative: "brackets" or "minus"
    number_format: str = BRACKETS
    rows: list[list] = field(default_factory=list)  # the xlsx cells
    csv_rows: list[list[str]] = field(default_factory=list)  # the CSV cells
    header_row: int = 0
    expected_rows: list[ExpectedRow] = field(default_factory=list)
    expected_totals: list[ExpectedTotal] = field(default_factory=list)
    extra_sheets: list[tuple[str, list[list]]] = field(default_factory=list)  # sheets before this one
    _since_total: list[int] = field(default_factory=list)
    _section: str | None = None
    _kind: str | None = None

    @property
    def width(self):
        return len(self.fields) + len(self.years)

    @property
    def year_columns(self):
        return list(range(len(self.fields), self.width))

    @property
    def start_years(self):
        return [year for _, year in self.years]

    def _add(self, cells, csv_cells=None):
        self.rows.append(cells)
        self.csv_rows.append(csv_cells if csv_cells is not None else ["" if c is None else str(c) for c in cells])
        return len(self.rows)

    # ------------------------------------------------ laying out

    def title(self, text):
        self._add([text])
        return self

    def blank(self):
        self._add([])
        return self

    def header(self):
        self.header_row = self._add([h for h, _ in self.fields] + [h for h, _ in self.years])
        return self

    def unit_row(self, text):
        self._add([None] * len(self.fields) + [text] * len(self.years))
        return self

    def section(self, text, kind=False):
        self._add([text])
        if kind:
            self._kind, self._section = text, None
        else:
            self._section = text
        return self

    def proposal(self, *texts, figures, as_text=None):
        """``texts`` by field column (numbers allowed: a reference 232); ``figures`` printed,
        one per year (None for an empty cell); ``as_text``: the xlsx cell holds these texts instead."""
        figures = [None if f is None else Decimal(str(f)) for f in figures]
        cells = list(texts) + [self._number(f) for f in figures]
        if as_text is not None:
            cells = list(texts) + list(as_text)
        csv_cells = ["" if t is None else str(t) for t in texts]
        csv_cells += list(as_text) if as_text is not None else [self._printed(f) for f in figures]
        number = self._add(cells, csv_cells)
        mapped = {name: "" if t is None else str(t) for (_, name), t in zip(self.fields, texts, strict=True) if name}
        self.expected_rows.append(ExpectedRow(number, mapped, dict(zip(self.start_years, figures, strict=True)),
                                              self._section, self._kind))
        self._since_total.append(number)
        return self

    def total(self, label, *, formula="SUM", covers=None, printed=None):
        """A total row over ``covers`` (rows; default: the proposals since the previous total),
        written as ``formula`` ("SUM", "SUBTOTAL", "PLUS", or None for typed figures) with
        ``printed`` figures instead of the sums when given (a total that does not add up)."""
        number = len(self.rows) + 1
        covers = list(self._since_total) if covers is None else list(covers)
        summed = self._rows_of(covers)
        sums = {year: sum((r.figures[year] or Decimal(0) for r in summed), Decimal(0)) for year in self.start_years}
        shown = dict(sums)
        if printed is not None:
            shown = {y: Decimal(str(p)) for y, p in zip(self.start_years, printed, strict=True)}
        cells = [label] + [None] * (len(self.fields) - 1)
        for column, year in zip(self.year_columns, self.start_years, strict=True):
            letter = get_column_letter(column + 1)
            if formula is None or printed is not None:
                cells.append(self._number(shown[year]))
            elif formula == "SUM":
                cells.append("=SUM(" + ",".join(f"{letter}{a}:{letter}{b}" for a, b in _runs(covers)) + ")")
            elif formula == "SUBTOTAL":
                cells.append("=SUBTOTAL(9," + ",".join(f"{letter}{a}:{letter}{b}" for a, b in _runs(covers)) + ")")
            else:
                cells.append("=" + "+".join(f"{letter}{r}" for r in covers))
        csv_cells = [label] + [""] * (len(self.fields) - 1) + [self._printed(shown[y]) for y in self.start_years]
        self._add(cells, csv_cells)
        direct = sorted({r.row for r in summed})
        self.expected_totals.append(ExpectedTotal(number, label, shown, direct, sums))
        self._since_total = []
        return self

    def _rows_of(self, covers):
        """The proposal rows ``covers`` names, a total standing for the rows it covers."""
        by_row = {r.row: r for r in self.expected_rows}
        totals = {t.row: t for t in self.expected_totals}
        out = {}
        for number in covers:
            if number in by_row:
                out[number] = by_row[number]
            elif number in totals:
                out.update({r: by_row[r] for r in totals[number].covers})
        return list(out.values())

    def _number(self, figure):
        if figure is None:
            return None
        return int(figure) if figure == figure.to_integral_value() else figure

    def _printed(self, figure):
        if figure is None:
            return ""
        if figure == 0:
            return "-"
        digits = f"{abs(figure):,}"
        if figure > 0:
            return digits
        return f"({digits})" if self.csv_style == "brackets" else f"\u2212{digits}"

    # ------------------------------------------------ writing out

    def xlsx(self):
        book = Workbook()
        first = book.active
        for name, rows in self.extra_sheets:
            sheet = book.create_sheet(name)
            for values in rows:
                sheet.append(values)
        book.remove(first)
        sheet = book.create_sheet(self.sheet)
        for number, values in enumerate(self.rows, start=1):
            sheet.append(values)
            if number > self.header_row:
                for column in self.year_columns:
                    sheet.cell(row=number, column=column + 1).number_format = self.number_format
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def csv(self):
        out = io.StringIO()
        writer = csv.writer(out)
        for values in self.csv_rows:
            writer.writerow(values)
        return out.getvalue().encode("utf-8")


def _runs(rows):
    """[5, 6, 7, 9] -> [(5, 7), (9, 9)]."""
    runs = []
    for row in sorted(rows):
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


# ---------------------------------------------------------------- the layouts


def thousands_under_titles():
    """Title rows naming £000 above the header; Ref | Proposal | Service | Outcome; section
    headings; sub-totals as SUM formulas and a grand total over them."""
    layout = Layout("thousands-under-titles", [("Ref", "reference"), ("Proposal", "title"),
                                               ("Service", "service_budget"), ("Outcome", "outcome")],
                    [("2024/25", 2024), ("2025/26", 2025), ("2026/27", 2026)], unit="thousands")
    layout.title("Anytown Borough Council").title("Budget proposals 2024/25 to 2026/27 (\u00a3000)").blank()
    layout.header()
    layout.section("Adults")
    layout.proposal("CHSC1", "Day care review", "Adult Social Care", "Outcome 1", figures=[-150, -300, -300])
    layout.proposal("CHSC2", "Home care demand", "Adult Social Care", "Outcome 1", figures=[1200, 2400, 3600])
    first = layout.total("Sub-total Adults")
    del first
    layout.section("Place")
    layout.proposal("PL1", "Parking charges", "Highways", "Outcome 3", figures=[-75, -75, None])
    layout.proposal("PL2", "Street lighting LED", "Highways", "Outcome 3", figures=[-20, -40, -60])
    layout.proposal("PL3", "Waste contract", "Waste", "Outcome 3", figures=[0, 10, 10])
    layout.total("Sub-total Place")
    subtotals = [t.row for t in layout.expected_totals]
    layout.total("Total", covers=subtotals)
    return layout


def quoted_thousands_in_headings():
    """"2024/25 £'000" headings, numbers as references, no outcome column, SUBTOTAL and
    "=D5+D6" totals, a Head of Service and an FTE column the import ignores."""
    layout = Layout("quoted-thousands-in-headings",
                    [("No.", "reference"), ("Savings proposal", "title"), ("Head of Service", None), ("FTE", None)],
                    [("2024/25 \u00a3'000", 2024), ("2025/26 \u00a3'000", 2025)], unit="thousands")
    layout.header()
    layout.proposal(232, "Libraries opening hours", "J. Smith", 2, figures=[-40, -80])
    layout.proposal(233, "Museum charges", "J. Smith", None, figures=[-15, -15])
    layout.proposal(240, "Grounds maintenance", "A. Patel", 1.5, figures=[-12, -24])
    layout.total("Subtotal", formula="SUBTOTAL")
    layout.proposal(241, "Pest control", "A. Patel", None, figures=[-5, -5])
    layout.proposal(242, "Allotments", "A. Patel", None, figures=[-3, -3])
    layout.total("Total Environment", formula="PLUS")
    return layout


def millions_with_a_total_that_does_not_add_up():
    """"2024-25 £m" headings, figures to three decimals, and a typed total £0.1m out."""
    layout = Layout("millions-total-out",
                    [("Reference", "reference"), ("Title", "title"), ("Description", "description")],
                    [("2024-25 \u00a3m", 2024), ("2025-26 \u00a3m", 2025)], unit="millions",
                    number_format=BRACKETS_3DP)
    layout.title("Medium Term Financial Strategy").blank().header()
    layout.proposal("R1", "Senior management review", "Fewer directors", figures=["-0.250", "-0.500"])
    layout.proposal("R2", "Adult demand", "Demographic growth", figures=["1.500", "3.000"])
    layout.total("Total", formula=None, printed=["1.350", "2.500"])
    return layout


def savings_printed_positive():
    """A savings schedule: the title says savings, every figure is positive, "24/25" headings,
    a kind column saying Saving, and the unit in the title as £k."""
    layout = Layout("savings-positive", [("Ref", "reference"), ("Saving", "title"), ("Type", "kind")],
                    [("24/25", 2024), ("25/26", 2025), ("26/27", 2026)], unit="thousands",
                    signs="savings-positive")
    layout.title("Savings proposals (\u00a3k)").header()
    layout.proposal("S1", "Office rationalisation", "Saving", figures=[100, 200, 200])
    layout.proposal("S2", "Fleet review", "Saving", figures=[50, 50, 0])
    layout.total("Total savings")
    return layout


def four_digit_years_in_pounds():
    """"2024/2025" and "2025 / 2026 £000"-style headings, here "2024/2025\n(£)": whole pounds."""
    layout = Layout("pounds-four-digit-years", [("Proposal ref", "reference"), ("Name", "title"),
                                                ("Details", "description")],
                    [("2024/2025\n(\u00a3)", 2024), ("2025 / 2026\n(\u00a3)", 2025)], unit="pounds")
    layout.title("Appendix C").header()
    layout.proposal("A-1", "Mileage rates", "Align with HMRC", figures=[-12500, -12500])
    layout.proposal("A-2", "Print room", "Close", figures=[-7400, None])
    layout.total("Grand total", formula=None)
    return layout


def spaced_four_digit_years_in_thousands():
    """"2024 / 2025 £000" headings."""
    layout = Layout("spaced-years-thousands", [("Ref.", "reference"), ("Title", "title")],
                    [("2024 / 2025 \u00a3000", 2024), ("2025 / 2026 \u00a3000", 2025)], unit="thousands")
    layout.header()
    layout.proposal("X1", "Energy contract", figures=[-30, -30])
    layout.proposal("X2", "Insurance", figures=[-10, -10])
    return layout


def unit_row_under_the_header():
    """A row of "£'000" under the year headings, and kind headings (Savings, Growth) as sections."""
    layout = Layout("unit-row-and-kinds",
                    [("Ref", "reference"), ("Description", "title"), ("Service area", "service_budget")],
                    [("2024/25", 2024), ("2025/26", 2025), ("2026/27", 2026)], unit="thousands")
    layout.title("Budget changes").blank().header().unit_row("\u00a3'000")
    layout.section("Savings", kind=True)
    layout.proposal("1", "Back office", "Corporate", figures=[-100, -100, -100])
    layout.proposal("2", "Procurement", "Corporate", figures=[-50, -50, -50])
    layout.section("Growth", kind=True)
    layout.proposal("3", "Social care demand", "Adults", figures=[500, 1000, 1500])
    return layout


def no_unit_anywhere():
    """Nothing says what the figures are in: the unit is left for the officer."""
    layout = Layout("no-unit", [("Ref", "reference"), ("Title", "title"), ("Theme", "theme"), ("Status", "status")],
                    [("2024/25", 2024), ("2025/26", 2025)], unit=None, csv_style="minus")
    layout.header()
    layout.proposal("N1", "Something", "Income generation", "Draft", figures=[-1, -2])
    layout.proposal("N2", "Something else", "Investment", "Proposed", figures=[3, 4])
    return layout


LAYOUTS: dict[str, Callable[[], Layout]] = {
    build().name: build for build in (
        thousands_under_titles, quoted_thousands_in_headings, millions_with_a_total_that_does_not_add_up,
        savings_printed_positive, four_digit_years_in_pounds, spaced_four_digit_years_in_thousands,
        unit_row_under_the_header, no_unit_anywhere,
    )
}
