"""The job kinds that make records or open data (jobs/kinds.py): a snapshot, a plan
rolled forward, a published plan's open-data package, and what they share: a result
that is a link to what the job made ("Open the snapshot"), a refusal before any job
exists that says why and writes nothing, the permission asked again as the job runs,
and a job run twice making its records once. Jobs run inside the request that starts
them (the immediate backend), as in tests/test_jobs.py."""
import pytest
from django.urls import reverse
from django.utils.html import escape

from councils.models import Membership, Role
from jobs import kinds
from jobs.models import Job, JobStatus
from jobs.running import run_job
from proposals.models import BudgetPlan, Proposal, Snapshot
from proposals.permissions import PUBLISHERS_ONLY, ROLL_FORWARD_PEOPLE, SNAPSHOT_TAKERS_ONLY, SYSTEM
from reports import snapshot_views

from .conftest import db_snapshot, make_user

SNAPSHOT = reverse("jobs:start", args=["take_snapshot"])
CABINET = {"council": "cheshire-east", "plan": "2019-22", "name": "Cabinet 5 February 2019",
           "taken_on": "2019-02-05"}


def queued(kind, user, posted):
    """A job as ``start_job`` makes it, left queued (no worker has run it)."""
    council, parameters = kind.prepare(user, posted)
    return Job.objects.create(user=user, council=council, kind=kind.name, parameters=parameters)


def made():
    """What a job of these kinds may write besides db_snapshot()'s rows."""
    return Snapshot.objects.count(), list(BudgetPlan.objects.order_by("pk").values_list())


def refused_and_nothing_written(client, url, posted, message):
    before, made_before = db_snapshot(), made()
    response = client.post(url, posted)
    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert not Job.objects.exists() and db_snapshot() == before and made() == made_before


# A snapshot


def test_a_snapshot_job_takes_it_and_its_page_opens_it(approver, ce_plan, client_for):
    client = client_for(approver)
    response = client.post(SNAPSHOT, CABINET)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:status", args=[job.pk])
    snapshot = Snapshot.objects.get(plan=ce_plan)
    assert (snapshot.name, snapshot.taken_on.isoformat(), snapshot.taken_by) == (
        "Cabinet 5 February 2019", "2019-02-05", approver)
    assert snapshot.proposals.count() == 18
    assert (job.status, job.council, job.result, job.result_size) == (JobStatus.DONE, ce_plan.council, None, 0)
    where = reverse("reports:snapshots", args=["cheshire-east", "2019-22"]) + "#snapshot-cabinet-5-february-2019"
    assert job.opens == where and not job.downloadable
    page = client.get(response["Location"]).content.decode()
    assert f'<a class="button" href="{where}" id="job-open">Open the snapshot “Cabinet 5 February 2019”</a>' in page
    assert f"Finished. {escape(ce_plan.name)} as it stood, frozen as at 5 February 2019: 18 proposals." in page
    assert reverse("jobs:download", args=[job.pk]) not in page
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    data = client.get(reverse("jobs:status_json", args=[job.pk])).json()
    assert (data["open_url"], data["download_url"], data["result_name"]) == (
        where, None, "the snapshot “Cabinet 5 February 2019”")
    snapshots_page = client.get(where.split("#")[0]).content.decode()
    assert '<tr id="snapshot-cabinet-5-february-2019">' in snapshots_page
    listed = client.get(reverse("jobs:list")).content.decode()
    assert f'<a href="{where}">Open<span class="visually-hidden"> the snapshot' in listed


def test_a_blank_date_is_the_day_it_was_asked_for(approver, ce_plan):
    import datetime as dt

    job = queued(kinds.TAKE_SNAPSHOT, approver, {**CABINET, "taken_on": " "})
    assert job.parameters == {"plan": ce_plan.pk, "name": "Cabinet 5 February 2019",
                              "taken_on": dt.date.today().isoformat()}


