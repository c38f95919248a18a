"""The monitoring page (watch a subject or a whole file of them, see and handle alerts) and the figures page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from xinyong.lists.models import Alert, CheckLog, CheckOutcome, ListEntry, Watch
from xinyong.lists.services import check_subject, entry_exit
from xinyong.lists.tests.conftest import HENGYUAN, listed
from xinyong.org.models import User
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client: Client, handler: User, entries: dict[str, ListEntry]) -> Client:
    client.force_login(handler)
    return client


def test_watching_a_file_of_recipients_then_a_listing_alerts_the_department(officer: Client, handler: User) -> None:
    upload = SimpleUploadedFile(
        "拨付对象.csv",
        "名称,统一社会信用代码\n江阴市利港新材料科技有限公司,\n江阴市利港恒远机械有限公司,\n".encode(),
        content_type="text/csv",
    )
    response = officer.post(reverse("lists:watches"), {"reason": "2026年工业专项资金拨付对象", "file": upload})
    assert response.status_code == 302
    assert Watch.objects.filter(department=handler.unit).count() == 2
    page = officer.get(reverse("lists:watches")).content.decode()
    # Hengyuan is on the court list already: screened at once.
    assert "江阴市利港恒远机械有限公司" in page and "新列入名单" in page

    listed("wage_arrears", "江阴市利港新材料科技有限公司")
    alert = Alert.objects.get(watch__name="江阴市利港新材料科技有限公司")
    assert alert.entry.kind.code == "wage_arrears"
    assert officer.post(reverse("lists:alert_read", args=[alert.pk])).status_code == 302
    alert.refresh_from_db()
    assert alert.read_at is not None and alert.read_by == handler

    entry_exit(actor=None, entry=alert.entry, reason="performance", note="已足额支付拖欠工资")
    assert Alert.objects.filter(watch=alert.watch, event="exited").exists()
    # Another department sees none of this.
    other = factories.make_user("hbk-handler", [("handler", "hbk")])
    officer.force_login(other)
    assert "江阴市利港恒远机械有限公司" not in officer.get(reverse("lists:watches")).content.decode()
    assert officer.post(reverse("lists:alert_read", args=[alert.pk])).status_code == 404


def test_a_watch_form_without_a_subject_is_answered_in_chinese(officer: Client) -> None:
    response = officer.post(reverse("lists:watches"), {"reason": "专项资金"})
    assert response.status_code == 400
    assert "请填写主体名称或统一社会信用代码，或上传主体名单。" in response.content.decode()


def test_figures_page_shows_the_departments_checks(officer: Client, handler: User) -> None:
    check_subject(actor=handler, matter="procurement", purpose="采购资格审查", code=HENGYUAN)
    page = officer.get(reverse("lists:figures") + "?year=2026").content.decode()
    assert "2026年联合奖惩核查统计" in page and "政府采购" in page
    assert "未反馈" in page and '<span class="tag tag-warn">1</span>' in page


def test_a_record_hit_on_the_result_page_takes_feedback(officer: Client, handler: User, tmp_path: Path) -> None:
    from xinyong.lists.tests.test_imports import _penalty

    record = _penalty(tmp_path, "澄综执罚〔2026〕7号", kinds="吊销许可证件", fine="", decided=dt.date(2026, 5, 6))
    response = officer.post(reverse("lists:check"), {"matter": "procurement", "purpose": "采购资格审查", "query": HENGYUAN})
    log = CheckLog.objects.get()
    page = officer.get(response["Location"]).content.decode()
    assert "1 条须适用措施的信用记录" in page and "澄综执罚〔2026〕7号" in page and "国务院令第658号" in page
    refused = officer.post(reverse("lists:check_outcome", args=[log.pk]), {"record": record.pk})
    assert refused.status_code == 400 and "请选择是否已实施措施。" in refused.content.decode()
    done = officer.post(
        reverse("lists:check_outcome", args=[log.pk]), {"record": record.pk, "applied": "no", "reason": "已于2026年9月申请信用修复，待复核"}
    )
    assert done.status_code == 302
    outcome = CheckOutcome.objects.get()
    assert (outcome.record_id, outcome.applied, outcome.entry_id) == (record.pk, False, None)
    other = officer.post(reverse("lists:check_outcome", args=[log.pk]), {"record": record.pk + 999, "applied": "yes"})
    assert other.status_code == 404
