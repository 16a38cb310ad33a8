"""Signing in, and throttling repeated failures for one username from one address
(django-axes), so one person's mistakes cannot lock out a whole office."""
import pytest
from django.test import Client

from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def sign_in(password, *, address, username="officer"):
    client = Client(REMOTE_ADDR=address)
    return client, client.post(LOGIN, {"username": username, "password": password})


def test_the_sign_in_page_has_labelled_fields(client, db):
    html = client.get(LOGIN).content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_an_officer_signs_in_and_lands_on_their_councils(officer):
    client, response = sign_in(PASSWORD, address="10.0.0.1")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Cheshire East Council" in client.get("/").content.decode()


def test_sign_in_returns_to_the_page_asked_for(officer):
    client = Client()
    response = client.post(LOGIN + "?next=/c/cheshire-east/changes/",
                           {"username": "officer", "password": PASSWORD, "next": "/c/cheshire-east/changes/"})
    assert response["Location"] == "/c/cheshire-east/changes/"


def test_a_wrong_password_gets_a_message_linking_to_the_field(officer):
    _, response = sign_in("wrong", address="10.0.0.1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and '<a href="#id_username">Please enter a correct username' in html


def test_five_failures_lock_that_username_from_that_address_only(officer, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(5):
        sign_in("wrong", address="10.0.0.1")
    # the right password no longer works from that address…
    _, response = sign_in(PASSWORD, address="10.0.0.1")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    # …but the same officer can still sign in from another address,
    client, response = sign_in(PASSWORD, address="10.0.0.2")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_lockout_does_not_lock_colleagues_behind_the_same_address(officer, officer2):
    for _ in range(5):
        sign_in("wrong", address="10.0.0.1")
    _, response = sign_in(PASSWORD, address="10.0.0.1", username="officer2")
    assert response.status_code == 302


def test_four_failures_do_not_lock(officer):
    for _ in range(4):
        sign_in("wrong", address="10.0.0.1")
    _, response = sign_in(PASSWORD, address="10.0.0.1")
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/", "/c/cheshire-east/changes/"])
def test_signed_out_people_are_sent_to_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
