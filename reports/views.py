"""Report pages: the roll-up, the proposal list, the proposal page, the outcome page, and
their downloads.

Each page and its download come from the same filtered queryset. A bad filter value
gets its message on the page (status 400) and no figures, never a server error.
"""
from urllib.parse import quote

from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.urls.resolvers import RFC3986_SUBDELIMS
from django.utils.http import urlencode
from django.views.decorators.http import require_safe
from django_tables2 import RequestConfig

from councils.access import get_council_or_404
from delivery.summary import figures, outcome_delivery, returns_of
from outcomes.models import Outcome
from proposals import governance
from proposals.models import COUNTED_STATUSES, Proposal
from proposals.money import format_in
from proposals.permissions import can_edit_measures, can_view, get_plan_or_404
from proposals.published import reconcile
from proposals.snapshots import LINE_MODEL, NOW, SnapshotNotFound, Source, source_for

from . import downloads
from .chart import build_chart
from .figures import with_year_figures, year_key, year_totals
from .filters import (
    PER_PAGE_CHOICES,
    SIGNS,
    AllCouncilsFilter,
    ReportChoices,
    ReportFilter,
    RollupFilter,
    counted_statuses_text,
)
from .gap import gap_before
from .measures import measure_rows
from .rollup import GROUPING_LABELS, VIEW_LABELS, rollup
from .tables import ProposalTable, money_html

# The GET parameters that carry over from a roll-up into its drill-down links.
CARRIED = ("outcome", "theme", "kind", "service", "status", "view", "as_at")
URL_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted in a path argument
BY_FILTER = {"outcome": "outcome", "service": "service", "theme": "theme", "kind": "kind"}


@require_safe
def council_home(request, council_slug):
    """/c/<council>/ -> the roll-up of the council's latest plan."""
    council = get_council_or_404(request.user, council_slug)
    plan = council.plans.newest_first().first()
    if plan is None:
        raise Http404("This council has no budget plans yet.")
    return redirect("reports:rollup", council.slug, plan.slug)


def _plan_and_choices(request, council_slug, plan_slug):
    """The plan (access checked) and its filters' choices, in one query."""
    return ReportChoices.load(request.user, council_slug, plan_slug)


def _switched_plan(request, plan, choices, url_name):
    """A different plan chosen in the form: the same report for that plan."""
    wanted = request.GET.get("plan")
    if not wanted or wanted == plan.slug or wanted not in {p.slug for p in choices.plans}:
        return None
    params = request.GET.copy()
    for name in ("plan", "year", "page"):
        params.pop(name, None)
    url = reverse(url_name, args=[plan.council.slug, wanted])
    return redirect(f"{url}?{params.urlencode()}" if params else url)


def _plan_error(request, plan, choices):
    wanted = request.GET.get("plan")
    if wanted and wanted not in {p.slug for p in choices.plans}:
        return [("id_plan", f"“{wanted}” is not a budget plan of {plan.council.name}.")]
    return []


def report_source(request, plan, choices=None):
    """(where the report's figures come from: now, or as at ``?as_at=``; its errors).
    With ``choices`` (their snapshots loaded with the plan) it costs no query."""
    as_at = request.GET.get("as_at")
    if choices is not None and as_at and as_at != NOW:
        found = next((snapshot for snapshot in choices.snapshots if snapshot.slug == as_at), None)
        if found is not None:
            return Source(plan, found), []
    try:
        return source_for(plan, as_at), []
    except SnapshotNotFound as error:
        return Source(plan), [("id_as_at", str(error))]


def _file_name(plan, source, what):
    """ "cheshire-east-2019-22-rollup…", with "-as-at-<snapshot>" for a snapshot's figures."""
    name = f"{plan.council.slug}-{plan.slug}-{what}"
    return f"{name}-as-at-{source.snapshot.slug}" if source.snapshot else name


