"""Load a published plan from its transcription in ``fixtures/`` (one JSON file per plan).

The files are written as the documents print them ("-0.027", "No change" as "0.000", a
year with no figure left out), so each can be checked against its source by eye. Loading
is idempotent: a plan that already exists is left exactly as it is, edits and all.
Proposals are written as the published document (``permissions.SYSTEM``), in the status
the document gives them, through ``proposals.services`` like every other write, and
the totals it prints are kept beside them (``proposals.published``) for reconciliation.
"""
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from councils.models import Council
from outcomes.models import Outcome, OutcomeMeasure

from . import years as fy
from .measures import ValueInput, parse_figure, save_measure
from .models import BudgetPlan, ChangeSet, Measure, PlanYear, ServiceBudget, Theme, TotalScope
from .money import parse_m
from .permissions import SYSTEM
from .published import FigureInput, TotalInput, record_published
from .references import parse_reference
from .services import LineInput, create_proposal

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


def seed_files():
    return sorted(FIXTURES_DIR.glob("*.json"))


def load_plan_file(path):
    """Load one fixture file. Returns (plan, created: bool)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    with transaction.atomic():
        council, _ = Council.objects.get_or_create(
            slug=data["council"]["slug"], defaults={"name": data["council"]["name"]}
        )
        plan_data = data["plan"]
        existing = BudgetPlan.objects.filter(council=council, slug=plan_data["slug"]).first()
        if existing:
            return existing, False
        plan = BudgetPlan.objects.create(
            council=council, slug=plan_data["slug"], name=plan_data["name"],
            base_year=fy.parse_label(plan_data["base_year"]),
            source=plan_data.get("source", ""), note=plan_data.get("note", ""),
        )
        plan_years = PlanYear.objects.bulk_create(
            PlanYear(plan=plan, start_year=fy.parse_label(label)) for label in plan_data["years"]
        )
        year_by_label = {year.label: year for year in plan_years}

        outcomes = {}
        for position, item in enumerate(data["outcomes"]):
            outcome, _ = Outcome.objects.update_or_create(
                council=council, code=item["code"],
                defaults={"title": item["title"], "what_this_means": item.get("what_this_means", ""),
                          "position": position},
            )
            outcomes[item["code"]] = outcome
            for measure in item.get("measures", []):
                _seed_measure(outcome, measure)
        themes = {}
        for position, item in enumerate(data["themes"]):
            themes[item["name"]], _ = Theme.objects.get_or_create(
                council=council, name=item["name"],
                defaults={"description": item.get("description", ""), "position": position},
            )
        budgets = {}
        for item in data["service_budgets"]:
            budgets[item["name"]], _ = ServiceBudget.objects.get_or_create(
                council=council, name=item["name"], defaults={"kind": item.get("kind", "service")}
            )

        for position, item in enumerate(data["proposals"]):
            lines = [
                LineInput(
                    service_budget=budgets[line["service_budget"]],
                    figures={year_by_label[label]: parse_m(text) for label, text in line["figures"].items()},
                )
                for line in item["lines"]
            ]
            create_proposal(
                plan=plan, user=SYSTEM,
                status=item.get("status", data["default_status"]),
                action=ChangeSet.Action.SEED,
                note=f"Transcribed from the published document ({Path(path).name}).",
                fields={
                    "reference": parse_reference(item["reference"]), "title": item["title"], "kind": item["kind"],
                    "theme": themes[item["theme"]] if item.get("theme") else None,
                    "outcome": outcomes[item["outcome"]], "description": item.get("description", ""),
                    "position": position,
                },
                lines=lines,
            )
        totals = published_totals(data, plan_years, outcomes, Path(path).name)
        if totals:
            record_published(plan=plan, user=SYSTEM, totals=totals, action=ChangeSet.Action.SEED,
                             note=f"The totals the published document prints ({Path(path).name}).")
    return plan, True


def published_totals(data, plan_years, outcomes, file_name):
    """The totals the document prints, as TotalInput: ``published_totals`` (each outcome's
    net over the whole plan, {code: "+3.211"}) and ``published_profiles`` (per outcome and
    printed period, "2016/17" or "2017-2020": investment, saving and net), each with the
    source ``published_totals_source`` / ``published_profiles_source`` names."""
    by_start = {year.start_year: year for year in plan_years}
    first, last = by_start[min(by_start)], by_start[max(by_start)]
    totals = [
        TotalInput(
            label=f"Outcome {code} TOTAL", source=f"{data['published_totals_source']}; transcribed in {file_name}",
            scope=TotalScope.OUTCOME, outcome=outcomes[code], measure=Measure.NET,
            figures=[FigureInput(first, last, parse_m(text), data.get("published_totals_period", ""))],
        )
        for code, text in data.get("published_totals", {}).items()
    ]
    for code, periods in data.get("published_profiles", {}).items():
        for measure in (Measure.INVESTMENT, Measure.SAVING, Measure.NET):
            figures = []
            for printed, amounts in periods.items():
                start, end = fy.parse_period(printed)
                figures.append(FigureInput(by_start[start], by_start[end], parse_m(amounts[measure]), printed))
            totals.append(TotalInput(
                label=f"Outcome {code} profile: {measure.label.split(' (')[0].lower()}",
                source=f"{data['published_profiles_source']}; transcribed in {file_name}",
                scope=TotalScope.OUTCOME, outcome=outcomes[code], measure=measure, figures=figures,
            ))
    return totals


def _seed_measure(outcome, item):
    """An outcome measure as transcribed (figures as printed text, read by the one rule),
    with its values per period, through the measures' write path; kept if already there."""
    if OutcomeMeasure.objects.filter(outcome=outcome, number=item["number"]).exists():
        return
    fields = {name: item.get(name, "") for name in ("measure", "unit", "better", "baseline_label", "target_label",
                                                    "current", "target", "source")}
    fields.update(number=item["number"], baseline=parse_figure(item.get("baseline")),
                  target_value=parse_figure(item.get("target_value")))
    values = [ValueInput(period=value["period"], planned=parse_figure(value.get("planned")),
                         actual=parse_figure(value.get("actual")), rating=value.get("rating", ""),
                         commentary=value.get("commentary", ""), action=value.get("action", ""), key=value["period"])
              for value in item.get("values", [])]
    save_measure(user=SYSTEM, outcome=outcome, fields=fields, values=values, action=ChangeSet.Action.SEED)
