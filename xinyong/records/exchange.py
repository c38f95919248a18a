"""Exchange with the city platform (市公共信用信息服务平台): a category's records changed since a moment.

The layout is the national one: the catalog's fields in catalog order, headed by their names (行政相对人名称, …)
or by their national field codes (CF_XDR_MC, …), followed by what the city platform needs to stay in step:
记录标识 (the decision's key), 版本, 状态 (有效 / 已撤销 / 已信用修复), 状态说明 and 更新时间. A revocation is a
change like any other, so the city platform learns it in the next run.

Incremental runs: a run exports the records changed after `since` and up to its high-water mark, and prints the
mark; the next run passes it as `since`. The mark is chosen so that no change can slip behind it: a change is
stamped with the platform clock when its transaction starts writing but becomes visible only when that
transaction commits (an import of a large file takes minutes), so the mark stops before every write still in
progress — on PostgreSQL before the oldest open transaction of the database (less a second for the instant
between taking the time and the first statement), on SQLite after waiting for the single writer to finish.
A change may therefore come again in a later run; the city platform applies records by 记录标识 and 版本.

The export goes to a government system, so personal identifiers are complete; every run is audited (who,
which category and period, how many records, where to).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final, TextIO

from django.db import DatabaseError, connection, transaction

from xinyong.audit.services import audit_record
from xinyong.catalog.models import Category, Field
from xinyong.catalog.selectors import category_in_force
from xinyong.core import clock
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.intake.spreadsheets import safe_value
from xinyong.records.models import Record, RecordStatus

FORMATS: Final = ("csv", "json")
HEADERS: Final = ("name", "code")
# What separates the kinds of one multi-valued field (处罚类别: 警告、罚款), as the national templates write it.
MULTI_SEPARATOR: Final = "、"
# Between taking the time for a change and its transaction's first statement on PostgreSQL.
_START_SLACK: Final = dt.timedelta(seconds=1)
_CHUNK: Final = 2000


@dataclass(frozen=True)
class Column:
    code: str
    name: str


# The columns that follow the catalog's fields.
META_COLUMNS: Final = (
    Column("JLBS", "记录标识"),
    Column("BB", "版本"),
    Column("ZT", "状态"),
    Column("ZTSM", "状态说明"),
    Column("GXSJ", "更新时间"),
)
STATUS_LABELS: Final = {value: str(label) for value, label in RecordStatus.choices}


@dataclass
class ExportResult:
    category_code: str
    category_name: str
    since: dt.datetime | None
    high_water_mark: dt.datetime
    fmt: str
    count: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    clock_pinned: bool = False

    def summary(self) -> str:
        parts = "，".join(f"{label} {self.by_status.get(label, 0)} 条" for label in STATUS_LABELS.values())
        since = format_instant(self.since) if self.since else "最早"
        return (
            f"已导出 {self.category_name}（{self.category_code}）变更记录 {self.count} 条（{parts}），"
            f"更新时间自 {since}（不含）至 {format_instant(self.high_water_mark)}（含）；"
            f"下次增量导出请用 --since {format_instant(self.high_water_mark)}"
        )


def format_instant(instant: dt.datetime) -> str:
    """Beijing time with microseconds, so a mark passed back as `--since` loses nothing."""
    return instant.astimezone(clock.LOCAL_TZ).isoformat(timespec="microseconds")


def export_columns(category: Category) -> list[Column]:
    """The catalog's fields in catalog order; fields only an older version of the category had come last."""
    fields = Field.objects.filter(category__code=category.code).order_by("position", "pk")
    current = [Column(f.code, f.name) for f in fields if f.category_id == category.pk]
    seen = {column.code for column in current}
    older: list[Column] = []
    for f in fields.order_by("-category__version", "position"):
        if f.code not in seen:
            seen.add(f.code)
            older.append(Column(f.code, f.name))
    return current + older