def _heading(plan, source, filters, what):
    """The title block of a report's .xlsx: what it is, which proposals it counts and
    its filters, in words, and as at when."""
    lines = [f"{what}, {plan.unit_label}; minus is a saving. Figures vary the approved {plan.base_year_label} budget.",
             f"Counting proposals that are: {filters.statuses_text}."]
    active = filters.active()
    if active:
        lines.append("Filters: " + "; ".join(f"{label}: {value}" for label, value in active) + ".")
    return downloads.Heading(council=plan.council.name, plan=plan.name, as_at=downloads.as_at_text(source),
                             lines=lines)


def _bad_download(errors):
    text = "This download could not be made:\n" + "\n".join(message for _, message in errors) + "\n"
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


# The roll-up


@require_safe
def rollup_page(request, council_slug, plan_slug, fmt=None):
    """Outcomes (or service budgets, themes, kinds) × years: investment, saving, net."""
    plan, choices = _plan_and_choices(request, council_slug, plan_slug)
    source, source_errors = report_source(request, plan, choices)
    filters = RollupFilter(request.GET, queryset=source.proposals(), plan=plan, choices=choices)
    switched = _switched_plan(request, plan, choices, "reports:rollup")
    if switched:
        return switched
    errors = _plan_error(request, plan, choices) + source_errors + filters.error_list()
    context = {"plan": plan, "council": plan.council, "choices": choices, "filters": filters, "errors": errors,
               "by_label": GROUPING_LABELS[filters.by_value], "source": source}
    if errors:
        if fmt:
            return _bad_download(errors)
        return render(request, "reports/rollup.html", context, status=400)

    options = filters.figure_options
    result = rollup(
        plan=plan, proposals=filters.qs, by=filters.by_value, view=options.view,
        years=choices.years, figures=options.variation_q(),
        groups=choices.groups(filters.by_value),
    )
    if fmt:
        headers, rows = downloads.rollup_table(result)
        heading = _heading(plan, source, filters, f"Roll-up by {GROUPING_LABELS[result.by].lower()}, "
                                                 f"{VIEW_LABELS[result.view].lower()}")
        return downloads.response(fmt, _file_name(plan, source, f"rollup-by-{result.by}-{result.view}"),
                                  _sheet_title("Roll-up", source), headers, rows, heading)
    context.update(
        result=result,
        table_rows=_rollup_rows(request, plan, result),
        chart=build_chart(result, plan.unit),
        gap_summary=_gap_summary(source, result, choices.years),
        query=request.GET.urlencode(),
        view_links=_switch_links(request, "view", VIEW_LABELS, options.view),
        by_links=_switch_links(request, "by", GROUPING_LABELS, result.by),
    )
    return render(request, "reports/rollup.html", context)


def _as_at_param(source):
    return {"as_at": source.as_at} if source.snapshot else {}


def _as_at_query(source):
    return f"?{urlencode({'as_at': source.as_at})}" if source.snapshot else ""


def _sheet_title(what, source):
    """A download's sheet title, naming the snapshot its figures are as at."""
    return f"{what} as at {source.snapshot.name}"[:31] if source.snapshot else what


def _gap_summary(source, result, years):
    """The roll-up's figures set against the plan's gap (one query, for the gap's figures):
    the gap before proposals, the net of the proposals this roll-up shows (its filters
    and statuses), and what would remain if they were all agreed. The gap page breaks it
    down by status group."""
    plan = source.plan
    before = gap_before(source, years, result.view)
    no_gap = "no gap entered"
    nets = [result.totals[year.label].net for year in years]
    gaps = [before[year] for year in years]
    return {
        "entered": any(gap is not None for gap in gaps),
        "years": years,
        "rows": [
            ("Gap before proposals", [no_gap if gap is None else format_in(gap, plan.unit) for gap in gaps]),
            ("Net of the proposals shown", [format_in(net, plan.unit) for net in nets]),
            ("Remaining gap if they are all agreed", [
                no_gap if gap is None else format_in(gap + net, plan.unit) for gap, net in zip(gaps, nets, strict=True)
            ]),
        ],
    }


