"""Find a council's own proposals table in a spreadsheet's cells and read it (no database).

``read_table(tables, choices)`` takes what ``workbooks.uploads.read_upload`` returns and
gives a ``Table``: the sheet, the header row (below any title rows), the columns read as
fields (by their headings: "Ref", "Savings proposal", "Service area" …) and as years
("2024/25", "24/25", "2024 / 2025 £000" …), the unit, the sign convention and the basis,
each with the words that decided it, then the proposal rows, the section headings and
the total rows with what they cover. Each ``Choices`` field the officer set replaces
what would be detected, and the rest is worked out from it.

Everything here is one pass over the cells read (the upload already caps rows and
cells): headings are cut to a few hundred characters and matched without backtracking.
"""
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from proposals import years as fy
from workbooks.importing.figures import FigureError, parse_figure, unit_in
from workbooks.importing.formulas import Evaluator, FormulaError, Parsed, column_letter
from workbooks.importing.table import (
    FIELD_LABELS,
    FIELDS,
    Basis,
    Choices,
    Problem,
    RowTotal,
    Section,
    Signs,
    Table,
    TableRow,
    TotalRow,
    Unit,
    YearColumn,
)

MAX_COVERED = 200_000  # rows gathered by all the totals' formulas together (totals inside totals)
HEADER_SEARCH_ROWS = 40  # the header row is looked for in the first rows of a sheet
MAX_HEADING_CHARS = 200  # of a heading, matched; the rest is kept but not read
MAX_TEXT_CHARS = 10_000  # of a cell's text, kept

# Headings, as normalised (lower case, words only), for each field.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "reference": ("ref", "ref no", "ref number", "reference", "reference number", "reference no", "no",
                  "number", "proposal ref", "proposal reference", "proposal no", "proposal number", "saving ref",
                  "savings ref", "item no", "id"),
    "title": ("title", "proposal", "proposal title", "proposal name", "saving", "savings", "savings proposal",
              "saving proposal", "name", "proposal summary", "saving title", "item", "savings item"),
    "description": ("description", "detail", "details", "description of item", "proposal description",
                    "description of proposal", "description of saving", "summary", "narrative"),
    "service_budget": ("service", "service area", "service activity", "service budget", "budget", "service line",
                       "budget line", "budget area", "cost centre", "funding line"),
    "outcome": ("outcome", "priority", "corporate priority", "council priority", "strategic outcome",
                "outcome priority", "corporate outcome", "council plan outcome"),
    "theme": ("theme", "category", "savings theme", "group", "programme"),
    "kind": ("kind", "type", "saving or growth", "savings or growth", "growth or saving", "growth or savings",
             "proposal type", "type of proposal", "saving type", "savings type"),
    "status": ("status", "proposal status", "stage"),
}
_HEADING_FIELD = {synonym: name for name, synonyms in SYNONYMS.items() for synonym in synonyms}
# Words that may stand beside a year in a year column's heading ("2024/25 Saving £000").
YEAR_HEADING_WORDS = frozenset({
    "saving", "savings", "variation", "variations", "change", "proposed", "proposal", "growth", "impact",
    "net", "fy", "year", "financial", "effect", "reduction", "reductions", "efficiency", "efficiencies",
    "pressure", "pressures", "investment", "income", "amount", "value", "estimated", "estimate", "target",
    "draft", "in", "of", "k", "cost", "costs", "figure", "figures", "mtfs", "cumulative", "incremental",
    "increment", "movement",
})
# A section heading naming a kind of proposal, normalised.
KIND_WORDS = frozenset({
    "saving", "savings", "efficiency", "efficiencies", "efficiency savings", "revenue savings", "savings proposals",
    "growth", "growth proposals", "service growth", "income", "additional income", "income generation",
    "fees and charges", "pressures", "pressure", "service pressures", "cost pressures", "demand pressures",
    "investment", "investments", "revenue investment", "capital", "reversals", "one off reversals",
    "service reductions", "reductions", "growth and pressures", "pressures and growth", "new savings",
    "new growth", "income proposals",
})
_TOTAL_LABEL = re.compile(r"^(total|sub total|subtotal|grand total|net total|overall total)\b")
_SUBTOTAL_LABEL = re.compile(r"^(sub total|subtotal)\b")
_GRAND_LABEL = re.compile(r"^(grand total|overall total|net total)\b")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
SAVING_WORDS = ("saving", "efficienc")
BASIS_WORDS = (
    ("cumulative", Basis.CUMULATIVE.value), ("variation to base", Basis.CUMULATIVE.value),
    ("against the base", Basis.CUMULATIVE.value), ("incremental", Basis.INCREMENTAL.value),
    ("year on year", Basis.INCREMENTAL.value), ("change on previous year", Basis.INCREMENTAL.value),
    ("change on the previous year", Basis.INCREMENTAL.value), ("in year change", Basis.INCREMENTAL.value),
)


