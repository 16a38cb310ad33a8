from django.core.management.base import BaseCommand

from jobs.services import clear_expired_jobs, recover_stale_jobs


class Command(BaseCommand):
    help = ("Delete jobs (and their files) kept longer than JOB_RESULT_DAYS, and recover jobs whose worker "
            "died. Run it daily (cron or a systemd timer).")

    def handle(self, *args, **options):
        recovered = recover_stale_jobs()
        deleted = clear_expired_jobs()
        self.stdout.write(f"{deleted} expired job{'s' if deleted != 1 else ''} deleted; "
                          f"{recovered} job{'s' if recovered != 1 else ''} whose worker died recovered.")
