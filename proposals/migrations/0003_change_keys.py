"""Each change also names what it changed by key (see ``Change``): the header field's
model field name and its values as stored, the service budget and the plan year by id.

Changes already written get their keys from their names where they can be found: the
field by its label, a theme, an outcome or a budget by its name in the council, a year
by its label in the plan. A name that matches nothing (renamed since) leaves the key
blank, and the three-way merge passes that change by. The history is not append-only
yet (the next migration makes it so), so these rows can still be filled in.
"""
from collections import defaultdict

from django.db import migrations, models

from proposals import years as fy
from proposals.history import line_value
from proposals.money import MoneyError, parse_m

# The header fields by the labels the history shows, and the kinds by their labels, as
# they are written by proposals.services (its FIELD_LABELS) and proposals.models.Kind.
FIELD_NAMES = {
    "Reference": "reference", "Title": "title", "Kind": "kind", "Theme": "theme", "Outcome": "outcome",
    "Description": "description",
}
KIND_VALUES = {
    "Revenue Savings": "revenue_savings", "Revenue Investment": "revenue_investment",
    "Income Generation": "income_generation", "Pressure": "pressure", "Capital": "capital",
    "Reversal of one-off item": "one_off_reversal",
}
NEW = "[NEW]"
KEYS = ["field_name", "service_budget_id", "plan_year_id", "old_value", "new_value"]


def _reference(shown):
    return "" if shown in ("", NEW) else shown.removeprefix("[").removesuffix("]")


def _removed_figures(shown, years):
    """A removed line's figures as the history wrote them ("2020/21 +8.500, 2021/22 …",
    or "no figures") -> {PlanYear id: £k}, or None if a year or figure is not found."""
    figures = {}
    if shown == "no figures":
        return figures
    for part in shown.split(", "):
        label, _, amount = part.partition(" ")
        try:
            figures[years[label]] = parse_m(amount)
        except (KeyError, MoneyError):
            return None
    return figures


def fill_keys(apps, schema_editor):
    Change = apps.get_model("proposals", "Change")
    Proposal = apps.get_model("proposals", "Proposal")
    ServiceBudget = apps.get_model("proposals", "ServiceBudget")
    PlanYear = apps.get_model("proposals", "PlanYear")
    Theme = apps.get_model("proposals", "Theme")
    Outcome = apps.get_model("outcomes", "Outcome")

    budgets = {(b.council_id, b.name): b.pk for b in ServiceBudget.objects.all()}
    themes = {(t.council_id, t.name): str(t.pk) for t in Theme.objects.all()}
    outcomes = {(o.council_id, f"Outcome {o.code} \u2013 {o.title}"): str(o.pk) for o in Outcome.objects.all()}
    years = defaultdict(dict)  # plan id -> {label: PlanYear id}
    for year in PlanYear.objects.all():
        years[year.plan_id][fy.label(year.start_year)] = year.pk
    plan_of = dict(Proposal.objects.values_list("pk", "plan_id"))

    changes = list(
        Change.objects.filter(changeset__proposal__isnull=False).select_related("changeset").order_by("id")
    )
    added = defaultdict(dict)  # (change set id, budget id) -> the new line's figures
    for change in changes:
        council, plan = change.changeset.council_id, plan_of[change.changeset.proposal_id]
        if change.kind == "field" and change.field in FIELD_NAMES:
            name = change.field_name = FIELD_NAMES[change.field]
            for shown, attr in ((change.old, "old_value"), (change.new, "new_value")):
                if name == "reference":
                    value = _reference(shown)
                elif name == "kind":
                    value = KIND_VALUES.get(shown, "")
                elif name in ("theme", "outcome"):
                    value = (themes if name == "theme" else outcomes).get((council, shown), "")
                else:
                    value = shown
                setattr(change, attr, value)
        elif change.kind in ("line", "figure"):
            change.service_budget_id = budgets.get((council, change.field))
            if change.kind == "figure":
                change.plan_year_id = years[plan].get(change.year_label)
                if change.service_budget_id and change.plan_year_id and change.new_k is not None:
                    added[(change.changeset_id, change.service_budget_id)][change.plan_year_id] = change.new_k
            elif change.new == "removed":
                figures = _removed_figures(change.old, years[plan])
                change.old_value = "" if figures is None else line_value(figures)
    for change in changes:
        if change.kind == "line" and change.new == "added" and change.service_budget_id:
            change.new_value = line_value(added[(change.changeset_id, change.service_budget_id)])
    Change.objects.bulk_update(changes, KEYS, batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ("outcomes", "0001_initial"),
        ("proposals", "0002_variation_year_in_plan_trigger"),
    ]

    operations = [
        migrations.AddField(
            model_name="change",
            name="field_name",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="change",
            name="service_budget_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="change",
            name="plan_year_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="change",
            name="old_value",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="change",
            name="new_value",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
