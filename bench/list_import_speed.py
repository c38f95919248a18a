"""Speed of a list file through the intake path: the court's 失信被执行人 file, its rows mirrored into list entries
(each audited) and screened against the watched subjects.

Usage:
  .venv/bin/python bench/list_import_speed.py [--rows 20000] [--watches 300] [--data-dir /tmp/xinyong-list-import]

A fresh SQLite database in the data folder (its content is replaced), `xinyong setup`, `--watches` watched
companies (the first ones of the file, so that they are listed by it), then `import_file` of a court file of
`--rows` synthetic companies (`xinyong.lists.variants.make_companies`; about 15 % have no USCC and are refused,
as a court row without a code or id number would be). Prints the rows, accepted, rejected, entries, alerts, the
seconds, rows per second and whether the audit chain verifies.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["被执行人姓名/名称", "统一社会信用代码", "执行法院", "案号", "立案时间", "发布时间", "失信被执行人行为具体情形"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--watches", type=int, default=300)
    parser.add_argument("--data-dir", default="/tmp/xinyong-list-import")
    args = parser.parse_args()
    data_dir = Path(args.data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    os.environ["XINYONG_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from xinyong.audit.services import audit_verify
    from xinyong.core import clock
    from xinyong.intake.services import import_file
    from xinyong.lists.models import Alert, ListEntry
    from xinyong.lists.monitoring import watches_add
    from xinyong.lists.variants import make_companies
    from xinyong.org.models import Unit

    call_command("setup", verbosity=0)
    companies = make_companies(args.rows, seed=5)
    path = data_dir / "失信被执行人名单.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i, c in enumerate(companies):
            writer.writerow([c.name, c.uscc, "江阴市人民法院", f"（2026）苏0281执{10000 + i}号", "2026-06-01",
                             "2026-09-01", "有履行能力而拒不履行生效法律文书确定义务"])
    with transaction.atomic():
        watches_add(actor=None, department=Unit.objects.get(code="czzcglj"), reason="专项资金拟扶持企业",
                    rows=[(c.name, "") for c in companies[: args.watches]])
    started = time.perf_counter()
    result = import_file(path=path, category_code="black_list", department=Unit.objects.get(code="jjfzk"),
                         submitted_at=clock.now())
    seconds = time.perf_counter() - started
    print(f"list import: rows={result.rows:,} accepted={result.accepted:,} rejected={result.rejected:,} "
          f"entries={ListEntry.objects.count():,} alerts={Alert.objects.count():,} watches={args.watches}")
    print(f"{seconds:.1f} s, {result.rows / seconds:,.0f} rows/s; audit chain "
          f"{'verifies' if audit_verify() is None else 'BROKEN'}")


if __name__ == "__main__":
    main()
