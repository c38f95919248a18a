from django.contrib import admin

from xinyong.audit.admin_mixins import AuditedAdmin
from xinyong.subjects.models import Subject, SubjectName


class SubjectNameInline(admin.TabularInline):
    model = SubjectName
    extra = 0


@admin.register(Subject)
class SubjectAdmin(AuditedAdmin):
    list_display = ["name", "kind", "uscc", "id_type", "legal_rep", "established_on"]
    list_filter = ["kind"]
    search_fields = ["name", "uscc"]
    readonly_fields = ["name_key", "created_at", "updated_at"]
    inlines = [SubjectNameInline]
