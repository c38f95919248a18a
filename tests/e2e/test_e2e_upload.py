"""Upload in a real browser: the result table, a background job followed to its end, and a held-back row
corrected until it is accepted."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import sign_in
from xinyong.core import clock
from xinyong.intake.jobs import import_job_run, wall_now
from xinyong.intake.models import ImportJob, ImportJobStatus, RejectedRow, RejectedRowStatus
from xinyong.records.models import Record
from xinyong.web.tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DECIDED = dt.date(2026, 11, 2)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Stores the task without running it, so the test decides when the "worker" runs.
STORED_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}



def _penalties(tmp_path: Path, name: str = "十一月行政处罚.csv") -> Path:
    unit = factories.unit("zhzfj")
    rows = [
        factories.penalty_row(
            number="澄利综执罚〔2026〕W1号",
            authority=unit,
            name="江阴市利港恒远机械有限公司",
            uscc=factories.company_uscc(11),
            decided=DECIDED,
        ),
        factories.penalty_row(
            number="澄利综执罚〔2026〕W2号",
            authority=unit,
            name="江阴市利港某某贸易有限公司",
            uscc=factories.company_uscc(12),
            decided=DECIDED,
            fact="",
        ),
    ]
    return factories.write_csv(tmp_path / name, rows)


def _upload(page: Page, base: str, path: Path) -> None:
    page.goto(f"{base}/intake/upload/")
    expect(page.get_by_role("heading", name="上传报送文件")).to_be_visible()
    expect(page.locator("main")).to_contain_text("综合执法局")
    page.get_by_label("信息类别").select_option(label="行政处罚信息")
    page.locator("#id_file").set_input_files(str(path))
    expect(page.locator("#dropzone-file")).to_contain_text(path.name)
    page.get_by_role("button", name="上传并导入").click()


def test_upload_result_table_and_correction_until_accepted(
    web_page: Page, live_server: Any, tmp_path: Path, settings: Any
) -> None:
    settings.TASKS = IMMEDIATE
    factories.load_reference()
    factories.make_user("reporter", [("reporter", "zhzfj")], name="钱立")
    page, base = web_page, live_server.url
    sign_in(page, base, "reporter")

    _upload(page, base, _penalties(tmp_path))
    outcome = page.locator("#upload-outcome")
    expect(outcome.locator('[data-status="done"]')).to_be_visible()
    assert page.url == f"{base}/intake/upload/"  # swapped in by htmx, not a full-page post
    expect(outcome).to_contain_text("导入结果：十一月行政处罚.csv")
    stats = outcome.locator(".stats")
    expect(stats.locator(".stat").nth(0)).to_contain_text("2")
    expect(stats.locator(".stat").nth(1)).to_contain_text("1")
    expect(stats.locator(".stat").nth(2)).to_contain_text("1")
    errors = outcome.locator("table.result-errors")
    expect(errors).to_contain_text("第 3 行")
    expect(errors).to_contain_text("违法事实")
    expect(errors).to_contain_text("“违法事实”为必填项，不能为空")
    shot = tmp_path / "upload.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    outcome.get_by_role("link", name="逐行更正未通过的数据").click()
    expect(page.get_by_role("heading", name="未通过校验的数据（1 行）")).to_be_visible()
    page.get_by_role("link", name="更正第 3 行").click()

    expect(page.get_by_role("heading", name="更正第 3 行")).to_be_visible()
    fact = page.get_by_label("违法事实")
    expect(fact).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f_CF_SY-errors")).to_contain_text("“违法事实”为必填项，不能为空")
    fact.fill("未按规定设置消防安全标志")
    page.get_by_label("处罚决定日期").fill("2026年2月30日")
    page.get_by_role("button", name="保存并重新校验").click()
    expect(page.locator("main")).to_contain_text("更正后仍有 1 处问题，本次未保存")
    expect(page.locator("#f_CF_JDRQ-errors")).to_be_visible()
    expect(page.get_by_label("违法事实")).to_have_value("未按规定设置消防安全标志")
    row = RejectedRow.objects.get()
    assert row.status == RejectedRowStatus.PENDING
    assert not Record.objects.filter(key__startswith="澄利综执罚〔2026〕W2号").exists()

    page.get_by_label("处罚决定日期").fill("2026-11-02")
    page.get_by_role("button", name="保存并重新校验").click()
    expect(page.locator(".messages")).to_contain_text("第 3 行已更正并通过校验，新增信用记录")
    expect(page.get_by_role("heading", name="未通过校验的数据（1 行）")).to_be_visible()
    expect(page.locator("main table")).to_contain_text("已更正")
    row.refresh_from_db()
    assert row.status == RejectedRowStatus.CORRECTED
    record = Record.objects.get(key__startswith="澄利综执罚〔2026〕W2号")
    assert record.data["CF_SY"] == "未按规定设置消防安全标志"

    # The batch page says who corrected the row and when, and leads to the record it became.
    expect(page.locator("main table")).to_contain_text("钱立 · 2026-11-26 10:00")
    page.get_by_role("link", name="第 3 行入库后的信用记录").click()
    expect(page.get_by_role("heading", name="澄利综执罚〔2026〕W2号")).to_be_visible()
    expect(page.locator("main")).to_contain_text("未按规定设置消防安全标志")
    assert page.url == f"{base}/records/{record.pk}/"


def test_a_background_job_is_followed_until_it_is_done(
    web_page: Page, live_server: Any, tmp_path: Path, settings: Any
) -> None:
    settings.TASKS = STORED_ONLY
    settings.XINYONG_BACKGROUND_IMPORT_BYTES = 100
    factories.load_reference()
    factories.make_user("reporter", [("reporter", "zhzfj")])
    page, base = web_page, live_server.url
    sign_in(page, base, "reporter")

    _upload(page, base, _penalties(tmp_path, "大文件.csv"))
    outcome = page.locator("#upload-outcome")
    expect(outcome.locator('[data-status="queued"]')).to_be_visible()
    expect(outcome).to_contain_text("正在排队等待后台导入")
    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.QUEUED

    import_job_run(job_id=job.pk)  # what the worker does

    expect(outcome.locator('[data-status="done"]')).to_be_visible(timeout=10_000)
    expect(outcome).to_contain_text("“违法事实”为必填项，不能为空")
    expect(outcome.get_by_role("link", name="逐行更正未通过的数据")).to_be_visible()


def test_a_job_abandoned_by_a_killed_worker_turns_failed_on_the_page(
    web_page: Page, live_server: Any, tmp_path: Path, settings: Any
) -> None:
    settings.TASKS = STORED_ONLY
    settings.XINYONG_BACKGROUND_IMPORT_BYTES = 100
    settings.XINYONG_IMPORT_STALE_SECONDS = 60
    factories.load_reference()
    factories.make_user("reporter", [("reporter", "zhzfj")])
    page, base = web_page, live_server.url
    sign_in(page, base, "reporter")

    _upload(page, base, _penalties(tmp_path, "大文件.csv"))
    outcome = page.locator("#upload-outcome")
    expect(outcome.locator('[data-status="queued"]')).to_be_visible()
    job = ImportJob.objects.get()
    # What a worker killed half-way leaves behind: "running", 5000 rows read, its last heartbeat 2 minutes ago.
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.RUNNING, started_at=clock.now(), heartbeat_at=wall_now() - dt.timedelta(minutes=2),
    )
    last = (wall_now() - dt.timedelta(minutes=2)).timestamp()
    Path(f"{job.stored_path}.progress").write_text("5000", encoding="ascii")
    os.utime(f"{job.stored_path}.progress", (last, last))

    expect(outcome.locator('[data-status="failed"]')).to_be_visible(timeout=10_000)
    expect(outcome).to_contain_text("后台导入已中断")
    expect(outcome).to_contain_text("中断前已读取 5000 行")
    expect(outcome).to_contain_text("请重新上传该文件")
    job.refresh_from_db()
    assert (job.status, job.error_code) == (ImportJobStatus.FAILED, "E_IMPORT_STALE")
    assert not Path(job.stored_path).exists()
