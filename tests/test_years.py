import pytest

from proposals.years import YearError, label, parse_label


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
