"""Benchmark the query operators (NEAR/5, NEAR/s, atleastN, lead:) beside the same words without them.

    python bench/operators.py [--corpus PATH] [--index DIR] [--repeat 5] [--rebuild]

Builds the index of the corpus once into --index (default: a folder under the
system's temporary directory, kept between runs) and times top-10 searches
with --all (count and snippets included, as `searchkit search` prints them),
each operator beside the same words without it, warm:

- *first*: the operator's first search on an open Searcher, the case of a
  user's new query: the median of --repeat Searchers, each opened and warmed
  with another operator's search first;
- *again*: the same search repeated on one Searcher, which reuses the
  articles the operator checked (``searchkit.engine.whoosh_operators._Checks``);
- the plain words: the median of --repeat runs on one Searcher after one to
  warm up (nothing of theirs is kept between searches).

Ratios are of CPU time (the process's own, which the load of other processes
changes less than wall time; both are shown).  See bench/README.md.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

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
WARM_UP = "europe NEAR/s france"  #: an operator searched on each new Searcher before the one timed
OPTIONS = SearchOptions(match_all=True)
console = Console(width=None if sys.stdout.isatty() else 200)


def first_search(index_dir: Path, text: str, repeat: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds of ``text``'s first search on ``repeat`` warmed Searchers, and its total."""
    walls, cpus = [], []
    for _ in range(repeat):
        with Searcher(index_dir) as searcher:
            searcher.search(WARM_UP, OPTIONS)
            start, cpu = time.perf_counter(), time.process_time()
            result = searcher.search(text, OPTIONS)
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result.total or 0


def main() -> None:
    args = arguments(__doc__, "searchkit-bench-operators")
    index_dir = ready_index(args)
    table = Table(title=f"Operators, warm, median of {args.repeat} (top 10, counted, --all); ms wall / CPU")
    columns = ("query", "hits", "first", "again", "without the operator", "hits", "ms", "first ratio", "again ratio")
    for column in columns:
        table.add_column(column, justify="left" if column in ("query", "without the operator") else "right")
    with Searcher(index_dir) as searcher:
        for operator, plain in PAIRS:
            first_wall, first_cpu, hits = first_search(index_dir, operator, args.repeat)
            again_wall, again_cpu, _ = timed(lambda text=operator: searcher.search(text, OPTIONS), args.repeat)
            plain_wall, plain_cpu, result = timed(lambda text=plain: searcher.search(text, OPTIONS), args.repeat)
            table.add_row(
                operator,
                f"{hits:,}",
                f"{first_wall * 1000:.0f} / {first_cpu * 1000:.0f}",
                f"{again_wall * 1000:.0f} / {again_cpu * 1000:.0f}",
                plain,
                f"{result.total or 0:,}",
                f"{plain_wall * 1000:.0f} / {plain_cpu * 1000:.0f}",
                f"{first_cpu / plain_cpu:.1f}x",
                f"{again_cpu / plain_cpu:.1f}x",
            )
    console.print(table)


if __name__ == "__main__":
    main()
