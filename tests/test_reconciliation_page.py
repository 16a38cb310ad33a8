"""/c/<council>/<plan>/reconciliation/: each published total against its lines, every
difference named in words, for anyone who may view the plan."""
import html
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from proposals.models import ChangeSet, TotalScope
from proposals.money import format_m, parse_m
from proposals.permissions import SYSTEM
from proposals.published import FigureInput, TotalInput, record_published
from proposals.seed import FIXTURES_DIR
from tests.test_report_query_counts import add_generated_proposals, count_both

CWAC = json.loads((FIXTURES_DIR / "cheshire-west-and-chester-2016-20.json").read_text(encoding="utf-8"))


def url(plan):
    return reverse("reports:reconciliation", args=[plan.council.slug, plan.slug])


def text(response):
    """The page as a person reads it: tags out, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_headline_and_every_difference_in_words(client_for, commissioner, cwac_plan):
    response = client_for(commissioner).get(url(cwac_plan))
    assert response.status_code == 200
    page = text(response)
    assert "6 of 12 published totals agree with the lines ; 6 differ." in page
    for code, periods in CWAC["published_profiles"].items():
        for measure in ("investment", "saving"):
            printed = sum(parse_m(amounts[measure]) for amounts in periods.values())
            assert f"Outcome {code} profile: {measure} Differs" in page
            assert f"Outcome {code} profile: {measure} , 2016/17 to 2019/20 (the periods together): printed " \
                   f"{format_m(printed)}" in page
    for code, total in CWAC["published_totals"].items():
        assert f"Outcome {code} TOTAL Agrees" in page
        assert f"by 2020 (2019/20) {total} {total} 0.000 Agrees" in page
    assert "Differs by +1.151" in page and "Differs by -0.170" in page
    assert "Cannot be checked: none of its lines has a figure in 2016/17" in page
    assert "Appendix 2.0 (Financial Parameters of Commissioning), the TOTAL row of the outcome's table" in page


def test_a_table_per_total_with_a_caption_and_headers(client_for, commissioner, cwac_plan):
    markup = client_for(commissioner).get(url(cwac_plan)).content.decode()
    assert markup.count('<table class="reconciliation">') == 12
    assert markup.count("<caption>") == 12
    assert markup.count('<th scope="col" class="num">Printed</th>') == 12
    assert 'aria-current="page">Published totals</a>' in markup


def test_the_plan_tabs_link_to_it(client_for, commissioner, cwac_plan):
    rollup = client_for(commissioner).get(reverse("reports:rollup", args=[cwac_plan.council.slug, cwac_plan.slug]))
    assert f'href="{url(cwac_plan)}"' in rollup.content.decode()


def test_a_plan_without_published_totals_says_so(client_for, commissioner, ce_plan):
    page = text(client_for(commissioner).get(url(ce_plan)))
    assert "No published totals are kept for this plan." in page
    assert "agree with the lines" not in page


@pytest.mark.parametrize("who", ["officer", "outsider"])
def test_others_get_a_404(client_for, request, cwac_plan, who):
    assert client_for(request.getfixturevalue(who)).get(url(cwac_plan)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(cwac_plan):
    response = Client().get(url(cwac_plan))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["officer_cwac", "approver", "commissioner", "admin_user"])
def test_everyone_who_may_view_the_plan_reads_it(client_for, request, cwac_plan, who):
    assert client_for(request.getfixturevalue(who)).get(url(cwac_plan)).status_code == 200


# Session and user (2), the plan with its council (1), the user's roles (1), reconcile (4).
PINNED = 8


def test_query_count_is_pinned_and_does_not_grow(client_for, commissioner, ce_plan):
    client = client_for(commissioner)
    years = list(ce_plan.years.all())
    record_published(plan=ce_plan, user=SYSTEM, action=ChangeSet.Action.SEED, totals=[TotalInput(
        label="Plan", source="Test", scope=TotalScope.PLAN,
        figures=[FigureInput(year, year, 0) for year in years])])
    assert count_both(client, url(ce_plan))[0] == PINNED
    add_generated_proposals(ce_plan, 200)
    outcome = ce_plan.council.outcomes.first()
    record_published(plan=ce_plan, user=SYSTEM, action=ChangeSet.Action.SEED, totals=[
        TotalInput(label=f"Outcome {n}", source="Test", scope=TotalScope.OUTCOME, outcome=outcome,
                   figures=[FigureInput(years[0], year, n) for year in years])
        for n in range(60)
    ])
    assert count_both(client, url(ce_plan))[0] == PINNED
