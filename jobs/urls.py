from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("jobs/", views.job_list, name="list"),
    path("jobs/start/<slug:kind>/", views.start, name="start"),
    path("jobs/<int:pk>/", views.status, name="status"),
    path("jobs/<int:pk>/status.json", views.status_json, name="status_json"),
    path("jobs/<int:pk>/download", views.download, name="download"),
]
