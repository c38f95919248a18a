"""Memory and time of hostile files through the whole import, each in its own process.

Usage:
  .venv/bin/python bench/hostile_memory.py [--xlsx-rows 1500000] [--xlsx-columns 40] [--csv-mb 50]
                                           [--bomb-cells 40000] [--max-cells N] [--keep DIR]

Generates three files in a temporary folder:
  1. an .xlsx whose sheet claims A1:B2 in its <dimension> but holds a header and --xlsx-rows rows of small numbers
     in --xlsx-columns columns, written without cell references and compressed about 65 times (so it stays under
     the zip-bomb ratio): about 15 MB for 60 million cells;
  2. an .xlsx of a few KB whose --bomb-cells cells all use one shared string of 32,767 characters (Excel's
     longest): python-calamine copies it into each, 1.3 GB for 40,000 cells;
  3. a CSV of about --csv-mb MB in the 双公示 penalty layout where every row is wrong in several ways (check
     character of the USCC, an impossible date, a negative fine, missing fields), so every row is held back.
Then, for each file, it runs in a child process and prints peak resident memory and wall time of:
  baseline  a process that only sets Django up and imports the import path (what any `xinyong` command costs);
  reader    the raw reader over the file (`xinyong.intake.readers.iter_rows`, rows counted and dropped);
  import    `xinyong import FILE --category admin_penalty --department zhzfj --json` on SQLite in a temporary data
            folder set up with `xinyong setup` (a fresh copy for each file).
Peak memory is the child's own maximum resident set size as os.wait4 reports it (ru_maxrss, which takes in the
processes it waited for, such as the forked checking process of a large import). --max-cells sets
XINYONG_IMPORT_MAX_CELLS for the children (60000000, the limit before the sheet was measured while it streams, makes
the check read the whole sheet before refusing it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from xinyong.intake.tests.xlsx_files import write_lying_xlsx, write_shared_string_bomb

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

HEADER = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "行政相对人代码_2(工商注册号)",
    "行政相对人代码_3(组织机构代码)", "法定代表人", "证件类型", "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实",
    "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）",
    "暂扣或吊销证照名称及编号", "处罚决定日期", "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码",
    "数据来源单位", "数据来源单位统一社会信用代码", "备注",
]

def write_bad_csv(path: Path, *, megabytes: float) -> int:
    """Penalty rows in the current layout, each wrong several times; returns the number of data rows."""
    rnd = random.Random(7)
    target = int(megabytes * 1024 * 1024)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        while handle.tell() < target:
            count += 1
            code = f"91320281MA{count % 1000000:06d}X{rnd.randrange(10)}"  # wrong check character
            writer.writerow([
                f"江阴市测试企业{count}有限公司", "法人及非法人组织", code, "", "", "某某", "", "",
                f"澄综执罚〔2020〕{count}号", "未按规定设置消防安全标志",
                f"经查，当事人于某日在经营场所未按规定设置消防安全标志（检查编号{count}）。",
                "《中华人民共和国消防法》第六十条", "警告、罚款", "警告并处罚款", "-1", "", "",
                "2020年2月30日", "", "", "江阴市利港街道综合执法局", "", "", "", "",
            ])
    return count


def measure(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall time (s), peak RSS (MB) and the output of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    assert proc.stdout is not None
    # Only the start and the end of the output are kept: without a limit on its errors, an import prints
    # gigabytes, and a child started while this process is large is counted as large too.
    head, tail = b"", b""
    while block := proc.stdout.read(1 << 20):
        head = head or block[:65536]
        tail = (tail + block)[-65536:]
    output = (head + b"\n" + tail).decode("utf-8", "replace") if len(head) == 65536 else tail.decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss / 1024, output


_BASELINE = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'xinyong.settings'); django.setup(); "
    "import xinyong.intake.services"
)
_READER = (
    "import sys; from pathlib import Path; from xinyong.core.errors import XinyongError; "
    "from xinyong.intake.readers import iter_rows\n"
    "try:\n    print('rows', sum(1 for _ in iter_rows(Path(sys.argv[1]))))\n"
    "except XinyongError as exc:\n    print(exc.code, exc.message)\n"
)


def _summary(output: str) -> str:
    """The import's outcome in one line: counts, or the refusal."""
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if "error" in data:
                return f"{data['error']['code']} {data['error']['message'][:70]}"
            total = data.get("errors_total", len(data.get("errors", [])))
            return (
                f"rows {data['rows']:,}, accepted {data['accepted']:,}, rejected {data['rejected']:,}, "
                f"errors {total:,} ({len(data.get('errors', [])):,} in the result)"
            )
    # Output cut short (without a limit on its errors an import prints gigabytes): the counts at its start.
    counts = dict(re.findall(r'"(rows|accepted|rejected)": (\d+)', output[:2000]))
    if len(counts) == 3:
        return f"rows {int(counts['rows']):,}, accepted {int(counts['accepted']):,}, rejected {int(counts['rejected']):,}"
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1][:110] if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xlsx-rows", type=int, default=1_500_000)
    parser.add_argument("--xlsx-columns", type=int, default=40)
    parser.add_argument("--csv-mb", type=float, default=50)
    parser.add_argument("--bomb-cells", type=int, default=40_000)
    parser.add_argument("--max-cells", type=int, default=0, help="XINYONG_IMPORT_MAX_CELLS for the imports")
    parser.add_argument("--keep", default="", help="generate the files into this folder and keep them")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="xinyong-hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    data_dir = work / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir()
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("XINYONG_") and key != "DATABASE_URL"
    }
    env.update(
        XINYONG_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'xinyong.sqlite3'}",
        DJANGO_SETTINGS_MODULE="xinyong.settings",
        PYTHONPATH=str(ROOT),
    )
    if args.max_cells:
        env["XINYONG_IMPORT_MAX_CELLS"] = str(args.max_cells)
    xinyong = str(BIN / "xinyong")
    try:
        subprocess.run([xinyong, "setup"], env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        xlsx = work / "lying-dimension.xlsx"
        started = time.perf_counter()
        write_lying_xlsx(xlsx, header=HEADER, rows=args.xlsx_rows, columns=args.xlsx_columns, compresslevel=6)
        with zipfile.ZipFile(xlsx) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
        print(
            f"lying-dimension .xlsx: {xlsx.stat().st_size / 1e6:.1f} MB ({unpacked / 1e6:.0f} MB unpacked), "
            f"<dimension ref=\"A1:B2\"/>, holds {args.xlsx_rows + 1:,} rows × {args.xlsx_columns} columns "
            f"({(args.xlsx_rows + 1) * args.xlsx_columns:,} cells); written in {time.perf_counter() - started:.1f}s"
        )
        bomb = work / "shared-string-bomb.xlsx"
        write_shared_string_bomb(bomb, header=HEADER, cells=args.bomb_cells)
        print(
            f"shared-string bomb .xlsx: {bomb.stat().st_size / 1e3:.1f} KB, {args.bomb_cells:,} cells using one string "
            f"of 32,767 characters ({args.bomb_cells * 32_767 / 1e9:.2f} GB once copied into each)"
        )
        bad = work / "bad-rows.csv"
        count = write_bad_csv(bad, megabytes=args.csv_mb)
        print(f"bad-rows .csv: {bad.stat().st_size / 1e6:.1f} MB, {count:,} rows, each wrong several times")
        print()
        print(f"{'file':<26}{'process':<10}{'time':>8}{'peak RSS':>11}  outcome")
        python = sys.executable
        files = (("lying-dimension .xlsx", xlsx), ("shared-string bomb .xlsx", bomb), ("bad-rows .csv", bad))
        for label, path in files:
            runs = (
                ("baseline", [python, "-c", _BASELINE]),
                ("reader", [python, "-c", _READER, str(path)]),
                (
                    "import",
                    [xinyong, "import", str(path), "--category", "admin_penalty", "--department", "zhzfj",
                     "--json", "--no-progress"],
                ),
            )
            # Each file is imported into a fresh copy of the set-up database: what one import leaves behind (held-back
            # rows) must not weigh on the next one's figures.
            fresh = data_dir / label.replace(" ", "-")
            fresh.mkdir()
            shutil.copy(data_dir / "xinyong.sqlite3", fresh / "xinyong.sqlite3")
            shutil.copy(data_dir / "secret_key", fresh / "secret_key")
            # The copy continues the set-up database's audit chain, so it needs that chain's key.
            shutil.copy(data_dir / "audit_key", fresh / "audit_key")
            run_env = {**env, "XINYONG_DATA_DIR": str(fresh), "DATABASE_URL": f"sqlite:///{fresh / 'xinyong.sqlite3'}"}
            for name, command in runs:
                elapsed, peak, output = measure(command, run_env)
                outcome = "" if name == "baseline" else _summary(output)
                print(f"{label:<26}{name:<10}{elapsed:>7.1f}s{peak:>8.0f} MB  {outcome}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
