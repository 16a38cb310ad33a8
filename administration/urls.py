"""A council administrator's pages, under /c/<council>/settings/: its people
(``people``), its budget plans (``plans``), its approval rules (``approval``) and its
structure (``structure``).
Who may use them is decided by ``proposals.permissions`` (can_manage_people,
can_manage_plans, can_manage_structure)."""
from django.urls import include, path

from . import approval, people, plans, structure

app_name = "administration"

urlpatterns = [
    path("c/<slug:council_slug>/settings/people/", include(people.urlpatterns)),
    path("c/<slug:council_slug>/settings/plans/", include(plans.urlpatterns)),
    path("c/<slug:council_slug>/settings/approval/", include(approval.urlpatterns)),
    path("c/<slug:council_slug>/settings/", include(structure.urlpatterns)),
]
