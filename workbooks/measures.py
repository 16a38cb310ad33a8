"""The council's outcome measures as a workbook to fill in, and reading it back.

``write_measures_workbook`` writes a row per value each measure has (its period, plan,
actual, rating, commentary and action) and a blank-period row per measure to add the next
one. ``read_measures_workbook`` reads it (or a CSV with the same columns) within the
limits every import keeps (``workbooks.uploads``), each row as an ``ImportRow`` for
``proposals.measures.save_values``, a message per bad cell naming its row. Rows left out
are left as they are: an import adds and changes values, never removes them.

``preview_measures`` runs ``save_values`` in a transaction it rolls back, so the
preview's refusals are the write path's own; confirming saves the same rows with the
versions the preview saw, so a save in between is caught.
"""
import io
from dataclasses import asdict, dataclass, field

from django.db import transaction
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from outcomes.models import Better, MeasureRating, OutcomeMeasure
from proposals import years as fy
from proposals.measures import ImportRow, MeasureConflict, MeasureError, MeasuresInvalid, parse_figure, save_values
from reports.downloads import as_at_text
from reports.printing import finish_print, print_setup

from . import xlsx
from .importing.preview import text_of
from .uploads import Refused, read_upload
from .xlsx import TitleBlock

SHEET = "Measure values"
HEADINGS = ("Outcome", "No.", "Measure", "Unit", "Which way is better", "Period", "Plan", "Actual", "Rating",
            "Commentary", "Action")
READ = ("Outcome", "No.", "Period", "Plan", "Actual", "Rating", "Commentary", "Action")
HEADER_SEARCH_ROWS = 30
WIDTHS = (9, 5, 50, 12, 16, 11, 10, 10, 9, 40, 40)
NOT_A_MEASURES_SHEET = (
    "This is not a measures workbook: no sheet has the columns Outcome, No., Period, Plan, Actual, Rating, "
    "Commentary and Action. Download the measures workbook, fill it in and upload that."
)


def write_measures_workbook(council, plan):
    """The .xlsx bytes: a title, then a row per value and a blank-period row per measure.
    Text is always written as text (``xlsx.text_cell``), never as a formula."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A5"
    print_setup(sheet, title=TitleBlock(council=council.name, plan=plan.name, base_year=plan.base_year_label,
                                        included="every measure", as_at=as_at_text(None)),
                sheet=SHEET, header_row=4)
    wrap = Alignment(wrap_text=True, vertical="top")

    def text(value, **style):
        return xlsx.text_cell(sheet, value or "", alignment=wrap, **style)

    def figure(value):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format, cell.alignment = "#,##0.###", wrap
        return cell

    sheet.append([text(f"{council.name}: outcome measures, values by period", font=Font(bold=True, size=14))])
    sheet.append([text("Fill in a row per period: Period as 2019/20 Q1 (or 2019/20 for the year), Plan and Actual as "
                       "figures, Rating as Green, Amber or Red. A blank row under each measure adds a period. Rows "
                       "you delete are left as they are in the portal.")])
    sheet.append([])
    sheet.append([text(heading, font=Font(bold=True)) for heading in HEADINGS])
    rows = 4
    measures = (OutcomeMeasure.objects.filter(outcome__council=council).select_related("outcome")
                .prefetch_related("values").order_by("outcome__position", "outcome__code", "number"))
    for measure in measures:
        def head(measure=measure):
            return [text(measure.outcome.code), measure.number, text(measure.measure), text(measure.unit),
                    text(Better(measure.better).label if measure.better else "")]
        for value in measure.values.all():
            sheet.append([*head(), text(fy.quarter_label(value.start_year, value.quarter)), figure(value.planned),
                          figure(value.actual), text(MeasureRating(value.rating).label if value.rating else ""),
                          text(value.commentary), text(value.action)])
            rows += 1
        sheet.append([*head(), text(""), figure(None), figure(None), text(""), text(""), text("")])
        rows += 1
    finish_print(sheet, last_row=rows, last_column=len(HEADINGS))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Read:
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    where: dict = field(default_factory=dict)  # row key -> "Row 7 (measure 5.1)"


def read_measures_workbook(council, file, filename=""):
    """A Read of the upload. Raises Refused for a file refused as a whole. One query for
    the council's measures."""
    tables = read_upload(file, filename)
    for table in tables:
        header = _header(table)
        if header is not None:
            break
    else:
        raise Refused(NOT_A_MEASURES_SHEET)
    header_at, columns = header
    measures = {(m.outcome.code, m.number): m for m in
                OutcomeMeasure.objects.filter(outcome__council=council).select_related("outcome")}
    read = Read()
    for number, values in table.rows:
        if number <= header_at:
            continue
        cell = {name: values[index] if index < len(values) else None for name, index in columns.items()}
        texts = {name: text_of(value) for name, value in cell.items()}
        if not any(texts[name] for name in ("Period", "Plan", "Actual", "Rating", "Commentary", "Action")):
            continue  # a measure's blank row, or an empty one
        key = f"row{number}"
        code, no = texts["Outcome"], texts["No."]
        measure = measures.get((code, int(no))) if no.isascii() and no.isdigit() and len(no) < 9 else None
        where = f"Row {number}" + (f" (measure {code}.{no})" if code or no else "")
        read.where[key] = where
        if measure is None:
            read.problems.append(f"{where}: {council.name} has no measure {code or '?'}.{no or '?'}; use the "
                                 "Outcome and No. the downloaded workbook gives.")
            continue
        figures = {}
        for name, column in (("planned", "Plan"), ("actual", "Actual")):
            try:
                figures[name] = parse_figure(cell[column])
            except MeasureError as error:
                read.problems.append(f"{where}, {column}: {error}")
        rating = texts["Rating"].casefold()
        ratings = {label.casefold(): value for value, label in MeasureRating.choices}
        if rating and rating not in ratings:
            read.problems.append(f"{where}, Rating: “{texts['Rating'][:20]}” is not Green, Amber or Red.")
        if len(figures) == 2:
            read.rows.append(ImportRow(measure_id=measure.pk, period=texts["Period"], rating=ratings.get(rating, ""),
                                       commentary=texts["Commentary"], action=texts["Action"], key=key, **figures))
    if not read.rows and not read.problems:
        read.problems.append("The sheet has no values filled in: nothing to import.")
    return read


