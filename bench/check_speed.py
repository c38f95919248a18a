"""Speed of the joint reward and punishment check (联合奖惩核查) against list entries stored in the database
(issue 5, Speed): the real service `xinyong.lists.services.check_subject` / `check_batch`, not an in-memory index.

Usage:
  XINYONG_DATA_DIR=/tmp/bench_check .venv/bin/python bench/check_speed.py [--entries 1000000] [--subjects 500000]
      [--checks 500] [--batch 10000] [--database-url postgres://postgres@127.0.0.1:5432/xinyong_bench_check]
      [--batch-budget 900] [--keep] [--profile [--profile-checks 100]] [--seed 7]

What it does:
1. A fresh database: without --database-url, a new SQLite file `check_speed.sqlite3` in the data folder
   (`--data-dir`, else $XINYONG_DATA_DIR, else /tmp/xinyong-check-speed); with it, that PostgreSQL database is
   dropped and created again (it must be a database for this benchmark only, e.g. xinyong_bench_check).
   `--keep` reuses the database (and the query pools saved beside it) of an earlier run instead.
2. What `xinyong setup` does (migrate, organisation, catalog, `lists_load`), and a handling officer (经办人员 of
   政务服务中心) created as the lists tests create one.
3. `--entries` synthetic list entries (`xinyong.lists.variants.make_companies`: names like
   江阴市利港恒远机械有限公司, 85 % with a USCC that passes its checksums) spread over the shipped list kinds,
   95 % published (active), 3 % exited, 2 % recognised and not yet published; `name_key` is
   `matching.match_keys(name)[0]`, as `entry_recognise` computes it. `--subjects` registered subjects, a fifth of
   them listed companies (their entries linked to them, as `entry_recognise` links by USCC), the rest other
   companies. Both go in by raw bulk inserts (`xinyong.core.bulk.insert_rows`: COPY on PostgreSQL, one prepared
   INSERT run on SQLite), then ANALYZE on PostgreSQL (SQLite is not analyzed: the platform never does it).
4. Timed through `check_subject` (each check logged and audited, as in production), after a short warm-up:
   `--checks` single checks by code (listed USCCs, registered unlisted subjects' USCCs, valid unknown USCCs),
   `--checks` single checks by name (listed names as written, name variants of listed companies from
   `xinyong.lists.variants.labelled_pairs`, unlisted subjects' names), and one `check_batch` of `--batch` names.
   The matter of each check is drawn from all matters. A batch expected to take longer than --batch-budget
   seconds is run for as many names as fit (at least 20) and extrapolated, and says so.
5. Prints the figures beside the targets (code p95 < 20 ms, name p95 < 100 ms, batch of 10,000 names < 30 s), the
   database, the load average before and after (the machine may be shared) and the peak RSS of this process.

`--profile` runs `--profile-checks` of the name checks a second time (not counted in the figures above) under
cProfile and prints the top 25 functions by cumulative time, the time per check spent in each stage of the
service (subject lookup, candidate retrieval, scoring, record hits, audit), the SQL statements by total execution
time and the plans of the costliest; then the stages and SQL of as many code checks.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import io
import json
import os
import pstats
import random
import re
import resource
import statistics
import sys
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = "/tmp/xinyong-check-speed"
DEFAULT_PG_NAME = "xinyong_bench_check"
CHUNK = 50_000
PURPOSE = "性能测试：联合奖惩核查"

TARGET_CODE_P95_MS = 20.0
TARGET_NAME_P95_MS = 100.0
TARGET_BATCH_S = 30.0
TARGET_BATCH_SIZE = 10_000


# ------------------------------------------------------------------------------------------------------------
# small helpers


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _percentile(ordered: Sequence[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} CPUs)"


def _verdict(value: float, target: float) -> str:
    return "meets target" if value < target else "MISSES target"


@dataclass
class Timings:
    seconds: list[float] = field(default_factory=list)
    hits: list[int] = field(default_factory=list)

    def line(self, target_ms: float) -> str:
        ordered = sorted(self.seconds)
        p50, p95 = _percentile(ordered, 0.50), _percentile(ordered, 0.95)
        hits = sum(self.hits) / len(self.hits)
        return (
            f"p50 {_ms(p50)}  p95 {_ms(p95)}  max {_ms(ordered[-1])}  (n={len(ordered)}, "
            f"mean hits {hits:.2f})   target p95 < {target_ms:.0f} ms: {_verdict(p95 * 1000, target_ms)}"
        )


# ------------------------------------------------------------------------------------------------------------
# the database


def _prepare_postgres(url: str, *, keep: bool) -> None:
    import psycopg

    name = urllib.parse.urlparse(url).path.lstrip("/")
    if not name or name in {"postgres", "template0", "template1"}:
        raise SystemExit(f"--database-url must name a database for this benchmark only, not {name!r}")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if keep and exists:
            return
        if keep:
            raise SystemExit(f"--keep: database {name} does not exist; run once without --keep")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _environment(args: argparse.Namespace) -> Path:
    """Point Django at the benchmark's own database; returns the file the query pools are kept in."""
    data_dir = Path(args.data_dir or os.environ.get("XINYONG_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["XINYONG_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "xinyong.settings"
    os.environ["DEBUG"] = "0"
    os.environ.pop("XINYONG_NOW", None)  # the real clock, as in production
    if args.database_url:
        _prepare_postgres(args.database_url, keep=args.keep)
        os.environ["DATABASE_URL"] = args.database_url
        name = urllib.parse.urlparse(args.database_url).path.lstrip("/")
        return data_dir / f"check_speed_{name}.json"
    database = data_dir / "check_speed.sqlite3"
    if args.keep and not database.exists():
        raise SystemExit(f"--keep: {database} does not exist; run once without --keep")
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    return data_dir / "check_speed_sqlite.json"


def _describe_database() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
        return f"PostgreSQL {version}, database {connection.settings_dict['NAME']} ({size})"
    import sqlite3

    path = Path(connection.settings_dict["NAME"])
    size = path.stat().st_size / 1024**2 if path.exists() else 0.0
    return f"SQLite {sqlite3.sqlite_version}, {path} ({size:,.0f} MB)"


# ------------------------------------------------------------------------------------------------------------
# synthetic data


@dataclass
class Pools:
    """What the checks are drawn from; saved beside the database so that --keep needs no regeneration."""

    listed: list[tuple[str, str]]  # (name, uscc) of published entries; uscc '' when listed without one
    variants: list[tuple[str, str, bool]]  # (name, kind, same subject) of published entries
    unlisted: list[tuple[str, str]]  # (name, uscc) of registered subjects on no list
    unknown_codes: list[str]  # valid USCCs nobody has
    entries: int
    subjects: int

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Pools:
        if not path.exists():
            raise SystemExit(f"--keep: {path} is missing; run once without --keep")
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            listed=[(n, c) for n, c in data["listed"]],
            variants=[(n, k, bool(s)) for n, k, s in data["variants"]],
            unlisted=[(n, c) for n, c in data["unlisted"]],
            unknown_codes=list(data["unknown_codes"]),
            entries=int(data["entries"]),
            subjects=int(data["subjects"]),
        )


class Columns:
    """The columns of a model's table, with every value not given per row taken from the field's default,
    adapted for the database once (so that a column added to the model later does not break the benchmark)."""

    def __init__(self, model: Any, varying: Sequence[str]) -> None:
        from django.db import connection

        fields = model._meta.concrete_fields
        by_attname = {f.attname: f for f in fields}
        unknown = [name for name in varying if name not in by_attname]
        if unknown:
            raise SystemExit(f"{model._meta.label} has no columns {unknown}: update bench/check_speed.py")
        self.table: str = model._meta.db_table
        self.varying = list(varying)
        self.constant: dict[str, Any] = {}
        for f in fields:
            if f.attname in varying:
                continue
            if not f.null and not f.has_default() and not f.empty_strings_allowed:
                raise SystemExit(f"{model._meta.label}.{f.attname} needs a value: update bench/check_speed.py")
            self.constant[f.column] = f.get_db_prep_save(f.get_default(), connection)
        self.names = [by_attname[name].column for name in varying] + list(self.constant)
        self._tail = tuple(self.constant.values())

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        from xinyong.core.bulk import insert_rows

        insert_rows(self.table, self.names, [(*row, *self._tail) for row in rows])


@functools.cache
def _date(day: dt.date) -> Any:
    from django.db import connection

    return connection.ops.adapt_datefield_value(day)


@functools.cache
def _moment(day: dt.date) -> Any:
    from django.db import connection
    from django.utils import timezone

    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
    return connection.ops.adapt_datetimefield_value(at)


def _chunks(rows: Iterator[tuple[Any, ...]], size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _generate(args: argparse.Namespace) -> Pools:
    """Subjects and list entries by raw bulk inserts; returns the pools the checks are drawn from."""
    from django.db import connection, transaction

    from xinyong.core import clock
    from xinyong.core.names import org_name_key
    from xinyong.lists import matching
    from xinyong.lists.models import EntryStatus, ExitReason, ListEntry, ListKind
    from xinyong.lists.variants import labelled_pairs, make_companies, other_code
    from xinyong.subjects.models import Subject, SubjectKind

    rng = random.Random(args.seed)
    today = clock.today()
    started = time.perf_counter()
    listed = make_companies(args.entries, seed=args.seed, code_letter="M")
    registered_count = min(args.subjects // 5, sum(1 for c in listed if c.uscc))
    others = make_companies(args.subjects - registered_count, seed=args.seed + 1, code_letter="N")
    print(
        f"generated {len(listed):,} listed and {len(others):,} other companies in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )

    # Subjects: a fifth are listed companies (with a USCC, so that their entries link to them), then the rest.
    registered = rng.sample([c.index for c in listed if c.uscc], registered_count)
    subject_of: dict[int, int] = {index: n for n, index in enumerate(registered, 1)}
    now = _moment(today)
    columns = Columns(Subject, ["id", "kind", "name", "name_key", "uscc", "created_at", "updated_at"])

    def subject_rows() -> Iterator[tuple[Any, ...]]:
        for n, company in enumerate([*(listed[i] for i in registered), *others], 1):
            name = company.name
            yield (n, SubjectKind.ENTERPRISE.value, name, org_name_key(name), company.uscc or None, now, now)

    started = time.perf_counter()
    for chunk in _chunks(subject_rows()):
        with transaction.atomic():
            columns.insert(chunk)
    print(f"inserted {args.subjects:,} subjects in {time.perf_counter() - started:.0f} s", flush=True)

    # Entries: kinds weighted towards the black lists, as a credit office's lists are.
    kinds = list(ListKind.objects.order_by("pk").values_list("pk", "list_type", "recognising_department",
                                                              "legal_basis", "period_years"))
    weights = [{"black": 10, "watch": 3, "red": 2}.get(kind[1], 1) for kind in kinds]
    columns = Columns(
        ListEntry,
        [
            "id", "kind_id", "subject_id", "name", "name_key", "uscc", "decision_document",
            "recognising_department", "legal_basis", "notice_date", "published_on", "planned_exit", "status",
            "exited_at", "exit_reason", "created_at",
        ],
    )
    published: list[int] = []

    def entry_rows() -> Iterator[tuple[Any, ...]]:
        for company in listed:
            kind_id, _, department, basis, years = rng.choices(kinds, weights)[0]
            notice = today - dt.timedelta(days=rng.randrange(30, 365 * 2))
            roll = rng.random()
            status, published_on, exit_on, exited_at, reason = EntryStatus.PUBLISHED.value, None, None, None, ""
            if roll < 0.02:
                status = EntryStatus.RECOGNISED.value
            else:
                published_on = notice + dt.timedelta(days=15)
                # Planned exit after today: an active entry (the exited ones are flagged as exited instead).
                exit_on = _date(max(published_on + dt.timedelta(days=365 * (years or 3)), today + dt.timedelta(days=1)))
                if roll < 0.05:
                    status, exited_at, reason = EntryStatus.EXITED.value, now, ExitReason.REPAIR.value
                else:
                    published.append(company.index)
                published_on = _date(published_on)
            name = company.name
            yield (
                company.index + 1, kind_id, subject_of.get(company.index), name, matching.match_keys(name)[0],
                company.uscc, f"（{notice.year}）苏0281执{company.index + 1000}号", department, basis,
                _date(notice), published_on, exit_on, status, exited_at, reason, _moment(notice),
            )

    started = time.perf_counter()
    for n, chunk in enumerate(_chunks(entry_rows()), 1):
        with transaction.atomic():
            columns.insert(chunk)
        if n % 4 == 0:
            print(f"  {n * CHUNK:,} entries ({time.perf_counter() - started:.0f} s)", flush=True)
    print(f"inserted {args.entries:,} entries (keys computed) in {time.perf_counter() - started:.0f} s", flush=True)

    if connection.vendor == "postgresql":
        from django.core.management.color import no_style

        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [Subject, ListEntry]):
                cursor.execute(statement)
        # Autovacuum would analyze the new tables soon; do it now. SQLite is left as the platform leaves it: it
        # never runs ANALYZE (and the plans of the check's queries do not depend on it).
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"ANALYZE in {time.perf_counter() - started:.0f} s", flush=True)

    sample = [listed[i] for i in rng.sample(published, min(len(published), 3000))]
    variants = [
        (p.query_name, p.kind, p.same)
        for p in labelled_pairs(sample[:1500], seed=args.seed)
        if p.query_name and p.query_name != p.company.name
    ]
    unlisted_sample = rng.sample(others, min(len(others), 3000))
    return Pools(
        listed=[(c.name, c.uscc) for c in sample],
        variants=variants,
        unlisted=[(c.name, c.uscc) for c in unlisted_sample],
        unknown_codes=[other_code(c) for c in rng.sample(listed, min(len(listed), 1000))],
        entries=args.entries,
        subjects=args.subjects,
    )


def _handler() -> Any:
    """A handling officer (经办人员) of 政务服务中心, as xinyong/lists/tests/conftest.py makes one."""
    from xinyong.org.models import Role, Unit, User
    from xinyong.org.services import user_create

    found = User.objects.filter(username="bench_handler").first()
    if found is not None:
        return found
    unit = Unit.objects.get(code="zwfwzx")
    return user_create(
        username="bench_handler",
        password="Xinyong-bench-2020",
        display_name="核查性能测试",
        unit=unit,
        roles=[(Role.HANDLER, unit)],
        actor=None,
    )


# ------------------------------------------------------------------------------------------------------------
# the queries


def _code_queries(pools: Pools, rng: random.Random, count: int) -> list[str]:
    """40 % listed USCCs, 40 % registered subjects on no list, 20 % valid USCCs nobody has."""
    listed = [code for _, code in pools.listed if code]
    unlisted = [code for _, code in pools.unlisted if code]
    out = []
    for _ in range(count):
        roll = rng.random()
        out.append(rng.choice(listed if roll < 0.4 else unlisted if roll < 0.8 else pools.unknown_codes))
    return out


def _name_queries(pools: Pools, rng: random.Random, count: int) -> list[str]:
    """30 % listed names as written, 30 % variants of listed names (same subject or a near miss), 40 % names of
    registered subjects on no list."""
    out = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.3:
            out.append(rng.choice(pools.listed)[0])
        elif roll < 0.6:
            out.append(rng.choice(pools.variants)[0])
        else:
            out.append(rng.choice(pools.unlisted)[0])
    return out


def _run_checks(
    actor: Any, matters: Sequence[str], queries: Sequence[str], *, by: str, rng: random.Random
) -> Timings:
    from xinyong.lists.services import check_subject

    timings = Timings()
    for query in queries:
        matter = rng.choice(matters)
        code, name = (query, None) if by == "code" else (None, query)
        start = time.perf_counter()
        result = check_subject(actor=actor, matter=matter, purpose=PURPOSE, code=code, name=name)
        timings.seconds.append(time.perf_counter() - start)
        timings.hits.append(len(result.hits))
    return timings


# ------------------------------------------------------------------------------------------------------------
# profiling


class StageTimer:
    """Wraps functions of the service's modules (in this process only) to add up the time spent in each."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name, None)
        if original is None:  # the service was reorganised: that stage is not shown
            return

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.totals[label] += time.perf_counter() - start
                self.calls[label] += 1

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def restore(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


class SqlTimer:
    """Execution time of each SQL statement shape (IN lists collapsed). On SQLite a statement's rows are
    stepped while they are fetched, after execute() returns: there, a scan's cost shows in its stage above."""

    def __init__(self) -> None:
        self.stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        self.slowest: dict[str, tuple[float, str, Any]] = {}  # shape → (seconds, sql, params) of its slowest run

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - start
            shape = re.sub(r"(%s|\?)(, (%s|\?))+", "%s, …", sql)
            entry = self.stats[shape]
            entry[0] += 1
            entry[1] += elapsed
            if elapsed > entry[2]:
                entry[2] = elapsed
                self.slowest[shape] = (elapsed, sql, params)


def _profile(
    actor: Any, matters: Sequence[str], queries: Sequence[str], *, by: str, rng: random.Random, cprofile: bool
) -> None:
    from django.db import connection

    from xinyong.lists import matching, services

    stages = StageTimer()
    from xinyong.lists import penalties, retrieval, screening

    stages = StageTimer()
    stages.wrap(screening, "resolve_subjects", "subject lookup (screening.resolve_subjects)")
    stages.wrap(retrieval, "candidates_many", "candidate retrieval (retrieval.candidates_many)")
    stages.wrap(retrieval, "fragment_ids", "  of which fragment path (retrieval.fragment_ids)")
    stages.wrap(matching, "screen", "scoring (matching.screen)")
    stages.wrap(screening, "measures_for", "measures (measures_for)")
    stages.wrap(penalties, "record_measures", "record hits' measures (penalties.record_measures)")
    stages.wrap(services, "record_hits_many", "record hits (penalties.record_hits_many)")
    stages.wrap(services, "audit_record", "audit event (audit_record)")
    stages.wrap(screening, "screen", "screening in all (screening.screen)")
    sql = SqlTimer()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    try:
        with connection.execute_wrapper(sql):
            if cprofile:
                profiler.enable()
            _run_checks(actor, matters, queries, by=by, rng=rng)
            profiler.disable()
    finally:
        stages.restore()
    wall = time.perf_counter() - started
    n = len(queries)

    under = "under cProfile" if cprofile else "stages and SQL timed"
    print(f"\n== profile of {n} checks by {by} (run again, {under}: {wall / n * 1000:.1f} ms per check)")
    if cprofile:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue().rstrip())

    print("\n-- time per check by stage (wrapped functions; the profiler's overhead is included)")
    for label, total in sorted(stages.totals.items(), key=lambda item: -item[1]):
        print(f"  {label:45s} {total / n * 1000:8.2f} ms per check  ({stages.calls[label]} calls)")

    print("\n-- SQL statements by total execution time (top 12), with the plan of the 3 costliest")
    ranked = sorted(sql.stats.items(), key=lambda item: -item[1][1])[:12]
    for rank, (shape, (count, total, worst)) in enumerate(ranked):
        text = re.sub(r"^SELECT .+? FROM ", "SELECT … FROM ", " ".join(shape.split()))
        print(
            f"  {total / n * 1000:8.2f} ms per check  {int(count):6d} runs  mean {total / count * 1000:7.2f} ms"
            f"  max {worst * 1000:7.1f} ms\n      {text[:600]}"
        )
        if rank < 3 and text.startswith("SELECT"):
            _, statement, params = sql.slowest[shape]
            print(f"      params of the slowest run: {str(params)[:300]}")
            for line in _explain(statement, params):
                print(f"      | {line}")


def _explain(statement: str, params: Any) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN QUERY PLAN " + statement, params)
        return [str(row[-1]) for row in cursor.fetchall()]


# ------------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--subjects", type=int, default=500_000)
    parser.add_argument("--checks", type=int, default=500, help="single checks timed, by code and by name")
    parser.add_argument("--batch", type=int, default=TARGET_BATCH_SIZE, help="names in the timed check_batch")
    parser.add_argument(
        "--database-url", default="", help=f"PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/{DEFAULT_PG_NAME}"
    )
    parser.add_argument("--data-dir", default="", help=f"default: $XINYONG_DATA_DIR, else {DEFAULT_DATA_DIR}")
    parser.add_argument(
        "--batch-budget",
        type=float,
        default=900.0,
        help="seconds: a batch expected (from the single name checks) to take longer is run in part and extrapolated",
    )
    parser.add_argument("--keep", action="store_true", help="reuse the database generated by an earlier run")
    parser.add_argument("--profile", action="store_true", help="cProfile the name checks (run again, untimed)")
    parser.add_argument("--profile-checks", type=int, default=100, help="name (and code) checks profiled")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    pools_file = _environment(args)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from xinyong.catalog.services import catalog_load_bundled
    from xinyong.lists.models import ListEntry, Matter
    from xinyong.lists.selectors import active_entries
    from xinyong.lists.services import check_batch, lists_load
    from xinyong.org.services import org_load_config
    from xinyong.subjects.models import Subject

    print(f"check speed: python {sys.version.split()[0]}; load average {_load()}", flush=True)
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if args.keep:
        pools = Pools.read(pools_file)
        print(f"kept the database of an earlier run ({pools.entries:,} entries, {pools.subjects:,} subjects)")
    else:
        # What `xinyong setup` does after migrate.
        org_load_config()
        catalog_load_bundled()
        lists_load()
        pools = _generate(args)
        pools.save(pools_file)
        print(f"database ready in {time.perf_counter() - started:.0f} s; query pools in {pools_file}", flush=True)
    actor = _handler()
    entries, active, subjects = ListEntry.objects.count(), active_entries().count(), Subject.objects.count()
    print(f"database: {_describe_database()}")
    print(f"  {entries:,} list entries ({active:,} active), {subjects:,} subjects; peak RSS {_rss_mb():,.0f} MB")

    matters = list(Matter.values)
    rng = random.Random(args.seed + 100)
    code_queries = _code_queries(pools, rng, args.checks)
    name_queries = _name_queries(pools, rng, args.checks)
    batch_names = _name_queries(pools, rng, args.batch)

    # Warm-up: the matcher's tables (place names, traditional characters) and the database's caches.
    _run_checks(actor, matters, _code_queries(pools, rng, 20), by="code", rng=rng)
    _run_checks(actor, matters, _name_queries(pools, rng, 20), by="name", rng=rng)

    load_before = _load()
    by_code = _run_checks(actor, matters, code_queries, by="code", rng=rng)
    by_name = _run_checks(actor, matters, name_queries, by="name", rng=rng)
    # A batch that would take hours is run in part (as many names as the budget allows) and extrapolated.
    expected = statistics.fmean(by_name.seconds) * len(batch_names)
    ran = batch_names
    if expected > args.batch_budget:
        ran = batch_names[: max(20, int(len(batch_names) * args.batch_budget / expected))]
    start = time.perf_counter()
    results = check_batch(actor=actor, matter=Matter.PROCUREMENT, purpose=PURPOSE, rows=[(n, "") for n in ran])
    batch_seconds = (time.perf_counter() - start) * len(batch_names) / len(ran)
    batch_hits = sum(len(r.hits) for r in results)
    load_after = _load()

    batch_target = TARGET_BATCH_S * len(batch_names) / TARGET_BATCH_SIZE
    print(f"\n== joint reward and punishment check through xinyong.lists.services ({_describe_database()})")
    print(f"entries {entries:,} ({active:,} active); subjects {subjects:,}; every check logged and audited")
    print(f"single check by code:  {by_code.line(TARGET_CODE_P95_MS)}")
    print(f"single check by name:  {by_name.line(TARGET_NAME_P95_MS)}")
    how = (
        f"{len(batch_names):,} names run, {batch_hits:,} hits"
        if len(ran) == len(batch_names)
        else f"EXTRAPOLATED from the first {len(ran):,} names ({batch_hits:,} hits): over --batch-budget"
    )
    print(
        f"batch of {len(batch_names):,} names (check_batch): {batch_seconds:.1f} s "
        f"({batch_seconds / len(batch_names) * 1000:.2f} ms per name; {how})   "
        f"target < {batch_target:.4g} s: {_verdict(batch_seconds, batch_target)}"
    )
    print(f"load average before the timed checks {load_before}; after {load_after}")
    print(f"peak RSS {_rss_mb():,.0f} MB")

    if args.profile:
        count = min(len(name_queries), args.profile_checks)
        _profile(actor, matters, name_queries[:count], by="name", rng=random.Random(args.seed + 200), cprofile=True)
        _profile(actor, matters, code_queries[:count], by="code", rng=random.Random(args.seed + 300), cprofile=False)


if __name__ == "__main__":
    main()
