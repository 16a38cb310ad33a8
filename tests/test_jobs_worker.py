"""A real worker (``manage.py jobs_worker``, in a process of its own) killed with SIGKILL in
the middle of a job: the job is never left "running". The next worker to start queues it
again and finishes it, or, once it has had JOB_MAX_ATTEMPTS runs, marks it failed with a
message. On SQLite (the test database copied to a file both processes open) and on
PostgreSQL (the test database itself, committed: transactional_db).

The job is tests/jobs_worker.py's slow one (20 steps of a quarter of a second), so the
kill lands mid-job."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs.models import Job, JobStatus
from jobs.services import enqueue

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
WAIT_SECONDS = 60


class SharedDatabase:
    """The test database as a worker process can open it, and a way to read a job from it."""

    def __init__(self, tmp_path):
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.path = tmp_path / "jobs.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            db = connection.settings_dict
            credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}"
            self.url = f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{quote(db['NAME'])}"

    def share(self):
        """On SQLite, copy the in-memory test database (with the job just queued) to the file."""
        if self.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(self.path)
            connection.connection.backup(target)
            target.close()

    def job(self, pk):
        sql = "SELECT status, attempts, progress_done, message, result_size FROM jobs_job WHERE id = %s"
        if self.vendor == "sqlite":
            with sqlite3.connect(self.path, timeout=30) as db:
                row = db.execute(sql.replace("%s", "?"), [pk]).fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, [pk])
                row = cursor.fetchone()
        return dict(zip(("status", "attempts", "done", "message", "size"), row, strict=True))

    def task_statuses(self):
        sql = f"SELECT status FROM {DBTaskResult._meta.db_table} ORDER BY enqueued_at"
        if self.vendor == "sqlite":
            with sqlite3.connect(self.path, timeout=30) as db:
                return [status for (status,) in db.execute(sql)]
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return [status for (status,) in cursor.fetchall()]


@pytest.fixture
def shared(transactional_db, tmp_path):
    return SharedDatabase(tmp_path)


def start_worker(shared, log, *, max_attempts):
    env = {**os.environ, "DATABASE_URL": shared.url, "DJANGO_SETTINGS_MODULE": "budget_portal.settings_test",
           "TASKS_BACKEND": DATABASE_BACKEND, "JOB_STALE_SECONDS": "1", "JOB_MAX_ATTEMPTS": str(max_attempts),
           "DEBUG": "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.jobs_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def wait_for(shared, pk, done, log_path, what):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        job = shared.job(pk)
        if done(job):
            return job
        time.sleep(0.1)
    pytest.fail(f"the job never {what}: {shared.job(pk)}\nworker log:\n{log_path.read_text()}")


@pytest.mark.parametrize("max_attempts, ends", [(2, "retried and done"), (1, "failed with a message")])
def test_a_job_whose_worker_is_killed_mid_job_is_retried_or_failed(shared, tmp_path, max_attempts, ends,
                                                                    django_user_model):
    user = django_user_model.objects.create_user(username="starter", password="x")
    job = Job.objects.create(user=user, kind="test_slow")
    with override_settings(TASKS={"default": {"BACKEND": DATABASE_BACKEND, "QUEUES": ["default"]}}):
        enqueue(job)
    shared.share()
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        first = start_worker(shared, log, max_attempts=max_attempts)
        try:
            wait_for(shared, job.pk, lambda j: j["status"] == "running" and j["done"] >= 2, log_path, "got going")
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        killed = shared.job(job.pk)
        assert killed["status"] == "running" and 0 < killed["done"] < 20  # killed mid-job, left "running"
        time.sleep(1.5)  # longer than JOB_STALE_SECONDS: its heartbeat has stopped
        second = start_worker(shared, log, max_attempts=max_attempts)
        try:
            final = wait_for(shared, job.pk, lambda j: j["status"] in (JobStatus.DONE, JobStatus.FAILED), log_path,
                             "finished")
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(10)
    if ends == "retried and done":
        assert final["status"] == JobStatus.DONE and final["attempts"] == 2 and final["done"] == 20
        assert final["size"] == len(b"slow work, done\n")
        assert shared.task_statuses() == ["FAILED", "SUCCESSFUL"]  # the killed run's task no longer "running"
    else:
        assert final["status"] == JobStatus.FAILED and final["attempts"] == 1
        assert final["message"] == ("The slow job could not be finished: the worker running it stopped 1 time. "
                                    "Please start it again; if it fails again, tell the portal's administrators.")
        assert shared.task_statuses() == ["FAILED"]


def test_a_running_worker_recovers_a_job_another_machines_worker_left(shared, tmp_path, django_user_model):
    """The job's worker (elsewhere) went silent after this worker started: its periodic
    sweep, not its start, finds the job, and (its last attempt spent) fails it."""
    user = django_user_model.objects.create_user(username="starter", password="x")
    soon = timezone.now() + timedelta(seconds=4)  # silent JOB_STALE_SECONDS after this: well after the start
    job = Job.objects.create(user=user, kind="test_slow", status=JobStatus.RUNNING, attempts=1, progress_total=20,
                             progress_done=3, started_at=timezone.now(), heartbeat_at=soon)
    shared.share()
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = start_worker(shared, log, max_attempts=1)
        try:
            final = wait_for(shared, job.pk, lambda j: j["status"] == JobStatus.FAILED, log_path, "failed")
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(10)
    assert final["message"].startswith("The slow job could not be finished: the worker running it stopped 1 time.")
    assert "lost its worker 1 times; marked failed" in log_path.read_text()
