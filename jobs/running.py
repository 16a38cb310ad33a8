"""Running a job: what a worker does with the ``jobs.tasks.run`` task.

Idempotent: a worker claims the job only while it is queued, and a run writes the job's
one result over whatever an earlier run left (a kind that writes records makes them once:
``kinds.make_once``).
"""
import logging
import time

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from .kinds import KINDS, JobFailed, JobLink
from .models import Job, JobStatus

logger = logging.getLogger("jobs")

UNEXPECTED = ("something went wrong on the server. The error has been recorded for the portal's "
              "administrators; please try again later")
KIND_GONE = "the portal no longer makes this kind of file"


class Progress:
    """What a running job tells its status page: ``start(total)``, then ``advance(done)``.
    Each write is also the worker's heartbeat; writes are at most one every
    ``interval`` seconds however often the work reports."""

    interval = 0.5

    def __init__(self, job):
        self.job = job
        self.total = 0
        self._written = 0.0

    def start(self, total):
        self.total = total
        self._write(progress_total=total, progress_done=0)

    def advance(self, done):
        if time.monotonic() - self._written >= self.interval:
            self._write(progress_done=min(done, self.total))

    def _write(self, **fields):
        self._written = time.monotonic()
        Job.objects.filter(pk=self.job.pk).update(heartbeat_at=timezone.now(), **fields)


def run_job(job_id):
    """Run the job ``job_id`` if it is queued (else: deleted, finished, or claimed by
    another worker; nothing to do). Returns the job's status afterwards."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, finished_at=None, attempts=F("attempts") + 1,
        progress_done=0,
    )
    if not claimed:
        return None
    job = Job.objects.without_result().select_related("user").get(pk=job_id)
    kind = KINDS.get(job.kind)
    try:
        if kind is None:
            raise JobFailed(KIND_GONE)
        made = kind.run(job, Progress(job))
        if not isinstance(made, JobLink) and len(made.data) > settings.JOB_RESULT_MAX_BYTES:
            raise JobFailed(f"the file would be {len(made.data) // 2**20} MB, more than the "
                            f"{settings.JOB_RESULT_MAX_BYTES // 2**20} MB the portal keeps")
    except Exception as exc:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        reason = str(exc) if isinstance(exc, JobFailed) else UNEXPECTED
        _finish(job, status=JobStatus.FAILED, message=job.failure(reason))
        return JobStatus.FAILED
    # Written whatever the status now: a run that outlived its heartbeat still has the right result.
    result: dict[str, object]
    if isinstance(made, JobLink):
        result = {"result_url": made.url, "result_name": made.name, "message": made.note}
    else:
        result = {"result": made.data, "result_name": made.name, "result_type": made.content_type,
                  "result_size": len(made.data), "message": ""}
    _finish(job, status=JobStatus.DONE, progress_done=F("progress_total"), **result)
    return JobStatus.DONE


def _finish(job, **fields):
    Job.objects.filter(pk=job.pk).update(**Job.finished_now(), **fields)