class NoTable(Exception):
    """No sheet holds a proposals table (or not where the officer said); the message says
    what was looked for and what was found instead."""


class BadChoice(ValueError):
    """A choice that cannot apply to this file (a sheet it does not have, a field twice)."""


# ---------------------------------------------------------------- text and headings


def cell_text(value: object) -> str:
    """A cell as the text it shows: 232 -> "232" (not "232.0"), stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()[:MAX_TEXT_CHARS]


def normalise(text: str) -> str:
    """ "Proposal\nRef." -> "proposal ref": lower case, words only, digits-only words dropped."""
    words = _NOT_WORD.split(text[:MAX_HEADING_CHARS].lower().replace("\u2019", "'").replace("'", ""))
    return " ".join(word for word in words if word and not word.isdigit())


def field_of_heading(heading: str) -> str | None:
    """The field a heading names ("Proposal Ref." -> "reference"), or None."""
    words = normalise(heading)
    if not words:
        return None
    if words in _HEADING_FIELD:
        return _HEADING_FIELD[words]
    before, of, _ = words.partition(" of ")
    if of and before in _HEADING_FIELD and _HEADING_FIELD[before] == "description":
        return "description"
    return None


@dataclass(frozen=True)
class _YearHeading:
    start_year: int
    extra_words: tuple[str, ...]  # other words beside the year and the unit

    @property
    def is_year(self) -> bool:
        return all(word in YEAR_HEADING_WORDS for word in self.extra_words)


def year_of_heading(heading: str) -> _YearHeading | None:
    """The year a heading names, with the words beside it; ``is_year`` when it heads a year's figures."""
    found = fy.find_in_heading(heading[:MAX_HEADING_CHARS])
    if found is None:
        return None
    start, rest = found
    unit = unit_in(rest)
    if unit is not None:
        rest = rest.replace(unit[1], " ", 1)
    return _YearHeading(start, tuple(normalise(rest).split()))


# ---------------------------------------------------------------- the header


@dataclass
class _Header:
    row: int  # the header's (last) row
    headings: list[str]
    fields: dict[int, str]
    years: list[YearColumn]
    ignored: list[int]
    first_row: int = 0  # the row its headings start on, when they run over two rows

    @property
    def top(self) -> int:
        return self.first_row or self.row


def _read_headings(values: Sequence[object]) -> tuple[dict[int, str], list[YearColumn], list[int]]:
    fields: dict[int, str] = {}
    years: list[YearColumn] = []
    ignored: list[int] = []
    seen_years: set[int] = set()
    for column, value in enumerate(values):
        heading = cell_text(value)
        if not heading:
            continue
        year = year_of_heading(heading)
        if year is not None and year.is_year and year.start_year not in seen_years:
            seen_years.add(year.start_year)
            years.append(YearColumn(column=column, heading=heading, start_year=year.start_year))
            continue
        name = field_of_heading(heading)
        if name is not None and name not in fields.values():
            fields[column] = name
        else:
            ignored.append(column)
    return fields, years, ignored


def _header_at(number: int, values: Sequence[object]) -> _Header:
    fields, years, ignored = _read_headings(values)
    return _Header(number, [cell_text(v) for v in values], fields, years, ignored)


def _two_rows(upper: tuple[int, list], lower: tuple[int, list]) -> _Header:
    """Headings that run over two rows ("2024/25" over "£000", or the years over the
    field headings' row), read as one: each column's two cells joined."""
    width = max(len(upper[1]), len(lower[1]))
    joined = [" \n".join(t for t in (cell_text(upper[1][c]) if c < len(upper[1]) else "",
                                     cell_text(lower[1][c]) if c < len(lower[1]) else "") if t)
              for c in range(width)]
    header = _header_at(lower[0], joined)
    header.first_row = upper[0]
    return header


