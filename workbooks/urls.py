from django.urls import path

from . import book_views, measure_views, monitoring_views, views

app_name = "workbooks"

plan = "c/<slug:council_slug>/<slug:plan_slug>/"

urlpatterns = [
    # Every council the user may see, one flat list (the import format's columns), streamed;
    # the .xlsx is a background job (jobs.kinds.national_export).
    path("export/proposals.csv", views.export_all_csv, name="export_all_csv"),
    path(plan + "workbook.xlsx", views.export, name="export"),
    path(plan + "budget-book.docx", book_views.book_docx, name="book_docx"),
    path(plan + "proposals-flat.<str:fmt>", views.export_flat, name="export_flat"),
    path(plan + "import/", views.import_upload, name="import"),
    path(plan + "import/map/", views.import_map, name="import_map"),
    path(plan + "import/confirm/", views.import_confirm, name="import_confirm"),
    # The council's outcome measures as a workbook, and its import back.
    path(plan + "measures/download.xlsx", measure_views.measures_export, name="measures_export"),
    path(plan + "measures/import/", measure_views.measures_import, name="measures_import"),
    path(plan + "measures/import/confirm/", measure_views.measures_import_confirm, name="measures_import_confirm"),
    # A monitoring period's workbook ("2019-20-q2"), and its import back.
    path(plan + "delivery/<slug:period>/download.xlsx", monitoring_views.monitoring_export, name="monitoring_export"),
    path(plan + "delivery/<slug:period>/import/", monitoring_views.monitoring_import, name="monitoring_import"),
    path(plan + "delivery/<slug:period>/import/confirm/", monitoring_views.monitoring_import_confirm,
         name="monitoring_import_confirm"),
]
