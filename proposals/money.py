"""£m as people write it <-> exact integer £ thousands as the database stores it.

Budget books print money in £m to three decimals, so one thousandth of £1m (£1,000)
is the smallest unit anyone writes. We store whole £ thousands (``amount_k``) and convert
only here, through ``Decimal``; a float never touches a figure.
"""
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

THOUSAND = Decimal(1000)
# Largest figure accepted for one line and year: £10bn. A whole English council's
# net budget is under £2bn; anything bigger is a typing slip, not a proposal.
MAX_ABS_K = 10_000_000
NO_CHANGE_WORDS = {"no change", "nil", "-", "\u2013", "\u2014"}

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
    if text is None:
        return None
    if isinstance(text, int) and not isinstance(text, bool):
        return _to_k(Decimal(text), str(text))
    if isinstance(text, Decimal):
        return _to_k(text, str(text))
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
    if cleaned.lower().endswith("m"):
        cleaned = cleaned[:-1]
    if any(char.isdigit() and not char.isascii() for char in cleaned):
        raise MoneyError(f"\u201c{raw.strip()}\u201d has digits other than 0\u20139; type the figure with 0 to 9.")
    if not cleaned or not _NUMBER.match(cleaned) or cleaned in {"+", "-", "."}:
        raise MoneyError(f"\u201c{raw.strip()}\u201d is not a figure in £m (for example -0.027, +3.5 or (0.150)).")
    if negative and cleaned[0] in "+-":
        raise MoneyError(f"\u201c{raw.strip()}\u201d has both brackets and a sign.")
    try:
        value = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern above rules this out
        raise MoneyError(f"\u201c{raw.strip()}\u201d is not a figure in £m.") from None
    if negative:
        value = -value
    return _to_k(value, raw.strip())


def _to_k(value, shown):
    if not value.is_finite():
        raise MoneyError(f"\u201c{shown}\u201d is not a figure in £m.")
    scaled = value * THOUSAND
    if scaled != scaled.to_integral_value():
        raise MoneyError(
            f"\u201c{shown}\u201d has more than three decimal places; figures are in £m to the nearest £1,000."
        )
    amount_k = int(scaled)
    check_magnitude(amount_k, shown)
    return amount_k


def check_magnitude(amount_k, shown=None):
    if abs(amount_k) > MAX_ABS_K:
        shown = shown if shown is not None else format_m(amount_k)
        raise MoneyError(
            f"\u201c{shown}\u201d is more than £{MAX_ABS_K // 1000:,}m; check the figure is in £m, not £ or £k."
        )
    return amount_k


# A spreadsheet's unit -> how many £ thousands one printed unit is.
UNIT_IN_K = {"pounds": Decimal("0.001"), "thousands": Decimal(1), "millions": THOUSAND}


def k_from_unit(value, unit):
    """A figure printed in ``unit`` (a key of UNIT_IN_K) -> (whole £ thousands, exact?).

    £m and £000 convert exactly or not at all: a £m figure with more than three decimals
    or a £000 figure with any raises MoneyError. Whole pounds are rounded to the nearest
    £1,000, half away from zero ((437,500) -> -438), and ``exact`` says whether rounding
    changed anything. Over the £10,000m limit raises MoneyError."""
    scaled = Decimal(value) * UNIT_IN_K[unit]
    whole = scaled.to_integral_value(rounding=ROUND_HALF_UP)  # ROUND_HALF_UP rounds halves away from zero
    if whole != scaled and unit != "pounds":
        places = "three decimal places of £m" if unit == "millions" else "whole £000"
        raise MoneyError(f"“{value}” is not in {places}: the portal keeps whole £ thousands.")
    amount_k = int(whole)
    check_magnitude(amount_k, str(value))
    return amount_k, whole == scaled


def to_decimal_m(amount_k):
    """Exact £m as a Decimal with three places (None stays None)."""
    if amount_k is None:
        return None
    return (Decimal(int(amount_k)) / THOUSAND).quantize(Decimal("0.001"))


def format_m(amount_k, *, sign=True, blank="", brackets=False):
    """£ thousands -> "+3.500" / "-0.027" / "0.000" (or "(0.027)" with brackets)."""
    if amount_k is None:
        return blank
    amount_k = int(amount_k)
    digits = f"{abs(amount_k) // 1000}.{abs(amount_k) % 1000:03d}"
    if amount_k < 0:
        return f"({digits})" if brackets else f"-{digits}"
    if amount_k > 0 and sign and not brackets:
        return f"+{digits}"
    return digits
