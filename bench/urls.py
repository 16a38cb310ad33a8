"""The app's URLs plus the baselines' pages. Used only by bench.settings."""
from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/minimal/", views.minimal, name="bench_minimal"),
    path("bench/minimal-list/<slug:plan_id>/", views.minimal_list, name="bench_minimal_list"),
    path("bench/minimal-list/", views.minimal_list, name="bench_minimal_list_all"),
    path("bench/floor-rollup/<int:plan_id>/", views.floor_rollup, name="bench_floor_rollup"),
    path("bench/floor-list/<int:plan_id>/", views.floor_list, name="bench_floor_list"),
    path("bench/floor-delivery/<int:period_id>/", views.floor_delivery, name="bench_floor_delivery"),
    path("", include("budget_portal.urls")),
]

from budget_portal.urls import handler403, handler404, handler500  # noqa: E402,F401
