"""Reading a filled-in monitoring workbook back (``workbooks.monitoring`` wrote it), and
the preview of what importing it would save.

``read_monitoring_workbook`` reads the upload within the limits every import keeps
(``workbooks.uploads``: size, rows, cells, zip bombs, hostile XML), refuses a file that
is not this period's monitoring workbook as a whole, and turns each row of the Returns
sheet into a ``ReturnInput`` for ``delivery.services.save_returns``, with a message per
bad cell naming its row ("Row 9 ([33]): …"). Only the columns an officer fills in are
read, with the hidden proposal id and version that tie a row to its return.

``preview_returns`` asks the write path itself: it runs ``save_returns`` in a
transaction it then rolls back, so the preview's refusals (the rating rules, versions,
what is due) are the write path's own and confirming can only differ if someone saves
in between, which the versions catch. Nothing is written by either.
"""
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from delivery.models import Rating
from delivery.services import FIELD_LABELS, ReturnInput, ReturnsConflict, ReturnsInvalid, due_returns, save_returns
from proposals.models import Proposal
from proposals.money import MoneyError, format_in, parse_in, unit_label
from proposals.references import display_reference, parse_reference

from .importing.preview import text_of
from .monitoring import COL, HEADINGS, NO, PERIOD_ID, READ, RETURNS_SHEET, YES
from .uploads import NOT_A_SPREADSHEET, Refused, read_upload

HEADER_SEARCH_ROWS = 30
NOT_AN_XLSX = (
    "This file is not an Excel workbook (.xlsx). Upload the period's monitoring workbook, saved as an "
    "Excel workbook."
)
NOT_A_MONITORING_WORKBOOK = (
    "This is not a monitoring workbook: it has no Returns sheet with the columns the portal writes. Download "
    "the period's monitoring workbook, fill in its Returns sheet and upload that."
)
TIES = "They tie each row to its proposal's return: download the workbook again and copy your returns into it."


@dataclass
class Read:
    """What a filled-in workbook says: a ReturnInput per row, the problems found (each
    naming its row), and each proposal's row as messages name it ({id: "Row 9 ([33])"})."""

    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    where: dict = field(default_factory=dict)


def read_monitoring_workbook(period, file, filename=""):
    """Read the binary ``file`` as ``period``'s monitoring workbook. Raises Refused when
    the whole file is refused (not a workbook, past a limit, not this period's); bad
    cells are ``Read.problems``. Four queries for what is due, one for the plan's
    proposals (and one naming another period of the plan)."""
    try:
        tables = read_upload(file, filename or "returns.xlsx")
    except Refused as refusal:
        raise Refused(NOT_AN_XLSX if str(refusal) == NOT_A_SPREADSHEET else str(refusal)) from None
    table = next((t for t in tables if t.name == RETURNS_SHEET), None)
    if table is None:
        raise Refused(NOT_A_MONITORING_WORKBOOK)
    start, positions = _header(table)
    _check_period(period, table.rows[:start])
    plan, unit = period.plan, period.plan.unit
    due = {entry.proposal.pk: entry for entry in due_returns(period)}
    proposals = {pk: (reference, title) for pk, reference, title in
                 Proposal.objects.filter(plan=plan).values_list("pk", "reference", "title")}
    by_reference = {reference: pk for pk, (reference, _title) in proposals.items() if reference}
    read, seen = Read(), {}
    for number, values in table.rows[start + 1:]:
        cells = {key: values[index] if index < len(values) else None for key, index in positions.items()}
        if all(text_of(value) == "" for value in cells.values()):
            continue
        typed_reference = text_of(cells["reference"])[:20]
        where = f"Row {number} ({typed_reference or 'no reference'})"
        problems = []
        proposal_id, version = _whole(cells["id"]), _whole(cells["version"])
        if proposal_id is None or version is None:
            read.problems.append(f"{where}: the Proposal id or the Version (hidden columns {COL['id']} and "
                                 f"{COL['version']}) is missing or was changed. {TIES}")
            continue
        if proposal_id not in proposals:
            read.problems.append(f"{where}: {proposal_id} is not the id of a proposal of {plan.name}; the Proposal "
                                 f"id column must stay as exported. {TIES}")
            continue
        reference = display_reference(proposals[proposal_id][0])
        if display_reference(parse_reference(typed_reference)) != reference:
            read.problems.append(f"{where}: the Proposal id {proposal_id} is {reference}'s, not this row's. {TIES}")
            continue
        where = f"Row {number} ({reference})"
        if proposal_id in seen:
            read.problems.append(f"{where}: {reference} is in row {seen[proposal_id]} too; give each proposal's "
                                 "return once.")
            continue
        seen[proposal_id] = number
        read.where[proposal_id] = where
        if proposal_id not in due:
            read.problems.append(
                f"{where}: {reference} is not due a return in {period.label}. Only approved savings and income "
                f"(and investments, where the period monitors them) with a target in {period.year.label} are."
            )
            continue
        try:
            forecast_k = _figure(cells["forecast"], unit)
        except MoneyError as error:
            problems.append(f"{where}: Forecast: {error}")
            forecast_k = None
        rating = _rating(cells["rating"])
        if rating is None:
            problems.append(f"{where}: “{text_of(cells['rating'])[:40]}” is not a rating: use Blue, Green, Amber "
                            "or Red.")
        replacement_id, message = _replacement(cells["replacement"], by_reference, plan)
        if message:
            problems.append(f"{where}: Replacement: {message}")
        slips = _yes_no(cells["delivered_next_year"])
        if slips is None:
            problems.append(f"{where}: Delivered next year is “{text_of(cells['delivered_next_year'])[:40]}”: "
                            f"put {YES} or {NO}, or leave it empty for {NO}.")
        read.problems += problems
        read.rows.append(ReturnInput(
            proposal_id=proposal_id, version=version, forecast_k=forecast_k, rating=rating or "",
            commentary=text_of(cells["commentary"]), lead_officer=text_of(cells["lead_officer"]),
            mitigation=text_of(cells["mitigation"]), replacement_id=replacement_id,
            delivered_next_year=bool(slips),
        ))
    return read


