"""manage.py create_council NAME [--slug SLUG]: a new council, recorded in its own audit
trail as the system (no person: "the published document" in the history).

It refuses a name or slug already in use, or a slug that is not one, with a message
and exit status 1, writing nothing. A site administrator then gives the council its
first council administrator on its People page (/c/SLUG/settings/people/).
"""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.text import slugify

from councils.models import Council
from proposals.history import changes_between, record_change, snapshot
from proposals.models import ChangeSet
from proposals.permissions import SYSTEM, recorded_user

NAME_LENGTH = Council._meta.get_field("name").max_length
SLUG_LENGTH = Council._meta.get_field("slug").max_length


def council_slug(name, slug=None):
    """The council's slug: ``slug`` as given, or made from the name; a CommandError if it is not a usable one."""
    if slug is None:
        slug = slugify(name)
        if not slug:
            raise CommandError(f"No slug can be made from the name {name!r}: give one with --slug.")
    try:
        validate_slug(slug)
    except ValidationError:
        raise CommandError(
            f"The slug {slug!r} is not a slug: use only lowercase letters, digits and hyphens, e.g. 'cheshire-east'."
        ) from None
    if slug != slug.lower():
        raise CommandError(f"The slug {slug!r} has capital letters: use {slug.lower()!r}.")
    if len(slug) > SLUG_LENGTH:
        raise CommandError(f"The slug {slug!r} is {len(slug)} characters long; at most {SLUG_LENGTH} are allowed.")
    return slug


class Command(BaseCommand):
    help = "Create a council (its slug is made from the name unless --slug is given). Writes nothing if refused."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The council's name, e.g. 'Cheshire East Council'.")
        parser.add_argument("--slug", help="Its address in the portal, e.g. 'cheshire-east' (default: from the name).")

    def handle(self, *args, name, slug=None, **options):
        name = " ".join(name.split())
        if not name:
            raise CommandError("The council's name is empty.")
        if len(name) > NAME_LENGTH:
            raise CommandError(f"The name is {len(name)} characters long; at most {NAME_LENGTH} are allowed.")
        slug = council_slug(name, slug)
        if Council.objects.filter(name__iexact=name).exists():
            raise CommandError(f"A council named {name!r} already exists. Nothing was created.")
        if Council.objects.filter(slug=slug).exists():
            raise CommandError(f"The slug {slug!r} is already another council's: choose one with --slug. "
                               "Nothing was created.")
        try:
            with transaction.atomic():
                council = Council.objects.create(name=name, slug=slug)
                record_change(user=recorded_user(SYSTEM), subject=council, action=ChangeSet.Action.CREATE,
                              changes=changes_between(None, snapshot(council)))
        except IntegrityError:  # the same name or slug, taken meanwhile
            raise CommandError(f"A council named {name!r} or with the slug {slug!r} already exists. "
                               "Nothing was created.") from None
        self.stdout.write(
            f"Created {council.name} ({council.slug}). Give it its first council administrator at "
            f"{reverse('administration:people_add', args=[council.slug])} (as a site administrator)."
        )
