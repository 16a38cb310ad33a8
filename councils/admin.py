"""Admin for councils and memberships (administrators only), and the council scoping
every other admin page in the project uses.

In the admin, what a signed-in staff user may do follows their council role, not
Django model permissions: administrators (superusers) manage everything; a council's
finance officers see and work on that council's records; nobody else (commissioners,
approvers) gets anything. Keeping one source of truth (the Membership) means there is
no permission group that could disagree with it.
"""
from django.contrib import admin

from .access import council_roles
from .models import Council, Membership, Role


def officer_council_ids(request):
    """Ids of the councils where the signed-in user is a finance officer (the roles are read
    once per request, by ``councils.access.council_roles``)."""
    user = request.user
    if not user.is_active or not user.is_staff:
        return frozenset()
    return council_roles(user).council_ids_with(Role.OFFICER)


def council_id_of(obj, lookup):
    """Follow ``lookup`` ("plan__council") from ``obj`` to its council's id."""
    *path, last = lookup.split("__")
    for name in path:
        obj = getattr(obj, name)
    return getattr(obj, f"{last}_id")


class CouncilScopedAdmin(admin.ModelAdmin):
    """A model admin limited to the councils where the user is a finance officer.

    ``council_lookup`` is the path from the model to its council. Administrators keep
    Django's defaults; finance officers may view (and, if ``officers_may_edit``, add and
    change) their councils' records, and never delete.
    """

    council_lookup = "council"
    officers_may_edit = True

    def in_scope(self, request, obj):
        return council_id_of(obj, self.council_lookup) in officer_council_ids(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.council_lookup}__in": officer_council_ids(request)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        limit_foreign_key_to_councils(self.admin_site, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        if request.user.is_superuser:
            return super().has_module_permission(request)
        return bool(officer_council_ids(request))

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)
        return bool(officer_council_ids(request)) and (obj is None or self.in_scope(request, obj))

    def has_add_permission(self, request):
        if request.user.is_superuser:
            return super().has_add_permission(request)
        return self.officers_may_edit and bool(officer_council_ids(request))

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return self.officers_may_edit and self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)
        return False


class ScopedInlineMixin:
    """For a non-superuser, an inline's permissions are its parent record's: a finance
    officer who may change an outcome may add, change and remove its measures."""

    def _parent_admin(self):
        return self.admin_site.get_model_admin(self.parent_model)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        limit_foreign_key_to_councils(self.admin_site, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)
        return self._parent_admin().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_add_permission(request, obj)
        return self._parent_admin().has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return self._parent_admin().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)
        return self._parent_admin().has_change_permission(request, obj)


def limit_foreign_key_to_councils(admin_site, db_field, request, kwargs):
    """A foreign key offers a finance officer what they may see of its target: their
    councils, or what the target's council-scoped admin lists to them."""
    if request.user.is_superuser or "queryset" in kwargs:
        return
    target = db_field.related_model
    if target is Council:
        kwargs["queryset"] = Council.objects.filter(pk__in=officer_council_ids(request))
    elif admin_site.is_registered(target):
        target_admin = admin_site.get_model_admin(target)
        if isinstance(target_admin, CouncilScopedAdmin):
            kwargs["queryset"] = target_admin.get_queryset(request)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "council", "role"]
    list_filter = ["council", "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "council"]
