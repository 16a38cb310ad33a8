"""The public pages of a published plan, readable without signing in: the roll-up, the
proposal list, each proposal, the budget book, and their downloads (CSV, .xlsx and the
Fiscal Data Package).

Every page reads through ``services.public_source``: the publication's snapshot (or the
plan now) and its statuses only, so a draft is never shown. An unpublished plan, a
withdrawn one, or one that does not exist is the same 404. No page shows who changed
what: the audit trail stays inside the portal."""
import io

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from reports import downloads
from reports.book import budget_book, shown
from reports.figures import with_year_figures, year_key, year_totals
from reports.rollup import GROUPING_LABELS, VIEW_LABELS, VIEWS, rollup
from reports.tables import money_html
from reports.views import proposal_figures, proposal_of
from workbooks.book_docx import write_book_docx
from workbooks.book_views import DOCX

from . import fdp
from .models import Publication
from .services import public_source, published_plan_or_none


def _published(council_slug, plan_slug):
    """(plan, publication, source) of a published plan, or Http404."""
    found = published_plan_or_none(council_slug, plan_slug)
    if found is None:
        raise Http404("No published budget plan at this address.")
    plan, publication = found
    return plan, publication, public_source(publication)


def _context(plan, publication, source, tab, **extra):
    return {"plan": plan, "council": plan.council, "publication": publication, "source": source, "tab": tab,
            "base": reverse("public:rollup", args=[plan.council.slug, plan.slug]).removesuffix("rollup/"),
            **extra}


def _file_name(plan, publication, what):
    name = f"{plan.council.slug}-{plan.slug}-{what}"
    return f"{name}-as-at-{publication.snapshot.slug}" if publication.snapshot else f"{name}-approved"


def _heading(plan, publication, source, what):
    return downloads.Heading(council=plan.council.name, plan=plan.name, as_at=downloads.as_at_text(source), lines=[
        f"{what}, {plan.unit_label}; minus is a saving. Figures vary the approved {plan.base_year_label} budget.",
        f"Published by {plan.council.name} {publication.what}: no draft is included.",
    ])


@login_not_required
@require_safe
def index(request):
    """Every plan published now, by council."""
    publications = (Publication.objects.current().select_related("plan__council", "snapshot")
                    .order_by("plan__council__name", "-plan__base_year", "plan__name"))
    return render(request, "publishing/index.html", {"publications": publications})


def _choice(request, name, labels, default):
    """A ?by= or ?view= value: (value, error or None)."""
    value = request.GET.get(name) or default
    if value not in labels:
        known = " or ".join(labels)
        return default, f"“{value[:40]}” is not a {'grouping' if name == 'by' else 'view'}: use {known}."
    return value, None


@login_not_required
@require_safe
def rollup_page(request, council_slug, plan_slug, fmt=None):
    plan, publication, source = _published(council_slug, plan_slug)
    by, by_error = _choice(request, "by", GROUPING_LABELS, "outcome")
    view, view_error = _choice(request, "view", VIEWS, "cumulative")
    errors = [(f"id_{name}", error) for name, error in (("by", by_error), ("view", view_error)) if error]
    context = _context(plan, publication, source, "rollup", errors=errors, by_label=GROUPING_LABELS[by])
    if errors:
        if fmt:
            return HttpResponse("This download could not be made:\n" + "\n".join(e for _, e in errors) + "\n",
                                status=400, content_type="text/plain; charset=utf-8")
        return render(request, "publishing/rollup.html", context, status=400)
    result = rollup(plan=plan, proposals=source.proposals(), by=by, view=view, years=list(plan.years.all()))
    if fmt:
        headers, rows = downloads.rollup_table(result)
        return downloads.response(fmt, _file_name(plan, publication, f"rollup-by-{by}-{view}"), "Roll-up",
                                  headers, rows, _heading(plan, publication, source,
                                                          f"Roll-up by {GROUPING_LABELS[by].lower()}, "
                                                          f"{VIEW_LABELS[view].lower()}"))
    unit = plan.unit
    context.update(
        result=result,
        rows=[{"label": row.label, "measures": _measures(row.years, row.total, result, unit)} for row in result.rows],
        total=_measures(result.totals, result.grand_total, result, unit),
        by_links=[{"label": label, "url": f"?by={value}&view={view}", "current": value == by}
                  for value, label in GROUPING_LABELS.items()],
        view_links=[{"label": label, "url": f"?by={by}&view={value}", "current": value == view}
                    for value, label in VIEW_LABELS.items()],
        query=f"by={by}&view={view}",
    )
    return render(request, "publishing/rollup.html", context)


def _measures(years, total, result, unit):
    return [
        {"label": label, "cells": [money_html(getattr(cell, measure) if cell.profiled else None, unit)
                                   for cell in [years[y] for y in result.year_labels] + [total]]}
        for measure, label in downloads.MEASURES
    ]


@login_not_required
@require_safe
def proposal_list(request, council_slug, plan_slug, fmt=None):
    plan, publication, source = _published(council_slug, plan_slug)
    years = list(plan.years.all())
    queryset = source.proposals().select_related("outcome", "theme").in_budget_book_order()
    proposals = list(with_year_figures(queryset, years))
    if fmt:
        headers, rows = downloads.proposal_table(proposals, years, "cumulative")
        return downloads.response(fmt, _file_name(plan, publication, "proposals"), "Proposals", headers, rows,
                                  _heading(plan, publication, source, "Proposals, cumulative: variation to the "
                                                                      "base-year budget"))
    totals = year_totals(source.proposals(), years)
    rows = [{"proposal": p, "figures": [money_html(getattr(p, year_key(y)), plan.unit) for y in years]
             + [money_html(p.net, plan.unit)]} for p in proposals]
    context = _context(plan, publication, source, "list", years=years, rows=rows,
                       totals=[money_html(totals[year_key(y)], plan.unit) for y in years]
                       + [money_html(totals["net"], plan.unit)])
    return render(request, "publishing/proposal_list.html", context)


@login_not_required
@require_safe
def proposal_detail(request, council_slug, plan_slug, pk):
    plan, publication, source = _published(council_slug, plan_slug)
    proposal = proposal_of(source, pk)
    context = _context(plan, publication, source, "list")
    context.update(proposal_figures(source, proposal))
    return render(request, "publishing/proposal_detail.html", context)


@login_not_required
@require_safe
def book_page(request, council_slug, plan_slug):
    plan, publication, source = _published(council_slug, plan_slug)
    book = shown(budget_book(source))
    return render(request, "publishing/book.html", _context(plan, publication, source, "book", book=book,
                                                             years=book.years))


@login_not_required
@require_safe
def book_docx(request, council_slug, plan_slug):
    """The published budget book as a Word document, as the portal's own."""
    plan, publication, source = _published(council_slug, plan_slug)
    out = io.BytesIO()
    write_book_docx(budget_book(source), out)
    response = HttpResponse(out.getvalue(), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{_file_name(plan, publication, "budget-book")}.docx"'
    return response


@login_not_required
@require_safe
def datapackage(request, council_slug, plan_slug, what):
    """The Fiscal Data Package: ``datapackage.json`` and the CSV it describes."""
    plan, publication, source = _published(council_slug, plan_slug)
    if what == "json":
        response = HttpResponse(fdp.descriptor_json(publication), content_type="application/json")
        response["Content-Disposition"] = 'inline; filename="datapackage.json"'
        return response
    response = HttpResponse(fdp.csv_text(source, publication), content_type=downloads.CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{fdp.CSV_NAME}"'
    return response


