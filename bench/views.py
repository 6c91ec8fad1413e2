"""Benchmark the research views (timeline, kwic, cooccur, search --facets) beside a plain search.

    python bench/views.py [--corpus PATH] [--index DIR] [--repeat 5] [--rebuild]

Builds the index of the corpus once into --index (default: a folder under the
system's temporary directory, kept between runs), opens one Searcher, as a
long-lived caller does, and times each view warm: one run to warm up, then the
median of --repeat runs; each beside a top-10 search (snippets included, as
`searchkit search` prints them) for the same query.  See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from searchkit.cooccur import cooccur
from searchkit.generations import index_exists
from searchkit.indexing import build_index
from searchkit.kwic import KwicOptions, kwic
from searchkit.search import Searcher, SearchOptions
from searchkit.timeline import TimelineOptions, timeline

BENCH = Path(__file__).resolve().parent
CORPUS = BENCH.parent.parent / "shared" / "corpora" / "lemonde-2022.jsonl.gz"
FACETS = ("source", "month")
console = Console(width=None if sys.stdout.isatty() else 200)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--index", type=Path, default=Path(tempfile.gettempdir()) / "searchkit-bench-views")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the index even if one is there.")
    return parser.parse_args()


def timed(run: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``repeat`` runs after one to warm up, and the last run's answer.

    On a shared machine the wall time grows with the others' load; the
    process's CPU time much less, so both are shown."""
    answer = run()
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        answer = run()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), answer


def main() -> None:
    args = arguments()
    if not args.corpus.exists():
        raise SystemExit(f"bench: no corpus at {args.corpus}")
    if args.rebuild or not index_exists(args.index):
        print(f"building {args.index} from {args.corpus} …", file=sys.stderr, flush=True)
        report = build_index([args.corpus], args.index, rebuild=True)
        print(f"{report.documents:,} articles in {report.seconds:.0f}s", file=sys.stderr)

    searcher = Searcher(args.index)

    def search(text: str, **options):
        return lambda: searcher.search(text, SearchOptions(limit=10, **options))

    T, K = TimelineOptions, KwicOptions
    # (view, query, what it does, the view, the plain search it is compared with, target)
    cases = [
        ("timeline", "France", "default buckets", lambda: timeline(searcher, ["France"]), search("France"), "≤ 2×"),
        (
            "timeline", "ans", "by month, --share",
            lambda: timeline(searcher, ["ans"], T(unit="month", share=True)), search("ans"), "≤ 2×",
        ),
        (
            "timeline", "=Kiev =Kyiv", "by month",
            lambda: timeline(searcher, ["=Kiev", "=Kyiv"], T(unit="month")), search("=Kiev OR =Kyiv"), "≤ 2×",
        ),
        ("search", "France", "--facets source,month", search("France", facets=FACETS), search("France"), "—"),
        (
            "kwic", "Zelensky", "--limit 1000",
            lambda: kwic(searcher, "Zelensky", K(limit=1000)), search("Zelensky"), "< 1 s",
        ),
        (
            "kwic", "Zelensky", "--limit 1000 --sort date",
            lambda: kwic(searcher, "Zelensky", K(limit=1000, sort="date")), search("Zelensky", sort="date"), "< 1 s",
        ),
        (
            "kwic", '"guerre en Ukraine"', "--limit 0 (all)",
            lambda: kwic(searcher, '"guerre en Ukraine"', K(limit=0)), search('"guerre en Ukraine"'), "—",
        ),
        ("cooccur", "Poutine OR Kremlin", "30 names", lambda: cooccur(searcher, "Poutine OR Kremlin"),
         search("Poutine OR Kremlin"), "< 2 s"),
        ("cooccur", "Russie", "30 names", lambda: cooccur(searcher, "Russie"), search("Russie"), "< 2 s"),
    ]  # fmt: skip
    table = Table(title=f"Research views, warm, median of {args.repeat} ({args.corpus.name})")
    numbers = ("articles", "view ms", "search ms", "× search", "view cpu ms", "search cpu ms", "cpu × search")
    for column in ("view", "query", "what", "articles", "answer", *numbers[1:], "target"):
        table.add_column(column, justify="right" if column in numbers else "left")
    for view, query, what, run, plain, target in cases:
        seconds, cpu, answer = timed(run, args.repeat)
        search_seconds, search_cpu, result = timed(plain, args.repeat)
        table.add_row(
            view, query, what, f"{_articles(answer, result):,}", _answer(answer),
            f"{seconds * 1000:.0f}", f"{search_seconds * 1000:.0f}", f"{seconds / search_seconds:.1f}",
            f"{cpu * 1000:.0f}", f"{search_cpu * 1000:.0f}", f"{cpu / search_cpu:.1f}", target,
        )  # fmt: skip
    searcher.close()
    console.print(table)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    console.print(f"load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} cores")


def _articles(answer, result) -> int:
    """Articles the view worked on: the matching ones."""
    if hasattr(answer, "series"):
        return sum(series.total for series in answer.series)
    return getattr(answer, "articles", None) or result.total


def _answer(answer) -> str:
    if hasattr(answer, "series"):
        return f"{len(answer.buckets)} {answer.unit}s"
    if hasattr(answer, "lines"):
        return f"{len(answer.lines):,} lines from {answer.read:,} articles"
    if hasattr(answer, "names"):
        return f"{len(answer.names)} of {answer.found:,} names"
    return f"{len(answer.facets[1].counts)} months, {len(answer.facets[0].counts)} sources"


if __name__ == "__main__":
    main()
