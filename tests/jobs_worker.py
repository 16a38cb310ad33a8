"""The worker that tests/test_jobs_worker.py starts and kills: ``manage.py jobs_worker``
(its options follow), with one more kind of job, ``test_slow``, that takes long enough to
be killed in the middle of. Run as ``python -m tests.jobs_worker [db_worker options]``."""
import os
import sys
import time

import django

STEPS = 20
STEP_SECONDS = 0.25


def slow(job, progress):
    progress.start(STEPS)
    for step in range(1, STEPS + 1):
        time.sleep(STEP_SECONDS)
        progress.advance(step)
    from jobs.kinds import JobFile

    return JobFile("slow.txt", "text/plain", b"slow work, done\n")


def register_slow_kind():
    from jobs.kinds import Kind, no_parameters, register

    register(Kind(name="test_slow", label="A slow test job", failure="The slow job could not be finished",
                  prepare=no_parameters, run=slow))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "budget_portal.settings_test")
    django.setup()
    register_slow_kind()
    from django.core.management import call_command

    call_command("jobs_worker", *sys.argv[1:])
