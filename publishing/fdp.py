"""The Fiscal Data Package of a published plan: ``datapackage.json`` and the CSV it
describes, a row per impact line and year.

The CSV is what the public pages show, from the same ``public_source``: each figure is
the line's variation to the approved base-year budget in that year (cumulative, as the
budget book prints it), an integer in £ thousands, so the sum of a year's rows is the
roll-up's net for that year, exactly.

The descriptor follows the Fiscal Data Package 0.3 model (``model.measures`` with its
currency, factor and phase; ``model.dimensions`` for the fiscal year, the administrative
classification council → outcome → service budget, the proposal and the budget phase;
``fiscalPeriod``) on a Tabular Data Package, so the reference validator checks the CSV
against its schema (``frictionless validate datapackage.json``) without fetching a
profile from the internet (the "fiscal-data-package" profile name makes frictionless
download the schema)."""
import csv
import datetime as dt
import io
import json
import zipfile

from proposals.models import Kind, Status
from proposals.references import display_reference
from proposals.years import label as year_label
from reports.spreadsheet_text import formula_safe

CSV_NAME = "budget.csv"
KIND_LABELS = dict(Kind.choices)
STATUS_LABELS = dict(Status.choices)

# (name, Table Schema type, title, description); the CSV's columns in order.
FIELDS = (
    ("council_code", "string", "Council code", "The council's short name in the portal's addresses"),
    ("council", "string", "Council", "The council (administrative classification, level 1)"),
    ("plan", "string", "Budget plan", "The medium-term financial strategy round"),
    ("outcome_code", "string", "Outcome code", "The outcome (administrative classification, level 2)"),
    ("outcome", "string", "Outcome", "The outcome's title"),
    ("service_budget", "string", "Service budget", "The budget the line varies (administrative classification, "
                                                    "level 3)"),
    ("proposal_reference", "string", "Proposal reference", "As the budget book prints it, e.g. [33]"),
    ("proposal", "string", "Proposal", "The proposal's title"),
    ("kind", "string", "Kind", "Revenue savings, income, investment or pressure"),
    ("status", "string", "Status", "The proposal's status in the publication"),
    ("budget_phase", "string", "Budget phase", "approved (agreed by the council) or proposed"),
    ("fiscal_year", "string", "Financial year", "April to March, e.g. 2019/20"),
    ("fiscal_year_start", "date", "Financial year start", "The first day of the financial year"),
    ("amount", "integer", "Amount, £ thousands",
     "The variation to the approved base-year budget in this year, in whole £ thousands: "
     "minus is a saving or extra income, plus is investment or extra cost"),
)
NAMES = [name for name, *_ in FIELDS]


def _phase(status):
    return "approved" if status == Status.APPROVED else "proposed"


def rows(source):
    """The CSV's rows (lists in ``NAMES`` order) for ``source``, in budget-book order.
    One query."""
    plan = source.plan
    council = plan.council
    figures = (
        source.figures().order_by("line__proposal__outcome__position", "line__proposal__outcome__code",
                                  "line__proposal__position", "line__proposal__pk", "line__position", "line__pk",
                                  "year__start_year")
        .values_list("line__proposal__outcome__code", "line__proposal__outcome__title", "line__service_budget__name",
                     "line__proposal__reference", "line__proposal__title", "line__proposal__kind",
                     "line__proposal__status", "year__start_year", "amount_k")
    )
    out = []
    for outcome_code, outcome, budget, reference, title, kind, status, start_year, amount in figures:
        out.append([
            council.slug, council.name, plan.name, outcome_code, outcome, budget, display_reference(reference),
            title, KIND_LABELS.get(kind, kind), STATUS_LABELS.get(status, status), _phase(status),
            year_label(start_year), dt.date(start_year, 4, 1).isoformat(), amount,
        ])
    return out


def csv_text(source, publication=None):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(NAMES)
    for row in rows(source):
        writer.writerow([formula_safe(v) if isinstance(v, str) else v for v in row])
    return out.getvalue()


