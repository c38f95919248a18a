"""The import path: a file from a department becomes checked records, held-back rows and a kept original.

One batch is one transaction: it lands whole or not at all. The original file is stored first (named by its
checksum) so nothing a clerk sent is ever lost, even when the batch itself is refused.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from xinyong.audit.services import audit_record
from xinyong.catalog.models import Category
from xinyong.catalog.selectors import category_in_force
from xinyong.core import clock, workdays
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.timeliness import Timeliness, timeliness
from xinyong.intake import readers
from xinyong.intake.columns import ColumnPlan, UnitRef, plan_columns, units_by_name
from xinyong.intake.models import Batch, BatchChannel, RejectedRow, ReviewStatus
from xinyong.intake.ownership import AuthorityCheck, not_owner_row
from xinyong.intake.pipeline import can_fork, in_child_process
from xinyong.intake.schema import Schema, schema_of
from xinyong.intake.staging import stage_drafts
from xinyong.intake.validation import CheckedRow, RowError, RowValidator
from xinyong.org.authority import AuthorityScope
from xinyong.org.models import Role, Unit
from xinyong.org.selectors import authority_scope, require_role, reviewed_categories
from xinyong.records.keys import record_key_of
from xinyong.records.services import RecordDraft, records_upsert
from xinyong.records.signals import records_changed
from xinyong.subjects.services import SubjectRef, subjects_resolve

# The result of an import carries this many of its errors and of its warnings, the first ones; all of them are
# counted, and every held-back row is kept with its errors in the batch (RejectedRow). A file of half a million bad
# rows would otherwise hold millions of error dicts in memory, and in the JSON answer.
RESULT_ERRORS_KEPT = 1000


@dataclass
class ImportResult:
    batch: int
    category: str
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    late: int = 0
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    replaced: int = 0
    # Rows waiting for the department's reviewer (review before publication); "pending" while any wait.
    staged: int = 0
    review: str = ""
    header_row: int | None = None
    # The first RESULT_ERRORS_KEPT errors and warnings; the totals count them all.
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors_total: int = 0
    warnings_total: int = 0

    def add_errors(self, errors: Iterable[dict[str, Any]]) -> None:
        self.errors_total += _keep_first(self.errors, errors)

    def add_warnings(self, warnings: Iterable[dict[str, Any]]) -> None:
        self.warnings_total += _keep_first(self.warnings, warnings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "category": self.category,
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "late": self.late,
            "created": self.created,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "replaced": self.replaced,
            "staged": self.staged,
            "review": self.review,
            "header_row": self.header_row,
            "errors": self.errors,
            "warnings": self.warnings,
            "errors_total": self.errors_total,
            "errors_truncated": self.errors_total > len(self.errors),
            "warnings_total": self.warnings_total,
        }


def _keep_first(kept: list[dict[str, Any]], items: Iterable[dict[str, Any]]) -> int:
    """Append items to ``kept`` up to RESULT_ERRORS_KEPT; the number of items."""
    count = 0
    for item in items:
        count += 1
        if len(kept) < RESULT_ERRORS_KEPT:
            kept.append(item)
    return count


# Rows are checked and written this many at a time, so memory stays flat whatever the file's size.
CHUNK_ROWS = 5000


def import_file(
    *,
    path: Path,
    category_code: str,
    department: Unit | None = None,
    submitted_at: dt.datetime | None = None,
    actor: Any = None,
    channel: str = BatchChannel.CLI,
    original_name: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Read, check and store one file into one catalog category, in one transaction.

    `progress`, when given, is called with the number of rows read so far after every chunk.
    """
    require_role(actor, Role.REPORTER, department)
    submitted_at = submitted_at or clock.now()
    submitted_on = submitted_at.astimezone(clock.LOCAL_TZ).date()
    original_name = original_name or path.name
    _check_size(path, original_name)
    category = category_in_force(category_code, submitted_on)
    schema = schema_of(category)
    fmt = readers.detect_format(path, original_name)
    sha256, stored = _keep_original(path, original_name)
    _refuse_repeated_file(sha256, category, department, original_name)

    header, data_rows, _sheet = readers.iter_rows_with_header(
        path, schema.header_aliases(), fmt=fmt, original_name=original_name
    )
    plan = plan_columns(
        schema,
        header,
        department=UnitRef(department.name, department.uscc) if department else None,
        header_texts=_header_texts(schema, header),
        other_schemas=[schema_of(c) for c in Category.objects.filter(is_active=True).exclude(code=category.code)],
    )
    result = ImportResult(batch=0, category=category.code, header_row=header.row_number)
    result.add_warnings({"row": header.row_number, "field": "", "code": "", "message": w} for w in plan.warnings)
    with transaction.atomic():
        batch = Batch.objects.create(
            category=category,
            department=department,
            submitted_by=actor if getattr(actor, "pk", None) else None,
            channel=channel,
            submitted_at=submitted_at,
            original_name=original_name[:255],
            stored_file=str(stored),
            sha256=sha256,
            size=path.stat().st_size,
            file_format=fmt,
            header_row=header.row_number,
            created_at=clock.now(),
        )
        writer = _BatchWriter(
            batch=batch, schema=schema, department=department, submitted_at=submitted_at, result=result,
            review=category.code in reviewed_categories(department),
        )
        checker = _RowChecker(
            schema=schema,
            header=header,
            plan=plan,
            submitted_on=submitted_at.astimezone(clock.LOCAL_TZ).date(),
            units=units_by_name(list(Unit.objects.all())),
            scope=authority_scope(department) if department else None,
        )
        rows = _data_rows(data_rows, header)
        checked_chunks: Iterator[CheckedChunk] = (checker.check(chunk) for chunk in _chunks(rows, CHUNK_ROWS))
        if _check_in_parallel(path):
            checked_chunks = in_child_process(checked_chunks)
        for checked in checked_chunks:
            writer.write(checked)
            if progress is not None:
                progress(result.rows)
        if result.rows == 0:
            raise XinyongError(
                ErrorCode.NO_DATA_ROWS,
                f"文件“{original_name}”在第{header.row_number}行的表头之下没有数据行，本文件未导入。",
            )
        result.batch = batch.pk
        if result.staged:
            result.review = ReviewStatus.PENDING.value
        Batch.objects.filter(pk=batch.pk).update(
            rows=result.rows, accepted=result.accepted, rejected=result.rejected, late=result.late,
            review_status=result.review,
        )
        # Local import: corrections builds on this module's helpers.
        from xinyong.intake.corrections import rejected_rows_replace

        result.replaced = rejected_rows_replace(batch=batch, keys=writer.keys)
        if result.created or result.revised:
            records_changed.send(
                sender=Batch, category_code=category.code, batch=batch, record_ids=None, actor=actor
            )
        audit_record(
            actor=actor,
            action="intake.batch_imported",
            obj=batch,
            summary=f"{category.name}：{original_name}，{result.rows} 行，通过 {result.accepted}，未通过 {result.rejected}",
            after={
                "category": category.code,
                "department": department.code if department else None,
                "sha256": sha256,
                "rows": result.rows,
                "accepted": result.accepted,
                "rejected": result.rejected,
                "late": result.late,
                "created": result.created,
                "revised": result.revised,
                "replaced": result.replaced,
                "staged": result.staged,
            },
        )
    return result


