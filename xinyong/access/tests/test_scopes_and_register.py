"""Token scopes (an upload token cannot look persons up, a read token cannot submit), and the register of
look-ups the auditor reviews."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from xinyong.access.models import Lookup, LookupReview
from xinyong.access.services import lookup_review
from xinyong.access.tokens import token_create
from xinyong.audit.models import AuditEvent
from xinyong.core import clock
from xinyong.core.errors import XinyongError
from xinyong.org.models import User
from xinyong.subjects.models import Subject, SubjectKind
from xinyong.subjects.services import person_lookup
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _world(reference_data: None) -> Any:
    with clock.frozen("2026-11-26T10:00:00+08:00"):
        yield


def _bearer(*scopes: str) -> dict[str, str]:
    _, raw = token_create(
        department=factories.unit("zhzfj"), name="系统" + "".join(scopes), actor=None, scopes=list(scopes) or None
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_new_tokens_submit_and_read_by_default_and_scopes_are_checked() -> None:
    token, _ = token_create(department=factories.unit("zhzfj"), name="默认", actor=None)
    assert token.scopes == ["submit", "read"]
    with pytest.raises(XinyongError) as unknown:
        token_create(department=factories.unit("zhzfj"), name="x", actor=None, scopes=["admin"])
    assert unknown.value.code == "E_BAD_FORMAT" and "lookup" in unknown.value.message
    event = AuditEvent.objects.filter(action="intake.token_created").latest("seq")
    assert event.after["scopes"] == ["submit", "read"]


@pytest.mark.parametrize(
    ("scopes", "method", "path", "allowed"),
    [
        (("read",), "post", "/api/v1/intake/admin_penalty/rows", False),
        (("submit",), "get", "/api/v1/intake/quality?year=2026", False),
        (("read",), "get", "/api/v1/intake/quality?year=2026", True),
        (("submit",), "post", "/api/v1/lists/check", False),
        (("check",), "post", "/api/v1/lists/check", True),
        (("check",), "get", "/api/v1/records/1", False),
        (("read",), "post", "/api/v1/records/revoke", False),
    ],
)
def test_each_endpoint_needs_its_scope(scopes: tuple[str, ...], method: str, path: str, allowed: bool) -> None:
    body = {"rows": [{"行政处罚决定书文号": "x"}]} if "rows" in path else {
        "matter": "bidding", "purpose": "招标资格审查", "code": factories.company_uscc(1), "record_id": 1, "reason": "x"
    }
    client = Client(**_bearer(*scopes))
    response = (
        client.post(path, data=body, content_type="application/json") if method == "post" else client.get(path)
    )
    if allowed:
        assert response.status_code != 403, response.content
    else:
        assert response.status_code == 403 and response.json()["code"] == "E_FORBIDDEN"
        assert "权限" in response.json()["message"]


def test_token_command_grants_scopes_and_lists_them() -> None:
    out = io.StringIO()
    call_command("token", "create", "--department", "zwfwzx", "--name", "审批系统", "--scope", "read",
                 "--scope", "lookup", "--json", stdout=out)
    created = json.loads(out.getvalue())
    assert created["scopes"] == ["read", "lookup"]
    listing = io.StringIO()
    call_command("token", "list", stdout=listing)
    assert "查询本部门数据、查询主体内部信息" in listing.getvalue()


def _person() -> Subject:
    return Subject.objects.create(
        kind=SubjectKind.NATURAL_PERSON, name="李四", id_type="居民身份证", id_number=factories.person_id(31),
        name_key="李四", created_at=clock.now(), updated_at=clock.now(),
    )


def test_the_auditor_reviews_the_register_and_others_cannot() -> None:
    handler = factories.make_user("jbr1", [("handler", "czzcglj")])
    auditor = factories.make_user("sj1", [("auditor", "ligang")])
    admin = factories.make_user("adm1", [("credit_admin", "ligang")])
    person = _person()
    lookup = person_lookup(subject=person, user=handler, purpose_code="funds", case_reference="2026专项资金第12号")

    client = Client()
    client.force_login(factories.make_user("rep1", [("reporter", "zhzfj")]))
    assert client.get("/audit/lookups/").status_code == 403

    client.force_login(admin)
    page = client.get("/audit/lookups/").content.decode()
    assert "2026专项资金第12号" in page and "财政资金、专项资金申报审核" in page and "待审查" in page
    assert person.id_number not in page
    assert "合规</button>" not in page  # the credit office reads the register; the auditor reviews it
    assert client.post(f"/audit/lookups/{lookup.pk}/review/", {"outcome": "approved"}).status_code == 403

    client.force_login(auditor)
    page = client.get("/audit/lookups/", {"review": "pending"}).content.decode()
    assert "合规</button>" in page
    refused = client.post(f"/audit/lookups/{lookup.pk}/review/", {"outcome": "questioned", "note": ""}, follow=True)
    assert "结论为“存疑”时请写明审查意见" in refused.content.decode()
    client.post(f"/audit/lookups/{lookup.pk}/review/",
                {"outcome": "questioned", "note": "事由与经办事项不符，请说明", "next": "/audit/lookups/?review=pending"})
    lookup.refresh_from_db()
    assert (lookup.review, lookup.reviewed_by, lookup.review_note) == (
        LookupReview.QUESTIONED, auditor, "事由与经办事项不符，请说明"
    )
    event = AuditEvent.objects.get(action="access.lookup_reviewed")
    assert event.after == {"review": "questioned", "review_note": "事由与经办事项不符，请说明"}
    assert "存疑" in client.get("/audit/lookups/", {"review": "questioned"}).content.decode()
    assert "没有符合条件的查询登记" in client.get("/audit/lookups/", {"review": "approved"}).content.decode()
    bad_date = client.get("/audit/lookups/", {"since": "2026-13-01"})
    assert bad_date.status_code == 200 and "日期格式应为" in bad_date.content.decode()


def test_only_an_auditor_concludes(django_user_model: type[User]) -> None:
    handler = factories.make_user("jbr2", [("handler", "czzcglj")])
    lookup = person_lookup(subject=_person(), user=handler, purpose_code="licensing", case_reference="A-2")
    with pytest.raises(XinyongError) as denied:
        lookup_review(lookup=lookup, outcome="approved", note="", actor=handler)
    assert denied.value.code == "E_FORBIDDEN"
    auditor = factories.make_user("sj2", [("auditor", "ligang")])
    with pytest.raises(XinyongError):
        lookup_review(lookup=lookup, outcome="maybe", note="", actor=auditor)
    assert lookup_review(lookup=lookup, outcome="approved", note="", actor=auditor).review == "approved"
    assert Lookup.objects.get().reviewed_at == clock.now()
