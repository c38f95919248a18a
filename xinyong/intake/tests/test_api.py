"""The intake API: per-system tokens bound to a department, rows and files through the one import path."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from xinyong.access.models import ApiToken
from xinyong.access.tokens import token_authenticate, token_create, token_hash, token_revoke
from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.core import clock
from xinyong.intake import jobs
from xinyong.intake.models import Batch, ImportJob, ImportJobStatus
from xinyong.records.models import Record
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db

NOW = "2026-11-26T10:00:00+08:00"
DECIDED = dt.date(2026, 11, 2)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _setup(settings: Any, reference_data: None) -> Iterator[None]:
    settings.TASKS = IMMEDIATE
    with clock.frozen(NOW):
        yield


@pytest.fixture
def secret() -> str:
    _, raw = token_create(department=factories.unit("zhzfj"), name="综合执法办案系统", actor=None)
    return raw


def _auth(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _rows(tag: str = "P") -> list[dict[str, str]]:
    unit = factories.unit("zhzfj")
    good = factories.penalty_row(
        number=f"澄利综执罚〔2026〕{tag}1号",
        authority=unit,
        name="江阴市利港恒远机械有限公司",
        uscc=factories.company_uscc(11),
        decided=DECIDED,
    )
    bad = factories.penalty_row(
        number=f"澄利综执罚〔2026〕{tag}2号",
        authority=unit,
        name="江阴市利港某某贸易有限公司",
        uscc=factories.company_uscc(12),
        decided=DECIDED,
        fact="",
    )
    return [good, bad]


def _post_rows(client: Client, raw: str, rows: list[dict[str, Any]], category: str = "admin_penalty") -> Any:
    return client.post(
        f"/api/v1/intake/{category}/rows",
        data=json.dumps({"rows": rows}),
        content_type="application/json",
        **_auth(raw),
    )


# -- tokens ---------------------------------------------------------------------------------------------------


def test_token_command_shows_the_secret_once_and_keeps_only_its_hash() -> None:
    out = io.StringIO()
    call_command(
        "token", "create", "--department", "zhzfj", "--name", "综合执法办案系统", "--json", stdout=out
    )
    created = json.loads(out.getvalue())
    raw = created["token"]
    token = ApiToken.objects.get(pk=created["id"])
    assert raw.startswith("xy_") and len(raw) > 40
    assert token.token_hash == token_hash(raw)
    assert raw not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert token.department.code == "zhzfj"
    assert AuditEvent.objects.filter(action="intake.token_created", object_id=str(token.pk)).exists()
    assert raw not in json.dumps(
        list(AuditEvent.objects.values("summary", "before", "after")), ensure_ascii=False
    )

    listing = io.StringIO()
    call_command("token", "list", stdout=listing)
    assert "综合执法办案系统" in listing.getvalue()
    assert raw not in listing.getvalue()
    assert "有效" in listing.getvalue()

    revoked = io.StringIO()
    call_command("token", "revoke", str(token.pk), stdout=revoked)
    assert "已吊销" in revoked.getvalue()
    assert token_authenticate(raw) is None
    assert audit_verify() is None


def test_missing_wrong_and_revoked_tokens_get_401(client: Client, secret: str) -> None:
    for headers in ({}, _auth("xy_wrong"), {"HTTP_AUTHORIZATION": "Basic abc"}):
        response = client.get("/api/v1/intake/jobs/1", **headers)
        assert response.status_code == 401
        body = response.json()
        assert body["code"] == "E_UNAUTHORIZED"
        assert "令牌" in body["message"]
        assert response["WWW-Authenticate"].startswith("Bearer")
    token = ApiToken.objects.get()
    token_revoke(token=token, actor=None)
    assert _post_rows(client, secret, _rows()).status_code == 401


def test_last_used_is_noted(client: Client, secret: str) -> None:
    client.get("/api/v1/intake/jobs/999", **_auth(secret))
    assert ApiToken.objects.get().last_used_at == clock.now()


# -- rows ---------------------------------------------------------------------------------------------------


def test_rows_keyed_by_chinese_headers_are_imported_through_the_one_path(client: Client, secret: str) -> None:
    response = _post_rows(client, secret, _rows())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "done"
    result = body["result"]
    assert (result["rows"], result["accepted"], result["rejected"]) == (2, 1, 1)
    assert result["errors"] == [
        {"row": 3, "field": "违法事实", "code": "E_REQUIRED", "message": "“违法事实”为必填项，不能为空"}
    ]
    batch = Batch.objects.get(pk=body["batch"])
    assert batch.channel == "api"
    assert batch.department.code == "zhzfj"
    assert batch.submitted_by is None
    assert batch.original_name.endswith(".csv")
    assert Path(batch.stored_file).exists()
    assert body["links"] == {
        "self": f"/api/v1/intake/jobs/{body['id']}",
        "batch": f"/api/v1/intake/batches/{batch.pk}",
    }
    job = ImportJob.objects.get(pk=body["id"])
    assert job.token is not None and job.token.name == "综合执法办案系统"
    assert job.requested_by is None
    assert not Path(job.stored_path).exists()  # the batch keeps the original; the upload is gone
    event = AuditEvent.objects.get(action="intake.api_import")
    assert event.actor_label == "token:综合执法办案系统"
    assert event.object_id == str(batch.pk)
    assert event.after["token"] == job.token_id
    assert audit_verify() is None


def test_rows_may_be_keyed_by_field_codes(client: Client, secret: str) -> None:
    from xinyong.catalog.selectors import category_in_force
    from xinyong.intake.schema import schema_of

    names = {spec.name: spec.code for spec in schema_of(category_in_force("admin_penalty", DECIDED)).fields}
    rows = [{names[key]: value for key, value in row.items()} for row in _rows("C")]
    rows[0]["CF_NR_FK"] = 2.5  # numbers and nulls are cells too
    rows[0]["BZ"] = None
    body = _post_rows(client, secret, rows).json()
    assert (body["result"]["accepted"], body["result"]["rejected"]) == (1, 1)
    record = Record.objects.get(key__startswith="澄利综执罚〔2026〕C1号")
    assert record.data["CF_NR_FK"] == "2.5"


@pytest.mark.parametrize(
    ("category", "rows", "status", "code"),
    [
        ("no_such", None, 404, "E_UNKNOWN_CATEGORY"),
        ("admin_penalty", [], 400, "E_BAD_REQUEST"),
        ("admin_penalty", [{"行政相对人名称": {"nested": 1}}], 400, "E_BAD_FORMAT"),
        ("admin_penalty", [{"行政处罚决定书文号": "x", "CF_WSH": "y"}], 400, "E_BAD_FORMAT"),
        ("admin_penalty", [{"行政相对人名称": "某公司", "备注": "缺少必填列"}], 422, "E_COLUMNS_MISSING"),
    ],
)
def test_refused_rows_answer_code_and_message(
    client: Client, secret: str, category: str, rows: Any, status: int, code: str
) -> None:
    response = _post_rows(client, secret, _rows() if rows is None else rows, category=category)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert not Batch.objects.exists()


def test_the_same_rows_twice_are_refused_as_a_repeated_file(client: Client, secret: str) -> None:
    assert _post_rows(client, secret, _rows()).status_code == 200
    response = _post_rows(client, secret, _rows())
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "E_DUPLICATE_FILE"
    assert ImportJob.objects.get(pk=body["job"]).status == ImportJobStatus.FAILED
    assert Batch.objects.count() == 1


def test_request_body_over_the_limit_is_413(client: Client, secret: str) -> None:
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = _post_rows(client, secret, _rows() * 5)
    assert response.status_code == 413
    assert response.json()["code"] == "E_REQUEST_TOO_LARGE"


# -- files and background jobs --------------------------------------------------------------------------------


def _csv(tmp_path: Path, tag: str) -> bytes:
    return factories.write_csv(tmp_path / f"{tag}.csv", _rows(tag)).read_bytes()


def test_a_small_file_is_imported_at_once(client: Client, secret: str, tmp_path: Path) -> None:
    upload = io.BytesIO(_csv(tmp_path, "F"))
    upload.name = "十一月处罚.csv"
    response = client.post("/api/v1/intake/admin_penalty/file", data={"file": upload}, **_auth(secret))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["original_name"] == "十一月处罚.csv"
    assert (body["result"]["accepted"], body["result"]["rejected"]) == (1, 1)


def test_a_large_file_runs_in_the_background_and_is_followed_by_its_job(
    client: Client, secret: str, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.XINYONG_BACKGROUND_IMPORT_BYTES = 100
    upload = io.BytesIO(_csv(tmp_path, "G"))
    upload.name = "大文件.csv"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/api/v1/intake/admin_penalty/file", data={"file": upload}, **_auth(secret))
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    assert client.get(f"/api/v1/intake/jobs/{job_id}", **_auth(secret)).json()["status"] == "queued"
    for callback in callbacks:  # the worker (here: the immediate backend) runs it once the job is committed
        callback()
    body = client.get(f"/api/v1/intake/jobs/{job_id}", **_auth(secret)).json()
    assert body["status"] == "done"
    assert body["rows_read"] == 2
    assert body["result"]["rejected"] == 1
    job = ImportJob.objects.get(pk=job_id)
    assert job.task_id
    assert job.started_at is not None and job.finished_at is not None
    assert AuditEvent.objects.get(action="intake.api_import").actor_label == "token:综合执法办案系统"


def test_a_file_that_is_not_a_spreadsheet_is_422(client: Client, secret: str) -> None:
    upload = io.BytesIO(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    upload.name = "scan.pdf"
    response = client.post("/api/v1/intake/admin_penalty/file", data={"file": upload}, **_auth(secret))
    assert response.status_code == 422
    assert response.json()["code"] == "E_FILE_UNREADABLE"


def test_jobs_and_batches_of_other_departments_are_not_found(client: Client, secret: str) -> None:
    body = _post_rows(client, secret, _rows()).json()
    _, other = token_create(department=factories.unit("hbk"), name="环保系统", actor=None)
    for url in (f"/api/v1/intake/jobs/{body['id']}", f"/api/v1/intake/batches/{body['batch']}"):
        response = client.get(url, **_auth(other))
        assert response.status_code == 404
        assert response.json()["code"] == "E_NOT_FOUND"
        assert client.get(url, **_auth(secret)).status_code == 200


def test_batch_answers_counts_and_every_row_error(client: Client, secret: str) -> None:
    body = _post_rows(client, secret, _rows()).json()
    batch = client.get(f"/api/v1/intake/batches/{body['batch']}", **_auth(secret)).json()
    assert (batch["rows"], batch["accepted"], batch["rejected"], batch["pending"]) == (2, 1, 1, 1)
    assert batch["errors"] == [
        {
            "row": 3,
            "field": "违法事实",
            "code": "E_REQUIRED",
            "message": "“违法事实”为必填项，不能为空",
            "status": "pending",
            "resolved_at": None,
            "resolved_by": "",
            "resolution_reason": "",
            "record": None,
            "replaced_by": None,
        }
    ]
    assert batch["next_offset"] is None
    assert batch["category_name"] == "行政处罚信息"


# -- progress while the batch runs ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_before_the_batch_commits(client: Client, secret: str, monkeypatch: Any) -> None:
    """Read inside the batch's transaction: on PostgreSQL the count was committed by a second connection, on
    SQLite it is in a file beside the upload (the batch holds the only write lock)."""
    seen: list[int] = []
    original = jobs._Progress.__call__

    def spy(self: jobs._Progress, rows: int) -> None:
        original(self, rows)
        job = ImportJob.objects.get(pk=self.job_id)
        assert job.status == ImportJobStatus.RUNNING
        seen.append(jobs.job_rows_read(job))

    monkeypatch.setattr(jobs._Progress, "__call__", spy)
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0)
    _post_rows(client, secret, _rows())
    assert seen == [2]


@pytest.mark.django_db(transaction=True)
def test_progress_written_aside_reaches_the_job_row(reference_data: None) -> None:
    """Outside SQLite the count goes through a second connection, outside the batch's transaction."""
    job = ImportJob.objects.create(
        category_code="admin_penalty",
        original_name="x.csv",
        stored_path="/nonexistent/x.csv",
        submitted_at=clock.now(),
        created_at=clock.now(),
        status=ImportJobStatus.RUNNING,
    )
    progress = jobs._Progress(job)
    progress.use_file = False
    progress(4321)
    progress.close()
    job.refresh_from_db()
    assert job.rows_read == 4321


