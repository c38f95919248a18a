"""Checking a large file in a second process while this one writes to the database.

Checking is pure Python work and writing waits on the database, so on a machine with two cores the two overlap.
The child is forked: it inherits the open reader and the compiled checks, touches no database connection, and
sends each checked chunk back through a pipe (at most one chunk ahead, so memory stays flat).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from multiprocessing import Pipe
from typing import TypeVar

from xinyong.core.errors import ErrorCode, XinyongError

T = TypeVar("T")


def can_fork() -> bool:
    """Forking a process with other threads running can deadlock the child on a lock one of them held."""
    return hasattr(os, "fork") and threading.active_count() == 1


def in_child_process(items: Iterator[T]) -> Iterator[T]:
    """Yield what `items` yields, computed in a forked child process.

    An exception raised in the child is raised here; a child that dies without a word raises a XinyongError.
    Closing this generator early (the caller failed) stops the child.
    """
    receiver, sender = Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        _child(items, receiver, sender)
    sender.close()
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                raise XinyongError(
                    ErrorCode.IMPORT_WORKER_FAILED, "检查数据的子进程意外退出，本次导入未写入任何数据，请重新报送。"
                ) from None
            if kind == "item":
                yield payload
            elif kind == "error":
                raise payload
            else:
                return
    finally:
        receiver.close()
        _reap(pid)


def _child(items: Iterator[T], receiver: object, sender: object) -> None:  # pragma: no cover
    code = 0
    try:
        receiver.close()  # type: ignore[attr-defined]
        for item in items:
            sender.send(("item", item))  # type: ignore[attr-defined]
        sender.send(("done", None))  # type: ignore[attr-defined]
    except BrokenPipeError:
        code = 1  # the parent stopped listening; it reports its own failure
    except BaseException as exc:
        try:
            sender.send(("error", exc))  # type: ignore[attr-defined]
        except BaseException:
            code = 1
    finally:
        # Skip the interpreter's exit handlers: they belong to the parent (database connections, temp files).
        os._exit(code)


def _reap(pid: int) -> None:
    finished, _ = os.waitpid(pid, os.WNOHANG)
    if finished == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
