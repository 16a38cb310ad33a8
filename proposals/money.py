"""£m (or £000) as people write it <-> exact integer £ thousands as the database stores it.

Budget books print money in £m to three decimals, so one thousandth of £1m (£1,000)
is the smallest unit anyone writes; some councils work in £000 (whole thousands). We
store whole £ thousands (``amount_k``) and convert only here, through ``Decimal``; a
float never touches a figure. ``format_in`` and ``parse_in`` convert in a plan's unit
(``MILLIONS`` or ``THOUSANDS``); ``format_m`` and ``parse_m`` are the £m ones.
"""
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

THOUSAND = Decimal(1000)
# Largest figure accepted for one line and year: £10bn. A whole English council's
# net budget is under £2bn; anything bigger is a typing slip, not a proposal.
MAX_ABS_K = 10_000_000
NO_CHANGE_WORDS = {"no change", "nil", "-", "\u2013", "\u2014"}

# The units a plan's figures are shown and typed in (BudgetPlan.unit).
MILLIONS = "millions"
THOUSANDS = "thousands"
UNITS = (MILLIONS, THOUSANDS)
# A spreadsheet may also print whole pounds (read by the import, never a plan's unit).
POUNDS = "pounds"
_UNIT_LABELS = {MILLIONS: "£m", THOUSANDS: "£000"}
_EXAMPLES = {MILLIONS: "-0.027, +3.5 or (0.150)", THOUSANDS: "-27, +3,500 or (150)"}


def unit_label(unit):
    """ "£m" or "£000"."""
    return _UNIT_LABELS[unit]


def examples(unit):
    """How figures are typed in ``unit``, for hints and messages."""
    return _EXAMPLES[unit]

# ASCII digits only: Python's \d and Decimal() also read Arabic-Indic, full-width and
# other digits, which nobody types into a budget book on purpose.
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$", re.ASCII)


class MoneyError(ValueError):
    """A figure that cannot be read as £m to three decimals; the message is for users."""


def parse_m(text):
    """Read a £m figure as typed ("-0.027", "+3.5", "(0.150)", "No change", "0", "£1.2m").

    Returns the amount in whole £ thousands (int), or None for a blank (unprofiled).
    Raises MoneyError with a message a finance officer understands.
    """
    return parse_in(text, MILLIONS)


def parse_in(text, unit):
    """Read a figure typed in ``unit``: £m as ``parse_m`` reads it; £000 as whole
    thousands ("-27", "+3,500", "(150)", "No change", "0", "£150k"), so "150" is £150k.

    Returns whole £ thousands (int), or None for a blank (unprofiled). Raises MoneyError."""
    if unit not in UNITS:
        raise ValueError(f"Unknown unit {unit!r}")
    if text is None:
        return None
    if isinstance(text, int) and not isinstance(text, bool):
        return _to_k(Decimal(text), str(text), unit)
    if isinstance(text, Decimal):
        return _to_k(text, str(text), unit)
    if isinstance(text, float):
        raise MoneyError("Figures must be exact; a floating-point number was given.")
    raw = str(text)
    cleaned = raw.strip().replace("\u2212", "-").replace("\u2013", "-")
    if cleaned == "":
        return None
    if cleaned.lower() in NO_CHANGE_WORDS:
        return 0
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative = True
        cleaned = cleaned[1:-1].strip()
    cleaned = cleaned.replace("£", "").replace(" ", "")
    if cleaned.lower().endswith("m" if unit == MILLIONS else "k"):
        cleaned = cleaned[:-1]
    label = unit_label(unit)
    if any(char.isdigit() and not char.isascii() for char in cleaned):
        raise MoneyError(f"\u201c{raw.strip()}\u201d has digits other than 0\u20139; type the figure with 0 to 9.")
    if not cleaned or not _NUMBER.match(cleaned) or cleaned in {"+", "-", "."}:
        raise MoneyError(f"\u201c{raw.strip()}\u201d is not a figure in {label} (for example {examples(unit)}).")
    if negative and cleaned[0] in "+-":
        raise MoneyError(f"\u201c{raw.strip()}\u201d has both brackets and a sign.")
    try:
        value = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern above rules this out
        raise MoneyError(f"\u201c{raw.strip()}\u201d is not a figure in {label}.") from None
    if negative:
        value = -value
    return _to_k(value, raw.strip(), unit)


