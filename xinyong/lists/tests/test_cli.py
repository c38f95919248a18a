"""`xinyong check` and `xinyong lists`, and the batch check files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from xinyong.lists.models import CheckLog, ListEntry, Memorandum
from xinyong.lists.services import RULES_DIR, check_batch
from xinyong.lists.spreadsheets import read_subjects, results_workbook
from xinyong.lists.tests.conftest import HENGYUAN
from xinyong.org.models import User

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_check_by_code_prints_json_with_hits_scores_and_measures(entries: dict[str, ListEntry]) -> None:
    data = json.loads(run("check", "--code", HENGYUAN, "--matter", "procurement", "--json"))
    [result] = data["results"]
    [hit] = result["hits"]
    assert hit["name"] == "江阴市利港恒远机械有限公司" and hit["score"] == 1.0
    assert hit["explanation"] == "统一社会信用代码一致"
    assert [m["memorandum"] for m in hit["measures"]] == ["发改财金〔2016〕141号"]
    assert CheckLog.objects.get().actor_label == "system"


def test_check_file_checks_every_row(entries: dict[str, ListEntry], tmp_path: Path) -> None:
    path = tmp_path / "bidders.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["投标人名称", "统一社会信用代码"])
        writer.writerow(["利港恒远机械有限责任公司", ""])
        writer.writerow(["江阴市清风电子有限公司", ""])
    data = json.loads(run("check", "--file", str(path), "--matter", "bidding", "--json"))
    assert [len(r["hits"]) for r in data["results"]] == [1, 0]
    assert len({log.batch_ref for log in CheckLog.objects.all()}) == 1


def test_check_without_a_query_is_the_system_check(db: None) -> None:
    assert "System check identified no issues" in run("check")


def test_lists_load_command(db: None) -> None:
    shipped = yaml.safe_load((RULES_DIR / "memoranda.yaml").read_text(encoding="utf-8"))["memoranda"]
    assert f"联合奖惩备忘录 {len(shipped)} 份" in run("lists", "load")
    assert Memorandum.objects.count() == len(shipped)


def test_xlsx_without_header_and_results_workbook(
    entries: dict[str, ListEntry], handler: User, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([HENGYUAN])
    sheet.append(['=HYPERLINK("x")有限公司'])
    sheet["A2"].data_type = "s"  # text that looks like a formula, as a clerk's paste can be
    path = tmp_path / "list.xlsx"
    book.save(path)
    rows = read_subjects(path)
    assert rows == [("", HENGYUAN), ('=HYPERLINK("x")有限公司', "")]
    results = check_batch(actor=handler, matter="procurement", purpose="采购", rows=rows)
    data = load_workbook(io.BytesIO(results_workbook(results)))
    values = [[c.value for c in row] for row in data.active.iter_rows()]  # type: ignore[union-attr]
    assert values[1][3] == "命中" and "政府采购" in values[1][9]
    assert values[2][3] == "未命中"
    assert values[2][1].startswith("'=")  # formula-safe
