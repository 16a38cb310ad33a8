"""Every report page and download needs a sign-in and shows only the councils the user
has a role in: another council's pages are not found (404), never shown."""
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import proposal


def urls(plan):
    args = [plan.council.slug, plan.slug]
    p = plan.proposals.order_by("pk").first()
    return [
        reverse("reports:rollup", args=args),
        reverse("reports:rollup_csv", args=args),
        reverse("reports:rollup_xlsx", args=args),
        reverse("reports:proposal_list", args=args),
        reverse("reports:proposal_list_csv", args=args),
        reverse("reports:proposal_list_xlsx", args=args),
        reverse("reports:proposal_detail", args=[*args, p.pk]),
        reverse("reports:outcome_detail", args=[*args, plan.council.outcomes.first().code]),
        reverse("reports:council", args=[plan.council.slug]),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(seed):
    for url in urls(seed["ce"]):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def body_text(response):
    """What a person reads in a page or download: HTML or CSV text, or a workbook's cell values."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        sheet = load_workbook(io.BytesIO(body)).active
        return " ".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None)
    return body.decode()


def test_commissioner_sees_both_councils(client_for, commissioner, seed):
    """Each page shows the council's name; the roll-up downloads its outcome, the list
    downloads its proposals; the council's address goes on to its plan."""
    client = client_for(commissioner)
    for plan in seed.values():
        *pages_and_downloads, council_page = urls(plan)
        outcome = plan.council.outcomes.order_by("pk").first().title
        first = plan.proposals.order_by("pk").first().title
        for url in pages_and_downloads:
            response = client.get(url)
            assert response.status_code == 200, url
            if "/download." not in url:
                expected = plan.council.name
            else:
                expected = outcome if "/rollup/" in url else first
            assert expected in body_text(response), url
        response = client.get(council_page)
        assert response.status_code == 302
        assert response["Location"] == reverse("reports:rollup", args=[plan.council.slug, plan.slug])


def test_officer_of_cheshire_west_cannot_see_cheshire_east(client_for, officer_cwac, seed):
    client = client_for(officer_cwac)
    for url in urls(seed["ce"]):
        assert client.get(url).status_code == 404, url
    for url in urls(seed["cwac"]):
        assert client.get(url).status_code in (200, 302), url


@pytest.mark.parametrize("who", ["officer", "outsider"])
def test_users_without_a_role_in_cheshire_west_cannot_see_it(client_for, request, seed, who):
    client = client_for(request.getfixturevalue(who))
    for url in urls(seed["cwac"]):
        assert client.get(url).status_code == 404, url


def test_a_proposal_is_not_reachable_through_another_councils_address(client_for, officer_cwac, seed):
    ce_proposal = proposal(seed["ce"], "41")
    url = reverse("reports:proposal_detail", args=["cheshire-west-and-chester", seed["cwac"].slug, ce_proposal.pk])
    assert client_for(officer_cwac).get(url).status_code == 404


def test_home_links_each_visible_plan_to_its_reports(client_for, officer_cwac, seed):
    html = client_for(officer_cwac).get("/").content.decode()
    assert reverse("reports:rollup", args=["cheshire-west-and-chester", seed["cwac"].slug]) in html
    assert reverse("reports:proposal_list", args=["cheshire-west-and-chester", seed["cwac"].slug]) in html
    assert "/c/cheshire-east/" not in html
