"""The request id and client address of the work in progress, for audit events.

Kept in a context variable so services need not thread them through every call; commands get one id per run.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class ActingContext:
    request_id: str
    ip: str | None = None


_current: ContextVar[ActingContext | None] = ContextVar("xinyong_acting", default=None)


def current() -> ActingContext:
    value = _current.get()
    if value is None:
        value = ActingContext(request_id=uuid.uuid4().hex)
        _current.set(value)
    return value


@contextlib.contextmanager
def acting(*, request_id: str | None = None, ip: str | None = None) -> Iterator[ActingContext]:
    value = ActingContext(request_id=request_id or uuid.uuid4().hex, ip=ip)
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)
