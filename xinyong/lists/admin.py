"""Lists in the admin: read-only views of what the services and the YAML loader write (writes go through them)."""

from django.contrib import admin

from xinyong.audit.readonly import ReadOnlyAdmin
from xinyong.lists.models import CheckLog, CheckOutcome, Dismissal, ListEntry, ListKind, Measure, Memorandum


@admin.register(ListKind)
class ListKindAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "name",
        "list_type",
        "recognising_department",
        "period_years",
        "source",
        "effective_from",
    ]
    list_filter = ["list_type"]


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    can_delete = False
    readonly_fields = ["code", "nature", "text", "legal_basis", "matters", "executing_departments"]


@admin.register(Memorandum)
class MemorandumAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "issued_on"]
    inlines = [MeasureInline]


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "uscc", "status", "published_on", "planned_exit", "exit_reason"]
    list_filter = ["kind", "status"]
    list_select_related = ["kind"]
    search_fields = ["name", "uscc", "decision_document"]
    raw_id_fields = ["subject"]


@admin.register(CheckLog)
class CheckLogAdmin(ReadOnlyAdmin):
    list_display = ["checked_at", "actor_label", "matter", "purpose", "query_name", "query_code", "hit_count"]
    list_filter = ["matter"]
    search_fields = ["query_name", "query_code", "purpose"]


@admin.register(CheckOutcome)
class CheckOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["check_log", "entry", "measure", "applied", "reason", "recorded_at"]


@admin.register(Dismissal)
class DismissalAdmin(ReadOnlyAdmin):
    list_display = ["entry", "query_key", "reason", "actor", "dismissed_at"]
