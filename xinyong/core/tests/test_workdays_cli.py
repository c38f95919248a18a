"""The `workdays` and `calendar` management commands, in-process and as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

UNKNOWN_MESSAGE_2027 = (
    "系统尚无2027年的法定节假日和调休安排，无法计算工作日。"
    "请管理员在“工作日历”中录入2027年的节假日安排后再试。"
)

# A made-up 2027 schedule for tests only: the real notice is not published yet.
SCHEDULE_2027 = """\
year: 2027
source: 测试用2027年节假日安排（非真实通知）
holidays:
  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
workdays:
  - {name: 调休上班, date: 2027-01-09}
"""

REPO = Path(settings.BASE_DIR).parent


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def schedule_file(tmp_path: Path) -> Path:
    path = tmp_path / "2027.yaml"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_add_prints_the_iso_date() -> None:
    assert run("workdays", "add", "2020-09-28", "7") == "2020-10-14\n"


@pytest.mark.django_db
def test_add_negative() -> None:
    assert run("workdays", "add", "2020-10-14", "-7") == "2020-09-28\n"


@pytest.mark.django_db
def test_count_and_reverse_count() -> None:
    assert run("workdays", "count", "2020-09-28", "2020-10-14") == "7\n"
    assert run("workdays", "count", "2020-10-14", "2020-09-28") == "-7\n"


@pytest.mark.django_db
def test_late_and_is() -> None:
    assert run("workdays", "late", "2020-09-30", "2020-10-12") == "3\n"
    assert "上班" in run("workdays", "is", "2020-09-27")
    assert "放假" in run("workdays", "is", "2020-10-05")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ("workdays", "add", "2026-12-25", "10"),
        ("workdays", "count", "2026-12-25", "2027-01-09"),
        ("workdays", "is", "2027-01-04"),
    ],
)
def test_unknown_year_is_a_command_error_with_the_message(args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert str(caught.value) == UNKNOWN_MESSAGE_2027


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("workdays", "add", "2020-13-01", "3"), "不是有效日期"),
        (("workdays", "add", "2020-09-28", "seven"), "必须是整数"),
        (("workdays", "count", "yesterday", "2020-09-28"), "不是有效日期"),
    ],
)
def test_bad_input_is_a_command_error(args: tuple[str, ...], fragment: str) -> None:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert fragment in str(caught.value)


@pytest.mark.django_db
def test_after_loading_2027_the_same_call_works(schedule_file: Path) -> None:
    with pytest.raises(CommandError):
        run("workdays", "add", "2026-12-25", "10")
    output = run("calendar", "load", str(schedule_file))
    assert "已载入2027年" in output and "放假 3 天" in output and "调休上班 1 天" in output
    # Dec 28–31, Jan 4–8, then the Saturday make-up day.
    assert run("workdays", "add", "2026-12-25", "10") == "2027-01-09\n"
    assert run("workdays", "count", "2026-12-31", "2027-01-04") == "1\n"


@pytest.mark.django_db
def test_calendar_show_2020_lists_the_national_day_week() -> None:
    output = run("calendar", "show", "2020")
    assert "国庆节  2020-10-01 至 2020-10-08，共8天" in output
    assert "2020-09-27（星期日）" in output
    assert "2020-10-10（星期六）" in output


@pytest.mark.django_db
def test_calendar_show_2027_before_and_after_loading(schedule_file: Path) -> None:
    before = run("calendar", "show", "2027")
    assert "未声明完整" in before and "放假：无" in before
    run("calendar", "load", str(schedule_file))
    after = run("calendar", "show", "2027")
    assert "已声明完整" in after
    assert "元旦  2027-01-01 至 2027-01-03，共3天" in after
    assert "调休上班  2027-01-09（星期六）" in after


@pytest.mark.django_db
def test_calendar_load_refuses_bad_files(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="找不到文件"):
        run("calendar", "load", str(tmp_path / "missing.yaml"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("year: [2027\n", encoding="utf-8")
    with pytest.raises(CommandError, match="不是有效的 YAML"):
        run("calendar", "load", str(broken))
    no_source = tmp_path / "no_source.yaml"
    no_source.write_text("year: 2027\nholidays: [{name: 元旦, from: 2027-01-01}]\n", encoding="utf-8")
    with pytest.raises(CommandError, match="source"):
        run("calendar", "load", str(no_source))
    with pytest.raises(CommandError, match="年度"):
        run("calendar", "show", "20x7")


def _manage(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XINYONG_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "xinyong.settings"}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_subprocess_refuses_2027_then_works_after_load(tmp_path: Path, schedule_file: Path) -> None:
    # A separate process on its own SQLite file: checks the exit codes, the absence of a traceback, and that
    # a load in one process is seen by the next one (no stale cache).
    data_dir = tmp_path / "data"
    migrated = _manage(data_dir, "migrate", "--verbosity", "0")
    assert migrated.returncode == 0, migrated.stderr

    ok = _manage(data_dir, "workdays", "add", "2020-09-28", "7")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "2020-10-14"

    refused = _manage(data_dir, "workdays", "add", "2026-12-25", "10")
    assert refused.returncode != 0
    assert UNKNOWN_MESSAGE_2027 in refused.stderr
    assert "Traceback" not in refused.stderr
    assert refused.stdout == ""

    bad = _manage(data_dir, "workdays", "add", "2020-02-30", "1")
    assert bad.returncode != 0
    assert "不是有效日期" in bad.stderr and "Traceback" not in bad.stderr

    loaded = _manage(data_dir, "calendar", "load", str(schedule_file))
    assert loaded.returncode == 0, loaded.stderr

    after = _manage(data_dir, "workdays", "add", "2026-12-25", "10")
    assert after.returncode == 0, after.stderr
    assert after.stdout.strip() == "2027-01-09"