def descriptor(publication):
    """The ``datapackage.json`` of ``publication`` (a dict)."""
    plan = publication.plan
    council = plan.council
    years = list(plan.years.all())
    as_at = publication.snapshot.slug if publication.snapshot else "approved"
    first, last = (years[0].start_year, years[-1].start_year) if years else (plan.base_year + 1, plan.base_year + 1)
    return {
        "profile": "tabular-data-package",
        "name": f"{council.slug}-{plan.slug}-{as_at}"[:100],
        "title": f"{council.name}: {plan.name}, {publication.what}",
        "description": (
            f"The budget proposals of {council.name}'s {plan.name} {publication.what}, a row per impact line and "
            f"financial year: each figure varies the approved {plan.base_year_label} budget, in whole £ thousands."
        ),
        "version": publication.published_at.strftime("%Y-%m-%d"),
        "created": publication.published_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "countryCode": "GB",
        "fiscalPeriod": {"start": f"{first}-04-01", "end": f"{last + 1}-03-31"},
        "resources": [{
            "name": "budget",
            "path": CSV_NAME,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {
                "fields": [{"name": name, "type": kind, "title": title, "description": text,
                            **({"constraints": {"required": True}} if name != "proposal_reference" else {})}
                           for name, kind, title, text in FIELDS],
            },
        }],
        "model": {
            "measures": {
                "amount": {"source": "amount", "currency": "GBP", "factor": 1000,
                           "title": "Variation to the approved base-year budget"},
            },
            "dimensions": {
                "date": {"dimensionType": "datetime", "primaryKey": "fiscal_year",
                         "attributes": {"fiscal_year": {"source": "fiscal_year"},
                                        "fiscal_year_start": {"source": "fiscal_year_start"}}},
                "administrative_classification": {
                    "dimensionType": "classification", "classificationType": "administrative",
                    "primaryKey": ["council_code", "outcome_code", "service_budget"],
                    "attributes": {
                        "council_code": {"source": "council_code"},
                        "council": {"source": "council", "labelfor": "council_code"},
                        "outcome_code": {"source": "outcome_code", "parent": "council_code"},
                        "outcome": {"source": "outcome", "labelfor": "outcome_code"},
                        "service_budget": {"source": "service_budget", "parent": "outcome_code"},
                    },
                },
                "proposal": {"dimensionType": "activity", "primaryKey": ["proposal_reference", "proposal"],
                             "attributes": {"proposal_reference": {"source": "proposal_reference"},
                                            "proposal": {"source": "proposal"},
                                            "kind": {"source": "kind"}, "status": {"source": "status"}}},
                "phase": {"dimensionType": "other", "primaryKey": "budget_phase",
                          "attributes": {"budget_phase": {"source": "budget_phase"}}},
            },
        },
    }


def descriptor_json(publication, described=None):
    """``datapackage.json``'s text (of ``described``, the descriptor, when the caller has it)."""
    return json.dumps(described or descriptor(publication), indent=2, ensure_ascii=False) + "\n"


ZIP_TYPE = "application/zip"


def package_zip(publication, source):
    """(file name, bytes) of the whole package as one .zip: ``datapackage.json`` and the
    CSV it describes side by side (so the descriptor's path holds when unpacked), both
    dated as published, so the same publication makes the same file."""
    published = publication.published_at.astimezone(dt.timezone.utc)
    stamp = (max(published.year, 1980), published.month, published.day, published.hour, published.minute,
             published.second)
    described = descriptor(publication)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, text in (("datapackage.json", descriptor_json(publication, described)),
                           (CSV_NAME, csv_text(source))):
            package.writestr(zipfile.ZipInfo(name, date_time=stamp), text.encode("utf-8"),
                             compress_type=zipfile.ZIP_DEFLATED)
    return f"{described['name']}.zip", out.getvalue()
