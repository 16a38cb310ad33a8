"""A council's people, managed by its council administrators from portal pages: the
list, adding a user (with a one-time set-password link), changing their roles here,
deactivating and reactivating; each change in the council's audit trail. Also
``manage.py create_council`` and the password pages."""
import io
import re
import smtplib
import subprocess  # nosec B404 # runs manage.py with fixed argument lists
import sys
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone

from administration import people_services
from councils.models import Council, Membership, Role
from proposals.history import verify_council
from proposals.models import ChangeSet
from proposals.permissions import SYSTEM

from .conftest import PASSWORD, db_snapshot, make_user
from .test_security_headers import BASE_DIR, production_env

CE = "cheshire-east"
CWAC = "cheshire-west-and-chester"
User = get_user_model()


@pytest.fixture
def ce(seed):
    return Council.objects.get(slug=CE)


@pytest.fixture
def cwac_admin(seed):
    return make_user("cwac_admin", memberships=[(CWAC, Role.COUNCIL_ADMIN)], first="Dana", last="Reid")


@pytest.fixture
def as_admin(client_for, council_admin):
    return client_for(council_admin)


def people_url(slug=CE):
    return reverse("administration:people", args=[slug])


def add_url(slug=CE):
    return reverse("administration:people_add", args=[slug])


def person_url(user, slug=CE, page="person"):
    name = "administration:person" if page == "person" else f"administration:person_{page}"
    return reverse(name, args=[slug, user.pk])


def text(response):
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


def signs_in(username, password):
    """Whether ``username`` signs in with ``password`` on the sign-in page."""
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


def roles_of(user, slug=CE):
    return set(Membership.objects.filter(user=user, council__slug=slug).values_list("role", flat=True))


def latest_changesets(count):
    return list(ChangeSet.objects.order_by("-pk")[:count])[::-1]


def described(changeset):
    return [change.describe() for change in changeset.changes.order_by("pk")]


NEW_PERSON = {"username": "kim.lee", "first_name": "Kim", "last_name": "Lee", "email": "kim.lee@example.gov.uk",
              "roles": [Role.OFFICER, Role.APPROVER]}


# Who may use the pages.

PAGES = [
    ("people", "get"), ("add", "get"), ("add", "post"), ("person", "get"), ("person", "post"),
    ("deactivate", "get"), ("deactivate", "post"), ("activate", "post"), ("link", "post"),
]


def page_url(page, subject):
    return {"people": people_url(), "add": add_url()}.get(page) or person_url(subject, page=page)


@pytest.mark.parametrize("page,method", PAGES)
@pytest.mark.parametrize("who,status", [
    ("officer", 403), ("approver", 403), ("commissioner", 403), ("outsider", 404), ("cwac_admin", 404),
])
def test_only_the_councils_administrators_use_its_people_pages(request, client_for, officer2, page, method, who,
                                                               status):
    client = client_for(request.getfixturevalue(who))
    before = db_snapshot()
    response = getattr(client, method)(page_url(page, officer2), {"roles": [Role.APPROVER]})
    assert response.status_code == status
    assert db_snapshot() == before


@pytest.mark.parametrize("page,method", PAGES)
@pytest.mark.parametrize("who", ["council_admin", "admin_user"])
def test_council_administrators_and_site_administrators_use_them(request, client_for, officer2, page, method, who):
    client = client_for(request.getfixturevalue(who))
    response = getattr(client, method)(page_url(page, officer2), {"roles": [Role.APPROVER]} if method == "post" else {})
    assert response.status_code in ((200, 302) if method == "post" else (200,))


@pytest.mark.parametrize("page", ["person", "deactivate", "activate", "link"])
@pytest.mark.parametrize("who", ["council_admin", "admin_user"])
def test_another_councils_user_is_not_found_under_this_councils_address(request, client_for, officer_cwac, page,
                                                                        who):
    client = client_for(request.getfixturevalue(who))
    before = db_snapshot()
    response = client.post(person_url(officer_cwac, page=page), {"roles": [Role.OFFICER]})
    assert response.status_code == 404
    if page not in ("activate", "link"):
        assert client.get(person_url(officer_cwac, page=page)).status_code == 404
    assert db_snapshot() == before