def _to_k(value, shown, unit=MILLIONS):
    if not value.is_finite():
        raise MoneyError(f"\u201c{shown}\u201d is not a figure in {unit_label(unit)}.")
    scaled = value * THOUSAND if unit == MILLIONS else value
    if scaled != scaled.to_integral_value():
        if unit == THOUSANDS:
            raise MoneyError(f"\u201c{shown}\u201d has decimal places; figures are in £000, whole thousands.")
        raise MoneyError(
            f"\u201c{shown}\u201d has more than three decimal places; figures are in £m to the nearest £1,000."
        )
    amount_k = int(scaled)
    check_magnitude(amount_k, shown, unit)
    return amount_k


def check_magnitude(amount_k, shown=None, unit=MILLIONS):
    if abs(amount_k) > MAX_ABS_K:
        shown = shown if shown is not None else format_in(amount_k, unit)
        if unit == THOUSANDS:
            raise MoneyError(
                f"\u201c{shown}\u201d is more than £{MAX_ABS_K:,}k (£{MAX_ABS_K // 1000:,}m); "
                "check the figure is in £000, not £."
            )
        raise MoneyError(
            f"\u201c{shown}\u201d is more than £{MAX_ABS_K // 1000:,}m; check the figure is in £m, not £ or £k."
        )
    return amount_k


# A spreadsheet's unit -> how many £ thousands one printed unit is.
UNIT_IN_K = {POUNDS: Decimal("0.001"), THOUSANDS: Decimal(1), MILLIONS: THOUSAND}


def k_from_unit(value, unit):
    """A figure printed in ``unit`` (a key of UNIT_IN_K) -> (whole £ thousands, exact?).

    £m and £000 convert exactly or not at all: a £m figure with more than three decimals
    or a £000 figure with any raises MoneyError. Whole pounds are rounded to the nearest
    £1,000, half away from zero ((437,500) -> -438), and ``exact`` says whether rounding
    changed anything. Over the £10,000m limit raises MoneyError."""
    scaled = Decimal(value) * UNIT_IN_K[unit]
    whole = scaled.to_integral_value(rounding=ROUND_HALF_UP)  # ROUND_HALF_UP rounds halves away from zero
    if whole != scaled and unit != POUNDS:
        places = "three decimal places of £m" if unit == MILLIONS else "whole £000"
        raise MoneyError(f"“{value}” is not in {places}: the portal keeps whole £ thousands.")
    amount_k = int(whole)
    check_magnitude(amount_k, str(value))
    return amount_k, whole == scaled


def to_decimal_m(amount_k):
    """Exact £m as a Decimal with three places (None stays None)."""
    if amount_k is None:
        return None
    return (Decimal(int(amount_k)) / THOUSAND).quantize(Decimal("0.001"))


def format_in(amount_k, unit, *, sign=True, blank="", brackets=False):
    """£ thousands in ``unit``: £m as ``format_m``; £000 as whole thousands with
    thousands separators, "+3,500" / "-27" / "0" (or "(27)" with brackets)."""
    if unit == MILLIONS:
        return format_m(amount_k, sign=sign, blank=blank, brackets=brackets)
    if unit != THOUSANDS:
        raise ValueError(f"Unknown unit {unit!r}")
    if amount_k is None:
        return blank
    return _signed(int(amount_k), f"{abs(int(amount_k)):,}", sign=sign, brackets=brackets)


def format_m(amount_k, *, sign=True, blank="", brackets=False):
    """£ thousands -> "+3.500" / "-0.027" / "0.000" (or "(0.027)" with brackets)."""
    if amount_k is None:
        return blank
    amount_k = int(amount_k)
    return _signed(amount_k, f"{abs(amount_k) // 1000}.{abs(amount_k) % 1000:03d}", sign=sign, brackets=brackets)


def _signed(amount_k, digits, *, sign, brackets):
    if amount_k < 0:
        return f"({digits})" if brackets else f"-{digits}"
    if amount_k > 0 and sign and not brackets:
        return f"+{digits}"
    return digits
