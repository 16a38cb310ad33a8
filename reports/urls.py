from django.urls import path

from . import book_views, compare_views, delivery_views, gap_views, measure_views, snapshot_views, views

app_name = "reports"

plan = "c/<slug:council_slug>/<slug:plan_slug>/"

urlpatterns = [
    path("proposals/", views.proposal_list_all, name="proposal_list_all"),
    path("c/<slug:council_slug>/", views.council_home, name="council"),
    path(plan + "rollup/", views.rollup_page, name="rollup"),
    path(plan + "rollup/download.csv", views.rollup_page, {"fmt": "csv"}, name="rollup_csv"),
    path(plan + "rollup/download.xlsx", views.rollup_page, {"fmt": "xlsx"}, name="rollup_xlsx"),
    path(plan + "proposals/", views.proposal_list, name="proposal_list"),
    path(plan + "proposals/download.csv", views.proposal_list, {"fmt": "csv"}, name="proposal_list_csv"),
    path(plan + "proposals/download.xlsx", views.proposal_list, {"fmt": "xlsx"}, name="proposal_list_xlsx"),
    path(plan + "proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path(plan + "outcomes/<str:code>/", views.outcome_detail, name="outcome_detail"),
    path(plan + "outcomes/<str:code>/measures/new/", measure_views.measure_edit, name="measure_add"),
    path(plan + "outcomes/<str:code>/measures/<int:number>/", measure_views.measure_edit, name="measure_edit"),
    path(plan + "reconciliation/", views.reconciliation, name="reconciliation"),
    path(plan + "book/", book_views.book_page, name="book"),
    path(plan + "gap/", gap_views.gap_page, name="gap"),
    path(plan + "gap/edit/", gap_views.gap_edit, name="gap_edit"),
    path(plan + "snapshots/", snapshot_views.snapshots, name="snapshots"),
    path(plan + "changes/", compare_views.changes, name="compare"),
    path(plan + "delivery/", delivery_views.delivery_home, name="delivery"),
    path(plan + "delivery/<slug:period>/", delivery_views.delivery_period, name="delivery_period"),
    path(plan + "delivery/<slug:period>/returns/", delivery_views.delivery_returns, name="delivery_returns"),
    path(plan + "delivery/<slug:period>/settings/", delivery_views.delivery_period_settings,
         name="delivery_period_settings"),
]