def _switch_links(request, name, labels, current):
    links = []
    for value, label in labels.items():
        params = request.GET.copy()
        params[name] = value
        links.append({"label": label, "url": "?" + params.urlencode(), "current": value == current})
    return links


def _rollup_rows(request, plan, result):
    """The table as rows of measures, each with its figures' cells for the template
    (``reports/_rollup_cells.html``): the figure, and where proposals make it up, the link
    to them and its words for screen readers. The links are built with one urlencode per
    row (the carried filters once) and one reverse() per page, not one per cell."""
    list_url = reverse("reports:proposal_list", args=[plan.council.slug, plan.slug])
    group_filter = BY_FILTER[result.by]
    carried = [(name, value) for name in CARRIED for value in request.GET.getlist(name)
               if value and name != group_filter]
    base = f"{list_url}?{urlencode(carried)}" if carried else f"{list_url}?"
    year_parts = {y: urlencode([("year", y)]) for y in result.year_labels}
    sign_parts = {measure: f"sign={measure}" for measure in SIGNS}

    def href(row_part, year, measure):
        parts = [part for part in (row_part, year_parts.get(year), sign_parts.get(measure)) if part]
        joined = "&".join(parts)
        return base + ("&" if carried and joined else "") + joined

    def cells(filter_value, years, total, words):
        """``words(measure label, year)`` -> what a figure's link says to a screen reader."""
        row_part = urlencode([(group_filter, filter_value)]) if filter_value is not None else ""
        out = []
        for measure, label in downloads.MEASURES:
            items = []
            for year, cell in [(y, years[y]) for y in result.year_labels] + [(None, total)]:
                shown = money_html(getattr(cell, measure) if cell.profiled else None, plan.unit)
                if _has_proposals(cell, measure):
                    items.append({"shown": shown, "url": href(row_part, year, measure), "words": words(label, year)})
                else:
                    items.append({"shown": shown})
            out.append({"label": label, "measure": measure, "cells": items})
        return out

    rows = []
    outcome_urls = None
    if result.by == "outcome":
        marker = "0-marker-0"
        outcome_urls = reverse("reports:outcome_detail", args=[plan.council.slug, plan.slug, marker]).split(marker)
    for row in result.rows:
        outcome_url = None
        if outcome_urls is not None:
            outcome_url = f"{outcome_urls[0]}{quote(row.key, safe=URL_SAFE)}{outcome_urls[1]}"  # as reverse() quotes
        rows.append({"label": row.label, "key": row.key, "outcome_url": outcome_url,
                     "measures": cells(row.filter_value, row.years, row.total,
                                       lambda label, year, row=row: f"{label.lower()}, {row.label}, {year or 'total'}"),
                     })
    total = {"label": f"All {GROUPING_LABELS[result.by].lower()}s" if result.by != "service" else "All service budgets",
             "measures": cells(None, result.totals, result.grand_total,
                               lambda label, year: f"total {label.lower()}, {year or 'over the period'}")}
    return {"rows": rows, "total": total}


def _has_proposals(cell, measure):
    """Whether any proposal makes this figure up (a zero investment has none)."""
    if not cell.profiled:
        return False
    return measure == "net" or getattr(cell, measure) != 0


# The proposal list


def _per_page(request):
    raw = request.GET.get("per_page", "")
    if raw == "":
        return PER_PAGE_CHOICES[0], []
    if raw.isdigit() and int(raw) in PER_PAGE_CHOICES:
        return int(raw), []
    return PER_PAGE_CHOICES[0], [("id_per_page", f"“{raw}” is not a number of rows per page: choose 25 or 100.")]