def test_the_write_path_asks_for_itself(ce, officer, officer2, council_admin):
    with pytest.raises(PermissionDenied):
        people_services.set_roles(actor=officer, council=ce, person=officer2, roles=[Role.APPROVER])
    with pytest.raises(PermissionDenied):
        people_services.deactivate(actor=SYSTEM, council=ce, person=officer2)
    with pytest.raises(PermissionDenied):
        people_services.add_person(actor=officer, council=ce, username="x", roles=[Role.OFFICER])
    with pytest.raises(PermissionDenied):
        people_services.activate(actor=officer, council=ce, person=officer2)
    assert roles_of(officer2) == {Role.OFFICER}


# The list.

def test_the_list_shows_this_councils_people_and_only_their_roles_here(as_admin, officer, approver, officer_cwac,
                                                                       council_admin):
    User.objects.filter(pk=officer.pk).update(email="jo.smith@example.gov.uk")
    response = as_admin.get(people_url())
    page = text(response)
    assert response.status_code == 200
    rows = re.findall(r"<tr> <th scope=\"row\">.*?</tr>", page)
    assert len(rows) == 3  # the council admin, the officer, the approver (both councils)
    jo = next(row for row in rows if "Jo Smith" in row)
    assert ">officer<" in jo and "jo.smith@example.gov.uk" in jo and "Finance officer" in jo
    assert "Active" in jo and "Never" in jo
    alex = next(row for row in rows if "Alex Morgan" in row)
    assert "<td>Approver</td>" in alex  # once: the role in Cheshire West and Chester is not shown
    assert "officer_cwac" not in page
    assert "3 people with a role in Cheshire East Council" in page


def test_the_list_says_who_is_deactivated_and_when_they_last_signed_in(as_admin, officer):
    User.objects.filter(pk=officer.pk).update(is_active=False)
    assert signs_in("council_admin", PASSWORD)
    page = text(as_admin.get(people_url()))
    jo = next(row for row in re.findall(r"<tr> <th scope=\"row\">.*?</tr>", page) if "Jo Smith" in row)
    assert "<strong>Deactivated</strong>" in jo and "Never" in jo
    pat = next(row for row in re.findall(r"<tr> <th scope=\"row\">.*?</tr>", page) if "Pat Jones" in row)
    signed_in_at = User.objects.get(username="council_admin").last_login
    assert f"<td>{dateformat.format(timezone.localtime(signed_in_at), 'j M Y H:i')}</td>" in pat  # UK time


@pytest.mark.parametrize("extra", [0, 40])
def test_the_list_reads_a_fixed_number_of_queries(as_admin, ce, extra, django_assert_max_num_queries):
    for n in range(extra):
        make_user(f"person{n}", memberships=[(CE, Role.OFFICER), (CE, Role.APPROVER)])
    # session, user, council, the user's roles, the council's memberships with their users
    with django_assert_max_num_queries(5):
        response = as_admin.get(people_url())
    assert response.status_code == 200
    assert text(response).count('<th scope="row">') == 1 + extra


def test_the_council_settings_link_to_people_where_the_user_manages_them(client_for, council_admin, officer,
                                                                         admin_user, approver):
    def people_links(user):
        """The councils whose People page the user reaches from the home page, through Council settings."""
        client = client_for(user)
        settings = re.findall(r'href="/c/([a-z-]+)/settings/"', client.get("/").content.decode())
        return {slug for slug in settings
                if f'href="/c/{slug}/settings/people/"' in client.get(f"/c/{slug}/settings/").content.decode()}

    approver.memberships.create(council=Council.objects.get(slug=CWAC), role=Role.COUNCIL_ADMIN)
    assert people_links(council_admin) == {CE}
    assert people_links(approver) == {CWAC}
    assert people_links(admin_user) == {CE, CWAC}
    assert people_links(officer) == set()


# Adding a person.

