"""Financial years, labelled as UK councils write them: 2019 -> "2019/20"."""
import re

_LABEL = re.compile(r"^\s*(\d{4})\s*[/\-\u2013]\s*(\d{2}|\d{4})\s*$")


class YearError(ValueError):
    pass


def label(start_year):
    """The financial year starting in April of ``start_year``: 2019 -> "2019/20"."""
    start_year = int(start_year)
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def parse_label(text):
    """ "2019/20" (or "2019-20", "2019/2020") -> 2019. Raises YearError."""
    match = _LABEL.match(str(text or ""))
    if not match:
        raise YearError(f"\u201c{text}\u201d is not a financial year such as 2019/20.")
    start, end = int(match.group(1)), match.group(2)
    expected = start + 1
    if (len(end) == 2 and int(end) != expected % 100) or (len(end) == 4 and int(end) != expected):
        raise YearError(f"\u201c{text}\u201d is not a financial year: the second year must follow the first.")
    return start


_SPAN = re.compile(r"^\s*(\d{4})\s*[\-\u2013]\s*(\d{4})\s*$")


def parse_period(text):
    """A period as councils print it -> (first, last) start years: "2016/17" -> (2016, 2016);
    "2017-2020" (April 2017 to March 2020) -> (2017, 2019). Raises YearError."""
    try:
        start = parse_label(text)
    except YearError:
        match = _SPAN.match(str(text or ""))
        if not match or int(match.group(2)) <= int(match.group(1)):
            raise YearError(
                f"\u201c{text}\u201d is not a financial year such as 2019/20 or a period such as 2017-2020."
            ) from None
        return int(match.group(1)), int(match.group(2)) - 1
    return start, start


# A quarter of a financial year: "2019/20 Q2", "2019/20-Q2", "2019-20-q2".
_QUARTER = re.compile(r"^\s*(\d{4})\s*[/\-]\s*(\d{2})[\s\-]{1,3}[qQ]([1-4])\s*$", re.ASCII)


def parse_quarter(text, *, whole_year=False):
    """(start year, quarter) from "2019/20-Q2", "2019/20 Q2" or "2019-20-q2"; with
    ``whole_year``, "2019/20" alone is (2019, 0). None if unreadable."""
    text = str(text or "")[:40]
    match = _QUARTER.match(text)
    if match:
        try:
            return parse_label(f"{match.group(1)}/{match.group(2)}"), int(match.group(3))
        except YearError:
            return None
    if whole_year:
        try:
            return parse_label(text), 0
        except YearError:
            return None
    return None


def quarter_label(start_year, quarter):
    """ "2019/20 Q2", or "2019/20" for the whole year (quarter 0)."""
    return f"{label(start_year)} Q{quarter}" if quarter else label(start_year)


# A financial year inside a column heading: "2024/25", "2024-25", "24/25", "2024 / 2025".
# No nested quantifiers, and the caller bounds the text: linear on any heading.
# A date ("10/11/2024") is not a year: no digit or date separator and digit either side.
_IN_HEADING = re.compile(
    r"(?<![\d/\-])(\d{4}|\d{2})\s{0,3}[/\-\u2013\u2014]\s{0,3}(\d{4}|\d{2})(?!\d)(?![/\-]\d)"
)


def find_in_heading(text):
    """The financial year a column heading names and the heading's other text:
    "2024/25 £'000" -> (2024, " £'000"), "24/25" -> (2024, ""), "2024 / 2025" -> (2024, "").

    None when the heading names no financial year, or more than one ("2024/25 to 2026/27").
    A two-digit first year is read as 19xx from 70 on, else 20xx.
    """
    text = str(text or "")
    found = None
    for match in _IN_HEADING.finditer(text):
        start, end = match.group(1), match.group(2)
        year = int(start) if len(start) == 4 else (1900 if int(start) >= 70 else 2000) + int(start)
        following = year + 1
        if (len(end) == 2 and int(end) != following % 100) or (len(end) == 4 and int(end) != following):
            continue
        if found is not None:
            return None
        found = (year, text[:match.start()] + " " + text[match.end():])
    return found
