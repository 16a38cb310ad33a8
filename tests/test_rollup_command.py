"""`manage.py rollup`: the roll-up page's figures for scripts, in the documented shape."""
import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from proposals.models import BudgetPlan, PlanYear, Proposal, Status
from tests.conftest import proposal


def run(*args):
    out = io.StringIO()
    call_command("rollup", *args, stdout=out)
    return out.getvalue()


def test_json_shape_and_the_published_cheshire_west_totals(seed):
    data = json.loads(run("--council", "cheshire-west-and-chester"))
    assert set(data) == {"council", "plan", "view", "years", "rows", "totals"}
    assert (data["council"], data["plan"], data["view"]) == ("cheshire-west-and-chester", "2016-20", "cumulative")
    assert data["years"] == ["2016/17", "2017/18", "2018/19", "2019/20"]
    assert [row["key"] for row in data["rows"]] == ["01", "02", "03"]
    nets = {row["key"]: row["years"]["2019/20"]["net"] for row in data["rows"]}
    assert nets == {"01": "+3.211", "02": "-4.548", "03": "-5.171"}
    row = data["rows"][0]
    assert set(row) == {"key", "label", "years"}
    assert set(row["years"]["2019/20"]) == {"increase", "decrease", "net"}
    assert all(isinstance(v, str) for cell in row["years"].values() for v in cell.values())
    assert data["totals"]["2019/20"]["net"] == "-6.508"


def test_cheshire_east_incremental_by_kind(seed):
    Proposal.objects.exclude(pk=proposal(seed["ce"], "41").pk).filter(plan=seed["ce"]).update(status=Status.WITHDRAWN)
    data = json.loads(run("--council", "cheshire-east", "--view", "incremental", "--by", "kind"))
    assert data["view"] == "incremental"
    assert [row["key"] for row in data["rows"]] == ["revenue_investment"]
    assert [data["totals"][y]["net"] for y in data["years"]] == ["+3.500", "+5.000", "0.000"]


def test_default_plan_is_the_latest_by_base_year(seed):
    council = seed["ce"].council
    older = BudgetPlan.objects.create(council=council, slug="2015-18", name="Older", base_year=2014)
    PlanYear.objects.create(plan=older, start_year=2015)
    assert json.loads(run("--council", "cheshire-east"))["plan"] == "2019-22"
    assert json.loads(run("--council", "cheshire-east", "--plan", "2015-18"))["years"] == ["2015/16"]


def test_csv_format_is_the_pages_download(seed, client_for, commissioner):
    from django.urls import reverse

    printed = run("--council", "cheshire-east", "--format", "csv", "--by", "theme")
    plan = seed["ce"]
    page = client_for(commissioner).get(
        reverse("reports:rollup_csv", args=[plan.council.slug, plan.slug]) + "?by=theme"
    )
    assert list(csv.reader(io.StringIO(printed))) == list(csv.reader(io.StringIO(page.content.decode())))


@pytest.mark.parametrize(
    "args, message",
    [
        (["--council", "atlantis"], "No council 'atlantis'. Councils: cheshire-east, cheshire-west-and-chester."),
        (["--council", "cheshire-east", "--plan", "1999-02"],
         "No plan '1999-02' for Cheshire East Council. Plans: 2019-22."),
        (["--council", "cheshire-east", "--by", "colour"],
         "Unknown --by 'colour': use one of outcome, service, theme, kind."),
        (["--council", "cheshire-east", "--view", "sideways"],
         "Unknown --view 'sideways': use cumulative or incremental."),
        (["--council", "cheshire-east", "--format", "pdf"], "Unknown --format 'pdf': use json or csv."),
    ],
)
def test_bad_arguments_are_a_clear_command_error(seed, args, message):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert str(error.value) == message
