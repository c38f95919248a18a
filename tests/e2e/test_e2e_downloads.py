"""Downloads in a real browser: a reporter takes the rejected rows of a batch and the template of a category."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import sign_in
from xinyong.audit.models import AuditEvent
from xinyong.intake.models import RejectedRow
from xinyong.intake.services import import_file
from xinyong.web.tests import factories
from xinyong.web.views_files import REJECTED_EXPORTED_ACTION

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DECIDED = dt.date(2026, 11, 2)



def test_reporter_downloads_rejected_rows_corrects_and_reimports(
    web_page: Page, live_server: Any, tmp_path: Path
) -> None:
    factories.load_reference()
    reporter = factories.make_user("reporter", [("reporter", "zhzfj")], name="钱立")
    result = factories.good_and_bad_penalties(
        tmp_path,
        department=factories.unit("zhzfj"),
        actor=reporter,
        decided=DECIDED,
        tag="D",
        with_person=False,
    )
    bad = RejectedRow.objects.get(batch_id=result.batch)
    page, base = web_page, live_server.url

    sign_in(page, base, "reporter")
    page.goto(f"{base}/batches/{result.batch}/")
    expect(page.get_by_role("heading", name="未通过校验的数据（1 行）")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="下载待更正数据（.xlsx）").click()
    download = info.value
    assert download.suggested_filename == f"处罚信息D_未通过校验的数据_批次{result.batch}.xlsx"
    saved = tmp_path / "downloaded.xlsx"
    download.save_as(saved)

    book = openpyxl.load_workbook(saved)
    sheet = book.worksheets[0]
    names = [c.value for c in sheet[2] if c.value is not None]
    assert names[:2] == ["原行号", "错误说明"]
    assert sheet.cell(row=3, column=1).value == bad.row_number
    assert "“违法事实”为必填项" in sheet.cell(row=3, column=2).value
    uscc = sheet.cell(row=3, column=names.index("统一社会信用代码") + 1)
    assert uscc.value == "91320281MA1XXXXXX1"
    assert uscc.fill.fgColor.rgb == "FFFFC7CE"
    assert uscc.comment is not None and uscc.comment.text
    assert (
        AuditEvent.objects.filter(action=REJECTED_EXPORTED_ACTION, object_id=str(result.batch)).count() == 1
    )

    # The clerk corrects the two red cells in the downloaded file and sends it again.
    uscc.value = factories.company_uscc(21)
    sheet.cell(row=3, column=names.index("违法事实") + 1).value = "未按规定办理排污许可，擅自排放污水"
    corrected = tmp_path / "更正.xlsx"
    book.save(corrected)
    again = import_file(
        path=corrected, category_code="admin_penalty", department=factories.unit("zhzfj"), actor=reporter
    )
    assert (again.rows, again.accepted, again.rejected) == (1, 1, 0), again.errors


def test_template_downloads_from_the_category_page(web_page: Page, live_server: Any, tmp_path: Path) -> None:
    factories.load_reference()
    factories.make_user("handler", [("handler", "zwfwzx")], name="李敏")
    page, base = web_page, live_server.url

    sign_in(page, base, "handler")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="信息目录").click()
    page.get_by_role("link", name="行政许可信息").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="下载报送模板（.xlsx）").click()
    download = info.value
    assert download.suggested_filename == "行政许可信息_报送模板_v1.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames[:2] == ["行政许可信息", "填报说明"]
    assert book.worksheets[0]["A2"].value == "行政相对人名称"