@dataclass
class CheckedChunk:
    """One chunk of rows after checking: what the database stage needs, and nothing that needs the database."""

    rows: int = 0
    accepted: list[tuple[RecordDraft, SubjectRef | None]] = field(default_factory=list)
    # (row number, the cells as read, the row's errors)
    rejected: list[tuple[int, dict[str, Any], list[dict[str, Any]]]] = field(default_factory=list)


class _RowChecker:
    """Checks rows one chunk at a time. Pure: it may run in a separate process while the batch is written."""

    def __init__(
        self, *, schema: Schema, header: readers.HeaderMatch, plan: ColumnPlan, submitted_on: dt.date,
        units: dict[str, Any], scope: AuthorityScope | None = None,
    ) -> None:
        self.schema = schema
        self.authority = AuthorityCheck(schema, scope)
        self.plan = plan
        self.units = units
        self.validator = RowValidator(schema, submitted_on=submitted_on, present_columns=plan.present)
        self.cells_of = _cell_reader(header)
        self.first_row_of_key: dict[str, int] = {}

    def check(self, rows: list[readers.RawRow]) -> CheckedChunk:
        schema = self.schema
        chunk = CheckedChunk(rows=len(rows))
        for raw in rows:
            cells = self.plan.complete(self.cells_of(raw), self.units)
            checked = self.validator.check(cells)
            if checked.ok and (refusal := self.authority.error(checked)):
                checked.errors.append(refusal)
            key = _record_key(schema, checked) if checked.ok else ""
            if checked.ok and key in self.first_row_of_key:
                checked.errors.append(_duplicate_error(schema, self.first_row_of_key[key]))
            if not checked.ok:
                errors = [
                    {"row": raw.number, "field": e.label, "code": str(e.code), "message": e.message}
                    for e in checked.errors
                ]
                chunk.rejected.append((raw.number, _jsonable(cells), errors))
                continue
            self.first_row_of_key[key] = raw.number
            decision = checked.dates.get(schema.decision_date_field) if schema.decision_date_field else None
            chunk.accepted.append(
                (RecordDraft(raw.number, key, checked.values, None, decision), _subject_ref(schema, checked))
            )
        return chunk


