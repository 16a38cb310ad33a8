"""Every URL of the app, as every kind of user, GET and POST: the status each must get.

The walk iterates the URL resolver, so a page added without a line in ``RULES`` fails
here until someone decides who may see it. Objects are real seed objects of Cheshire
East; ``officer_cwac`` (Cheshire West and Chester) and ``outsider`` (no council) are the
users of another council, who must get a 404 that does not confirm the page exists.

Each request runs inside a transaction that is rolled back, so a POST that succeeds
(an approval) does not change what the next request sees.
"""
import datetime
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from delivery.services import open_period
from outcomes.models import Outcome
from proposals.models import Proposal, ServiceBudget, Status, Theme
from proposals.permissions import SYSTEM
from proposals.structure import create_theme

from .conftest import db_snapshot, proposal
from .test_jobs import finished_job

ANON = "anonymous"
SIGNED_IN = ("officer", "officer_cwac", "outsider", "approver", "commissioner", "admin")
READERS = {"officer": 200, "approver": 200, "commissioner": 200, "admin": 200, "officer_cwac": 404, "outsider": 404}
EDITORS = {"officer": 200, "admin": 200, "approver": 403, "commissioner": 403, "officer_cwac": 404, "outsider": 404}
# A council's people, plans and structure: its council administrators (here, the site administrator) only.
MANAGERS = {"admin": 200, "officer": 403, "approver": 403, "commissioner": 403, "officer_cwac": 404, "outsider": 404}
EVERYONE = dict.fromkeys(SIGNED_IN, 200)
JOB_OWNERS = {**dict.fromkeys(SIGNED_IN, 404), "officer": 200, "admin": 200}
LOGIN = "login"  # anonymous is sent to sign in


def signed_in(status):
    return dict.fromkeys(SIGNED_IN, status)


# A read-only page refuses a POST (405) and the POST changes nothing in the database.
READ_ONLY = "405, changing nothing"

# The pages of a published plan (publishing/urls.py).
PUBLIC_PLAN_PAGES = ("rollup", "rollup_csv", "rollup_xlsx", "proposal_list", "proposal_list_csv",
                     "proposal_list_xlsx", "proposal_detail", "book", "book_docx", "datapackage", "datapackage_csv")
NOT_PUBLISHED = {**signed_in(404), ANON: 404}

