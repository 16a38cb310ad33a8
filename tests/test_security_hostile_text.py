"""Text people type is shown as text, never run: stored hostile text in a proposal, its
outcome, theme, service budget and its author's name renders inert on every page and
download, and hostile text in the address is not reflected as markup.

Spreadsheets count too: text that starts with "=" must reach a workbook as text, not
as a formula Excel would run.
"""
import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils.html import escape
from openpyxl import load_workbook

from delivery.models import Rating
from delivery.services import ReturnInput, save_returns
from outcomes.models import Outcome, OutcomeMeasure
from proposals.measures import ValueInput, save_measure
from proposals.models import Proposal, ServiceBudget, Status, Theme
from proposals.permissions import SYSTEM
from proposals.services import LineInput, save_proposal

from .conftest import proposal
from .test_jobs import finished_job
from .test_security_url_walk import PASSWORD_LINK, RULES, app_urls, monitoring_period, structure_pks, url_for

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JSON = re.compile(r"application/(vnd\.oai\.openapi\+)?json")
FORMULA = '=HYPERLINK("https://evil.example/","Open")'
RAW_MARKUP = re.compile(r"<script>alert\(1\)|<img src=x onerror", re.IGNORECASE)


@pytest.fixture
def hostile(ce_plan, officer):
    growth = proposal(ce_plan, "41")
    get_user_model().objects.filter(pk=officer.pk).update(first_name=SCRIPT, last_name=IMG)
    officer.refresh_from_db()
    lines = [
        LineInput(line.service_budget, {v.year: v.amount_k for v in line.variations.select_related("year")})
        for line in growth.lines.select_related("service_budget")
    ]
    save_proposal(
        proposal=growth, user=officer, fields={
            "title": f"Care {SCRIPT}", "description": f"Costs {IMG}",
            # Governance: every text field, and a link that is a web address carrying markup.
            "key_decision": "yes", "consultation_needed": "yes", "consultation_outcome": f"Agreed {SCRIPT}",
            "eia_status": "in_progress", "eia_url": f'https://evil.example/?"{SCRIPT}',
            "portfolio_holder": IMG, "lead_officer": FORMULA,
        },
        lines=lines, expected_version=growth.version,
    )
    Outcome.objects.filter(pk=growth.outcome_id).update(title=f"People {IMG}")
    Theme.objects.filter(pk=growth.theme_id).update(name=FORMULA)
    ServiceBudget.objects.filter(pk=growth.lines.first().service_budget_id).update(name=f"Care {SCRIPT}")
    # Its delivery return: the commentary, lead officer and mitigation are typed text too.
    Proposal.objects.filter(pk=growth.pk).update(status=Status.APPROVED)
    period = monitoring_period(ce_plan)
    save_returns(period=period, user=SYSTEM, rows=[ReturnInput(
        proposal_id=growth.pk, forecast_k=4000, rating=Rating.AMBER, commentary=f"Late {SCRIPT}",
        lead_officer=IMG, mitigation=FORMULA)])
    # An outcome measure: its words, unit, source and a value's commentary and action.
    measure = OutcomeMeasure.objects.get(outcome_id=growth.outcome_id, number=1)
    save_measure(user=SYSTEM, outcome=measure.outcome, measure=measure, fields={
        "measure": f"Admissions {SCRIPT}", "unit": IMG[:40], "source": FORMULA, "baseline_label": SCRIPT[:40]},
        values=[ValueInput(period="2018/19 Q2", actual=Decimal("1"), commentary=f"Late {SCRIPT}", action=FORMULA,
                           key="q2")])
    growth.refresh_from_db()
    growth.period = period
    return growth


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def readable_urls(growth):
    finished_job(growth.updated_by, pk=growth.pk)  # the job pages' pk, as in the URL walk
    kwargs = {"council_slug": growth.plan.council.slug, "plan_slug": growth.plan.slug, "pk": growth.pk,
              "code": growth.outcome.code, "fmt": "csv", "user_id": growth.updated_by_id,
              "period": growth.period.slug, "kind": "national_export", "number": 1, **PASSWORD_LINK,
              **structure_pks(growth.plan.council)}
    for name, pattern in app_urls():
        if RULES[name][0]["admin"] == 200 and name != "healthz":
            yield name, url_for(name, pattern, kwargs)
    yield "export_flat xlsx", url_for("workbooks:export_flat", dict(app_urls())["workbooks:export_flat"],
                                      {**kwargs, "fmt": "xlsx"})


