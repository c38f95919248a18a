from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.intake.services import import_file
from xinyong.intake.tests.test_import import COMPANY, _at, _csv, _row, _unit
from xinyong.records.models import Record, RecordStatus

pytestmark = pytest.mark.django_db


def test_revoke_takes_a_record_out_of_use_and_keeps_it(reference_data: Any, tmp_path: Path) -> None:
    path = _csv(tmp_path / "a.csv", [_row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2020〕1号", "2020-09-28")])
    import_file(path=path, category_code="admin_penalty", department=_unit(), submitted_at=_at("2020-10-10T10:00"))
    # Written with other brackets and spaces, as a clerk would type it.
    call_command(
        "revoke", "--category", "admin_penalty", "--document-number", "澄综执罚 (2020) 1号",
        "--authority-code", _unit().uscc.lower(), "--reason", "行政复议撤销原处罚决定",
    )
    record = Record.objects.get()
    assert record.status == RecordStatus.REVOKED and record.status_reason == "行政复议撤销原处罚决定"
    event = AuditEvent.objects.get(action="records.revoked")
    assert event.before == {"status": "active", "status_reason": ""}
    assert audit_verify() is None
    again = tmp_path / "again.csv"
    again.write_bytes(path.read_bytes() + b"\r\n")
    result = import_file(path=again, category_code="admin_penalty", department=_unit(), submitted_at=_at("2020-11-10T10:00"))
    assert result.unchanged == 1
    assert Record.objects.get().status == RecordStatus.REVOKED
    with pytest.raises(CommandError, match="已于此前撤销"):
        call_command(
            "revoke", "--category", "admin_penalty", "--document-number", "澄综执罚〔2020〕1号",
            "--authority-code", _unit().uscc, "--reason", "重复",
        )
    with pytest.raises(CommandError, match="找不到该记录"):
        call_command(
            "revoke", "--category", "admin_penalty", "--document-number", "澄综执罚〔2020〕9号",
            "--authority-code", _unit().uscc, "--reason", "x",
        )