# name: (GET {role: status}, POST {role: status}); anonymous gets LOGIN unless the page is public.
READ_PAGE = (READERS, signed_in(READ_ONLY))
RULES = {
    "home": (EVERYONE, signed_in(READ_ONLY)),
    "login": ({**signed_in(302), ANON: 200}, {**signed_in(302), ANON: 200}),
    "logout": (signed_in(405), signed_in(302)),
    "accessibility": ({**EVERYONE, ANON: 200}, {**signed_in(405), ANON: 405}),
    "healthz": ({**EVERYONE, ANON: 200}, {**signed_in(405), ANON: 405}),
    # A council's page sends its readers on to the plan (the seed councils have one each).
    "reports:council": ({**READERS, **dict.fromkeys(("officer", "approver", "commissioner", "admin"), 302)},
                        signed_in(READ_ONLY)),
    # Across councils: everyone signed in gets the list of what they may see (maybe none).
    "reports:proposal_list_all": (EVERYONE, signed_in(READ_ONLY)),
    "reports:rollup": READ_PAGE,
    "reports:rollup_csv": READ_PAGE,
    "reports:rollup_xlsx": READ_PAGE,
    "reports:proposal_list": READ_PAGE,
    "reports:proposal_list_csv": READ_PAGE,
    "reports:proposal_list_xlsx": READ_PAGE,
    "reports:proposal_detail": READ_PAGE,
    "reports:outcome_detail": READ_PAGE,
    "reports:reconciliation": READ_PAGE,
    "reports:gap": READ_PAGE,
    "reports:book": READ_PAGE,
    "workbooks:book_docx": READ_PAGE,
    "reports:compare": READ_PAGE,
    # Rolling a plan forward: a council administrator who is also an officer (here, the site
    # administrator); an empty POST is a form with errors.
    "administration:plan_roll_forward": (MANAGERS, {**MANAGERS, "admin": 400}),
    # Snapshots: everyone who reads the plan sees them; approvers (and administrators) take
    # one, and an empty POST is a form with errors.
    "reports:snapshots": (READERS, {"approver": 400, "admin": 400, "officer": 403, "commissioner": 403,
                                    "officer_cwac": 404, "outsider": 404}),
    # The gap's lines: officers and council administrators; an empty POST saves nothing and goes back.
    "reports:gap_edit": (EDITORS, {**EDITORS, "officer": 302, "admin": 302}),
    # Outcome measures: finance officers (and administrators) keep them; an empty POST to
    # the new-measure page is a form with errors, to a measure's page a save of nothing.
    "reports:measure_add": (EDITORS, {**EDITORS, "officer": 400, "admin": 400}),
    "reports:measure_edit": (EDITORS, {**EDITORS, "officer": 302, "admin": 302}),
    "workbooks:measures_export": READ_PAGE,
    "workbooks:measures_import": (EDITORS, {**EDITORS, "officer": 400, "admin": 400}),
    "workbooks:measures_import_confirm": (signed_in(405), {**EDITORS, "officer": 302, "admin": 302}),
    # Savings delivery: everyone who reads the plan sees its periods and summaries; council
    # administrators add periods (an empty POST is a form with errors) and open or close
    # them (an unknown action says so and goes back); officers and administrators make
    # returns (a POST without the grid's fields is refused, 400, saving nothing).
    "reports:delivery": (READERS, {**MANAGERS, "admin": 400}),
    "reports:delivery_period": READ_PAGE,
    "reports:delivery_returns": (EDITORS, {**EDITORS, "officer": 400, "admin": 400}),
    "reports:delivery_period_settings": (signed_in(405), {**MANAGERS, "admin": 302}),
    # A period's monitoring workbook: everyone who reads the plan downloads it; officers and
    # administrators import it (an empty POST is a form with errors; confirming without a
    # preview in the session goes back to the upload page).
    "workbooks:monitoring_export": READ_PAGE,
    "workbooks:monitoring_import": (EDITORS, {**EDITORS, "officer": 400, "admin": 400}),
    "workbooks:monitoring_import_confirm": (signed_in(405), {**EDITORS, "officer": 302, "admin": 302}),
    "proposals:history": READ_PAGE,
    "proposals:recent_changes": READ_PAGE,
    "workbooks:export": READ_PAGE,
    "workbooks:export_flat": READ_PAGE,
    # Every council the user may see: anyone signed in (no council: the header row alone).
    "workbooks:export_all_csv": (EVERYONE, signed_in(READ_ONLY)),
    # Background jobs: anyone signed in starts one (POST only; the walk's POST sends fields
    # the national export does not take: refused, 400) and lists their own. A job's pages
    # are its starter's (the walk's job is the officer's national export) and the site
    # administrator's; anyone else is told it does not exist.
    "jobs:list": (EVERYONE, signed_in(READ_ONLY)),
    "jobs:start": (signed_in(405), signed_in(400)),
    **dict.fromkeys(("jobs:status", "jobs:status_json", "jobs:download"), (JOB_OWNERS, signed_in(READ_ONLY))),
    # Forms: officers (and administrators) only; an empty POST is a form with errors.
    "proposals:new": (EDITORS, {**EDITORS, "officer": 200, "admin": 200}),
    "proposals:edit": (EDITORS, {**EDITORS, "officer": 200, "admin": 200}),
    "workbooks:import": (EDITORS, {**EDITORS, "officer": 400, "admin": 400}),
    # The mapping page of a council's own sheet: without an upload in the session, back to the upload page.
    "workbooks:import_map": ({**EDITORS, "officer": 302, "admin": 302}, {**EDITORS, "officer": 302, "admin": 302}),
    # Actions: POST only. Approving a proposal out to consultation is for approvers.
    "proposals:status": (
        signed_in(405),
        {"officer": 403, "commissioner": 403, "approver": 302, "admin": 302, "officer_cwac": 404, "outsider": 404},
    ),
    # A council's people; an empty POST is a form with errors. The walk's person is the
    # Cheshire East officer, whom an administrator may deactivate.
    "administration:people": (MANAGERS, signed_in(READ_ONLY)),
    "administration:people_add": (MANAGERS, MANAGERS),
    "administration:person": (MANAGERS, MANAGERS),
    "administration:person_deactivate": (MANAGERS, {**MANAGERS, "admin": 302}),
    "administration:person_activate": (signed_in(405), {**MANAGERS, "admin": 302}),
    "administration:person_link": (signed_in(405), {**MANAGERS, "admin": 302}),
    # A new user's set-password link works signed out; a used or wrong one says so (200).
    "password_reset_confirm": ({**EVERYONE, ANON: 200}, {**EVERYONE, ANON: 200}),
    "password_reset_complete": ({**EVERYONE, ANON: 200}, {**signed_in(READ_ONLY), ANON: 405}),
    "password_change": (EVERYONE, EVERYONE),
    # One's own e-mail settings: a POST saves them and goes back to the page.
    "notification_settings": (EVERYONE, signed_in(302)),
    "password_change_done": (EVERYONE, signed_in(READ_ONLY)),
    "workbooks:import_confirm": (
        signed_in(405),
        {"officer": 302, "admin": 302, "approver": 403, "commissioner": 403, "officer_cwac": 404, "outsider": 404},
    ),
    # A council's budget plans: its administrators (here, the site administrator) only.
    "administration:plans": (MANAGERS, signed_in(READ_ONLY)),
    "administration:plan_new": (MANAGERS, {**MANAGERS, "admin": 400}),
    "administration:plan_edit": (MANAGERS, {**MANAGERS, "admin": 400}),
    "administration:plan_close": (signed_in(405), {**MANAGERS, "admin": 302}),
    "administration:plan_reopen": (signed_in(405), {**MANAGERS, "admin": 302}),
    # Council settings: its administrators (here the site administrator). Another role of
    # the council is refused (403); the settings index too, offering nothing to manage.
    "administration:index": (MANAGERS, signed_in(READ_ONLY)),
    # Its approval rules: an empty POST is a valid form (the box unticked), saved.
    "administration:approval_rules": (MANAGERS, {**MANAGERS, "admin": 302}),
    **{f"administration:{kind}_{page}": rule for kind in ("outcome", "theme", "service_budget") for page, rule in {
        "list": (MANAGERS, signed_in(READ_ONLY)),
        # An empty POST is a form with errors; the records are in use, so not deleted.
        "add": (MANAGERS, {**MANAGERS, "admin": 400}),
        "edit": (MANAGERS, {**MANAGERS, "admin": 400}),
        "delete": (MANAGERS, {**MANAGERS, "admin": 400}),
        "paste": (MANAGERS, {**MANAGERS, "admin": 400}),
        # Without a preview's token: back to the paste page, nothing added.
        "confirm": (signed_in(405), {**MANAGERS, "admin": 302}),
    }.items()},
    # Without a direction: a bad request. Service budgets have no order.
    "administration:outcome_move": (signed_in(405), {**MANAGERS, "admin": 400}),
    "administration:theme_move": (signed_in(405), {**MANAGERS, "admin": 400}),
    # What a council publishes, readable by anyone signed in or not: the walk's plan is not
    # published, so every page of it is a 404 for everyone (tests/test_publishing.py walks
    # them published); the list of published plans is for all.
    "public:index": ({**EVERYONE, ANON: 200}, {**signed_in(405), ANON: 405}),
    **{f"public:{name}": (NOT_PUBLISHED, {**signed_in(405), ANON: 405}) for name in PUBLIC_PLAN_PAGES},
    # Publishing a plan: its council administrators; a POST without an action says so (400).
    "publishing:manage": (MANAGERS, {**MANAGERS, "admin": 400}),
    # The read-only API: the plan's readers (everyone else, signed in or not, a 404: the
    # walk's plan is not published; tests/test_api.py reads it published); every write a 405.
    "api:schema": ({**EVERYONE, ANON: 200}, {**signed_in(READ_ONLY), ANON: READ_ONLY}),
    "api:councils": ({**EVERYONE, ANON: 200}, {**signed_in(READ_ONLY), ANON: READ_ONLY}),
    **{f"api:{name}": ({**READERS, ANON: 404}, {**signed_in(READ_ONLY), ANON: READ_ONLY})
       for name in ("plans", "outcomes", "proposals", "rollup", "gap", "delivery")},
}
PUBLIC = {"login", "accessibility", "healthz", "password_reset_confirm", "password_reset_complete",
          "public:index", *(f"public:{name}" for name in PUBLIC_PLAN_PAGES),
          *(f"api:{name}" for name in ("schema", "councils", "plans", "outcomes", "proposals", "rollup", "gap",
                                       "delivery"))}
