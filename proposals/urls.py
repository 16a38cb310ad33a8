from django.urls import path

from . import views

app_name = "proposals"

plan = "c/<slug:council_slug>/<slug:plan_slug>/proposals/"

urlpatterns = [
    path(f"{plan}new/", views.new_proposal, name="new"),
    path(f"{plan}<int:pk>/edit/", views.edit_proposal, name="edit"),
    path(f"{plan}<int:pk>/status/", views.change_proposal_status, name="status"),
    path(f"{plan}<int:pk>/history/", views.proposal_history, name="history"),
    path("c/<slug:council_slug>/changes/", views.recent_changes, name="recent_changes"),
]
