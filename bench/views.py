"""Benchmark the research views (timeline, kwic, cooccur, search --facets) beside a plain search.

    python bench/views.py [--corpus PATH] [--index DIR] [--repeat 5] [--rebuild]

Builds the index of the corpus once into --index (default: a folder under the
system's temporary directory, kept between runs), opens one Searcher, as a
long-lived caller does, and times each view warm: one run to warm up, then the
median of --repeat runs; each beside a top-10 search (snippets included, as
`searchkit search` prints them) for the same query.  See bench/README.md.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from warm import arguments, ready_index, timed

from searchkit.cooccur import CooccurOptions, cooccur
from searchkit.kwic import KwicOptions, kwic
from searchkit.querysets import load as load_query_set
from searchkit.search import Searcher, SearchOptions
from searchkit.timeline import TimelineOptions, timeline
from searchkit.views import Filters

FACETS = ("source", "month")
console = Console(width=None if sys.stdout.isatty() else 200)


def main() -> None:
    args = arguments(__doc__, "searchkit-bench-views")
    searcher = Searcher(ready_index(args))

    def search(text: str, **options):
        return lambda: searcher.search(text, SearchOptions(limit=10, **options))

    T, K, C = TimelineOptions, KwicOptions, CooccurOptions
    parties = load_query_set(Path(__file__).resolve().parent.parent / "examples" / "parties.yml")
    party_texts, party_names = [n.query for n in parties], [n.name for n in parties]
    first_id = searcher.search("Mélenchon Zemmour", SearchOptions(limit=1)).hits[0].id
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
        ("cooccur", "Mélenchon", "30 names", lambda: cooccur(searcher, "Mélenchon"), search("Mélenchon"), "< 2 s"),
        ("cooccur", "Mélenchon", "--sort lift (200 counted)", lambda: cooccur(searcher, "Mélenchon", C(sort="lift")),
         search("Mélenchon"), "< 5 s"),
        ("cooccur", "Mélenchon", "--edges (30 names)", lambda: cooccur(searcher, "Mélenchon", C(edges=True)),
         search("Mélenchon"), "< 2 s"),
        ("timeline", "examples/parties.yml", "6 named queries, by month",
         lambda: timeline(searcher, party_texts, T(unit="month"), party_names), search("Macron"), "≤ 6×"),
        ("similar", first_id, "10 hits, shared words", lambda: searcher.similar(first_id, 10), search("Macron"), "—"),
        ("similar", first_id, "--since 2022-06", lambda: searcher.similar(first_id, 10, Filters(since="2022-06")),
         search("Macron"), "—"),
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
    if hasattr(answer, "names") and getattr(answer, "edges", None):
        return f"{len(answer.names)} names, {len(answer.edges):,} edges"
    if hasattr(answer, "names"):
        return f"{len(answer.names)} of {answer.found:,} names"
    if getattr(answer, "similar_to", None) is not None:
        return f"{len(answer.hits)} hits, {sum(len(h.shared) for h in answer.hits)} shared words"
    return f"{len(answer.facets[1].counts)} months, {len(answer.facets[0].counts)} sources"


if __name__ == "__main__":
    main()
