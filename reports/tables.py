"""The proposal list as a django-tables2 table: one column per plan year, sortable on
every column including the year figures (sums annotated by reports.figures)."""
import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from proposals.models import Kind, Status
from proposals.money import MILLIONS, format_in

from .figures import year_key

# Our own constant markup, never user text.
NOT_PROFILED = mark_safe('<span aria-hidden="true">–</span><span class="visually-hidden">not profiled</span>')  # nosec B308 # constant markup


def money_html(amount_k, unit=MILLIONS):
    """A figure for a page in ``unit`` (the plan's: £m or £000): the minus sign always
    shown, with a class for emphasis."""
    if amount_k is None:
        return NOT_PROFILED
    text = format_in(amount_k, unit)
    if amount_k < 0:
        return format_html('<span class="neg">{}</span>', text)
    return text


NET_CUMULATIVE = mark_safe('Net<br><span class="th-note">cash over the period</span>')  # nosec B308 # constant markup
NET_INCREMENTAL = mark_safe('Net<br><span class="th-note">total of the changes</span>')  # nosec B308 # constant markup


class FigureColumn(tables.Column):
    def __init__(self, *args, unit=MILLIONS, **kwargs):
        self.unit = unit
        kwargs.setdefault("default", NOT_PROFILED)
        kwargs.setdefault("attrs", {"th": {"class": "num"}, "td": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return money_html(value, self.unit)

    def value(self, value):
        return value


class ProposalTable(tables.Table):
    reference = tables.Column(verbose_name="Ref", default="[NEW]", order_by=("reference", "position", "id"))
    title = tables.Column(verbose_name="Title", order_by=("title", "id"), attrs={"td": {"class": "title"}})
    outcome = tables.Column(
        verbose_name="Outcome", accessor="outcome__code", order_by=("outcome__position", "outcome__code", "id")
    )
    theme = tables.Column(
        verbose_name="Theme", accessor="theme__name", default="No theme",
        order_by=("theme__position", "theme__name", "id"),
    )
    kind = tables.Column(verbose_name="Kind", order_by=("kind", "id"))
    status = tables.Column(verbose_name="Status", order_by=("status", "id"))

    class Meta:
        orderable = True
        order_by_field = "sort"
        page_field = "page"
        per_page_field = "per_page"
        empty_text = "No proposals match these filters."

    def __init__(self, data, *, plan, years, view, as_at="", **kwargs):
        self.plan = plan
        net_label = NET_CUMULATIVE if view == "cumulative" else NET_INCREMENTAL
        unit = plan.unit
        extra = [(year_key(y), FigureColumn(verbose_name=y.label, order_by=(year_key(y), "id"), unit=unit))
                 for y in years]
        extra.append(("net", FigureColumn(verbose_name=net_label, order_by=("net", "id"), unit=unit)))
        super().__init__(data, extra_columns=extra, **kwargs)
        # As at a snapshot, each proposal's page is shown as at the same snapshot.
        self.as_at_suffix = f"?{urlencode({'as_at': as_at})}" if as_at else ""

    def render_reference(self, record):
        return record.display_reference

    def render_title(self, record, value):
        url = reverse(
            "reports:proposal_detail", args=[self.plan.council.slug, self.plan.slug, record.proposal_pk]
        )
        return format_html('<a href="{}">{}</a>', url + self.as_at_suffix, value)

    def render_kind(self, record):
        return record.get_kind_display()

    def render_status(self, record):
        return record.get_status_display()

    def value_reference(self, record):
        return record.display_reference

    def value_kind(self, record):
        return record.get_kind_display()

    def value_status(self, record):
        return record.get_status_display()

    def page_rows(self):
        """The current page's rows as plain values for the template's own loop: the same
        text the columns' render methods give, without django-tables2's per-cell machinery
        (bound cells, accessors, attrs), which cost ~10x the rest of the page."""
        # One reverse() for the page: the detail URL with a marker pk, then the pk swapped in.
        marker = 987654321
        prefix, suffix = reverse(
            "reports:proposal_detail", args=[self.plan.council.slug, self.plan.slug, marker]
        ).split(str(marker))
        keys = [column.name for column in self.columns if isinstance(column.column, FigureColumn)]
        kinds, statuses, unit = dict(Kind.choices), dict(Status.choices), self.plan.unit
        rows = []
        for record in self.page.object_list.data:
            theme = record.theme
            rows.append({
                "reference": record.display_reference,
                "url": f"{prefix}{record.proposal_pk}{suffix}{self.as_at_suffix}",
                "title": record.title,
                "outcome": record.outcome.code,
                "theme": theme.name if theme is not None else "No theme",
                "kind": kinds.get(record.kind, record.kind),
                "status": statuses.get(record.status, record.status),
                "figures": [money_html(getattr(record, key), unit) for key in keys],
            })
        return rows