def test_stored_hostile_text_is_inert_on_every_page(hostile, admin_client):
    shown_escaped = set()
    for name, url in readable_urls(hostile):
        response = admin_client.get(url, follow=True)
        assert response.status_code == 200, url
        content_type = response["Content-Type"]
        if content_type.startswith("text/html"):
            body = response.content.decode()
            assert not RAW_MARKUP.search(body), f"{url} renders stored text as markup"
            if escape(SCRIPT) in body or escape(IMG) in body:
                shown_escaped.add(name)
        elif JSON.match(content_type):  # the API, a job's status: stored text as JSON strings, never sniffed as markup
            assert response["X-Content-Type-Options"] == "nosniff"
            json.loads(response.content)
        else:
            assert response["Content-Disposition"].startswith("attachment"), f"{url} is not a download"
            assert response["X-Content-Type-Options"] == "nosniff"
    # The test can fail: the hostile text is really on the pages that show it.
    assert {"reports:proposal_detail", "proposals:history", "proposals:edit", "reports:proposal_list",
            "administration:people", "administration:person"} <= shown_escaped


def test_hostile_text_in_the_address_is_not_reflected_as_markup(hostile, admin_client):
    for _name, url in readable_urls(hostile):
        response = admin_client.get(url, {"q": SCRIPT, "status": IMG, "per_page": SCRIPT, "by": IMG, "page": IMG})
        if response["Content-Type"].startswith("text/html"):
            assert not RAW_MARKUP.search(response.content.decode()), f"{url} reflects the query string as markup"


def _workbook_urls(growth):
    slugs = {"council_slug": growth.plan.council.slug, "plan_slug": growth.plan.slug}
    return [
        f"/c/{slugs['council_slug']}/{slugs['plan_slug']}/workbook.xlsx",
        f"/c/{slugs['council_slug']}/{slugs['plan_slug']}/proposals/download.xlsx",
        f"/c/{slugs['council_slug']}/{slugs['plan_slug']}/rollup/download.xlsx?by=theme",
        f"/c/{slugs['council_slug']}/{slugs['plan_slug']}/proposals-flat.xlsx",
        f"/c/{slugs['council_slug']}/{slugs['plan_slug']}/measures/download.xlsx",
    ]


def test_text_that_looks_like_a_formula_reaches_workbooks_as_text(hostile, admin_client):
    found = 0
    for url in _workbook_urls(hostile):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        workbook = load_workbook(io.BytesIO(content))
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and "evil.example" in cell.value:
                        found += 1
                        assert cell.data_type == "s", (
                            f"{url} {sheet.title}!{cell.coordinate} is a formula: {cell.value}"
                        )
    assert found >= len(_workbook_urls(hostile)), "the hostile text is missing from a workbook"


def test_text_that_looks_like_a_formula_is_neutralised_in_csv(hostile, admin_client):
    slugs = f"/c/{hostile.plan.council.slug}/{hostile.plan.slug}"
    found = 0
    for url in (f"{slugs}/proposals/download.csv", f"{slugs}/rollup/download.csv?by=theme",
                f"{slugs}/proposals-flat.csv"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
            for value in row:
                if "evil.example" in value:
                    found += 1
                    assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (
                        f"{url}: {value!r} would run as a formula"
                    )
    assert found, "the theme's name appears in none of the CSV files"
