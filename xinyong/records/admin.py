from django.contrib import admin

from xinyong.audit.readonly import ReadOnlyAdmin
from xinyong.records.models import Record, RecordVersion


class RecordVersionInline(admin.TabularInline):
    model = RecordVersion
    extra = 0
    can_delete = False
    readonly_fields = ["version", "data", "batch", "submitted_at", "superseded_at"]


@admin.register(Record)
class RecordAdmin(ReadOnlyAdmin):
    list_display = ["key", "category_code", "subject", "source_unit", "decision_date", "deadline", "late_workdays", "status"]
    list_filter = ["category_code", "status", "source_unit"]
    search_fields = ["key"]
    raw_id_fields = ["subject", "batch"]
    inlines = [RecordVersionInline]
