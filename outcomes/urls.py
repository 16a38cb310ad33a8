from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("c/<slug:council_slug>/<slug:plan_slug>/outcomes/<str:code>/", views.outcome_detail, name="outcome_detail"),
]