class _BatchWriter:
    """Stores one checked chunk at a time inside the batch's transaction."""

    def __init__(
        self,
        *,
        batch: Batch,
        schema: Schema,
        department: Unit | None,
        submitted_at: dt.datetime,
        result: ImportResult,
        review: bool = False,
    ) -> None:
        self.batch = batch
        self.review = review
        self.schema = schema
        self.department = department
        self.submitted_at = submitted_at
        self.result = result
        # The decisions this batch holds: a later file's corrections replace the matching held-back rows.
        self.keys: set[str] = set()
        self.known_subjects: dict[tuple[str, str], int] = {}
        calendar = workdays.get_calendar()
        cycle = schema.cycle_workdays if schema.cycle_kind == "workdays_after_decision" else None

        # Thousands of rows share a handful of decision dates: each pair is worked out once.
        @functools.lru_cache(maxsize=8192)
        def timeliness_of(decision: dt.date | None, first_submitted: dt.date) -> Timeliness:
            return timeliness(calendar, decision=decision, workdays=cycle, submitted_on=first_submitted)

        self.timeliness_of = timeliness_of

    def write(self, checked: CheckedChunk) -> None:
        result = self.result
        result.rows += checked.rows
        refs = [ref for _, ref in checked.accepted]
        ids = self._subject_ids(refs)
        drafts = [
            RecordDraft(d.row_number, d.key, d.data, ids.get(ref.key()) if ref else None, d.decision_date)
            for d, ref in checked.accepted
        ]
        source_unit_id = self.department.pk if self.department else None
        if self.review:
            counts = stage_drafts(
                batch=self.batch,
                drafts=drafts,
                source_unit_id=source_unit_id,
                submitted_on=self.submitted_at.astimezone(clock.LOCAL_TZ).date(),
                timeliness_of=self.timeliness_of,
            )
        else:
            counts = records_upsert(
                batch=self.batch,
                category=self.batch.category,
                source_unit_id=source_unit_id,
                submitted_at=self.submitted_at,
                drafts=drafts,
                timeliness_of=self.timeliness_of,
            )
        rejected = checked.rejected + [
            not_owner_row(self.schema, draft.row_number, _jsonable(draft.data)) for draft in counts.refused
        ]
        refused_keys = {draft.key for draft in counts.refused}
        self.keys.update(draft.key for draft in drafts if draft.key not in refused_keys)
        RejectedRow.objects.bulk_create(
            [
                RejectedRow(batch=self.batch, row_number=number, values=cells, errors=errors)
                for number, cells, errors in rejected
            ],
            batch_size=2000,
        )
        for _, _, errors in rejected:
            result.add_errors(errors)
        result.accepted += len(drafts) - len(counts.refused)
        result.rejected += len(rejected)
        result.late += counts.late
        result.created += counts.created
        result.revised += counts.revised
        result.unchanged += counts.unchanged
        result.staged += counts.staged
        result.add_warnings(
            {"row": row, "field": "报送期限", "code": str(ErrorCode.CALENDAR_YEAR_UNKNOWN), "message": message}
            for row, message in counts.warnings
        )
        result.add_warnings(
            {"row": row, "field": "公示截止期", "code": str(ErrorCode.PUBLICITY_TERM_ADJUSTED), "message": message}
            for row, message in counts.publicity_warnings
        )

    def _subject_ids(self, refs: list[SubjectRef | None]) -> dict[tuple[str, str], int]:
        """Subject ids for a chunk's rows; a subject met in an earlier chunk is not looked up again.

        Registry categories always go to the registry service: each row may update what it holds.
        """
        wanted = [ref for ref in refs if ref is not None]
        if self.schema.is_registry:
            return subjects_resolve(wanted, update_registry=True)
        known = self.known_subjects
        if len(known) > _KNOWN_SUBJECTS_CAP:
            known.clear()
        known.update(subjects_resolve([ref for ref in wanted if ref.key() not in known]))
        return known


