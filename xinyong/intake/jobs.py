"""Import jobs: a file submitted in the browser or through the API, on its one path into `import_file`.

Small files are imported while the request waits; larger ones (`XINYONG_BACKGROUND_IMPORT_BYTES`) are handed to
the background worker (django-tasks: the database backend and `xinyong db_worker` in production, the immediate
backend in the embedded mode and tests). Either way the job records its status, the rows read so far and the
outcome outside the batch's transaction, so a page or a departmental system can follow it while the batch runs.

Progress while the batch's transaction is open is written through a second database connection. SQLite has
one writer at a time and the batch holds it, so there the count goes to a small file beside the upload instead.

Progress is also the job's heartbeat: the claim and every progress write say the process is alive (the count's
row on PostgreSQL, the progress file's time on SQLite). A job silent for `XINYONG_IMPORT_STALE_SECONDS` was left
behind by a process that died (killed, out of memory, the machine restarted): whoever next looks at it marks it
failed with a message, so it never spins forever. Its batch never landed (a batch lands whole or not at all), so
the clerk only has to send the file again. There is no heartbeat thread: the import forks a checking process only
when it is its process's one thread.

The uploaded file is removed once its job has finished or failed; the batch's kept original stays under
media/intake.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django_tasks import task

from xinyong.access.models import ApiToken
from xinyong.access.tokens import TokenActor
from xinyong.audit import context
from xinyong.audit.services import audit_record
from xinyong.catalog.selectors import category_in_force
from xinyong.core import clock
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.intake.models import Batch, BatchChannel, ImportJob, ImportJobStatus
from xinyong.intake.readers import human_size
from xinyong.intake.services import ImportResult, import_file
from xinyong.org.models import Role, Unit
from xinyong.org.selectors import require_role, roles_of, units_for_role

logger = logging.getLogger(__name__)

DEFAULT_BACKGROUND_BYTES = 2 * 1024 * 1024
# Progress is written at most this often (seconds), however small the chunks.
PROGRESS_INTERVAL = 0.5
# How long a running job may go without a sign of life before it counts as abandoned (seconds). Progress comes
# after every chunk of rows; the longest silences are reading a large spreadsheet before its first chunk and the
# commit of a large batch, both well within this.
DEFAULT_STALE_SECONDS = 300.0


class JobErrorCode(StrEnum):
    """Stable codes of failures that belong to the job rather than to the file."""

    INTERNAL = "E_IMPORT_INTERNAL"
    NOT_QUEUED = "E_IMPORT_NOT_QUEUED"
    STALE = "E_IMPORT_STALE"


def background_threshold() -> int:
    return int(getattr(settings, "XINYONG_BACKGROUND_IMPORT_BYTES", DEFAULT_BACKGROUND_BYTES))


def stale_seconds() -> float:
    # Never shorter than a few progress writes, or a busy but healthy worker would be declared dead.
    return max(float(getattr(settings, "XINYONG_IMPORT_STALE_SECONDS", DEFAULT_STALE_SECONDS)), 4 * PROGRESS_INTERVAL)


def wall_now() -> dt.datetime:
    """The real time. Liveness of a process is measured in real seconds, even when the platform clock is pinned
    (`XINYONG_NOW`): a pinned clock never advances, so a dead worker would never look stale against it."""
    return dt.datetime.now(tz=dt.UTC)


def _upload_folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "intake" / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_store(*, chunks: Iterable[bytes], original_name: str) -> tuple[Path, int]:
    """Keep an upload under the data folder until its job has read it; refuse it past the size limit."""
    limit = int(settings.XINYONG_IMPORT_MAX_BYTES)
    suffix = Path(original_name).suffix.lower()[:10]
    path = _upload_folder() / f"{uuid.uuid4().hex}{suffix}"
    size = 0
    try:
        with path.open("wb") as handle:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise XinyongError(
                        ErrorCode.FILE_TOO_LARGE,
                        f"文件“{original_name}”超过上限 {human_size(limit)}，请拆分后分批报送。",
                    )
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, size


def import_job_submit(
    *,
    stored: Path,
    size: int,
    original_name: str,
    category_code: str,
    department: Unit | None,
    channel: str,
    actor: Any = None,
    token: ApiToken | None = None,
    background: bool | None = None,
) -> ImportJob:
    """Record a job for a stored upload, then import it now or hand it to the worker.

    The checks a clerk can act on at once (role, category) are made here, before anything is queued; the file's
    own checks are `import_file`'s. `background=None` decides by size. Returns the job as it stands afterwards:
    done or failed when it ran here, queued (or already done, with the immediate backend) otherwise.
    """
    try:
        if token is not None:
            if token.revoked_at is not None or token.department_id != getattr(department, "pk", None):
                raise XinyongError(ErrorCode.FORBIDDEN, "接口令牌无效或已吊销，或不属于该报送部门。")
        else:
            require_role(actor, Role.REPORTER, department)
        submitted_at = clock.now()
        category_in_force(category_code, submitted_at.astimezone(clock.LOCAL_TZ).date())
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    import_jobs_fail_stale()
    acting = context.current()
    job = ImportJob.objects.create(
        category_code=category_code,
        department=department,
        channel=channel,
        original_name=original_name[:255],
        stored_path=str(stored),
        size=size,
        submitted_at=submitted_at,
        requested_by=actor if getattr(actor, "pk", None) else None,
        token=token,
        request_id=acting.request_id,
        ip=acting.ip,
        created_at=submitted_at,
    )
    if background is None:
        background = size > background_threshold()
    if background:
        import_job_enqueue(job)
    else:
        import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def import_job_enqueue(job: ImportJob) -> None:
    """Hand the job to the worker once the job row is committed (so the worker can see it)."""
    job_id = job.pk

    def enqueue() -> None:
        try:
            result = import_job_task.enqueue(job_id)
        except Exception:
            logger.exception("import job %s could not be queued", job_id)
            _finish_failed(
                job_id,
                JobErrorCode.NOT_QUEUED,
                "后台导入任务无法排队，本文件未导入。请稍后重新上传，或联系信用办管理员检查后台任务设置。",
            )
            _remove_upload(job.stored_path)
            return
        ImportJob.objects.filter(pk=job_id).update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)


@task()
def import_job_task(job_id: int) -> dict[str, Any]:
    """The background task: run one import job (the worker's entry point)."""
    return import_job_run(job_id=job_id)


def import_job_run(*, job_id: int) -> dict[str, Any]:
    """Run a queued job through `import_file`. Never raises for a bad file: the job records the failure."""
    started = clock.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED).update(
        status=ImportJobStatus.RUNNING, started_at=started, heartbeat_at=wall_now()
    )
    job = ImportJob.objects.select_related("department", "requested_by", "token").get(pk=job_id)
    if not claimed:
        # Run twice (a retried task): the first run's outcome stands.
        return {"job": job.pk, "status": job.status}
    progress = _Progress(job)
    try:
        with context.acting(request_id=job.request_id or None, ip=job.ip):
            result = _import(job, progress)
    except XinyongError as exc:
        _finish_failed(job.pk, exc.code, exc.message)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _finish_failed(
            job.pk,
            JobErrorCode.INTERNAL,
            f"导入时发生内部错误，本文件未导入，已导入的数据不受影响。请稍后重试；如仍不成功，请联系信用办管理员"
            f"（导入任务 {job.pk}）。",
        )
    else:
        # Unconditional: had a slow but living run been declared stale, its landed batch still makes it done.
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJobStatus.DONE,
            rows_read=result.rows,
            result=job_result_json(result),
            batch_id=result.batch,
            finished_at=clock.now(),
        )
    finally:
        progress.close()
        # Done or failed, the upload has served: a landed batch keeps its own copy, named by its checksum.
        _remove_upload(job.stored_path)
    job.refresh_from_db()
    return {"job": job.pk, "status": job.status, "batch": job.batch_id}


