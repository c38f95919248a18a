"""The upload page, its job progress, and the correction of held-back rows in the browser (server side)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from xinyong.audit.models import AuditEvent
from xinyong.core import clock
from xinyong.intake.models import Batch, ImportJob, ImportJobStatus, RejectedRow, RejectedRowStatus
from xinyong.org.models import User
from xinyong.records.models import Record
from xinyong.web.tests import factories
from xinyong.web.tests.conftest import DECIDED

pytestmark = pytest.mark.django_db

UPLOAD = reverse("web:intake_upload")


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _csv(tmp_path: Path, *, tag: str = "U", department: str = "zhzfj", name: str = "十一月处罚.csv") -> Any:
    unit = factories.unit(department)
    rows = [
        factories.penalty_row(
            number=f"澄利综执罚〔2026〕{tag}1号",
            authority=unit,
            name="江阴市利港恒远机械有限公司",
            uscc=factories.company_uscc(11),
            decided=DECIDED,
        ),
        factories.penalty_row(
            number=f"澄利综执罚〔2026〕{tag}2号",
            authority=unit,
            name="江阴市利港某某贸易有限公司",
            uscc=factories.company_uscc(12),
            decided=DECIDED,
            fact="",
        ),
    ]
    content = factories.write_csv(tmp_path / f"{tag}.csv", rows).read_bytes()
    return SimpleUploadedFile(name, content, content_type="text/csv")


# -- the upload page ---------------------------------------------------------------------------------------------


def test_reporter_sees_the_upload_form_for_their_department(login: Any) -> None:
    html = login("reporter").get(UPLOAD).content.decode()
    assert "上传报送文件" in html
    assert "把文件拖到这里，或点击选择文件" in html
    assert "行政处罚信息" in html
    assert "综合执法局" in html  # the one department of this reporter, fixed
    assert 'type="hidden" name="department"' in html
    assert 'hx-post="/intake/upload/"' in html
    assert "大于 2 MB 的文件在后台导入" in html


def test_credit_admin_chooses_the_department(login: Any) -> None:
    html = login("admin").get(UPLOAD).content.decode()
    assert '<select name="department"' in html
    assert "请选择报送部门" in html


@pytest.mark.parametrize("role", ["reviewer", "handler", "auditor", "norole"])
def test_roles_that_do_not_report_get_403(login: Any, role: str) -> None:
    assert login(role).get(UPLOAD).status_code == 403


def test_anonymous_is_sent_to_login(client: Client, users: dict[str, User]) -> None:
    response = client.get(UPLOAD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_a_small_file_is_imported_and_its_result_table_shown(login: Any, tmp_path: Path) -> None:
    client = login("reporter")
    response = client.post(UPLOAD, {"category": "admin_penalty", "file": _csv(tmp_path)})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("web:intake_job", args=[job.pk])
    assert job.status == ImportJobStatus.DONE
    assert job.channel == "web"
    assert job.requested_by is not None and job.requested_by.username == "reporter"
    batch = Batch.objects.get(pk=job.batch_id)
    assert batch.submitted_by == job.requested_by
    assert batch.department.code == "zhzfj"
    assert batch.original_name == "十一月处罚.csv"
    assert batch.submitted_at == clock.now()
    html = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in html
    assert "导入结果：十一月处罚.csv" in html
    assert "第 3 行" in html
    assert "违法事实" in html
    assert "“违法事实”为必填项，不能为空" in html
    assert "E_REQUIRED" in html
    assert reverse("web:batch", args=[batch.pk]) in html
    assert "hx-trigger" not in html.split('id="upload-outcome"')[1]  # finished: no more polling
    again = client.get(UPLOAD).content.decode()
    assert "我最近上传的文件" in again
    assert f'href="{reverse("web:batch", args=[batch.pk])}"' in again


def test_htmx_upload_answers_the_result_fragment(login: Any, tmp_path: Path) -> None:
    response = login("reporter").post(
        UPLOAD, {"category": "admin_penalty", "file": _csv(tmp_path)}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-status="done"' in html
    assert "未通过校验的数据" in html


def test_a_large_file_is_queued_and_its_progress_polled(
    login: Any, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.XINYONG_BACKGROUND_IMPORT_BYTES = 100
    client = login("reporter")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            UPLOAD, {"category": "admin_penalty", "file": _csv(tmp_path)}, HTTP_HX_REQUEST="true"
        )
    html = response.content.decode()
    job = ImportJob.objects.get()
    assert 'data-status="queued"' in html
    assert f'hx-get="{reverse("web:intake_job", args=[job.pk])}"' in html
    assert 'hx-trigger="every 1s"' in html
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING, rows_read=1234)
    running = client.get(reverse("web:intake_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "已读取 <strong>1234</strong> 行" in running.content.decode()
    assert "HX-Request" in running["Vary"]
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.QUEUED, rows_read=0)
    for callback in callbacks:
        callback()
    done = client.get(reverse("web:intake_job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="done"' in done
    assert "hx-trigger" not in done


def test_a_file_that_cannot_be_read_is_answered_in_words(login: Any) -> None:
    upload = SimpleUploadedFile(
        "照片.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, content_type="text/csv"
    )
    client = login("reporter")
    response = client.post(UPLOAD, {"category": "admin_penalty", "file": upload}, follow=True)
    html = response.content.decode()
    assert 'data-status="failed"' in html
    assert "本文件未导入" in html
    assert not Batch.objects.exists()


def test_missing_choices_are_form_errors(login: Any, tmp_path: Path) -> None:
    client = login("admin")
    html = client.post(UPLOAD, {"category": "", "file": _csv(tmp_path)}).content.decode()
    assert "请选择信息类别。" in html
    assert "请选择报送部门。" in html
    fragment = client.post(UPLOAD, {"category": "admin_penalty"}, HTTP_HX_REQUEST="true").content.decode()
    assert "未能上传" in fragment
    assert "请选择要上传的文件。" in fragment
    assert not ImportJob.objects.exists()


def test_a_reporter_cannot_report_for_another_department(
    login: Any, tmp_path: Path, users: dict[str, User]
) -> None:
    hbk = factories.unit("hbk")
    html = (
        login("reporter")
        .post(UPLOAD, {"category": "admin_penalty", "department": hbk.pk, "file": _csv(tmp_path)})
        .content.decode()
    )
    assert "只能为本单位报送。" in html
    assert not ImportJob.objects.exists()


def test_credit_admin_reports_for_the_department_chosen(login: Any, tmp_path: Path) -> None:
    hbk = factories.unit("hbk")
    login("admin").post(UPLOAD, {"category": "admin_penalty", "department": hbk.pk, "file": _csv(tmp_path)})
    assert Batch.objects.get().department == hbk


def test_jobs_of_other_departments_are_refused(login: Any, tmp_path: Path) -> None:
    login("reporter").post(UPLOAD, {"category": "admin_penalty", "file": _csv(tmp_path)})
    job = ImportJob.objects.get()
    url = reverse("web:intake_job", args=[job.pk])
    assert login("reporter_hbk").get(url, HTTP_HX_REQUEST="true").status_code == 403
    assert login("admin").get(url).status_code == 200


# -- correcting a held-back row --------------------------------------------------------------------------------


def _row_url(batch: Batch) -> tuple[RejectedRow, str]:
    row = RejectedRow.objects.get(batch=batch)
    return row, reverse("web:row_correct", args=[batch.pk, row.pk])


def test_batch_page_links_each_rejected_row_to_its_correction(login: Any, batches: dict[str, Batch]) -> None:
    row, url = _row_url(batches["zhzfj"])
    html = login("reporter").get(reverse("web:batch", args=[batches["zhzfj"].pk])).content.decode()
    assert f'href="{url}"' in html
    assert f'aria-label="更正第 {row.row_number} 行"' in html


def test_the_form_shows_each_error_beside_its_field(login: Any, batches: dict[str, Batch]) -> None:
    _, url = _row_url(batches["zhzfj"])
    response = login("reporter").get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "更正第 4 行" in html
    assert 'id="f_CF_SY"' in html and 'aria-describedby="f_CF_SY-errors"' in html
    assert "“违法事实”为必填项，不能为空" in html
    assert 'value="91320281MA1XXXXXX1"' in html
    assert "保存并重新校验" in html
    assert "作废此行" in html


def test_a_correction_that_passes_becomes_a_record(login: Any, batches: dict[str, Batch]) -> None:
    row, url = _row_url(batches["zhzfj"])
    client = login("reporter")
    data = {f"f_{code}": value for code, value in row.values.items()}
    data.update({"f_CF_SY": "未按规定设置消防安全标志", "f_CF_XDR_SHDM": factories.company_uscc(13)})
    response = client.post(url, data, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("web:batch", args=[row.batch_id])
    assert "第 4 行已更正并通过校验，新增信用记录" in html
    assert "已更正" in html
    row.refresh_from_db()
    assert row.status == RejectedRowStatus.CORRECTED
    assert Record.objects.filter(key__startswith="澄利综执罚〔2026〕A3号").exists()
    assert AuditEvent.objects.filter(action="intake.row_corrected", object_id=str(row.pk)).exists()
    after = client.get(url).content.decode()
    assert "不需要再处理" in after
    assert "保存并重新校验" not in after
    assert "处理记录" in after


def test_a_correction_still_wrong_shows_the_new_errors_and_stores_nothing(
    login: Any, batches: dict[str, Batch]
) -> None:
    row, url = _row_url(batches["zhzfj"])
    records = Record.objects.count()
    data = {f"f_{code}": value for code, value in row.values.items()}
    data.update({"f_CF_SY": "未按规定设置消防安全标志", "f_CF_JDRQ": "2026-13-01"})
    html = login("reporter").post(url, data).content.decode()
    assert "更正后仍有 2 处问题，本次未保存" in html
    assert 'value="2026-13-01"' in html  # what the clerk typed stays in the form
    assert "统一社会信用代码" in html
    assert Record.objects.count() == records
    row.refresh_from_db()
    assert row.status == RejectedRowStatus.PENDING


def test_a_reviewer_may_look_but_not_correct(
    login: Any, batches: dict[str, Batch], users: dict[str, User]
) -> None:
    from xinyong.org.models import Role, RoleGrant

    RoleGrant.objects.create(user=users["reviewer"], role=Role.REVIEWER, unit=factories.unit("zhzfj"))
    row, url = _row_url(batches["zhzfj"])
    client = login("reviewer")
    html = client.get(url).content.decode()
    assert "只有本部门的报送员可以更正" in html
    assert "保存并重新校验" not in html
    assert client.post(url, {"f_CF_SY": "x"}).status_code == 403
    discard = reverse("web:row_discard", args=[row.batch_id, row.pk])
    assert client.post(discard, {"reason": "误报"}).status_code == 403
    assert login("reporter_hbk").get(url).status_code == 403


def test_a_row_is_discarded_with_a_reason(login: Any, batches: dict[str, Batch]) -> None:
    row, url = _row_url(batches["zhzfj"])
    discard = reverse("web:row_discard", args=[row.batch_id, row.pk])
    client = login("reporter")
    empty = client.post(discard, {"reason": " "}, follow=True).content.decode()
    assert "请填写作废原因。" in empty
    response = client.post(discard, {"reason": "重复填报"}, follow=True)
    assert "第 4 行已作废" in response.content.decode()
    row.refresh_from_db()
    assert row.status == RejectedRowStatus.DISCARDED
    assert "原因：重复填报" in client.get(url).content.decode()


def test_a_row_of_another_batch_is_not_found(login: Any, batches: dict[str, Batch]) -> None:
    row, _ = _row_url(batches["hbk"])
    url = reverse("web:row_correct", args=[batches["zhzfj"].pk, row.pk])
    assert login("admin").get(url).status_code == 404
