"""Per-proposal yearly figures, summed by the database.

``with_year_figures`` annotates each proposal with one sum per plan year (``y2019`` for
2019/20) and ``net`` over the plan, in the view asked for (cumulative or incremental)
and over the lines the filters keep. A year with no figure at all sums to None
(unprofiled), which is not the same as 0 ("No change").
"""
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum

from proposals.models import Proposal
from proposals.snapshots import figure_model

from .filters import FigureOptions

ALL_FIGURES = FigureOptions()  # cumulative, every line (FigureOptions is frozen)


def year_key(year):
    """The annotation (and table column) name of a plan year: 2019/20 -> "y2019"."""
    return f"y{year.start_year}"


def _sums(years, options, prefix):
    field = f"{prefix}{options.field}"
    lines = options.variation_q(prefix)
    sums = {
        year_key(year): Sum(field, filter=Q(**{f"{prefix}year": year.pk}) & lines)
        for year in years
    }
    sums["net"] = Sum(field, filter=Q(**{f"{prefix}year__in": [y.pk for y in years]}) & lines)
    return sums


def _subquery_sums(years, options, model=Proposal):
    """The same sums as _sums(..., "lines__variations__"), each a correlated subquery per
    proposal: the database can then sort on a stored column (net, title…), cut the page
    and only sum the figures of the rows it shows, instead of grouping every proposal.
    ``model``: Proposal, or SnapshotProposal (a snapshot's figures, as at it)."""
    figures = figure_model(model).objects.filter(options.variation_q(), line__proposal=OuterRef("pk")).order_by()

    def summed(condition):
        return Subquery(
            figures.filter(condition).values("line__proposal").annotate(total=Sum(options.field)).values("total"),
            output_field=IntegerField(),
        )

    sums = {year_key(year): summed(Q(year=year.pk)) for year in years}
    sums["net"] = summed(Q(year__in=[y.pk for y in years]))
    return sums


def with_year_figures(proposals, years, options=ALL_FIGURES):
    """Annotate ``proposals`` with their figure per year and their net (one query).

    In the plain cumulative view the net is the stored ``net_k`` (cash over the period,
    kept by proposals.services, and indexed for sorting); otherwise it is summed here
    over the figures shown. In the incremental view the net is the sum of the
    year-on-year changes, which is the final profiled year's cumulative figure."""
    sums = _subquery_sums(years, options, proposals.model)
    if options.view == "cumulative" and not options.narrows_lines:
        sums["net"] = F("net_k")
    return proposals.annotate(**sums)


def year_totals(proposals, years, options=ALL_FIGURES):
    """{year_key: total k or None, "net": ...} over all of ``proposals`` (one query)."""
    return proposals.order_by().aggregate(**_sums(years, options, "lines__variations__"))
