"""The council settings index and the structure pages (administration/structure.py):
who may use them, what the lists show, and adding, editing, deleting and reordering
outcomes, themes and service budgets through them."""
from html import unescape

import pytest
from django.urls import NoReverseMatch, reverse

from councils.models import Council
from outcomes.models import Outcome
from proposals import structure
from proposals.models import ChangeSet, ServiceBudget, Theme
from proposals.permissions import SYSTEM
from tests.conftest import db_snapshot

MODELS = {"outcome": Outcome, "theme": Theme, "service_budget": ServiceBudget}


def url(name, council, *args):
    return reverse(f"administration:{name}", args=[council.slug, *args])


def text(response):
    return unescape(response.content.decode())


def first(kind, council):
    """The council's first record of ``kind`` (one made for it if it has none)."""
    model = MODELS[kind]
    return structure.council_records(model, council).first() or structure.create(
        model, council=council, user=SYSTEM, **{name: "First" for name in structure.REQUIRED[model]})


def pages(council):
    """(method, url, data) of every structure page and POST of ``council``."""
    found = [("get", url("index", council), None)]
    for kind, model in MODELS.items():
        record = first(kind, council)
        found += [
            ("get", url(f"{kind}_list", council), None),
            ("get", url(f"{kind}_add", council), None),
            ("post", url(f"{kind}_add", council), {"name": "X", "code": "X", "title": "X", "kind": "service"}),
            ("get", url(f"{kind}_edit", council, record.pk), None),
            ("post", url(f"{kind}_edit", council, record.pk), {"name": "X", "code": "X", "title": "X"}),
            ("get", url(f"{kind}_delete", council, record.pk), None),
            ("post", url(f"{kind}_delete", council, record.pk), {}),
            ("get", url(f"{kind}_paste", council), None),
            ("post", url(f"{kind}_paste", council), {"text": "New one"}),
            ("post", url(f"{kind}_confirm", council), {"token": "x"}),
        ]
        if model in structure.ORDERED:
            found.append(("post", url(f"{kind}_move", council, record.pk), {"direction": "down"}))
    return found


def assert_every_page_answers(client, council, status):
    """Every page and POST of ``council`` answers ``status``, and nothing is written."""
    every = pages(council)
    before = db_snapshot()
    for method, address, data in every:
        response = getattr(client, method)(address, data) if data is not None else client.get(address)
        assert response.status_code == status, (method, address)
    assert db_snapshot() == before


@pytest.mark.parametrize("who", ["officer", "approver", "commissioner"])
def test_a_role_that_may_not_manage_the_structure_is_forbidden_everywhere(request, ce, client_for, who):
    assert_every_page_answers(client_for(request.getfixturevalue(who)), ce, 403)


@pytest.mark.parametrize("who", ["outsider", "officer_cwac", "council_admin"])
def test_a_council_without_a_role_is_not_found(request, ce, cwac, client_for, who):
    council = cwac if who == "council_admin" else ce  # the administrator of Cheshire East has no role in CWAC
    assert_every_page_answers(client_for(request.getfixturevalue(who)), council, 404)


def test_another_councils_record_is_not_found_under_this_council(ce, cwac, council_admin, client_for):
    client = client_for(council_admin)
    other = first("theme", cwac)
    before = db_snapshot()
    assert client.get(url("theme_edit", ce, other.pk)).status_code == 404
    assert client.post(url("theme_edit", ce, other.pk), {"name": "Mine now"}).status_code == 404
    assert client.post(url("theme_delete", ce, other.pk)).status_code == 404
    assert client.post(url("theme_move", ce, other.pk), {"direction": "up"}).status_code == 404
    assert db_snapshot() == before


def test_signed_out_visitors_are_sent_to_sign_in(ce, client):
    response = client.get(url("outcome_list", ce))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("who", ["council_admin", "admin_user"])
