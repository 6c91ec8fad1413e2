"""Benchmark fuzzy words and prefixes: warm with and without the count, and as a fresh CLI process.

    python bench/expansions.py [--corpus PATH] [--index DIR] [--repeat 5] [--rebuild]

Builds the index of the corpus once into --index (default: a folder under the
system's temporary directory, kept between runs), opens one Searcher, and
times each query as a new query (the words a prefix or a fuzzy word chose are
forgotten before each run, as they are for a query not seen before): p50 and
p95 of --repeat top-10 searches with snippets, without the count and with it
(as `searchkit search` prints it); then the median of three fresh
`python -m searchkit search` processes.  See bench/README.md.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from rich.console import Console
from rich.table import Table
from warm import arguments, ready_index

from searchkit.engine import whoosh_expansions
from searchkit.search import Searcher, SearchOptions

QUERIES = ("choigu~2", "poutine~1", "macrn~2", "ukrain*", "gouv*", "de*")
FRESH_RUNS = 3
console = Console(width=None if sys.stdout.isatty() else 150)


def percentiles(searcher: Searcher, text: str, options: SearchOptions, repeat: int) -> tuple[float, float, int]:
    """p50 and p95 seconds of ``repeat`` runs of ``text`` as a new query, after one to warm up, and its total."""
    times, total = [], 0
    for run in range(repeat + 1):
        whoosh_expansions._CHOSEN.clear()
        start = time.perf_counter()
        total = searcher.search(text, options).total or 0
        if run:
            times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times), times[round(0.95 * (len(times) - 1))], total


def fresh(index: str, text: str) -> float:
    """Median seconds of ``FRESH_RUNS`` fresh CLI searches."""
    times = []
    for _ in range(FRESH_RUNS):
        start = time.perf_counter()
        command = [sys.executable, "-m", "searchkit", "search", text, "--index", index, "--color", "never"]
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    args = arguments(__doc__, "searchkit-bench-expansions")
    index = ready_index(args)
    table = Table(title=f"fuzzy words and prefixes, {args.corpus.name} (ms)")
    for column in ("query", "p50", "p95", "p50 count", "p95 count", "fresh CLI", "articles"):
        table.add_column(column, justify="left" if column == "query" else "right")
    with Searcher(index) as searcher:
        searcher.search("zelensky")
        for text in QUERIES:
            p50, p95, _ = percentiles(searcher, text, SearchOptions(count=False), args.repeat)
            c50, c95, total = percentiles(searcher, text, SearchOptions(), args.repeat)
            cells = [f"{seconds * 1000:,.0f}" for seconds in (p50, p95, c50, c95, fresh(str(index), text))]
            table.add_row(text, *cells, f"{total:,}")
    console.print(table)


if __name__ == "__main__":
    main()