def _find_header(rows: list[tuple[int, list]], chosen: int | None) -> tuple[_Header | None, str]:
    """The header row (the chosen one, or the first of the first rows with the most
    year and field headings; headings over two rows when one row has the years and the
    next the fields, or the other way round), or None and why not."""
    if chosen is not None:
        for index, (number, values) in enumerate(rows):
            if number == chosen:
                header = _header_at(number, values)
                if not (header.years and header.fields) and index > 0:
                    joined = _two_rows(rows[index - 1], rows[index])
                    if joined.years and joined.fields:
                        return joined, ""
                return header, ""
        return None, f"it has no row {chosen}"
    best: _Header | None = None
    best_score = 0
    near_miss: tuple[int, list[str]] | None = None
    searched = rows[:HEADER_SEARCH_ROWS]
    for index, (number, values) in enumerate(searched):
        header = _header_at(number, values)
        if not (header.years and header.fields) and index + 1 < len(searched) and (header.years or header.fields):
            following = _header_at(*searched[index + 1])
            joined = _two_rows(searched[index], searched[index + 1])
            if joined.years and joined.fields and not (following.years and following.fields):
                header = joined
        if header.years and header.fields:
            score = len(header.years) * 2 + len(header.fields)
            if score > best_score:
                best, best_score = header, score
        elif near_miss is None:
            dated = [cell_text(v) for v in values if (y := year_of_heading(cell_text(v))) is not None and not y.is_year]
            if dated:
                near_miss = (number, [cell_text(v) for v in values if cell_text(v)])
    if best is not None:
        return best, ""
    if near_miss is not None:
        number, headings = near_miss
        shown = ", ".join(f"\u201c{_one_line(h)}\u201d" for h in headings[:9])
        return None, (
            f"row {number} has headings ({shown}) but none of them heads a year's figures: they name a year "
            "with other words (such as a base budget or an original budget), so its columns look like the "
            "steps of a budget's build-up, not the years of a plan of proposals"
        )
    return None, (f"none of its first {HEADER_SEARCH_ROWS} rows has year headings (such as 2024/25, 2024-25, "
                  "24/25 or 2024/2025) beside a reference, title or description heading")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:80]


def _apply_column_choices(header: _Header, chosen: dict[int, str]) -> None:
    """The officer's mapping over the detected one: a field, a year label, or "" to ignore."""
    fields = {c: f for c, f in header.fields.items() if c not in chosen}
    years = [y for y in header.years if y.column not in chosen]
    for column, target in sorted(chosen.items()):
        heading = header.headings[column] if column < len(header.headings) else ""
        if target == "":
            continue
        if target in FIELDS:
            fields[column] = target
            continue
        try:
            start = fy.parse_label(target)
        except fy.YearError:
            raise BadChoice(f"Column {column_letter(column)}: \u201c{target}\u201d is neither a field ("
                            + ", ".join(FIELDS) + ") nor a financial year such as 2024/25.") from None
        years.append(YearColumn(column=column, heading=heading or fy.label(start), start_year=start))
    for name in set(fields.values()):
        columns = [column_letter(c) for c, f in fields.items() if f == name]
        if len(columns) > 1:
            raise BadChoice(f"Columns {' and '.join(columns)} are both read as {FIELD_LABELS[name]}; choose one.")
    starts = [y.start_year for y in years]
    for start in set(starts):
        if starts.count(start) > 1:
            columns = [column_letter(y.column) for y in years if y.start_year == start]
            raise BadChoice(f"Columns {' and '.join(columns)} are both read as {fy.label(start)}; choose one.")
    header.fields = dict(sorted(fields.items()))
    header.years = sorted(years, key=lambda y: y.column)
    used = set(header.fields) | {y.column for y in header.years}
    header.ignored = [c for c, h in enumerate(header.headings) if h and c not in used]


# ---------------------------------------------------------------- reading the rows


@dataclass
class _Read:
    """A row as read, before the totals are worked out."""

    row: int
    texts: dict[int, str]
    figures: dict[int, Decimal | None]
    formulas: dict[int, Parsed]
    label: str


class _Sheet:
    """One sheet's cells, with its formulas worked out on demand."""

    def __init__(self, name: str, rows: list[tuple[int, list]]):
        self.name = name
        self.rows = rows
        cells: dict[tuple[int, int], object] = {}
        last_column = 0
        for number, values in rows:
            for column, value in enumerate(values):
                if value is not None and value != "":
                    cells[(number, column)] = value
                    last_column = max(last_column, column)
        last_row = rows[-1][0] if rows else 0
        self.evaluator = Evaluator(cells, last_row, last_column, parse_figure)