def test_the_index_links_what_the_administrator_manages(request, ce, client_for, who):
    response = client_for(request.getfixturevalue(who)).get(url("index", ce))
    assert response.status_code == 200
    page = text(response)
    for kind in MODELS:
        assert f'href="{url(f"{kind}_list", ce)}"' in page
    for name, title in (("people", "People"), ("plans", "Budget plans")):
        assert f'href="{url(name, ce)}">{title}</a>' in page


def test_the_home_page_links_council_settings_only_where_the_user_manages_it(ce, cwac, client_for, council_admin,
                                                                             officer, admin_user):
    settings_ce, settings_cwac = url("index", ce), url("index", cwac)
    page = text(client_for(council_admin).get("/"))
    assert settings_ce in page and settings_cwac not in page
    page = text(client_for(officer).get("/"))
    assert settings_ce not in page
    page = text(client_for(admin_user).get("/"))
    assert settings_ce in page and settings_cwac in page


def test_the_home_page_asks_no_query_per_council_for_the_settings_link(client_for, admin_user,
                                                                      django_assert_max_num_queries):
    client = client_for(admin_user)
    client.get("/")
    # session, user, councils, plans (prefetched), council ids; what waits for approval
    # (count, page, who changed them) and the user's drafts (count)
    with django_assert_max_num_queries(9):
        assert client.get("/").status_code == 200
    for number in range(5):
        Council.objects.create(slug=f"extra-{number}", name=f"Extra council {number}")
    with django_assert_max_num_queries(9):
        assert "extra-4/settings/" in text(client.get("/"))


# The lists

def test_the_outcome_list_shows_them_in_order_with_what_uses_each(ce, ce_plan, council_admin, client_for):
    page = text(client_for(council_admin).get(url("outcome_list", ce)))
    outcomes = list(structure.council_records(Outcome, ce))
    positions = [page.index(f'id="outcome-{outcome.pk}"') for outcome in outcomes]
    assert positions == sorted(positions)
    outcome = Outcome.objects.get(council=ce, code="5")
    count = ce_plan.proposals.filter(outcome=outcome).count()
    row = page[page.index(f'id="outcome-{outcome.pk}"'):]
    row = row[:row.index("</tr>")]
    assert f"{count} proposals" in row and outcome.title in row
    assert 'value="up"' in row or outcome == outcomes[0]
    first_row = page[page.index(f'id="outcome-{outcomes[0].pk}"'):]
    assert 'value="up"' not in first_row[:first_row.index("</tr>")]


def test_an_unused_service_budget_is_listed_as_not_used(ce, council_admin, client_for):
    structure.create_service_budget(council=ce, user=council_admin, name="Brand new budget",
                                    kind=ServiceBudget.Kind.FUNDING)
    page = text(client_for(council_admin).get(url("service_budget_list", ce)))
    row = page[page.index("Brand new budget"):]
    row = row[:row.index("</tr>")]
    assert "Funding line" in row and "Not used" in row


@pytest.mark.parametrize("kind", list(MODELS))
def test_a_list_takes_the_same_queries_however_many_records(ce, council_admin, client_for, kind,
                                                            django_assert_max_num_queries):
    client = client_for(council_admin)
    client.get(url(f"{kind}_list", ce))
    with django_assert_max_num_queries(5):  # session, user, their roles, council, the records with their uses
        client.get(url(f"{kind}_list", ce))
    for number in range(20):
        values = {"code": f"N{number}", "title": f"New {number}"} if kind == "outcome" else {"name": f"New {number}"}
        structure.create(MODELS[kind], council=ce, user=council_admin, **values)
    with django_assert_max_num_queries(5):
        assert "New 19" in text(client.get(url(f"{kind}_list", ce)))


# Add, edit

