#!/usr/bin/env python3
"""Brute-force baseline for `aduana screen`: scans every list name with rapidfuzz's token_sort_ratio for each query
and reports per-query latency (p50, p99), for comparison with `cargo bench -p aduana-screening --bench screen`.

Inputs come from the bench: `SCREEN_BENCH_DUMP=/tmp/screen-bench cargo bench -p aduana-screening --bench screen`
writes un_names.txt, queries.txt, generated_names.txt and generated_queries.txt. Then:

    pip install rapidfuzz
    python3 scripts/screen_rapidfuzz.py /tmp/screen-bench [--big-queries 200]
"""

import statistics
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process, utils


def run(label, names, queries):
    times = []
    for query in queries:
        start = time.perf_counter()
        process.extract(query, names, scorer=fuzz.token_sort_ratio, processor=utils.default_process, limit=10, score_cutoff=80)
        times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    p99 = times[min(len(times) - 1, round((len(times) - 1) * 0.99))]
    print(f"{label}: {len(names)} names, {len(times)} queries, p50 {statistics.median(times):.3f} ms, p99 {p99:.3f} ms, "
          f"mean {statistics.fmean(times):.3f} ms")


def main():
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/screen-bench")
    big_queries = int(sys.argv[sys.argv.index("--big-queries") + 1]) if "--big-queries" in sys.argv else 200
    read = lambda name: [l for l in (folder / name).read_text(encoding="utf-8").split("\n") if l.strip()]
    run("rapidfuzz token_sort_ratio, UN list", read("un_names.txt"), read("queries.txt"))
    run("rapidfuzz token_sort_ratio, generated list", read("generated_names.txt"), read("generated_queries.txt")[:big_queries])


if __name__ == "__main__":
    main()
