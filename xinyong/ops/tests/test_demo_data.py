"""The demo data goes through the real import path and the real list services, so a new user finds something."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xinyong.audit.services import audit_verify
from xinyong.core import clock
from xinyong.core.identifiers import validate_uscc
from xinyong.intake.models import Batch
from xinyong.lists.models import Alert, CheckLog, CheckOutcome, Watch
from xinyong.lists.selectors import active_entries
from xinyong.lists.services import lists_load
from xinyong.ops.demo_data import load_demo_data
from xinyong.records.models import Record
from xinyong.records.selectors import published_records

pytestmark = pytest.mark.django_db


def test_a_small_demo_loads_records_lists_and_a_clean_audit_chain(reference_data: Any) -> None:
    lists_load()
    today = dt.date(2026, 11, 20)
    with clock.frozen("2026-11-20T09:00"):
        counts = load_demo_data(
            companies=40, businesses=5, persons=20, decisions=150, today=today, progress=lambda _: None
        )
        listed = list(active_entries())
        public = published_records().count()
    assert counts["legal_person"] == 45 and counts["natural_person"] == 20
    assert counts["list_entries"] == 45 == len(listed)
    assert {entry.kind.list_type for entry in listed} == {"black", "red"}
    for entry in listed:
        assert validate_uscc(entry.uscc) == entry.uscc
        assert entry.record is not None  # lists came as files through the intake path
    assert {e.recognising_department for e in listed if e.kind.code == "court_defaulter"} == {"江阴市人民法院"}
    assert counts["watches"] == Watch.objects.count() == 5 and Alert.objects.exists()
    assert CheckLog.objects.count() == counts["checks"] == 12 and CheckOutcome.objects.exists()
    assert Batch.objects.count() > 2 and Record.objects.filter(category_code="admin_penalty").exists()
    assert public > 0
    assert audit_verify() is None
