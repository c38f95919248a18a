"""API tokens of the departmental systems: one per system, bound to its department, kept only as a hash.

A token is shown once, when it is created. Requests carry it as `Authorization: Bearer <token>`; the token's
department is the reporting department, and the token (label `token:<name>`) is the actor of what it does.
A token carries scopes (`TokenScope`): an upload token submits and reads its department's own data, and cannot
look at persons; the look-up scope is granted on purpose, by the credit office.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from xinyong.access.models import DEFAULT_SCOPES, ApiToken, TokenScope
from xinyong.audit.services import audit_record
from xinyong.core import clock
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.org.models import Unit

TOKEN_PREFIX = "xy_"
NAME_MAX_LENGTH = 100
# `last_used_at` is written at most this often per token, so a busy system does not write on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class TokenActor:
    """A departmental system acting through its token: what services and the audit trail see as the actor.

    Not a user: it has no `pk` or `username`, so the audit trail records it by its label, `token:<name>`.
    """

    token_id: int
    name: str
    department_id: int

    def __str__(self) -> str:
        return f"token:{self.name}"

    @property
    def acts_for_unit_id(self) -> int:
        """The one department this actor may report for (for a role check that knows departmental systems)."""
        return self.department_id

    @classmethod
    def of(cls, token: ApiToken) -> TokenActor:
        return cls(token_id=token.pk, name=token.name, department_id=token.department_id)


def token_hash(raw: str) -> str:
    # Tokens are 256 random bits: a plain SHA-256 is enough, no slow password hash is needed.
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def clean_scopes(scopes: Iterable[str] | None) -> list[str]:
    """Known scopes in their canonical order; an unknown one is refused, naming the known ones."""
    wanted = list(DEFAULT_SCOPES) if scopes is None else [str(s).strip().lower() for s in scopes]
    known = [choice.value for choice in TokenScope]
    unknown = [s for s in wanted if s not in known]
    if unknown:
        names = "、".join(f"{c.value}（{c.label}）" for c in TokenScope)
        raise XinyongError(ErrorCode.BAD_FORMAT, f"未知的令牌权限：{'、'.join(unknown)}。可选：{names}")
    if not wanted:
        raise XinyongError(ErrorCode.REQUIRED, "令牌至少要有一项权限")
    return [s for s in known if s in wanted]


def scope_labels(scopes: Iterable[str]) -> str:
    labels = dict(TokenScope.choices)
    return "、".join(str(labels.get(s, s)).split("（")[0] for s in scopes)


@transaction.atomic
def token_create(
    *, department: Unit, name: str, actor: Any, scopes: Iterable[str] | None = None
) -> tuple[ApiToken, str]:
    """A new token for a departmental system; returns the token and its secret, which is never stored.

    Without `scopes` the token may submit and read its department's own data (`DEFAULT_SCOPES`)."""
    granted = clean_scopes(scopes)
    name = " ".join(name.split())
    if not name:
        raise XinyongError(ErrorCode.REQUIRED, "请填写使用该令牌的系统名称")
    if len(name) > NAME_MAX_LENGTH:
        raise XinyongError(ErrorCode.TOO_LONG, f"系统名称最多{NAME_MAX_LENGTH}个字")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        department=department,
        token_hash=token_hash(raw),
        prefix=raw[:10],
        scopes=granted,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="intake.token_created",
        obj=token,
        summary=f"为“{name}”创建接口令牌（{department.name}；权限：{scope_labels(granted)}）",
        after={"name": name, "department": department.code, "prefix": token.prefix, "scopes": granted},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: Any) -> ApiToken:
    """Stop a token from working; it stays listed, with the jobs it submitted."""
    token = ApiToken.objects.select_for_update().select_related("department").get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="intake.token_revoked",
        obj=token,
        summary=f"吊销“{token.name}”的接口令牌（{token.department.name}）",
        before={"revoked_at": None},
        after={"revoked_at": token.revoked_at.isoformat()},
    )
    return token


def bearer_secret(request: HttpRequest) -> str | None:
    """The secret of `Authorization: Bearer <secret>`, or None when the request carries none."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    return raw.strip()


def active_token_id(raw: str) -> int | None:
    """The id of the active token with this secret, without noting its use (the rate limiter's identity)."""
    raw = raw.strip()
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    return (
        ApiToken.objects.filter(token_hash=token_hash(raw), revoked_at__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )


def token_authenticate(raw: str) -> ApiToken | None:
    """The active token with this secret, or None. Notes when it was last used."""
    raw = raw.strip()
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("department")
        .filter(token_hash=token_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.department.is_active:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A courtesy note: on SQLite a batch running in the worker holds the only write lock, and following that
        # batch's job must not fail for it.
        with contextlib.suppress(DatabaseError):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


def token_list() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("department", "created_by").order_by(
        "department__code", "name", "id"
    )