# -- the description --------------------------------------------------------------------------------------------


def test_openapi_describes_the_intake_endpoints(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "xinyong 公共信用信息平台 API"
    assert spec["info"]["version"] == "v1"
    for path in (
        "/api/v1/intake/{category}/rows",
        "/api/v1/intake/{category}/file",
        "/api/v1/intake/jobs/{job_id}",
        "/api/v1/intake/batches/{batch_id}",
    ):
        assert path in spec["paths"], path
    assert "TokenAuth" in spec["components"]["securitySchemes"]


def test_docs_page_loads_swagger_from_local_static_files(client: Client, settings: Any) -> None:
    apps = list(settings.INSTALLED_APPS)
    with override_settings(INSTALLED_APPS=apps if "ninja" in apps else [*apps, "ninja"]):
        response = client.get("/api/v1/docs")
        html = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert '"validatorUrl": null' in html


# -- quality ----------------------------------------------------------------------------------------------------


def test_quality_of_the_tokens_department(client: Client, secret: str) -> None:
    posted = _post_rows(client, secret, _rows("Q"))
    assert posted.status_code == 200, posted.content
    response = client.get(f"/api/v1/intake/quality?year={DECIDED.year}", **_auth(secret))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["code"], body["year"]) == ("zhzfj", DECIDED.year)
    assert "admin_penalty" in body["coverage"]["provided"]
    # One of the two rows was rejected on receipt.
    assert (body["validity"]["rows"], body["validity"]["noncompliant"]) == (2, 1)
    assert body["validity"]["rate_percent"] == 50
    assert client.get(f"/api/v1/intake/quality?year={DECIDED.year}").status_code == 401
    refused = client.get("/api/v1/intake/quality?year=1800", **_auth(secret))
    assert refused.status_code == 400
    assert refused.json()["message"] == "请求内容不符合接口要求：查询参数 year：不能小于 2000"
