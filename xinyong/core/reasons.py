"""The reason a clerk writes for an action (撤销、作废、退回、变更归属、审查意见): one line, within a length."""

from __future__ import annotations

from xinyong.core.errors import ErrorCode, XinyongError

REASON_MAX_LENGTH = 300


def clean_reason(
    value: object,
    *,
    label: str,
    missing: str = "",
    max_length: int = REASON_MAX_LENGTH,
    missing_code: ErrorCode = ErrorCode.REQUIRED,
) -> str:
    """The reason with its whitespace folded; refused when empty (with `missing`, unless that is "") or longer
    than `max_length`, naming `label` (e.g. 撤销原因)."""
    text = " ".join(str(value or "").split())
    if not text and missing:
        raise XinyongError(missing_code, missing)
    if len(text) > max_length:
        raise XinyongError(ErrorCode.TOO_LONG, f"{label}最多{max_length}个字，实际{len(text)}个字。")
    return text
