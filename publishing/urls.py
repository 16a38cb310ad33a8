from django.urls import path

from . import views

app_name = "public"

plan = "<slug:council_slug>/<slug:plan_slug>/"

urlpatterns = [
    path("", views.index, name="index"),
    path(plan + "rollup/", views.rollup_page, name="rollup"),
    path(plan + "rollup/download.csv", views.rollup_page, {"fmt": "csv"}, name="rollup_csv"),
    path(plan + "rollup/download.xlsx", views.rollup_page, {"fmt": "xlsx"}, name="rollup_xlsx"),
    path(plan + "proposals/", views.proposal_list, name="proposal_list"),
    path(plan + "proposals/download.csv", views.proposal_list, {"fmt": "csv"}, name="proposal_list_csv"),
    path(plan + "proposals/download.xlsx", views.proposal_list, {"fmt": "xlsx"}, name="proposal_list_xlsx"),
    path(plan + "proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path(plan + "book/", views.book_page, name="book"),
    path(plan + "budget-book.docx", views.book_docx, name="book_docx"),
    path(plan + "datapackage.json", views.datapackage, {"what": "json"}, name="datapackage"),
    path(plan + "budget.csv", views.datapackage, {"what": "csv"}, name="datapackage_csv"),
]
