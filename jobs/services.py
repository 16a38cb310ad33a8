"""Starting, running, recovering and clearing jobs.

A job is run by ``jobs.running.run_job`` in a worker process (``manage.py jobs_worker``),
through the ``jobs.tasks.run`` task.

A worker that dies mid-job (killed, its machine gone) leaves the job "running" with a
heartbeat that stops moving. ``recover`` finds it ``JOB_STALE_SECONDS`` later (a worker
sweeps for such jobs as it starts and every ``JOB_STALE_SECONDS``; a status read checks
its own job) and queues it again, or, after ``JOB_MAX_ATTEMPTS`` runs, marks it failed
with a message.
"""
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .kinds import Kind
from .models import Job, JobStatus
from .tasks import run

logger = logging.getLogger("jobs")

WORKER_LOST = ("the worker running it stopped {attempts} time{s}. Please start it again; if it fails "
               "again, tell the portal's administrators")


NEVER_STARTED = ("the worker that took it stopped before it began. Please start it again; if it fails again, "
                 "tell the portal's administrators")


def start_job(*, user, kind: Kind, posted: dict) -> Job:
    """A queued job of ``kind`` for ``user``, from what they posted (``kind.prepare``
    raises Refused, with a message, before anything is created)."""
    council, parameters = kind.prepare(user, posted)
    job = Job.objects.create(user=user, council=council, kind=kind.name, parameters=parameters)
    enqueue(job)
    return job


def enqueue(job):
    """Queue a run of ``job`` with the tasks backend (a worker picks it up)."""
    result = run.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))


def recover(job):
    """``job`` has been running without a heartbeat for ``JOB_STALE_SECONDS``: queue it
    again, or (after ``JOB_MAX_ATTEMPTS`` runs) mark it failed with a message. Safe to call
    from several processes at once: only the one whose update matches acts."""
    still_stale = Job.objects.stale().filter(pk=job.pk, heartbeat_at=job.heartbeat_at)
    if job.attempts < settings.JOB_MAX_ATTEMPTS:
        if still_stale.update(status=JobStatus.QUEUED, heartbeat_at=None):
            logger.warning("Job %s (%s) lost its worker; queued again", job.pk, job.kind)
            _abandon_task(job.task_id)
            enqueue(job)
        return
    message = WORKER_LOST.format(attempts=job.attempts, s="" if job.attempts == 1 else "s")
    # The job and its task are marked failed together: a worker stopped between the two
    # would otherwise leave the task "running" for ever beside a failed job.
    with transaction.atomic():
        failed = still_stale.update(status=JobStatus.FAILED, **Job.finished_now(), message=job.failure(message))
        if failed:
            _abandon_task(job.task_id)
    if failed:
        logger.error("Job %s (%s) lost its worker %s times; marked failed", job.pk, job.kind, job.attempts)


def _is_database_task(task_id):
    """The database backend's task ids are UUIDs (the immediate backend's are not)."""
    try:
        uuid.UUID(task_id)
    except ValueError:
        return False
    return True


def _abandon_task(task_id):
    """The database backend's record of a run whose worker died says "running" for ever:
    mark it failed, so the tasks table agrees with the job."""
    if not _is_database_task(task_id):
        return
    DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now())


def lost_before_starting(now=None):
    """Queued jobs whose task a worker took (``JOB_STALE_SECONDS`` ago or more) or
    finished without the job ever starting: the worker died between claiming the task
    and the job, or the task could not run it. Nothing would ever run them."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.JOB_STALE_SECONDS)
    queued = {job.task_id: job for job in Job.objects.filter(status=JobStatus.QUEUED, created_at__lt=cutoff)
              .without_result() if _is_database_task(job.task_id)}
    if not queued:
        return []
    taken = (DBTaskResult.objects.filter(pk__in=list(queued)).exclude(status=TaskResultStatus.READY)
             .exclude(status=TaskResultStatus.RUNNING, started_at__gte=cutoff))
    return [queued[str(pk)] for pk in taken.values_list("pk", flat=True)]


def recover_stale_jobs():
    """Recover every job whose worker has died (running, or queued but taken and never
    started: failed with a message, as its task may be what fails). Returns how many."""
    stale = list(Job.objects.stale().without_result())
    for job in stale:
        recover(job)
    lost = lost_before_starting()
    for job in lost:
        if Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED, task_id=job.task_id).update(
                status=JobStatus.FAILED, **Job.finished_now(), message=job.failure(NEVER_STARTED)):
            logger.error("Job %s (%s): its task %s was taken but the job never started", job.pk, job.kind,
                         job.task_id)
            _abandon_task(job.task_id)
    return len(stale) + len(lost)


def clear_expired_jobs(now=None):
    """Delete the jobs (and their files) past their expiry, and the task queue's records
    of runs finished as long ago. Returns how many jobs were deleted."""
    now = now or timezone.now()
    deleted, _ = Job.objects.expired(now).delete()
    DBTaskResult.objects.finished().filter(finished_at__lt=now - timedelta(days=settings.JOB_RESULT_DAYS)).delete()
    return deleted
