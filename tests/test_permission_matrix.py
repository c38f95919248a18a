"""The role × endpoint permission matrix: every page and API route, who may pass its gate and who may not.

Every URL the platform serves must have an entry here: a new route without one fails
`test_every_route_has_an_entry`, so no page or endpoint is ever added without deciding who may use it. The
matrix states the gate (section roles, services' role checks, token scopes), with objects that belong to the
requester's own department; what one role may see of another department's objects is tested by the apps.

A page is refused to an anonymous visitor by a redirect to the login page, and to a signed-in user without the
role by 403. An API route with a token scope answers 401 without a token and 403 with a token lacking the scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from xinyong.access.models import TokenScope
from xinyong.access.tokens import token_create
from xinyong.core import clock
from xinyong.lists.models import CheckLog, ListEntry, Watch
from xinyong.lists.monitoring import watch_add
from xinyong.lists.services import check_batch, check_subject, entry_publish, entry_recognise, lists_load
from xinyong.org.models import User
from xinyong.records.models import Record
from xinyong.subjects.models import Subject
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db

NOW = "2026-11-26T10:00:00+08:00"
ANON, ADMIN, REPORTER, REVIEWER, HANDLER, AUDITOR, NOROLE = (
    "anonymous", "credit_admin", "reporter", "reviewer", "handler", "auditor", "norole"
)
ROLES = (ANON, ADMIN, REPORTER, REVIEWER, HANDLER, AUDITOR, NOROLE)
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANON}
WITH_A_ROLE = SIGNED_IN - {NOROLE}
BATCHES = frozenset({ADMIN, REPORTER, REVIEWER})
CHECK = frozenset({ADMIN, HANDLER})
OFFICE = frozenset({ADMIN})


@dataclass(frozen=True)
class Page:
    allowed: frozenset[str]
    method: str = "GET"
    # Form data that gets past the form to the service's own role check (a POST route).
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})


@dataclass(frozen=True)
class Api:
    method: str
    # None: public (no token needed). Otherwise a token needs one of these scopes.
    scopes: frozenset[str] | None
    body: dict[str, Any] = field(default_factory=dict)


# -- the matrix -----------------------------------------------------------------------------------------------

PAGES: dict[str, Page] = {
    # staff pages (web)
    "web:home": Page(SIGNED_IN),
    "web:login": Page(EVERYONE),
    "web:logout": Page(EVERYONE, "POST"),
    "web:org": Page(WITH_A_ROLE),
    "web:catalog": Page(WITH_A_ROLE),
    "web:category": Page(WITH_A_ROLE),
    "web:category_template": Page(WITH_A_ROLE),
    "web:calendar": Page(WITH_A_ROLE),
    "web:batches": Page(BATCHES),
    "web:batch": Page(BATCHES),
    "web:batch_records": Page(BATCHES),
    "web:batch_rejected": Page(BATCHES),
    "web:row_correct": Page(BATCHES),
    # Discarding a held row is the reporter's; the reviewer sees the batch but may not.
    "web:row_discard": Page(frozenset({ADMIN, REPORTER}), "POST", lambda w: {"reason": "重复报送"}),
    "web:review_queue": Page(frozenset({ADMIN, REVIEWER})),
    "web:batch_approve": Page(frozenset({ADMIN, REVIEWER}), "POST"),
    "web:batch_return": Page(frozenset({ADMIN, REVIEWER}), "POST", lambda w: {"reason": "请核实处罚依据"}),
    "web:intake_upload": Page(frozenset({ADMIN, REPORTER})),
    "web:intake_job": Page(frozenset({ADMIN, REPORTER})),
    "web:record": Page(frozenset({ADMIN, REPORTER, REVIEWER, HANDLER})),
    # 撤销 is the source department's reporter's or reviewer's, or the credit office's; a handler reads only.
    "web:record_revoke": Page(
        frozenset({ADMIN, REPORTER, REVIEWER}), "POST", lambda w: {"reason": "行政复议撤销", "confirm": "on"}
    ),
    "web:record_transfer": Page(OFFICE, "POST", lambda w: {"to_unit": w.unit_id("jjfzk"), "reason": "职责划转"}),
    "web:subjects": Page(frozenset({ADMIN, HANDLER, REVIEWER})),
    "web:subject": Page(frozenset({ADMIN, HANDLER, REVIEWER})),
    "web:quality": Page(BATCHES),
    "web:audit": Page(frozenset({ADMIN, AUDITOR})),
    "web:lookup_register": Page(frozenset({ADMIN, AUDITOR})),
    # The auditor concludes on a look-up; the credit office only reads the register.
    "web:lookup_review": Page(frozenset({AUDITOR}), "POST", lambda w: {"outcome": "approved"}),
    # joint reward and punishment (lists)
    "lists:check": Page(CHECK),
    "lists:check_result": Page(CHECK),
    "lists:check_outcome": Page(CHECK, "POST"),
    "lists:check_dismiss": Page(CHECK, "POST"),
    "lists:batch": Page(CHECK),
    "lists:batch_result": Page(CHECK),
    "lists:batch_xlsx": Page(CHECK),
    "lists:watches": Page(CHECK),
    "lists:watch_stop": Page(CHECK, "POST"),
    "lists:alert_read": Page(CHECK, "POST"),
    "lists:figures": Page(CHECK),
    "lists:entries": Page(OFFICE),
    "lists:entry_new": Page(OFFICE),
    "lists:entries_expire": Page(OFFICE, "POST"),
    "lists:entry": Page(OFFICE),
    "lists:entry_publish": Page(OFFICE, "POST"),
    "lists:entry_exit": Page(OFFICE, "POST"),
    # the public portal
    "portal:home": Page(EVERYONE),
    "portal:search": Page(EVERYONE),
    "portal:subject": Page(EVERYONE),
    "portal:records": Page(EVERYONE),
    "portal:record": Page(EVERYONE),
    "portal:lists": Page(EVERYONE),
}

SUBMIT, READ, CHECK_SCOPE, LOOKUP = (s.value for s in TokenScope)
API: dict[str, Api] = {
    "api:openapi-json": Api("GET", None),
    "api:openapi-view": Api("GET", None),
    "api:api-root": Api("GET", None),
    "api:public_ping": Api("GET", None),
    "api:public_search": Api("GET", None),
    "api:public_subject": Api("GET", None),
    "api:public_lists": Api("GET", None),
    "api:public_records": Api("GET", None),
    "api:public_record": Api("GET", None),
    "api:post_rows": Api("POST", frozenset({SUBMIT}), {"rows": [{"行政处罚决定书文号": "x"}]}),
    "api:post_file": Api("POST", frozenset({SUBMIT})),
    "api:intake_job": Api("GET", frozenset({SUBMIT, READ})),
    "api:intake_batch": Api("GET", frozenset({SUBMIT, READ})),
    "api:intake_quality": Api("GET", frozenset({READ})),
    "api:record_get": Api("GET", frozenset({READ})),
    "api:record_revoke": Api("POST", frozenset({SUBMIT}), {"record_id": 0, "reason": "x"}),
    "api:lists_check": Api("POST", frozenset({CHECK_SCOPE}), {"matter": "bidding", "purpose": "资格审查", "name": "x"}),
    "api:lists_figures": Api("GET", frozenset({READ, CHECK_SCOPE})),
}

# The Django admin has its own gate (is_staff); it is one entry here, checked apart.
ADMIN_SITE = "admin"


# -- the world the requests run against ------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User]
    ids: dict[str, Any]

    def unit_id(self, code: str) -> int:
        return factories.unit(code).pk


@pytest.fixture
def world(tmp_path: Path, settings: Any) -> Iterator[World]:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.XINYONG_RATELIMIT_PER_MINUTE = 0
    with clock.frozen(NOW):
        factories.load_reference()
        lists_load()
        users = {
            ADMIN: factories.make_user("m_admin", [("credit_admin", "ligang")], unit_code="jjfzk"),
            REPORTER: factories.make_user("m_reporter", [("reporter", "zhzfj")]),
            REVIEWER: factories.make_user("m_reviewer", [("reviewer", "zhzfj")]),
            HANDLER: factories.make_user("m_handler", [("handler", "czzcglj")]),
            AUDITOR: factories.make_user("m_auditor", [("auditor", "ligang")], unit_code="dzb-jjk"),
            NOROLE: User.objects.create_user(username="m_norole", password=factories.PASSWORD),
        }
        result = factories.good_and_bad_penalties(
            tmp_path, department=factories.unit("zhzfj"), actor=users[REPORTER], decided=dt.date(2026, 11, 20)
        )
        record = Record.objects.filter(batch_id=result.batch).order_by("pk").first()
        company = Subject.objects.exclude(uscc=None).order_by("pk").first()
        assert record is not None and company is not None
        entry = entry_recognise(actor=None, kind="court_defaulter", name=company.name, uscc=company.uscc or "",
                                decision_document="（2026）苏0281执1号")
        entry_publish(actor=None, entry=entry, published_on=dt.date(2026, 10, 1))
        log = check_subject(actor=users[HANDLER], matter="funds", purpose="专项资金审核", code=company.uscc,
                            department=factories.unit("czzcglj")).log
        ref = check_batch(actor=users[HANDLER], matter="funds", purpose="专项资金审核",
                          rows=[(company.name, company.uscc or "")])[0].log.batch_ref
        watch, alerts = watch_add(actor=users[HANDLER], department=factories.unit("czzcglj"), reason="专项资金",
                                  code=company.uscc or "")
        from xinyong.intake.models import ImportJob, RejectedRow
        from xinyong.subjects.services import person_lookup

        person = Subject.objects.filter(uscc=None).first()
        held = RejectedRow.objects.filter(batch_id=result.batch).first()
        assert person is not None and held is not None and alerts  # the watched company is listed
        lookup = person_lookup(subject=person, user=users[HANDLER], purpose_code="funds", case_reference="ZX-1")
        job = ImportJob.objects.create(
            category_code="admin_penalty", department=factories.unit("zhzfj"), original_name="a.csv",
            stored_path="", submitted_at=clock.now(), created_at=clock.now(), requested_by=users[REPORTER],
            status="done", batch_id=result.batch,
        )
        ids = {
            "batch": result.batch, "record": record.pk, "subject": company.pk, "entry": entry.pk, "log": log.pk,
            "ref": ref, "watch": watch.pk, "alert": alerts[0].pk, "lookup": lookup.pk, "job": job.pk,
            "category": record.category_id, "row": held.pk, "code": company.uscc,
        }
        assert CheckLog.objects.exists() and ListEntry.objects.exists() and Watch.objects.exists()
        yield World(users, ids)


def _kwargs(pattern: str, ids: dict[str, Any]) -> dict[str, Any]:
    """Path arguments for a route, from the world's objects."""
    values = {
        "web:category": {"pk": ids["category"]},
        "web:category_template": {"pk": ids["category"]},
        "web:batch": {"pk": ids["batch"]},
        "web:batch_records": {"pk": ids["batch"]},
        "web:batch_rejected": {"pk": ids["batch"]},
        "web:batch_approve": {"pk": ids["batch"]},
        "web:batch_return": {"pk": ids["batch"]},
        "web:row_correct": {"batch_pk": ids["batch"], "row_pk": ids["row"]},
        "web:row_discard": {"batch_pk": ids["batch"], "row_pk": ids["row"]},
        "web:intake_job": {"pk": ids["job"]},
        "web:record": {"pk": ids["record"]},
        "web:record_revoke": {"pk": ids["record"]},
        "web:record_transfer": {"pk": ids["record"]},
        "web:subject": {"pk": ids["subject"]},
        "web:lookup_review": {"pk": ids["lookup"]},
        "lists:check_result": {"pk": ids["log"]},
        "lists:check_outcome": {"pk": ids["log"]},
        "lists:check_dismiss": {"pk": ids["log"]},
        "lists:batch_result": {"ref": ids["ref"]},
        "lists:batch_xlsx": {"ref": ids["ref"]},
        "lists:watch_stop": {"pk": ids["watch"]},
        "lists:alert_read": {"pk": ids["alert"]},
        "lists:entry": {"pk": ids["entry"]},
        "lists:entry_publish": {"pk": ids["entry"]},
        "lists:entry_exit": {"pk": ids["entry"]},
        "portal:subject": {"pk": ids["subject"]},
        "portal:record": {"pk": ids["record"]},
        "api:intake_job": {"job_id": ids["job"]},
        "api:intake_batch": {"batch_id": ids["batch"]},
        "api:post_rows": {"category": "admin_penalty"},
        "api:post_file": {"category": "admin_penalty"},
        "api:public_subject": {"code": ids["code"]},
        "api:public_record": {"record_id": ids["record"]},
        "api:record_get": {"record_id": ids["record"]},
    }
    return values.get(pattern, {})


