from django.contrib import admin

from xinyong.audit.readonly import ReadOnlyAdmin
from xinyong.intake.models import Batch, RejectedRow


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "category", "department", "original_name", "submitted_at", "rows", "accepted", "rejected", "late"]
    list_filter = ["category", "department", "channel"]
    search_fields = ["original_name", "sha256"]


@admin.register(RejectedRow)
class RejectedRowAdmin(ReadOnlyAdmin):
    list_display = ["batch", "row_number", "status"]
    list_filter = ["status"]
