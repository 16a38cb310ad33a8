"""£m parsing and formatting: the one pair of helpers every figure passes through."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proposals.money import MAX_ABS_K, MoneyError, format_m, parse_m, to_decimal_m


@pytest.mark.parametrize(
    "typed, expected_k",
    [
        ("-0.027", -27), ("+3.5", 3500), ("(0.150)", -150), ("No change", 0), ("no change", 0),
        ("0", 0), ("0.000", 0), ("  -0.5 ", -500), ("£1.2m", 1200), ("1,234.567", 1234567),
        ("\u22120.100", -100), ("", None), (None, None), (Decimal("1.25"), 1250), (3, 3000),
    ],
)
def test_it_reads_figures_as_people_type_them(typed, expected_k):
    assert parse_m(typed) == expected_k


def test_it_rejects_a_fourth_decimal_place():
    with pytest.raises(MoneyError, match="more than three decimal places"):
        parse_m("-0.0271")


@pytest.mark.parametrize("typed", ["abc", "1e3", "--1", "+", "1.2.3", "nan", "inf", "12abc"])
def test_it_rejects_text_that_is_not_a_figure(typed):
    with pytest.raises(MoneyError, match="is not a figure in £m"):
        parse_m(typed)


def test_it_rejects_absurd_magnitudes():
    with pytest.raises(MoneyError, match="check the figure is in £m"):
        parse_m("25000")  # £25bn: someone typed pounds or thousands


def test_it_never_accepts_a_float():
    with pytest.raises(MoneyError, match="exact"):
        parse_m(0.1)


@pytest.mark.parametrize(
    "amount_k, shown",
    [(-27, "-0.027"), (3500, "+3.500"), (0, "0.000"), (-1451, "-1.451"), (1234567, "+1234.567"), (None, "")],
)
def test_it_formats_three_decimals_with_a_sign(amount_k, shown):
    assert format_m(amount_k) == shown


def test_brackets_for_negatives_when_asked():
    assert format_m(-150, brackets=True) == "(0.150)"
    assert format_m(150, brackets=True) == "0.150"


@given(st.integers(min_value=-MAX_ABS_K, max_value=MAX_ABS_K))
def test_format_then_parse_is_exact(amount_k):
    assert parse_m(format_m(amount_k)) == amount_k
    assert to_decimal_m(amount_k) == Decimal(amount_k) / 1000