def _import(job: ImportJob, progress: _Progress) -> ImportResult:
    token = job.token
    if token is not None:
        if token.revoked_at is not None:
            raise XinyongError(ErrorCode.FORBIDDEN, "接口令牌已吊销，本文件未导入。")
        # The token acts for its own department only (`require_role` knows token actors).
        actor: Any = TokenActor.of(token)
    else:
        actor = job.requested_by
        if actor is None:
            raise XinyongError(ErrorCode.FORBIDDEN, "提交该文件的用户已不存在，本文件未导入。")
    with transaction.atomic():
        result = import_file(
            path=Path(job.stored_path),
            category_code=job.category_code,
            department=job.department,
            submitted_at=job.submitted_at,
            actor=actor,
            channel=job.channel,
            original_name=job.original_name,
            progress=progress,
        )
        if token is not None:
            batch = Batch.objects.get(pk=result.batch)
            audit_record(
                actor=TokenActor.of(token),
                action="intake.api_import",
                obj=batch,
                summary=f"“{token.name}”通过接口报送：{job.original_name}，{result.rows} 行，"
                f"通过 {result.accepted}，未通过 {result.rejected}",
                after={
                    "token": token.pk,
                    "token_name": token.name,
                    "job": job.pk,
                    "department": job.department.code if job.department else None,
                    "category": result.category,
                    "rows": result.rows,
                    "accepted": result.accepted,
                    "rejected": result.rejected,
                },
            )
    return result