@pytest.mark.parametrize("posted, message", [
    ({**CABINET, "year": "2019"}, "This job does not take year. Nothing was started."),
    ({"council": "cheshire-east", "plan": "2019-22"}, "The form did not send name. Nothing was started."),
    ({**CABINET, "name": ["One", "Two"]}, "The form sent name more than once. Nothing was started."),
    ({**CABINET, "name": ""}, "Give the snapshot a name, such as “Cabinet 5 February 2019”."),
    ({**CABINET, "name": "Now"}, "“now” means the plan as it stands: choose another name."),
    ({**CABINET, "taken_on": "5 Feb"}, "“5 Feb” is not a date: give it as 2019-02-05."),
    ({**CABINET, "plan": "no-such-plan"}, kinds.NO_SUCH_PLAN),
    ({**CABINET, "council": "no-such-council"}, kinds.NO_SUCH_PLAN),
])
def test_a_bad_snapshot_job_is_refused_with_a_message_and_nothing_is_started(approver, client_for, posted, message):
    refused_and_nothing_written(client_for(approver), SNAPSHOT, posted, message)


def test_another_councils_plan_is_refused_as_one_that_does_not_exist(council_admin, client_for):
    refused_and_nothing_written(client_for(council_admin), SNAPSHOT,
                                {**CABINET, "council": "cheshire-west-and-chester", "plan": "2019-22"},
                                kinds.NO_SUCH_PLAN)


@pytest.mark.parametrize("who", ["officer", "commissioner"])
def test_only_those_who_may_take_a_snapshot_start_the_job(request, client_for, who):
    refused_and_nothing_written(client_for(request.getfixturevalue(who)), SNAPSHOT, CABINET,
                                f"{SNAPSHOT_TAKERS_ONLY} Nothing was started.")


def test_a_name_already_taken_is_refused(approver, ce_plan, client_for):
    client = client_for(approver)
    client.post(SNAPSHOT, CABINET)
    Job.objects.all().delete()
    refused_and_nothing_written(client, SNAPSHOT, CABINET, f"{ce_plan.name} already has a snapshot called")


