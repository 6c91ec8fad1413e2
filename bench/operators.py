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

import sys

from rich.console import Console
from rich.table import Table
from warm import arguments, ready_index, timed

from searchkit.search import Searcher, SearchOptions

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


def searched(searcher: Searcher, text: str, repeat: int) -> tuple[float, int]:
    """Median seconds of ``repeat`` searches after one to warm up, and the hits found with every word."""
    seconds, _, result = timed(lambda: searcher.search(text, SearchOptions(match_all=True)), repeat)
    return seconds, result.total or 0


def main() -> None:
    args = arguments(__doc__, "searchkit-bench-operators")
    index_dir = ready_index(args)
    table = Table(title=f"Operators, warm, median of {args.repeat} (top 10, counted, --all)")
    for column in ("query", "hits", "ms", "without the operator", "hits", "ms", "ratio"):
        table.add_column(column, justify="left" if column in ("query", "without the operator") else "right")
    with Searcher(index_dir) as searcher:
        for operator, plain in PAIRS:
            seconds, hits = searched(searcher, operator, args.repeat)
            plain_seconds, plain_hits = searched(searcher, plain, args.repeat)
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
