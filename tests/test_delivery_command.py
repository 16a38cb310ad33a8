"""manage.py delivery: the summary as JSON and CSV, agreeing with the page, and bad
arguments refused with a message and exit status 1."""
import csv
import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from delivery.models import Rating
from delivery.services import ReturnInput, save_returns
from delivery.summary import delivery_summary
from proposals.permissions import SYSTEM
from tests.conftest import proposal
from tests.test_delivery_pages import period  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def returned(ce_plan, period):  # noqa: F811
    save_returns(period=period, user=SYSTEM, rows=[
        ReturnInput(proposal_id=proposal(ce_plan, "33").pk, forecast_k=-27, rating=Rating.GREEN),
        ReturnInput(proposal_id=proposal(ce_plan, "36").pk, forecast_k=-30, rating=Rating.AMBER, mitigation="m"),
        ReturnInput(proposal_id=proposal(ce_plan, "40").pk, forecast_k=0, rating=Rating.RED, mitigation="m"),
    ])
    return period


def run(*args):
    out = io.StringIO()
    call_command("delivery", *args, stdout=out)
    return out.getvalue()


def test_json_gives_every_grouping_and_agrees_with_the_page(returned, client_for, officer, ce_plan):
    data = json.loads(run("--council", "cheshire-east", "--period", "2019/20-Q2"))
    assert data["period"] == "2019/20 Q2" and data["plan"] == ce_plan.slug
    assert data["totals"] == {"returns": 3, "target": "-0.177", "slippage_in": "0.000", "full_target": "-0.177",
                              "forecast": "-0.057", "shortfall": "+0.120", "delivered": "32.2"}
    for key in ("by_rating", "by_outcome", "by_theme", "by_service"):
        assert sum(group["returns"] for group in data[key]) == 3
        assert sum(int(group["forecast"].replace(".", "")) for group in data[key]) == -57
    assert [g["key"] for g in data["by_rating"]] == ["blue", "green", "amber", "red"]
    assert data["trend"] == [{"period": "2019/20 Q2", **data["totals"]}]
    page = client_for(officer).get(reverse("reports:delivery_period",
                                           args=[ce_plan.council.slug, ce_plan.slug, "2019-20-q2"]))
    html = page.content.decode()
    for group in data["by_theme"]:
        assert group["label"] in html
    assert "32.2%" in html and "+0.120" in html
    summary = delivery_summary(returned)
    assert summary.totals.forecast_k == -57


def test_csv_is_the_same_figures(returned):
    rows = list(csv.reader(io.StringIO(run("--council", "cheshire-east", "--format", "csv"))))
    assert rows[0] == ["Grouping", "Group", "Returns", "Target", "Slipped in", "Forecast", "Shortfall", "Delivered"]
    assert rows[1] == ["Total", "2019/20 Q2", "3", "'-0.177", "0.000", "'-0.057", "'+0.120", "32.2%"]
    assert ["By rating", "Amber", "1", "'-0.050", "0.000", "'-0.030", "'+0.020", "60.0%"] in rows


@pytest.mark.parametrize("args, message", [
    (["--council", "nowhere"], "No council 'nowhere'"),
    (["--council", "cheshire-east", "--plan", "1999-00"], "No plan '1999-00'"),
    (["--council", "cheshire-east", "--period", "soon"], "“soon” is not a period: write it as 2019/20-Q2."),
    (["--council", "cheshire-east", "--period", "2020/21-Q1"], "has no monitoring period 2020/21 Q1"),
    (["--council", "cheshire-east", "--format", "xml"], "Unknown --format 'xml'"),
    (["--council", "cheshire-west-and-chester"], "has no monitoring periods yet."),
])
def test_bad_arguments_are_refused(returned, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(*args)


def test_a_bad_argument_exits_with_status_1():
    result = subprocess.run([sys.executable, "manage.py", "delivery", "--council", "cheshire-east", "--format", "x"],
                            capture_output=True, text=True, env={**os.environ, "DEBUG": "1"},
                            timeout=120, check=False)
    assert result.returncode == 1
    assert "Unknown --format 'x'" in result.stderr
