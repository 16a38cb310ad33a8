from django.contrib import admin
from django.urls import include, path

from proposals.views import home

from . import views

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("councils.urls")),
    path("public/", include("publishing.urls")),
    path("api/v1/", include("publishing.api_urls")),
    # Before the plan pages: /c/<council>/settings/… would otherwise read as a plan "settings".
    path("", include("administration.urls")),
    path("", include("proposals.urls")),
    path("", include("publishing.manage_urls")),
    path("", include("reports.urls")),
    path("", include("workbooks.urls")),
    path("", include("jobs.urls")),
]

handler403 = "budget_portal.views.permission_denied"
handler404 = "budget_portal.views.page_not_found"
handler500 = "budget_portal.views.server_error"