def test_adding_a_person_gives_them_roles_and_a_one_time_set_password_link(as_admin, council_admin, ce, mailoutbox):
    response = as_admin.post(add_url(), NEW_PERSON)
    assert response.status_code == 200
    kim = User.objects.get(username="kim.lee")
    assert (kim.first_name, kim.last_name, kim.email, kim.is_active) == ("Kim", "Lee", "kim.lee@example.gov.uk", True)
    assert not kim.has_usable_password()
    assert roles_of(kim) == {Role.OFFICER, Role.APPROVER}
    page = text(response)
    link = re.search(r'<a href="(http://testserver/accounts/reset/[^"]+)"', page).group(1)
    assert "The link has been e-mailed to kim.lee@example.gov.uk" in page
    assert "It works once, for 3 days" in page
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["kim.lee@example.gov.uk"]
    assert link in mailoutbox[0].body and "Your username is: kim.lee" in mailoutbox[0].body
    assert mailoutbox[0].subject == "Your Budget Portal account for Cheshire East Council"

    account, *memberships = latest_changesets(3)
    assert (account.subject, account.action, account.user, account.council) == (
        kim, ChangeSet.Action.CREATE, council_admin, ce)
    assert described(account) == ["Username: (none) \u2192 kim.lee", "First name: (none) \u2192 Kim",
                                  "Last name: (none) \u2192 Lee", "Active: (none) \u2192 Yes"]
    assert [m.subject.role for m in memberships] == [Role.OFFICER, Role.APPROVER]
    assert all(m.action == ChangeSet.Action.CREATE for m in memberships)
    assert "kim.lee@example.gov.uk" not in " ".join(c.describe() for m in [account, *memberships]
                                                    for c in m.changes.all())
    assert verify_council(ce).broken_at is None

    # They choose their password at the link, once.
    visitor = Client()
    form = visitor.get(link, follow=True)
    assert form.status_code == 200 and "Choose your password" in text(form) and "kim.lee" in text(form)
    new_password = "a long walk by the river"
    done = visitor.post(form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password},
                        follow=True)
    assert "Your password has been saved" in text(done)
    assert signs_in("kim.lee", new_password)
    again = Client().get(link, follow=True)
    assert "This link no longer works" in text(again)


def test_a_person_without_an_email_address_gets_the_link_through_the_administrator(as_admin, mailoutbox):
    response = as_admin.post(add_url(), {**NEW_PERSON, "email": ""})
    page = text(response)
    assert "They have no e-mail address here, so it has not been sent" in page
    assert "/accounts/reset/" in page and mailoutbox == []


