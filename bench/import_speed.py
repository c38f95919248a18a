"""Import throughput: N synthetic admin_penalty rows through `import_file`, against a raw load of the same file.

Usage:
  .venv/bin/python bench/import_speed.py [--rows 1000000] [--database-url postgres://postgres@127.0.0.1:5432/xinyong_bench]

The CSV has the current 双公示 layout (about 25 columns) with about 2% of rows invalid in assorted ways. The script
prints end-to-end rows per second (read, check, store, timeliness), the peak resident memory of the process, and the
ratio to a raw load of the same file into a plain table of the same database with no checking, by the same bulk
path the import uses (COPY on PostgreSQL, one prepared INSERT run on SQLite): the physical limit on this machine. Without --database-url it uses a fresh SQLite file; with one, it uses (and empties) that database,
creating it on a local PostgreSQL server when missing.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

HEADER = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "行政相对人代码_2(工商注册号)",
    "行政相对人代码_3(组织机构代码)", "法定代表人", "证件类型", "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实",
    "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）",
    "暂扣或吊销证照名称及编号", "处罚决定日期", "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码",
    "数据来源单位", "数据来源单位统一社会信用代码", "备注",
]


def _prepare_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def _write_file(path: Path, rows: int, unit_name: str, unit_code: str) -> None:
    from xinyong.core.identifiers import make_resident_id, make_uscc

    rnd = random.Random(7)
    codes = [make_uscc("91", "320281", f"MA{i:06d}") for i in range(max(1000, rows // 10))]
    people = [make_resident_id("320281", dt.date(1960, 1, 1) + dt.timedelta(days=i * 7), i % 999 + 1) for i in range(2000)]
    start = dt.date(2020, 1, 2)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            day = start + dt.timedelta(days=rnd.randrange(300))
            if rnd.random() < 0.1:
                party = [f"某{i % 3000}", "自然人", "", "", "", "", "居民身份证", rnd.choice(people)]
            else:
                code = codes[i % len(codes)]
                party = [f"江阴市测试企业{i % len(codes)}有限公司", "法人及非法人组织", code, "", code[8:17], "某某", "", ""]
            # Facts and content differ row by row, as in real files; the legal basis and kinds repeat.
            fine = rnd.randrange(1, 500) / 10
            row = [
                *party, f"澄综执罚〔2020〕{i}号", "未按规定设置消防安全标志",
                f"经查，当事人于{day.month}月{day.day}日在{party[0]}经营场所未按规定设置消防安全标志（检查编号{i}）。",
                "《中华人民共和国消防法》第六十条", "警告、罚款", f"警告并处罚款人民币{fine}万元", str(fine), "", "",
                day.isoformat(),
                (day + dt.timedelta(days=365)).isoformat(), (day + dt.timedelta(days=365)).isoformat(), unit_name,
                unit_code, unit_name, unit_code, "",
            ]
            if rnd.random() < 0.02:
                _spoil(rnd, row)
            writer.writerow(row)


def _spoil(rnd: random.Random, row: list[str]) -> None:
    kind = rnd.randrange(6)
    if kind == 0 and row[2]:
        row[2] = row[2][:-1] + ("0" if row[2][-1] != "0" else "1")  # check character
    elif kind == 1:
        row[17] = "2020年2月30日"  # impossible date
    elif kind == 2:
        row[8] = ""  # missing document number
    elif kind == 3:
        row[14] = "-1"  # negative fine
    elif kind == 4:
        row[17] = "2031-01-01"  # decision after submission
    else:
        row[14] = ""  # 罚款 without an amount


def _raw_load(path: Path) -> float:
    """The same file into a plain table: csv module + one prepared INSERT, no checks."""
    from django.db import connection, transaction

    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw")
        cursor.execute(f"CREATE TABLE bench_raw ({columns})")
    from xinyong.core.bulk import insert_rows

    started = time.perf_counter()
    names = [f"c{i}" for i in range(len(HEADER))]
    with transaction.atomic(), path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        while chunk := [row + [""] * (len(HEADER) - len(row)) for _, row in zip(range(5000), reader, strict=False)]:
            insert_rows("bench_raw", names, chunk)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", default="", help="write a cProfile of the import to this file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="xinyong-bench-"))
    os.environ["XINYONG_DATA_DIR"] = str(work)
    os.environ["XINYONG_IMPORT_MAX_BYTES"] = str(4 * 1024**3)
    if args.database_url:
        _prepare_database(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from xinyong.core.clock import LOCAL_TZ
    from xinyong.intake.services import import_file
    from xinyong.org.models import Unit

    call_command("setup", verbosity=0)
    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
        call_command("setup", verbosity=0)
    unit = Unit.objects.get(code="zhzfj")
    path = work / "penalties.csv"
    _write_file(path, args.rows, unit.name, unit.uscc)
    size_mb = path.stat().st_size / 1e6
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = import_file(
        path=path,
        category_code="admin_penalty",
        department=unit,
        submitted_at=dt.datetime(2020, 12, 31, 10, tzinfo=LOCAL_TZ),
    )
    elapsed = time.perf_counter() - started
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Large files are checked in a forked child process (XINYONG_IMPORT_PARALLEL_BYTES); its peak counts too.
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    raw = _raw_load(path)
    print(f"database={connection.vendor} rows={result.rows} accepted={result.accepted} rejected={result.rejected} "
          f"late={result.late} file={size_mb:.0f}MB")
    print(f"import: {elapsed:.1f}s, {result.rows / elapsed:,.0f} rows/s; peak RSS {peak_mb:.0f} MB "
          f"(checking child process: {child_mb:.0f} MB)")
    print(f"raw load of the same file: {raw:.1f}s, {result.rows / raw:,.0f} rows/s; import/raw time ratio {elapsed / raw:.1f}")


if __name__ == "__main__":
    main()
