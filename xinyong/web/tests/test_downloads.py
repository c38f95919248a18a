"""The two downloads: a category's template and a batch's rejected rows, with the pages' own access rules."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.catalog.models import Category
from xinyong.catalog.selectors import fields_of
from xinyong.intake.models import Batch, RejectedRow, RejectedRowStatus
from xinyong.intake.services import import_file
from xinyong.web.tests import factories
from xinyong.web.views_files import REJECTED_EXPORTED_ACTION

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _penalty() -> Category:
    return Category.objects.get(code="admin_penalty", version=1)


def _template_url() -> str:
    return reverse("web:category_template", args=[_penalty().pk])


def _rejected_url(batch: Batch) -> str:
    return reverse("web:batch_rejected", args=[batch.pk])


def _book(response: Any) -> Any:
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _header(sheet: Any) -> list[str]:
    return [c.value for c in sheet[2] if c.value is not None]


# -- the template -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "reporter", "reviewer", "handler", "auditor"])
def test_every_role_that_sees_the_catalog_downloads_the_template(role: str, login: Any, users: Any) -> None:
    response = login(role).get(_template_url())
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="admin_penalty-template-v1.xlsx"' in disposition
    assert f"filename*=UTF-8''{quote('行政处罚信息_报送模板_v1.xlsx')}" in disposition
    assert "no-store" in response["Cache-Control"]
    sheet = _book(response).worksheets[0]
    assert _header(sheet) == [f.name for f in fields_of(_penalty())]


def test_template_names_the_reporters_own_department_in_its_example(login: Any, users: Any) -> None:
    sheet = _book(login("reporter").get(_template_url())).worksheets[0]
    names = _header(sheet)
    unit = factories.unit("zhzfj")
    assert sheet.cell(row=3, column=names.index("处罚机关") + 1).value == unit.name
    assert sheet.cell(row=3, column=names.index("处罚机关统一社会信用代码") + 1).value == unit.uscc


def test_downloaded_template_imports_back(login: Any, users: Any, tmp_path: Path) -> None:
    response = login("reporter").get(_template_url())
    path = tmp_path / "模板.xlsx"
    path.write_bytes(response.content)
    result = import_file(
        path=path, category_code="admin_penalty", department=factories.unit("zhzfj"), actor=users["reporter"]
    )
    assert (result.rows, result.accepted, result.rejected) == (1, 1, 0), result.errors


def test_template_refused_without_a_role_or_a_login(client: Client, login: Any, users: Any) -> None:
    url = _template_url()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("web:login"))
    response = login("norole").get(url)
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_template_of_an_unknown_category_is_404(login: Any, users: Any) -> None:
    assert login("admin").get(reverse("web:category_template", args=[999_999])).status_code == 404


def test_template_download_is_get_only(login: Any, users: Any) -> None:
    assert login("admin").post(_template_url()).status_code == 405


def test_category_page_links_to_its_template(login: Any, users: Any) -> None:
    html = login("handler").get(reverse("web:category", args=[_penalty().pk])).content.decode()
    assert f'href="{_template_url()}"' in html
    assert "下载报送模板（.xlsx）" in html


# -- the rejected rows --------------------------------------------------------------------------------------------


def _pending(batch: Batch) -> list[RejectedRow]:
    return list(
        RejectedRow.objects.filter(batch=batch, status=RejectedRowStatus.PENDING).order_by("row_number")
    )


@pytest.mark.parametrize(
    ("role", "batch"),
    [
        ("admin", "zhzfj"),
        ("admin", "hbk"),
        ("reporter", "zhzfj"),
        ("reviewer", "hbk"),
        ("reporter_hbk", "hbk"),
    ],
)
def test_who_sees_the_batch_downloads_its_rejected_rows(
    role: str, batch: str, login: Any, batches: dict[str, Batch]
) -> None:
    item = batches[batch]
    response = login(role).get(_rejected_url(item))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert f'filename="batch-{item.pk}-rejected.xlsx"' in disposition
    expected = f"处罚信息{'A' if batch == 'zhzfj' else 'B'}_未通过校验的数据_批次{item.pk}.xlsx"
    assert f"filename*=UTF-8''{quote(expected)}" in disposition
    assert "no-store" in response["Cache-Control"]

    sheet = _book(response).worksheets[0]
    names = _header(sheet)
    assert names[:2] == ["原行号", "错误说明"]
    stored = _pending(item)
    assert [sheet.cell(row=r, column=1).value for r in range(3, sheet.max_row + 1)] == [
        row.row_number for row in stored
    ]
    first = stored[0]
    for error in first.errors:
        cell = sheet.cell(row=3, column=names.index(error["field"]) + 1)
        assert cell.fill.fgColor.rgb == "FFFFC7CE"
        assert error["message"] in cell.comment.text
        assert error["message"] in sheet.cell(row=3, column=2).value


@pytest.mark.parametrize(
    ("role", "batch"),
    [
        ("reporter_hbk", "zhzfj"),
        ("reviewer", "zhzfj"),
        ("reporter", "hbk"),
        ("handler", "zhzfj"),
        ("auditor", "zhzfj"),
        ("norole", "zhzfj"),
    ],
)
def test_who_cannot_see_the_batch_gets_403(
    role: str, batch: str, login: Any, batches: dict[str, Batch]
) -> None:
    response = login(role).get(_rejected_url(batches[batch]))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode() or "本单位" in response.content.decode()
    assert not AuditEvent.objects.filter(action=REJECTED_EXPORTED_ACTION).exists()


def test_rejected_rows_refused_to_anonymous_and_404_for_unknown(
    client: Client, login: Any, batches: dict[str, Batch]
) -> None:
    response = client.get(_rejected_url(batches["zhzfj"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))
    assert login("admin").get(reverse("web:batch_rejected", args=[999_999])).status_code == 404


def test_each_download_of_rejected_rows_is_audited(login: Any, users: Any, batches: dict[str, Batch]) -> None:
    batch = batches["zhzfj"]
    login("reporter").get(_rejected_url(batch))
    event = AuditEvent.objects.get(action=REJECTED_EXPORTED_ACTION)
    assert event.actor == users["reporter"]
    assert event.object_id == str(batch.pk)
    assert event.after == {"rows": [row.row_number for row in _pending(batch)]}
    assert audit_verify() is None


def test_only_rows_still_waiting_for_correction_are_exported(login: Any, batches: dict[str, Batch]) -> None:
    batch = batches["zhzfj"]
    RejectedRow.objects.filter(batch=batch).update(status=RejectedRowStatus.DISCARDED)
    sheet = _book(login("reporter").get(_rejected_url(batch))).worksheets[0]
    assert sheet.max_row == 2
    assert "共 0 行" in sheet["A1"].value


def test_rejected_rows_downloaded_corrected_and_imported_again(
    login: Any, users: Any, batches: dict[str, Batch], tmp_path: Path
) -> None:
    batch = batches["zhzfj"]
    book = _book(login("reporter").get(_rejected_url(batch)))
    sheet = book.worksheets[0]
    names = _header(sheet)
    sheet.cell(row=3, column=names.index("统一社会信用代码") + 1).value = factories.company_uscc(12)
    sheet.cell(row=3, column=names.index("违法事实") + 1).value = "未按规定办理排污许可，擅自排放污水"
    path = tmp_path / "更正.xlsx"
    book.save(path)
    result = import_file(
        path=path, category_code="admin_penalty", department=factories.unit("zhzfj"), actor=users["reporter"]
    )
    assert (result.rows, result.accepted, result.rejected) == (1, 1, 0), result.errors


def test_batch_page_links_to_the_rejected_rows_download(login: Any, batches: dict[str, Batch]) -> None:
    batch = batches["zhzfj"]
    html = login("reporter").get(reverse("web:batch", args=[batch.pk])).content.decode()
    assert f'href="{_rejected_url(batch)}"' in html
    assert "下载待更正数据（.xlsx）" in html
