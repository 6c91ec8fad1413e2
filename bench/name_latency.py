"""Warm latency of name queries: ``search`` (top 10, counted) and ``names``, median and p95.

    python bench/name_latency.py INDEX [--runs 15]

The same queries on any version of searchkit (set PYTHONPATH to measure an
older one against its own index), so that a change to name merging is
measured before and after on one machine, in one sitting.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from searchkit.search import Searcher, SearchOptions

try:  # the names view moved into the names package
    from searchkit.names.view import name_spellings
except ImportError:
    from searchkit.names import name_spellings

QUERIES = ["Poutine", "Zelensky", "Choïgou", "Sheen", "François", "Kiev", "Mohamed", '"Sergueï Lavrov"', "Chine"]


def timed(call, runs: int) -> tuple[float, float]:
    call()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    table = Table(title=f"Warm latency of name queries, ms ({args.index})")
    for column in ("query", "search p50", "search p95", "names p50", "names p95"):
        table.add_column(column, justify="left" if column == "query" else "right")
    with Searcher(args.index) as searcher:
        for query in QUERIES:
            search = timed(lambda q=query: searcher.search(q, SearchOptions()), args.runs)
            names = timed(lambda q=query: name_spellings(searcher, q), args.runs)
            table.add_row(query, *(f"{t:.1f}" for t in (*search, *names)))
    Console().print(table)


if __name__ == "__main__":
    main()