def _header(table):
    """(index of the header row in table.rows, {column key: position}) or Refused."""
    wanted = {HEADINGS[key]: key for key in READ}
    for index, (_number, values) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        names = [text_of(value) for value in values]
        if "Proposal id" in names and "Reference" in names:
            positions = {wanted[name]: position for position, name in enumerate(names) if name in wanted}
            missing = [HEADINGS[key] for key in READ if key not in positions]
            if missing:
                raise Refused(f"The Returns sheet is missing its column(s) {', '.join(missing)}. Download the "
                              "period's monitoring workbook again and fill that in.")
            return index, positions
    raise Refused(NOT_A_MONITORING_WORKBOOK)


def _check_period(period, rows):
    """Refused unless the hidden Period id beside the title names ``period``."""
    found = None
    for _number, values in rows:
        names = [text_of(value) for value in values]
        if PERIOD_ID in names:
            position = names.index(PERIOD_ID) + 1
            found = _whole(values[position]) if position < len(values) else None
            break
    if found == period.pk:
        return
    if found is None:
        raise Refused(f"This workbook does not say which monitoring period it is for: its {PERIOD_ID} (a hidden "
                      f"cell beside the title) is missing or was changed. Download {period.label}'s monitoring "
                      "workbook and fill that in.")
    other = type(period).objects.filter(pk=found, plan_id=period.plan_id).select_related("year").first()
    if other is not None:
        raise Refused(f"This is the monitoring workbook for {other.label}, not {period.label}. Upload it on "
                      f"{other.label}'s import page, or download {period.label}'s workbook.")
    raise Refused(f"This is not a monitoring workbook of {period.plan.name}: it is for another plan's period. "
                  f"Download {period.label}'s monitoring workbook and fill that in.")


