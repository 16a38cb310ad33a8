"""Background jobs (jobs/): starting the national export, its progress, its file, who may
see it, what a failure says, and how long it is kept. The tests run each job inside the
request that starts it (the immediate backend, settings_test); a real worker is started
in tests/test_jobs_worker.py."""
import io
import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from councils.access import councils_for
from jobs import kinds
from jobs.models import Job, JobStatus
from jobs.running import Progress, run_job
from jobs.services import clear_expired_jobs, enqueue, recover_stale_jobs
from proposals.models import Proposal
from proposals.permissions import can_see_job
from workbooks.exports import FlatScope, write_flat_export

from .conftest import make_user

START = reverse("jobs:start", args=["national_export"])


def finished_job(user, *, council=None, data=b"a file", expires_in=timedelta(days=7), **fields):
    now = timezone.now()
    return Job.objects.create(
        user=user, council=council, kind="national_export", status=JobStatus.DONE, result=data,
        result_name="all-councils-proposals.xlsx", result_type="application/octet-stream", result_size=len(data),
        progress_done=3, progress_total=3, started_at=now, finished_at=now, expires_at=now + expires_in, **fields,
    )


def direct_export(user):
    out = io.BytesIO()
    write_flat_export(scope=FlatScope.for_councils(councils_for(user)), out=out)
    return out.getvalue()


def sheet_rows(data):
    return [list(row) for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


def start(client, data=None):
    return client.post(START, data or {})


# The lifecycle


def test_starting_the_export_runs_it_and_goes_to_its_status_page(officer, client_for):
    client = client_for(officer)
    response = start(client)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:status", args=[job.pk])
    assert (job.user, job.council, job.kind, job.parameters) == (officer, None, "national_export", {})
    assert job.status == JobStatus.DONE and job.attempts == 1 and job.message == ""
    assert job.started_at <= job.finished_at and job.expires_at == job.finished_at + timedelta(days=7)
    page = client.get(response["Location"]).content.decode()
    assert "Finished." in page and reverse("jobs:download", args=[job.pk]) in page
    assert 'http-equiv="refresh"' not in page and "job-progress.js" not in page


def test_the_download_is_the_same_workbook_as_a_direct_export(officer, client_for):
    client = client_for(officer)
    start(client)
    job = Job.objects.get()
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="all-councils-proposals.xlsx"'
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = sheet_rows(response.content)
    assert rows == sheet_rows(direct_export(officer))
    assert {row[0] for row in rows[1:]} == {"Cheshire East Council"}  # what the officer may see, no more
    assert job.result_size == len(response.content)


def test_progress_counts_the_proposals_up_to_the_total(officer, monkeypatch):
    seen = []
    advance = Progress.advance

    def recording(self, done):
        seen.append((done, self.total))
        advance(self, done)

    monkeypatch.setattr(Progress, "advance", recording)
    monkeypatch.setattr(Progress, "interval", 0)
    every_proposal = kinds.counting_proposals
    monkeypatch.setattr(kinds, "counting_proposals", lambda progress: every_proposal(progress, every=1))
    job = Job.objects.create(user=officer, kind="national_export")
    run_job(job.pk)
    counted = Proposal.objects.filter(FlatScope.for_councils(councils_for(officer)).scope).count()
    assert counted > 10
    assert [done for done, _ in seen] == [*range(1, counted + 1), counted]
    assert {total for _, total in seen} == {counted}
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.percent) == (counted, counted, 100)


def test_the_status_json_while_running(officer, client_for):
    job = Job.objects.create(user=officer, kind="national_export", status=JobStatus.RUNNING, progress_done=3,
                             progress_total=12, started_at=timezone.now(), heartbeat_at=timezone.now())
    data = client_for(officer).get(reverse("jobs:status_json", args=[job.pk])).json()
    assert data == {"id": job.pk, "status": "running", "status_text": "Running: 3 of 12 done.", "done": 3,
                    "total": 12, "percent": 25, "finished": False, "message": "", "download_url": None,
                    "open_url": None, "result_name": ""}