def test_roles_taken_away_while_the_job_waited_fail_it_and_take_nothing(ce_plan):
    taker = make_user("taker", memberships=[("cheshire-east", Role.APPROVER)])
    job = queued(kinds.TAKE_SNAPSHOT, taker, CABINET)
    Membership.objects.filter(user=taker).delete()
    assert run_job(job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert job.message == ("The snapshot could not be taken: you are no longer allowed to. Only the council's "
                           "approvers and administrators can take a snapshot of a plan.")
    assert not Snapshot.objects.exists() and not job.opens


def test_a_name_taken_while_the_job_waited_fails_it_with_the_reason(approver, ce_plan):
    from proposals.snapshots import take_snapshot

    job = queued(kinds.TAKE_SNAPSHOT, approver, CABINET)
    take_snapshot(plan=ce_plan, user=approver, name="Cabinet 5 February 2019")
    assert run_job(job.pk) == JobStatus.FAILED
    assert Job.objects.get(pk=job.pk).message == (
        f"The snapshot could not be taken: {ce_plan.name} already has a snapshot called “Cabinet 5 February 2019”.")
    assert Snapshot.objects.count() == 1


def test_a_snapshot_job_run_again_takes_no_second_snapshot(approver):
    job = queued(kinds.TAKE_SNAPSHOT, approver, CABINET)
    assert run_job(job.pk) == JobStatus.DONE
    done = Job.objects.get(pk=job.pk)
    assert run_job(job.pk) is None  # a repeated delivery of a finished job does nothing
    # Its worker died once the snapshot was saved, before it marked the job done: queued again.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, finished_at=None)
    assert run_job(job.pk) == JobStatus.DONE
    again = Job.objects.get(pk=job.pk)
    assert Snapshot.objects.count() == 1 and again.attempts == 2
    assert (again.opens, again.result_name, again.message) == (done.opens, done.result_name, done.message)


def test_a_failure_while_making_the_snapshot_leaves_no_trace_of_it(approver, monkeypatch):
    from proposals import snapshots

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    job = queued(kinds.TAKE_SNAPSHOT, approver, CABINET)
    monkeypatch.setattr(snapshots.history, "append", broken)  # after the copies are written
    assert run_job(job.pk) == JobStatus.FAILED
    assert not Snapshot.objects.exists() and not Job.objects.get(pk=job.pk).result_url
    monkeypatch.undo()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    assert run_job(job.pk) == JobStatus.DONE and Snapshot.objects.count() == 1


def test_a_hostile_snapshot_name_is_shown_as_text(approver, client_for):
    client = client_for(approver)
    client.post(SNAPSHOT, {**CABINET, "name": "Cabinet <script>alert(1)</script>"})
    job = Job.objects.get()
    page = client.get(reverse("jobs:status", args=[job.pk])).content.decode()
    assert "<script>alert(1)" not in page and "Cabinet &lt;script&gt;alert(1)&lt;/script&gt;" in page


# The snapshots page: a large plan's snapshot is a job


@pytest.fixture
def large(monkeypatch):
    monkeypatch.setattr(snapshot_views, "BACKGROUND_ABOVE", 17)  # the seed plan has 18 proposals


def snapshots_url(plan):
    return reverse("reports:snapshots", args=[plan.council.slug, plan.slug])


def test_a_small_plans_snapshot_is_taken_while_the_page_waits(approver, ce_plan, client_for):
    client = client_for(approver)
    assert "in the background" not in client.get(snapshots_url(ce_plan)).content.decode()
    response = client.post(snapshots_url(ce_plan), {"name": "Cabinet", "taken_on": "2019-02-05"})
    assert response.status_code == 302 and response["Location"] == snapshots_url(ce_plan)
    assert Snapshot.objects.count() == 1 and not Job.objects.exists()


def test_a_large_plans_snapshot_is_taken_by_a_job(large, approver, ce_plan, client_for):
    client = client_for(approver)
    page = client.get(snapshots_url(ce_plan)).content.decode()
    assert "This plan has 18 proposals, so the snapshot is taken in the background" in page
    response = client.post(snapshots_url(ce_plan), {"name": "Cabinet", "taken_on": "2019-02-05"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:status", args=[job.pk])
    assert job.kind == "take_snapshot" and job.status == JobStatus.DONE and Snapshot.objects.count() == 1


def test_a_large_plans_bad_snapshot_is_refused_on_the_form_itself(large, approver, ce_plan, client_for):
    client = client_for(approver)
    before = db_snapshot()
    response = client.post(snapshots_url(ce_plan), {"name": "Cabinet", "taken_on": "5 Feb"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_taken_on_error"' in page and "“5 Feb” is not a date" in page and "No snapshot was taken." in page
    response = client.post(snapshots_url(ce_plan), {"name": "", "taken_on": ""})
    assert response.status_code == 400 and 'id="id_name_error"' in response.content.decode()
    assert not Job.objects.exists() and not Snapshot.objects.exists() and db_snapshot() == before


# Session, user, plan, roles, the snapshots; an approver's page also counts the plan's
# proposals (whether the form starts a job) and what waits for their approval.
@pytest.mark.parametrize("who, queries", [("approver", 7), ("commissioner", 5)])
def test_the_snapshots_page_costs_a_fixed_number_of_queries(request, ce_plan, client_for,
                                                            django_assert_num_queries, who, queries):
    client = client_for(request.getfixturevalue(who))
    url = snapshots_url(ce_plan)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


# Rolling a plan forward

ROLL = reverse("jobs:start", args=["roll_forward"])
NEXT = {"council": "cheshire-east", "plan": "2019-22", "name": "Next", "slug": "2020-23",
        "status": ["consultation", "approved"]}


@pytest.fixture
def both(seed):
    """A Cheshire East administrator who is also its finance officer: who rolls a plan forward."""
    return make_user("both", memberships=[("cheshire-east", Role.COUNCIL_ADMIN), ("cheshire-east", Role.OFFICER)])


def test_a_roll_forward_job_makes_the_plan_and_opens_its_rollup(both, ce_plan, client_for):
    client = client_for(both)
    response = client.post(ROLL, NEXT)
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == JobStatus.DONE, job.message
    assert job.parameters == {"plan": ce_plan.pk, "name": "Next", "slug": "2020-23",
                              "statuses": ["consultation", "approved"]}
    new_plan = BudgetPlan.objects.get(council=ce_plan.council, slug="2020-23")
    assert (new_plan.name, new_plan.base_year) == ("Next", ce_plan.base_year + 1)
    assert Proposal.objects.filter(plan=new_plan, carried_from__plan=ce_plan).count() == 8
    assert job.opens == reverse("reports:rollup", args=["cheshire-east", "2020-23"])
    assert job.result_name == "the new plan “Next”" and "8 proposals carried as drafts" in job.message


@pytest.mark.parametrize("posted, message", [
    ({**NEXT, "slug": "2019-22"}, "already"),
    ({**NEXT, "status": "rejected"}, "Nothing to carry: no rejected proposal of"),
    ({**NEXT, "status": "nope"}, "“nope” is not a status"),
    ({key: value for key, value in NEXT.items() if key != "status"}, "Choose which proposals to carry"),
    ({**NEXT, "name": ""}, "Enter the plan’s name, for example “MTFS 2025/26 to 2027/28”."),
    ({**NEXT, "base_year": "2030"}, "This job does not take base_year. Nothing was started."),
    ({**NEXT, "plan": "no-such-plan"}, kinds.NO_SUCH_PLAN),
    ({**NEXT, "council": "cheshire-west-and-chester"}, kinds.NO_SUCH_PLAN),  # not one of theirs: as if none
])
def test_a_bad_roll_forward_job_is_refused_with_a_message_and_nothing_is_started(both, client_for, posted,
                                                                                  message):
    refused_and_nothing_written(client_for(both), ROLL, posted, message)


@pytest.mark.parametrize("who", ["council_admin", "officer", "approver"])
def test_only_those_who_may_roll_forward_start_the_job(request, client_for, who):
    user = request.getfixturevalue(who)
    expected = ROLL_FORWARD_PEOPLE if who == "council_admin" else "Only the council's administrators can manage"
    refused_and_nothing_written(client_for(user), ROLL, NEXT, expected)


def test_a_roll_forward_whose_starter_lost_a_role_while_it_waited_fails_and_makes_nothing(both, ce_plan):
    job = queued(kinds.ROLL_FORWARD, both, NEXT)
    Membership.objects.filter(user=both, role=Role.OFFICER).delete()
    plans = BudgetPlan.objects.count()
    assert run_job(job.pk) == JobStatus.FAILED
    assert Job.objects.get(pk=job.pk).message == (
        f"The plan could not be rolled forward: you are no longer allowed to. {ROLL_FORWARD_PEOPLE.rstrip('.')}.")
    assert BudgetPlan.objects.count() == plans


def test_a_roll_forward_job_run_again_makes_one_plan(both, ce_plan):
    job = queued(kinds.ROLL_FORWARD, both, NEXT)
    plans = BudgetPlan.objects.count()
    assert run_job(job.pk) == JobStatus.DONE
    first = Job.objects.get(pk=job.pk)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, finished_at=None)  # its worker died: again
    assert run_job(job.pk) == JobStatus.DONE
    again = Job.objects.get(pk=job.pk)
    assert BudgetPlan.objects.count() == plans + 1 and again.attempts == 2
    assert (again.opens, again.message) == (first.opens, first.message)
    assert Proposal.objects.filter(plan__slug="2020-23").count() == 8


def test_the_roll_forward_page_shows_a_refused_confirm_on_its_form(both, ce_plan, client_for):
    url = reverse("administration:plan_roll_forward", args=["cheshire-east", "2019-22"])
    before, made_before = db_snapshot(), made()
    response = client_for(both).post(url, {"name": "Next", "slug": "Not a slug!", "status": ["approved"],
                                           "previewed": "1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_slug_error"' in page and "Nothing has been created." in page
    assert "What would be carried" in page  # the preview is still shown
    assert not Job.objects.exists() and db_snapshot() == before and made() == made_before


# The open-data package

OPEN_DATA = reverse("jobs:start", args=["open_data_package"])
CE_PLAN = {"council": "cheshire-east", "plan": "2019-22"}


@pytest.fixture
def published(ce_plan):
    from publishing.services import publish

    return publish(plan=ce_plan, user=SYSTEM)


def unzipped(data):
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {info.filename: package.read(info).decode("utf-8") for info in package.infolist()}


def test_the_open_data_job_zips_the_public_package(published, council_admin, ce_plan, client_for, client, tmp_path):
    import subprocess  # nosec B404 # the validator's own command line, with fixed arguments

    from .test_fdp import FRICTIONLESS

    admin = client_for(council_admin)
    publishing_page = admin.get(reverse("publishing:manage", args=["cheshire-east", "2019-22"])).content.decode()
    assert f'<form method="post" action="{OPEN_DATA}">' in publishing_page
    assert '<input type="hidden" name="plan" value="2019-22">' in publishing_page
    response = admin.post(OPEN_DATA, CE_PLAN)
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == JobStatus.DONE, job.message
    assert (job.council, job.parameters) == (ce_plan.council, {"plan": ce_plan.pk})
    download = admin.get(reverse("jobs:download", args=[job.pk]))
    assert download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"] == 'attachment; filename="cheshire-east-2019-22-approved.zip"'
    files = unzipped(download.content)
    base = "/public/cheshire-east/2019-22/"
    assert list(files) == ["datapackage.json", "budget.csv"]
    assert files["datapackage.json"] == client.get(f"{base}datapackage.json").content.decode()
    assert files["budget.csv"] == client.get(f"{base}budget.csv").content.decode()
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    checked = subprocess.run([str(FRICTIONLESS), "validate", "datapackage.json"], cwd=tmp_path,  # nosec B603
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_same_publication_makes_the_same_zip(published, council_admin):
    first = queued(kinds.OPEN_DATA, council_admin, CE_PLAN)
    second = queued(kinds.OPEN_DATA, council_admin, CE_PLAN)
    for job in (first, second):
        assert run_job(job.pk) == JobStatus.DONE
    assert bytes(Job.objects.get(pk=first.pk).result) == bytes(Job.objects.get(pk=second.pk).result)


def test_an_unpublished_plan_has_no_package_to_make(ce_plan, council_admin, client_for):
    refused_and_nothing_written(client_for(council_admin), OPEN_DATA, CE_PLAN,
                                f"{ce_plan.name} is not published, so it has no open-data package: publish it "
                                "first. Nothing was started.")


@pytest.mark.parametrize("who, posted, message", [
    ("officer", CE_PLAN, f"{PUBLISHERS_ONLY} Nothing was started."),
    ("approver", CE_PLAN, f"{PUBLISHERS_ONLY} Nothing was started."),
    ("council_admin", {"council": "cheshire-west-and-chester", "plan": "2019-22"}, kinds.NO_SUCH_PLAN),
    ("council_admin", {**CE_PLAN, "plan": "2030-33"}, kinds.NO_SUCH_PLAN),
    ("council_admin", {**CE_PLAN, "as_at": "now"}, "This job does not take as_at. Nothing was started."),
])
def test_only_the_councils_administrators_make_its_package(request, published, client_for, who, posted, message):
    refused_and_nothing_written(client_for(request.getfixturevalue(who)), OPEN_DATA, posted, message)


def test_a_package_whose_plan_was_withdrawn_or_whose_starter_lost_the_role_while_it_waited_fails(
        published, ce_plan, council_admin):
    from publishing.services import withdraw

    withdrawn = queued(kinds.OPEN_DATA, council_admin, CE_PLAN)
    demoted = queued(kinds.OPEN_DATA, council_admin, CE_PLAN)
    withdraw(plan=ce_plan, user=SYSTEM)
    assert run_job(withdrawn.pk) == JobStatus.FAILED
    assert Job.objects.get(pk=withdrawn.pk).message == (
        f"The open-data package could not be made: {ce_plan.name} is not published, so it has no open-data "
        "package: publish it first.")
    Membership.objects.filter(user=council_admin).update(role=Role.OFFICER)
    assert run_job(demoted.pk) == JobStatus.FAILED
    assert Job.objects.get(pk=demoted.pk).message == (
        f"The open-data package could not be made: you are no longer allowed to. {PUBLISHERS_ONLY.rstrip('.')}.")
    assert not Job.objects.exclude(result=None).exists()


# A large import's confirm step


@pytest.fixture
def large_import(monkeypatch):
    from workbooks import views as workbook_views

    monkeypatch.setattr(workbook_views, "BACKGROUND_ABOVE", 2)  # the three edits below: a "large" import


def previewed(client, plan):
    from .test_import_helpers import edit_workbook, exported_workbook, upload
    from .test_import_roundtrip import edit_three_figures

    return upload(client, plan, edit_workbook(exported_workbook(client, plan), edit_three_figures))


def test_a_large_imports_confirm_applies_it_in_a_job(large_import, officer, ce_plan, client_for):
    from proposals.models import ChangeSet, Variation

    from .conftest import proposal
    from .test_import_helpers import confirm

    client = client_for(officer)
    response = previewed(client, ce_plan)
    assert "This import writes 3 proposals, so it is applied in the background" in response.content.decode()
    response = confirm(client, ce_plan, response)
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:status", args=[job.pk])
    assert job.status == JobStatus.DONE and job.kind == "import_changes", job.message
    assert Variation.objects.get(line__proposal=proposal(ce_plan, "33"), year__start_year=2020).amount_k == -30
    assert set(ChangeSet.objects.filter(action=ChangeSet.Action.IMPORT).values_list("user", flat=True)) == {
        officer.pk}
    assert job.parameters == {"plan": ce_plan.pk, "filename": "proposals.xlsx"}  # the plan of changes is not kept
    assert job.opens == reverse("reports:proposal_list", args=["cheshire-east", "2019-22"])
    page = client.get(response["Location"]).content.decode()
    assert "Finished. Imported proposals.xlsx: 0 proposals created and 3 changed." in page
    assert f"Open the proposals of {escape(ce_plan.name)}" in page


def test_a_small_imports_confirm_is_applied_while_the_page_waits(officer, ce_plan, client_for):
    from .test_import_helpers import confirm

    client = client_for(officer)
    response = previewed(client, ce_plan)
    assert "in the background" not in response.content.decode()
    response = confirm(client, ce_plan, response)
    assert response["Location"] == reverse("workbooks:import", args=["cheshire-east", "2019-22"])
    assert not Job.objects.exists()


def test_an_import_job_cannot_be_started_from_a_form(officer, ce_plan, client_for):
    """Its plan of changes is the server's, never the browser's: /jobs/start/ does not know the kind."""
    before = db_snapshot()
    response = client_for(officer).post(reverse("jobs:start", args=["import_changes"]), {
        **CE_PLAN, "plan_of_changes": '{"plan": %d, "created": [], "changed": []}' % ce_plan.pk})
    assert response.status_code == 404 and not Job.objects.exists() and db_snapshot() == before


@pytest.mark.parametrize("who, changes, message", [
    ("officer", {"plan": -1, "created": [], "changed": []}, "This preview is for a different plan."),
    ("officer", "not a plan of changes", "This preview is for a different plan."),
    ("approver", None, "Only the council's finance officers can import proposals. Nothing was started."),
    ("officer_cwac", None, kinds.NO_SUCH_PLAN),
])
def test_an_import_job_is_refused_before_it_exists(request, ce_plan, who, changes, message):
    changes = {"plan": ce_plan.pk, "created": [], "changed": []} if changes is None else changes
    user = request.getfixturevalue(who)
    before = db_snapshot()
    with pytest.raises(kinds.Refused, match=message):
        kinds.IMPORT_CHANGES.prepare(user, {**CE_PLAN, "plan_of_changes": changes})
    assert not Job.objects.exists() and db_snapshot() == before


def test_a_large_import_refused_at_confirm_says_why_on_the_import_page(large_import, officer, ce_plan,
                                                                      client_for):
    from proposals.models import BudgetPlan

    from .test_import_helpers import confirm

    client = client_for(officer)
    response = previewed(client, ce_plan)
    BudgetPlan.objects.filter(pk=ce_plan.pk).update(is_closed=True)
    before = db_snapshot()
    followed = client.get(confirm(client, ce_plan, response)["Location"], follow=True)
    assert "is closed" in followed.content.decode()
    assert not Job.objects.exists() and db_snapshot() == before


def import_job_for(officer, client, plan):
    """A queued import job of the three edits, as the confirm step makes it."""
    response = previewed(client, plan)
    changes = client.session["workbooks_import"]["plan_of_changes"]
    assert response.status_code == 200
    return queued(kinds.IMPORT_CHANGES, officer, {**CE_PLAN, "plan_of_changes": changes})


def test_an_import_job_run_again_imports_once(officer, ce_plan, client_for):
    from proposals.models import ChangeSet, Proposal

    job = import_job_for(officer, client_for(officer), ce_plan)
    proposals = Proposal.objects.count()
    assert run_job(job.pk) == JobStatus.DONE
    imports = ChangeSet.objects.filter(action=ChangeSet.Action.IMPORT).count()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, finished_at=None)  # its worker died: again
    assert run_job(job.pk) == JobStatus.DONE
    assert Proposal.objects.count() == proposals  # the three edits change proposals; none is made twice
    assert ChangeSet.objects.filter(action=ChangeSet.Action.IMPORT).count() == imports == 3


def test_an_import_whose_proposal_changed_or_whose_starter_lost_the_role_while_it_waited_fails(
        officer, officer2, ce_plan, client_for):
    from proposals.services import LineInput, save_proposal

    from .conftest import proposal

    client = client_for(officer)
    demoted = import_job_for(officer, client, ce_plan)
    Membership.objects.filter(user=officer).update(role=Role.APPROVER)
    before = db_snapshot()
    assert run_job(demoted.pk) == JobStatus.FAILED
    assert Job.objects.get(pk=demoted.pk).message == (
        "The import could not be finished: you are no longer allowed to. Only the council's finance officers can "
        "import proposals.")
    Membership.objects.filter(user=officer).update(role=Role.OFFICER)
    moved_on = import_job_for(officer, client, ce_plan)
    p41 = proposal(ce_plan, "41")
    save_proposal(proposal=p41, user=officer2, fields={"title": "Growth in demand (revised)"},
                  expected_version=p41.version,
                  lines=[LineInput(service_budget=line.service_budget,
                                   figures={v.year: v.amount_k for v in line.variations.all()})
                         for line in p41.lines.all()])
    before = db_snapshot()
    assert run_job(moved_on.pk) == JobStatus.FAILED
    assert "was changed in the portal after the preview. Nothing has been imported" in Job.objects.get(
        pk=moved_on.pk).message
    assert db_snapshot() == before
