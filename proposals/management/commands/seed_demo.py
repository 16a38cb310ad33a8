"""Load the seed councils' published plans and, with --demo-users in development, the demo users."""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from councils.models import Council, Membership, Role
from proposals.seed import load_plan_file, seed_files

DEMO_PASSWORD = "budget-demo-2019"  # nosec B105 # the published demo password: demo users need --demo-users and DEBUG on

# username: (first name, last name, [(council slug, role)], superuser)
DEMO_USERS = {
    "officer": ("Jo", "Smith", [("cheshire-east", Role.OFFICER)], False),
    "officer_cwac": ("Sam", "Patel", [("cheshire-west-and-chester", Role.OFFICER)], False),
    "approver": ("Alex", "Morgan", [("cheshire-east", Role.APPROVER), ("cheshire-west-and-chester", Role.APPROVER)],
                 False),
    "commissioner": ("Chris", "Taylor",
                     [("cheshire-east", Role.COMMISSIONER), ("cheshire-west-and-chester", Role.COMMISSIONER)], False),
    "council_admin": ("Robin", "Evans", [("cheshire-east", Role.COUNCIL_ADMIN)], False),
    "admin": ("Pat", "Jones", [], True),
}


class Command(BaseCommand):
    help = (
        "Load the seed data (published plans). With --demo-users, also the demo users and their "
        "published password, which needs DEBUG on. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-users", action="store_true",
            help=f"Also create the demo users ({', '.join(DEMO_USERS)}) with the published password. "
                 "Refused unless DEBUG is on.",
        )

    def handle(self, *args, demo_users=False, **options):
        if demo_users and not settings.DEBUG:
            raise CommandError(
                "--demo-users creates accounts with a published password, so it needs DEBUG=1 "
                "(development only). Nothing was loaded. On a server, create real accounts with "
                "`manage.py createsuperuser` and the admin."
            )
        for path in seed_files():
            plan, created = load_plan_file(path)
            verb = "Loaded" if created else "Already loaded"
            self.stdout.write(f"{verb}: {plan} ({plan.proposals.count()} proposals) from {path.name}")
        if demo_users:
            self._demo_users()

    @transaction.atomic
    def _demo_users(self):
        User = get_user_model()
        for username, (first, last, roles, superuser) in DEMO_USERS.items():
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "is_staff": True, "is_superuser": superuser,
                          "email": f"{username}@example.invalid"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            for slug, role in roles:
                Membership.objects.get_or_create(user=user, council=Council.objects.get(slug=slug), role=role)
        self.stdout.write(f"Demo users: {', '.join(DEMO_USERS)} (password: {DEMO_PASSWORD})")
