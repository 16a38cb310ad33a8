from django.urls import path

from . import views

app_name = "workbooks"

plan = "c/<slug:council_slug>/<slug:plan_slug>/"

urlpatterns = [
    path(plan + "workbook.xlsx", views.export, name="export"),
    path(plan + "proposals-flat.<str:fmt>", views.export_flat, name="export_flat"),
    path(plan + "import/", views.import_upload, name="import"),
    path(plan + "import/confirm/", views.import_confirm, name="import_confirm"),
]