def test_an_administrator_adds_an_outcome(ce, council_admin, client_for):
    response = client_for(council_admin).post(url("outcome_add", ce), {
        "code": "9", "title": "A greener borough", "what_this_means": "Less carbon."})
    assert response.status_code == 302 and response["Location"] == url("outcome_list", ce)
    outcome = Outcome.objects.get(council=ce, code="9")
    assert (outcome.title, outcome.what_this_means) == ("A greener borough", "Less carbon.")
    changeset = ChangeSet.objects.order_by("pk").last()
    assert (changeset.subject, changeset.user, changeset.action) == (outcome, council_admin, ChangeSet.Action.CREATE)


def test_the_add_form_labels_its_fields_and_marks_the_optional_one(ce, council_admin, client_for):
    page = text(client_for(council_admin).get(url("outcome_add", ce)))
    assert '<label for="id_code">Code</label>' in page
    assert '<label for="id_what_this_means">What this means <span class="optional">(optional)</span></label>' in page
    page = text(client_for(council_admin).get(url("service_budget_add", ce)))
    assert "<legend>Service budget or funding line</legend>" in page
    assert '<input type="radio" name="kind" value="service" id="id_kind_0" required checked>' in page
    assert '<label for="id_kind_1">Funding line</label>' in page


@pytest.mark.parametrize("data, field, message", [
    ({"code": "", "title": "A title"}, "code", "Enter the outcome\u2019s code."),
    ({"code": "5", "title": "Again"}, "code",
     "Cheshire East Council already has an outcome with the code \u201c5\u201d"),
    ({"code": "X" * 11, "title": "A title"}, "code", "Code must be 10 characters or fewer (it is 11)."),
])
def test_bad_outcome_input_is_named_at_its_field_and_nothing_is_written(ce, council_admin, client_for, data, field,
                                                                       message):
    before = db_snapshot()
    response = client_for(council_admin).post(url("outcome_add", ce), data)
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and f'href="#id_{field}">{message}' in page
    assert f'id="id_{field}_error"' in page
    assert db_snapshot() == before


def test_a_theme_named_as_another_but_for_case_is_refused(ce, council_admin, client_for):
    theme = first("theme", ce)
    before = db_snapshot()
    response = client_for(council_admin).post(url("theme_add", ce), {"name": f"  {theme.name.upper()} "})
    assert response.status_code == 400
    assert f"Cheshire East Council already has a theme with the name \u201c{theme.name}\u201d." in text(response)
    assert db_snapshot() == before


def test_a_missing_kind_is_named(ce, council_admin, client_for):
    before = db_snapshot()
    response = client_for(council_admin).post(url("service_budget_add", ce), {"name": "Libraries", "kind": "grant"})
    assert response.status_code == 400
    assert 'href="#id_kind_0">Choose whether it is a service budget or a funding line.' in text(response)
    assert db_snapshot() == before


def test_renaming_a_theme_is_recorded_with_the_old_and_new_name(ce, council_admin, client_for):
    theme = first("theme", ce)
    old = theme.name
    client = client_for(council_admin)
    page = text(client.get(url("theme_edit", ce, theme.pk)))
    assert f'value="{old}"' in page
    response = client.post(url("theme_edit", ce, theme.pk), {"name": "Growing the place",
                                                                "description": theme.description})
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.name == "Growing the place"
    changeset = ChangeSet.objects.order_by("pk").last()
    assert changeset.subject == theme and changeset.action == ChangeSet.Action.EDIT
    assert [c.describe() for c in changeset.changes.all()] == [f"Name: {old} \u2192 Growing the place"]
    recent = text(client.get(reverse("proposals:recent_changes", args=[ce.slug])))
    assert "Growing the place" in recent and old in recent


# Delete