# A set-password link's arguments: a user id (1, encoded) and a token that is not one.
PASSWORD_LINK = {"uidb64": "MQ", "token": "not-a-token"}


def app_urls(patterns=None, namespace=None):
    """(name, pattern) for every named URL of the app, the Django admin's aside."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = entry.namespace or namespace
            if namespace and entry.namespace:
                inner = f"{namespace}:{entry.namespace}"
            yield from app_urls(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"URL {entry.pattern} has no name, so no access rule can name it"
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


@pytest.fixture
def cast(officer, officer_cwac, outsider, approver, commissioner, admin_user):
    return {
        "officer": officer, "officer_cwac": officer_cwac, "outsider": outsider, "approver": approver,
        "commissioner": commissioner, "admin": admin_user,
    }


@pytest.fixture
def objects(ce_plan, officer):
    """Real objects for every URL argument: Cheshire East's plan, proposal [41], outcome 5,
    a monitoring period (2019/20 Q2, with [33] approved to monitor)."""
    growth = proposal(ce_plan, "41")
    period = monitoring_period(ce_plan)
    finished_job(officer, pk=growth.pk)  # the job pages' pk is the proposal's (see url_for)
    return {
        "kwargs": {
            "council_slug": ce_plan.council.slug, "plan_slug": ce_plan.slug, "pk": growth.pk,
            "code": Outcome.objects.get(council=ce_plan.council, proposals=growth).code, "fmt": "csv",
            "user_id": officer.pk, "period": period.slug, "kind": "national_export", "number": 1,
            **PASSWORD_LINK,
            **structure_pks(ce_plan.council),
        },
        "post": {"to": "approved", "version": growth.version},
    }


def monitoring_period(plan):
    """2019/20 Q2 of ``plan``, open for returns, with [33] approved to monitor."""
    Proposal.objects.filter(pk=proposal(plan, "33").pk).update(status=Status.APPROVED)
    return open_period(plan=plan, user=SYSTEM, year=plan.years.get(start_year=2019), quarter=2,
                       reporting_date=datetime.date(2019, 9, 30), includes_investments=True)


def url_arguments(name):
    """The arguments the URL ``name`` takes, those of the includes around it as well
    (the council settings' pages are included under /c/<council_slug>/settings/)."""
    resolver = get_resolver()
    *namespaces, view = name.split(":")
    for namespace in namespaces:
        resolver = resolver.namespace_dict[namespace][1]
    return {param for possibilities, *_ in resolver.reverse_dict.getlist(view)
            for _, params in possibilities for param in params}


def url_for(name, pattern, kwargs):
    """``name``'s address with its arguments from ``kwargs``; a record's ``pk`` is
    kwargs["<name without its last part>:pk"] where given ("administration:outcome:pk"
    for administration:outcome_edit), else kwargs["pk"] (a proposal's)."""
    record = f"{name.rsplit('_', 1)[0]}:pk"
    needed = {key: kwargs.get(record, kwargs["pk"]) if key == "pk" else kwargs[key] for key in url_arguments(name)}
    return reverse(name, kwargs=needed)


def structure_pks(council):
    """A record in use of each of the council's outcomes, themes and service budgets
    (or any, where none is used), for the structure pages' addresses."""
    pks = {}
    for kind, model in (("outcome", Outcome), ("theme", Theme), ("service_budget", ServiceBudget)):
        records = model.objects.filter(council=council).order_by("pk")
        used = records.filter(**{f"{model.council_used_by[0][0]}__isnull": False})
        record = used.first() or records.first()
        if record is not None:
            pks[f"administration:{kind}:pk"] = record.pk
    return pks


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def test_every_url_has_an_access_rule():
    names = {name for name, _ in app_urls()}
    assert names - set(RULES) == set(), "add these to RULES: who may GET and POST them?"
    assert set(RULES) - names == set(), "RULES names URLs that no longer exist"


@pytest.mark.parametrize("role", [ANON, *SIGNED_IN])
def test_each_role_gets_the_status_it_must_on_every_url(role, cast, objects):
    client = Client()
    wrong = []
    for name, pattern in app_urls():
        url = url_for(name, pattern, objects["kwargs"])
        for method, index in (("GET", 0), ("POST", 1)):
            if role != ANON:
                client.force_login(cast[role])  # again: signing out is one of the URLs
            if role == ANON and name not in PUBLIC:
                expected = LOGIN
            else:
                expected = RULES[name][index][role]
            with rolled_back():
                if method == "GET":
                    response = client.get(url)
                else:
                    before = db_snapshot()
                    response = client.post(url, objects["post"])
                    changed = db_snapshot() != before
            if expected == LOGIN:
                ok = response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
            elif expected == READ_ONLY:
                ok = response.status_code == 405 and not changed
            else:
                ok = response.status_code == expected
            if not ok:
                where = response.get("Location", "")
                wrong.append(f"{method} {url} ({name}): expected {expected}, got {response.status_code} {where}")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


def test_the_public_urls_are_exactly_the_views_marked_login_not_required():
    """LoginRequiredMiddleware sends anonymous visitors to sign in from every view that
    does not say @login_not_required; the walk above checks the redirect on each."""
    marked = {name for name, pattern in app_urls() if not getattr(pattern.callback, "login_required", True)}
    assert marked == PUBLIC


@pytest.mark.django_db
def test_anonymous_visitors_get_static_files_and_plain_error_pages():
    assert Client().get("/static/css/portal.css").status_code == 200
    missing = Client().get("/no-such-page/")
    assert missing.status_code == 404 and "Page not found" in missing.content.decode()


def test_an_object_of_another_council_is_not_found_under_this_councils_address(cast, ce_plan, cwac_plan, objects):
    """Swapping in another council's proposal or outcome keeps the 404, even for an administrator."""
    if not Theme.objects.filter(council=cwac_plan.council).exists():
        create_theme(council=cwac_plan.council, user=SYSTEM, name="A theme of theirs")
    other = {"pk": proposal(cwac_plan, cwac_plan.proposals.order_by("pk").first().reference).pk,
             "code": "not-an-outcome-of-this-council", **structure_pks(cwac_plan.council)}
    wrong = []
    for role in ("officer", "approver", "admin"):
        client = Client()
        client.force_login(cast[role])
        for name, pattern in app_urls():
            converters = pattern.pattern.converters
            if not {"pk", "code"} & set(converters):
                continue
            url = url_for(name, pattern, {**objects["kwargs"], **other})
            with rolled_back():
                if RULES[name][0][role] == 405:  # POST-only actions
                    response = client.post(url, objects["post"])
                else:
                    response = client.get(url)
            if response.status_code != 404:
                wrong.append(f"{role}: {url} ({name}) gave {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_the_django_admin_needs_a_staff_account(cast):
    """Its own sign-in guards it (what a staff finance officer may do there is in
    tests/test_admin.py); the cast's council users are not staff."""
    for role in ("officer", "officer_cwac", "outsider", "approver", "commissioner"):
        client = Client()
        client.force_login(cast[role])
        response = client.get("/admin/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), role
    admin = Client()
    admin.force_login(cast["admin"])
    assert admin.get("/admin/").status_code == 200
    for url in ("/admin/", "/admin/proposals/proposal/", "/admin/auth/user/1/change/"):
        response = Client().get(url)  # to the admin's sign-in or the portal's, then back
        assert response.status_code == 302, url
        assert response["Location"].startswith(("/admin/login/?next=", "/accounts/login/?next=")), url
    assert Client().get("/admin/login/").status_code == 200
