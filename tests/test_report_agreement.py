"""The roll-up page, the proposal list, both downloads and the command agree with each
other and with the seed documents, to the thousand pounds."""
import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from proposals.money import to_decimal_m

PUBLISHED = {"01": Decimal("3.211"), "02": Decimal("-4.548"), "03": Decimal("-5.171")}


@pytest.mark.parametrize("view", ["cumulative", "incremental"])
def test_everything_agrees_on_every_outcome_and_year(client_for, commissioner, seed, view):
    client = client_for(commissioner)
    for plan in seed.values():
        args = [plan.council.slug, plan.slug]
        years = [y.label for y in plan.years.all()]
        page = client.get(reverse("reports:rollup", args=args) + f"?view={view}").context["result"]
        from_page = {(r.key, y): to_decimal_m(r.years[y].net) for r in page.rows for y in years}

        out = io.StringIO()
        call_command("rollup", "--council", plan.council.slug, "--view", view, stdout=out)
        data = json.loads(out.getvalue())
        from_command = {(r["key"], y): Decimal(r["years"][y]["net"]) for r in data["rows"] for y in years}

        rows = list(csv.reader(io.StringIO(
            client.get(reverse("reports:rollup_csv", args=args) + f"?view={view}").content.decode())))
        from_csv = {(r[0], y): Decimal(r[3 + i] or "0") for r in rows[1:] if r[2] == "Net" and r[0]
                    for i, y in enumerate(years)}

        book = load_workbook(io.BytesIO(
            client.get(reverse("reports:rollup_xlsx", args=args) + f"?view={view}").content)).active
        from_xlsx = {
            (r[0], y): Decimal(str(r[3 + i] or 0)).quantize(Decimal("0.001"))
            for r in book.iter_rows(values_only=True) if r[2] == "Net" and r[0]
            for i, y in enumerate(years)
        }

        listed = client.get(reverse("reports:proposal_list", args=args) + f"?view={view}&per_page=100")
        from_list = {}
        for p in listed.context["table"].data.data:
            for year in plan.years.all():
                amount = getattr(p, f"y{year.start_year}") or 0
                key = (p.outcome.code, year.label)
                from_list[key] = from_list.get(key, 0) + amount
        from_list = {k: to_decimal_m(v) for k, v in from_list.items()}

        assert from_page == from_command == from_csv == from_xlsx == from_list
        if plan.council.slug == "cheshire-west-and-chester":
            assert {k: v for (k, y), v in from_page.items() if y == "2019/20"} == PUBLISHED