@require_safe
def proposal_list(request, council_slug, plan_slug, fmt=None):
    """The proposals behind any figure: filtered, searched, sorted, paginated."""
    plan, choices = _plan_and_choices(request, council_slug, plan_slug)
    source, source_errors = report_source(request, plan, choices)
    queryset = source.proposals().select_related("outcome", "theme").in_budget_book_order()
    filters = ReportFilter(request.GET, queryset=queryset, plan=plan, choices=choices)
    switched = _switched_plan(request, plan, choices, "reports:proposal_list")
    if switched:
        return switched
    per_page, per_page_errors = _per_page(request)
    errors = _plan_error(request, plan, choices) + source_errors + filters.error_list() + per_page_errors
    context = {"plan": plan, "council": plan.council, "choices": choices, "filters": filters, "errors": errors,
               "per_page": per_page, "per_page_choices": PER_PAGE_CHOICES, "source": source}
    if errors:
        if fmt:
            return _bad_download(errors)
        return render(request, "reports/proposal_list.html", context, status=400)

    options = filters.figure_options
    proposals = with_year_figures(filters.qs, choices.years, options)
    table = ProposalTable(proposals, plan=plan, years=choices.years, view=options.view, as_at=source.as_at)
    if fmt:
        RequestConfig(request, paginate=False).configure(table)
        headers, rows = downloads.proposal_table(table.data.data, choices.years, options.view)
        heading = _heading(plan, source, filters, f"Proposals, {VIEW_LABELS[options.view].lower()}")
        return downloads.response(fmt, _file_name(plan, source, "proposals"), _sheet_title("Proposals", source),
                                  headers, rows, heading)
    RequestConfig(request, paginate={"per_page": per_page}).configure(table)
    totals = year_totals(filters.qs, choices.years, options)
    context.update(
        table=table,
        rows=table.page_rows(),
        totals=[money_html(totals[year_key(y)], plan.unit) for y in choices.years]
        + [money_html(totals["net"], plan.unit)],
        query=request.GET.urlencode(),
        query_without_sort=_replace(request, sort=None, page=None),
        query_without_page=_replace(request, page=None),
        options=options,
        per_page_links=[
            {"n": n, "current": n == per_page, "url": "?" + _replace(request, per_page=n, page=None)}
            for n in PER_PAGE_CHOICES
        ],
    )
    return render(request, "reports/proposal_list.html", context)


def _replace(request, **changes):
    params = request.GET.copy()
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return params.urlencode()


# The proposal page


