"""A council's own sheet -> proposals: a detected ``Table``, the officer's choices and the
plan -> a ``Preview`` (nothing written).

Each proposal row is a proposal with one impact line. Its printed figures are read
through the sheet's sign convention (savings printed as positive become negative
variations; pressures and growth stay positive), its basis (incremental figures are
added up year by year: the portal keeps cumulative variations to the base year) and its
unit (``proposals.money.k_from_unit``: £m and £000 exactly, whole pounds rounded to the
nearest £1k, each rounding listed). Kinds come from a kind column or the section above
the row, through the council's own words (chosen on the mapping page, remembered from
its last import, or the portal's defaults). Outcomes, themes and service budgets are
matched by code or name, case-insensitively; with "create what is missing" (council
administrators only) the missing ones are listed and created on confirmation. Proposals
already in the plan are matched by reference, so re-importing the same file changes
nothing.
"""
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl.utils import get_column_letter

from proposals import years as fy
from proposals.models import BudgetPlan, Kind, Proposal
from proposals.money import THOUSANDS, MoneyError, format_in, k_from_unit
from proposals.money import unit_label as money_unit_label
from proposals.permissions import can_manage_structure
from proposals.references import display_reference, parse_reference

from ..models import KindWord
from .preview import (
    Lookups,
    Planned,
    Preview,
    Reconciliation,
    ToCreate,
    describe_fields,
    describe_lines,
    describe_new,
    plan_data,
)
from .table import Basis, Problem, Signs, Table, TableRow, TotalRow, Unit

TITLE_LENGTH = 300
SAVING_KINDS = (Kind.REVENUE_SAVINGS, Kind.INCOME_GENERATION)
ROUNDED_SHOWN = 200  # rounded figures listed one by one; past that, counted

# The words councils use for kinds, unless the council's own words say otherwise.
DEFAULT_KIND_WORDS = {
    "saving": Kind.REVENUE_SAVINGS, "savings": Kind.REVENUE_SAVINGS, "efficiency": Kind.REVENUE_SAVINGS,
    "efficiencies": Kind.REVENUE_SAVINGS, "efficiency saving": Kind.REVENUE_SAVINGS,
    "efficiency savings": Kind.REVENUE_SAVINGS, "service reduction": Kind.REVENUE_SAVINGS,
    "service reductions": Kind.REVENUE_SAVINGS, "growth": Kind.PRESSURE, "pressure": Kind.PRESSURE,
    "pressures": Kind.PRESSURE, "cost pressure": Kind.PRESSURE, "cost pressures": Kind.PRESSURE,
    "income": Kind.INCOME_GENERATION, "additional income": Kind.INCOME_GENERATION,
    "investment": Kind.REVENUE_INVESTMENT, "investments": Kind.REVENUE_INVESTMENT, "capital": Kind.CAPITAL,
    "reversal": Kind.ONE_OFF_REVERSAL, "one-off reversal": Kind.ONE_OFF_REVERSAL,
}
for _kind in Kind:
    DEFAULT_KIND_WORDS.setdefault(_kind.value.replace("_", " "), _kind)
    DEFAULT_KIND_WORDS.setdefault(_kind.label.casefold(), _kind)


NO_TABLE = (
    "No sheet in this file has the proposal columns: neither the portal's own (a header row with Reference, Title, "
    "Kind, Outcome, Theme, Service budget, the plan's years, Proposal id and Version) nor a council's own table "
    "(a header row with a reference, title or description and year columns such as 2024/25). Start from an "
    "exported workbook or the flat CSV, or from your own table of proposals."
)


def normal_word(text: str) -> str:
    """A kind word as it is matched and remembered: case-folded, spaces collapsed."""
    return " ".join(text.split()).casefold()[:100]


@dataclass(frozen=True)
class Options:
    """What the officer chose beyond the table's layout (``table.Choices``)."""

    outcome: str = ""  # one outcome (code or name) for every row without an outcome column
    kind: str = ""  # one kind (a Kind value or a word for one) for rows with none
    service_budget: str = ""  # one service budget for every row without a service budget column
    kind_words: dict[str, str] = field(default_factory=dict)  # {normal_word: Kind value}, chosen now
    create_missing: bool = False


def kind_words_of(council_id: int) -> dict[str, str]:
    """The council's remembered words for kinds, {normal word: Kind value}."""
    return dict(KindWord.objects.filter(council_id=council_id).values_list("word", "kind"))


