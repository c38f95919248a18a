"""Hostile .xlsx files through the real import, each in its own process: peak memory is measured, not guessed.

One sheet claims A1:B2 in its <dimension> and holds 6 million cells: loaded, python-calamine would hold all of them
(about 70 bytes a cell, some 400 MB). Another uses one 32 KB shared string in 6,000 cells: python-calamine would
copy it into each (200 MB from a 30 KB file). The import must refuse both while their XML streams, at the memory of
a process that merely starts. `bench/hostile_memory.py` does the same at full size and for a 50 MB CSV of bad rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from xinyong.intake.tests.xlsx_files import write_lying_xlsx, write_shared_string_bomb
from xinyong.web.tests.factories import PENALTY_HEADERS

REPO = Path(settings.BASE_DIR).parent
TIMEOUT = 120

_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(done.stdout + done.stderr)
print("RC", done.returncode)
print("PEAK_KB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _measured(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Peak resident memory (MB) of a command, its exit code and output.

    The command runs under a fresh Python whose only child it is, and which reports
    getrusage(RUSAGE_CHILDREN).ru_maxrss: in this process that figure would also hold the largest child any
    earlier test started. It takes in the processes the command waits for (the import's forked checker).
    """
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    lines = done.stdout.strip().splitlines()
    peak_kb = int(lines[-1].removeprefix("PEAK_KB "))
    code = int(lines[-2].removeprefix("RC "))
    return peak_kb / 1024, code, "\n".join(lines[:-2])


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A data folder of its own, on SQLite whatever the tests run on, set up as an operator does."""
    folder = tmp_path_factory.mktemp("hostile")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("XINYONG_") and k != "DATABASE_URL"},
        "XINYONG_DATA_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'xinyong.sqlite3'}",
        "SECRET_KEY": "hostile-memory",
        "DJANGO_SETTINGS_MODULE": "xinyong.settings",
    }
    done = subprocess.run(
        [sys.executable, "-m", "xinyong.cli", "setup"], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return env


@pytest.mark.parametrize(
    ("make", "limits", "refusal"),
    [
        (
            lambda path: write_lying_xlsx(path, header=PENALTY_HEADERS, rows=300_000, columns=20),
            # 1 million cells, so that the sheet passes the limit a sixth of the way in
            {"XINYONG_IMPORT_MAX_CELLS": "1000000"},
            ["工作表“行政处罚”过大：A1:", "尚未读完", "超过上限 1,000,000 个"],
        ),
        (
            lambda path: write_shared_string_bomb(path, header=PENALTY_HEADERS, cells=6000),
            {"XINYONG_IMPORT_MAX_UNPACKED_BYTES": str(64 * 1024 * 1024)},
            ["工作表“行政处罚”的单元格引用的共享文字展开后", "超过上限 64 MB"],
        ),
    ],
    ids=["lying-dimension", "shared-string-bomb"],
)
def test_hostile_xlsx_import_stays_small(
    platform: dict[str, str], tmp_path: Path, make: Any, limits: dict[str, str], refusal: list[str]
) -> None:
    path = make(tmp_path / "行政处罚.xlsx")
    baseline, code, _ = _measured(
        [sys.executable, "-c", "import django; django.setup(); import xinyong.intake.services"], platform
    )
    assert code == 0
    peak, code, output = _measured(
        [sys.executable, "-m", "xinyong.cli", "import", str(path), "--category", "admin_penalty",
         "--department", "zhzfj", "--no-progress"],
        {**platform, **limits},
    )
    assert code != 0, output
    # Loading the sheet would take 200 to 400 MB more than starting the process; the streaming check takes a few.
    print(f"peak RSS: import {peak:.0f} MB, bare process {baseline:.0f} MB")
    assert peak - baseline < 60, (peak, baseline, output)
    for part in refusal:
        assert part in output, output
