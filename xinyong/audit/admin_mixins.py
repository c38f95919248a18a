"""Admin edits of reference data leave the same audit events as service writes.

Django's admin runs each change view in a transaction, so the event lands with the change or not at all.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest

from xinyong.audit.services import audit_record, snapshot

# Secrets never go into the trail, not even hashed.
_HIDDEN = {"password"}


def _state(obj: Model) -> dict[str, Any]:
    names = [f.attname for f in obj._meta.concrete_fields if f.attname not in _HIDDEN]
    return snapshot(obj, names)


def _stored_state(obj: Model) -> dict[str, Any] | None:
    stored = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk else None
    return _state(stored) if stored is not None else None


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        before = _stored_state(obj) if change else None
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="admin.changed" if change else "admin.created",
            obj=obj,
            summary=f"管理后台{'修改' if change else '新增'}：{obj}",
            before=before,
            after=_state(obj),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        before, label, pk = _state(obj), obj._meta.label, str(obj.pk)
        super().delete_model(request, obj)
        audit_record(
            actor=request.user,
            action="admin.deleted",
            object_type=label,
            object_id=pk,
            summary=f"管理后台删除：{before}",
            before=before,
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseModelFormSet, change: bool) -> None:
        before = {obj.pk: _state(obj) for obj in formset.get_queryset()}
        doomed = [
            (f.instance._meta.label, f.instance.pk, str(f.instance))
            for f in formset.deleted_forms
            if f.instance.pk
        ]
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(
                actor=request.user,
                action="admin.created",
                obj=obj,
                summary=f"管理后台新增：{obj}",
                after=_state(obj),
            )
        for obj, _fields in formset.changed_objects:
            audit_record(
                actor=request.user,
                action="admin.changed",
                obj=obj,
                summary=f"管理后台修改：{obj}",
                before=before.get(obj.pk),
                after=_state(obj),
            )
        for label, pk, text in doomed:
            audit_record(
                actor=request.user,
                action="admin.deleted",
                object_type=label,
                object_id=str(pk),
                summary=f"管理后台删除：{text}",
                before=before.get(pk),
            )
