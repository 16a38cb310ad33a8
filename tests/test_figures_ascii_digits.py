"""Figures are read with the digits 0-9 only (and the minus signs people type): Arabic-
Indic, full-width or superscript digits are refused with a message, in the one parser
and so in the editor and the import, and nothing is saved."""
import pytest

from proposals.money import MoneyError, parse_m
from tests.conftest import proposal
from tests.editing import url
from tests.test_edit_validation import refused as edit_refused
from tests.test_edit_validation import with_figure
from tests.test_import_bad_files import problems
from tests.test_import_helpers import edit_workbook, exported_workbook, find_cell

NOT_ASCII = ["\u0661\u0662\u0663", "-\u0660.\u0665", "\uff11\uff12\uff13", "1\u00b2", "\u09e7.5", "(\u0967.000)"]


@pytest.mark.parametrize("typed", NOT_ASCII)
def test_it_rejects_digits_other_than_0_to_9(typed):
    with pytest.raises(MoneyError, match="has digits other than 0\u20139; type the figure with 0 to 9"):
        parse_m(typed)


def test_it_still_reads_the_unicode_minus():
    assert parse_m("\u22120.027") == -27


def test_the_editor_refuses_arabic_indic_digits(client_for, officer, ce_plan):
    p41 = proposal(ce_plan, "41")
    links, _ = edit_refused(client_for(officer), url("edit", p41), with_figure(p41, 2019, "\u0661\u0662\u0663"))
    assert links == [(
        "id_lines-0-y2019",
        "Line 1, 2019/20: \u201c\u0661\u0662\u0663\u201d has digits other than 0\u20139; type the figure with 0 to 9.",
    )]


def test_the_import_refuses_full_width_digits(client_for, officer, ce_plan):
    client = client_for(officer)

    def edit(wb):
        find_cell(wb["Outcome 5"], "[33]", "2020/21").value = "\uff11\uff12\uff13"

    [problem] = problems(client, ce_plan, edit_workbook(exported_workbook(client, ce_plan), edit))
    assert problem.startswith("Sheet \u2018Outcome 5\u2019, row 9, column I (2020/21):")
    assert "has digits other than 0\u20139" in problem