def test_a_mail_server_that_refuses_is_reported_and_the_link_still_shown(as_admin, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPException("relay refused")

    monkeypatch.setattr(people_services, "send_mail", refuse)
    page = text(as_admin.post(add_url(), NEW_PERSON))
    assert "The e-mail to kim.lee@example.gov.uk could not be sent." in page and "/accounts/reset/" in page
    assert User.objects.filter(username="kim.lee").exists()


def test_the_set_password_page_keeps_the_password_rules(as_admin):
    link = re.search(r'href="(http://testserver/accounts/reset/[^"]+)"', as_admin.post(add_url(), NEW_PERSON)
                     .content.decode()).group(1)
    visitor = Client()
    form = visitor.get(link, follow=True)
    response = visitor.post(form.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "This password is too short. It must contain at least 12 characters." in text(response)
    assert not User.objects.get(username="kim.lee").has_usable_password()


LONG = "x" * 151
BAD_INPUT = [
    ({"username": "officer_cwac"}, "The username officer_cwac is already taken. Choose another username."),
    ({"username": "OFFICER_CWAC"}, "The username OFFICER_CWAC is already taken. Choose another username."),
    ({"username": ""}, "Enter a username."),
    ({"username": "kim lee!"}, "Enter a valid username."),
    ({"email": "kim.lee@"}, "Enter an email address in the correct format, like name@example.gov.uk."),
    ({"roles": []}, "Choose at least one role."),
    ({"roles": ["mayor"]}, "“mayor” is not a role. Choose from the roles listed."),
    ({"roles": [Role.OFFICER, "superuser"]}, "“superuser” is not a role. Choose from the roles listed."),
    ({"username": LONG}, "Username must be 150 characters or fewer."),
    ({"first_name": LONG}, "First name must be 150 characters or fewer."),
    ({"last_name": LONG}, "Last name must be 150 characters or fewer."),
    ({"email": "k" * 250 + "@example.gov.uk"}, "Email address must be 254 characters or fewer."),
    ({"first_name": ""}, "Enter their first name."),
]


@pytest.mark.parametrize("change,message", BAD_INPUT)
def test_bad_input_when_adding_says_what_is_wrong_and_adds_nobody(as_admin, officer_cwac, change, message):
    before = db_snapshot()
    response = as_admin.post(add_url(), {**NEW_PERSON, **change})
    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert db_snapshot() == before


def test_a_taken_username_does_not_reveal_whose_it_is(as_admin, officer_cwac):
    User.objects.filter(pk=officer_cwac.pk).update(email="sam.patel@cheshirewestandchester.gov.uk")
    page = text(as_admin.post(add_url(), {**NEW_PERSON, "username": "officer_cwac"}))
    assert "already taken" in page
    for secret in ("Cheshire West", "Officer_Cwac Tester", "sam.patel", "Finance officer, Cheshire West"):
        assert secret not in page


def test_someone_already_here_is_pointed_to_their_page(client_for, admin_user, officer):
    page = text(client_for(admin_user).post(add_url(), {**NEW_PERSON, "username": "officer"}))
    assert "Jo Smith already has a role in Cheshire East Council. Change their roles on their page instead." in page


def test_a_site_administrator_adds_an_existing_user_to_the_council(client_for, admin_user, officer_cwac, mailoutbox):
    before_users = User.objects.count()
    response = client_for(admin_user).post(add_url(), {**NEW_PERSON, "username": "officer_cwac",
                                                       "roles": [Role.COMMISSIONER]})
    assert response.status_code == 302 and response["Location"] == person_url(officer_cwac)
    assert User.objects.count() == before_users and mailoutbox == []
    officer_cwac.refresh_from_db()
    assert (officer_cwac.first_name, officer_cwac.email) == ("Officer_Cwac", "")  # not changed
    assert roles_of(officer_cwac) == {Role.COMMISSIONER} and roles_of(officer_cwac, CWAC) == {Role.OFFICER}


def test_a_site_administrator_adds_only_the_exact_username(client_for, admin_user, officer):
    before = db_snapshot()
    page = text(client_for(admin_user).post(add_url(), {**NEW_PERSON, "username": "OFFICER"}))
    assert "The username OFFICER is already taken. Choose another username." in page
    assert db_snapshot() == before


# Changing roles.

def test_roles_are_given_and_taken_and_each_is_recorded(as_admin, council_admin, officer, ce):
    response = as_admin.post(person_url(officer), {"roles": [Role.APPROVER, Role.COMMISSIONER]})
    assert response.status_code == 302 and response["Location"] == person_url(officer)
    assert roles_of(officer) == {Role.APPROVER, Role.COMMISSIONER}
    taken, *given = latest_changesets(3)
    assert (taken.action, taken.user, taken.council) == (ChangeSet.Action.DELETE, council_admin, ce)
    assert taken.subject_label == "officer \u2013 Finance officer, Cheshire East Council"
    assert "Role: Finance officer \u2192 (none)" in described(taken)
    assert [(g.action, g.subject.role) for g in given] == [(ChangeSet.Action.CREATE, Role.APPROVER),
                                                          (ChangeSet.Action.CREATE, Role.COMMISSIONER)]
    message = text(as_admin.get(person_url(officer)))
    assert ("Jo Smith’s roles in Cheshire East Council have been changed: given approver, commissioner; "
            "taken away finance officer.") in message

    changes = text(as_admin.get(reverse("proposals:recent_changes", args=[CE])))
    assert "officer \u2013 Approver, Cheshire East Council" in changes
    assert "Role: (none) \u2192 Approver" in changes and "Role: Finance officer \u2192 (none)" in changes
    assert verify_council(ce).broken_at is None


def test_the_roles_form_shows_the_roles_held_here(as_admin, approver):
    page = as_admin.get(person_url(approver)).content.decode()
    checked = re.findall(r'value="(\w+)" id="id_roles_\d" checked', page)
    assert checked == [Role.APPROVER]


def test_saving_the_same_roles_records_nothing(as_admin, officer):
    before = db_snapshot()
    as_admin.post(person_url(officer), {"roles": [Role.OFFICER]})
    assert db_snapshot() == before


@pytest.mark.parametrize("roles,message", [
    ([], "Choose at least one role."),
    (["root"], "“root” is not a role. Choose from the roles listed."),
])
def test_bad_roles_are_refused(as_admin, officer, roles, message):
    before = db_snapshot()
    response = as_admin.post(person_url(officer), {"roles": roles})
    assert response.status_code == 200 and message in text(response)
    assert db_snapshot() == before


def test_the_last_council_administrator_keeps_the_role(as_admin, council_admin):
    before = db_snapshot()
    response = as_admin.post(person_url(council_admin), {"roles": [Role.OFFICER]})
    assert response.status_code == 200
    assert ("Pat Jones is Cheshire East Council’s only council administrator, so their council administrator role "
            "cannot be taken away. Make someone else a council administrator first.") in text(response)
    assert db_snapshot() == before


def test_a_deactivated_administrator_does_not_count(as_admin, council_admin):
    make_user("gone", memberships=[(CE, Role.COUNCIL_ADMIN)]).__class__.objects.filter(username="gone").update(
        is_active=False)
    response = as_admin.post(person_url(council_admin), {"roles": [Role.OFFICER]})
    assert "only council administrator" in text(response)


def test_with_another_administrator_you_may_step_down(as_admin, council_admin):
    make_user("second_admin", memberships=[(CE, Role.COUNCIL_ADMIN)])
    response = as_admin.post(person_url(council_admin), {"roles": [Role.OFFICER]})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert roles_of(council_admin) == {Role.OFFICER}
    assert as_admin.get(people_url()).status_code == 403


# Deactivating and reactivating.

def test_deactivating_closes_the_account_and_keeps_everything(as_admin, council_admin, officer, ce):
    page = text(as_admin.get(person_url(officer, page="deactivate")))
    assert "They will no longer be able to sign in. Nothing is deleted" in page
    response = as_admin.post(person_url(officer, page="deactivate"))
    assert response.status_code == 302
    officer.refresh_from_db()
    assert not officer.is_active and roles_of(officer) == {Role.OFFICER}
    assert User.objects.filter(pk=officer.pk).exists()
    changeset = latest_changesets(1)[0]
    assert (changeset.subject, changeset.action, changeset.user, changeset.note) == (
        officer, ChangeSet.Action.EDIT, council_admin, "Account deactivated")
    assert described(changeset) == ["Active: Yes \u2192 No"]
    assert not signs_in("officer", PASSWORD)
    assert "Jo Smith’s account has been deactivated." in text(as_admin.get(response["Location"]))

    response = as_admin.post(person_url(officer, page="activate"))
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.is_active
    changeset = latest_changesets(1)[0]
    assert described(changeset) == ["Active: No \u2192 Yes"] and changeset.note == "Account reactivated"
    assert "reactivated. They can sign in again." in text(as_admin.get(response["Location"]))
    changes = text(as_admin.get(reverse("proposals:recent_changes", args=[CE])))
    assert "Active: Yes \u2192 No" in changes and "Active: No \u2192 Yes" in changes
    assert verify_council(ce).broken_at is None


def test_someone_with_roles_in_another_council_loses_only_their_roles_here(as_admin, approver):
    page = text(as_admin.get(person_url(approver)))
    assert "also has roles in another council. Deactivating them here takes away only their roles in" in page
    page = text(as_admin.get(person_url(approver, page="deactivate")))
    assert "this takes away <strong>only their roles in Cheshire East Council</strong>" in page
    assert "Cheshire West" not in page  # the other council is not named
    response = as_admin.post(person_url(approver, page="deactivate"))
    assert response.status_code == 302 and response["Location"] == people_url()
    approver.refresh_from_db()
    assert approver.is_active
    assert roles_of(approver) == set() and roles_of(approver, CWAC) == {Role.APPROVER}
    changeset = latest_changesets(1)[0]
    assert changeset.action == ChangeSet.Action.DELETE and changeset.subject_label.startswith("approver")
    assert "their account stays open for another council" in changeset.note
    assert "stays open because they have roles in another council" in text(as_admin.get(people_url()))
    assert as_admin.get(person_url(approver)).status_code == 404


@pytest.mark.parametrize("who,target,message", [
    ("council_admin", "council_admin", "You cannot deactivate your own account. Another council administrator can."),
    ("admin_user", "council_admin", "Pat Jones is Cheshire East Council’s only council administrator"),
    ("council_admin", "site_admin_here", "Site Admin is a site administrator; only a site administrator can "
                                          "deactivate them."),
])
def test_deactivations_that_are_refused(request, client_for, council_admin, who, target, message):
    if target == "site_admin_here":
        person = make_user("site_admin", superuser=True, first="Site", last="Admin")
        Membership.objects.create(user=person, council=Council.objects.get(slug=CE), role=Role.OFFICER)
    else:
        person = request.getfixturevalue(target)
    client = client_for(request.getfixturevalue(who))
    before = db_snapshot()
    response = client.post(person_url(person, page="deactivate"))
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page and message in page
    assert db_snapshot() == before


def test_your_own_deactivation_page_offers_no_button(as_admin, council_admin):
    page = text(as_admin.get(person_url(council_admin, page="deactivate")))
    assert "You cannot deactivate your own account." in page and "Deactivate their account" not in page
    assert "You cannot deactivate your own account." in text(as_admin.get(person_url(council_admin)))


def test_only_a_site_administrator_reopens_an_account_with_roles_elsewhere(as_admin, client_for, admin_user,
                                                                        approver):
    User.objects.filter(pk=approver.pk).update(is_active=False)
    before = db_snapshot()
    response = as_admin.post(person_url(approver, page="activate"))
    assert "only a site administrator can reopen their account" in text(as_admin.get(response["Location"]))
    assert db_snapshot() == before
    client_for(admin_user).post(person_url(approver, page="activate"))
    approver.refresh_from_db()
    assert approver.is_active


def test_someone_who_has_not_chosen_a_password_gets_a_new_link(as_admin, mailoutbox):
    as_admin.post(add_url(), NEW_PERSON)
    kim = User.objects.get(username="kim.lee")
    assert "Give a new set-password link" in text(as_admin.get(person_url(kim)))
    before = db_snapshot()
    response = as_admin.post(person_url(kim, page="link"))
    page = text(response)
    assert response.status_code == 200 and "A new set-password link for Kim Lee" in page
    link = re.search(r'<a href="(http://testserver/accounts/reset/[^"]+)"', page).group(1)
    assert len(mailoutbox) == 2 and link in mailoutbox[1].body
    assert db_snapshot() == before
    assert "Choose your password" in text(Client().get(link, follow=True))


@pytest.mark.parametrize("who,setup,message", [
    ("council_admin", "password", "Jo Smith has already chosen a password, so there is no set-password link to give."),
    ("council_admin", "inactive", "Jo Smith’s account is deactivated; reactivate it before giving them"),
    ("council_admin", "elsewhere", "Jo Smith also has roles in another council, so only a site administrator can"),
])
def test_a_new_link_is_refused(request, client_for, officer, mailoutbox, who, setup, message):
    if setup != "password":
        officer.set_unusable_password()
        officer.save()
    if setup == "inactive":
        User.objects.filter(pk=officer.pk).update(is_active=False)
    if setup == "elsewhere":
        officer.memberships.create(council=Council.objects.get(slug=CWAC), role=Role.OFFICER)
    client = client_for(request.getfixturevalue(who))
    page = text(client.get(person_url(officer)))
    assert "Give a new set-password link" not in page
    response = client.post(person_url(officer, page="link"))
    assert response.status_code == 302 and message in text(client.get(response["Location"]))
    assert mailoutbox == []


def test_a_site_administrator_gives_a_link_to_someone_with_roles_elsewhere(client_for, admin_user, officer):
    officer.set_unusable_password()
    officer.save()
    officer.memberships.create(council=Council.objects.get(slug=CWAC), role=Role.OFFICER)
    response = client_for(admin_user).post(person_url(officer, page="link"))
    assert response.status_code == 200 and "/accounts/reset/" in text(response)


# Passwords.

def test_a_signed_in_user_changes_their_password(client_for, officer):
    client = client_for(officer)
    assert "Change password" in text(client.get("/"))
    new = "another long walk by the river"
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": new, "new_password2": new,
    }, follow=True)
    assert "Your password has been changed" in text(response)
    assert signs_in("officer", new)


