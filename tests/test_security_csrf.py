"""Cross-site request forgery: no URL of the app accepts a POST without the CSRF token,
signed in or not, and the refusal changes nothing."""
import pytest
from django.test import Client

from .conftest import PASSWORD, db_snapshot, proposal
from .test_security_url_walk import PASSWORD_LINK, app_urls, monitoring_period, url_for


@pytest.fixture
def kwargs(ce_plan, council_admin):
    growth = proposal(ce_plan, "41")
    return {"council_slug": ce_plan.council.slug, "plan_slug": ce_plan.slug, "pk": growth.pk, "code": "5",
            "fmt": "csv", "version": growth.version, "user_id": council_admin.pk,
            "period": monitoring_period(ce_plan).slug, "kind": "national_export", "number": 1, **PASSWORD_LINK}


@pytest.mark.parametrize("who", ["anonymous", "admin", "officer"])
def test_no_url_accepts_a_post_without_the_csrf_token(who, kwargs, admin_user, officer):
    client = Client(enforce_csrf_checks=True)
    if who != "anonymous":
        client.force_login({"admin": admin_user, "officer": officer}[who])
    before = db_snapshot()
    accepted = []
    for name, pattern in app_urls():
        url = url_for(name, pattern, kwargs)
        response = client.post(url, {"to": "approved", "version": kwargs["version"], "title": "Forged"})
        if response.status_code != 403 or b"This form has expired" not in response.content:
            accepted.append(f"{url} ({name}): {response.status_code}")
    assert not accepted, "POST without a CSRF token was not refused:\n" + "\n".join(accepted)
    assert db_snapshot() == before


def test_a_post_with_the_token_is_accepted(officer):
    """The check above can fail: with the token from the form, signing in works."""
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/", {"username": "officer", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_token_from_another_session_is_refused(officer):
    stranger = Client(enforce_csrf_checks=True)
    stranger.get("/accounts/login/")
    victim = Client(enforce_csrf_checks=True)
    victim.get("/accounts/login/")
    response = victim.post(
        "/accounts/login/",
        {"username": "officer", "password": PASSWORD, "csrfmiddlewaretoken": stranger.cookies["csrftoken"].value},
    )
    assert response.status_code == 403
