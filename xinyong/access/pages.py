"""Which roles may open which section of the pages, and the decorator every page view wears.

The rule for a section lives here once: the navigation shows a section only to the roles listed, and the view
refuses the others with a 403 page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Final

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.org.models import Role
from xinyong.org.selectors import roles_of

ALL_ROLES: Final[frozenset[str]] = frozenset(Role.values)

# Roles that may look subjects up (the credit office, handling officers checking a matter, department reviewers).
SUBJECT_VIEW_ROLES: Final[tuple[Role, ...]] = (Role.CREDIT_ADMIN, Role.HANDLER, Role.REVIEWER)

# section → roles allowed to open it (None: any signed-in user).
SECTION_ROLES: Final[dict[str, frozenset[str] | None]] = {
    "home": None,
    "org": ALL_ROLES,
    "catalog": ALL_ROLES,
    "batches": frozenset({Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER}),
    "upload": frozenset({Role.CREDIT_ADMIN, Role.REPORTER}),
    # 报送审核: the reviewer's queue of batches waiting before publication.
    "review": frozenset({Role.CREDIT_ADMIN, Role.REVIEWER}),
    "subjects": frozenset(SUBJECT_VIEW_ROLES),
    # A record page: the roles that see records (batches of their department, subjects); each record checks more.
    "records": frozenset({Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER, Role.HANDLER}),
    "quality": frozenset({Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER}),
    "calendar": ALL_ROLES,
    "audit": frozenset({Role.CREDIT_ADMIN, Role.AUDITOR}),
    "check": frozenset({Role.CREDIT_ADMIN, Role.HANDLER}),
    # 红黑名单 认定—发布—移出 by hand is the credit office's; departments' lists arrive as files.
    "lists": frozenset({Role.CREDIT_ADMIN}),
}

_CACHE_ATTR = "_xinyong_roles"


def user_roles(request: HttpRequest) -> frozenset[str]:
    """The signed-in user's roles, read once per request; a superuser holds them all."""
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is not None:
        return frozenset(cached)
    user = request.user
    if not user.is_authenticated:
        roles: frozenset[str] = frozenset()
    elif user.is_superuser:
        roles = ALL_ROLES
    else:
        roles = frozenset(roles_of(user))
    setattr(request, _CACHE_ATTR, roles)
    return roles


def may_open(request: HttpRequest, section: str) -> bool:
    allowed = SECTION_ROLES[section]
    if not request.user.is_authenticated:
        return False
    return allowed is None or bool(user_roles(request) & allowed)


def section_view(section: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Login required, then the section's roles; the others get the Chinese 403 page."""
    if section not in SECTION_ROLES:
        raise KeyError(section)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not may_open(request, section):
                raise PermissionDenied("您的角色无权访问此页面。如需开通，请联系信用办管理员。")
            request.xinyong_section = section  # type: ignore[attr-defined]
            try:
                return view(request, *args, **kwargs)
            except XinyongError as exc:
                # A selector's own role check is the last word: it refuses what the section check let through.
                if exc.code == ErrorCode.FORBIDDEN:
                    raise PermissionDenied(exc.message) from exc
                raise
            except ObjectDoesNotExist as exc:
                raise Http404(str(exc)) from exc

        return login_required(wrapped)

    return decorate
