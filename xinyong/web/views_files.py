"""File downloads for people: a category's template and a batch's rejected rows, as .xlsx.

The same section checks as the pages guard them (`section_view`), and the same selectors scope them: whoever
can open a category page can download its template; whoever can open a batch page can download its rejected
rows. The rejected rows carry what the department sent, personal document numbers included, so every download
of them is written to the audit trail.
"""

from __future__ import annotations

from urllib.parse import quote

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from xinyong.access.pages import section_view
from xinyong.audit.services import audit_record
from xinyong.catalog.selectors import fields_of
from xinyong.intake import spreadsheets
from xinyong.intake.models import RejectedRowStatus
from xinyong.web import selectors as web_selectors

REJECTED_EXPORTED_ACTION = "intake.rejected_rows_exported"


def content_disposition(filename: str, fallback: str) -> str:
    """An attachment header with the Chinese name (RFC 5987/6266) and a plain ASCII name for old clients."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _xlsx(data: bytes, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type=spreadsheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename, fallback)
    # Built for this user from data behind a login: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@section_view("catalog")
def category_template(request: HttpRequest, pk: int) -> HttpResponse:
    page = web_selectors.category_page(category_id=pk)
    category = page.category
    unit = spreadsheets.example_unit_for(category, prefer=getattr(request.user, "unit", None))
    data = spreadsheets.template_xlsx(category, page.fields, unit=unit)
    fallback = f"{category.code}-template-v{category.version}.xlsx"
    return _xlsx(data, spreadsheets.template_filename(category), fallback)


@require_GET
@section_view("batches")
def batch_rejected(request: HttpRequest, pk: int) -> HttpResponse:
    batch = web_selectors.batch_get(user=request.user, batch_id=pk)
    pending = web_selectors.rejected_rows(batch=batch).filter(status=RejectedRowStatus.PENDING)
    total = pending.count()
    rows = list(pending[: spreadsheets.MAX_EXPORT_ROWS])
    data = spreadsheets.rejected_rows_xlsx(batch, rows, fields_of(batch.category), total=total)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action=REJECTED_EXPORTED_ACTION,
            obj=batch,
            summary=f"下载未通过校验的数据：批次 {batch.pk}（{batch.original_name}），{len(rows)} 行",
            after={"rows": [row.row_number for row in rows]},
        )
    return _xlsx(data, spreadsheets.rejected_filename(batch), f"batch-{batch.pk}-rejected.xlsx")