def test_a_wrong_old_password_is_refused(client_for, officer):
    response = client_for(officer).post(reverse("password_change"), {
        "old_password": "wrong", "new_password1": "x" * 20, "new_password2": "x" * 20,
    })
    assert response.status_code == 200 and "There is a problem" in text(response)
    assert signs_in("officer", PASSWORD)


# manage.py create_council.

def create_council(*args):
    out = io.StringIO()
    call_command("create_council", *args, stdout=out)
    return out.getvalue()


def test_create_council_makes_the_slug_from_the_name_and_records_it_as_the_system(db):
    output = create_council("Borsetshire County Council")
    council = Council.objects.get(slug="borsetshire-county-council")
    assert council.name == "Borsetshire County Council"
    assert "Created Borsetshire County Council (borsetshire-county-council)" in output
    changeset = ChangeSet.objects.get(council=council)
    assert (changeset.subject, changeset.action, changeset.user) == (council, ChangeSet.Action.CREATE, None)
    assert described(changeset) == [
        "Slug: (none) \u2192 borsetshire-county-council", "Name: (none) \u2192 Borsetshire County Council",
        "Require a completed equality impact assessment before approval: (none) \u2192 False",  # its approval rule
    ]
    assert verify_council(council).broken_at is None


def test_create_council_takes_a_slug(db):
    create_council("Borsetshire County Council", "--slug", "borsetshire")
    assert Council.objects.filter(slug="borsetshire", name="Borsetshire County Council").exists()