def job_result_json(result: ImportResult) -> dict[str, Any]:
    # The result already keeps only the first errors and counts them all (errors_total, errors_truncated).
    return result.as_dict()


def _finish_failed(job_id: int, code: str, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJobStatus.FAILED,
        error_code=str(code)[:40],
        error_message=message,
        finished_at=clock.now(),
    )


# -- progress while the batch's transaction is open ----------------------------------------------------------


def _progress_file(job: ImportJob) -> Path:
    return Path(f"{job.stored_path}.progress")


class _Progress:
    """Writes the rows read so far where other processes can see them before the batch commits."""

    def __init__(self, job: ImportJob) -> None:
        self.job_id = job.pk
        self.file = _progress_file(job)
        self.use_file = connections[DEFAULT_DB_ALIAS].vendor == "sqlite"
        self.side: BaseDatabaseWrapper | None = None
        self.last = 0.0
        self.broken = False

    def __call__(self, rows: int) -> None:
        now = time.monotonic()
        if self.broken or now - self.last < PROGRESS_INTERVAL:
            return
        self.last = now
        try:
            if self.use_file:
                temporary = self.file.with_name(self.file.name + ".tmp")
                temporary.write_text(str(rows), encoding="ascii")
                temporary.replace(self.file)
            else:
                self._write_aside(rows)
        except Exception:
            # Progress is a courtesy: it must never fail the import.
            logger.warning("progress of import job %s could not be written", self.job_id, exc_info=True)
            self.broken = True

    def _write_aside(self, rows: int) -> None:
        if self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        ops = self.side.ops
        table = ops.quote_name(ImportJob._meta.db_table)
        beat = ops.adapt_datetimefield_value(wall_now())
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET rows_read = %s, heartbeat_at = %s WHERE id = %s", [rows, beat, self.job_id]
            )

    def close(self) -> None:
        if self.side is not None:
            with contextlib.suppress(Exception):
                self.side.close()
            self.side = None
        self.file.unlink(missing_ok=True)
        self.file.with_name(self.file.name + ".tmp").unlink(missing_ok=True)


def _remove_upload(stored_path: str) -> None:
    if not stored_path:
        return
    for path in (Path(stored_path), Path(f"{stored_path}.progress"), Path(f"{stored_path}.progress.tmp")):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def job_last_heartbeat(job: ImportJob) -> dt.datetime | None:
    """The latest sign of life of a running job: its recorded heartbeat, or when its progress file was written."""
    beats = [job.heartbeat_at] if job.heartbeat_at else []
    with contextlib.suppress(OSError):
        beats.append(dt.datetime.fromtimestamp(_progress_file(job).stat().st_mtime, tz=dt.UTC))
    if not beats and job.started_at is not None:
        beats.append(job.started_at)  # a job claimed before heartbeats were kept
    return max(beats) if beats else None