def high_water_mark() -> tuple[dt.datetime, bool]:
    """The latest change time that no write still in progress can fall behind, and whether the clock is pinned.

    A pinned clock stamps every change with one instant, so nothing can be told apart by time: the mark is
    that instant, and an incremental run under it finds nothing new (the command says so).
    """
    now = clock.now()
    if clock.pinned() is not None:
        return now, True
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Activity statistics are a snapshot kept for the rest of a transaction; this needs the present.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND xact_start IS NOT NULL"
            )
            row = cursor.fetchone()
        oldest = row[0] if row else None
        mark = min(now, oldest) if oldest is not None else now
        return mark - _START_SLACK, False
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        # Taking the write lock (transactions begin IMMEDIATE) waits for the import in progress; every later
        # writer takes the time after it gets the lock.
        try:
            with transaction.atomic():
                now = clock.now()
        except DatabaseError as exc:
            raise XinyongError(
                ErrorCode.DATABASE_BUSY, "有报送正在写入数据库，暂时不能确定导出的截止时间，请稍后再导出。"
            ) from exc
    return now, False


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return MULTI_SEPARATOR.join(_cell(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _changed(category_code: str, since: dt.datetime | None, until: dt.datetime) -> Iterator[tuple[Any, ...]]:
    records = Record.objects.filter(category_code=category_code, updated_at__lte=until)
    if since is not None:
        records = records.filter(updated_at__gt=since)
    yield from records.order_by("updated_at", "pk").values_list(
        "key", "version", "status", "status_reason", "updated_at", "data"
    ).iterator(chunk_size=_CHUNK)


def records_export(
    *,
    category_code: str,
    since: dt.datetime | None,
    fmt: str,
    out: TextIO,
    actor: Any,
    header: str = "name",
    destination: str = "",
) -> ExportResult:
    """Write a category's records changed after `since` to `out`, one record at a time, and audit the run.

    CSV starts with a byte-order mark (Excel reads UTF-8 only with one) and neutralises cells a spreadsheet would
    run as formulas; JSON is one document: the fields (code and name), then the records keyed by field code.
    """
    if fmt not in FORMATS:
        raise XinyongError(ErrorCode.BAD_CHOICE, f"导出格式只能是 {'、'.join(FORMATS)}，不能是“{fmt}”")
    if header not in HEADERS:
        raise XinyongError(ErrorCode.BAD_CHOICE, f"表头只能是 name（字段名称）或 code（字段编码），不能是“{header}”")
    category = category_in_force(category_code, clock.today())
    columns = export_columns(category)
    mark, pinned = high_water_mark()
    if since is not None and since > mark:
        mark = since
    result = ExportResult(category.code, category.name, since, mark, fmt, clock_pinned=pinned)
    rows = _changed(category.code, since, mark)
    try:
        if fmt == "csv":
            _write_csv(out, columns, rows, result, header)
        else:
            _write_json(out, columns, rows, result, category)
    finally:
        # Also when writing failed half-way: what has left the platform is on record.
        _audit(result, actor=actor, category=category, destination=destination)
    return result


def _write_csv(
    out: TextIO, columns: list[Column], rows: Iterator[tuple[Any, ...]], result: ExportResult, header: str
) -> None:
    out.write("\ufeff")
    writer = csv.writer(out)
    titles = [getattr(c, header) for c in (*columns, *META_COLUMNS)]
    writer.writerow([_safe(t) for t in titles])
    codes = [c.code for c in columns]
    for key, version, status, reason, updated_at, data in rows:
        label = STATUS_LABELS.get(status, status)
        values = [_cell(data.get(code)) for code in codes]
        values += [key, str(version), label, reason, format_instant(updated_at)]
        writer.writerow([_safe(v) for v in values])
        result.count += 1
        result.by_status[label] += 1


def _safe(text: str) -> str:
    return str(safe_value(text))


def _write_json(
    out: TextIO,
    columns: list[Column],
    rows: Iterator[tuple[Any, ...]],
    result: ExportResult,
    category: Category,
) -> None:
    head = {
        "category": category.code,
        "category_name": category.name,
        "since": format_instant(result.since) if result.since else None,
        "high_water_mark": format_instant(result.high_water_mark),
        "generated_at": format_instant(clock.now()),
        "fields": [{"code": c.code, "name": c.name} for c in (*columns, *META_COLUMNS)],
    }
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    out.write(opening + ', "records": [')
    codes = [c.code for c in columns]
    for key, version, status, reason, updated_at, data in rows:
        label = STATUS_LABELS.get(status, status)
        item: dict[str, Any] = {code: data[code] for code in codes if data.get(code) not in (None, "")}
        item.update({"JLBS": key, "BB": version, "ZT": label, "ZTSM": reason, "GXSJ": format_instant(updated_at)})
        out.write(("\n" if result.count == 0 else ",\n") + json.dumps(item, ensure_ascii=False, default=str))
        result.count += 1
        result.by_status[label] += 1
    out.write(f'\n], "count": {result.count}}}\n')


def _audit(result: ExportResult, *, actor: Any, category: Category, destination: str) -> None:
    since = format_instant(result.since) if result.since else None
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="records.exported",
            obj=category,
            summary=(
                f"导出 {result.category_name}（{result.category_code}）变更记录 {result.count} 条，"
                f"格式 {result.fmt}，至 {destination or '标准输出'}（交换至市公共信用信息平台，含完整证件号码）"
            ),
            after={
                "category": result.category_code,
                "since": since,
                "high_water_mark": format_instant(result.high_water_mark),
                "format": result.fmt,
                "count": result.count,
                "by_status": dict(result.by_status),
                "destination": destination or "stdout",
            },
        )
