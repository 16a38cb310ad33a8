"""The roll-up chart's layout: every grouping is drawn, whatever the number of groups,
and no two of its labels overlap (their boxes, generously estimated); each label stays
inside the chart. The browser journey checks the same on the rendered page."""
import pytest

from proposals.models import Proposal
from reports.chart import Label, build_chart, overlaps, wrap
from reports.rollup import rollup


def chart_for(plan, by, view="cumulative"):
    result = rollup(plan=plan, proposals=Proposal.objects.filter(plan=plan).counted(), by=by, view=view,
                    years=list(plan.years.all()))
    return result, build_chart(result, plan.unit)


@pytest.mark.parametrize("by", ["outcome", "theme", "service", "kind"])
@pytest.mark.parametrize("which", ["ce", "cwac"])
def test_every_grouping_is_drawn_and_no_labels_overlap(seed, which, by):
    result, chart = chart_for(seed[which], by)
    assert not chart.empty
    groups = {label.text for label in chart.labels if label.css == "group"}
    assert len([label for label in chart.labels if label.css == "group"]) >= len(result.rows)
    assert groups
    assert overlaps(chart.labels) == []
    for label in chart.labels:
        left, top, right, bottom = label.box
        assert left >= 0 and right <= chart.width and top >= 0 and bottom <= chart.height, label


def test_many_groups_with_long_names_still_do_not_collide(ce_plan):
    from proposals.models import ImpactLine, ServiceBudget, Variation
    from tests.conftest import proposal

    target = proposal(ce_plan, "33")
    year = ce_plan.years.first()
    for number in range(40):
        budget = ServiceBudget.objects.create(council=ce_plan.council,
                                              name=f"A very long service budget name number {number} " * 2)
        line = ImpactLine.objects.create(proposal=target, service_budget=budget, position=number + 10)
        Variation.objects.create(line=line, year=year, amount_k=-number - 1, increment_k=-number - 1)
    result, chart = chart_for(ce_plan, "service")
    assert len(result.rows) > 40
    assert overlaps(chart.labels) == []
    assert chart.height > 40 * 60  # a band per group: the chart grows, its labels keep their room


def test_wrap_breaks_at_spaces_and_marks_what_it_leaves_out():
    assert wrap("Investment in services") == ["Investment in services"]
    assert wrap("Commissioning – Social Care – Cared for Children") == ["Commissioning – Social Care",
                                                                         "– Cared for Children"]
    lines = wrap("word " * 40)
    assert len(lines) == 3 and lines[-1].endswith("…") and all(len(line) <= 28 for line in lines)
    assert wrap("x" * 70) == ["x" * 27 + "-", "x" * 27 + "-", "x" * 16]


def test_the_overlap_check_can_fail():
    assert overlaps([Label(0, 20, "Investment in services", "group"), Label(100, 22, "Looking after", "group")])
    assert not overlaps([Label(0, 20, "Investment", "group"), Label(0, 40, "Looking after", "group")])
