"""List management pages (红黑名单管理): 认定—发布—移出 by the credit office, with the check following at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from xinyong.audit.models import AuditEvent
from xinyong.core import clock
from xinyong.core.identifiers import make_resident_id, make_uscc
from xinyong.lists.models import EntryStatus, ExitReason, ListEntry
from xinyong.lists.services import check_subject
from xinyong.lists.tests.conftest import HENGYUAN, listed
from xinyong.org.models import User
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db

XINCAI = make_uscc("91", "320281", "7000009X")


@pytest.fixture
def admin(client: Client, handler: User, rules: None) -> Client:
    user = factories.make_user("xyb", [("credit_admin", "ligang")], unit_code="jjfzk", name="信用办管理员甲")
    client.force_login(user)
    return client


def _hits(handler: User, code: str) -> int:
    return len(check_subject(actor=handler, matter="procurement", purpose="采购资格审查", code=code).hits)


def test_recognise_publish_and_exit_through_the_pages(admin: Client, handler: User) -> None:
    page = admin.get(reverse("lists:entries"))
    assert page.status_code == 200 and "红黑名单管理" in page.content.decode()

    refused = admin.post(reverse("lists:entry_new"), {"kind": "court_defaulter", "name": "江阴市利港新材料科技有限公司"})
    text = refused.content.decode()
    assert refused.status_code == 400
    assert "请填写认定文书号" in text and "请填写统一社会信用代码或身份证件号码" in text
    assert not ListEntry.objects.exists()

    made = admin.post(
        reverse("lists:entry_new"),
        {
            "kind": "court_defaulter",
            "name": "江阴市利港新材料科技有限公司",
            "uscc": XINCAI.lower(),
            "decision_document": "（2026）苏0281执1234号",
            "objection_days": "10",
        },
    )
    entry = ListEntry.objects.get()
    assert made.status_code == 302 and made["Location"] == reverse("lists:entry", args=[entry.pk])
    assert entry.uscc == XINCAI and entry.status == EntryStatus.RECOGNISED
    assert entry.objection_end == dt.date(2026, 12, 6) and entry.legal_basis  # the list's basis by default
    assert _hits(handler, XINCAI) == 0  # recognised, not yet published

    early = admin.post(reverse("lists:entry_publish", args=[entry.pk]), {})
    assert early.status_code == 400 and "异议期至2026-12-06" in early.content.decode()

    with clock.frozen("2026-12-07T09:00:00+08:00"):
        assert admin.post(reverse("lists:entry_publish", args=[entry.pk]), {}).status_code == 302
        assert _hits(handler, XINCAI) == 1
        assert "核查时命中" in admin.get(reverse("lists:entry", args=[entry.pk])).content.decode()

        no_note = admin.post(reverse("lists:entry_exit", args=[entry.pk]), {"reason": ExitReason.PERFORMANCE})
        assert no_note.status_code == 400 and "请填写移出说明" in no_note.content.decode()
        assert _hits(handler, XINCAI) == 1

        done = admin.post(
            reverse("lists:entry_exit", args=[entry.pk]),
            {"reason": ExitReason.PERFORMANCE, "note": "已全部履行判决义务，法院出具结案证明"},
        )
        assert done.status_code == 302
        assert _hits(handler, XINCAI) == 0
        detail = admin.get(reverse("lists:entry", args=[entry.pk])).content.decode()
    assert "履行义务后移出" in detail and "核查时不命中" in detail and 'id="exit-form"' not in detail
    actions = list(
        AuditEvent.objects.filter(object_type=ListEntry._meta.label, object_id=str(entry.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["lists.entry_recognised", "lists.entry_published", "lists.entry_exited"]
    assert detail.count("<tr><td class=\"nowrap\">") == 3  # the history table shows the three steps


def test_a_person_on_a_list_shows_masked(admin: Client) -> None:
    number = make_resident_id("320281", dt.date(1975, 3, 9), 17)
    entry = listed("court_defaulter", "王某某", person_id=number)
    page = admin.get(reverse("lists:entry", args=[entry.pk])).content.decode()
    assert number not in page and f"{number[:4]}" in page and "**********" in page
    listing = admin.get(reverse("lists:entries"), {"q": number}).content.decode()
    table = listing[listing.index('id="entries"') :]
    assert "王某某" in table and number not in table  # only the search box echoes what the officer typed


def test_filters_and_the_expiry_run(admin: Client, entries: dict[str, ListEntry]) -> None:
    by_status = admin.get(reverse("lists:entries"), {"status": EntryStatus.RECOGNISED}).content.decode()
    assert "江阴澄安建设工程有限公司" in by_status and "江阴大丰化工有限公司" not in by_status
    by_kind = admin.get(reverse("lists:entries"), {"kind": "tax_grade_a"}).content.decode()
    assert "江阴兴达纺织有限公司" in by_kind and "江阴市利港恒远机械有限公司" not in by_kind
    by_code = admin.get(reverse("lists:entries"), {"q": HENGYUAN.lower()}).content.decode()
    assert "江阴市利港恒远机械有限公司" in by_code and "江阴大丰化工有限公司" not in by_code
    by_name = admin.get(reverse("lists:entries"), {"q": "大丰"}).content.decode()
    assert "江阴大丰化工有限公司" in by_name and "江阴兴达纺织有限公司" not in by_name

    ListEntry.objects.filter(pk=entries["dafeng"].pk).update(planned_exit=dt.date(2026, 11, 26))
    page = admin.get(reverse("lists:entries")).content.decode()
    assert 'id="due-notice"' in page
    assert admin.post(reverse("lists:entries_expire")).status_code == 302
    entries["dafeng"].refresh_from_db()
    assert entries["dafeng"].status == EntryStatus.EXITED and entries["dafeng"].exit_reason == ExitReason.EXPIRY
    assert 'id="due-notice"' not in admin.get(reverse("lists:entries")).content.decode()


def test_only_the_credit_office_manages_lists(client: Client, handler: User, admin: Client) -> None:
    link = f'href="{reverse("lists:entries")}"'
    assert link in admin.get(reverse("lists:check")).content.decode()
    officer = Client()
    officer.force_login(handler)
    assert officer.get(reverse("lists:entries")).status_code == 403
    assert officer.post(reverse("lists:entries_expire")).status_code == 403
    assert link not in officer.get(reverse("lists:check")).content.decode()


def test_a_wrong_code_is_refused_with_the_reason(admin: Client) -> None:
    wrong = XINCAI[:-1] + ("0" if XINCAI[-1] != "0" else "1")
    response = admin.post(
        reverse("lists:entry_new"),
        {
            "kind": "court_defaulter",
            "name": "江阴市利港新材料科技有限公司",
            "uscc": wrong,
            "decision_document": "（2026）苏0281执1234号",
            "objection_days": "0",
        },
    )
    assert response.status_code == 400 and "校验" in response.content.decode()
    valid = make_resident_id("320281", dt.date(1975, 3, 9), 17)
    person = admin.post(
        reverse("lists:entry_new"),
        {"kind": "court_defaulter", "name": "王某某", "person_id": valid[:-1] + ("0" if valid[-1] != "0" else "1"),
         "decision_document": "（2026）苏0281执1235号", "objection_days": "0"},
    )
    assert person.status_code == 400 and "校验" in person.content.decode()
    assert not ListEntry.objects.exists()
