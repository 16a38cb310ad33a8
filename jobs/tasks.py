"""The one task every job runs through: the job's kind decides the work (jobs.kinds)."""
from django_tasks import task

from .running import run_job


@task()
def run(job_id: int) -> str | None:
    return run_job(job_id)
