"""Scale benchmark: build and search a large synthetic corpus, side by side with FTS5 and plain Whoosh.

    python bench/scale.py [--n 100000] [--large] [--corpus PATH] [--engines searchkit,whoosh,fts5]
                          [--work DIR] [--keep] [--out bench/results/scale.json]

Builds N synthetic articles (``bench/generate.py``; 300,000 with ``--large``)
with each engine in a fresh process, and measures the slope of the build
(docs/s per 10,000 articles), its peak memory (all processes), the index
size, warm top-10 latency over ``bench/queries.txt``, cold start, and for
searchkit one query of every form of the query language, warm and as a fresh
CLI, and its updates.  See bench/README.md (*Scale*).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import engines
import generate
from lifecycle import first_articles, index_run
from rich.console import Console
from rich.table import Table
from run import (
    BENCH,
    COLD_QUERY,
    REPO,
    build_in_child,
    fmt,
    log,
    percentile,
    ratio,
    time_cold,
    time_queries,
    tool_versions,
    write_report,
)

from searchkit.errors import SearchkitError
from searchkit.search import Searcher, SearchOptions
from searchkit.signatures import RACY_NS

LARGE = 300_000
FIRST = 30_000  #: the slope's reference: docs/s over the first 30,000 articles of the same build
WARM_TARGET_MS = 300  #: every query form, warm p95
CLI_TARGET_MS = 1000  #: every query form, as a fresh CLI process
CLI_RUNS = 3

#: One query of every form of the query language: (form, query, SearchOptions fields).
#: The same filters are given to the CLI as its options.
FORMS: list[tuple[str, str, dict]] = [
    ("frequent word", "gouvernement", {}),
    ("two words", "guerre Ukraine", {}),
    ("phrase", '"conseil de sécurité"', {}),
    ("OR", "Macron OR Poutine", {}),
    ("OR of frequent words", "France OR pays OR monde", {}),
    ("NOT", "guerre -Ukraine", {}),
    ("prefix", "ukrain*", {}),
    ("short prefix", "de*", {}),
    ("fuzzy", "choigu~2", {}),
    ("name with variants", "Choïgou", {}),
    ("date: year", "date:2020 gouvernement", {}),
    ("date: range", "date:2019..2021 macron", {}),
    ("--since/--until", "inflation", {"since": "2020-01-01", "until": "2020-12-31"}),
    ("source:", "source:international Iran", {}),
    ("question", "pourquoi la guerre en Ukraine", {}),
    ("NEAR/5", "poutine NEAR/5 macron", {}),
    ("NEAR/s", "poutine NEAR/s macron", {}),
    ("PRE/3", "poutine PRE/3 macron", {}),
    ("atleast3", "atleast3(ukraine)", {}),
    ("lead:", "lead:inflation", {}),
    ("title:", "title:zelensky", {}),
]

console = Console(record=True, width=None if sys.stdout.isatty() else 180)


# --- the corpus -----------------------------------------------------------------------------


def ready_corpus(args: argparse.Namespace) -> Path:
    """``--corpus``, else the synthetic corpus of N articles in the work folder, generated once."""
    if args.corpus:
        if not args.corpus.exists():
            sys.exit(f"scale: no corpus at {args.corpus}")
        return args.corpus
    cached = args.work / f"synthetic-{args.n}.jsonl.gz"
    if not cached.exists():
        if not generate.DEFAULT_CORPUS.exists():
            sys.exit(f"scale: no Le Monde corpus at {generate.DEFAULT_CORPUS} to generate from")
        log(f"generating {args.n:,} articles into {cached}")
        partial = cached.with_name(f"{cached.stem}.part.gz")  # written gzipped, as its name says
        generate.write(generate.DEFAULT_CORPUS, args.n, args.seed, partial)
        partial.rename(cached)
    return cached


# --- the build ------------------------------------------------------------------------------


def slope(build: dict) -> dict:
    """docs/s over each step of articles read, over the first 30,000, and the seconds after the last article."""
    marks = [(0, 0.0), *build["marks"]]
    slices = [(end, (end - start) / (t1 - t0) if t1 > t0 else None) for (start, t0), (end, t1) in pairwise(marks)]
    first = next((t for n, t in build["marks"] if n == FIRST), None)
    return {
        "slices": slices,
        "first_30k_docs_per_second": FIRST / first if first else None,
        "after_last_article_seconds": build["seconds"] - marks[-1][1] if build["marks"] else None,
    }


def segments(index_dir: Path) -> int:
    return sum(1 for _ in index_dir.glob("gen-*/*.trm"))


# --- searchkit's query forms -------------------------------------------------------------------


def cli_options(options: dict) -> list[str]:
    return [arg for key, value in options.items() for arg in (f"--{key}", value)]


def time_forms(index_dir: Path, repeat: int) -> dict:
    """Each form warm (one Searcher, the CLI's defaults: top 10 with snippets and the count, estimated where costly)
    and as a fresh CLI process; a form that fails gives its error, not a number."""
    results = {}
    searcher = Searcher(index_dir)
    try:
        for form, query, options in FORMS:
            row: dict = {"query": query, "options": options}
            try:
                answer = searcher.search(query, SearchOptions(**options))
                times = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    searcher.search(query, SearchOptions(**options))
                    times.append((time.perf_counter() - start) * 1000)
                row.update(
                    hits=answer.total,
                    estimated=answer.total_estimated,
                    warm_p50_ms=statistics.median(times),
                    warm_p95_ms=percentile(times, 95),
                )
            except SearchkitError as error:
                row["error"] = str(error)
            command = [sys.executable, "-m", "searchkit", "search", query, "--index", str(index_dir)]
            command += cli_options(options)
            walls = []
            for _ in range(CLI_RUNS):
                start = time.perf_counter()
                done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
                walls.append((time.perf_counter() - start) * 1000)
                if done.returncode > 1:
                    row["cli_error"] = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
                    break
            else:
                row["cli_ms"] = statistics.median(walls)
            results[form] = row
            log(f"form {form}: {row.get('warm_p95_ms', row.get('error'))}")
    finally:
        searcher.close()
    return results


# --- searchkit's updates ----------------------------------------------------------------------------


def time_updates(corpus: Path, index_dir: Path) -> dict:
    """A no-op update, one article appended to the corpus, one article changed: each a fresh
    ``searchkit index`` process on the copy of the corpus the index was built from."""
    steps = {"no-op update": index_run(corpus, index_dir)}
    lines = first_articles(corpus, None)
    added = json.loads(lines[0]) | {"id": "scale-appended", "title": "Un article ajouté"}
    with gzip.open(corpus, "at", encoding="utf-8") as out:  # a new gzip member, as a feed appends
        out.write(json.dumps(added, ensure_ascii=False) + "\n")
    steps["one article appended"] = index_run(corpus, index_dir)
    middle = len(lines) // 2
    changed = json.loads(lines[middle])
    changed["body"] += "\n\nMise à jour : correction d’une coquille."
    lines[middle] = json.dumps(changed, ensure_ascii=False) + "\n"
    with gzip.open(corpus, "wt", encoding="utf-8", compresslevel=1) as out:
        out.writelines(lines)
        out.write(json.dumps(added, ensure_ascii=False) + "\n")
    steps["one article changed"] = index_run(corpus, index_dir)
    return steps


# --- tables -----------------------------------------------------------------------------------------


def mark(value: float | None, target: float) -> str:
    return "" if value is None else ("✓" if value < target else "✗")


def build_table(report: dict) -> Table:
    rows = report["engines"]
    whoosh = rows.get("whoosh", {}).get("build", {}).get("docs_per_second")
    table = Table(title=f"Build: {report['meta']['articles']:,} articles")
    columns = ["engine", "build s", "CPU s", "docs/s", "× whoosh", f"at N ÷ first {FIRST // 1000}k", "after last s"]
    columns += ["peak ΣPSS MB", "index MB", "segments"]
    for column in columns:
        table.add_column(column, justify="left" if column == "engine" else "right")
    for name, row in rows.items():
        build, rate = row["build"], row["build"]["docs_per_second"]
        first = row["slope"]["first_30k_docs_per_second"]
        table.add_row(
            name,
            fmt(build["seconds"]),
            fmt(build["cpu_seconds"]),
            fmt(rate),
            ratio(rate, whoosh),
            ratio(rate, first),
            fmt(row["slope"]["after_last_article_seconds"]),
            fmt(build["peak_pss_bytes"], scale=1e6),
            fmt(build["index_bytes"], scale=1e6),
            str(row.get("segments", "")),
        )
    return table


def slope_table(report: dict) -> Table:
    every = report["meta"]["every"]
    table = Table(title=f"Slope: docs/s over each {every:,} articles read (the commit after the last not included)")
    ends = sorted({end for row in report["engines"].values() for end, _ in row["slope"]["slices"]})
    table.add_column("engine")
    for end in ends:
        table.add_column(f"≤{end:,}", justify="right")
    for name, row in report["engines"].items():
        rates = dict(row["slope"]["slices"])
        table.add_row(name, *(fmt(rates.get(end)) for end in ends))
    return table


def search_table(report: dict) -> Table:
    rows = report["engines"]
    fts5 = rows.get("fts5", {}).get("p50_ms")
    table = Table(
        title=f"Top-10 with snippets over {report['meta']['queries']} queries, warm; cold `search {COLD_QUERY}`"
    )
    for column in ("engine", "p50 ms", "p95 ms", "p50 × fts5", "cold ms"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    for name, row in rows.items():
        table.add_row(
            name,
            fmt(row.get("p50_ms"), 1),
            fmt(row.get("p95_ms"), 1),
            ratio(row.get("p50_ms"), fts5),
            fmt(row.get("cold_ms")),
        )
    return table


def forms_table(forms: dict) -> Table:
    table = Table(
        title=f"searchkit, every query form: warm p50/p95 (target p95 < {WARM_TARGET_MS} ms), "
        f"fresh CLI median of {CLI_RUNS} (target < {CLI_TARGET_MS:,} ms)"
    )
    for column in ("form", "query", "hits", "p50 ms", "p95 ms", "", "CLI ms", " "):
        table.add_column(column, justify="left" if column in ("form", "query") else "right")
    for form, row in forms.items():
        query = row["query"] + "".join(f" --{k} {v}" for k, v in row["options"].items())
        if "error" in row:
            warm = [f"[red]{row['error']}[/red]", "", "", ""]
        else:
            p95 = row["warm_p95_ms"]
            hits = ("about " if row.get("estimated") else "") + fmt(row["hits"])
            warm = [hits, fmt(row["warm_p50_ms"], 1), fmt(p95, 1), mark(p95, WARM_TARGET_MS)]
        cli = (
            [row.get("cli_error", ""), ""]
            if "cli_ms" not in row
            else [fmt(row["cli_ms"]), mark(row["cli_ms"], CLI_TARGET_MS)]
        )
        table.add_row(form, query, *warm, *cli)
    return table


def updates_table(updates: dict) -> Table:
    table = Table(title="searchkit updates (a fresh `searchkit index` process each)")
    for column in ("step", "wall s", "added", "updated", "unchanged", "peak MB (largest process)"):
        table.add_column(column, justify="left" if column == "step" else "right")
    for step, run in updates.items():
        table.add_row(
            step,
            f"{run['wall_seconds']:.2f}",
            str(run["added"]),
            str(run["updated"]),
            str(run["unchanged"]),
            fmt(run["peak_bytes"], scale=1e6),
        )
    return table


# --- the run ----------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles to generate (default 100,000)")
    parser.add_argument("--large", action="store_true", help=f"{LARGE:,} articles")
    parser.add_argument("--corpus", type=Path, help="a corpus already generated (e.g. /tmp/syn100k.jsonl.gz)")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--engines", default="searchkit,whoosh,fts5")
    parser.add_argument("--work", type=Path, default=Path("/tmp/searchkit-scale"), help="generated corpora and indexes")
    parser.add_argument("--keep", action="store_true", help="keep the indexes at the end")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "scale.json")
    parser.add_argument("--queries", type=Path, default=BENCH / "queries.txt")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the queries and the forms")
    parser.add_argument("--every", type=int, default=10_000, help="the slope's step, in articles")
    args = parser.parse_args()
    if args.large:
        args.n = LARGE
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in args.engines if e not in ("searchkit", "whoosh", "fts5")]
    if unknown or not args.engines:
        sys.exit(f"scale: unknown engine {', '.join(unknown)} (choose from searchkit, whoosh, fts5)")
    return args


def main() -> None:
    args = arguments()
    args.work.mkdir(parents=True, exist_ok=True)
    source = ready_corpus(args)
    queries = [q.strip() for q in args.queries.read_text().splitlines() if q.strip() and not q.startswith("#")]
    run_dir = args.work / f"run-{dt.datetime.now():%Y%m%d-%H%M%S}"
    indexes = run_dir / "indexes"
    corpus = run_dir / "corpus.jsonl.gz"  # a copy: the updates change it
    run_dir.mkdir(parents=True)
    shutil.copyfile(source, corpus)
    # A file changed less than RACY_NS before the build's scan is not recorded as
    # unchanged (searchkit.signatures): the no-op update would read it whole, as
    # it would a corpus written during the build.  A corpus at rest is the case to measure.
    time.sleep(RACY_NS / 1e9)
    report: dict = {"engines": {}}
    searchers = {}
    try:
        for name in args.engines:
            log(f"build: {name}")
            build = build_in_child(name, corpus, indexes, args.every)
            row = report["engines"][name] = {"build": build, "slope": slope(build)}
            if name == "searchkit":
                row["segments"] = segments(indexes / "searchkit")
            searchers[name] = engines.make(name)
            searchers[name].open(indexes)
        log(f"latency: {len(queries)} queries × {args.repeat}")
        for name, timing in time_queries(searchers, queries, args.repeat).items():
            report["engines"][name].update(timing)
        log("cold starts")
        commands = {name: engines.cold_command(name, e, indexes, COLD_QUERY) for name, e in searchers.items()}
        for name, cold in time_cold(commands).items():
            report["engines"][name].update(cold)
        for engine in searchers.values():
            engine.close()
        if "searchkit" in args.engines:
            log("query forms")
            report["forms"] = time_forms(indexes / "searchkit", args.repeat)
            log("updates")
            report["updates"] = time_updates(corpus, indexes / "searchkit")
        articles = next(iter(report["engines"].values()))["build"]["docs"]
        report["meta"] = {
            "date": dt.datetime.now().isoformat(timespec="seconds"),
            "corpus": str(source),
            "articles": articles,
            "queries": len(queries),
            "repeat": args.repeat,
            "every": args.every,
            **tool_versions(),
        }
    finally:
        if args.keep:
            log(f"kept {run_dir}")
        else:
            shutil.rmtree(run_dir, ignore_errors=True)

    tables = [build_table(report), slope_table(report), search_table(report)]
    if "forms" in report:
        tables += [forms_table(report["forms"]), updates_table(report["updates"])]
    for table in tables:
        console.print(table)
    write_report(report, console, args.out)


if __name__ == "__main__":
    main()
