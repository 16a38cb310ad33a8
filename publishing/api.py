"""The read-only JSON API (Django REST framework, its OpenAPI schema by drf-spectacular).

The same access rules as the pages, decided in one place (``plan_source``): a person
signed in (session or token) with a role in the council reads the plan as it stands, or
as at any of its snapshots (``?as_at=``); anyone else, signed in or not, reads only what
the council has published, through ``services.public_source`` (never a draft). Anything
else is a 404 that does not confirm the plan exists. The gap and delivery are not part
of a publication: they are for the council's own people.

Money is never a float: each figure is given as integer £ thousands (``*_k``) and as a
signed £m string to three decimals (``"-0.027"``), as the report commands print it.
Lists are paginated; each endpoint's query count does not grow with its size."""
from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from budget_portal.client_ip import client_ip
from councils.access import councils_for
from councils.models import Council
from delivery.summary import PeriodNotFound, delivery_summary, period_for
from outcomes.models import Outcome
from proposals.models import BudgetPlan
from proposals.money import format_m
from proposals.snapshots import FIGURE_MODEL, LINE_MODEL, NOW, SnapshotNotFound, source_for
from reports import downloads
from reports.gap import gap_table
from reports.management.commands.delivery import delivery_json
from reports.management.commands.gap import gap_json
from reports.rollup import GROUPING_LABELS, VIEWS, rollup

from .models import Publication
from .services import public_source

MAX_PARAMETER = 80  # characters of a query parameter repeated in a message


class ClientIpAnonThrottle(AnonRateThrottle):
    """Anonymous requests, limited per client address as the portal reads it (behind
    the trusted proxies only: ``budget_portal.client_ip``)."""

    def get_ident(self, request):
        return client_ip(request)


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _short(value):
    return value[:MAX_PARAMETER]


def plan_source(request, council_slug, plan_slug):
    """(plan, source, published): the plan as the requester may read it. A council's own
    people: now, or as at ``?as_at=`` (400 for an unknown snapshot). Anyone else: the
    plan's publication (404 if there is none). One or two queries."""
    plan = BudgetPlan.objects.visible_to(request.user).filter(council__slug=council_slug, slug=plan_slug).first()
    as_at = request.query_params.get("as_at")
    if plan is not None:
        try:
            return plan, source_for(plan, as_at), False
        except SnapshotNotFound as error:
            raise ValidationError({"as_at": [str(error)]}) from None
    publication = (Publication.objects.current().select_related("plan__council", "snapshot")
                   .filter(plan__council__slug=council_slug, plan__slug=plan_slug).first())
    if publication is None:
        raise NotFound("No budget plan you may read at this address.")
    published_as_at = publication.snapshot.slug if publication.snapshot else NOW
    if as_at not in (None, "", published_as_at):
        raise ValidationError({"as_at": [f"“{_short(as_at)}”: only what {publication.plan.council.name} has "
                                         f"published can be read ({published_as_at})."]})
    return publication.plan, public_source(publication), True


def _choice(request, name, allowed, default):
    value = request.query_params.get(name) or default
    if value not in allowed:
        raise ValidationError({name: [f"“{_short(value)}” is not one of: {', '.join(allowed)}."]})
    return value


def _money(amount_k):
    return {"k": amount_k, "m": None if amount_k is None else format_m(amount_k)}


MONEY = inline_serializer("Money", {
    "k": serializers.IntegerField(allow_null=True, help_text="Whole £ thousands"),
    "m": serializers.CharField(allow_null=True, help_text="Signed £m to three decimals, e.g. \"-0.027\""),
})


class ReadOnly(APIView):
    """GET only; anonymous use rate-limited; JSON only."""

    http_method_names = ["get", "head", "options"]
    throttle_classes = [ClientIpAnonThrottle]

    @classmethod
    def as_view(cls, **initkwargs):
        return public_read_only(super().as_view(**initkwargs))


def public_read_only(view):
    """``view`` (a DRF view) open to anonymous visitors (``login_not_required``) and, unlike
    DRF's default, not CSRF-exempt: nothing here writes, and a POST without the token is
    refused by Django's own CSRF check like every other POST of the portal."""
    view.csrf_exempt = False
    return login_not_required(view)


# Councils and plans

class CouncilSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class CouncilList(ReadOnly):
    """The councils you may read: those you have a role in, and those that have published a plan."""

    @extend_schema(responses=CouncilSerializer(many=True), operation_id="councils_list")
    def get(self, request):
        published = Publication.objects.current().values("plan__council_id")
        councils = (Council.objects.filter(pk__in=councils_for(request.user).values("pk"))
                    | Council.objects.filter(pk__in=published)).distinct().order_by("name")
        paginator = Pages()
        page = paginator.paginate_queryset(councils, request, view=self)
        return paginator.get_paginated_response(CouncilSerializer(page, many=True).data)


class PlanSerializer(serializers.Serializer):
    council = serializers.SlugField(source="council.slug")
    slug = serializers.SlugField()
    name = serializers.CharField()
    base_year = serializers.CharField(source="base_year_label")
    unit = serializers.CharField()
    years = serializers.SerializerMethodField()
    published = serializers.SerializerMethodField()

    def get_years(self, plan) -> list[str]:
        return [year.label for year in plan.years.all()]

    def get_published(self, plan) -> str | None:
        """ "now" (the approved proposals), a snapshot's slug, or null if not published."""
        publication = self.context["published"].get(plan.pk)
        if publication is None:
            return None
        return publication.snapshot.slug if publication.snapshot else NOW


class PlanList(ReadOnly):
    """A council's plans: all of them for its own people, the published ones for anyone else."""

    @extend_schema(responses=PlanSerializer(many=True), operation_id="plans_list")
    def get(self, request, council_slug):
        own = BudgetPlan.objects.visible_to(request.user).filter(council__slug=council_slug)
        publications = {p.plan_id: p for p in Publication.objects.current().select_related("snapshot")
                        .filter(plan__council__slug=council_slug)}
        plans = own if own.exists() else BudgetPlan.objects.select_related("council").filter(
            council__slug=council_slug, pk__in=list(publications))
        plans = plans.prefetch_related("years").newest_first()
        paginator = Pages()
        page = paginator.paginate_queryset(plans, request, view=self)
        if not page and not paginator.page.paginator.count:
            raise NotFound("No council you may read at this address.")
        return paginator.get_paginated_response(
            PlanSerializer(page, many=True, context={"published": publications}).data)


class OutcomeSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    what_this_means = serializers.CharField()


class OutcomeList(ReadOnly):
    @extend_schema(responses=OutcomeSerializer(many=True), operation_id="outcomes_list",
                   parameters=[OpenApiParameter("as_at", OpenApiTypes.STR, description="A snapshot's slug")])
    def get(self, request, council_slug, plan_slug):
        plan, _source, _published = plan_source(request, council_slug, plan_slug)
        outcomes = Outcome.objects.filter(council=plan.council).order_by("position", "code")
        paginator = Pages()
        page = paginator.paginate_queryset(outcomes, request, view=self)
        return paginator.get_paginated_response(OutcomeSerializer(page, many=True).data)


# Proposals with their lines and figures

class LineSerializer(serializers.Serializer):
    service_budget = serializers.CharField(source="service_budget.name")
    figures = serializers.SerializerMethodField(help_text="{financial year: money}, cumulative (the variation "
                                                          "to the approved base-year budget); a year not profiled "
                                                          "is left out")

    def get_figures(self, line) -> dict[str, dict]:
        labels = self.context["year_labels"]
        return {labels[figure.year_id]: _money(figure.amount_k) for figure in line.figures_prefetched}


class GovernanceSerializer(serializers.Serializer):
    """What a cabinet paper evidences for the proposal; "" (or null for a date) where not recorded."""

    key_decision = serializers.CharField()
    consultation_needed = serializers.CharField()
    consultation_start = serializers.DateField(allow_null=True)
    consultation_end = serializers.DateField(allow_null=True)
    consultation_outcome = serializers.CharField()
    eia_needed = serializers.CharField()
    eia_status = serializers.CharField()
    eia_url = serializers.CharField()
    portfolio_holder = serializers.CharField()
    lead_officer = serializers.CharField()


class ProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="proposal_pk")
    reference = serializers.CharField(source="display_reference")
    title = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    outcome = serializers.CharField(source="outcome.code")
    theme = serializers.CharField(source="theme.name", allow_null=True, default=None)
    description = serializers.CharField()
    net = serializers.SerializerMethodField(help_text="Cash over the period")
    governance = GovernanceSerializer(source="*")
    lines = serializers.SerializerMethodField()

    def get_net(self, proposal) -> dict:
        return _money(proposal.net_k)

    def get_lines(self, proposal) -> list[dict]:
        return LineSerializer(proposal.lines_prefetched, many=True, context=self.context).data


