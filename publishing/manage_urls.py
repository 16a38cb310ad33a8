from django.urls import path

from . import manage_views

app_name = "publishing"

urlpatterns = [
    path("c/<slug:council_slug>/<slug:plan_slug>/publishing/", manage_views.publishing, name="manage"),
]