def _where(header: _Header, column: int) -> str:
    heading = header.headings[column] if column < len(header.headings) else ""
    return f"{column_letter(column)} ({_one_line(heading)})" if heading else column_letter(column)


def _is_total_formula(parsed: Parsed, row: int, column: int) -> bool:
    """A SUM or SUBTOTAL of other rows of the column, or an addition of cells from two or more."""
    others = {r for first, last in parsed.rows_in(column) for r in range(first, min(last, first + 2) + 1) if r != row}
    return len(others) >= (1 if parsed.sums else 2)


NOTHING_CHOSEN = Choices()


def read_table(tables: Sequence, choices: Choices = NOTHING_CHOSEN) -> Table:
    """The proposals table of the first sheet that has one (or of the chosen sheet), read
    with ``choices`` over what is detected. Raises NoTable, or BadChoice for a choice that
    cannot apply."""
    _check_choices(choices)
    sheets = [table.name for table in tables]
    if choices.sheet is not None:
        candidates = [table for table in tables if table.name == choices.sheet]
        if not candidates:
            raise BadChoice(f"The file has no sheet \u201c{choices.sheet}\u201d; its sheets are "
                            + ", ".join(f"\u201c{name}\u201d" for name in sheets) + ".")
    else:
        candidates = list(tables)
    reasons = []
    for table in candidates:
        header, reason = _find_header(table.rows, choices.header_row)
        if header is not None and choices.columns:
            _apply_column_choices(header, choices.columns)
        if header is not None and not header.years:
            reason = f"its row {header.row} has no column read as a year"
            header = None
        if header is None:
            reasons.append(f"Sheet \u2018{table.name}\u2019: {reason}.")
            continue
        return _read(_Sheet(table.name, table.rows), header, choices, sheets)
    looked_for = ("Looked for a header row with a column for each financial year (headed like 2024/25, "
                  "2024-25, 24/25 or 2024/2025, with or without a unit such as \u00a3000) and a column for "
                  "the reference, title or description.")
    raise NoTable(" ".join(["No proposals table was found.", looked_for, *reasons]) if reasons
                  else "The file has no sheets.")


def _check_choices(choices: Choices) -> None:
    for value, kind, what in ((choices.unit, Unit, "unit"), (choices.signs, Signs, "sign convention"),
                              (choices.basis, Basis, "basis")):
        if value is not None and value not in kind.values:
            raise BadChoice(f"\u201c{value}\u201d is not a {what}; choose one of: {', '.join(kind.values)}.")


def _read(sheet: _Sheet, header: _Header, choices: Choices, sheets: list[str]) -> Table:
    above = [(n, v) for n, v in sheet.rows if n < header.top]
    title_rows, top_sections = _above_header(above, header.top)
    year_columns = {y.column: y.start_year for y in header.years}
    unit_row = _unit_row(sheet.rows, header)
    table = Table(
        sheet=sheet.name, sheets=sheets, header_row=header.row, headings=header.headings,
        columns=dict(header.fields), years=header.years, unit=None, unit_source="",
        signs=Signs.VARIATIONS.value, signs_source="", title_rows=title_rows, ignored_columns=header.ignored,
        unit_row=unit_row[0] if unit_row else None,
    )
    if not choices.columns and "title" not in header.fields.values() and "description" in header.fields.values():
        column = table.column_of("description")
        assert column is not None
        table.columns[column] = "title"
        table.notes.append(f"No column is headed as a title, so column {_where(header, column)} is read as "
                           "each proposal\u2019s title.")
    if header.first_row:
        table.notes.append(f"The headings run over rows {header.first_row} and {header.row}; they are read "
                           "as one header.")
    table.total_column = _total_column(header)
    header_key = _row_key(header.headings)
    events: list[object] = []  # TableRow, Section or TotalRow in row order
    section_text, kind_word = None, None
    for number, text in top_sections:
        section = _section(number, text)
        table.sections.append(section)
        section_text, kind_word = _next_heading(section, section_text, kind_word)
    totals_by_row: dict[int, tuple[_Read, TotalRow]] = {}
    rows_by_number: dict[int, TableRow] = {}
    for number, values in sheet.rows:
        if number <= header.row or (unit_row and number == unit_row[0]):
            continue
        if _row_key(values) == header_key:
            continue  # the header printed again (a page break)
        read = _read_row(sheet, header, number, values, table.problems)
        if read is None:
            continue
        unlabelled = not read.label and any(value is not None for value in read.figures.values())
        is_total = unlabelled or bool(_TOTAL_LABEL.match(normalise(read.label))) or any(
            _is_total_formula(parsed, number, column) for column, parsed in read.formulas.items()
        )
        if unlabelled:
            table.notes.append(f"Row {number} has figures and no words beside them, so it is read as a total.")
        if is_total:
            total = TotalRow(row=number, label=read.label, printed=read.figures, covers=[], sums={})
            totals_by_row[number] = (read, total)
            table.totals.append(total)
            events.append(total)
            continue
        if all(value is None for value in read.figures.values()) and not _figure_text(read, year_columns):
            distinct = {text for text in read.texts.values() if text}
            if len(distinct) == 1:
                section = _section(number, distinct.pop())
                table.sections.append(section)
                events.append(section)
                section_text, kind_word = _next_heading(section, section_text, kind_word)
                continue
        cells = {name: read.texts.get(column, "") for column, name in table.columns.items()}
        row = TableRow(row=number, cells=cells, figures=read.figures, section=section_text, kind_word=kind_word)
        table.rows.append(row)
        rows_by_number[number] = row
        events.append(row)
    _drop_trailing_sections(table, events)
    _cover(table, events, totals_by_row, rows_by_number, year_columns)
    _unit(table, header, unit_row, title_rows, choices)
    _unit_sense(table)
    _signs(table, choices)
    hint = _row_totals(sheet, table, header)
    _basis(table, choices, hint)
    return table


