import pytest

from proposals.years import YearError, find_in_heading, label, parse_label


def test_financial_years_are_labelled_as_councils_write_them():
    assert label(2019) == "2019/20"
    assert label(1999) == "1999/00"


@pytest.mark.parametrize("text", ["2019/20", "2019-20", "2019/2020", " 2019 / 20 "])
def test_it_reads_a_financial_year(text):
    assert parse_label(text) == 2019


@pytest.mark.parametrize("text", ["2019", "2019/21", "19/20", "next year", ""])
def test_it_rejects_what_is_not_a_financial_year(text):
    with pytest.raises(YearError):
        parse_label(text)


@pytest.mark.parametrize("heading, found", [
    ("2024/25", 2024), ("2024-25 \u00a3000", 2024), ("24/25", 2024), ("2024/2025", 2024), ("2024 / 2025", 2024),
    ("2026/27\n(\u00a3)", 2026), ("Saving 2024\u201325", 2024), ("99/00", 1999),
    ("2024/26", None), ("2024/25 to 2026/27", None), ("10/11/2024", None), ("Meeting 01-02-2024", None),
    ("2024", None), ("", None), (None, None),
])
def test_it_finds_the_financial_year_a_column_heading_names(heading, found):
    result = find_in_heading(heading)
    assert (result[0] if result else None) == found