def test_deleting_an_outcome_in_use_is_refused_with_what_uses_it(ce, ce_plan, council_admin, client_for):
    outcome = Outcome.objects.get(council=ce, code="5")
    count = ce_plan.proposals.filter(outcome=outcome).count()
    message = f"{outcome} is used by {count} proposals of plan {ce_plan.name}; move them to another outcome first."
    client = client_for(council_admin)
    page = text(client.get(url("outcome_delete", ce, outcome.pk)))
    assert message in page and "Delete outcome</button>" not in page
    before = db_snapshot()
    response = client.post(url("outcome_delete", ce, outcome.pk))
    assert response.status_code == 400 and message in text(response)
    assert db_snapshot() == before


def test_deleting_an_unused_theme_asks_then_deletes(ce, council_admin, client_for):
    theme = structure.create_theme(council=ce, user=council_admin, name="Short-lived")
    client = client_for(council_admin)
    page = text(client.get(url("theme_delete", ce, theme.pk)))
    assert "Delete Theme \u201cShort-lived\u201d?" in page and "Delete theme</button>" in page
    response = client.post(url("theme_delete", ce, theme.pk))
    assert response.status_code == 302 and not Theme.objects.filter(pk=theme.pk).exists()
    assert "Theme \u201cShort-lived\u201d has been deleted." in text(client.get(response["Location"]))
    assert ChangeSet.objects.order_by("pk").last().action == ChangeSet.Action.DELETE


def test_a_delete_page_is_a_post_to_delete(ce, council_admin, client_for):
    theme = structure.create_theme(council=ce, user=council_admin, name="Kept")
    client_for(council_admin).get(url("theme_delete", ce, theme.pk))
    assert Theme.objects.filter(pk=theme.pk).exists()


# Reorder

def test_move_down_and_up_reorder_themes(ce, council_admin, client_for):
    client = client_for(council_admin)
    order = list(structure.council_records(Theme, ce).values_list("pk", flat=True))
    response = client.post(url("theme_move", ce, order[0]), {"direction": "down"})
    assert response.status_code == 302 and response["Location"].endswith(f"#theme-{order[0]}")
    assert list(structure.council_records(Theme, ce).values_list("pk", flat=True))[:2] == [order[1], order[0]]
    client.post(url("theme_move", ce, order[0]), {"direction": "up"})
    assert list(structure.council_records(Theme, ce).values_list("pk", flat=True)) == order


def test_moving_the_first_up_says_so_and_changes_nothing(ce, council_admin, client_for):
    client = client_for(council_admin)
    outcome = first("outcome", ce)
    before = db_snapshot()
    response = client.post(url("outcome_move", ce, outcome.pk), {"direction": "up"}, follow=True)
    assert f"{outcome} is already first." in text(response)
    assert db_snapshot() == before


def test_a_move_without_a_direction_is_a_bad_request(ce, council_admin, client_for):
    before = db_snapshot()
    response = client_for(council_admin).post(url("outcome_move", ce, first("outcome", ce).pk), {"direction": "x"})
    assert response.status_code == 400
    assert db_snapshot() == before


def test_service_budgets_have_no_order_to_move(ce):
    with pytest.raises(NoReverseMatch):
        url("service_budget_move", ce, 1)


def test_moving_is_a_post(ce, council_admin, client_for):
    response = client_for(council_admin).get(url("outcome_move", ce, first("outcome", ce).pk))
    assert response.status_code == 405


@pytest.mark.parametrize("who, slug", [("council_admin", "cheshire-east"), ("admin_user", "cheshire-west-and-chester")])
def test_an_administrator_opens_every_page(request, seed, client_for, who, slug):
    council = Council.objects.get(slug=slug)
    client = client_for(request.getfixturevalue(who))
    for method, address, _data in pages(council):
        if method == "get":
            assert client.get(address).status_code == 200, address


def test_a_site_administrator_adds_a_theme_to_any_council(cwac, admin_user, client_for):
    response = client_for(admin_user).post(url("theme_add", cwac), {"name": "Reducing subsidy"})
    assert response.status_code == 302
    assert Theme.objects.get(council=cwac, name="Reducing subsidy").position == 0