@require_safe
def proposal_detail(request, council_slug, plan_slug, pk):
    """One proposal as the budget book prints it, with its net per year."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    source, errors = report_source(request, plan)
    if errors:
        return render(request, "reports/proposal_detail.html",
                      {"plan": plan, "council": plan.council, "errors": errors}, status=400)
    proposal = proposal_of(source, pk)
    context = proposal_figures(source, proposal)
    context.update({
        "list_url": reverse("reports:proposal_list", args=[plan.council.slug, plan.slug]) + _as_at_query(source),
        "as_at_query": _as_at_query(source),
        "carried_from": _carried_from(proposal),
        "delivery": [(r, [format_in(v, plan.unit) for v in (r.full_target_k, r.forecast_k, r.shortfall_k)])
                     for r in returns_of(proposal.proposal_pk)],
    })
    return render(request, "reports/proposal_detail.html", context)


def proposal_of(source, pk):
    """The proposal ``pk`` of ``source`` (now, or its copy as at the snapshot; only of
    the source's statuses), or Http404. Its plan is the source's plan object."""
    plan = source.plan
    if source.snapshot is None:
        # Through the source, so the proposal keeps the plan (and its council) it was fetched with.
        proposal = get_object_or_404(source.proposals().select_related("outcome", "theme"), pk=pk)
    else:
        proposal = source.proposals().select_related("outcome", "theme").filter(proposal_id=pk).first()
        if proposal is None:
            raise Http404(f"This proposal was not in the plan when {source.snapshot.name} was taken.")
    proposal.plan = plan
    return proposal


def proposal_figures(source, proposal):
    """What a proposal's page shows of its figures, as the budget book prints them: a row
    per impact line, its net and its change from the year before per year, and its cash
    over the period. Three queries."""
    plan = source.plan
    years = list(plan.years.all())
    lines = list(
        LINE_MODEL[type(proposal)].objects.filter(proposal=proposal)
        .select_related("service_budget")
        .prefetch_related("variations")
        .annotate(total=Sum("variations__amount_k"))
    )
    sums = {}
    for year in years:
        in_year = Q(lines__variations__year=year.pk)
        sums[f"c{year.pk}"] = Sum("lines__variations__amount_k", filter=in_year)
        sums[f"i{year.pk}"] = Sum("lines__variations__increment_k", filter=in_year)
    net = type(proposal).objects.filter(pk=proposal.pk).aggregate(**sums)

    line_rows = []
    for line in lines:
        by_year = {v.year_id: v.amount_k for v in line.variations.all()}
        line_rows.append({"name": line.service_budget.name, "kind": line.service_budget.get_kind_display(),
                          "figures": [_book_figure(by_year.get(y.pk), plan.unit) for y in years],
                          "total": _book_figure(line.total, plan.unit)})
    return {
        "plan": plan, "council": plan.council, "proposal": proposal, "years": years, "line_rows": line_rows,
        "net_row": [_book_figure(net[f"c{y.pk}"], plan.unit) for y in years],
        "increment_row": [_book_figure(net[f"i{y.pk}"], plan.unit) for y in years],
        "cash_over_period": _book_figure(proposal.net_k if lines else None, plan.unit),
        "source": source,
        "governance": governance.rows(proposal),
        "last_year_unfilled": bool(lines) and years and all(
            not any(v.year_id == years[-1].pk for v in line.variations.all()) for line in lines),
    }


def _carried_from(proposal):
    """(its text, its link) for a proposal rolled forward from an earlier round, or None."""
    old_id = getattr(proposal, "carried_from_id", None)
    if old_id is None:
        return None
    old = Proposal.objects.select_related("plan__council").filter(pk=old_id).first()
    if old is None:
        return None
    url = reverse("reports:proposal_detail", args=[old.plan.council.slug, old.plan.slug, old.pk])
    return f"Carried from {old.plan.slug} {old.display_reference}", url


def _book_figure(amount_k, unit):
    """As the budget book shows a figure (in the plan's ``unit``): 0 is "No change", no
    figure is "not profiled"."""
    return {"html": money_html(amount_k, unit), "no_change": amount_k == 0, "profiled": amount_k is not None}


@require_safe
def proposal_list_all(request):
    """Every proposal of every council the user may see, sorted by net (a regional or
    national view). Two queries beyond sign-in: the count and the page."""
    form = AllCouncilsFilter(request.GET or None)
    if request.GET and not form.is_valid():
        errors = [(f"id_{name}", message) for name, messages in form.errors.items() for message in messages]
        return render(request, "reports/proposal_list_all.html", {"form": form, "errors": errors}, status=400)
    if not request.GET:
        form = AllCouncilsFilter({})
        form.is_valid()
    proposals = form.filter(Proposal.objects.visible_to(request.user)).select_related("plan__council", "outcome")
    paginator = Paginator(proposals, form.cleaned_data["per_page"] or 25)
    page = paginator.get_page(request.GET.get("page"))
    # One reverse() for the page; each row fills in its own slugs and id.
    pattern = reverse("reports:proposal_detail", args=["COUNCIL", "PLAN", 1234567890])
    rows = [
        {
            "council": p.plan.council.name, "plan": p.plan.name, "reference": p.display_reference,
            "title": p.title, "outcome": p.outcome.code, "kind": p.get_kind_display(),
            "status": p.get_status_display(), "net": money_html(p.net_k),
            "url": pattern.replace("COUNCIL", p.plan.council.slug).replace("PLAN", p.plan.slug)
            .replace("1234567890", str(p.pk)),
        }
        for p in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    return render(request, "reports/proposal_list_all.html", {
        "form": form, "page": page, "rows": rows, "sort": form.cleaned_data["sort"] or "-net",
        "query_without_sort": query.urlencode(), "statuses_text": form.cleaned_data["status"] or "",
    })


@require_safe
def outcome_detail(request, council_slug, plan_slug, code):
    """What an outcome means, how it is measured, and its proposals by theme with
    subtotals per year (cumulative, the statuses every report counts by default)."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    outcome = get_object_or_404(Outcome.objects.filter(council=plan.council), code=code)
    source, errors = report_source(request, plan)
    if errors:
        return render(request, "reports/outcome_detail.html",
                      {"plan": plan, "council": plan.council, "outcome": outcome, "errors": errors}, status=400)
    measures = measure_rows(outcome)
    years = list(plan.years.all())
    counted = source.proposals().counted().filter(outcome=outcome)
    proposals = with_year_figures(
        counted.select_related("theme").in_budget_book_order(), years
    )

    groups = []
    for proposal in proposals:
        theme = proposal.theme.name if proposal.theme else "No theme"
        if not groups or groups[-1]["theme"] != theme:
            groups.append({"theme": theme, "proposals": [], "sums": [None] * (len(years) + 1)})
        group = groups[-1]
        figures = [getattr(proposal, year_key(y)) for y in years] + [proposal.net]
        group["proposals"].append({
            "proposal": proposal,
            "url": reverse("reports:proposal_detail", args=[plan.council.slug, plan.slug, proposal.proposal_pk])
            + _as_at_query(source),
            "figures": [money_html(f, plan.unit) for f in figures],
        })
        # Subtotals over the grouped rows (the rows' figures are the database's sums).
        group["sums"] = [s if f is None else (s or 0) + f for s, f in zip(group["sums"], figures, strict=True)]
    for group in groups:
        group["subtotals"] = [money_html(s, plan.unit) for s in group["sums"]]

    totals = year_totals(counted, years)
    list_url = reverse("reports:proposal_list", args=[plan.council.slug, plan.slug])
    context = {
        "plan": plan, "council": plan.council, "outcome": outcome, "measures": measures, "years": years,
        "groups": groups,
        "totals": [money_html(totals[year_key(y)], plan.unit) for y in years] + [money_html(totals["net"], plan.unit)],
        "statuses_text": counted_statuses_text(COUNTED_STATUSES),
        "list_url": f"{list_url}?{urlencode({'outcome': outcome.pk, **_as_at_param(source)})}",
        "rollup_url": reverse("reports:rollup", args=[plan.council.slug, plan.slug]) + "?"
        + urlencode({"outcome": outcome.pk, "by": "theme", **_as_at_param(source)}),
        "source": source,
        "delivery": _outcome_delivery(plan, outcome),
        "measure_sources": list(dict.fromkeys(row.measure.source for row in measures if row.measure.source)),
        "may_edit_measures": not source.snapshot and bool(can_edit_measures(request.user, plan.council)),
    }
    return render(request, "reports/outcome_detail.html", context)


def _outcome_delivery(plan, outcome):
    """The delivery ratings of the outcome's savings in the latest period with returns, as
    the outcome page shows them beside its money."""
    found = outcome_delivery(plan, outcome)
    if found is None:
        return None
    period, groups, totals = found
    return {"period": period, "totals": figures(totals, lambda k: format_in(k, plan.unit)),
            "groups": [(g.key, g.note, figures(g.totals, lambda k: format_in(k, plan.unit))) for g in groups]}


@require_safe
def reconciliation(request, council_slug, plan_slug):
    """Each total the council printed for the plan against the sum of its lines, figure by
    figure, with every difference named."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    can_view(request.user, plan.council).require()
    result = reconcile(plan)
    return render(request, "reports/reconciliation.html", {
        "plan": plan, "council": plan.council, "result": result, "tab": "reconciliation",
        "statuses_text": counted_statuses_text(COUNTED_STATUSES),
        "totals": [
            {"check": total, "checks": [
                {"check": check, "printed": money_html(check.printed_k), "lines": money_html(check.lines_k),
                 "difference": money_html(check.difference_k)}
                for check in total.checks
            ]}
            for total in result.totals
        ],
    })