def _row_key(values: Sequence[object]) -> tuple[str, ...]:
    return tuple(word for word in (normalise(cell_text(v)) for v in values) if word)


def _figure_text(read: _Read, year_columns: dict[int, int]) -> bool:
    return any(read.texts.get(column) for column in year_columns)


def _read_row(sheet: _Sheet, header: _Header, number: int, values: list, problems: list[Problem]) -> _Read | None:
    texts = {column: cell_text(value) for column, value in enumerate(values) if value is not None and value != ""}
    texts = {column: text for column, text in texts.items() if text}
    if not texts:
        return None
    figures: dict[int, Decimal | None] = {}
    formulas: dict[int, Parsed] = {}
    year_columns = {y.column: y.start_year for y in header.years}
    for column, start in year_columns.items():
        try:
            parsed = sheet.evaluator.formula(number, column)
            if parsed is not None:
                formulas[column] = parsed
            figures[start] = sheet.evaluator.value_of(number, column)
        except FormulaError as error:
            figures[start] = None
            problems.append(Problem(sheet.name, number, _where(header, column),
                                    f"the formula \u201c{texts.get(column, '')[:60]}\u201d cannot be read: {error}. "
                                    "Type the figure itself."))
        except FigureError as error:
            figures[start] = None
            if _only_a_unit(texts.get(column, "")):
                del texts[column]  # "£'000" repeated under a section heading: no figure, nothing wrong
                continue
            problems.append(Problem(sheet.name, number, _where(header, column), str(error)))
    label = next((text for column, text in sorted(texts.items()) if column not in year_columns), "")
    return _Read(row=number, texts=texts, figures=figures, formulas=formulas, label=label)


def _only_a_unit(text: str) -> bool:
    found = unit_in(text)
    return found is not None and not normalise(text.replace(found[1], " ", 1))


def _above_header(rows: list[tuple[int, list]], header_row: int) -> tuple[list[str], list[tuple[int, str]]]:
    """The title rows' text, and a section heading directly above the header after a blank
    row (Walsall's "Children's Services" over its header)."""
    texts: list[tuple[int, str]] = []
    for number, values in rows:
        parts = [cell_text(v) for v in values if cell_text(v)]
        if parts:
            texts.append((number, " ".join(parts)))
    sections: list[tuple[int, str]] = []
    if len(texts) >= 2:
        number, text = texts[-1]
        previous = texts[-2][0]
        values = next(v for n, v in rows if n == number)
        single = sum(1 for v in values if cell_text(v)) == 1
        if single and number - previous > 1 and number == header_row - 1 and _could_be_section(text):
            sections.append((number, text))
            texts.pop()
    return [text for _, text in texts], sections


