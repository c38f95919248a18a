"""Speed of the keyed audit chain: appending events in bulk (the import path), verifying, anchoring.

Usage:
  .venv/bin/python bench/audit_speed.py [--events 100000] [--batch 20000] [--data-dir /tmp/xinyong-audit-speed]
                                        [--database-url postgres://…/xinyong_bench_audit]

A fresh database (SQLite in the data folder, whose content is replaced, or the given PostgreSQL database, whose
tables are dropped by the migrations' reset), `--events` events appended with `audit_record_many` in transactions
of `--batch` (as a list file of that many entries does), then `audit verify`, `audit anchor` and
`audit verify --anchor`. Prints the seconds of each and the rates.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--data-dir", default="/tmp/xinyong-audit-speed")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    data_dir = Path(args.data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    os.environ["XINYONG_DATA_DIR"] = str(data_dir)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from xinyong.audit.services import AuditItem, audit_anchor_write, audit_record_many, audit_verify

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; events: {args.events:,} in batches of {args.batch:,}")
    written = 0
    started = time.perf_counter()
    while written < args.events:
        n = min(args.batch, args.events - written)
        with transaction.atomic():
            audit_record_many(
                actor=None,
                items=[
                    AuditItem(
                        "lists.entry_imported",
                        object_type="lists.ListEntry",
                        object_id=str(written + i),
                        summary=f"某某有限公司{written + i}（失信被执行人，报送导入）",
                        after={"name": f"某某有限公司{written + i}", "status": "published", "kind": "court_defaulter"},
                    )
                    for i in range(n)
                ],
            )
        written += n
    append = time.perf_counter() - started
    print(f"append: {append:.2f} s, {args.events / append:,.0f} events/s ({append / args.events * args.batch:.2f} s "
          f"per batch of {args.batch:,})")
    started = time.perf_counter()
    broken = audit_verify()
    verify = time.perf_counter() - started
    print(f"verify: {verify:.2f} s, {verify / args.events * 100_000:.2f} s per 100,000 events; "
          f"{'intact' if broken is None else broken.reason}")
    started = time.perf_counter()
    anchor = audit_anchor_write(actor=None)
    print(f"anchor (verifies first): {time.perf_counter() - started:.2f} s -> {anchor.path}")
    started = time.perf_counter()
    broken = audit_verify(checkpoints=[anchor.anchor.checkpoint()])
    print(f"verify --anchor: {time.perf_counter() - started:.2f} s; {'intact' if broken is None else broken.reason}")


if __name__ == "__main__":
    main()
