"""`xinyong export`: the national layout, revocations, incremental runs by high-water mark, and the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.catalog.models import Category
from xinyong.core import clock
from xinyong.core.identifiers import make_resident_id, make_uscc
from xinyong.intake.services import import_file
from xinyong.intake.tests.test_import import _csv, _row, _unit
from xinyong.records.exchange import high_water_mark
from xinyong.records.models import Record

pytestmark = pytest.mark.django_db

COMPANY = make_uscc("91", "320281", "MA1HY3K7")
OTHER = make_uscc("91", "320281", "MA1QW8E2")
PERSON = make_resident_id("320281", dt.date(1979, 8, 14), 31)


def _import(tmp_path: Path, name: str, rows: list[list[str]], at: str) -> None:
    with clock.frozen(at):
        import_file(path=_csv(tmp_path / name, rows), category_code="admin_penalty", department=_unit())


def _export(*args: str, at: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with clock.frozen(at):
        call_command("export", "--category", "admin_penalty", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _mark(stderr: str) -> str:
    found = re.search(r"--since (\S+)", stderr)
    assert found, stderr
    return found.group(1)


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # Excel reads UTF-8 only with a byte-order mark
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_csv_has_the_national_layout_full_identifiers_and_safe_cells(reference_data: Any, tmp_path: Path) -> None:
    formula = _row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2026〕1号", "2026-03-02")
    formula[7] = "=HYPERLINK(\"http://example.invalid\",\"查看\")"  # 违法事实 as a hostile clerk would type it
    person = _row("某甲", "自然人", "", "澄综执罚〔2026〕2号", "2026-03-03", kinds="警告", fine="",
                  id_type="居民身份证", id_number=PERSON)
    _import(tmp_path, "a.csv", [formula, person], "2026-03-05T10:00:00")
    text, err = _export(at="2026-03-06T10:00:00")
    header = next(csv.reader(io.StringIO(text[1:])))
    category = Category.objects.get(code="admin_penalty")
    names = list(category.fields.order_by("position").values_list("name", flat=True))
    assert header == [*names, "记录标识", "版本", "状态", "状态说明", "更新时间"]
    assert header[:3] == ["行政相对人名称", "行政相对人类别", "统一社会信用代码"]
    rows = {row["行政处罚决定书文号"]: row for row in _rows(text)}
    company, someone = rows["澄综执罚〔2026〕1号"], rows["澄综执罚〔2026〕2号"]
    assert company["统一社会信用代码"] == COMPANY and company["处罚类别"] == "警告、罚款"
    assert company["违法事实"].startswith("'=HYPERLINK")  # shown by a spreadsheet, never run
    assert someone["证件号码"] == PERSON  # a government system receives the full identifier
    assert (someone["状态"], someone["版本"]) == ("有效", "1")
    assert someone["更新时间"] == "2026-03-05T10:00:00.000000+08:00"
    assert "已导出 行政处罚信息（admin_penalty）变更记录 2 条" in err
    # The field codes of the national platform head the columns on request.
    coded, _ = _export("--header", "code", at="2026-03-06T10:00:00")
    assert next(csv.reader(io.StringIO(coded[1:])))[:2] == ["CF_XDR_MC", "CF_XDR_LB"]


def test_incremental_runs_carry_only_newer_changes_including_revocations(reference_data: Any, tmp_path: Path) -> None:
    first = _row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2026〕11号", "2026-03-02")
    second = _row("江阴市利港永盛纺织有限公司", "法人及非法人组织", OTHER, "澄综执罚〔2026〕12号", "2026-03-02")
    _import(tmp_path, "a.csv", [first, second], "2026-03-05T10:00:00")
    text, err = _export("--since", "2026-01-01T00:00:00+08:00", at="2026-03-06T09:00:00")
    assert len(_rows(text)) == 2
    mark = _mark(err)
    assert mark == "2026-03-06T09:00:00.000000+08:00"

    # Nothing changed: nothing comes.
    text, err = _export("--since", mark, at="2026-03-06T10:00:00")
    assert _rows(text) == [] and "变更记录 0 条" in err

    # A revocation, a corrected decision and a new one; the untouched record stays out.
    with clock.frozen("2026-03-07T11:00:00"):
        call_command(
            "revoke", "--category", "admin_penalty", "--document-number", "澄综执罚〔2026〕11号",
            "--authority-code", _unit().uscc, "--reason", "行政复议撤销", stdout=io.StringIO(),
        )
    corrected = _row("江阴市利港永盛纺织有限公司", "法人及非法人组织", OTHER, "澄综执罚〔2026〕12号", "2026-03-02", fine="2.5")
    new = _row("江阴市利港宏达机械有限公司", "法人及非法人组织", make_uscc("91", "320281", "MA1RX4C6"),
               "澄综执罚〔2026〕13号", "2026-03-06")
    _import(tmp_path, "b.csv", [corrected, new], "2026-03-08T10:00:00")
    text, err = _export("--since", mark, at="2026-03-09T09:00:00")
    rows = {row["行政处罚决定书文号"]: row for row in _rows(text)}
    assert set(rows) == {"澄综执罚〔2026〕11号", "澄综执罚〔2026〕12号", "澄综执罚〔2026〕13号"}
    assert (rows["澄综执罚〔2026〕11号"]["状态"], rows["澄综执罚〔2026〕11号"]["状态说明"]) == ("已撤销", "行政复议撤销")
    assert (rows["澄综执罚〔2026〕12号"]["版本"], rows["澄综执罚〔2026〕12号"]["罚款金额（万元）"]) == ("2", "2.5")
    assert rows["澄综执罚〔2026〕13号"]["版本"] == "1"
    # In the order they changed, so the city platform can apply them one after another.
    assert next(iter(rows)) == "澄综执罚〔2026〕11号"
    assert "有效 2 条，已撤销 1 条" in err

    text, _ = _export("--since", _mark(err), at="2026-03-10T09:00:00")
    assert _rows(text) == []


def test_json_lists_the_fields_then_the_records_by_code(reference_data: Any, tmp_path: Path) -> None:
    _import(tmp_path, "a.csv", [_row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2026〕21号", "2026-03-02")],
            "2026-03-05T10:00:00")
    target = tmp_path / "out" / "penalties.json"
    target.parent.mkdir()
    _, err = _export("--format", "json", "--output", str(target), at="2026-03-06T10:00:00")
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["category"] == "admin_penalty" and document["since"] is None
    assert document["high_water_mark"] == _mark(err) == "2026-03-06T10:00:00.000000+08:00"
    assert document["fields"][0] == {"code": "CF_XDR_MC", "name": "行政相对人名称"}
    assert document["fields"][-5:] == [
        {"code": "JLBS", "name": "记录标识"}, {"code": "BB", "name": "版本"}, {"code": "ZT", "name": "状态"},
        {"code": "ZTSM", "name": "状态说明"}, {"code": "GXSJ", "name": "更新时间"},
    ]
    assert document["count"] == 1
    (record,) = document["records"]
    assert record["CF_XDR_SHDM"] == COMPANY and record["CF_CFLB"] == ["警告", "罚款"]
    assert (record["BB"], record["ZT"]) == (1, "有效")
    assert record["JLBS"] == Record.objects.get().key


def test_every_export_is_audited_with_who_what_and_how_many(reference_data: Any, tmp_path: Path) -> None:
    _import(tmp_path, "a.csv", [_row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2026〕31号", "2026-03-02")],
            "2026-03-05T10:00:00")
    target = tmp_path / "x.csv"
    _export("--since", "2026-03-01T00:00:00", "--output", str(target), at="2026-03-06T10:00:00")
    event = AuditEvent.objects.get(action="records.exported")
    assert event.actor_label.startswith("cli")
    assert event.after["count"] == 1 and event.after["category"] == "admin_penalty"
    assert event.after["since"] == "2026-03-01T00:00:00.000000+08:00"
    assert event.after["destination"] == str(target.resolve())
    assert "含完整证件号码" in event.summary
    assert audit_verify() is None


def test_wrong_arguments_are_answered_in_chinese(reference_data: Any) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="时间格式不正确"):
        call_command("export", "--category", "admin_penalty", "--since", "昨天", stdout=io.StringIO())
    with pytest.raises(CommandError, match="信息类别“nope”不存在"):
        call_command("export", "--category", "nope", stdout=io.StringIO())


# Outside a test transaction, as the command runs: on SQLite the mark is taken under the write lock.
@pytest.mark.django_db(transaction=True)
def test_with_the_real_clock_the_mark_stops_before_writes_in_progress(reference_data: Any, tmp_path: Path) -> None:
    assert clock.pinned() is None
    import_file(path=_csv(tmp_path / "a.csv", [_row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY,
                                                     "澄综执罚〔2026〕41号", "2026-03-02")]),
                category_code="admin_penalty", department=_unit(), submitted_at=clock.now())
    time.sleep(1.1)  # PostgreSQL's mark keeps a second's distance from the present
    out, err = io.StringIO(), io.StringIO()
    call_command("export", "--category", "admin_penalty", stdout=out, stderr=err)
    assert len(_rows(out.getvalue())) == 1
    mark = _mark(err.getvalue())
    assert clock.parse_instant(mark) >= Record.objects.get().updated_at
    out = io.StringIO()
    call_command("export", "--category", "admin_penalty", "--since", mark, stdout=out, stderr=io.StringIO())
    assert _rows(out.getvalue()) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL reports other sessions' transactions")
def test_on_postgresql_the_mark_stays_before_an_open_transaction(reference_data: Any) -> None:
    import psycopg

    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in {"dbname", "user", "host", "port", "password"}}) as other:
        started = other.execute("SELECT now()").fetchone()[0]  # opens a transaction, as an import in progress
        time.sleep(0.2)
        mark, pinned = high_water_mark()
        assert not pinned
        assert mark <= started - dt.timedelta(seconds=1)
        other.rollback()
    time.sleep(1.1)
    mark, _ = high_water_mark()
    assert mark > started


def test_on_sqlite_the_export_waits_for_the_import_in_progress(tmp_path: Path) -> None:
    import os
    import sqlite3
    import subprocess
    import sys
    import threading

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "XINYONG_NOW"}}
    env["XINYONG_DATA_DIR"] = str(tmp_path)
    repo = Path(__file__).resolve().parents[3]

    def xinyong(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "xinyong.cli", *args], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=120, check=False)

    assert xinyong("setup").returncode == 0
    # Another process holds the write lock, as an import does for the whole of its transaction.
    writer = sqlite3.connect(tmp_path / "xinyong.sqlite3", check_same_thread=False, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    released: list[dt.datetime] = []

    def release() -> None:
        released.append(dt.datetime.now(tz=clock.LOCAL_TZ))
        writer.rollback()

    threading.Timer(2.5, release).start()
    done = xinyong("export", "--category", "admin_penalty")
    assert done.returncode == 0, done.stderr
    # The mark was taken after the writer finished, not read past it.
    assert clock.parse_instant(_mark(done.stderr)) >= released[0]
    # A writer that keeps the lock beyond the wait: the export refuses rather than guessing a mark.
    writer.execute("BEGIN IMMEDIATE")
    try:
        held = xinyong("export", "--category", "admin_penalty")
    finally:
        writer.rollback()
        writer.close()
    assert held.returncode != 0 and "有报送正在写入数据库" in held.stderr
