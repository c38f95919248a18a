from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from xinyong.audit.admin_mixins import AuditedAdmin
from xinyong.org.models import LiaisonOfficer, Position, RoleGrant, Unit, User


class LiaisonInline(admin.TabularInline):
    model = LiaisonOfficer
    extra = 0


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "parent", "uscc", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "short_name", "uscc"]
    inlines = [LiaisonInline]


@admin.register(Position)
class PositionAdmin(AuditedAdmin):
    list_display = ["group", "role", "holder_name", "holder_title", "holder_unit"]
    list_filter = ["role"]


@admin.register(LiaisonOfficer)
class LiaisonOfficerAdmin(AuditedAdmin):
    list_display = ["unit", "name", "phone", "start_date", "end_date", "handover_done", "notified"]
    list_filter = ["unit"]


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = ["username", "display_name", "unit", "is_staff", "is_active"]
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("单位", {"fields": ("display_name", "unit")}))
    inlines = [RoleGrantInline]