# Subject ids remembered across a batch's chunks: about 150 bytes each.
_KNOWN_SUBJECTS_CAP = 500_000


def _check_in_parallel(path: Path) -> bool:
    threshold = settings.XINYONG_IMPORT_PARALLEL_BYTES
    return bool(threshold) and path.stat().st_size >= threshold and can_fork()


def _chunks(rows: Iterator[readers.RawRow], size: int) -> Iterator[list[readers.RawRow]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _check_size(path: Path, original_name: str) -> None:
    size = path.stat().st_size
    if size == 0:
        raise XinyongError(ErrorCode.FILE_EMPTY, f"文件“{original_name}”是空文件，没有可导入的内容。")
    limit = settings.XINYONG_IMPORT_MAX_BYTES
    if size > limit:
        raise XinyongError(
            ErrorCode.FILE_TOO_LARGE,
            f"文件“{original_name}”大小为 {readers.human_size(size)}，超过上限 {readers.human_size(limit)}，请拆分后分批报送。",
        )


def _refuse_repeated_file(sha256: str, category: Category, department: Unit | None, original_name: str) -> None:
    """The very same file sent again would only repeat its held-back rows and inflate the figures."""
    earlier = (
        Batch.objects.filter(sha256=sha256, category__code=category.code, department=department)
        .exclude(review_status=ReviewStatus.RETURNED)
        .first()
    )
    if earlier is not None:
        when = earlier.submitted_at.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
        raise XinyongError(
            ErrorCode.DUPLICATE_FILE,
            f"文件“{original_name}”与 {when} 报送的批次 {earlier.pk}（{earlier.original_name}）内容完全相同，未重复导入。"
            "如需更正，请修改后重新报送。",
        )


def _header_texts(schema: Schema, header: readers.HeaderMatch) -> dict[int, str]:
    texts = dict(header.unknown)
    for index, code in header.columns.items():
        spec = schema.field(code)
        texts[index] = spec.name if spec else code
    return texts


def _cycle_workdays(schema: Schema) -> int | None:
    return schema.cycle_workdays if schema.cycle_kind == "workdays_after_decision" else None


def _keep_original(path: Path, original_name: str) -> tuple[str, Path]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    sha256 = digest.hexdigest()
    folder = Path(settings.MEDIA_ROOT) / "intake" / sha256[:2]
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(original_name).suffix.lower()[:10]
    stored = folder / f"{sha256}{suffix}"
    if not stored.exists():
        shutil.copyfile(path, stored)
    return sha256, stored


def _data_rows(rows: Iterator[readers.RawRow], header: readers.HeaderMatch) -> Iterator[readers.RawRow]:
    for raw in rows:
        if _is_total_row(raw):
            continue
        if readers.is_note_row(raw, header):
            # Notes at the bottom of a template end the data; anything after them is not data either.
            return
        if any(raw.cells[i] not in (None, "") for i in header.columns if i < len(raw.cells)):
            yield raw


_TOTAL_WORDS = frozenset({"合计", "总计", "小计", "合 计", "总 计"})


def _is_total_row(raw: readers.RawRow) -> bool:
    first = next((cell for cell in raw.cells if cell not in (None, "")), None)
    return isinstance(first, str) and first.strip() in _TOTAL_WORDS


def _cell_reader(header: readers.HeaderMatch) -> Callable[[readers.RawRow], dict[str, object]]:
    """The fastest way to read a row's cells by field for this header (millions of rows go through it)."""
    columns = sorted(header.columns.items())
    codes = [code for _, code in columns]
    if len(set(codes)) < len(codes):
        return lambda raw: _cells_by_field(raw, header)
    width = columns[-1][0] + 1 if columns else 0

    def read(raw: readers.RawRow) -> dict[str, object]:
        cells = raw.cells
        if len(cells) >= width:
            return {code: value for index, code in columns if (value := cells[index]) is not None and value != ""}
        # Readers leave out a row's empty cells at its end.
        count = len(cells)
        return {
            code: value
            for index, code in columns
            if index < count and (value := cells[index]) is not None and value != ""
        }

    return read


def _cells_by_field(raw: readers.RawRow, header: readers.HeaderMatch) -> dict[str, object]:
    cells: dict[str, object] = {}
    for index, code in header.columns.items():
        value = raw.cells[index] if index < len(raw.cells) else None
        if value is None or value == "":
            continue
        if code in cells:
            # Two columns for one field (the older layout's 处罚类别1 and 处罚类别2) are read as one list.
            cells[code] = f"{cells[code]}、{value}"
        else:
            cells[code] = value
    return cells


def _jsonable(cells: dict[str, object]) -> dict[str, Any]:
    return {
        code: value.isoformat() if isinstance(value, dt.date | dt.datetime | dt.time) else value
        for code, value in cells.items()
    }


def _record_key(schema: Schema, checked: CheckedRow) -> str:
    """The identity of a decision (see `record_key_of`)."""
    return record_key_of([str(checked.values.get(code, "")) for code in schema.key_fields])


def _field_label(schema: Schema, code: str) -> str:
    spec = schema.field(code)
    return spec.name if spec else code


def _duplicate_error(schema: Schema, first_row: int) -> RowError:
    labels = "、".join(_field_label(schema, code) for code in schema.key_fields)
    return RowError(
        schema.key_fields[0] if schema.key_fields else "",
        labels,
        ErrorCode.DUPLICATE_IN_FILE,
        f"与第{first_row}行的{labels}相同，同一文件中同一条记录只能出现一次",
    )


def _subject_ref(schema: Schema, checked: CheckedRow) -> SubjectRef | None:
    mapping = schema.subject_mapping
    values = checked.values
    name = values.get(mapping.get("name", ""))
    uscc = values.get(mapping.get("uscc", ""))
    number = values.get(mapping.get("id_number", ""))
    if not name or not (uscc or number):
        return None
    category = values.get(mapping.get("category", ""))
    if category is None:
        category = "自然人" if (number and not uscc) else ("个体工商户" if str(uscc).startswith("92") else "法人及非法人组织")
    established = checked.dates.get(mapping.get("established_on", ""))
    return SubjectRef(
        party_category=str(category),
        name=str(name),
        uscc=str(uscc) if uscc else None,
        id_type=str(values.get(mapping.get("id_type", ""), "居民身份证")) if not uscc else "",
        id_number=str(number) if number and not uscc else None,
        legal_rep=str(values.get(mapping.get("legal_rep", ""), "")),
        kind_label=str(values.get(mapping.get("kind", ""), "")),
        established_on=established,
        address=str(values.get(mapping.get("address", ""), "")),
    )