def _whole(value):
    """A whole number as a cell holds it (3, 3.0 or "3"), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = text_of(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _figure(value, unit):
    """A forecast cell -> whole £ thousands, or None when empty. Raises MoneyError."""
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, (datetime, date, time)):
        raise MoneyError(f"“{value}” is not a figure in {unit_label(unit)}; format the cell as a number.")
    if isinstance(value, float):  # the shortest text that is exactly this float, as the spreadsheet holds it
        value = Decimal(repr(value))
    if isinstance(value, str) and value.strip().startswith("="):
        raise MoneyError(f"“{value.strip()[:40]}” is a formula; type the figure itself, in {unit_label(unit)}.")
    return parse_in(value, unit)


def _rating(value):
    """A Rating value from "Blue", "blue" …; "" for an empty cell; None for anything else."""
    text = text_of(value).casefold()
    if not text:
        return ""
    return next((rating.value for rating in Rating if text in (rating.value, rating.label.casefold())), None)


def _replacement(value, by_reference, plan):
    """(proposal id or None, message for a bad one)."""
    text = text_of(value)
    if not text:
        return None, ""
    reference = parse_reference(text)
    if reference is None:
        return None, f"name the proposal by its published reference, such as [34] ({text[:20]} has none)."
    if reference not in by_reference:
        return None, f"{display_reference(reference)[:24]} is not a proposal of {plan.name}."
    return by_reference[reference], ""


def _yes_no(value):
    if isinstance(value, bool):
        return value
    text = text_of(value).casefold()
    if text in ("", "no", "n", "false"):
        return False
    if text in ("yes", "y", "true"):
        return True
    return None


# ---------------------------------------------------------------- the preview


@dataclass
class Preview:
    """What importing the workbook would do: ``changes`` [(where, [“Forecast: (none) →
    -0.040”, …])] row by row, ``unchanged`` rows, ``problems`` and ``conflicts`` (both
    messages for users; either means nothing can be imported)."""

    filename: str
    changes: list = field(default_factory=list)
    unchanged: int = 0
    problems: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    rows: list = field(default_factory=list)

    @property
    def can_apply(self):
        return bool(self.changes) and not self.problems and not self.conflicts

    def stored(self):
        """The rows to save on confirming, as the session keeps them."""
        return [{name: value for name, value in asdict(row).items() if name != "errors"} for row in self.rows]


class _DryRun(Exception):
    def __init__(self, saved):
        self.saved = saved


def preview_returns(*, period, user, read, filename):
    """The Preview of saving ``read`` (a Read) as ``period``'s returns. Raises
    PermissionDenied or WorkflowError as ``save_returns`` does; writes nothing."""
    preview = Preview(filename=filename, problems=list(read.problems), rows=read.rows)
    if preview.problems:
        return preview
    due = {entry.proposal.pk: entry for entry in due_returns(period)}
    try:
        with transaction.atomic():
            raise _DryRun(save_returns(period=period, user=user, rows=read.rows))
    except _DryRun as run:
        saved = {item.proposal_id: item for item in run.saved}
    except ReturnsInvalid as error:
        preview.problems = [f"{read.where.get(pk, 'A row')}: {message}"
                            for (pk, _name), message in error.errors.items()]
        return preview
    except ReturnsConflict as error:
        preview.conflicts = conflict_messages(error, due, read.where)
        return preview
    unit = period.plan.unit
    references = dict(Proposal.objects.filter(plan=period.plan, pk__in=[
        item.replacement_id for item in [*saved.values(), *(e.current for e in due.values() if e.current)]
        if item.replacement_id]).values_list("pk", "reference"))
    for row in read.rows:
        item = saved.get(row.proposal_id)
        if item is None:
            preview.unchanged += 1
            continue
        preview.changes.append((read.where[row.proposal_id],
                                _described(due[row.proposal_id].current, item, unit, references)))
    return preview


def _described(before, after, unit, references):
    """“Forecast: -0.050 → -0.040” for each field of the return that changes."""
    def shown(name, value):
        if value is None or value == "":
            return "(none)"
        if name.endswith("_k"):
            return format_in(value, unit)
        if name == "rating":
            return Rating(value).label
        if name == "replacement_id":
            return display_reference(references.get(value))
        if name == "delivered_next_year":
            return YES if value else NO
        return value

    words = []
    for name, label in FIELD_LABELS.items():
        old = getattr(before, name) if before is not None else None
        new = getattr(after, name)
        if old != new and not (before is None and new in ("", None, 0, False) and name != "forecast_k"):
            words.append(f"{label[:1].upper()}{label[1:]}: {shown(name, old)} → {shown(name, new)}")
    return words


def conflict_messages(error, due, where):
    """A message per proposal whose return someone saved after the workbook was exported."""
    messages = []
    for proposal in error.proposals:
        current = due[proposal.pk].current if proposal.pk in due else None
        row = where.get(proposal.pk, proposal.display_reference)
        if current is None:
            messages.append(f"{row}: {proposal.display_reference} {proposal.title} has no return now, but the "
                            "workbook was exported with one.")
            continue
        user = current.updated_by
        by = (user.get_full_name() or user.get_username()) if user is not None else "the portal"
        at = timezone.localtime(current.updated_at)
        messages.append(f"{row}: {proposal.display_reference} {proposal.title} was saved by {by} on "
                        f"{at.day} {at:%B %Y at %H:%M} (version {current.version}), after this workbook was "
                        "exported.")
    return messages
