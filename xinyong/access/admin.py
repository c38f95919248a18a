"""The admin page of failed-login counts (django-axes): read-only; deleting lifts locks through the audited
service."""

from typing import Any

from axes.models import AccessAttempt
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from xinyong.access.logins import locks_of
from xinyong.access.services import login_attempts_clear


@admin.register(AccessAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    """Failed-login counts (django-axes): seen here, never edited; deleting them lifts the locks they hold,
    through the audited service."""

    list_display = ["tried_username", "address", "failures", "latest", "locked"]
    search_fields = ["username", "ip_address"]
    fields = readonly_fields = ("username", "ip_address", "user_agent", "path_info", "failures_since_start", "attempt_time")
    ordering = ["-attempt_time"]

    @admin.display(description="用户名", ordering="username")
    def tried_username(self, obj: AccessAttempt) -> str:
        return obj.username or ""

    @admin.display(description="地址", ordering="ip_address")
    def address(self, obj: AccessAttempt) -> str:
        return obj.ip_address or ""

    @admin.display(description="失败次数", ordering="failures_since_start")
    def failures(self, obj: AccessAttempt) -> int:
        return obj.failures_since_start

    @admin.display(description="最近一次失败", ordering="attempt_time")
    def latest(self, obj: AccessAttempt) -> Any:
        return obj.attempt_time

    @admin.display(description="当前锁定")
    def locked(self, obj: AccessAttempt) -> str:
        locks = locks_of(username=obj.username, address=obj.ip_address)
        return "；".join(f"{lock.label} 至 {lock.until_local}" for lock in locks) or "否"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        login_attempts_clear(attempts=AccessAttempt.objects.filter(pk=obj.pk), actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        login_attempts_clear(attempts=queryset, actor=request.user)
