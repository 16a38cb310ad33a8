"""Error pages say what happened in plain words, and nothing about the app's insides.

DEBUG is off here (pytest-django turns it off), as in production. The views that raise
are defined in this module, which stands in as the URLconf with the project's handlers.
"""
import logging
import re

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import path

from budget_portal.urls import urlpatterns as project_urlpatterns


@login_not_required
def _raises_404(request):
    raise Http404("Proposal 12345 of council secret-council does not exist")


@login_not_required
def _raises_403(request):
    raise PermissionDenied("internal reason: role check failed in councils.access")


@login_not_required
def _raises_500(request):
    raise RuntimeError("boom: database password is hunter2")


urlpatterns = [
    path("raise-404/", _raises_404),
    path("raise-403/", _raises_403),
    path("raise-500/", _raises_500),
    *project_urlpatterns,  # the pages base.html links to
]
handler403 = "budget_portal.views.permission_denied"
handler404 = "budget_portal.views.page_not_found"
handler500 = "budget_portal.views.server_error"

INTERNALS = (
    "Traceback", "File \"", "SECRET_KEY", "DATABASES", "settings.py", "secret-council", "hunter2",
    "councils.access", "RuntimeError", "Http404", "PermissionDenied", "django", "Django",
)
INLINE = re.compile(r"<script(?![^>]*\ssrc=)|<style|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def assert_plain(response, heading):
    body = response.content.decode()
    assert heading in body
    for internal in INTERNALS:
        assert internal not in body, f"error page shows {internal!r}"
    assert not INLINE.search(body), "error page has inline script or style"
    assert response["Content-Type"].startswith("text/html")


pytestmark = [pytest.mark.urls("tests.test_error_pages"), pytest.mark.django_db]


def test_not_found_page_is_plain(client, settings):
    assert settings.DEBUG is False
    response = client.get("/raise-404/")
    assert response.status_code == 404
    assert_plain(response, "Page not found")


def test_an_unknown_address_gets_the_plain_not_found_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_plain(response, "Page not found")


def test_forbidden_page_is_plain(client):
    response = client.get("/raise-403/")
    assert response.status_code == 403
    assert_plain(response, "You cannot do that")


def test_server_error_page_is_plain_and_the_error_is_logged(caplog):
    client = Client(raise_request_exception=False)
    logger = logging.getLogger("django.request")  # does not propagate: listen on it directly
    logger.addHandler(caplog.handler)
    try:
        response = client.get("/raise-500/")
    finally:
        logger.removeHandler(caplog.handler)
    assert response.status_code == 500
    assert_plain(response, "Sorry, there is a problem with the service")
    logged = [r for r in caplog.records if r.name == "django.request" and r.levelno >= logging.ERROR]
    assert logged, "the failure was not logged"
    assert logged[0].exc_info and "hunter2" in str(logged[0].exc_info[1])


def test_server_error_page_needs_no_database_or_base_template():
    """It must render when what failed is the database, the session or a shared template."""
    from django.template.loader import get_template

    source = re.sub(r"{#.*?#}", "", get_template("errors/500.html").template.source)
    for tag in ("{% extends", "{% include", "{% url", "{% static", "{{ user", "{{ request"):
        assert tag not in source
