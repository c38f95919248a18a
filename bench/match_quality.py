"""Screening speed and quality: the list matcher against a plain brute-force fuzzy baseline (issue 5, Speed).

Usage:
  .venv/bin/python bench/match_quality.py [--entries 1000000] [--subjects 500000] [--labelled 2000]
                                          [--baseline-timing 20] [--seed 7]

Builds N synthetic list entries (`xinyong.lists.variants`) in a `MatchIndex`, a population of subjects to check,
and a labelled set of name variants of listed companies (positives and near-miss negatives, some kinds held
out of the tests). Prints, for the matcher: build time and memory, p50/p95 of a single check by code and by
name, the time of a batch of 10,000 names, and precision and recall on the labelled set (overall, tuning
kinds, held-out kinds, per kind). Then the same for a plain baseline: rapidfuzz `fuzz.ratio` over all names
with a score cutoff (single-threaded, as the matcher is); its batch time is extrapolated from a sample of
checks because a full batch over a million names would take hours.

Precision and recall are per labelled pair: a pair counts as found when the listed entry is among the
query's matches (score at or above the threshold).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _percentiles(samples: Sequence[float]) -> str:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {_ms(p50)}  p95 {_ms(p95)}  max {_ms(ordered[-1])}  (n={len(ordered)})"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


class Tally:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = self.tn = 0

    def add(self, same: bool, found: bool) -> None:
        if same and found:
            self.tp += 1
        elif same:
            self.fn += 1
        elif found:
            self.fp += 1
        else:
            self.tn += 1

    def kind_line(self, same: bool) -> str:
        found, total = (self.tp, self.tp + self.fn) if same else (self.fp, self.fp + self.tn)
        expected = "all" if same else "none"
        return f"matched {found:,}/{total:,} (should be {expected})"

    def line(self) -> str:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return (
            f"precision {precision:.4f}  recall {recall:.4f}  "
            f"(TP {self.tp}, FP {self.fp}, FN {self.fn}, TN {self.tn})"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--subjects", type=int, default=500_000)
    parser.add_argument("--labelled", type=int, default=2_000, help="listed companies to make variants of")
    parser.add_argument("--checks", type=int, default=2_000, help="single checks timed, by code and by name")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument(
        "--baseline-timing", type=int, default=20, help="baseline checks timed over all names"
    )
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from rapidfuzz import fuzz, process, utils

    from xinyong.lists import matching
    from xinyong.lists.matching import Entry, MatchIndex, Query
    from xinyong.lists.variants import KINDS_BY_NAME, labelled_pairs, make_companies

    threshold = args.threshold if args.threshold is not None else matching.DEFAULT_THRESHOLD
    rng = random.Random(args.seed)
    print(f"machine: {os.cpu_count()} CPUs (shared with other sessions); python {sys.version.split()[0]}")
    print(f"threshold {threshold}; entries {args.entries:,}; subjects {args.subjects:,}")

    # -- data ------------------------------------------------------------------------------------------
    # A long-lived index is millions of objects: a full collection walking them stalls a check for hundreds
    # of milliseconds. Build with the collector off, then freeze what was built (as a server process that
    # holds an index should).
    gc.disable()
    seconds, listed = _timed(lambda: make_companies(args.entries, seed=args.seed))
    assert isinstance(listed, list)
    entries = [Entry(c.index, c.name, c.uscc, c.former_names) for c in listed]
    print(f"generated {len(entries):,} entries in {seconds:.1f} s")
    seconds, subjects = _timed(lambda: make_companies(args.subjects, seed=args.seed + 1, code_letter="N"))
    assert isinstance(subjects, list)
    print(f"generated {len(subjects):,} subjects in {seconds:.1f} s")

    index = MatchIndex()
    start = time.perf_counter()
    for i, entry in enumerate(entries, 1):
        index.add(entry)
        if i % 200_000 == 0:
            print(f"  indexed {i:,} ({time.perf_counter() - start:.0f} s)", flush=True)
    build = time.perf_counter() - start
    gc.freeze()
    gc.enable()
    print(
        f"index built in {build:.1f} s ({build / len(entries) * 1e6:.0f} µs per entry); peak RSS {_rss_mb():,.0f} MB"
    )

    # Checks mix subjects that are not listed with variants of listed ones, as a real day's checks would.
    sample_listed = rng.sample(listed, min(len(listed), args.labelled))
    pairs = labelled_pairs(sample_listed, seed=args.seed)
    positive_names = [p.query_name for p in pairs if p.same and p.query_name]

    def name_queries(count: int) -> list[Query]:
        queries = []
        for _ in range(count):
            if rng.random() < 0.2:
                queries.append(Query(name=rng.choice(positive_names)))
            else:
                queries.append(Query(name=rng.choice(subjects).name))
        return queries

    code_queries = [
        Query(
            code=(rng.choice(listed) if rng.random() < 0.2 else rng.choice(subjects)).uscc
            or "91320281MA0000000X"
        )
        for _ in range(args.checks)
    ]

    # -- matcher: speed --------------------------------------------------------------------------------
    print("\n== matcher (xinyong.lists.matching.MatchIndex)")
    times = []
    for query in code_queries:
        seconds, _ = _timed(lambda q=query: index.check(q, threshold=threshold))
        times.append(seconds)
    print(f"single check by code: {_percentiles(times)}")

    times, hit_counts = [], []
    for query in name_queries(args.checks):
        seconds, hits = _timed(lambda q=query: index.check(q, threshold=threshold))
        times.append(seconds)
        assert isinstance(hits, list)
        hit_counts.append(len(hits))
    print(f"single check by name: {_percentiles(times)}")
    print(f"  matches per name check: mean {statistics.mean(hit_counts):.2f}, max {max(hit_counts)}")

    batch = name_queries(args.batch)
    matching.name_form.cache_clear()
    seconds, _ = _timed(lambda: index.check_many(batch, threshold=threshold))
    print(f"batch of {len(batch):,} names: {seconds:.1f} s ({seconds / len(batch) * 1000:.2f} ms per name)")

    # -- matcher: quality ------------------------------------------------------------------------------
    overall, tuning, held_out = Tally(), Tally(), Tally()
    per_kind: dict[str, Tally] = defaultdict(Tally)
    misses: dict[str, list[str]] = defaultdict(list)
    for pair in pairs:
        hits = index.check(Query(name=pair.query_name, code=pair.query_code), threshold=threshold, limit=None)
        found = any(hit.entry.id == pair.company.index and hit.is_match for hit in hits)
        for tally in (overall, held_out if pair.held_out else tuning, per_kind[pair.kind]):
            tally.add(pair.same, found)
        if found != pair.same and len(misses[pair.kind]) < 3:
            misses[pair.kind].append(f"{pair.query_name or pair.query_code} ↔ {pair.company.name}")
    print(f"labelled set: {len(pairs):,} pairs from {len(sample_listed):,} listed companies")
    print(f"  all kinds      {overall.line()}")
    print(f"  tuning kinds   {tuning.line()}")
    print(f"  held-out kinds {held_out.line()}")
    for kind, tally in per_kind.items():
        meta = KINDS_BY_NAME[kind]
        flag = "held out" if meta.held_out else "tuning"
        sign = "+" if meta.same else "-"
        print(f"    {sign} {kind:26s} {flag:8s} {tally.kind_line(meta.same)}")
        for example in misses.get(kind, []):
            print(f"        wrong: {example}")

    # -- baseline --------------------------------------------------------------------------------------
    cutoff = threshold * 100
    print(f"\n== baseline: rapidfuzz fuzz.ratio over all names, default_process, score_cutoff {cutoff:.0f}")
    seconds, processed = _timed(lambda: [utils.default_process(e.name) for e in entries])
    assert isinstance(processed, list)
    print(f"preprocessed {len(processed):,} names in {seconds:.1f} s")
    times, hit_counts = [], []
    for query in name_queries(args.baseline_timing):
        text = utils.default_process(query.name)
        seconds, found = _timed(
            lambda t=text: process.extract(t, processed, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
        )
        assert isinstance(found, list)
        times.append(seconds)
        hit_counts.append(len(found))
    print(f"single check by name over all {len(processed):,} names: {_percentiles(times)}")
    print(f"  matches per name check: mean {statistics.mean(hit_counts):.2f}, max {max(hit_counts)}")
    mean = statistics.mean(times)
    print(
        f"batch of {args.batch:,} names: about {mean * args.batch:.0f} s "
        f"(extrapolated from the {len(times)} timed checks above, not run)"
    )
    print(
        "single check by code: the baseline has none (exact dict lookup would be the same as the matcher's)"
    )

    overall, tuning, held_out = Tally(), Tally(), Tally()
    per_kind = defaultdict(Tally)
    for pair in pairs:
        # The same decision extract() with this cutoff makes for this entry, computed for the pair alone.
        found = bool(pair.query_name) and (
            fuzz.ratio(utils.default_process(pair.query_name), utils.default_process(pair.company.name))
            >= cutoff
        )
        for tally in (overall, held_out if pair.held_out else tuning, per_kind[pair.kind]):
            tally.add(pair.same, found)
    print(f"labelled set ({len(pairs):,} pairs; a query with only a code counts as not found):")
    print(f"  all kinds      {overall.line()}")
    print(f"  tuning kinds   {tuning.line()}")
    print(f"  held-out kinds {held_out.line()}")
    for kind, tally in per_kind.items():
        meta = KINDS_BY_NAME[kind]
        flag = "held out" if meta.held_out else "tuning"
        sign = "+" if meta.same else "-"
        print(f"    {sign} {kind:26s} {flag:8s} {tally.kind_line(meta.same)}")
    print(f"\npeak RSS {_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
