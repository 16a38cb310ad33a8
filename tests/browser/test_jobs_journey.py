"""The national export, as a user follows it: from All proposals they start the .xlsx,
land on its status page (waiting, then a progress bar moving as the worker reports), and
download the file when it is done. Axe on the page in each state; the page's own script
(static/js/job-progress.js) does the updating, under the real CSP. And a job that makes
records, a large plan's snapshot, to its "Open the snapshot".

The jobs are queued with the dummy backend (queued, never run) and this test plays the
worker: it runs the job itself, step by step, in the test's thread. A worker process
cannot share live_server's in-memory SQLite database, and the immediate backend would
finish the job inside the click, so the progress page would never be seen running; a
real worker killed mid-job is tests/test_jobs_worker.py's."""
import io

import pytest
from openpyxl import load_workbook

from jobs.models import Job, JobStatus
from jobs.running import run_job

from .conftest import assert_accessible

pytestmark = pytest.mark.browser


def test_a_national_export_from_its_progress_page_to_the_download(open_as, officer, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    page = open_as(officer)
    page.goto("/proposals/")
    page.get_by_role("button", name="All your councils' proposals, one row per impact line (.xlsx)").click()
    page.wait_for_url("**/jobs/*/")
    job = Job.objects.get(user=officer)
    status = page.get_by_role("status")
    assert status.inner_text() == "Waiting to start: a worker will pick the job up shortly."
    assert page.get_by_role("heading", level=1).inner_text() == job.label
    assert_accessible(page, "jobs-1-queued-1280")

    # The worker picks it up and reports progress: the script shows it without a reload.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress_done=5, progress_total=20)
    page.get_by_text("Running: 5 of 20 done.").wait_for()
    assert page.locator("#job-progress").get_attribute("value") == "25"
    assert page.locator("#job-percent").inner_text() == "25%"
    assert_accessible(page, "jobs-2-running-1280")

    # It finishes: the download link appears, and the file is the export.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    assert run_job(job.pk) == JobStatus.DONE
    page.get_by_text("Finished.").wait_for()
    link = page.get_by_role("link", name="Download all-councils-proposals.xlsx")
    link.wait_for()
    assert_accessible(page, "jobs-3-done-1280")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "all-councils-proposals.xlsx"
    with open(download.value.path(), "rb") as file:
        sheet = load_workbook(io.BytesIO(file.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Council" and {row[0] for row in rows[1:]} == {"Cheshire East Council"}

    # Your jobs lists it, with its download.
    page.goto("/jobs/")
    page.get_by_role("link", name=job.label).wait_for()
    assert_accessible(page, "jobs-4-list-1280")


def test_a_large_plans_snapshot_from_its_progress_page_to_the_snapshot(open_as, approver, ce_plan, settings,
                                                                        monkeypatch):
    """A job that makes records: the script offers "Open the snapshot" when it is done."""
    from reports import snapshot_views

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    monkeypatch.setattr(snapshot_views, "BACKGROUND_ABOVE", 17)  # the seed plan's 18 proposals: "large"
    page = open_as(approver)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/snapshots/")
    page.get_by_label("Name").fill("Cabinet 5 February 2019")
    page.get_by_role("button", name="Take the snapshot").click()
    page.wait_for_url("**/jobs/*/")
    job = Job.objects.get(user=approver)
    page.get_by_text("Waiting to start").wait_for()
    assert run_job(job.pk) == JobStatus.DONE
    link = page.get_by_role("link", name="Open the snapshot “Cabinet 5 February 2019”")
    link.wait_for()
    assert page.get_by_role("link", name="Download").count() == 0
    assert_accessible(page, "jobs-5-snapshot-done-1280")
    link.click()
    page.wait_for_url("**/snapshots/#snapshot-cabinet-5-february-2019")
    assert page.locator("#snapshot-cabinet-5-february-2019").inner_text().startswith("Cabinet 5 February 2019")