def words_in(table: Table) -> list[str]:
    """The words for kinds the sheet uses (its kind column's values and its kind
    sections), normalised, in the order they first appear."""
    seen: dict[str, None] = {}
    for row in table.rows:
        for text in (row.cells.get("kind", ""), row.kind_word or ""):
            if text.strip():
                seen.setdefault(normal_word(text), None)
    return list(seen)


def kind_of_word(word: str, chosen: dict[str, str], remembered: dict[str, str]) -> str | None:
    """A Kind value for ``word``: the officer's choice, the council's remembered word, the
    portal's default (the word itself, or a default word in it: "Children's Services -
    Efficiencies"), or None."""
    word = normal_word(word)
    for words in (chosen, remembered):
        if word in words:
            return words[word]
    if word in DEFAULT_KIND_WORDS:
        return DEFAULT_KIND_WORDS[word].value
    found = {kind for text, kind in DEFAULT_KIND_WORDS.items() if re.search(rf"\b{re.escape(text)}\b", word)}
    return found.pop().value if len(found) == 1 else None


def cut_title(text: str) -> str:
    """A title from a description: the text itself, or cut at a word boundary to at most
    300 characters (with an ellipsis)."""
    text = " ".join(text.split())
    if len(text) <= TITLE_LENGTH:
        return text
    cut = text[: TITLE_LENGTH - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-\u2013") + "\u2026"


def printed(value: Decimal) -> str:
    """A figure as a council prints it: 437,369 / (437,369) / 0.5."""
    digits = f"{abs(value):,f}" if value != value.to_integral_value() else f"{abs(int(value)):,}"
    return f"({digits})" if value < 0 else digits


def unit_label(unit: str) -> str:
    return Unit(unit).label


class _Structure:
    """Finding the council's outcomes, themes and service budgets by code or name, and
    listing the ones to create (when allowed) or the problems (when not)."""

    def __init__(self, lookups: Lookups, create: bool, preview: Preview) -> None:
        self.lookups = lookups
        self.create = create
        self.preview = preview
        self.outcomes: dict[str, Any] = {}
        for outcome in lookups.outcomes.values():
            self.outcomes.setdefault(outcome.code.casefold(), outcome)
            self.outcomes.setdefault(outcome.title.casefold(), outcome)
            self.outcomes.setdefault(str(outcome).casefold(), outcome)
            self.outcomes.setdefault(f"outcome {outcome.code}".casefold(), outcome)  # "Outcome 5"
        self.themes: dict[str, Any] = dict(lookups.themes)
        self.budgets: dict[str, Any] = dict(lookups.budgets)
        self.missing: dict[tuple[str, str], tuple[str, list[int]]] = {}  # (kind, key) -> (name, rows)

    def _next_code(self) -> str:
        codes = [o.code for o in self.lookups.outcomes.values()] + [
            item.code for item in self.preview.structure if item.kind == "outcomes"
        ]
        numbers = [int(code) for code in codes if code.isdigit()]
        return str(max(numbers, default=0) + 1)

    def find(self, kind: str, name: str, row: int) -> Any:
        """The record named ``name`` (a ToCreate if it is to be created), or None (a problem noted)."""
        known = {"outcomes": self.outcomes, "themes": self.themes, "service_budgets": self.budgets}[kind]
        key = " ".join(name.split()).casefold()
        if key in known:
            return known[key]
        if not self.create:
            self.missing.setdefault((kind, key), (name, []))[1].append(row)
            return None
        if kind == "outcomes" and len(name) <= 10 and " " not in name:
            code = name
        elif kind == "outcomes":
            code = self._next_code()
        else:
            code = ""
        item = ToCreate(kind=kind, index=sum(1 for s in self.preview.structure if s.kind == kind),
                        name=" ".join(name.split())[: 300 if kind == "outcomes" else 200], code=code)
        self.preview.structure.append(item)
        known[key] = item
        return item

    def report(self, sheet: str, allowed_to_create: bool) -> None:
        what = {"outcomes": "an outcome", "themes": "a theme", "service_budgets": "a service budget"}
        council = self.lookups.plan.council.name
        how = ("choose \u201ccreate what is missing\u201d to create it" if allowed_to_create
               else "ask a council administrator to add it")
        for (kind, _key), (name, rows) in self.missing.items():
            more = f" (and {len(rows) - 1} more row{'s' if len(rows) > 2 else ''})" if len(rows) > 1 else ""
            self.preview.problems.append(Problem(
                sheet, rows[0], "",
                f"\u201c{name}\u201d is not {what[kind]} of {council}{more}: check the spelling, or {how}.",
            ))


def _column(table: Table, index: int | None) -> str:
    if index is None:
        return ""
    heading = table.headings[index] if index < len(table.headings) else ""
    return f"{get_column_letter(index + 1)} ({heading})" if heading else get_column_letter(index + 1)


class _Reader:
    """Reads one table's rows into ``preview``."""

    def __init__(self, *, plan: BudgetPlan, table: Table, options: Options, preview: Preview, user: Any,
                 lookups: Lookups) -> None:
        self.plan = plan
        self.table = table
        self.options = options
        self.preview = preview
        self.lookups = lookups
        self.user = user
        self.may_create = bool(can_manage_structure(user, plan.council))
        self.structure = _Structure(lookups, options.create_missing and self.may_create, preview)
        self.remembered = kind_words_of(plan.council_id)
        self.basis = table.basis
        self.unit = table.unit or ""
        self.negated_rows: set[int] = set()
        self.year_columns: list[tuple[int, Any]] = []  # (column, plan year) in the plan's order

    def problem(self, row: int, column: int | None, message: str) -> None:
        self.preview.problems.append(Problem(self.table.sheet, row, _column(self.table, column), message))

    # ------------------------------------------------------------ the table as a whole

    def check_table(self) -> bool:
        table = self.table
        ok = True
        if self.options.create_missing and not self.may_create:
            self.problem(table.header_row, None,
                         "Only the council's administrators can create outcomes, themes and service budgets; "
                         "ask one to add them, or to import the sheet.")
            ok = False
        if table.unit not in Unit.values:
            self.problem(table.header_row, None,
                         "The sheet does not say which unit its figures are in: choose £, £000 or £m.")
            ok = False
        if table.signs not in Signs.values:
            self.problem(table.header_row, None, "Choose how the sheet signs its figures.")
            ok = False
        if not table.years:
            self.problem(table.header_row, None,
                         "No column is a financial year (a heading such as 2024/25): map a column to a year.")
            ok = False
        if "title" not in table.columns.values() and "description" not in table.columns.values():
            self.problem(table.header_row, None, "Map a column to the title or the description of each proposal.")
            ok = False
        for year_column in table.years:
            year = self.lookups.year_by_start.get(year_column.start_year)
            if year is None:
                first, last = self.lookups.years[0].label, self.lookups.years[-1].label
                self.problem(table.header_row, year_column.column,
                             f"{fy.label(year_column.start_year)} is not a year of this plan, which runs from "
                             f"{first} to {last}.")
                ok = False
            else:
                self.year_columns.append((year_column.column, year))
        self.year_columns.sort(key=lambda item: item[1].start_year)
        self.preview.problems.extend(table.problems)
        return ok and not table.problems

    # ------------------------------------------------------------ one row

    def kind(self, row: TableRow) -> str | None:
        word = row.cells.get("kind") or row.kind_word or self.options.kind
        if not word:
            self.problem(row.row, None,
                         "This row has no kind: map a Kind column, or choose one kind for the whole sheet.")
            return None
        kind = word if word in Kind.values else kind_of_word(word, self.options.kind_words, self.remembered)
        if kind is None:
            self.problem(row.row, self.table.column_of("kind"),
                         f"\u201c{word}\u201d is not a kind the portal knows: say which kind it means "
                         "(the council's words for kinds).")
        return kind

    def figures(self, row: TableRow, kind: str, label: str) -> dict[int, int] | None:
        negate = self.table.signs == Signs.SAVINGS_POSITIVE and kind in SAVING_KINDS
        if negate:
            self.negated_rows.add(row.row)
        out: dict[int, int] = {}
        ok = True
        for column, year, value in self.variations(row.figures, negate):
            try:
                amount_k, exact = k_from_unit(value, self.unit)
            except MoneyError as error:
                self.problem(row.row, column, str(error))
                ok = False
                continue
            if not exact:
                shown = format_in(amount_k, THOUSANDS)
                self.preview.rounded.append(f"{label} {year.label}: {printed(value)} \u2192 {shown} £k")
            out[year.pk] = amount_k
        return out if ok else None

    def variations(self, figures: dict[int, Decimal | None], negate: bool) -> Iterator[tuple[int, Any, Decimal]]:
        """(column, plan year, figure) for each printed figure in the plan's years, in the
        printed unit: negated when ``negate``, and added up year by year when incremental."""
        running = Decimal(0)
        for column, year in self.year_columns:
            value = figures.get(year.start_year)
            if value is None:
                continue
            value = -value if negate else value
            if self.basis == Basis.INCREMENTAL:
                running += value
                value = running
            yield column, year, value

    def values(self, row: TableRow) -> tuple[dict[str, Any], list[tuple[Any, dict[int, int]]]] | None:
        cells = row.cells
        problems_before = len(self.preview.problems)
        reference = parse_reference(cells.get("reference", ""))
        if reference is not None and len(reference) > 20:
            self.problem(row.row, self.table.column_of("reference"), "A reference has at most 20 characters.")
        has_description = "description" in self.table.columns.values()
        description = cells.get("description", "").strip()
        title = " ".join(cells.get("title", "").split()) or cut_title(description)
        if len(title) > TITLE_LENGTH:
            # A long title (detection reads a lone description column as the title): cut at
            # a word, and the whole text kept as the description unless a column gives one.
            if not has_description:
                description, has_description = cells["title"].strip(), True
            title = cut_title(title)
        if not title:
            self.problem(row.row, self.table.column_of("title" if "title" in cells else "description"),
                         "Every proposal needs a title (or a description to take it from).")
        kind = self.kind(row)
        outcome_name = cells.get("outcome") or self.options.outcome
        outcome = None
        if not outcome_name:
            self.problem(row.row, None,
                         "This row has no outcome: map an Outcome column, or choose one outcome for the whole sheet.")
        else:
            outcome = self.structure.find("outcomes", outcome_name, row.row)
        theme_name = cells.get("theme") or (row.section if not row.kind_word else None) or ""
        theme = self.structure.find("themes", theme_name, row.row) if theme_name else None
        budget_name = cells.get("service_budget") or self.options.service_budget
        budget = None
        if not budget_name:
            self.problem(row.row, None, "This row has no service budget: map a Service budget column, or choose "
                         "one service budget for the whole sheet.")
        else:
            budget = self.structure.find("service_budgets", budget_name, row.row)
        label = reference or title[:40]
        figures = self.figures(row, kind, label) if kind else None
        if len(self.preview.problems) > problems_before or None in (outcome, budget, figures, kind):
            return None
        values = {
            "reference": reference, "title": title, "kind": kind, "outcome": outcome, "theme": theme,
            "status": None, "description": description if has_description else None,
        }
        budget_key = budget if isinstance(budget, ToCreate) else budget.pk  # type: ignore[union-attr]
        return values, [(budget_key, figures or {})]

    # ------------------------------------------------------------ all rows, against the plan

    def read(self) -> None:
        preview, lookups = self.preview, self.lookups
        if not self.check_table():
            return
        if "status" in self.table.columns.values():
            preview.read_as.append(
                f"The statuses in column {_column(self.table, self.table.column_of('status'))} are not imported: "
                "new proposals are drafts, and move on through the approval workflow."
            )
        seen: dict[str, int] = {}
        keys: dict[int, list[Any]] = {}  # sheet row -> where its proposal is in the plan of changes
        for row in self.table.rows:
            read = self.values(row)
            if read is None:
                continue
            values, lines = read
            label = f"{display_reference(values['reference'])} {values['title']}"
            reference = values["reference"]
            if reference is not None:
                if reference in seen:
                    self.problem(row.row, self.table.column_of("reference"),
                                 f"Reference {display_reference(reference)} is on row {seen[reference]} too; "
                                 "each proposal has its own reference.")
                    continue
                seen[reference] = row.row
            existing = _existing(values, lookups)
            if existing is None:
                keys[row.row] = ["created", len(preview.created)]
                preview.created.append(Planned(label=label, changes=describe_new(lines, lookups),
                                               data=plan_data(values, lines)))
                continue
            changes = describe_fields(existing, values) + describe_lines(lookups.lines.get(existing.pk, []), lines,
                                                                         lookups)
            if not changes:
                keys[row.row] = ["unchanged", existing.pk]
                preview.unchanged += 1
                continue
            if existing.is_read_only:
                self.problem(row.row, None, f"{existing.display_reference} {existing.title} is approved, so it "
                             "cannot be changed by import. An approver must return it to draft first.")
                continue
            data = plan_data(values, lines)
            data["id"], data["version"] = existing.pk, existing.version
            keys[row.row] = ["changed", len(preview.changed)]
            preview.changed.append(Planned(label=label, changes=changes, data=data))
        self.structure.report(self.table.sheet, self.may_create)
        self.describe()
        self.totals(keys)
        for total in self.table.row_totals:
            if not total.reconciles:
                self.preview.reconciliation.append(Reconciliation(
                    label=f"{total.reference}: its Total column", row=total.row, reconciles=False,
                    lines=[f"printed {printed(total.printed)}, its years add up to {printed(total.sum)}: "
                           f"{printed(abs(total.difference))} apart"],
                ))

    # ------------------------------------------------------------ words for the preview

    def describe(self) -> None:
        preview, table = self.preview, self.table
        figures = [value for row in table.rows for value in row.figures.values() if value]
        sample = figures[0] if figures else Decimal(100)
        try:
            sample_k, _exact = k_from_unit(sample, self.unit)
            source = f" ({table.unit_source})" if table.unit_source else ""
            preview.read_as.insert(
                0, f"Read as {unit_label(self.unit)}: {printed(sample)} \u2192 {self.lookups.money(sample_k)} "
                f"{money_unit_label(self.lookups.plan.unit)}{source}"
            )
        except MoneyError:
            preview.read_as.insert(0, f"Read as {unit_label(self.unit)}.")
        if table.signs == Signs.SAVINGS_POSITIVE:
            preview.read_as.append(
                "Savings shown as positive: the figures of savings and income are stored as negative variations "
                "(a saving of 100 is \u2212100); pressures and growth stay positive"
                + (f" ({table.signs_source})." if table.signs_source else ".")
            )
        else:
            preview.read_as.append("As variations: + is a cost, \u2212 a saving"
                                   + (f" ({table.signs_source})." if table.signs_source else "."))
        if self.basis == Basis.INCREMENTAL:
            preview.read_as.append("Incremental: each year's figure is added to the years before it, since the "
                                   "portal keeps each year's variation to the base-year budget"
                                   + (f" ({table.basis_source})." if table.basis_source else "."))
        preview.unit_warnings.extend(table.unit_warnings)
        if len(preview.rounded) > ROUNDED_SHOWN:
            more = len(preview.rounded) - ROUNDED_SHOWN
            preview.rounded[ROUNDED_SHOWN:] = [f"and {more:,} more figures rounded to the nearest £1k"]

    def totals(self, keys: dict[int, list[Any]]) -> None:
        for total in self.table.totals:
            self.preview.reconciliation.append(_reconciliation(total))
            negate = bool(total.covers) and all(row in self.negated_rows for row in total.covers)
            figures: dict[str, int] = {}
            for _column, year, value in self.variations(total.printed, negate):
                try:
                    figures[str(year.pk)] = k_from_unit(value, self.unit)[0]
                except MoneyError:
                    continue
            self.preview.totals.append({
                "label": total.label, "row": total.row, "sheet": self.table.sheet,
                "proposal_keys": [keys[row] for row in total.covers if row in keys],
                "figures": figures,
            })


def _reconciliation(total: TotalRow) -> Reconciliation:
    lines = []
    differences = total.differences
    for year, value in sorted(total.printed.items()):
        if value is None:
            continue
        label = fy.label(year)
        if year in differences:
            lines.append(f"{label}: printed {printed(value)}, the rows add up to "
                         f"{printed(total.sums.get(year, Decimal(0)))}: {printed(abs(differences[year]))} apart")
        else:
            lines.append(f"{label}: {printed(value)} adds up")
    return Reconciliation(label=total.label, row=total.row, lines=lines, reconciles=not differences)


def _existing(values: dict[str, Any], lookups: Lookups) -> Proposal | None:
    """The proposal of the plan a row stands for: the same reference, or for one without a
    reference, the same outcome and title."""
    if values["reference"] is not None:
        pk = lookups.reference_owner.get(values["reference"])
        return lookups.proposals[pk] if pk is not None else None
    outcome = values["outcome"]
    if isinstance(outcome, ToCreate):
        return None
    title = values["title"].casefold()
    for proposal in lookups.proposals.values():
        if proposal.reference is None and proposal.outcome_id == outcome.pk and proposal.title.casefold() == title:
            return proposal
    return None


def preview_council(*, plan: BudgetPlan, table: Table, options: Options, filename: str, user: Any) -> Preview:
    """What importing the council's ``table`` into ``plan`` with ``options`` would do, as
    ``user`` (who must be allowed to create structure for "create what is missing").
    Writes nothing."""
    preview = Preview(plan=plan, filename=filename)
    lookups = Lookups(plan)
    _Reader(plan=plan, table=table, options=options, preview=preview, user=user, lookups=lookups).read()
    preview.kind_words = {word: kind for word, kind in options.kind_words.items() if kind in Kind.values}
    preview.problems.sort(key=lambda p: (p.sheet, p.row))
    return preview