def _could_be_section(text: str) -> bool:
    words = normalise(text)
    return (len(text) <= 80 and fy.find_in_heading(text) is None and unit_in(text) is None
            and not any(w in words.split() for w in ("appendix", "summary", "schedule", "proposals", "budget")))


def _unit_row(rows: list[tuple[int, list]], header: _Header) -> tuple[int, str, str] | None:
    """A row of units directly under the header ("£'000" under each year): (row, unit, text).
    Its year cells name one unit (or are empty), its field columns are empty, and none of
    its cells is a figure."""
    values = next((v for n, v in rows if n == header.row + 1), None)
    if values is None:
        return None
    found = []
    year_columns = {y.column for y in header.years}
    for column, value in enumerate(values):
        text = cell_text(value)
        if not text:
            continue
        unit = unit_in(text)
        if column in year_columns:
            if unit is None:
                return None
            found.append(unit)
        elif column in header.fields:
            return None  # words under the reference or title: a row of the table
        elif unit is None:
            try:
                if parse_figure(value) is not None:
                    return None
            except FigureError:
                pass
    if not found or len({unit for unit, _ in found}) > 1:
        return None
    return header.row + 1, found[0][0], found[0][1]


def _section(row: int, text: str) -> Section:
    words = normalise(text)
    for suffix in (" proposals", " items", " options"):
        if words.endswith(suffix) and words[: -len(suffix)] in KIND_WORDS:
            words = words[: -len(suffix)]
    return Section(row=row, text=text, kind_word=text if words in KIND_WORDS else None)


def _next_heading(section: Section, text: str | None, kind: str | None) -> tuple[str | None, str | None]:
    """After a kind heading ("Savings") rows take that kind and no theme; after a theme
    heading, that theme and the kind still in force."""
    if section.kind_word is not None:
        return None, section.kind_word
    return section.text, kind


def _drop_trailing_sections(table: Table, events: list[object]) -> None:
    """Text after the last row of the table (notes, sources) heads nothing."""
    trailing = 0
    while trailing < len(events) and isinstance(events[-1 - trailing], Section):
        trailing += 1
    if trailing:
        del events[-trailing:]
        del table.sections[-trailing:]


# ---------------------------------------------------------------- totals


def _cover(table: Table, events: list[object], totals_by_row: dict[int, tuple[_Read, TotalRow]],
           rows_by_number: dict[int, TableRow], year_columns: dict[int, int]) -> None:
    """Each total's rows: those its formulas add (a total inside counts as the rows it
    covers), or for typed figures the proposal rows since the previous total, or the
    section's start for a sub-total, or, directly after other totals, all theirs."""
    proposal_rows = sorted(rows_by_number)
    total_rows = sorted(totals_by_row)
    covers: dict[int, list[int]] = {}
    work = [0]  # rows gathered in all, against MAX_COVERED

    def formula_cover(number: int) -> list[int] | None:
        """The rows a total's formulas add, a total above it standing for the rows it covers."""
        read, _ = totals_by_row[number]
        if not read.formulas:
            return None
        found: set[int] = set()
        for column, parsed in read.formulas.items():
            for first, last in parsed.rows_in(column):
                low, high = bisect_left(total_rows, first), bisect_right(total_rows, last)
                rows = proposal_rows[bisect_left(proposal_rows, first):bisect_right(proposal_rows, last)]
                work[0] += len(rows) + high - low
                inner = [] if work[0] > MAX_COVERED else [
                    covers.get(t, []) for t in total_rows[low:high] if t != number]
                work[0] += sum(len(c) for c in inner)
                if work[0] > MAX_COVERED:
                    table.problems.append(Problem(table.sheet, number, "", (
                        f"its formulas add up, through totals inside totals, more than {MAX_COVERED:,} rows in all, "
                        "more than the portal follows; its rows are not checked")))
                    return []
                found.update(rows)
                for cover in inner:
                    found.update(cover)
        return sorted(found)

    since_total: list[int] = []  # proposal rows since the previous total
    since_section: list[int] = []
    grand_start = 0  # index into proposal_rows after the last grand total
    previous_was_total = False
    for event in events:
        if isinstance(event, TableRow):
            since_total.append(event.row)
            since_section.append(event.row)
            previous_was_total = False
        elif isinstance(event, Section):
            since_section = []
        elif isinstance(event, TotalRow):
            number = event.row
            cover = formula_cover(number)
            if cover is None:
                words = normalise(event.label)
                if (previous_was_total and not since_total) or _GRAND_LABEL.match(words):
                    cover = [r for r in proposal_rows[grand_start:] if r < number]
                    grand_start = bisect_right(proposal_rows, number)
                elif _SUBTOTAL_LABEL.match(words) and since_section:
                    cover = list(since_section)
                else:
                    cover = list(since_total)
            covers[number] = cover
            event.covers = cover
            since_total = []
            since_section = []
            previous_was_total = True
    for total in table.totals:
        sums = {start: Decimal(0) for start in year_columns.values()}
        for number in total.covers:
            for start, value in rows_by_number[number].figures.items():
                if value is not None:
                    sums[start] += value
        total.sums = sums