def council_rows():
    return list(Council.objects.order_by("pk").values_list()), ChangeSet.objects.count()


@pytest.mark.parametrize("args,message", [
    (["Cheshire East Council"], "A council named 'Cheshire East Council' already exists. Nothing was created."),
    (["cheshire east council"], "A council named 'cheshire east council' already exists."),
    (["Cheshire East Borough", "--slug", "cheshire-east"], "The slug 'cheshire-east' is already another council's"),
    (["Cheshire East"], "The slug 'cheshire-east' is already another council's"),
    (["Borsetshire", "--slug", "bors etshire"], "The slug 'bors etshire' is not a slug"),
    (["Borsetshire", "--slug", "Borsetshire"], "The slug 'Borsetshire' has capital letters: use 'borsetshire'."),
    (["Borsetshire", "--slug", "b" * 81], "is 81 characters long; at most 80 are allowed."),
    (["B" * 201], "The name is 201 characters long; at most 200 are allowed."),
    (["   "], "The council's name is empty."),
    (["£££"], "No slug can be made from the name '£££': give one with --slug."),
])
def test_create_council_refuses_and_writes_nothing(seed, args, message):
    before = council_rows()
    with pytest.raises(CommandError) as refused:
        create_council(*args)
    assert message in str(refused.value)
    assert council_rows() == before


def test_manage_py_create_council_exits_1_with_the_message_on_stderr(tmp_path):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")

    def manage(*args):
        return subprocess.run(  # nosec B603 # fixed arguments, no shell
            [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True,
            timeout=120, check=False,
        )

    assert manage("migrate", "--noinput").returncode == 0
    assert manage("create_council", "Borsetshire County Council").returncode == 0
    result = manage("create_council", "Borsetshire County Council")
    assert result.returncode == 1
    assert "A council named 'Borsetshire County Council' already exists. Nothing was created." in result.stderr


def test_the_demo_council_administrator(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", "--demo-users", stdout=io.StringIO())
    demo = User.objects.get(username="council_admin")
    assert roles_of(demo) == {Role.COUNCIL_ADMIN} and roles_of(demo, CWAC) == set()
