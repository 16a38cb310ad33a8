"""A reference as typed, imported or published: one parser, one way of printing it, one
message for a reference already used."""
import pytest

from proposals.references import display_reference, parse_reference, reference_in_use_message


@pytest.mark.parametrize(("typed", "stored"), [
    ("33", "33"), ("[33]", "33"), (" [ 33 ] ", "33"), ("01-10", "01-10"), ("[R0X]", "R0X"),
    ("", None), ("   ", None), (None, None), ("NEW", None), ("[NEW]", None), ("[ new ]", None), ("[]", None),
    (33, "33"),
])
def test_it_reads_a_reference_as_people_write_it(typed, stored):
    assert parse_reference(typed) == stored


def test_it_leaves_unbalanced_brackets_for_the_callers_check():
    assert parse_reference("[33") == "[33"


def test_it_prints_a_reference_as_the_budget_book_does():
    assert (display_reference("33"), display_reference(None), display_reference("")) == ("[33]", "[NEW]", "[NEW]")


def test_the_message_names_the_reference_and_who_has_it():
    assert reference_in_use_message("33", "Direct Payments Review") == (
        "Reference [33] is already used in this plan by \u201cDirect Payments Review\u201d; "
        "choose another, or leave it blank for [NEW]"
    )
    assert reference_in_use_message("33") == (
        "Reference [33] is already used in this plan; choose another, or leave it blank for [NEW]"
    )