def is_stale(last_beat: dt.datetime | None, now: dt.datetime, limit_seconds: float) -> bool:
    """Whether a running job has been silent too long. A job that never recorded a start or a beat is left
    alone: every run claims its job with both, so there is nothing to measure the silence from."""
    return last_beat is not None and (now - last_beat).total_seconds() > limit_seconds


def import_job_fail_if_stale(job: ImportJob) -> bool:
    """Mark a running job failed when the process running it has stopped beating. True when it did so."""
    if job.status != ImportJobStatus.RUNNING:
        return False
    limit = stale_seconds()
    now = wall_now()
    if not is_stale(job_last_heartbeat(job), now, limit):
        return False
    rows = job_rows_read(job)
    silence = f"{round(limit / 60)} 分钟" if limit >= 60 else f"{round(limit)} 秒"
    message = (
        f"后台导入已中断：处理该文件的进程超过 {silence}没有响应（可能已被终止或服务器已重启）"
        f"{f'，中断前已读取 {rows} 行' if rows else ''}。本文件未导入，已入库的数据不受影响，请重新上传该文件"
        f"（导入任务 {job.pk}）。"
    )
    # Conditional on the recorded heartbeat still being old, so a worker that has just beaten again wins.
    cutoff = now - dt.timedelta(seconds=limit)
    marked = (
        ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.RUNNING)
        .filter(models.Q(heartbeat_at__isnull=True) | models.Q(heartbeat_at__lt=cutoff))
        .update(
            status=ImportJobStatus.FAILED,
            rows_read=rows,
            error_code=JobErrorCode.STALE.value,
            error_message=message,
            finished_at=clock.now(),
        )
    )
    if not marked:
        return False
    logger.warning("import job %s abandoned by its worker: marked failed", job.pk)
    _remove_upload(job.stored_path)
    job.refresh_from_db()
    return True


def import_jobs_fail_stale() -> int:
    """Mark failed every running job whose worker has stopped; the number marked."""
    marked = 0
    for job in ImportJob.objects.filter(status=ImportJobStatus.RUNNING).order_by("id"):
        marked += import_job_fail_if_stale(job)
    return marked


def job_rows_read(job: ImportJob) -> int:
    """The rows read so far: the job's own count, or the progress file's where the database cannot take it."""
    rows = job.rows_read
    if job.status == ImportJobStatus.RUNNING:
        with contextlib.suppress(OSError, ValueError):
            rows = max(rows, int(_progress_file(job).read_text(encoding="ascii") or 0))
    return rows


# -- reads --------------------------------------------------------------------------------------------------


def import_job_get(*, user: Any, job_id: int) -> ImportJob:
    """A job the user may follow: their own, their departments' (reporter or reviewer), or any (credit office)."""
    job = (
        ImportJob.objects.select_related("department", "requested_by", "token", "batch")
        .filter(pk=job_id)
        .first()
    )
    if job is None:
        raise ImportJob.DoesNotExist(f"导入任务 {job_id} 不存在")
    _require_job_access(user, job)
    import_job_fail_if_stale(job)
    return job


def _require_job_access(user: Any, job: ImportJob) -> None:
    if getattr(user, "is_superuser", False) or job.requested_by_id == getattr(user, "pk", None):
        return
    if Role.CREDIT_ADMIN in roles_of(user):
        return
    for role in (Role.REPORTER, Role.REVIEWER):
        if job.department_id is not None and units_for_role(user, role).filter(pk=job.department_id).exists():
            return
    raise XinyongError(ErrorCode.FORBIDDEN, "您只能查看本单位的导入任务。")


def channel_label(channel: str) -> str:
    return str(dict(BatchChannel.choices).get(channel, channel))
