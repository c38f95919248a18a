from django.contrib import admin

from xinyong.audit.admin_mixins import AuditedAdmin
from xinyong.catalog.models import Category, Field


class FieldInline(admin.TabularInline):
    model = Field
    extra = 0
    fields = ["position", "code", "name", "type", "required", "max_length", "aliases", "choices", "sensitive"]


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ["code", "version", "name", "kind", "disclosure", "cycle_kind", "effective_from", "is_active"]
    list_filter = ["kind", "disclosure", "is_active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["owner_units"]
    inlines = [FieldInline]