def _header(table):
    """(row number, {heading: column index}) of the table's header row, or None."""
    for number, values in table.rows[:HEADER_SEARCH_ROWS]:
        texts = [text_of(value) for value in values]
        if all(name in texts for name in READ):
            return number, {name: texts.index(name) for name in READ}
    return None


@dataclass
class Preview:
    filename: str
    changes: list = field(default_factory=list)  # [(measure label, ["2018/19 Q2: Actual: (none) → 9,500", …])]
    problems: list = field(default_factory=list)
    versions: dict = field(default_factory=dict)
    rows: list = field(default_factory=list)

    @property
    def can_apply(self):
        return bool(self.changes) and not self.problems

    def stored(self):
        """The rows and versions to save on confirming, as the session keeps them."""
        return {"rows": [{**asdict(row), "planned": _text(row.planned), "actual": _text(row.actual)}
                         for row in self.rows],
                "versions": {str(pk): version for pk, version in self.versions.items()}}


def _text(value):
    return None if value is None else str(value)


def rows_from_session(stored):
    rows = [ImportRow(**{**row, "planned": parse_figure(row["planned"]), "actual": parse_figure(row["actual"])})
            for row in stored["rows"]]
    return rows, {int(pk): version for pk, version in stored["versions"].items()}


class _DryRun(Exception):
    def __init__(self, saved):
        self.saved = saved


def preview_measures(*, council, user, read, filename):
    """What importing ``read`` would change; writes nothing."""
    preview = Preview(filename=filename, problems=list(read.problems), rows=read.rows)
    if preview.problems:
        return preview
    measures = {m.pk: m for m in OutcomeMeasure.objects.filter(pk__in={row.measure_id for row in read.rows})
                .select_related("outcome")}
    preview.versions = {pk: measure.version for pk, measure in measures.items()}
    try:
        with transaction.atomic():
            raise _DryRun(save_values(council=council, user=user, rows=read.rows))
    except _DryRun as run:
        for pk, changes in run.saved.items():
            if changes:
                measure = measures[pk]
                preview.changes.append((f"Measure {measure.outcome.code}.{measure.number}",
                                        [f"{c.field}: {c.old or '(none)'} → {c.new or '(none)'}" for c in changes]))
    except MeasureConflict as error:
        preview.problems = list(error.errors.values())
    except MeasuresInvalid as error:
        preview.problems = [f"{read.where.get(key, 'A row')}: {message}" for key, message in error.errors.items()]
    if not preview.changes and not preview.problems:
        preview.problems.append("Every value in the file is as the portal already holds it: nothing to import.")
    return preview
