"""What every page's navigation shows: the counts of what waits for the user (queue.counts),
read lazily, so a page that does not draw the navigation asks nothing."""
from django.utils.functional import SimpleLazyObject

from .queue import counts


def waiting(request):
    return {"waiting": SimpleLazyObject(lambda: counts(request.user))}
