"""Only the council's finance officers (and administrators) may import."""
import pytest
from django.urls import reverse

from tests.conftest import db_snapshot
from tests.test_import_helpers import exported_workbook, upload


def urls(plan):
    args = [plan.council.slug, plan.slug]
    return reverse("workbooks:import", args=args), reverse("workbooks:import_confirm", args=args)


@pytest.mark.parametrize("user", ["officer", "admin_user"])
def test_finance_officers_and_administrators_see_the_upload_form(ce_plan, client_for, user, request):
    page, _ = urls(ce_plan)
    response = client_for(request.getfixturevalue(user)).get(page)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Import proposals from a spreadsheet" in text
    assert 'enctype="multipart/form-data"' in text and '<label for="id_file">' in text


@pytest.mark.parametrize("user", ["commissioner", "approver"])
def test_other_roles_of_the_council_are_forbidden(ce_plan, client_for, officer, user, request):
    data = exported_workbook(client_for(officer), ce_plan)
    client = client_for(request.getfixturevalue(user))
    page, confirm = urls(ce_plan)
    before = db_snapshot()
    assert client.get(page).status_code == 403
    assert upload(client, ce_plan, data).status_code == 403
    assert client.post(confirm, {"token": "x"}).status_code == 403
    assert db_snapshot() == before


@pytest.mark.parametrize("user", ["officer_cwac", "outsider"])
def test_another_councils_import_is_not_found(ce_plan, client_for, user, request):
    client = client_for(request.getfixturevalue(user))
    page, confirm = urls(ce_plan)
    assert client.get(page).status_code == 404
    assert client.post(confirm, {"token": "x"}).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(ce_plan, client):
    page, _ = urls(ce_plan)
    response = client.get(page)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_preview_for_one_plan_cannot_be_confirmed_on_another(seed, admin_user, client_for):
    client = client_for(admin_user)
    from tests.test_import_helpers import edit_workbook, find_cell

    def edit(wb):
        find_cell(wb["Outcome 5"], "[33]", "2019/20").value = -0.03

    response = upload(client, seed["ce"], edit_workbook(exported_workbook(client, seed["ce"]), edit))
    assert response.context["token"]
    _, other_confirm = urls(seed["cwac"])
    before = db_snapshot()
    client.post(other_confirm, {"token": response.context["token"]})
    assert db_snapshot() == before


def test_a_missing_file_is_a_clear_error(ce_plan, officer, client_for):
    page, _ = urls(ce_plan)
    response = client_for(officer).post(page, {})
    assert response.status_code == 400
    assert "Choose a workbook (.xlsx) or CSV file to upload." in response.content.decode()


def test_the_roll_up_page_links_to_the_workbook_with_its_filters(ce_plan, commissioner, client_for):
    client = client_for(commissioner)
    url = reverse("reports:rollup", args=[ce_plan.council.slug, ce_plan.slug])
    response = client.get(url + "?kind=revenue_savings")
    text = response.content.decode()
    export = reverse("workbooks:export", args=[ce_plan.council.slug, ce_plan.slug])
    assert f'href="{export}?kind=revenue_savings"' in text
    assert "Download the cabinet-paper workbook (.xlsx)" in text
    download = client.get(f"{export}?kind=revenue_savings")
    assert download.status_code == 200
