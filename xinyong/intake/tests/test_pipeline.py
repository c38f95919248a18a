"""Checking in a forked process: same answers as checking in-process, failures handed back, no stray children."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.identifiers import make_resident_id, make_uscc
from xinyong.intake import services
from xinyong.intake.models import Batch, RejectedRow
from xinyong.intake.pipeline import can_fork, in_child_process
from xinyong.intake.services import import_file
from xinyong.intake.tests.test_import import _at, _csv, _row, _unit
from xinyong.records.models import Record

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the platform runs on Linux, which forks")


def _pids(count: int) -> Iterator[tuple[int, int]]:
    for number in range(count):
        yield number, os.getpid()


def test_items_come_back_in_order_from_another_process() -> None:
    items = list(in_child_process(_pids(500)))
    assert [number for number, _ in items] == list(range(500))
    assert {pid for _, pid in items} != {os.getpid()}


def _fails_after(count: int) -> Iterator[int]:
    yield from range(count)
    raise XinyongError(ErrorCode.BAD_FORMAT, "第3行无法读取")


def test_an_error_in_the_child_is_raised_in_the_parent() -> None:
    received: list[int] = []
    with pytest.raises(XinyongError) as failure:
        for item in in_child_process(_fails_after(3)):
            received.append(item)
    assert received == [0, 1, 2]
    assert failure.value.code == ErrorCode.BAD_FORMAT and failure.value.message == "第3行无法读取"


def _dies_after(count: int) -> Iterator[int]:
    yield from range(count)
    os._exit(9)


def test_a_child_that_dies_without_a_word_fails_the_import() -> None:
    with pytest.raises(XinyongError) as failure:
        list(in_child_process(_dies_after(2)))
    assert failure.value.code == ErrorCode.IMPORT_WORKER_FAILED


def test_stopping_early_stops_the_child() -> None:
    stream = in_child_process(_pids(10**9))
    _, child = next(stream)
    stream.close()
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


def _import(path: Path, **kwargs: Any) -> dict[str, Any]:
    result = import_file(
        path=path, category_code="admin_penalty", department=_unit(), submitted_at=_at("2020-10-15T10:00"), **kwargs
    )
    records = {r.key: (r.data, r.subject.name if r.subject else None, r.is_late) for r in Record.objects.all()}
    held = sorted((r.row_number, tuple(e["code"] for e in r.errors)) for r in RejectedRow.objects.all())
    answer = result.as_dict()
    answer.pop("batch")
    return {"result": answer, "records": records, "held": held}


def test_no_fork_while_other_threads_run() -> None:
    # A thread left behind by an earlier test (a live server) would make the first answer False as well.
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not can_fork()
    finally:
        release.set()
        other.join()


@pytest.mark.django_db
def test_a_file_checked_in_a_second_process_gives_the_same_answer(
    reference_data: Any, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Browser tests earlier in the session leave server threads running; this test's own work is single-threaded.
    monkeypatch.setattr(services, "can_fork", lambda: True)
    forks = []
    real_in_child_process = services.in_child_process
    monkeypatch.setattr(services, "in_child_process", lambda items: forks.append(1) or real_in_child_process(items))
    person = make_resident_id("320281", dt.date(1975, 3, 9), 21)
    rows = []
    for number in range(12_000):
        code = make_uscc("91", "320281", f"MA{number % 700:06d}")
        day = f"2020-09-{1 + number % 28:02d}"
        rows.append(_row(f"江阴市利港测试{number % 700}机械有限公司", "法人及非法人组织", code, f"澄综执罚〔2020〕{number}号", day))
    rows[10] = _row("某乙", "自然人", "", "澄综执罚〔2020〕X1号", "2020-10-09", kinds="警告", fine="",
                    id_type="居民身份证", id_number=person)
    rows[5_500][12] = "2020年2月30日"  # a bad date in the second chunk
    rows[11_000] = list(rows[20])  # the same decision again, two chunks later
    path = _csv(tmp_path / "处罚.csv", rows)

    settings.XINYONG_IMPORT_PARALLEL_BYTES = 0
    in_process = _import(path)
    Record.objects.all().delete()
    RejectedRow.objects.all().delete()
    Batch.objects.all().delete()
    settings.XINYONG_IMPORT_PARALLEL_BYTES = 1
    forked = _import(path)

    assert forks == [1]
    assert forked == in_process
    assert in_process["result"]["rejected"] == 2
    assert [codes for _, codes in in_process["held"]] == [("E_BAD_DATE",), ("E_DUPLICATE_IN_FILE",)]
    assert len(in_process["records"]) == 11_998
