"""The pages: Chinese, role-scoped, masked where personal information shows, constant in queries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from xinyong.access.models import Lookup
from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.core import clock
from xinyong.core.errors import XinyongError
from xinyong.intake.models import Batch, RejectedRow
from xinyong.org.models import User
from xinyong.org.services import liaison_change
from xinyong.subjects.models import Subject, SubjectKind, SubjectName
from xinyong.subjects.services import PERSON_VIEWED_ACTION, person_lookup
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db

PERSON_NUMBER = factories.person_id(17)
COMPANY_USCC = factories.company_uscc(11)


def _person() -> Subject:
    return Subject.objects.get(id_number=PERSON_NUMBER)


def _company() -> Subject:
    return Subject.objects.get(uscc=COMPANY_USCC)


def _url(name: str, batches: dict[str, Batch]) -> str:
    """A URL by short name; object pages point at objects of the fixtures."""
    if name == "category":
        return reverse("web:category", args=[batches["zhzfj"].category_id])
    if name == "batch":
        return reverse("web:batch", args=[batches["zhzfj"].pk])
    if name == "subject":
        return reverse("web:subject", args=[_person().pk])
    return reverse(f"web:{name}")


# page → (a role allowed, a Chinese text on it)
ALLOWED: list[tuple[str, str, str]] = [
    ("home", "admin", "平台概况"),
    ("home", "reporter", "本部门报送情况"),
    ("home", "handler", "信用主体查询"),
    ("home", "auditor", "审计链完整"),
    ("home", "norole", "尚未分配角色"),
    ("org", "reporter", "单位及信用工作联络员"),
    ("catalog", "handler", "公共信用信息目录"),
    ("category", "auditor", "可接受的列名"),
    ("batches", "admin", "报送批次"),
    ("batches", "reviewer", "报送批次"),
    ("batch", "reporter", "未通过校验的数据"),
    ("subjects", "handler", "信用主体查询"),
    ("subjects", "reviewer", "信用主体查询"),
    ("subject", "admin", "登记信息"),
    ("calendar", "handler", "工作日历"),
    ("audit", "auditor", "审计日志"),
    ("audit", "admin", "审计日志"),
]

FORBIDDEN: list[tuple[str, str]] = [
    ("org", "norole"),
    ("catalog", "norole"),
    ("batches", "handler"),
    ("batches", "auditor"),
    ("batch", "handler"),
    ("batch", "reporter_hbk"),
    ("subjects", "reporter"),
    ("subjects", "auditor"),
    ("subject", "reporter"),
    ("calendar", "norole"),
    ("audit", "reporter"),
    ("audit", "handler"),
]

PAGES = sorted({name for name, _, _ in ALLOWED})


@pytest.mark.parametrize(("page", "role", "text"), ALLOWED)
def test_page_renders_in_chinese_for_allowed_role(
    page: str, role: str, text: str, login: Any, batches: dict[str, Batch]
) -> None:
    response = login(role).get(_url(page, batches))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "xinyong 公共信用信息平台" in html
    assert text in html
    assert "退出登录" in html


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(page: str, client: Client, batches: dict[str, Batch]) -> None:
    url = _url(page, batches)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    assert "next=" in response["Location"]


@pytest.mark.parametrize(("page", "role"), FORBIDDEN)
def test_role_without_access_gets_chinese_403(page: str, role: str, login: Any, batches: dict[str, Batch]) -> None:
    response = login(role).get(_url(page, batches))
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权访问" in html
    assert '<html lang="zh-Hans">' in html


def test_navigation_shows_only_what_the_roles_allow(login: Any, batches: dict[str, Batch]) -> None:
    html = login("reporter").get(reverse("web:home")).content.decode()
    nav = html.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    assert "报送批次" in nav and "组织机构" in nav and "信息目录" in nav and "工作日历" in nav
    assert "审计日志" not in nav and "信用主体" not in nav
    assert "部门报送员" in html and "综合执法局" in html

    html = login("auditor").get(reverse("web:home")).content.decode()
    nav = html.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    assert "审计日志" in nav and "报送批次" not in nav


def test_user_with_several_roles_sees_each_section(users: dict[str, User], client: Client) -> None:
    multi = factories.make_user("multi", [("reporter", "zhzfj"), ("handler", "zhzfj"), ("auditor", "ligang")])
    client.force_login(multi)
    html = client.get(reverse("web:home")).content.decode()
    assert "本部门报送情况" in html
    assert "信用主体查询" in html
    assert "最新审计事件" in html
    assert "平台概况" not in html


def test_login_page_and_wrong_password(client: Client, users: dict[str, User]) -> None:
    response = client.get(reverse("web:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户登录" in html and 'for="id_username"' in html and 'for="id_password"' in html
    response = client.post(reverse("web:login"), {"username": "admin", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    response = client.post(reverse("web:login"), {"username": "admin", "password": factories.PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("web:home")


def test_logout_is_a_post(login: Any) -> None:
    client = login("admin")
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 302


# -- batches ----------------------------------------------------------------------------------------------


def test_reporter_sees_only_their_departments_batches(login: Any, batches: dict[str, Batch]) -> None:
    client = login("reporter")
    html = client.get(reverse("web:batches")).content.decode()
    assert "处罚信息A.csv" in html
    assert "处罚信息B.csv" not in html
    # Filtering on another department does not reach its batches either.
    hbk = factories.unit("hbk")
    response = client.get(reverse("web:batches"), {"department": hbk.pk})
    assert "处罚信息B.csv" not in response.content.decode()
    assert client.get(reverse("web:batch", args=[batches["hbk"].pk])).status_code == 403
    # Their home page lists their batch and their rows to correct only.
    home = client.get(reverse("web:home")).content.decode()
    assert "处罚信息A.csv" in home and "处罚信息B.csv" not in home
    assert "待更正数据" in home


def test_admin_sees_and_filters_every_batch(login: Any, batches: dict[str, Batch]) -> None:
    client = login("admin")
    html = client.get(reverse("web:batches")).content.decode()
    assert "处罚信息A.csv" in html and "处罚信息B.csv" in html
    html = client.get(reverse("web:batches"), {"department": factories.unit("hbk").pk}).content.decode()
    assert "处罚信息B.csv" in html and "处罚信息A.csv" not in html
    html = client.get(reverse("web:batches"), {"category": "admin_license"}).content.decode()
    assert "暂无报送批次" in html


def test_batch_filter_answers_htmx_with_the_results_only(login: Any, batches: dict[str, Batch]) -> None:
    response = login("admin").get(reverse("web:batches"), {"category": "admin_penalty"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "处罚信息A.csv" in html


def test_batch_detail_shows_counts_and_rejected_rows(login: Any, batches: dict[str, Batch]) -> None:
    batch = batches["zhzfj"]
    html = login("reporter").get(reverse("web:batch", args=[batch.pk])).content.decode()
    assert batch.rows == 3 and batch.accepted == 2 and batch.rejected == 1
    # Header on line 1, three data rows: the bad one is line 4 of the clerk's file.
    assert "第 4 行" in html
    assert "违法事实" in html and "必填" in html
    assert "统一社会信用代码" in html
    assert "江阴市利港某某贸易有限公司" in html
    row = RejectedRow.objects.get(batch=batch)
    assert row.row_number == 4


# -- subjects ---------------------------------------------------------------------------------------------


def test_subject_list_masks_person_identifiers(login: Any, batches: dict[str, Batch]) -> None:
    client = login("handler")
    html = client.get(reverse("web:subjects")).content.decode()
    masked = PERSON_NUMBER[:4] + "*" * 10 + PERSON_NUMBER[-4:]
    assert masked in html
    assert PERSON_NUMBER not in html
    assert COMPANY_USCC in html
    html = client.get(reverse("web:subjects"), {"q": "张"}).content.decode()
    assert masked in html and PERSON_NUMBER not in html and "自然人" in html


def test_subject_search_by_name_fragment_former_name_and_uscc(login: Any, batches: dict[str, Batch]) -> None:
    client = login("handler")
    html = client.get(reverse("web:subjects"), {"q": "恒远"}).content.decode()
    assert "江阴市利港恒远机械有限公司" in html and "张三" not in html
    html = client.get(reverse("web:subjects"), {"q": COMPANY_USCC.lower()}).content.decode()
    assert "江阴市利港恒远机械有限公司" in html and "共 1 个主体" in html
    company = _company()
    SubjectName.objects.create(subject=company, name="江阴市旧名称机械厂", name_key="x", source="测试")
    html = client.get(reverse("web:subjects"), {"q": "旧名称"}).content.decode()
    assert "江阴市利港恒远机械有限公司" in html
    html = client.get(reverse("web:subjects"), {"q": "不存在的企业"}).content.decode()
    assert "没有找到匹配的信用主体" in html


def test_subject_search_answers_htmx_with_the_results_only(login: Any, batches: dict[str, Batch]) -> None:
    response = login("handler").get(reverse("web:subjects"), {"q": "恒远"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "江阴市利港恒远机械有限公司" in html


def test_subject_page_shows_registry_names_and_records(login: Any, batches: dict[str, Batch]) -> None:
    html = login("handler").get(reverse("web:subject", args=[_company().pk])).content.decode()
    assert COMPANY_USCC in html
    assert "名称变更记录" in html and "首次登记" in html
    assert "行政处罚信息" in html
    assert "澄利综执罚〔2026〕A1号" in html and "澄利综执罚〔2026〕B1号" in html
    assert "查询事由" not in html  # an organisation has no personal identifier to register


def test_person_identifier_shows_only_after_a_registered_purpose(
    login: Any, batches: dict[str, Batch], users: dict[str, User]
) -> None:
    client = login("handler")
    person = _person()
    url = reverse("web:subject", args=[person.pk])
    before = AuditEvent.objects.filter(action=PERSON_VIEWED_ACTION).count()

    html = client.get(url).content.decode()
    assert PERSON_NUMBER not in html
    assert PERSON_NUMBER[:4] + "*" * 10 + PERSON_NUMBER[-4:] in html
    assert "查询事由" in html

    html = client.post(url, {"purpose": "", "case_reference": "澄许受〔2026〕8号"}).content.decode()
    assert "请选择查询事由" in html
    assert PERSON_NUMBER not in html
    # A purpose of one's own wording is not on the list of lawful purposes.
    html = client.post(url, {"purpose": "随便看看", "case_reference": "澄许受〔2026〕8号"}).content.decode()
    assert "请从列表中选择查询事由" in html and PERSON_NUMBER not in html
    html = client.post(url, {"purpose": "licensing", "case_reference": " "}).content.decode()
    assert "请填写案件或事项编号" in html and PERSON_NUMBER not in html
    assert AuditEvent.objects.filter(action=PERSON_VIEWED_ACTION).count() == before
    assert not Lookup.objects.exists()

    html = client.post(url, {"purpose": "licensing", "case_reference": "澄许受〔2026〕8号"}).content.decode()
    assert PERSON_NUMBER in html and "行政许可审查" in html
    event = AuditEvent.objects.filter(action=PERSON_VIEWED_ACTION).latest("seq")
    assert event.actor == users["handler"]
    assert event.object_type == "subjects.Subject" and event.object_id == str(person.pk)
    assert (event.after["purpose_code"], event.after["case_reference"]) == ("licensing", "澄许受〔2026〕8号")
    assert PERSON_NUMBER not in event.summary
    lookup = Lookup.objects.get()
    assert (lookup.user, lookup.subject_id, lookup.purpose_label, lookup.audit_seq) == (
        users["handler"], person.pk, "行政许可审查", event.seq
    )
    assert "《中华人民共和国行政许可法》" in lookup.purpose_basis and PERSON_NUMBER not in lookup.subject_code_masked
    assert audit_verify() is None

    # The full number is not kept: the next plain visit is masked again.
    assert PERSON_NUMBER not in client.get(url).content.decode()


def test_person_identifier_reveal_over_htmx_returns_the_fragment(login: Any, batches: dict[str, Batch]) -> None:
    url = reverse("web:subject", args=[_person().pk])
    response = login("admin").post(
        url, {"purpose": "objection_repair", "case_reference": "修复申请2026-3"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="person-identifier"' in html
    assert PERSON_NUMBER in html


def test_purpose_cannot_be_posted_for_an_organisation(login: Any, batches: dict[str, Batch]) -> None:
    response = login("handler").post(
        reverse("web:subject", args=[_company().pk]), {"purpose": "licensing", "case_reference": "A-1"}
    )
    assert response.status_code == 400


def test_sensitive_values_in_records_are_masked_on_the_subject_page(
    login: Any, batches: dict[str, Batch]
) -> None:
    """A registry record's key holds the person's number: the page shows it masked, like every list."""
    from xinyong.catalog.models import Category
    from xinyong.records.models import Record

    person = _person()
    category = Category.objects.get(code="natural_person")
    now = clock.now()
    Record.objects.create(
        category=category, category_code=category.code, subject=person, batch=batches["zhzfj"],
        key=f"居民身份证|{PERSON_NUMBER}", data={"NAME": "张三", "ID_TYPE": "居民身份证", "ID_NUMBER": PERSON_NUMBER},
        submitted_at=now, created_at=now, updated_at=now,
    )
    html = login("handler").get(reverse("web:subject", args=[person.pk])).content.decode()
    assert "自然人基础信息" in html
    assert PERSON_NUMBER not in html
    assert "居民身份证 / " + PERSON_NUMBER[:4] + "*" * 10 + PERSON_NUMBER[-4:] in html


def test_person_lookup_requires_a_listed_purpose_a_case_and_a_role(
    batches: dict[str, Batch], users: dict[str, User]
) -> None:
    person = _person()
    with pytest.raises(XinyongError) as unlisted:
        person_lookup(subject=person, user=users["handler"], purpose_code="核查", case_reference="A-1")
    assert unlisted.value.code == "E_BAD_CHOICE" and "licensing（行政许可审查）" in unlisted.value.message
    with pytest.raises(XinyongError) as no_case:
        person_lookup(subject=person, user=users["handler"], purpose_code="licensing", case_reference=" x ")
    assert no_case.value.code == "E_REQUIRED"
    with pytest.raises(XinyongError):
        person_lookup(subject=person, user=users["reporter"], purpose_code="licensing", case_reference="A-1")
    lookup = person_lookup(subject=person, user=users["handler"], purpose_code="licensing", case_reference=" A  1 ")
    assert lookup.case_reference == "A 1" and lookup.unit == users["handler"].unit


# -- other pages ------------------------------------------------------------------------------------------


def test_org_page_shows_tree_liaisons_and_leading_group(login: Any, users: dict[str, User]) -> None:
    liaison_change(
        unit=factories.unit("hbk"), name="钱晓东", phone="0510-86000000", start_date=dt.date(2026, 3, 1),
        handover_done=True, notified=False, actor=users["admin"],
    )
    html = login("reviewer").get(reverse("web:org")).content.decode()
    assert "领导小组" in html and "组长" in html and "常务副组长" in html
    assert "江阴市" in html and "环保科" in html
    assert "钱晓东" in html
    assert "已交接" in html and "未告知" in html


def test_category_page_lists_every_field_and_the_rules(login: Any, reference: None) -> None:
    from xinyong.catalog.models import Category

    category = Category.objects.get(code="admin_penalty")
    html = login("handler").get(reverse("web:category", args=[category.pk])).content.decode()
    assert "行政处罚决定书文号" in html and "CF_WSH" in html
    assert "处罚决定书文号" in html  # an accepted header name
    assert "吊销许可证件" in html  # a choice
    assert "必填" in html and "选填" in html
    assert "作出决定之日起 7 个工作日内" in html
    assert "发改办财金〔2018〕424号" in html
    assert "2019年7月1日" in html
    assert "综合执法局" in html
    assert category.fields.count() == html.count('<th scope="row">')


def test_calendar_lists_holidays_and_make_up_days(login: Any, users: dict[str, User]) -> None:
    html = login("handler").get(reverse("web:calendar"), {"year": "2020"}).content.decode()
    assert "2020年工作日历" in html
    assert "国庆节" in html and "10月1日 至 10月8日" in html
    assert "9月27日" in html and "10月10日" in html and "调休上班" in html


def test_calendar_says_clearly_when_the_year_is_unknown(login: Any, users: dict[str, User]) -> None:
    html = login("handler").get(reverse("web:calendar"), {"year": "2099"}).content.decode()
    assert "2099年的节假日安排尚未录入" in html
    assert "无法计算工作日" in html


def test_audit_page_filters_and_reports_a_broken_chain(login: Any, batches: dict[str, Batch]) -> None:
    client = login("auditor")
    html = client.get(reverse("web:audit"), {"action": "intake.batch_imported"}).content.decode()
    assert "审计链完整" in html
    assert "导入报送批次" in html and "创建用户" not in html.split("<tbody>", 1)[1]
    html = client.get(
        reverse("web:audit"), {"object_type": "intake.Batch", "object_id": str(batches["hbk"].pk)}
    ).content.decode()
    assert "处罚信息B.csv" in html and "处罚信息A.csv" not in html

    victim = AuditEvent.objects.order_by("seq")[2]
    AuditEvent.objects.filter(pk=victim.pk).update(summary="篡改后的摘要")
    html = client.get(reverse("web:audit")).content.decode()
    assert "审计链已损坏" in html and f"#{victim.seq}" in html
    assert "审计链已损坏" in client.get(reverse("web:home")).content.decode()


def test_unknown_objects_are_404(login: Any, batches: dict[str, Batch]) -> None:
    client = login("admin")
    assert client.get(reverse("web:batch", args=[999999])).status_code == 404
    assert client.get(reverse("web:subject", args=[999999])).status_code == 404
    assert client.get(reverse("web:category", args=[999999])).status_code == 404


# -- query counts -----------------------------------------------------------------------------------------


def _many(batches: dict[str, Batch], users: dict[str, User], n: int = 120) -> None:
    """Enough rows for every list to fill a page: subjects, batches, rejected rows, audit events."""
    now = clock.now()
    Subject.objects.bulk_create(
        Subject(
            kind=SubjectKind.NATURAL_PERSON if i % 2 else SubjectKind.ENTERPRISE,
            name=f"测试主体{i:03d}",
            name_key=f"测试主体{i:03d}",
            uscc=None if i % 2 else factories.company_uscc(1000 + i),
            id_type="居民身份证" if i % 2 else "",
            id_number=factories.person_id(100 + i) if i % 2 else None,
            created_at=now,
            updated_at=now,
        )
        for i in range(n)
    )
    template = batches["zhzfj"]
    copies = []
    for i in range(n):
        copy = Batch.objects.get(pk=template.pk)
        copy.pk = None
        copy.department = factories.unit("zhzfj" if i % 2 else "hbk")
        copy.submitted_by = users["reporter"]
        copy.original_name = f"批量{i}.csv"
        copies.append(copy)
    Batch.objects.bulk_create(copies)
    row = RejectedRow.objects.filter(batch=template).first()
    assert row is not None
    RejectedRow.objects.bulk_create(
        RejectedRow(batch=template, row_number=10 + i, values=row.values, errors=row.errors) for i in range(n)
    )
    for i in range(n // 2):
        person_lookup(subject=_person(), user=users["handler"], purpose_code="licensing", case_reference=f"核查{i}")


def test_lists_are_paginated_at_50(login: Any, batches: dict[str, Batch], users: dict[str, User]) -> None:
    _many(batches, users)
    client = login("handler")
    first = client.get(reverse("web:subjects")).content.decode()
    assert "第 1 / 3 页" in first and len(re.findall(r'href="/subjects/\d+/"', first)) == 50
    last = client.get(reverse("web:subjects"), {"page": 3}).content.decode()
    assert "第 3 / 3 页" in last and len(re.findall(r'href="/subjects/\d+/"', last)) == 122 - 100
    html = login("admin").get(reverse("web:batches")).content.decode()
    assert "第 1 / 3 页" in html
    html = login("admin").get(reverse("web:batch", args=[batches["zhzfj"].pk]), {"page": 2}).content.decode()
    assert "第 2 / 3 页" in html


LIST_PAGES = [
    ("home", "admin"),
    ("home", "reporter"),
    ("home", "auditor"),
    ("org", "admin"),
    ("catalog", "admin"),
    ("category", "admin"),
    ("batches", "admin"),
    ("batches", "reporter"),
    ("batch", "admin"),
    ("subjects", "handler"),
    ("subject", "handler"),
    ("calendar", "handler"),
    ("audit", "auditor"),
]


@pytest.mark.parametrize(("page", "role"), LIST_PAGES)
def test_query_counts_are_bounded(
    page: str, role: str, login: Any, batches: dict[str, Batch], users: dict[str, User],
    django_assert_max_num_queries: Any,
) -> None:
    _many(batches, users)
    client = login(role)
    url = _url(page, batches)
    client.get(url)  # warm the calendar cache and the session
    # The credit office's home page adds the review queue (one query) to the overview.
    with django_assert_max_num_queries(17):
        response = client.get(url)
    assert response.status_code == 200
