from django.contrib import admin

from xinyong.audit.readonly import ReadOnlyAdmin
from xinyong.records.models import Record, RecordVersion
from xinyong.records.selectors import publicity_state


class RecordVersionInline(admin.TabularInline):
    model = RecordVersion
    extra = 0
    can_delete = False
    readonly_fields = ["version", "data", "batch", "submitted_at", "superseded_at"]


@admin.register(Record)
class RecordAdmin(ReadOnlyAdmin):
    list_display = [
        "key", "category_code", "subject", "source_unit", "decision_date", "deadline", "late_workdays", "status",
        "severity", "publicity_end", "publicity_state_display",
    ]
    list_filter = ["category_code", "status", "severity", "publicity_regime", "under_objection", "source_unit"]
    list_select_related = ["category", "subject", "source_unit"]
    search_fields = ["key"]
    raw_id_fields = ["subject", "batch"]
    # Publicity is computed from the rules (`xinyong publicity recompute` / `show`), never typed in.
    readonly_fields = ["severity", "publicity_regime", "publicity_end", "under_objection", "publicity_state_display"]
    inlines = [RecordVersionInline]

    @admin.display(description="公示状态")
    def publicity_state_display(self, record: Record) -> str:
        return publicity_state(record)