class ProposalList(ReadOnly):
    """The plan's proposals in budget-book order, each with its lines and their figures.
    Four queries whatever the page's size: the count, the page, its lines, their figures."""

    @extend_schema(responses=ProposalSerializer(many=True), operation_id="proposals_list",
                   parameters=[OpenApiParameter("as_at", OpenApiTypes.STR, description="A snapshot's slug")])
    def get(self, request, council_slug, plan_slug):
        plan, source, _published = plan_source(request, council_slug, plan_slug)
        model = source.proposals().model
        line_model = LINE_MODEL[model]
        lines = Prefetch("lines", to_attr="lines_prefetched", queryset=line_model.objects.select_related(
            "service_budget").order_by("position", "pk").prefetch_related(
            Prefetch("variations", to_attr="figures_prefetched",
                     queryset=FIGURE_MODEL[model].objects.order_by("year__start_year"))))
        proposals = (source.proposals().select_related("outcome", "theme").in_budget_book_order()
                     .prefetch_related(lines))
        paginator = Pages()
        page = paginator.paginate_queryset(proposals, request, view=self)
        for proposal in page:
            proposal.plan = plan
        year_labels = {year.pk: year.label for year in plan.years.all()}
        return paginator.get_paginated_response(
            ProposalSerializer(page, many=True, context={"year_labels": year_labels}).data)


# The reports

ROLLUP = inline_serializer("Rollup", {"council": serializers.CharField(), "plan": serializers.CharField(),
                                      "view": serializers.CharField(), "years": serializers.ListField(),
                                      "rows": serializers.ListField(), "totals": serializers.DictField()})


class Rollup(ReadOnly):
    """Investment, saving and net by outcome (or service, theme, kind) and year, in the
    shape of ``manage.py rollup``."""

    @extend_schema(responses=ROLLUP, operation_id="rollup", parameters=[
        OpenApiParameter("by", OpenApiTypes.STR, enum=list(GROUPING_LABELS)),
        OpenApiParameter("view", OpenApiTypes.STR, enum=list(VIEWS)),
        OpenApiParameter("as_at", OpenApiTypes.STR, description="A snapshot's slug")])
    def get(self, request, council_slug, plan_slug):
        plan, source, published = plan_source(request, council_slug, plan_slug)
        by = _choice(request, "by", list(GROUPING_LABELS), "outcome")
        view = _choice(request, "view", list(VIEWS), "cumulative")
        proposals = source.proposals() if published else source.proposals().counted()
        return Response(downloads.rollup_json(rollup(plan=plan, proposals=proposals, by=by, view=view)))


class OwnPeopleOnly(ReadOnly):
    """Reports that are not part of a publication: the council's own people only."""

    def own_source(self, request, council_slug, plan_slug):
        plan, source, published = plan_source(request, council_slug, plan_slug)
        if published:
            raise NotFound("No budget plan you may read at this address.")
        return plan, source


class Gap(OwnPeopleOnly):
    """The budget gap by year, in the shape of ``manage.py gap``."""

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="gap", parameters=[
        OpenApiParameter("view", OpenApiTypes.STR, enum=list(VIEWS)),
        OpenApiParameter("as_at", OpenApiTypes.STR, description="A snapshot's slug")])
    def get(self, request, council_slug, plan_slug):
        _plan, source = self.own_source(request, council_slug, plan_slug)
        view = _choice(request, "view", list(VIEWS), "cumulative")
        return Response(gap_json(gap_table(source, view=view)))


class Delivery(OwnPeopleOnly):
    """A monitoring period's savings delivery summary, in the shape of ``manage.py delivery``."""

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="delivery", parameters=[
        OpenApiParameter("period", OpenApiTypes.STR, description="e.g. 2019/20-Q2 (default: the latest with returns)")])
    def get(self, request, council_slug, plan_slug):
        plan, _source = self.own_source(request, council_slug, plan_slug)
        try:
            period = period_for(plan, request.query_params.get("period"))
        except PeriodNotFound as error:
            raise ValidationError({"period": [str(error)]}) from None
        return Response(delivery_json(delivery_summary(period)))
