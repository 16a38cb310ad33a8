"""Pages that belong to the service rather than to one app: plain error pages (what
happened in words, no internals), the accessibility statement, and the health check."""
import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@login_not_required
def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


@login_not_required
def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


@login_not_required
@requires_csrf_token
def server_error(request):
    # A template of its own (not base.html), so it renders even when the database,
    # the session or another template is what failed. Django has already logged the
    # exception (logger "django.request") with its traceback; the user sees none of it.
    return render(request, "errors/500.html", status=500)


@login_not_required
def csrf_failure(request, reason=""):
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    return render(request, "errors/403_csrf.html", status=403)


@login_not_required
@require_safe
def accessibility_statement(request):
    return render(request, "accessibility.html")


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """For the load balancer: 200 "ok" when the app can reach its database, else 503.

    Says nothing else (no version, no settings), and needs no sign-in."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Health check: the database is not reachable")
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
