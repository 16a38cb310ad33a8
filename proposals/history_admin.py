"""Admin pages that record what they change in the audit trail, with old and new values.

``RecordedAdmin`` goes in front of a ModelAdmin: each add, change or delete (one or a
selection) becomes one change set of the record, holding its own fields' changes and
its inline rows' (a plan's years, an outcome's measures, a council's memberships).
The values before are read from the database, since the form has already applied the
new ones to the instance it was given.
"""
from django.db import transaction

from .history import changes_between, council_of, record_change, snapshot
from .models import Change, ChangeSet


def _stored(record):
    return type(record)._default_manager.get(pk=record.pk)


class RecordedAdmin:
    record_deletions = True

    def save_model(self, request, obj, form, change):
        form.recorded_before = _stored(obj) if change else None
        form.recorded_before_values = snapshot(form.recorded_before) if change else None
        form.recorded_row_changes = []
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        link = (formset.fk.name,)  # the parent, which the change set names already
        stored = formset.model._default_manager.in_bulk([f.instance.pk for f in formset.initial_forms if f.instance.pk])
        before = {pk: snapshot(row, without=link) for pk, row in stored.items()}
        changes = form.recorded_row_changes
        for row_form in formset.deleted_forms:
            if row_form.instance.pk in stored:
                changes += changes_between(before[row_form.instance.pk], None, row=stored[row_form.instance.pk])
        super().save_formset(request, form, formset, change)
        for row in formset.new_objects:
            changes += changes_between(None, snapshot(row, without=link), row=row)
        for row, _fields in formset.changed_objects:
            changes += changes_between(before[row.pk], snapshot(row, without=link), row=stored[row.pk])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        action = ChangeSet.Action.EDIT if change else ChangeSet.Action.CREATE
        # A record moved to another council is recorded in the chains of both.
        councils = {council_of(obj)} | ({council_of(form.recorded_before)} if change else set())
        for council_id in sorted(councils):
            changes = changes_between(form.recorded_before_values, snapshot(obj)) + [
                Change(kind=row.kind, field=row.field, old=row.old, new=row.new) for row in form.recorded_row_changes
            ]
            record_change(user=request.user, subject=obj, action=action, changes=changes, council_id=council_id)

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._record_deletion(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self._record_deletion(request, obj)
            super().delete_queryset(request, queryset)

    def _record_deletion(self, request, obj):
        if not self.record_deletions:
            return
        changes = changes_between(snapshot(obj), None)
        for inline in self.get_inline_instances(request, obj):
            link = inline.get_formset(request, obj).fk.name
            for row in inline.model._default_manager.filter(**{link: obj}):
                changes += changes_between(snapshot(row, without=(link,)), None, row=row)
        record_change(user=request.user, subject=obj, action=ChangeSet.Action.DELETE, changes=changes)
