from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "user", "council", "status", "progress_done", "progress_total", "created_at",
                    "finished_at"]
    list_filter = ["status", "kind"]
    exclude = ["result"]
    readonly_fields = [field.name for field in Job._meta.fields if field.name != "result"]

    def get_queryset(self, request):
        return super().get_queryset(request).without_result().select_related("user", "council")

    def has_add_permission(self, request):
        return False
