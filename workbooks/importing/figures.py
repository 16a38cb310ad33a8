"""Figures and units as councils print them in their own sheets, read exactly.

``parse_figure`` reads one cell: a number, or text such as "(150)", "−150", "1,234",
"£1,234", "-" or "nil", into a ``Decimal`` in the printed unit and sign (None for an
empty cell). ``unit_in`` finds the unit a heading or title names ("£000", "£'000",
"£k", "£m", "(£)", "£ thousands", "£ million").
"""
import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from workbooks.importing.table import Unit

# Printed for nothing: the same as 0 (a blank cell is None, unprofiled).
NIL_WORDS = frozenset({"-", "\u2013", "\u2014", "\u2212", "nil", "no change"})
# ASCII digits only, with thousands separators in threes or none at all.
_NUMBER = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$", re.ASCII)
MAX_FIGURE_CHARS = 40


class FigureError(ValueError):
    """A cell that is not a figure; the message is for the officer."""


def parse_figure(value: object) -> Decimal | None:
    """One cell as a Decimal, exactly as printed, or None when it is empty. Raises FigureError."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise FigureError(f"\u201c{value}\u201d is not a figure.")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # The shortest text that is exactly this float, as the spreadsheet holds it.
        return _finite(Decimal(repr(value)), repr(value))
    if isinstance(value, Decimal):
        return _finite(value, str(value))
    if isinstance(value, (datetime, date, time)):
        raise FigureError("a date is not a figure; format the cell as a number.")
    return _parse_text(str(value))


def _finite(value: Decimal, shown: str) -> Decimal:
    if not value.is_finite():
        raise FigureError(f"\u201c{shown}\u201d is not a figure.")
    return value


def _parse_text(raw: str) -> Decimal | None:
    text = raw.strip()
    if not text:
        return None
    shown = text if len(text) <= MAX_FIGURE_CHARS else text[:MAX_FIGURE_CHARS] + "\u2026"
    if len(text) > MAX_FIGURE_CHARS:
        raise FigureError(f"\u201c{shown}\u201d is not a figure.")
    if text.casefold() in NIL_WORDS:
        return Decimal(0)
    negative = False
    cleaned = text.replace("\u2212", "-").replace("\u2013", "-").replace(" ", "").replace("\u00a0", "")
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1]
    if cleaned[:1] in "+-" and cleaned[1:2] != "" and not negative:
        negative, cleaned = cleaned[0] == "-", cleaned[1:]
    if cleaned.startswith("£"):
        cleaned = cleaned[1:]
        if cleaned.startswith("(") and cleaned.endswith(")") and not negative:
            negative, cleaned = True, cleaned[1:-1]
        elif cleaned[:1] == "-" and not negative:
            negative, cleaned = True, cleaned[1:]
    if not cleaned or cleaned == "." or not _NUMBER.match(cleaned):
        raise FigureError(f"\u201c{shown}\u201d is not a figure (for example 1,234, (150) or \u2212150).")
    try:
        number = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern above rules this out
        raise FigureError(f"\u201c{shown}\u201d is not a figure.") from None
    return -number if negative else number


# ---------------------------------------------------------------- units

MAX_UNIT_TEXT = 300  # characters of a heading or title searched for a unit
_THOUSANDS_AFTER = ("000", "k", "thousand")
_MILLIONS_AFTER = ("m", "mn", "million")


def unit_in(text: object) -> tuple[str, str] | None:
    """The unit ``text`` names and the words that name it: ("thousands", "£'000"), or None.

    Reads "£000", "£'000", "£’000", "£000s", "£k", "£m", "£mn", "£ thousands", "£ million",
    and "£" or "(£)" alone for pounds; a "£" before a number ("£1,234") names no unit."""
    raw = str(text or "")[:MAX_UNIT_TEXT]
    lowered = raw.lower().replace("\u2019", "'").replace("\u2018", "'")
    position = lowered.find("\u00a3")
    while position != -1:
        found = _unit_at(lowered, position)
        if found is not None:
            unit, length = found
            return unit, raw[position:position + length].strip()
        position = lowered.find("\u00a3", position + 1)
    quoted = lowered.find("'000")
    if quoted != -1 and not lowered[quoted + 4:quoted + 5].isdigit():
        return Unit.THOUSANDS.value, raw[quoted:quoted + 4]
    return None


def _unit_at(lowered: str, position: int) -> tuple[str, int] | None:
    """The unit named by the "£" at ``position`` and how many characters name it."""
    after = position + 1
    while after < len(lowered) and after - position < 4 and lowered[after] in " '":
        after += 1
    rest = lowered[after:after + 12]
    for word in ("thousands", "thousand"):
        if rest.startswith(word):
            return Unit.THOUSANDS.value, after + len(word) - position
    for word in ("millions", "million"):
        if rest.startswith(word):
            return Unit.MILLIONS.value, after + len(word) - position
    for words, unit in ((_THOUSANDS_AFTER, Unit.THOUSANDS.value), (_MILLIONS_AFTER, Unit.MILLIONS.value)):
        for word in words:
            if rest.startswith(word) and not rest[len(word):len(word) + 1].isalnum():
                return unit, after + len(word) - position
            if word == "000" and rest.startswith("000s") and not rest[4:5].isalnum():
                return unit, after + 4 - position
            if word == "000" and rest.startswith("000's"):
                return unit, after + 5 - position
    if rest and (rest[0].isdigit() or rest[0] in ".,-("):
        return None  # an amount: "£1,234", "£(150)"
    if rest[:1].isalpha():
        return None  # "£s", "£bn": not a unit the portal reads
    return Unit.POUNDS.value, 1
