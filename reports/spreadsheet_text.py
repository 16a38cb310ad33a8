"""Text in a download that a spreadsheet program must never run as a formula.

Excel, LibreOffice and Google Sheets start a formula (or a DDE command) at ``=``, ``+``,
``-``, ``@`` and ``|``, at their full-width forms (``＝`` ``＋`` ``－`` ``＠``, which some
programs fold to ASCII), after leading spaces or line breaks, and at a leading tab or
carriage return. Such text gets a leading apostrophe in CSV (the importer takes it off
again) and the quote prefix in .xlsx, where it is a string cell anyway.
"""
FORMULA_STARTS = ("=", "+", "-", "@", "|", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\t", "\r")


def looks_like_a_formula(text):
    return text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def formula_safe(value):
    """``value`` as CSV text a spreadsheet shows as typed: "'=1+1" for "=1+1"."""
    text = str(value)
    return "'" + text if looks_like_a_formula(text) else text


def from_formula_safe(text):
    """The text ``formula_safe`` was given: "'=1+1" -> "=1+1"; anything else unchanged."""
    if text.startswith("'") and looks_like_a_formula(text[1:]):
        return text[1:]
    return text
