"""Speed of the public portal and public API under 20 concurrent clients, against a trivial endpoint of the same server.

Usage:
  .venv/bin/python bench/portal_speed.py [--records 1000000] [--subjects 200000]
      [--database-url postgres://postgres@127.0.0.1:5432/xinyong_bench_portal] [--clients 20] [--seconds 15]
      [--workers 2] [--threads 4] [--reuse]

What it does:
1. A fresh database: with --database-url, that PostgreSQL database is dropped and created again (it must be a
   database for this benchmark only, e.g. xinyong_bench_portal); without it, a new SQLite file in a temporary folder.
2. `xinyong setup`, then synthetic 行政处罚 files through the real import path (`import_file`: checks, subjects
   registered from the rows, publicity periods computed as for any import): `--subjects` parties (enterprises with
   names like 江阴市利港恒远机械有限公司 and valid USCCs, 个体工商户, a few natural persons) and `--records` decisions
   spread over the last seven years, so that some are in public view and most have left it (period over, minor
   penalties not published, 1 % revoked).
3. gunicorn (`--workers` processes × `--threads` threads, gthread; the default 2 × 4 suits 2 cores: the threads
   overlap database waits, the processes use both cores) on that database, with the rate limits raised so that they
   are computed on every request but never refuse.
4. An asyncio load generator (standard library only, HTTP/1.1 keep-alive) with `--clients` connections, each
   sending its next request as soon as the previous answer arrives, for `--seconds` per scenario after a warm-up:
   the trivial endpoint /api/v1/public/ping, public search as a page and through the API (a mix of USCC in
   either case, exact names and name fragments), and the subject page as HTML and through the API.
   It prints p50/p95/p99 latency, requests per second, errors, and each scenario's throughput and p95 relative to
   the trivial endpoint (the framework's own ceiling on this machine).

The load generator runs on the same machine and takes CPU from the server; the trivial endpoint pays the same tax,
which is what the ratio is for. Target (issue 4): p95 < 100 ms and >= 300 requests/s for search and subject page.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG_NAME = "xinyong_bench_portal"

HEADER = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "法定代表人", "证件类型", "证件号码",
    "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）",
    "暂扣或吊销证照名称及编号", "处罚决定日期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
    "数据来源单位统一社会信用代码",
]

# Synthetic names in the style of the place: region + 字号 (two characters) + industry + legal form.
REGIONS = ["江阴市利港", "江阴市申港", "江阴市夏港", "江阴市璜土", "江阴市", "无锡市", "江苏"]
REGION_WEIGHTS = [40, 12, 10, 10, 15, 8, 5]
BRAND_CHARS = (
    "恒远宏达永盛鑫华泰丰瑞祥兴隆昌茂盈信诚德和顺通宝金银益新亚海天润嘉佳明辉耀腾飞龙凤嘉禾康源长江澄利港申夏璜"
    "东南西北中正大富贵福安平建立成创联合众友邦博达威豪锦程远航捷迅凯旋欣荣裕丰晟昊晨阳光"
)
INDUSTRIES = [
    "机械", "纺织", "化工", "五金", "电子", "建材", "物流", "食品", "塑业", "金属制品", "钢结构", "服饰", "新材料",
    "包装", "船舶配件", "环保科技", "机电设备", "汽车配件", "不锈钢", "石化", "粮油", "木业", "印务", "电器",
]
FORMS = ["有限公司", "有限公司", "有限责任公司", "股份有限公司"]
SHOP_FORMS = ["经营部", "商店", "加工厂", "修理部", "饭店"]
OFFENCES = [
    ("未按规定设置消防安全标志", "《中华人民共和国消防法》第六十条"),
    ("未依法取得排污许可证排放污染物", "《排污许可管理条例》第三十三条"),
    ("生产经营不符合食品安全标准的食品", "《中华人民共和国食品安全法》第一百二十四条"),
    ("未按规定对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条"),
    ("擅自占用城市道路", "《城市道路管理条例》第四十二条"),
]
# Kinds and how often: minor (警告), general (罚款), serious (吊销, 停产停业) under the publicity rules.
KINDS = [("警告", 20), ("警告、罚款", 35), ("罚款", 30), ("罚款、吊销许可证件", 8), ("责令停产停业", 7)]

SCENARIOS = ["ping", "search_page", "search_api", "subject_page", "subject_api"]


def _uscc_body(i: int) -> str:
    from xinyong.core.identifiers import USCC_ALPHABET

    digits = []
    for _ in range(6):
        i, rest = divmod(i, 31)
        digits.append(USCC_ALPHABET[rest])
    return "MA" + "".join(reversed(digits))


def _subjects(n: int, rnd: random.Random) -> list[tuple[str, str, str]]:
    """(name, 行政相对人类别, code) of n distinct parties; a code is a USCC, or an ID number for a person."""
    from xinyong.core.identifiers import make_resident_id, make_uscc

    names: set[str] = set()
    out: list[tuple[str, str, str]] = []
    i = 0
    while len(out) < n:
        i += 1
        roll = rnd.random()
        if roll < 0.03:
            birth = dt.date(1955, 1, 1) + dt.timedelta(days=rnd.randrange(365 * 45))
            out.append((f"某{len(out)}", "自然人", make_resident_id("320281", birth, rnd.randrange(1, 999))))
            continue
        brand = "".join(rnd.sample(BRAND_CHARS, 2))
        industry = rnd.choice(INDUSTRIES)
        region = rnd.choices(REGIONS, REGION_WEIGHTS)[0]
        shop = roll < 0.11
        name = f"{region}{brand}{industry}{rnd.choice(SHOP_FORMS) if shop else rnd.choice(FORMS)}"
        if name in names:
            continue
        names.add(name)
        code = make_uscc("92" if shop else "91", "320281", _uscc_body(i))
        out.append((name, "个体工商户" if shop else "法人及非法人组织", code))
    return out


def _write_files(folder: Path, parties: list[tuple[str, str, str]], records: int, units: list, rnd: random.Random,
                 today: dt.date) -> list[tuple[Path, object]]:
    """One CSV per department, at most 200,000 rows each (a real department's yearly files are smaller)."""
    files: list[tuple[Path, object]] = []
    per_file = 200_000
    repeaters = max(1, len(parties) // 10)
    kinds, weights = zip(*KINDS, strict=True)
    written = 0
    serial = 0
    while written < records:
        unit = units[len(files) % len(units)]
        path = folder / f"penalties_{len(files):03d}.csv"
        rows = min(per_file, records - written)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            for _ in range(rows):
                serial += 1
                # Every party has a decision; then a tenth of the parties collect 30 % of the rest (repeat offenders).
                if serial <= len(parties):
                    party = parties[serial - 1]
                else:
                    party = parties[rnd.randrange(repeaters)] if rnd.random() < 0.3 else rnd.choice(parties)
                name, category, code = party
                person = category == "自然人"
                day = today - dt.timedelta(days=rnd.randrange(10, 365 * 7))
                kind = rnd.choices(kinds, weights)[0]
                fine = f"{rnd.randrange(1, 300) / 10}" if "罚款" in kind else ""
                offence, basis = rnd.choice(OFFENCES)
                writer.writerow([
                    name, category, "" if person else code, "" if person else "张某",
                    "居民身份证" if person else "", code if person else "",
                    f"澄{unit.code}罚〔{day.year}〕{serial}号", offence,
                    f"经查，{name}于{day.month}月{day.day}日{offence}（检查记录{serial}）。", basis, kind,
                    f"{kind}{'人民币' + fine + '万元' if fine else ''}", fine,
                    f"排污许可证 {serial}" if "吊销" in kind else "", day.isoformat(), unit.name, unit.uscc,
                    unit.name, unit.uscc,
                ])
        files.append((path, unit))
        written += rows
    return files


def _prepare_database(url: str) -> None:
    import psycopg

    name = urllib.parse.urlparse(url).path.lstrip("/")
    if not name or name in {"postgres", "template0", "template1"}:
        raise SystemExit(f"--database-url must name a database for this benchmark only, not {name!r}")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _load(args: argparse.Namespace) -> dict[str, list[str]]:
    """Set up the database and load the data; returns the request paths of each scenario."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from xinyong.core import clock
    from xinyong.intake.services import import_file
    from xinyong.org.models import Unit
    from xinyong.records.models import Record, RecordStatus
    from xinyong.subjects.models import Subject

    rnd = random.Random(20201119)
    if args.reuse:
        call_command("migrate", verbosity=0)  # the schema may have moved on since the data was loaded
    else:
        call_command("setup", verbosity=0)
        today = clock.today()
        started = time.perf_counter()
        parties = _subjects(args.subjects, rnd)
        units = list(Unit.objects.filter(code__in=["zhzfj", "scjgzd", "hbk", "jsglbgs", "zwfwzx", "pcs"]).order_by("code"))
        folder = Path(tempfile.mkdtemp(prefix="xinyong-portal-bench-"))
        files = _write_files(folder, parties, args.records, units, rnd, today)
        generated = time.perf_counter() - started
        accepted = 0
        for path, unit in files:
            result = import_file(path=path, category_code="admin_penalty", department=unit, submitted_at=clock.now())
            accepted += result.accepted
            if result.rejected:
                print(f"  {path.name}: {result.rejected} rows rejected, e.g. {result.errors[:2]}", file=sys.stderr)
            print(f"  imported {path.name}: {result.accepted:,} rows ({time.perf_counter() - started:.0f}s)", flush=True)
        shutil.rmtree(folder, ignore_errors=True)
        # 1 % of the decisions revoked (撤销): kept, never public.
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Record._meta.db_table} SET status = %s, status_reason = %s WHERE id %% 100 = 7",
                [RecordStatus.REVOKED.value, "行政复议撤销"],
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"data: {accepted:,} records, {Subject.objects.count():,} subjects, generated in {generated:.0f}s, "
            f"loaded in {time.perf_counter() - started:.0f}s"
        )
    return _paths(rnd)


def _paths(rnd: random.Random) -> dict[str, list[str]]:
    """Request paths of each scenario, from subjects actually in the database."""
    from xinyong.records.selectors import published_records
    from xinyong.subjects.models import Subject, SubjectKind

    public = Subject.objects.exclude(kind=SubjectKind.NATURAL_PERSON).filter(uscc__isnull=False)
    ids = list(public.values_list("pk", flat=True))
    chosen = list(public.filter(pk__in=rnd.sample(ids, min(400, len(ids)))).values_list("pk", "name", "uscc"))
    # Half the subject pages are of subjects with records in public view (the heavier pages), half any subject.
    with_records = list(
        published_records().filter(subject__uscc__isnull=False).order_by("?").values_list("subject_id", "subject__uscc")[:200]
    )
    queries: list[str] = []
    for pk, name, uscc in chosen:
        del pk
        roll = rnd.random()
        if roll < 0.34:
            # A code as people type it: lower case, or full-width.
            queries.append(rnd.choice([uscc, uscc.lower(), uscc.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})]))
        elif roll < 0.67:
            queries.append(name)
        else:
            brand_at = next((len(r) for r in REGIONS if name.startswith(r)), 0)
            queries.append(name[brand_at : brand_at + rnd.choice([2, 4, 6])])
    subjects = with_records + [(pk, uscc) for pk, _, uscc in chosen[:200]]
    quote = urllib.parse.quote
    return {
        "ping": ["/api/v1/public/ping"],
        "search_page": [f"/public/search/?q={quote(q)}" for q in queries],
        "search_api": [f"/api/v1/public/search?q={quote(q)}" for q in queries],
        "subject_page": [f"/public/subjects/{pk}/" for pk, _ in subjects],
        "subject_api": [f"/api/v1/public/subjects/{quote(code)}" for _, code in subjects],
    }


# ------------------------------------------------------------------------------------------------------------
# The server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(args: argparse.Namespace, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn), "xinyong.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
        "--worker-class", "gthread", "--threads", str(args.threads), "--keep-alive", "60", "--backlog", "256",
        "--log-level", "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /api/v1/public/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1"):
                    return server
        except OSError:
            time.sleep(0.3)
    _stop_server(server)
    raise SystemExit("gunicorn did not start within 60 s")


def _stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


# ------------------------------------------------------------------------------------------------------------
# The load generator


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection", "").lower() == "close"


async def _client(port: int, paths: list[str], rnd: random.Random, start: float, stop: float, out: Outcome) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while (now := time.perf_counter()) < stop:
            path = rnd.choice(paths)
            request = (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html,application/json\r\n"
                "Accept-Language: zh-CN\r\n\r\n"
            ).encode()
            writer.write(request)
            status, close = await _read_response(reader)
            done = time.perf_counter()
            if now >= start:  # after the warm-up
                out.latencies.append(done - now)
                out.statuses[status] = out.statuses.get(status, 0) + 1
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


async def _drive(port: int, paths: list[str], clients: int, seconds: float, warmup: float) -> Outcome:
    out = Outcome()
    begin = time.perf_counter()
    start, stop = begin + warmup, begin + warmup + seconds
    await asyncio.gather(
        *(_client(port, paths, random.Random(i), start, stop, out) for i in range(clients))
    )
    out.seconds = seconds
    return out


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--subjects", type=int, default=200_000)
    parser.add_argument("--database-url", default="", help=f"PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/{DEFAULT_PG_NAME}")
    parser.add_argument("--data-dir", default="", help="the SQLite data folder (default: a new temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="keep the database of a previous run (same --database-url or --data-dir)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args()

    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="xinyong-portal-bench-data-")).resolve()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xinyong.settings",
        "XINYONG_DATA_DIR": str(data_dir),
        "XINYONG_IMPORT_MAX_BYTES": str(4 * 1024**3),
        "XINYONG_TASKS_BACKEND": "immediate",
        # Computed on every request (their cost is part of the figures) but never refusing the benchmark's clients.
        "XINYONG_RATELIMIT_PER_MINUTE": "1000000000",
        "XINYONG_RATELIMIT_BURST": "1000000000",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "0",
    }
    env.pop("XINYONG_NOW", None)
    if args.database_url:
        if not args.reuse:
            _prepare_database(args.database_url)
        env["DATABASE_URL"] = args.database_url
    else:
        env.pop("DATABASE_URL", None)
        if not args.reuse:
            (data_dir / "xinyong.sqlite3").unlink(missing_ok=True)
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    paths = _load(args)
    from django.db import connection, connections

    vendor = connection.vendor
    connections.close_all()

    port = _free_port()
    server = _start_server(args, env, port)
    results: dict[str, Outcome] = {}
    try:
        for name in [s.strip() for s in args.scenarios.split(",") if s.strip()]:
            results[name] = asyncio.run(_drive(port, paths[name], args.clients, args.seconds, args.warmup))
    finally:
        _stop_server(server)

    print(
        f"\nportal speed: database={vendor} records={args.records:,} subjects={args.subjects:,} "
        f"server=gunicorn {args.workers}x{args.threads} gthread, clients={args.clients}, {args.seconds:.0f}s each, "
        f"cpus={os.cpu_count()}"
    )
    print(f"{'scenario':<14}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  "
          f"{'vs ping req/s':>13}{'vs ping p95':>12}  statuses")
    base = results.get("ping")
    base_rps = len(base.latencies) / base.seconds if base and base.latencies else float("nan")
    base_p95 = _percentile(sorted(base.latencies), 0.95) if base else float("nan")
    for name, out in results.items():
        lat = sorted(out.latencies)
        rps = len(lat) / out.seconds
        p50, p95, p99 = (_percentile(lat, q) * 1000 for q in (0.50, 0.95, 0.99))
        verdict = ""
        if name != "ping":
            failed = sum(count for code, count in out.statuses.items() if code >= 400)
            if failed:
                verdict = f"  {failed} failed requests: not a valid measurement"
            else:
                verdict = "  meets target" if p95 < 100 and rps >= 300 else "  misses target (p95<100ms, >=300 req/s)"
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(out.statuses.items()))
        p95_ratio = p95 / (base_p95 * 1000) if base_p95 else float("nan")
        print(
            f"{name:<14}{len(lat):>9}{rps:>9.0f}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}  "
            f"{rps / base_rps:>13.2f}{p95_ratio:>12.2f}  {statuses}{verdict}"
        )
    if results:
        mean = statistics.fmean(len(o.latencies) / o.seconds for o in results.values())
        print(f"(mean over scenarios: {mean:.0f} req/s)")


if __name__ == "__main__":
    main()
