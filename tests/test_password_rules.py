"""Passwords (ASVS 6.2): at least 12 characters, not one of the common passwords, not
like the user's username, names or email, and no rule about which characters it uses.
The rules apply wherever a password is set through a form: the admin here."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from .conftest import PASSWORD


@pytest.fixture
def jo(db):
    return get_user_model()(username="officer", first_name="Jo", last_name="Smithson",
                            email="jo.smithson@cheshireeast.example")


def problems(password, user):
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


def test_a_password_shorter_than_12_characters_is_refused(jo):
    assert problems("k7#vQ2!mZp9", jo) == ["This password is too short. It must contain at least 12 characters."]
    assert problems("k7#vQ2!mZp9x", jo) == []


@pytest.mark.parametrize("password", ["password1234", "qwertyuiop123", "Password12345"])
def test_a_common_password_is_refused(jo, password):
    assert problems(password, jo) == ["This password is too common."]


@pytest.mark.parametrize("password, like", [
    ("officer2026!!", "username"), ("smithson-2026", "last name"), ("jo.smithson@cheshire", "email address"),
])
def test_a_password_like_the_users_own_details_is_refused(jo, password, like):
    assert problems(password, jo) == [f"The password is too similar to the {like}."]


def test_any_characters_will_do_when_the_password_is_long_enough(jo):
    assert problems("48201937465512", jo) == []  # digits only: no composition rules
    assert problems("correct horse battery", jo) == []


def test_the_suites_password_meets_the_rules(officer, officer2, officer_cwac, approver, commissioner,
                                            outsider, admin_user):
    for user in (officer, officer2, officer_cwac, approver, commissioner, outsider, admin_user):
        assert problems(PASSWORD, user) == [], user.username


def test_the_admin_refuses_a_weak_password_and_creates_no_user(client_for, admin_user):
    users = get_user_model().objects.count()
    response = client_for(admin_user).post("/admin/auth/user/add/", {
        "username": "new_officer", "usable_password": "true", "password1": "short-pw-1", "password2": "short-pw-1",
    })
    assert response.status_code == 200
    assert "This password is too short. It must contain at least 12 characters." in response.content.decode()
    assert get_user_model().objects.count() == users
