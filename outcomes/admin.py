from django.contrib import admin

from councils.admin import CouncilScopedAdmin, ScopedInlineMixin

from .models import Outcome, OutcomeMeasure


class OutcomeMeasureInline(ScopedInlineMixin, admin.TabularInline):
    model = OutcomeMeasure
    extra = 0
    fields = ["number", "measure", "current", "target"]


@admin.register(Outcome)
class OutcomeAdmin(CouncilScopedAdmin):
    list_display = ["code", "title", "council"]
    list_display_links = ["code", "title"]
    list_filter = [("council", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "title"]
    list_select_related = ["council"]
    fields = ["council", "code", "title", "what_this_means", "position"]
    inlines = [OutcomeMeasureInline]
