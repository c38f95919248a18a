"""Import jobs left behind by a dead worker are failed with a message, and uploads are cleaned up after a job.

A real killed worker is tried in test_kill_rerun.py; here the state such a worker leaves (status "running", a
heartbeat that stopped) is set directly, to try each reader of jobs and the heartbeat itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from xinyong.access.tokens import token_create
from xinyong.core import clock
from xinyong.intake import jobs
from xinyong.intake.jobs import (
    import_job_fail_if_stale,
    import_job_submit,
    is_stale,
    job_last_heartbeat,
    upload_store,
    wall_now,
)
from xinyong.intake.models import BatchChannel, ImportJob, ImportJobStatus
from xinyong.org.models import User
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db

NOW = "2026-11-26T10:00:00+08:00"
DECIDED = dt.date(2026, 11, 2)
STORED_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def _setup(settings: Any, reference_data: None) -> Iterator[None]:
    settings.TASKS = STORED_ONLY
    settings.XINYONG_IMPORT_STALE_SECONDS = 60
    with clock.frozen(NOW):
        yield


@pytest.fixture
def reporter() -> User:
    return factories.make_user("reporter", [("reporter", "zhzfj")], name="钱立")


def _csv_bytes(tmp_path: Path, tag: str = "J") -> bytes:
    unit = factories.unit("zhzfj")
    row = factories.penalty_row(
        number=f"澄利综执罚〔2026〕{tag}1号",
        authority=unit,
        name="江阴市利港恒远机械有限公司",
        uscc=factories.company_uscc(11),
        decided=DECIDED,
    )
    return factories.write_csv(tmp_path / f"{tag}.csv", [row]).read_bytes()


def _submit(content: bytes, reporter: User, *, background: bool, name: str = "十一月处罚.csv") -> ImportJob:
    stored, size = upload_store(chunks=[content], original_name=name)
    return import_job_submit(
        stored=stored,
        size=size,
        original_name=name,
        category_code="admin_penalty",
        department=factories.unit("zhzfj"),
        channel=BatchChannel.WEB,
        actor=reporter,
        background=background,
    )


def _abandoned(job: ImportJob, *, silent_for: dt.timedelta, rows: int = 0) -> ImportJob:
    """The state a worker killed mid-import leaves: running, a last heartbeat `silent_for` ago, its count on disk."""
    last = wall_now() - silent_for
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING, started_at=clock.now(), heartbeat_at=last)
    if rows:
        progress = Path(f"{job.stored_path}.progress")
        progress.write_text(str(rows), encoding="ascii")
        os.utime(progress, (last.timestamp(), last.timestamp()))  # written when the worker last made progress
    job.refresh_from_db()
    return job


# -- the rule -------------------------------------------------------------------------------------------------


def test_a_job_is_stale_only_after_the_limit_without_a_heartbeat() -> None:
    now = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
    assert not is_stale(now - dt.timedelta(seconds=60), now, 60)
    assert is_stale(now - dt.timedelta(seconds=61), now, 60)
    assert not is_stale(None, now, 60)  # nothing to measure from: left alone


def test_the_limit_is_a_setting_never_shorter_than_a_few_progress_writes(settings: Any) -> None:
    settings.XINYONG_IMPORT_STALE_SECONDS = 120
    assert jobs.stale_seconds() == 120
    settings.XINYONG_IMPORT_STALE_SECONDS = 0.1
    assert jobs.stale_seconds() == 4 * jobs.PROGRESS_INTERVAL


# -- readers of a job mark it failed ----------------------------------------------------------------------------


def test_the_job_page_fails_a_job_its_worker_abandoned(
    client: Client, tmp_path: Path, reporter: User
) -> None:
    job = _abandoned(_submit(_csv_bytes(tmp_path), reporter, background=True), silent_for=dt.timedelta(minutes=2), rows=5000)
    stored = Path(job.stored_path)
    assert stored.exists()
    client.force_login(reporter)
    html = client.get(reverse("web:intake_job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="failed"' in html
    assert "后台导入已中断" in html and "中断前已读取 5000 行" in html and "请重新上传该文件" in html
    assert "E_IMPORT_STALE" in html
    assert 'hx-trigger="every 1s"' not in html  # the page stops polling
    job.refresh_from_db()
    assert (job.status, job.error_code, job.rows_read) == (ImportJobStatus.FAILED, "E_IMPORT_STALE", 5000)
    assert job.finished_at == clock.now()
    assert not stored.exists() and not Path(f"{stored}.progress").exists()


def test_a_job_with_a_recent_heartbeat_keeps_running(client: Client, tmp_path: Path, reporter: User) -> None:
    job = _abandoned(_submit(_csv_bytes(tmp_path), reporter, background=True), silent_for=dt.timedelta(seconds=30))
    client.force_login(reporter)
    html = client.get(reverse("web:intake_job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="running"' in html
    job.refresh_from_db()
    assert job.status == ImportJobStatus.RUNNING
    assert Path(job.stored_path).exists()


def test_the_progress_file_counts_as_a_sign_of_life(tmp_path: Path, reporter: User) -> None:
    """On SQLite the worker cannot write the job row while its batch holds the database; it writes a file."""
    job = _abandoned(_submit(_csv_bytes(tmp_path), reporter, background=True), silent_for=dt.timedelta(hours=1))
    progress = Path(f"{job.stored_path}.progress")
    progress.write_text("5000", encoding="ascii")
    assert not import_job_fail_if_stale(job)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.RUNNING
    old = time.time() - 3600
    os.utime(progress, (old, old))
    assert import_job_fail_if_stale(job)
    assert not progress.exists() and not Path(job.stored_path).exists()


def test_the_api_and_the_upload_page_fail_abandoned_jobs_too(client: Client, tmp_path: Path, reporter: User) -> None:
    token, secret = token_create(department=factories.unit("zhzfj"), name="综合执法办案系统", actor=None)
    stored, size = upload_store(chunks=[_csv_bytes(tmp_path, "A")], original_name="接口.csv")
    by_api = import_job_submit(
        stored=stored, size=size, original_name="接口.csv", category_code="admin_penalty",
        department=factories.unit("zhzfj"), channel=BatchChannel.API, token=token, background=True,
    )
    by_page = _submit(_csv_bytes(tmp_path, "B"), reporter, background=True)
    for job in (by_api, by_page):
        _abandoned(job, silent_for=dt.timedelta(minutes=5))
    answer = client.get(f"/api/v1/intake/jobs/{by_api.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert answer["status"] == "failed"
    assert answer["error"]["code"] == "E_IMPORT_STALE"
    client.force_login(reporter)
    client.get(reverse("web:intake_upload"))  # the list of the user's recent jobs
    assert ImportJob.objects.get(pk=by_page.pk).status == ImportJobStatus.FAILED


def test_a_new_submission_sweeps_abandoned_jobs(tmp_path: Path, reporter: User) -> None:
    old = _abandoned(_submit(_csv_bytes(tmp_path, "A"), reporter, background=True), silent_for=dt.timedelta(hours=2))
    _submit(_csv_bytes(tmp_path, "B"), reporter, background=True)
    assert ImportJob.objects.get(pk=old.pk).status == ImportJobStatus.FAILED


def test_finished_jobs_are_never_touched(tmp_path: Path, reporter: User) -> None:
    job = _submit(_csv_bytes(tmp_path), reporter, background=False)
    assert job.status == ImportJobStatus.DONE
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=wall_now() - dt.timedelta(days=1))
    job.refresh_from_db()
    assert not import_job_fail_if_stale(job)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.DONE


# -- progress is the heartbeat ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_writing_progress_shows_the_job_is_alive(tmp_path: Path, reporter: User) -> None:
    job = _abandoned(_submit(_csv_bytes(tmp_path), reporter, background=True), silent_for=dt.timedelta(hours=1))
    before = job.heartbeat_at
    assert before is not None
    settings_limit = jobs.stale_seconds()
    assert jobs.is_stale(job_last_heartbeat(job), wall_now(), settings_limit)
    progress = jobs._Progress(job)
    try:
        progress(5000)  # what the import calls after each chunk, inside the batch's transaction
        job.refresh_from_db()
        last = job_last_heartbeat(job)
        assert last is not None and (wall_now() - last).total_seconds() < 5
        assert not import_job_fail_if_stale(job)
        assert jobs.job_rows_read(job) == 5000
        if connection.vendor != "sqlite":
            assert job.heartbeat_at is not None and job.heartbeat_at > before  # through the second connection
    finally:
        progress.close()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.RUNNING


# -- uploads are removed once their job has finished or failed ----------------------------------------------------


def _kept_original(content: bytes, suffix: str = ".csv") -> Path:
    digest = hashlib.sha256(content).hexdigest()
    return Path(django_settings.MEDIA_ROOT) / "intake" / digest[:2] / f"{digest}{suffix}"


def test_the_upload_is_removed_when_the_job_is_done(tmp_path: Path, reporter: User) -> None:
    content = _csv_bytes(tmp_path)
    job = _submit(content, reporter, background=False)
    assert job.status == ImportJobStatus.DONE
    assert not Path(job.stored_path).exists()
    assert _kept_original(content).read_bytes() == content


def test_the_upload_is_removed_when_the_job_fails(tmp_path: Path, reporter: User) -> None:
    header_only = "\ufeff" + ",".join(factories.PENALTY_HEADERS) + "\r\n"
    content = header_only.encode("utf-8")
    job = _submit(content, reporter, background=False, name="空表.csv")
    assert (job.status, job.error_code) == (ImportJobStatus.FAILED, "E_NO_DATA_ROWS")
    assert not Path(job.stored_path).exists()
    assert _kept_original(content).read_bytes() == content  # what the clerk sent is still kept
    uploads = Path(django_settings.MEDIA_ROOT) / "intake" / "uploads"
    assert list(uploads.iterdir()) == []
