"""Roll forward: the next round from this one, each carried line re-based to the new
base year (checked line by line against figures worked out here from the old ones), the
new plan's roll-up the old one's re-based, all-zero lines dropped, the history saying
where each came from; bad input refused with a message and nothing written."""
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from councils.models import Role
from jobs.models import Job
from proposals.models import BudgetPlan, ChangeSet, Proposal, Status, Variation
from proposals.roll_forward import RollForwardInvalid, roll_forward
from reports.rollup import rollup
from tests.conftest import db_snapshot, make_user, proposal

ALL_COUNTED = (Status.DRAFT, Status.SUBMITTED, Status.CONSULTATION, Status.APPROVED)


@pytest.fixture
def both(seed):
    """A council administrator of both seed councils who is also their finance officer."""
    return make_user("both", memberships=[(c, r) for c in ("cheshire-east", "cheshire-west-and-chester")
                                          for r in (Role.COUNCIL_ADMIN, Role.OFFICER)])


def old_figures(plan):
    """{(reference, budget name): {start year: £k}} of every line of ``plan``."""
    out = {}
    for ref, budget, year, amount in Variation.objects.filter(line__proposal__plan=plan).values_list(
            "line__proposal__reference", "line__service_budget__name", "year__start_year", "amount_k"):
        out.setdefault((ref, budget), {})[year] = amount
    return out


def test_the_issues_example_45_is_rebased_exactly(ce_plan, both):
    new_plan, _result = roll_forward(plan=ce_plan, user=both, slug="2020-23", name="MTFS 2020/21 to 2022/23",
                                     statuses=ALL_COUNTED)
    assert new_plan.base_year == 2019 and [y.start_year for y in new_plan.years.all()] == [2020, 2021, 2022]
    carried = Proposal.objects.get(plan=new_plan, reference="45")
    figures = {v.year.start_year: v.amount_k for v in Variation.objects.filter(line__proposal=carried)}
    assert figures == {2020: -75, 2021: -225}  # 2022/23 left for the officer
    assert carried.carried_from == proposal(ce_plan, "45") and carried.status == Status.DRAFT
    note = ChangeSet.objects.get(proposal=carried).note
    assert note == "Carried from 2019-22 [45]"


@pytest.mark.parametrize("key", ["ce_plan", "cwac_plan"])
def test_every_seed_line_is_rebased_as_worked_out_here(request, both, key):
    plan = request.getfixturevalue(key)
    old = old_figures(plan)
    first = plan.base_year + 1
    years = [y.start_year for y in plan.years.all()]
    kept = [y for y in years if y > first]
    new_plan, result = roll_forward(plan=plan, user=both, slug="next-round", name="The next round",
                                    statuses=ALL_COUNTED)
    expected = {}
    for (ref, budget), figures in old.items():
        rebased = {y: figures[y] - figures.get(first, 0) for y in kept if y in figures}
        if any(rebased.values()):
            expected[(ref, budget)] = rebased
    assert old_figures(new_plan) == expected
    # The new plan's roll-up adds up exactly those re-based figures…
    new_roll = rollup(plan=new_plan, proposals=Proposal.objects.for_plan(new_plan).counted())
    for year in kept:
        label = f"{year}/{(year + 1) % 100:02d}"
        assert new_roll.totals[label].net == sum(f.get(year, 0) for f in expected.values()), label
    # …and where every line is profiled in every year (Cheshire East's), it is the old
    # roll-up less its new base year's column, year by year.
    if key == "ce_plan":
        assert all({first, *kept} <= set(figures) for figures in old.values())
        old_roll = rollup(plan=plan, proposals=Proposal.objects.for_plan(plan).counted())
        base = f"{first}/{(first + 1) % 100:02d}"
        for year in kept:
            label = f"{year}/{(year + 1) % 100:02d}"
            assert new_roll.totals[label].net == old_roll.totals[label].net - old_roll.totals[base].net, label
    assert result.line_count == len(expected)


