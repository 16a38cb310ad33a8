"""A job: one piece of long work a user asked for (the national export, a snapshot…),
run by a worker process, and the file it made (or the link to what it made), kept for
``JOB_RESULT_DAYS``."""
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .kinds import KINDS


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobQuerySet(models.QuerySet):
    def without_result(self):
        """Every field but the file itself (which may be megabytes)."""
        return self.defer("result")

    def stale(self, now=None):
        """Running jobs whose worker has said nothing for ``JOB_STALE_SECONDS``: it has died."""
        now = now or timezone.now()
        return self.filter(status=JobStatus.RUNNING,
                           heartbeat_at__lt=now - timedelta(seconds=settings.JOB_STALE_SECONDS))

    def expired(self, now=None):
        return self.filter(expires_at__lte=now or timezone.now())


class Job(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    # The council whose administrators may also see the job; none for an all-councils job.
    council = models.ForeignKey("councils.Council", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="jobs")
    kind = models.CharField(max_length=40)  # a name in jobs.kinds.KINDS
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, help_text="Why the job failed, or what it did, in words for the user "
                                                     "who asked.")
    # The file, in the database so every web server and worker machine sees it; bounded
    # by JOB_RESULT_MAX_BYTES and deleted with the job once it expires.
    result = models.BinaryField(null=True, blank=True, editable=False)
    result_name = models.CharField(max_length=200, blank=True)
    result_type = models.CharField(max_length=100, blank=True)
    result_size = models.PositiveBigIntegerField(default=0)
    # What a job made that is not a file (a snapshot, a plan): its page's address, and
    # result_name names it. Written with the records themselves (kinds.make_once).
    result_url = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="How many times a worker has started it.")
    task_id = models.CharField(max_length=64, blank=True, help_text="The django-tasks result of the latest run.")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="The worker's latest sign of life.")
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="When the job and its file are deleted.")

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["status", "heartbeat_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(progress_done__lte=models.F("progress_total")),
                                   name="job_progress_within_total"),
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="job_status_known"),
        ]

    def __str__(self):
        return f"{self.label} ({self.get_status_display().lower()})"

    @property
    def label(self):
        kind = KINDS.get(self.kind)
        return kind.label if kind else self.kind

    def failure(self, reason):
        """The message a failed job shows: its kind's words, then ``reason``."""
        kind = KINDS.get(self.kind)
        return f"{kind.failure if kind else 'The job failed'}: {reason}."

    @property
    def finished(self):
        return self.status not in UNFINISHED

    @property
    def percent(self):
        if self.status == JobStatus.DONE:
            return 100
        if not self.progress_total:
            return 0
        return self.progress_done * 100 // self.progress_total

    @property
    def downloadable(self):
        return self.status == JobStatus.DONE and not self.result_url and not self.has_expired

    @property
    def opens(self):
        """The address of what the job made (not a file), once it is done: kept while the
        job is, since what it made outlives the job."""
        return self.result_url if self.status == JobStatus.DONE else ""

    @property
    def has_expired(self):
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @staticmethod
    def finished_now():
        """The fields a job gets as it finishes: when, and when it (and its file) expire."""
        now = timezone.now()
        return {"finished_at": now, "expires_at": now + timedelta(days=settings.JOB_RESULT_DAYS)}

    @property
    def waiting_long(self):
        """Queued for longer than a worker takes to notice: no worker may be running."""
        return (self.status == JobStatus.QUEUED
                and self.created_at < timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS))

    def is_stale(self, now=None):
        now = now or timezone.now()
        return (self.status == JobStatus.RUNNING and self.heartbeat_at is not None
                and self.heartbeat_at < now - timedelta(seconds=settings.JOB_STALE_SECONDS))
