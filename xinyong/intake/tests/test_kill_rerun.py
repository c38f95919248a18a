"""Killing an import mid-way leaves nothing behind, and running it again lands it exactly once.

Real processes, real signals: `xinyong import` (and the background worker `xinyong db_worker`) run as subprocesses
against a database of their own making — a fresh SQLite file, or on PostgreSQL the test database pytest-django
created — and are killed with SIGKILL while the progress output shows the batch half-way through.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from xinyong.intake.models import ImportJob
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 20_000
# Every 50th row lacks its 违法事实, so it is held back for correction.
BAD_EVERY = 50
SUBMITTED_AT = "2020-12-31T10:00:00+08:00"
REPO = Path(settings.BASE_DIR).parent
PROGRESS = re.compile(r"已检查 ([\d,]+) 行")
TIMEOUT = 60


def _expected(rows: int = ROWS) -> tuple[int, set[int]]:
    bad_lines = {i + 2 for i in range(rows) if i % BAD_EVERY == BAD_EVERY - 1}  # line 1 is the header
    return rows - len(bad_lines), bad_lines


def _write_penalties(path: Path, rows: int = ROWS) -> Path:
    unit = factories.unit("zhzfj")
    codes = [factories.company_uscc(1000 + n) for n in range(500)]
    start = dt.date(2020, 1, 2)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=factories.PENALTY_HEADERS)
        writer.writeheader()
        for i in range(rows):
            writer.writerow(
                factories.penalty_row(
                    number=f"澄综执罚〔2020〕K{i}号",
                    authority=unit,
                    name=f"江阴市利港测试企业{i % len(codes)}有限公司",
                    uscc=codes[i % len(codes)],
                    decided=start + dt.timedelta(days=i % 300),
                    fact="" if i % BAD_EVERY == BAD_EVERY - 1 else "未按规定办理排污许可，擅自排放污水",
                )
            )
    return path


def _database_url(folder: Path) -> str:
    """The database the subprocesses share with this test: a fresh SQLite file (pytest-django's SQLite test
    database lives in this process's memory), or the PostgreSQL test database itself."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{folder / 'xinyong.sqlite3'}"
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Platform:
    """The `xinyong` command line of one data folder and database, as an operator runs it."""

    def __init__(self, folder: Path, **extra_env: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.env = {
            **os.environ,
            "XINYONG_DATA_DIR": str(folder),
            "DATABASE_URL": _database_url(folder),
            "SECRET_KEY": "kill-and-rerun",
            "DJANGO_SETTINGS_MODULE": "xinyong.settings",
            "PYTHONUNBUFFERED": "1",
            # One platform, one audit key: on PostgreSQL the commands append to this process's chain.
            "XINYONG_AUDIT_KEY_FILE": str(settings.XINYONG_AUDIT_KEY_FILE),
            "XINYONG_AUDIT_KEY": settings.XINYONG_AUDIT_KEY,
            **extra_env,
        }
        self.env.pop("XINYONG_NOW", None)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "xinyong.cli", *args]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.command(*args), cwd=REPO, env=self.env, capture_output=True, text=True, timeout=TIMEOUT
        )
        if check and done.returncode != 0:
            pytest.fail(f"xinyong {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def python(self, code: str) -> Any:
        """Run Python with Django set up against this platform's database; the JSON it prints last."""
        script = "import django, json\ndjango.setup()\n" + code
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=REPO, env=self.env, capture_output=True, text=True, timeout=TIMEOUT
        )
        if done.returncode != 0:
            pytest.fail(f"script exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.command(*args), cwd=REPO, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )


SUMMARY = """
from django.db.models import Count
from xinyong.intake.models import Batch, RejectedRow
from xinyong.records.models import Record
print(json.dumps({
    "batches": list(Batch.objects.order_by("pk").values_list("pk", "rows", "accepted", "rejected")),
    "records": Record.objects.count(),
    "keys": Record.objects.values("key").distinct().count(),
    "most_per_key": max(Record.objects.values("category_code", "key").annotate(n=Count("id"))
                        .values_list("n", flat=True), default=0),
    "rejected_rows": RejectedRow.objects.count(),
    "rejected_lines": sorted(RejectedRow.objects.values_list("row_number", flat=True)),
    "rejected_batches": sorted(set(RejectedRow.objects.values_list("batch_id", flat=True))),
}))
"""


def _kill_when(process: subprocess.Popen[bytes], ready: Any, what: str) -> None:
    """SIGKILL the process as soon as `ready()` says it is half-way; fail if it finished first."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if ready():
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=TIMEOUT)
            assert process.returncode == -signal.SIGKILL, f"{what} was not killed: exit {process.returncode}"
            return
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            pytest.fail(f"{what} ended (exit {process.returncode}) before it could be killed half-way:\n{err[-2000:]}")
        time.sleep(0.01)
    process.kill()
    pytest.fail(f"{what} showed no progress within {TIMEOUT} s")


def test_an_import_killed_half_way_and_run_again_lands_exactly_once(reference_data: None, tmp_path: Path) -> None:
    accepted, bad_lines = _expected()
    platform = Platform(tmp_path / "data")
    platform.run("setup")
    path = _write_penalties(tmp_path / "十二月行政处罚.csv")
    args = ("import", str(path), "--category", "admin_penalty", "--department", "zhzfj",
            "--submitted-at", SUBMITTED_AT, "--progress")

    process = platform.start(*args)
    assert process.stderr is not None
    stream = process.stderr.fileno()
    os.set_blocking(stream, False)
    seen = bytearray()

    def half_way() -> bool:
        if select.select([stream], [], [], 0)[0]:
            seen.extend(os.read(stream, 65536) or b"")
        counts = [int(n.replace(",", "")) for n in PROGRESS.findall(seen.decode("utf-8", errors="ignore"))]
        return bool(counts) and 0 < counts[-1] < ROWS

    _kill_when(process, half_way, "xinyong import")

    # Killed inside the batch's transaction: not a record, not a held-back row, not a batch.
    after_kill = platform.python(SUMMARY)
    assert after_kill["batches"] == [] and after_kill["records"] == 0 and after_kill["rejected_rows"] == 0

    done = platform.run(*args[:-1], "--json")
    result = json.loads(done.stdout)
    assert (result["rows"], result["accepted"], result["rejected"], result["created"]) == (
        ROWS, accepted, len(bad_lines), accepted
    )

    state = platform.python(SUMMARY)
    assert state["batches"] == [[result["batch"], ROWS, accepted, len(bad_lines)]]  # one batch, and it landed
    assert state["records"] == state["keys"] == accepted  # one record per decision key
    assert state["most_per_key"] == 1
    assert state["rejected_rows"] == len(bad_lines)  # each held-back row once, in the one batch
    assert state["rejected_lines"] == sorted(bad_lines)
    assert state["rejected_batches"] == [result["batch"]]
    verify = platform.run("audit", "verify", check=False)
    assert verify.returncode == 0, verify.stderr
    assert "审计链完整" in verify.stdout


SUBMIT = """
from pathlib import Path
from xinyong.intake.jobs import import_job_submit, upload_store
from xinyong.intake.models import BatchChannel
from xinyong.access.tokens import token_create
from xinyong.org.models import Unit
unit = Unit.objects.get(code="zhzfj")
token, secret = token_create(department=unit, name="综合执法办案系统", actor=None)
source = Path({path!r})
stored, size = upload_store(chunks=[source.read_bytes()], original_name=source.name)
job = import_job_submit(stored=stored, size=size, original_name=source.name, category_code="admin_penalty",
                        department=unit, channel=BatchChannel.API, token=token, background=True)
print(json.dumps({{"job": job.pk, "status": job.status, "stored": str(stored), "secret": secret}}))
"""

# After the worker died: the departmental system asks for its job, as it would, once the heartbeat is old.
FOLLOW = """
import time
from pathlib import Path
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
from xinyong.intake.models import Batch, ImportJob
from xinyong.records.models import Record
setup_test_environment()
settings.XINYONG_IMPORT_STALE_SECONDS = 2
before = ImportJob.objects.get(pk={job}).status
time.sleep(2.5)
answer = Client().get("/api/v1/intake/jobs/{job}", HTTP_AUTHORIZATION="Bearer {secret}")
job = ImportJob.objects.get(pk={job})
print(json.dumps({{
    "before": before, "http": answer.status_code, "answer": answer.json(), "status": job.status,
    "code": job.error_code, "message": job.error_message, "upload_left": Path(job.stored_path).exists(),
    "progress_left": Path(job.stored_path + ".progress").exists(), "batches": Batch.objects.count(),
    "records": Record.objects.count(),
}}))
"""


def test_a_background_job_whose_worker_was_killed_is_failed_not_left_running(
    reference_data: None, tmp_path: Path
) -> None:
    rows = ROWS
    platform = Platform(tmp_path / "data", XINYONG_TASKS_BACKEND="database")
    platform.run("setup")
    path = _write_penalties(tmp_path / "十二月行政处罚.csv", rows)
    submitted = platform.python(SUBMIT.format(path=str(path)))
    assert submitted["status"] == "queued"
    stored = Path(submitted["stored"])

    def rows_read() -> int:
        if connection.vendor == "sqlite":  # the worker's count, beside the upload (the batch holds the DB)
            try:
                return int(Path(f"{stored}.progress").read_text(encoding="ascii") or 0)
            except (OSError, ValueError):
                return 0
        return ImportJob.objects.filter(pk=submitted["job"]).values_list("rows_read", flat=True).first() or 0

    worker = platform.start("db_worker", "--batch", "--no-startup-delay", "--interval", "0.1")
    _kill_when(worker, lambda: 0 < rows_read() < rows, "xinyong db_worker")

    seen = platform.python(FOLLOW.format(job=submitted["job"], secret=submitted["secret"]))
    assert seen["before"] == "running"  # the dead worker left it so
    assert seen["http"] == 200
    assert seen["status"] == seen["answer"]["status"] == "failed"
    assert seen["code"] == seen["answer"]["error"]["code"] == "E_IMPORT_STALE"
    assert "后台导入已中断" in seen["message"] and "请重新上传" in seen["message"]
    assert seen["answer"]["error"]["message"] == seen["message"]
    assert (seen["batches"], seen["records"]) == (0, 0)
    # The upload is cleaned up; the original kept under media/intake (named by its checksum) stays.
    assert not seen["upload_left"] and not seen["progress_left"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (tmp_path / "data" / "media" / "intake" / digest[:2] / f"{digest}.csv").exists()
