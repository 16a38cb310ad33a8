"""The portal's worker: django-tasks-db's ``db_worker``, plus the recovery of jobs whose
worker died (django-tasks-db leaves their tasks "running" for ever).

Recovery runs as the worker starts and then every ``JOB_STALE_SECONDS`` in a thread of
its own, so with workers on several machines a machine that dies has its jobs picked up
by the others. Every option is db_worker's (``--help``)."""
import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django_tasks_db.management.commands import db_worker

from jobs.services import recover_stale_jobs

logger = logging.getLogger("jobs")


def sweep_forever(stop: threading.Event) -> None:
    while not stop.wait(settings.JOB_STALE_SECONDS):
        try:
            recover_stale_jobs()
        except Exception:
            logger.exception("Recovering jobs whose worker died failed; trying again later")
        finally:
            close_old_connections()


class Command(db_worker.Command):
    help = "Run the portal's background jobs (db_worker, recovering jobs whose worker died)."

    def handle(self, *args, **options):
        recover_stale_jobs()
        close_old_connections()
        stop = threading.Event()
        threading.Thread(target=sweep_forever, args=(stop,), name="jobs-recovery", daemon=True).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