def test_the_status_page_refreshes_itself_without_script_while_running(officer, client_for):
    job = Job.objects.create(user=officer, kind="national_export", status=JobStatus.RUNNING, progress_done=1,
                             progress_total=4, heartbeat_at=timezone.now())
    page = client_for(officer).get(reverse("jobs:status", args=[job.pk])).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert '<progress id="job-progress" max="100" value="25">25%</progress>' in page
    assert '<label for="job-progress">Progress</label>' in page
    assert 'role="status">Running: 1 of 4 done.' in page
    assert "js/job-progress.js" in page and "<script>" not in page  # the CSP allows no inline script
    assert reverse("jobs:download", args=[job.pk]) not in page


def test_running_a_job_again_rewrites_its_one_result(officer):
    job = Job.objects.create(user=officer, kind="national_export")
    run_job(job.pk)
    first = Job.objects.get(pk=job.pk).result
    assert run_job(job.pk) is None  # finished: a repeated delivery does nothing
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, result=b"stale")
    assert run_job(job.pk) == JobStatus.DONE
    again = Job.objects.get(pk=job.pk)
    assert sheet_rows(bytes(again.result)) == sheet_rows(bytes(first)) and again.attempts == 2
    assert Job.objects.count() == 1


def test_your_jobs_lists_only_your_own(officer, officer2, client_for):
    mine = finished_job(officer)
    theirs = finished_job(officer2)
    page = client_for(officer).get(reverse("jobs:list")).content.decode()
    assert reverse("jobs:status", args=[mine.pk]) in page
    assert reverse("jobs:status", args=[theirs.pk]) not in page
    assert "kept for 7 days" in page


def test_the_all_proposals_page_offers_the_export_as_a_job(officer, client_for):
    page = client_for(officer).get(reverse("reports:proposal_list_all")).content.decode()
    assert f'<form method="post" action="{START}"' in page and "csrfmiddlewaretoken" in page


# Who may see a job


@pytest.fixture
def ce_job(officer, ce):
    return finished_job(officer, council=ce)


JOB_PAGES = ("jobs:status", "jobs:status_json", "jobs:download")


@pytest.mark.parametrize("who, status", [
    ("officer", 200),  # who started it
    ("council_admin", 200),  # an administrator of its council
    ("admin_user", 200),  # a site administrator
    ("officer2", 404),  # a colleague in the same council
    ("approver", 404), ("commissioner", 404),
    ("cwac_admin", 404),  # another council's administrator
    ("outsider", 404),
])
def test_a_jobs_pages_answer_only_its_starter_and_its_councils_administrators(request, ce_job, client_for, who,
                                                                              status):
    if who == "cwac_admin":
        from councils.models import Role

        user = make_user("cwac_admin", memberships=[("cheshire-west-and-chester", Role.COUNCIL_ADMIN)])
    else:
        user = request.getfixturevalue(who)
    client = client_for(user)
    for name in JOB_PAGES:
        assert client.get(reverse(name, args=[ce_job.pk])).status_code == status, name
    assert bool(can_see_job(user, ce_job)) == (status == 200)


def test_an_all_councils_job_is_its_starters_and_the_site_administrators(officer, council_admin, admin_user,
                                                                         client_for):
    job = finished_job(officer)
    assert client_for(council_admin).get(reverse("jobs:status", args=[job.pk])).status_code == 404
    assert client_for(admin_user).get(reverse("jobs:status", args=[job.pk])).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, ce_job):
    for name in JOB_PAGES:
        response = client.get(reverse(name, args=[ce_job.pk]))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), name
    response = client.post(START)
    assert response.status_code == 302 and Job.objects.count() == 1


# Bad input


