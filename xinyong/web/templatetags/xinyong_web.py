"""Template filters of the pages: masked subject codes, Chinese labels of audit actions, file sizes."""

from __future__ import annotations

from typing import Any

from django import template

from xinyong.subjects.models import Subject
from xinyong.subjects.selectors import subject_code
from xinyong.web import labels

register = template.Library()


@register.filter
def masked_code(subject: Subject) -> str:
    """The code a list shows for a subject: the USCC, or the masked document number of a person."""
    return subject_code(subject) or "—"


@register.filter
def action_label(action: str) -> str:
    return labels.action_label(action)


@register.filter
def actor_label(label: str) -> str:
    return labels.actor_label(label)


@register.filter
def object_type_label(object_type: str) -> str:
    return labels.object_type_label(object_type)


@register.filter
def filesize_cn(size: Any) -> str:
    try:
        value = float(size)
    except (TypeError, ValueError):
        return ""
    for unit in ("字节", "KB", "MB"):
        if value < 1024 or unit == "MB":
            return f"{value:.0f} {unit}" if unit == "字节" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: Any) -> str:
    """The current query string with some parameters changed (for pagination links that keep the filters)."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else None
    if params is None:
        return ""
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
