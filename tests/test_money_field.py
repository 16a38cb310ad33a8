"""One form field for figures: the editor, the admin and the import read a figure with
MoneyField, whose to_python is proposals.money.parse_m and whose error is its message."""
import pytest
from django.core.exceptions import ValidationError

from proposals.fields import MoneyField
from proposals.money import MoneyError, parse_m
from workbooks.importing.portal import _figure


@pytest.mark.parametrize("typed, expected", [("", None), ("No change", 0), ("+3.5", 3500), ("\u22120.027", -27)])
def test_it_reads_what_parse_m_reads(typed, expected):
    assert MoneyField().clean(typed) == expected == parse_m(typed)


@pytest.mark.parametrize("typed", ["\u0661\u0662\u0663", "abc", "1.2345"])
def test_its_error_is_parse_ms_message(typed):
    with pytest.raises(MoneyError) as parsed:
        parse_m(typed)
    with pytest.raises(ValidationError) as cleaned:
        MoneyField().clean(typed)
    assert cleaned.value.messages == [str(parsed.value)]


def test_the_length_is_checked_on_the_text_as_typed():
    with pytest.raises(ValidationError, match="at most 40 characters"):
        MoneyField().clean("1" * 41)


def test_a_figure_shown_otherwise_has_not_changed():
    assert not MoneyField().has_changed("+8.500", "8.5")
    assert MoneyField().has_changed("+8.500", "8.6")


def test_the_import_reads_a_cell_with_it():
    assert _figure(1.5) == 1500 and _figure("(0.150)") == -150 and _figure(None) is None
    with pytest.raises(ValidationError) as raised:
        _figure("\u0661")
    assert raised.value.messages == [str(pytest.raises(MoneyError, parse_m, "\u0661").value)]