def test_a_job_that_does_not_exist_is_not_found(officer, client_for):
    client = client_for(officer)
    for name in JOB_PAGES:
        assert client.get(reverse(name, args=[987654])).status_code == 404
    assert client.get("/jobs/not-a-number/").status_code == 404


def test_the_start_address_refuses_a_get(officer, client_for):
    assert client_for(officer).get(START).status_code == 405
    assert not Job.objects.exists()


def test_an_unknown_kind_of_job_is_not_found(officer, client_for):
    assert client_for(officer).post(reverse("jobs:start", args=["rm-rf"])).status_code == 404
    assert not Job.objects.exists()


def test_unknown_parameters_are_refused_with_a_message_and_nothing_is_started(officer, client_for):
    response = start(client_for(officer), {"council": "cheshire-east", "year": "2019"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "This job could not be started" in text
    assert "This job takes no choices, but the form sent: council, year. Nothing was started." in text
    assert not Job.objects.exists()


def test_there_is_no_download_before_the_job_finishes_or_after_it_fails(officer, client_for):
    client = client_for(officer)
    queued = Job.objects.create(user=officer, kind="national_export")
    failed = Job.objects.create(user=officer, kind="national_export", status=JobStatus.FAILED, message="No.")
    for job in (queued, failed):
        assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404


# Failure


def test_a_failed_job_says_why_in_words_and_is_logged(officer, client_for, monkeypatch, caplog):
    def broken(**kwargs):
        raise ValueError("disk on fire")

    monkeypatch.setattr(kinds, "write_flat_export", broken)
    client = client_for(officer)
    with caplog.at_level(logging.ERROR, logger="jobs"):
        response = start(client)
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED and job.result is None
    assert job.message == ("The export could not be finished: something went wrong on the server. The error has "
                           "been recorded for the portal's administrators; please try again later.")
    assert "disk on fire" not in job.message  # the user is not shown the server's internals…
    logged = [record for record in caplog.records if record.name == "jobs"]
    assert logged and logged[0].exc_info and "disk on fire" in str(logged[0].exc_info[1])  # …the log has them
    assert f"Job {job.pk} (national_export) failed" in logged[0].getMessage()
    page = client.get(response["Location"]).content.decode()
    assert "Failed. The export could not be finished: something went wrong" in page
    assert client.get(reverse("jobs:status_json", args=[job.pk])).json()["message"] == job.message


def test_a_file_over_the_limit_fails_the_job_with_its_size(officer, settings):
    settings.JOB_RESULT_MAX_BYTES = 100
    job = Job.objects.create(user=officer, kind="national_export")
    assert run_job(job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert job.message.startswith("The export could not be finished: the file would be 0 MB, more than the 0 MB")
    assert job.result is None


# Expiry


def test_expired_jobs_are_deleted_with_their_files_and_others_kept(officer):
    expired = finished_job(officer, expires_in=timedelta(seconds=-1))
    kept = finished_job(officer)
    running = Job.objects.create(user=officer, kind="national_export", status=JobStatus.RUNNING)
    assert clear_expired_jobs() == 1
    assert set(Job.objects.values_list("pk", flat=True)) == {kept.pk, running.pk}
    assert not Job.objects.filter(pk=expired.pk).exists()


def test_the_command_clears_expired_jobs(officer):
    from django.core.management import call_command

    finished_job(officer, expires_in=timedelta(seconds=-1))
    out = io.StringIO()
    call_command("clear_expired_jobs", stdout=out)
    assert "1 expired job deleted" in out.getvalue() and not Job.objects.exists()


def test_an_expired_file_not_yet_cleared_is_not_downloaded(officer, client_for):
    job = finished_job(officer, expires_in=timedelta(seconds=-1))
    client = client_for(officer)
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    assert "has been deleted" in client.get(reverse("jobs:status", args=[job.pk])).content.decode()


def test_results_are_kept_for_job_result_days(officer, settings):
    settings.JOB_RESULT_DAYS = 2
    job = Job.objects.create(user=officer, kind="national_export")
    run_job(job.pk)
    job.refresh_from_db()
    assert job.expires_at - job.finished_at == timedelta(days=2)


# Queries


@pytest.mark.parametrize("page, who, queries", [
    ("jobs:status_json", "officer", 3),  # session, user, the job (with its starter)
    ("jobs:status_json", "council_admin", 4),  # … and the administrator's roles
    # The page: as the JSON, and the roles and the "Waiting for you" count every page shows.
    ("jobs:status", "officer", 5),
    ("jobs:status", "council_admin", 4),  # roles read once (for the job and the page); nothing waits for them
])
def test_the_status_costs_a_fixed_number_of_queries(request, ce_job, client_for, django_assert_num_queries, page,
                                                    who, queries):
    client = client_for(request.getfixturevalue(who))
    with django_assert_num_queries(queries):
        assert client.get(reverse(page, args=[ce_job.pk])).status_code == 200


# A worker that died (the real kill is tests/test_jobs_worker.py's)

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def abandoned(user, *, attempts=1, silent_for=timedelta(minutes=10)):
    """A job left "running" by a worker that died ``silent_for`` ago."""
    then = timezone.now() - silent_for
    return Job.objects.create(user=user, kind="national_export", status=JobStatus.RUNNING, attempts=attempts,
                              progress_done=2, progress_total=9, started_at=then, heartbeat_at=then)


def test_reading_the_status_of_a_job_whose_worker_died_runs_it_again(officer, client_for):
    job = abandoned(officer)
    data = client_for(officer).get(reverse("jobs:status_json", args=[job.pk])).json()
    assert data["status"] == "done" and data["download_url"]  # queued again; the immediate backend ran it
    job.refresh_from_db()
    assert job.attempts == 2 and job.result_size > 0


def test_after_its_last_attempt_a_job_whose_worker_died_fails_with_a_message(officer, client_for, settings):
    settings.JOB_MAX_ATTEMPTS = 2
    job = abandoned(officer, attempts=2)
    page = client_for(officer).get(reverse("jobs:status", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert job.message == ("The export could not be finished: the worker running it stopped 2 times. Please start "
                           "it again; if it fails again, tell the portal's administrators.")
    assert escape(job.message) in page


def test_a_running_job_that_reports_progress_is_left_alone(officer):
    job = abandoned(officer, silent_for=timedelta(seconds=5))
    assert recover_stale_jobs() == 0
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.attempts == 1


def test_a_queued_job_whose_task_was_taken_but_never_started_fails_with_a_message(officer, settings):
    settings.TASKS = DATABASE_TASKS
    long_ago = timezone.now() - timedelta(minutes=10)
    job = Job.objects.create(user=officer, kind="national_export", created_at=long_ago)
    waiting = Job.objects.create(user=officer, kind="national_export", created_at=long_ago)
    enqueue(job)
    enqueue(waiting)
    job.refresh_from_db()
    DBTaskResult.objects.filter(pk=job.task_id).update(status="RUNNING", started_at=long_ago)
    assert recover_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.message.startswith(
        "The export could not be finished: the worker that took it stopped before it began.")
    assert DBTaskResult.objects.get(pk=job.task_id).status == "FAILED"
    assert Job.objects.get(pk=waiting.pk).status == JobStatus.QUEUED  # its task is still waiting for a worker


def test_a_job_waiting_longer_than_usual_says_the_workers_may_be_stopped(officer, client_for):
    job = Job.objects.create(user=officer, kind="national_export", created_at=timezone.now() - timedelta(hours=1))
    data = client_for(officer).get(reverse("jobs:status_json", args=[job.pk])).json()
    assert data["status_text"] == ("Waiting to start: it has waited longer than usual, so the portal's workers may "
                                   "be stopped. If it does not start soon, tell the portal's administrators.")
