"""Benchmark the query operators (NEAR/5, NEAR/s, atleastN, lead:) beside the same words without them.

    python bench/operators.py [--corpus PATH] [--index DIR] [--repeat 5] [--rebuild]

Builds the index of the corpus once into --index (default: a folder under the
system's temporary directory, kept between runs), opens one Searcher, as a
long-lived caller does, and times each query warm: one run to warm up, then
the median of --repeat runs of a top-10 search (count and snippets included,
as `searchkit search` prints them); each operator beside the same words
without it, and the ratio.  See bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from searchkit.generations import index_exists
from searchkit.indexing import build_index
from searchkit.search import Searcher, SearchOptions

BENCH = Path(__file__).resolve().parent
CORPUS = BENCH.parent.parent / "shared" / "corpora" / "lemonde-2022.jsonl.gz"
#: (query with the operator, the same words without it)
PAIRS = (
    ("gouvernement NEAR/5 président", "gouvernement président"),
    ("poutine NEAR/5 macron", "poutine macron"),
    ("zelensky NEAR/s guerre", "zelensky guerre"),
    ("macron NEAR/p retraites", "macron retraites"),
    ("poutine PRE/3 guerre", "poutine guerre"),
    ("atleast3(ukraine)", "ukraine"),
    ("lead:inflation", "inflation"),
)
console = Console(width=None if sys.stdout.isatty() else 150)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--index", type=Path, default=Path(tempfile.gettempdir()) / "searchkit-bench-operators")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the index even if one is there.")
    return parser.parse_args()


def timed(searcher: Searcher, text: str, repeat: int) -> tuple[float, int]:
    """Median seconds of ``repeat`` searches after one to warm up, and the hits found with every word."""
    options = SearchOptions(match_all=True)
    total = searcher.search(text, options).total or 0
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        searcher.search(text, options)
        times.append(time.perf_counter() - start)
    return statistics.median(times), total


def main() -> None:
    args = arguments()
    if not args.corpus.exists():
        sys.exit(f"no corpus at {args.corpus}")
    if args.rebuild or not index_exists(args.index):
        start = time.perf_counter()
        report = build_index([args.corpus], args.index, rebuild=True)
        console.print(f"built {report.documents:,} articles in {time.perf_counter() - start:.0f} s into {args.index}")
    table = Table(title=f"Operators, warm, median of {args.repeat} (top 10, counted, --all)")
    for column in ("query", "hits", "ms", "without the operator", "hits", "ms", "ratio"):
        table.add_column(column, justify="left" if column in ("query", "without the operator") else "right")
    with Searcher(args.index) as searcher:
        for operator, plain in PAIRS:
            seconds, hits = timed(searcher, operator, args.repeat)
            plain_seconds, plain_hits = timed(searcher, plain, args.repeat)
            table.add_row(
                operator,
                f"{hits:,}",
                f"{seconds * 1000:.0f}",
                plain,
                f"{plain_hits:,}",
                f"{plain_seconds * 1000:.0f}",
                f"{seconds / plain_seconds:.1f}x",
            )
    console.print(table)


if __name__ == "__main__":
    main()
