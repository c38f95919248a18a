"""Import throughput: N synthetic admin_penalty rows (about 2% invalid) as CSV, through `import_file`.

Usage: .venv/bin/python bench/import_speed.py [--rows 100000] [--database-url URL]
Prints rows per second end to end (read, check, store) and the peak resident memory of the process.
Issue 3 extends this to 1,000,000 rows with a raw-load baseline.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="xinyong-bench-"))
    os.environ["XINYONG_DATA_DIR"] = str(work)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    from django.core.management import call_command

    from xinyong.core.clock import LOCAL_TZ
    from xinyong.core.identifiers import make_uscc
    from xinyong.intake.services import import_file
    from xinyong.ops.demo_data import PENALTY_HEADER
    from xinyong.org.models import Unit

    call_command("setup", verbosity=0)
    unit = Unit.objects.get(code="zhzfj")
    rnd = random.Random(7)
    codes = [make_uscc("91", "320281", f"MA{i:06d}") for i in range(max(1000, args.rows // 10))]
    path = work / "penalties.csv"
    start_day = dt.date(2020, 1, 2)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PENALTY_HEADER)
        for i in range(args.rows):
            day = start_day + dt.timedelta(days=rnd.randrange(300))
            code = rnd.choice(codes)
            if rnd.random() < 0.02:
                code = code[:-1] + ("0" if code[-1] != "0" else "1")
            writer.writerow([
                f"江阴市测试企业{i % 5000}有限公司", "法人及非法人组织", code, "某某", "", "", f"澄综执罚〔2020〕{i}号",
                "未按规定设置消防安全标志", "经查属实", "《中华人民共和国消防法》第六十条", "警告、罚款", "警告并罚款",
                "1.5", day.isoformat(), (day + dt.timedelta(days=365)).isoformat(), unit.name, unit.uscc, unit.name,
                unit.uscc,
            ])
    size_mb = path.stat().st_size / 1e6
    started = time.perf_counter()
    result = import_file(
        path=path, category_code="admin_penalty", department=unit,
        submitted_at=dt.datetime(2020, 12, 31, 10, tzinfo=LOCAL_TZ),
    )
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows={result.rows} accepted={result.accepted} rejected={result.rejected} file={size_mb:.1f}MB")
    print(f"elapsed={elapsed:.2f}s rows_per_second={result.rows / elapsed:,.0f} peak_rss={peak_mb:.0f}MB")


if __name__ == "__main__":
    main()