# ---------------------------------------------------------------- unit, signs, basis


def _unit(table: Table, header: _Header, unit_row: tuple[int, str, str] | None, title_rows: list[str],
          choices: Choices) -> None:
    """The unit from the year headings, else the unit row, else the other headings, else
    the title rows; None when nothing names one (the officer chooses)."""
    year_units = [(found, y.heading) for y in header.years if (found := unit_in(y.heading)) is not None]
    sources: list[tuple[str, str]] = [
        (found[0], f"the heading \u201c{_one_line(heading)}\u201d") for found, heading in year_units[:1]]
    if unit_row is not None:
        sources.append((unit_row[1], f"\u201c{unit_row[2]}\u201d in the row under the headings (row {unit_row[0]})"))
    for column in header.ignored:
        found = unit_in(header.headings[column])
        if found is not None:
            sources.append((found[0], f"the heading \u201c{_one_line(header.headings[column])}\u201d"))
            break
    for text in title_rows:
        found = unit_in(text)
        if found is not None:
            sources.append((found[0], f"\u201c{found[1]}\u201d in the title \u201c{_one_line(text)}\u201d"))
            break
    if len({found[0] for found, _ in year_units}) > 1:
        table.problems.append(Problem(table.sheet, header.row, "", "the year headings name different units ("
                                      + ", ".join(sorted({f[1] for f, _ in year_units}))
                                      + "); choose the unit the figures are in."))
    if choices.unit is not None:
        table.unit, table.unit_source = choices.unit, "chosen"
    elif sources:
        table.unit, table.unit_source = sources[0]
    if table.unit is not None:
        for unit, source in sources:
            if unit != table.unit:
                table.notes.append(f"{source[0].upper()}{source[1:]} names another unit, {Unit(unit).label}.")


def _unit_sense(table: Table) -> None:
    """Figures whose size suggests another unit than the one read: the first of each kind."""
    if table.unit is None:
        return
    label = Unit(table.unit).label
    figures = [(row, start, value) for row in table.rows for start, value in row.figures.items() if value]
    if table.unit == Unit.MILLIONS:
        large = next(((r, s, v) for r, s, v in figures if abs(v) >= 1000), None)
        if large:
            table.unit_warnings.append(f"Read as {label}, row {large[0].row}\u2019s {large[2]:,} for "
                                       f"{fy.label(large[1])} is \u00a3{abs(large[2]) / 1000:,.1f}bn: are the "
                                       "figures in \u00a3000 or \u00a3?")
        return
    fractional = next(((r, s, v) for r, s, v in figures if v != v.to_integral_value()), None)
    if fractional and all(abs(v) < 100 for _, _, v in figures):
        table.unit_warnings.append(f"Read as {label}, the figures are all under 100 and row {fractional[0].row} "
                                   f"has {fractional[2]} for {fy.label(fractional[1])}, as \u00a3m figures are: "
                                   "are they in \u00a3m?")
    if table.unit == Unit.THOUSANDS:
        large = next(((r, s, v) for r, s, v in figures if abs(v) >= 1_000_000), None)
        if large:
            table.unit_warnings.append(f"Read as {label}, row {large[0].row}\u2019s {large[2]:,} for "
                                       f"{fy.label(large[1])} is over \u00a31bn: are the figures in \u00a3?")


def _says_savings(texts: Iterable[str]) -> str | None:
    for text in texts:
        lowered = text.lower()
        if any(word in lowered for word in SAVING_WORDS):
            return text
    return None