def test_only_the_chosen_statuses_are_carried_approved_by_default(ce_plan, both):
    Proposal.objects.filter(pk=proposal(ce_plan, "45").pk).update(status=Status.APPROVED)
    new_plan, _result = roll_forward(plan=ce_plan, user=both, slug="2020-23", name="Next")
    assert list(Proposal.objects.filter(plan=new_plan).values_list("reference", flat=True)) == ["45"]


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"slug": "2019-22"}, "slug", "already"),
    ({"statuses": ["pending"]}, "statuses", "“pending” is not a status"),
    ({"statuses": []}, "statuses", "Choose which proposals to carry"),
    ({"statuses": [Status.REJECTED]}, "statuses", "Nothing to carry"),
    ({"name": ""}, "name", ""),
])
def test_bad_input_writes_nothing(ce_plan, both, kwargs, field, message):
    values = {"slug": "2020-23", "name": "Next", "statuses": ALL_COUNTED, **kwargs}
    before = db_snapshot()
    count = BudgetPlan.objects.count()
    with pytest.raises(RollForwardInvalid) as refused:
        roll_forward(plan=ce_plan, user=both, **values)
    assert field in refused.value.errors and message in refused.value.errors[field]
    assert db_snapshot() == before and BudgetPlan.objects.count() == count


def test_who_may_roll_forward(ce_plan, council_admin, officer, approver):
    for user in (council_admin, officer, approver):  # an administrator who is not also an officer, and others
        with pytest.raises(PermissionDenied):
            roll_forward(plan=ce_plan, user=user, slug="2020-23", name="Next", statuses=ALL_COUNTED)


def test_the_command(ce_plan, both, officer):
    out = StringIO()
    call_command("roll_forward", "--council", "cheshire-east", "--plan", "2019-22", "--slug", "2020-23", "--name",
                 "MTFS 2020/21 to 2022/23", "--status", "consultation", "--user", "both", stdout=out)
    # Of the 18, 10 have the same figure every year: once re-based nothing is left of them.
    assert "Carried 8 proposals with 9 lines" in out.getvalue() and "2022/23 is not profiled yet" in out.getvalue()
    for args, message in [(["--slug", "2020-23"], "already"), (["--status", "nope"], "“nope” is not a status"),
                          (["--user", "officer"], "Only the council.s administrators can manage")]:
        before = db_snapshot()
        base = {"--slug": "2021-24", "--status": "consultation", "--user": "both"}
        base.update(dict(zip(args[::2], args[1::2], strict=True)))
        with pytest.raises(CommandError, match=message):
            call_command("roll_forward", "--council", "cheshire-east", "--plan", "2019-22", "--name", "Next",
                         *[x for pair in base.items() for x in pair], stdout=StringIO())
        assert db_snapshot() == before


def test_the_page_previews_then_rolls_forward_and_the_proposal_says_where_it_came_from(client_for, both, ce_plan,
                                                                                        council_admin):
    from django.urls import reverse

    url = reverse("administration:plan_roll_forward", args=[ce_plan.council.slug, ce_plan.slug])
    assert client_for(council_admin).get(url).status_code == 403  # not also an officer
    client = client_for(both)
    page = client.get(url).content.decode()
    assert 'value="approved" id="id_statuses_3" checked>' in page  # approved, by default
    assert 'value="draft" id="id_statuses_0">' in page
    before = db_snapshot()
    preview = client.post(url, {"name": "Next", "slug": "2020-23", "status": ["consultation"], "preview": "1"})
    assert preview.status_code == 200 and db_snapshot() == before
    assert "8 proposals with 9 lines" in preview.content.decode() and "2022/23 is left unprofiled" in \
        preview.content.decode()
    refused = client.post(url, {"name": "Next", "slug": "2019-22", "status": ["consultation"]})
    assert refused.status_code == 400 and db_snapshot() == before and not Job.objects.exists()
    done = client.post(url, {"name": "Next", "slug": "2020-23", "status": ["consultation"]})
    job = Job.objects.get()  # "Roll forward" is a background job, followed on its status page
    assert done.status_code == 302 and done["Location"] == reverse("jobs:status", args=[job.pk])
    new_rollup = reverse("reports:rollup", args=["cheshire-east", "2020-23"])
    status = client.get(done["Location"]).content.decode()
    assert f'<a class="button" href="{new_rollup}" id="job-open">Open the new plan “Next”</a>' in status
    assert ("Finished. Next is created from Budget proposals 2019/20 to 2021/22: 8 proposals carried as drafts, "
            "re-based to the approved 2019/20 budget. 2022/23 is not profiled yet") in status
    carried = Proposal.objects.get(plan__slug="2020-23", reference="45")
    html = client.get(reverse("reports:proposal_detail", args=["cheshire-east", "2020-23", carried.pk])
                      ).content.decode()
    assert "Carried from 2019-22 [45]" in html and "Its 2022/23 figures are not filled in yet" in html
