"""Importing the monitoring workbook back: filled in, previewed row by row (old -> new)
and confirmed, through the one write path, with its audit trail; every bad input refused
naming its row, with nothing saved; a return saved since the export a conflict; and who
may import."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from delivery.models import DeliveryReturn, Rating
from delivery.services import change_period, save_returns
from delivery.summary import delivery_summary
from proposals.models import ChangeSet
from proposals.permissions import SYSTEM
from tests.conftest import db_snapshot, proposal
from tests.hostile_uploads import HOSTILE
from tests.test_monitoring_workbook import (
    MONITORED,
    approve,
    assert_summary_equals,
    download,
    fill,
    make_period,
    returned,
)
from tests.test_workbook_libreoffice import recalculated, soffice  # noqa: F401 - the fixture
from workbooks.monitoring import COL, FIRST_ROW, write_monitoring_workbook
from workbooks.monitoring_import import NOT_A_MONITORING_WORKBOOK, NOT_AN_XLSX


@pytest.fixture
def monitored(ce_plan):
    approve(ce_plan, *MONITORED)
    return ce_plan


@pytest.fixture
def q2(monitored):
    return make_period(monitored, 2019, 2)


def upload(client, period, data, name="returns.xlsx"):
    plan = period.plan
    url = reverse("workbooks:monitoring_import", args=[plan.council.slug, plan.slug, period.slug])
    return client.post(url, {"file": SimpleUploadedFile(name, data)})


def confirm(client, period, response):
    plan = period.plan
    url = reverse("workbooks:monitoring_import_confirm", args=[plan.council.slug, plan.slug, period.slug])
    return client.post(url, {"token": response.context["token"]})


# ---------------------------------------------------------------- importing


def test_a_filled_in_workbook_is_previewed_then_saved_with_its_audit_trail(q2, monitored, officer, client_for):
    client = client_for(officer)
    save_returns(period=q2, user=officer, rows=[returned(monitored, "36", -50, Rating.GREEN)])
    data = fill(download(client, q2), {
        "[33]": {"forecast": -0.027, "rating": "green", "lead_officer": "J. Smith", "commentary": "On track"},
        "[36]": {"forecast": "-0.030", "rating": "Amber", "mitigation": "Recruiting", "replacement": "[34]",
                 "delivered_next_year": "Yes"},
    })
    before = ChangeSet.objects.count()
    response = upload(client, q2, data)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.can_apply and not preview.problems and preview.unchanged == 1  # [40] left blank
    changes = dict(preview.changes)
    row_33 = f"Row {FIRST_ROW} ([33])"
    assert "Forecast: (none) → -0.027" in changes[row_33] and "Rating: (none) → Green" in changes[row_33]
    assert "Lead officer: (none) → J. Smith" in changes[row_33]
    assert set(changes[f"Row {FIRST_ROW + 1} ([36])"]) == {
        "Forecast: -0.050 → -0.030", "Rating: Green → Amber", "Mitigation: (none) → Recruiting",
        "Replacement: (none) → [34]", "Delivered next year: No → Yes"}
    page = response.content.decode()
    assert "Save these returns" in page and "csrfmiddlewaretoken" in page
    assert ChangeSet.objects.count() == before and DeliveryReturn.objects.count() == 1  # the preview wrote nothing

    response = confirm(client, q2, response)
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:delivery_period", args=[monitored.council.slug, monitored.slug,
                                                                             q2.slug])
    saved = {r.proposal.reference: r for r in DeliveryReturn.objects.select_related("proposal", "replacement")}
    assert set(saved) == {"33", "36"}
    assert (saved["33"].forecast_k, saved["33"].rating, saved["33"].lead_officer, saved["33"].version) == (
        -27, "green", "J. Smith", 1)
    assert (saved["36"].forecast_k, saved["36"].rating, saved["36"].replacement.reference,
            saved["36"].delivered_next_year, saved["36"].version, saved["36"].updated_by) == (
        -30, "amber", "34", True, 2, officer)
    changeset = ChangeSet.objects.latest("id")
    assert (changeset.user, changeset.note) == (officer, "Delivery returns 2019/20 Q2")
    assert "2019/20 2019/20 Q2 [36] forecast: -0.050 \u2192 -0.030" in [c.describe() for c in changeset.changes.all()]
    # The preview is used once.
    count = ChangeSet.objects.count()
    again = client.post(reverse("workbooks:monitoring_import_confirm", args=[monitored.council.slug, monitored.slug,
                                                                             q2.slug]), {"token": "x"})
    assert again.status_code == 302 and ChangeSet.objects.count() == count


def test_an_unchanged_workbook_has_nothing_to_import(q2, monitored, officer, client_for):
    save_returns(period=q2, user=officer, rows=[returned(
        monitored, "36", -30, Rating.AMBER, commentary="=1+1 is text")])
    client = client_for(officer)
    response = upload(client, q2, download(client, q2))
    preview = response.context["preview"]
    assert (preview.changes, preview.problems, preview.unchanged, preview.can_apply) == ([], [], 3, False)
    assert "There is nothing to import" in response.content.decode()


def row_of(reference):
    return FIRST_ROW + ["[33]", "[36]", "[40]"].index(reference)


@pytest.mark.parametrize("changes, message", [
    ({"[33]": {"forecast": "abc", "rating": "Green"}},
     f"Row {row_of('[33]')} ([33]): Forecast: “abc” is not a figure in £m"),
    ({"[33]": {"forecast": -0.0275, "rating": "Green"}},
     f"Row {row_of('[33]')} ([33]): Forecast: “-0.0275” has more than three decimal places"),
    ({"[33]": {"forecast": "=H9*2", "rating": "Green"}}, "is a formula; type the figure itself"),
    ({"[33]": {"forecast": -0.027, "rating": "Purple"}},
     f"Row {row_of('[33]')} ([33]): “Purple” is not a rating: use Blue, Green, Amber or Red."),
    ({"[33]": {"forecast": -0.020, "rating": "Green"}},
     f"Row {row_of('[33]')} ([33]): Green means the full target (-0.027) is on track, but the forecast is -0.020"),
    ({"[33]": {"forecast": -0.020, "rating": "Amber"}},
     f"Row {row_of('[33]')} ([33]): Say how the shortfall on an Amber rating is being mitigated."),
    ({"[33]": {"forecast": -0.020, "rating": "Amber", "mitigation": "x", "replacement": "[999]"}},
     f"Row {row_of('[33]')} ([33]): Replacement: [999] is not a proposal of"),
    ({"[33]": {"forecast": -0.027, "rating": "Green", "delivered_next_year": "Maybe"}},
     "Delivered next year is “Maybe”: put Yes or No"),
    ({"[33]": {"id": "abc"}}, f"Row {row_of('[33]')} ([33]): the Proposal id or the Version"),
    ({"[33]": {"version": None}}, f"Row {row_of('[33]')} ([33]): the Proposal id or the Version"),
    ({"[33]": {"id": 99_999_999}}, "99999999 is not the id of a proposal of"),
], ids=["text", "four decimals", "formula", "rating word", "rating contradicts forecast", "no mitigation",
        "unknown replacement", "yes or no", "id not a number", "version removed", "id of no proposal"])
def test_each_bad_cell_is_refused_naming_its_row_and_nothing_is_saved(q2, monitored, officer, client_for,
                                                                       changes, message):
    client = client_for(officer)
    data = fill(download(client, q2), {**changes, "[40]": {"forecast": -0.1, "rating": "Green"}})
    before = db_snapshot()
    response = upload(client, q2, data)
    preview = response.context["preview"]
    assert not preview.can_apply and "Save these returns" not in response.content.decode()
    assert any(message in problem for problem in preview.problems), preview.problems
    assert "Nothing has been imported" in response.content.decode()
    assert db_snapshot() == before
    assert "workbooks_monitoring_import" not in client.session


def test_a_proposal_given_twice_is_refused(q2, monitored, officer, client_for):
    client = client_for(officer)
    wb = load_workbook(io.BytesIO(download(client, q2)))
    ws = wb["Returns"]
    for letter in COL.values():  # [33]'s row made a copy of [36]'s
        ws[f"{letter}{row_of('[33]')}"].value = ws[f"{letter}{row_of('[36]')}"].value
    ws[f"{COL['forecast']}{row_of('[36]')}"].value = -0.05
    ws[f"{COL['rating']}{row_of('[36]')}"].value = "Green"
    out = io.BytesIO()
    wb.save(out)
    before = db_snapshot()
    preview = upload(client, q2, out.getvalue()).context["preview"]
    assert preview.problems == [f"Row {row_of('[36]')} ([36]): [36] is in row {row_of('[33]')} too; give each "
                                "proposal's return once."]
    assert db_snapshot() == before


def test_a_tampered_id_is_refused(q2, monitored, officer, client_for):
    client = client_for(officer)
    data = fill(download(client, q2), {"[33]": {"id": proposal(monitored, "36").pk, "forecast": -0.05,
                                                "rating": "Green"}})
    before = db_snapshot()
    preview = upload(client, q2, data).context["preview"]
    assert preview.problems == [f"Row {row_of('[33]')} ([33]): the Proposal id {proposal(monitored, '36').pk} is "
                                "[36]'s, not this row's. They tie each row to its proposal's return: download the "
                                "workbook again and copy your returns into it."]
    assert db_snapshot() == before


def test_a_proposal_not_due_this_period_is_refused(q2, monitored, officer, client_for):
    client = client_for(officer)
    investment = proposal(monitored, "41")  # approved, but the period does not monitor investments
    data = fill(download(client, q2), {"[40]": {"reference": "[41]", "id": investment.pk, "forecast": 3.5,
                                                "rating": "Green"}})
    before = db_snapshot()
    preview = upload(client, q2, data).context["preview"]
    assert preview.problems == [f"Row {row_of('[40]')} ([41]): [41] is not due a return in 2019/20 Q2. Only approved "
                                "savings and income (and investments, where the period monitors them) with a "
                                "target in 2019/20 are."]
    assert db_snapshot() == before


def refused(client, period, data, name="returns.xlsx"):
    """Upload ``data``: refused as a whole, nothing changed; the message."""
    before = db_snapshot()
    response = upload(client, period, data, name)
    assert response.status_code == 400
    assert "No return has been imported" in response.content.decode()
    assert db_snapshot() == before
    [message] = response.context["form"].errors["file"]
    return message


def test_another_periods_workbook_is_refused(q2, monitored, officer, client_for, cwac_plan):
    client = client_for(officer)
    q1 = make_period(monitored, 2019, 1)
    assert refused(client, q2, fill(download(client, q1), {"[33]": {"forecast": -0.027, "rating": "Green"}})) == (
        "This is the monitoring workbook for 2019/20 Q1, not 2019/20 Q2. Upload it on 2019/20 Q1's import page, "
        "or download 2019/20 Q2's workbook.")
    other_plan = make_period(cwac_plan, cwac_plan.years.first().start_year, 2)
    data = write_monitoring_workbook(other_plan, user=SYSTEM)
    assert "This is not a monitoring workbook of Budget proposals" in refused(client, q2, data)
    wb = load_workbook(io.BytesIO(download(client, q2)))
    wb["Returns"][f"{COL['id']}1"].value = None  # the Period id's label removed
    out = io.BytesIO()
    wb.save(out)
    assert "does not say which monitoring period it is for" in refused(client, q2, out.getvalue())


@pytest.mark.parametrize("make, name, words", [
    (lambda client, plan: b"not a spreadsheet at all", "returns.xlsx", NOT_AN_XLSX),
    (lambda client, plan: b"Reference,Forecast\n[33],-0.027\n", "returns.csv", NOT_A_MONITORING_WORKBOOK),
    (lambda client, plan: client.get(reverse("workbooks:export", args=[plan.council.slug, plan.slug])).getvalue(),
     "cabinet.xlsx", NOT_A_MONITORING_WORKBOOK),
    (lambda client, plan: HOSTILE["a part that compresses too well"][0](), "returns.xlsx",
     "compressed more than 100:1"),
    (lambda client, plan: HOSTILE["entity expansion"][0](), "returns.xlsx", "document type declaration, an entity"),
], ids=["not a spreadsheet", "a csv", "the cabinet workbook", "a zip bomb", "entity expansion"])
def test_a_file_that_is_not_the_monitoring_workbook_is_refused(q2, monitored, officer, client_for, make, name, words):
    client = client_for(officer)
    assert words in refused(client, q2, make(client, monitored), name)


def test_a_file_over_the_upload_limit_is_refused(q2, officer, client_for):
    client = client_for(officer)
    data = download(client, q2)
    with override_settings(UPLOAD_MAX_BYTES=len(data) - 1):
        assert "which is over the limit of" in refused(client, q2, data)


def test_more_rows_than_the_limit_is_refused(q2, officer, client_for):
    client = client_for(officer)
    data = download(client, q2)
    with override_settings(UPLOAD_MAX_ROWS=FIRST_ROW):
        assert f"more than {FIRST_ROW} rows" in refused(client, q2, data)


def test_someone_saving_since_the_export_is_a_conflict_and_nothing_is_saved(q2, monitored, officer, officer2,
                                                                            client_for):
    client = client_for(officer)
    data = fill(download(client, q2), {"[33]": {"forecast": -0.027, "rating": "Green"},
                                       "[36]": {"forecast": -0.05, "rating": "Green"}})
    save_returns(period=q2, user=officer2, rows=[returned(monitored, "33", -20, Rating.AMBER)])
    before = db_snapshot()
    response = upload(client, q2, data)
    preview = response.context["preview"]
    assert not preview.can_apply and len(preview.conflicts) == 1
    assert preview.conflicts[0].startswith(f"Row {row_of('[33]')} ([33]): [33] Independent Living Fund")
    assert "was saved by Lee Brown on" in preview.conflicts[0] and "after this workbook was exported" in \
        preview.conflicts[0]
    assert "Someone saved returns after this workbook was downloaded" in response.content.decode()
    assert db_snapshot() == before


def test_a_save_between_the_preview_and_confirming_is_a_conflict(q2, monitored, officer, officer2, client_for):
    client = client_for(officer)
    data = fill(download(client, q2), {"[33]": {"forecast": -0.027, "rating": "Green"},
                                       "[36]": {"forecast": -0.05, "rating": "Green"}})
    response = upload(client, q2, data)
    assert response.context["preview"].can_apply
    save_returns(period=q2, user=officer2, rows=[returned(monitored, "33", -20, Rating.AMBER)])
    before = db_snapshot()
    response = confirm(client, q2, response)
    assert response.status_code == 302 and response["Location"].endswith("/import/")
    assert db_snapshot() == before  # not even [36]
    page = client.get(response["Location"]).content.decode()
    assert "was saved by Lee Brown" in page and "Nothing has been imported" in page


def test_a_filled_in_workbook_recalculates_in_libreoffice_to_the_page_after_its_import(
        q2, monitored, officer, client_for, soffice, tmp_path):  # noqa: F811
    save_returns(period=q2, user=officer, rows=[returned(monitored, "33", -27, Rating.BLUE),
                                                returned(monitored, "36", -30, Rating.AMBER)])
    client = client_for(officer)
    filled = fill(download(client, q2), {
        "[36]": {"forecast": -0.05, "rating": "Green", "mitigation": None},
        "[40]": {"forecast": -0.04, "rating": "Red", "mitigation": "Fees review", "delivered_next_year": "Yes"},
    })
    recalculated_summary = recalculated(soffice, tmp_path, {"filled": filled})["filled"]["Summary"]
    response = upload(client, q2, filled)
    assert response.context["preview"].can_apply, response.context["preview"].problems
    confirm(client, q2, response)
    after = delivery_summary(q2)
    assert (after.totals.returns, after.totals.forecast_k) == (3, -27 - 50 - 40)
    assert_summary_equals(recalculated_summary, after)


# ---------------------------------------------------------------- access


def test_a_commissioner_may_download_but_not_import(q2, commissioner, client_for):
    client = client_for(commissioner)
    download(client, q2)
    plan = q2.plan
    url = reverse("workbooks:monitoring_import", args=[plan.council.slug, plan.slug, q2.slug])
    assert client.get(url).status_code == 403
    before = db_snapshot()
    assert upload(client, q2, write_monitoring_workbook(q2, user=commissioner)).status_code == 403
    confirm_url = reverse("workbooks:monitoring_import_confirm", args=[plan.council.slug, plan.slug, q2.slug])
    assert client.post(confirm_url, {"token": "x"}).status_code == 403
    assert db_snapshot() == before


@pytest.mark.parametrize("name", ["monitoring_import", "monitoring_import_confirm"])
def test_another_councils_user_gets_a_404(q2, officer_cwac, outsider, client_for, name):
    plan = q2.plan
    url = reverse(f"workbooks:{name}", args=[plan.council.slug, plan.slug, q2.slug])
    for user in (officer_cwac, outsider):
        client = client_for(user)
        response = client.post(url) if name == "monitoring_import_confirm" else client.get(url)
        assert response.status_code == 404


def test_a_closed_period_takes_no_import(q2, officer, council_admin, client_for):
    client = client_for(officer)
    data = fill(download(client, q2), {"[33]": {"forecast": -0.027, "rating": "Green"}})
    change_period(period=q2, user=council_admin, is_open=False)
    before = db_snapshot()
    response = upload(client, q2, data)
    assert response.status_code == 302
    assert "2019/20 Q2 is closed for returns" in client.get(response["Location"]).content.decode()
    assert db_snapshot() == before
    download(client, q2)  # still downloadable, to read


def test_the_period_page_links_to_the_workbook_and_to_its_import_for_those_who_make_returns(q2, officer,
                                                                                           commissioner, client_for):
    plan = q2.plan
    args = [plan.council.slug, plan.slug, q2.slug]
    page_url = reverse("reports:delivery_period", args=args)
    export, import_ = reverse("workbooks:monitoring_export", args=args), reverse("workbooks:monitoring_import",
                                                                                 args=args)
    page = client_for(officer).get(page_url).content.decode()
    assert export in page and import_ in page
    page = client_for(commissioner).get(page_url).content.decode()
    assert export in page and import_ not in page
    upload_page = client_for(officer).get(import_).content.decode()
    assert export in upload_page and 'enctype="multipart/form-data"' in upload_page and "csrfmiddlewaretoken" in \
        upload_page