def _signs(table: Table, choices: Choices) -> None:
    if choices.signs is not None:
        table.signs, table.signs_source = choices.signs, "chosen"
        return
    negative = next(((row, start, value) for row in table.rows for start, value in row.figures.items()
                     if value is not None and value < 0), None)
    if negative is not None:
        row, start, value = negative
        table.signs = Signs.VARIATIONS.value
        table.signs_source = (f"figures are printed as negatives (row {row.row}, {fy.label(start)}: "
                              f"{value}), so + is a cost and \u2212 a saving")
        return
    positive = any(value for row in table.rows for value in row.figures.values() if value)
    kind_column = table.column_of("kind")
    said = None
    if positive:
        said_title = _says_savings(table.title_rows)
        said_section = _says_savings([s.text for s in table.sections])
        said_kind = None if kind_column is None else _says_savings([row.cells.get("kind", "") for row in table.rows])
        if said_title:
            said = f"the title \u201c{_one_line(said_title)}\u201d says savings"
        elif said_section:
            said = f"the heading \u201c{_one_line(said_section)}\u201d says savings"
        elif said_kind:
            said = f"the kind column says \u201c{said_kind}\u201d"
    if said:
        table.signs = Signs.SAVINGS_POSITIVE.value
        table.signs_source = f"{said} and no figure is negative, so savings are shown as positive numbers"
    else:
        table.signs = Signs.VARIATIONS.value
        table.signs_source = ("no figure is negative and nothing on the sheet says they are savings, so they are "
                              "read as variations: + cost, \u2212 saving" if positive else
                              "no figure says otherwise, so they are read as variations: + cost, \u2212 saving")


def _total_column(header: _Header) -> int | None:
    for column in header.ignored:
        heading = header.headings[column]
        if normalise(heading).split()[:1] == ["total"] and year_of_heading(heading) is None:
            return column
    return None


def _row_totals(sheet: _Sheet, table: Table, header: _Header) -> tuple[str, str] | None:
    """Each row's printed Total column against its years: kept when it adds the years on
    most rows (then it says the figures are each year's change), or named when it is the
    final year's (the full-year effect, so the figures are against the base year)."""
    column = table.total_column
    if column is None:
        return None
    checks: list[tuple[TableRow, Decimal, Decimal, Decimal | None]] = []
    for row in table.rows:
        try:
            printed = sheet.evaluator.value_of(row.row, column)
        except (FormulaError, FigureError):
            continue
        figures = [row.figures.get(y.start_year) for y in table.years]
        if printed is None or all(f is None for f in figures):
            continue
        checks.append((row, printed, sum((f for f in figures if f is not None), Decimal(0)), figures[-1]))
    if not checks:
        return None
    adds = sum(1 for _, printed, total, _ in checks if printed == total)
    final = sum(1 for _, printed, _, last in checks if last is not None and printed == last)
    heading = _one_line(header.headings[column])
    if adds * 2 > len(checks) and adds >= final:
        table.row_totals = [
            RowTotal(row=row.row, reference=row.cells.get("reference") or row.cells.get("title", ""),
                     printed=printed, sum=total)
            for row, printed, total, _ in checks
        ]
        table.notes.append(f"The \u201c{heading}\u201d column adds up each row\u2019s years on {adds} of "
                           f"{len(checks)} rows.")
        return (Basis.INCREMENTAL.value,
                f"the \u201c{heading}\u201d column is the sum of the years on {adds} of {len(checks)} "
                "rows, which suggests each year's figure is that year's change on the year before")
    elif final * 2 > len(checks):
        table.notes.append(f"The \u201c{heading}\u201d column is each row\u2019s final year on {final} of "
                           f"{len(checks)} rows (the full-year effect).")
        return (Basis.CUMULATIVE.value,
                f"the \u201c{heading}\u201d column is the final year on {final} of {len(checks)} rows "
                "(the full-year effect), which suggests each year's figure is against the base year")
    return None


def _basis(table: Table, choices: Choices, hint: tuple[str, str] | None) -> None:
    if choices.basis is not None:
        table.basis, table.basis_source = choices.basis, "chosen"
        return
    for text in [*table.title_rows, *table.headings]:
        words = normalise(text)
        for phrase, basis in BASIS_WORDS:
            if phrase in words:
                table.basis = basis
                table.basis_source = f"\u201c{_one_line(text)}\u201d says {phrase}"
                return
    if hint is not None:
        table.basis, table.basis_source = hint
        return
    table.basis = Basis.CUMULATIVE.value
    table.basis_source = ("nothing on the sheet says, so each year's figure is read as the portal reads it, a "
                          "variation to the base year; choose incremental if each is the change on the year before")
