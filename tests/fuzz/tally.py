"""How many requests the fuzzing sent and how many answered 5xx, for the summary at the end of the run."""

from __future__ import annotations

import time
import traceback
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Tally:
    requests: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)

    def count(self, suite: str, status: int) -> None:
        self.requests[suite] += 1
        self.statuses[(suite, status)] += 1
        if status >= 500:
            self.server_errors[suite] += 1

    def timed(self, suite: str) -> _Timer:
        return _Timer(self, suite)

    def lines(self) -> list[str]:
        return [
            f"{suite}: {n} generated requests, {self.server_errors[suite]} server errors (5xx), "
            f"{self.seconds[suite]:.1f} s; answers: "
            + ", ".join(f"{status}×{k}" for (s, status), k in sorted(self.statuses.items()) if s == suite)
            for suite, n in sorted(self.requests.items())
        ]


class _Timer:
    def __init__(self, tally: Tally, suite: str) -> None:
        self.tally, self.suite = tally, suite

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.tally.seconds[self.suite] += time.perf_counter() - self.start


TALLY = Tally()



def describe(label: str, exc: BaseException) -> str:
    """A failure as the report shows it: each distinct error Hypothesis found, its falsifying example and
    where it was raised."""
    parts = list(exc.exceptions) if isinstance(exc, BaseExceptionGroup) else [exc]
    lines = [f"{label}: {len(parts)} distinct failure(s)"]
    if type(exc).__name__ == "FailureGroup":  # schemathesis: the message holds the answer and a curl command
        lines.append("  " + str(exc)[:1500].replace("\n", "\n  "))
    for part in parts:
        lines.append(f"  {type(part).__name__}: {str(part)[:500]}")
        lines += [f"    {note}" for note in getattr(part, "__notes__", [])[:6]]
        frames = traceback.extract_tb(part.__traceback__)
        own = [f for f in frames if "/xinyong/" in f.filename] or frames[-1:]
        lines += [f"    at {f.filename.split('/work/')[-1]}:{f.lineno} {f.name}" for f in own[-3:]]
    return "\n".join(lines)
