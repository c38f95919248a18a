"""The world the fuzzing runs in: the real app on a real (committed, not rolled-back) database, with the bundled
organisation and catalog, the demo logins, a small set of synthetic demo data loaded through the real import path
(records of several departments, held-back rows, list entries, checks, watches, alerts), and an API token.

The tests use `transactional_db`: every request commits as in production, so a database error in one request
(PostgreSQL aborts the transaction) cannot spoil the requests after it, and the API goes through Django's real
WSGI handler.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tests.fuzz.tally import TALLY
from xinyong.core import clock
from xinyong.web.tests import factories

# The demo data's "today": early in 2020, so the generator makes a few monthly files instead of several hundred.
TODAY = dt.date(2020, 3, 20)
NOW = "2020-03-20T10:00:00+08:00"
TOKEN_DEPARTMENT = "zhzfj"


@dataclass(frozen=True)
class World:
    """Ids and codes that exist, so the fuzzers reach past "not found" into the code behind it."""

    token: str
    token_department: str
    own_records: list[int]
    other_records: list[int]
    own_batches: list[int]
    other_batches: list[int]
    own_jobs: list[int]
    rejected_rows: list[tuple[int, int]]
    subjects: list[int]
    subject_codes: list[str]
    person_codes: list[str]
    categories: list[int]
    category_codes: list[str]
    units: list[str]
    entries: list[int]
    check_logs: list[int]
    batch_refs: list[str]
    watches: list[int]
    alerts: list[int]
    document_numbers: list[tuple[str, str, str]]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = TALLY.lines()
    if lines:
        terminalreporter.write_sep("=", "fuzzing")
        for line in lines:
            terminalreporter.write_line(line)


def _submit_rows(secret: str) -> None:
    """One JSON submission through the API (a good row and a bad one), as a departmental system sends it."""
    row = factories.penalty_row(
        number="澄利综执罚〔2020〕999号",
        authority=factories.unit(TOKEN_DEPARTMENT),
        name="江阴市利港模糊测试机械有限公司",
        uscc=factories.company_uscc(999),
        decided=dt.date(2020, 3, 18),
    )
    bad = {**row, "行政处罚决定书文号": "澄利综执罚〔2020〕998号", "处罚决定日期": "2020-02-30"}
    response = Client().post(
        "/api/v1/intake/admin_penalty/rows",
        data=json.dumps({"rows": [row, bad]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200, response.content


@pytest.fixture
def fuzz_settings(settings: Any) -> None:
    # The fuzzer sends thousands of requests from one address; the limits have their own tests.
    settings.XINYONG_RATELIMIT_PER_MINUTE = 0
    settings.XINYONG_RATELIMIT_TOKEN_PER_MINUTE = 0
    # Imports sent through the API run at once (on PostgreSQL they would wait for a worker that is not running).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DEBUG = False


@pytest.fixture
def world(transactional_db: None, fuzz_settings: None) -> Iterator[World]:
    from xinyong.access.tokens import token_create
    from xinyong.catalog.models import Category
    from xinyong.catalog.services import catalog_load_bundled
    from xinyong.intake.models import Batch, ImportJob, RejectedRow
    from xinyong.lists.models import Alert, CheckLog, ListEntry, Watch
    from xinyong.lists.services import check_batch, lists_load
    from xinyong.ops.demo_data import load_demo_data
    from xinyong.ops.demo_users import ensure_demo_users
    from xinyong.org.models import Unit, User
    from xinyong.org.services import org_load_config
    from xinyong.records.models import Record
    from xinyong.subjects.models import Subject

    with clock.frozen(NOW):
        org_load_config()
        catalog_load_bundled()
        lists_load()
        ensure_demo_users()
        load_demo_data(
            companies=70, businesses=5, persons=10, decisions=20, today=TODAY, progress=lambda _: None
        )
        department = Unit.objects.get(code=TOKEN_DEPARTMENT)
        # Every scope, so that the fuzzer reaches every endpoint past its gate.
        _, secret = token_create(
            department=department, name="模糊测试系统", actor=None, scopes=["submit", "read", "check", "lookup"]
        )
        # A batch check (so a batch result page exists) and an API submission (so the token has a job).
        check_batch(
            actor=User.objects.get(username="jbr"),
            matter="funds",
            purpose="模糊测试批量核查",
            rows=list(Subject.objects.exclude(uscc=None).values_list("name", "uscc")[:3]),
        )
        _submit_rows(secret)
        records = Record.objects.order_by("pk")
        batches = Batch.objects.order_by("pk")
        yield World(
            token=secret,
            token_department=TOKEN_DEPARTMENT,
            own_records=list(records.filter(source_unit=department).values_list("pk", flat=True)[:20]),
            other_records=list(records.exclude(source_unit=department).values_list("pk", flat=True)[:20]),
            own_batches=list(batches.filter(department=department).values_list("pk", flat=True)),
            other_batches=list(batches.exclude(department=department).values_list("pk", flat=True)[:10]),
            own_jobs=list(ImportJob.objects.filter(department=department).values_list("pk", flat=True)),
            rejected_rows=list(RejectedRow.objects.values_list("batch_id", "pk")[:20]),
            subjects=list(Subject.objects.order_by("pk").values_list("pk", flat=True)[:30]),
            subject_codes=list(
                Subject.objects.exclude(uscc=None).order_by("pk").values_list("uscc", flat=True)[:20]
            ),
            person_codes=list(
                Subject.objects.exclude(id_number=None).order_by("pk").values_list("id_number", flat=True)[:5]
            ),
            categories=list(Category.objects.order_by("pk").values_list("pk", flat=True)),
            category_codes=sorted(set(Category.objects.values_list("code", flat=True))),
            units=list(Unit.objects.order_by("pk").values_list("code", flat=True)),
            entries=list(ListEntry.objects.order_by("pk").values_list("pk", flat=True)[:20]),
            check_logs=list(CheckLog.objects.order_by("pk").values_list("pk", flat=True)),
            batch_refs=sorted(set(CheckLog.objects.exclude(batch_ref="").values_list("batch_ref", flat=True))),
            watches=list(Watch.objects.order_by("pk").values_list("pk", flat=True)[:10]),
            alerts=list(Alert.objects.order_by("pk").values_list("pk", flat=True)[:10]),
            document_numbers=[
                (r.category_code, str(r.data.get(number, "")), str(r.data.get(authority, "")))
                for r in records.filter(category_code__in=["admin_penalty", "admin_license"])[:20]
                for number, authority in (("CF_WSH", "CF_CFJGDM"), ("XK_WSH", "XK_XKJGDM"))
                if number in r.data
            ],
        )
