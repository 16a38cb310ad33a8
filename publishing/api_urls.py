from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from . import api

app_name = "api"

plan = "councils/<slug:council_slug>/plans/<slug:plan_slug>/"

urlpatterns = [
    path("schema/", api.public_read_only(SpectacularJSONAPIView.as_view()), name="schema"),
    path("councils/", api.CouncilList.as_view(), name="councils"),
    path("councils/<slug:council_slug>/plans/", api.PlanList.as_view(), name="plans"),
    path(plan + "outcomes/", api.OutcomeList.as_view(), name="outcomes"),
    path(plan + "proposals/", api.ProposalList.as_view(), name="proposals"),
    path(plan + "rollup/", api.Rollup.as_view(), name="rollup"),
    path(plan + "gap/", api.Gap.as_view(), name="gap"),
    path(plan + "delivery/", api.Delivery.as_view(), name="delivery"),
]