def _served_routes() -> dict[str, str]:
    """Every named route the platform serves (namespace:name → path pattern), the admin site as one entry."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str, namespace: str | None) -> None:
        for item in patterns:
            if isinstance(item, URLResolver):
                if item.namespace == "admin":
                    found[ADMIN_SITE] = prefix + str(item.pattern)
                    continue
                walk(item.url_patterns, prefix + str(item.pattern), item.namespace or namespace)
            elif isinstance(item, URLPattern):
                name = f"{namespace}:{item.name}" if namespace else str(item.name)
                found[name] = prefix + str(item.pattern)

    walk(get_resolver().url_patterns, "", None)
    return found


# -- the tests ------------------------------------------------------------------------------------------------


def test_every_route_has_an_entry() -> None:
    served = set(_served_routes())
    listed = set(PAGES) | set(API) | {ADMIN_SITE}
    assert served - listed == set(), "routes without an entry in the permission matrix"
    assert listed - served == set(), "entries of the permission matrix for routes that no longer exist"


def _url(name: str, ids: dict[str, Any]) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=_kwargs(name, ids))


def _refused(response: Any, role: str) -> bool:
    if role == ANON:
        return response.status_code == 302 and "next=" in response.get("Location", "")
    return response.status_code == 403


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_gates(world: World, name: str) -> None:
    page = PAGES[name]
    url = _url(name, world.ids)
    outcomes = {}
    for role in ROLES:
        client = Client()
        if role != ANON:
            client.force_login(world.users[role])
        response = client.post(url, page.data(world)) if page.method == "POST" else client.get(url)
        assert response.status_code < 500, (name, role, response.status_code)
        outcomes[role] = not _refused(response, role)
    expected = {role: role in page.allowed for role in ROLES}
    assert outcomes == expected, name


def test_the_admin_site_is_for_staff_only(world: World) -> None:
    superuser = User.objects.create_superuser(username="m_root", password=factories.PASSWORD)
    for role in ROLES:
        client = Client()
        if role != ANON:
            client.force_login(world.users[role])
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"], role
    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("name", sorted(API))
def test_api_gates(world: World, name: str) -> None:
    entry = API[name]
    url = _url(name, world.ids)

    def call(scopes: list[str] | None) -> Any:
        headers = {}
        if scopes is not None:
            _, raw = token_create(
                department=factories.unit("zhzfj"), name=f"系统{len(scopes)}{','.join(scopes)}", actor=None,
                scopes=scopes,
            )
            headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        client = Client(**headers)
        if entry.method == "POST":
            return client.post(url, data=entry.body, content_type="application/json")
        return client.get(url)

    anonymous = call(None)
    assert anonymous.status_code < 500, (name, anonymous.status_code)
    if entry.scopes is None:
        assert anonymous.status_code not in (401, 403), name
        return
    assert anonymous.status_code == 401, name
    others = [s.value for s in TokenScope if s.value not in entry.scopes]
    if others:
        lacking = call(others)
        assert lacking.status_code == 403 and lacking.json()["code"] == "E_FORBIDDEN", name
    for scope in sorted(entry.scopes):
        allowed = call([scope])
        assert allowed.status_code not in (401, 403), (name, scope, allowed.content)
