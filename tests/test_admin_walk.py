"""Every page of the Django admin, as an administrator: each registered model's
changelist (with a search and every choice of every list filter), its add page and the
change page of one of its records. None of them is a server error, and each shows what
it is about. The models are found from the admin index, so a model registered later is
walked too (and this test asks for a record of it)."""
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape
from rest_framework.authtoken.models import Token

from jobs.services import enqueue

from .test_jobs import finished_job

SEARCHES = ["33", "[NEW]", "care", "\u00e9t\u00e9 \u201cquoted\u201d", "%_'\""]


@pytest.fixture
def admin_client_for_walk(client_for, admin_user, officer):
    """An administrator, with a record of every registered model the seed does not make."""
    Group.objects.create(name="Finance team")
    AccessAttempt.objects.create(username="someone", ip_address="192.0.2.1", user_agent="test", failures_since_start=1)
    AccessLog.objects.create(username="admin", ip_address="192.0.2.1", user_agent="test")
    AccessFailureLog.objects.create(username="someone", ip_address="192.0.2.1", user_agent="test")
    Token.objects.create(user=officer)  # an API token (publishing/api.py)
    job = finished_job(officer)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}):
        enqueue(job)  # the task queue's record (django_tasks_db's admin)
    return client_for(admin_user)


def registered_models(client):
    """(model, changelist url, add url or None) for every model the admin index lists,
    and the index's request (a signed-in request, for a ModelAdmin's queryset)."""
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    listed = [model for app in index.context["app_list"] for model in app["models"]]
    assert {entry["model"] for entry in listed} == set(admin.site._registry)  # no public list of them all
    return [(entry["model"], entry["admin_url"], entry["add_url"]) for entry in listed], index.wsgi_request


def get(client, url, query=None):
    response = client.get(url, query)
    assert response.status_code < 500, (url, query)
    return response


def filter_urls(changelist_url, response):
    """The address of every choice of every list filter on a changelist page."""
    changelist = response.context["cl"]
    path = urlsplit(changelist_url).path
    return [
        path + choice["query_string"]
        for spec in changelist.filter_specs
        for choice in spec.choices(changelist)
    ]


@pytest.mark.django_db
def test_every_admin_page_works_for_an_administrator(admin_client_for_walk):
    client = admin_client_for_walk
    walked = []
    models, request = registered_models(client)
    for model, changelist_url, add_url in models:
        model_admin = admin.site.get_model_admin(model)
        obj = model_admin.get_queryset(request).order_by("pk").first()
        assert obj is not None, f"give the walk a {model._meta.label} record"

        changelist = get(client, changelist_url)
        assert changelist.status_code == 200, changelist_url
        assert obj in changelist.context["cl"].queryset, changelist_url
        for term in SEARCHES if model_admin.search_fields else []:
            assert get(client, changelist_url, {"q": term}).status_code == 200, term
        for url in filter_urls(changelist_url, changelist):
            assert get(client, url).status_code == 200, url

        if add_url:
            assert get(client, add_url).status_code == 200, add_url

        change_url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
        change = get(client, change_url)
        assert change.status_code == 200, change_url
        assert escape(str(obj)) in change.content.decode(), change_url
        walked.append(model._meta.label)
    assert {"proposals.BudgetPlan", "proposals.Proposal", "outcomes.Outcome", "councils.Council"} <= set(walked)

