"""Benchmark searchkit against plain Whoosh, SQLite FTS5 and grep, on the same articles.

    python bench/run.py [--corpus PATH] [--n N] [--engines searchkit,whoosh,fts5,grep]
                        [--out bench/results/latest.json]

Speed (build, size, memory, query latency, cold start) on the first N articles
of the corpus; quality on bench/clusters.json (name variants, confusables) over
the same articles, and on PIAF (ranking).  See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path

import engines
import quality
import whoosh
from rich.console import Console
from rich.table import Table

from searchkit.corpus import read_file

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CORPORA = REPO.parent / "shared" / "corpora"
PIAF = CORPORA / "piaf"
#: Each engine of --engines and the rows (query strategies) it gives; a row's
#: first engine builds the index the others share.
ROWS = {"searchkit": ["searchkit"], "whoosh": ["whoosh", "whoosh-and"], "fts5": ["fts5"], "grep": ["grep"]}
COLD_QUERY = "Zelensky"
COLD_RUNS = 5
QUALITY_LIMIT = 10_000  #: hits asked for a name query: all of them
PIAF_LIMIT = 100

console = Console(record=True, width=None if sys.stdout.isatty() else 180)
started = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - started:6.0f}s] {message}", file=sys.stderr, flush=True)


# --- memory of a build ---------------------------------------------------------------


def tree_pss(root: int) -> int:
    """Summed proportional set size (bytes) of a process and its descendants."""
    children = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            children[int(stat.read_text().rsplit(")", 1)[1].split()[1])].append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                total += sum(int(line.split()[1]) * 1024 for line in rollup if line.startswith("Pss:"))
        except OSError:
            pass
    return total


class PssSampler(threading.Thread):
    """Peak of ``tree_pss``, sampled every 0.1 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.peak = max(self.peak, tree_pss(self.pid))

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak


def build_in_child(name: str, corpus: Path, workdir: Path, mark_every: int = 0) -> dict:
    """Builds one engine in a fresh process: its stats, with two measures of peak memory.

    ``peak_rss_bytes``: the build process's own peak (VmHWM), or its largest worker's;
    ``peak_pss_bytes``: the whole process tree's PSS, summed and sampled every 0.1 s
    (searchkit writes with several processes; shared pages are counted once);
    ``marks``: when each multiple of ``mark_every`` articles was read (none when 0);
    ``cpu_seconds``: the CPU time of all its processes, which a loaded machine
    changes much less than the wall time.
    """
    command = [sys.executable, str(BENCH / "engines.py"), "build", name, str(corpus), str(workdir), str(mark_every)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    sampler = PssSampler(proc.pid)
    sampler.start()
    out, _ = proc.communicate()
    peak_pss = sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"bench: building {name} failed (exit {proc.returncode})")
    stats = json.loads(out)
    stats["peak_pss_bytes"] = peak_pss
    stats["cpu_seconds"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    stats["docs_per_second"] = stats["docs"] / stats["seconds"] if stats["seconds"] else None
    return stats


# --- speed ------------------------------------------------------------------------------


def percentile(values: list[float], p: int) -> float:
    """The ``p``-th percentile of ``values``; a single value is its own (``--repeat 1``)."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def time_queries(rows: dict, queries: list[str], repeat: int) -> dict:
    """Top-10 with snippets; one warm-up pass, then ``repeat`` passes with the
    engines interleaved query by query, so the machine's noise hits them alike."""
    for engine in rows.values():
        for query in queries:
            engine.search(query, 10)
    samples: dict[str, dict[str, list[float]]] = {row: defaultdict(list) for row in rows}
    for _ in range(repeat):
        for query in queries:
            for row, engine in rows.items():
                start = time.perf_counter()
                engine.search(query, 10)
                samples[row][query].append((time.perf_counter() - start) * 1000)
    timings = {}
    for row, by_query in samples.items():
        every = [ms for times in by_query.values() for ms in times]
        timings[row] = {
            "p50_ms": statistics.median(every),
            "p95_ms": percentile(every, 95),
            "samples": len(every),
            "median_ms_by_query": {query: round(statistics.median(times), 2) for query, times in by_query.items()},
        }
    return timings


def time_cold(commands: dict[str, list[str]]) -> dict:
    """Median wall time of a search as a fresh process."""
    times = defaultdict(list)
    for _ in range(COLD_RUNS):
        for row, command in commands.items():
            start = time.perf_counter()
            done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO, text=True)
            times[row].append((time.perf_counter() - start) * 1000)
            if done.returncode > 1:
                log(f"cold {row}: exit {done.returncode}: {done.stderr.strip()[:200]}")
    return {row: {"cold_ms": statistics.median(t), "command": " ".join(commands[row])} for row, t in times.items()}


# --- quality ------------------------------------------------------------------------------
# Quality runs are not timed, so they run on two worker processes (forked:
# they inherit CLUSTERS and TRUTH, set before the pool starts).

CLUSTERS: dict = {}
TRUTH: quality.Truth | None = None


def id_search(engine, limit: int):
    """The engine's ranked ids for a query, each query run once."""
    cache: dict[str, list[str]] = {}

    def search(query: str) -> list[str]:
        if query not in cache:
            cache[query] = [doc_id for doc_id, _ in engine.search(query, limit, snippets=False)]
        return cache[query]

    return search


def quality_task(kind: str, row: str, workdir: Path) -> tuple[str, str, dict]:
    """One engine's name-variant scores ("names") or PIAF scores ("piaf")."""
    log(f"{kind}: {row}")
    engine = engines.make(row)
    engine.open(workdir)
    if kind == "names":
        search = id_search(engine, QUALITY_LIMIT)
        result = {
            "names": quality.name_scores(search, CLUSTERS["clusters"], TRUTH),
            "exonyms": quality.name_scores(search, CLUSTERS["exonyms"], TRUTH),
            "confusables": quality.leak_scores(search, CLUSTERS["confusables"], TRUTH),
        }
    else:
        queries = [json.loads(line) for line in (PIAF / "queries-dev.jsonl").read_text().splitlines() if line]
        result = quality.ranking_scores(id_search(engine, PIAF_LIMIT), queries)
        result["query_errors"] = len(getattr(engine, "errors", []))
    engine.close()
    return kind, row, result


def run_quality(names: list[str], texts: dict[str, str], workdir: Path) -> dict:
    global CLUSTERS, TRUTH
    CLUSTERS = json.loads((BENCH / "clusters.json").read_text())
    spellings = {s for group in CLUSTERS["clusters"] + CLUSTERS["exonyms"] for s in group["spellings"]}
    spellings |= {pair[k] for pair in CLUSTERS["confusables"] for k in ("a", "b")}
    TRUTH = quality.Truth(texts, spellings)
    rows = [row for name in names if name != "grep" for row in ROWS[name]]  # grep does not rank
    tasks = [("names", row, workdir / "lemonde") for row in rows]
    if PIAF.exists():
        for name in names:
            if name != "grep":
                build_in_child(ROWS[name][0], PIAF / "passages.jsonl", workdir / "piaf")
        tasks = [("piaf", row, workdir / "piaf") for row in rows] + tasks
    results: dict = {"names": {}, "piaf": {}}
    if not tasks:
        return results
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        for kind, row, result in pool.map(quality_task, *zip(*tasks, strict=True)):
            results[kind][row] = result
    return results


# --- output ------------------------------------------------------------------------------------


def fmt(value, digits: int = 0, scale: float = 1.0) -> str:
    return "—" if value is None else f"{value / scale:,.{digits}f}"


def ratio(value, reference) -> str:
    return "—" if value is None or not reference else f"{value / reference:.2f}×"


def speed_table(report: dict) -> Table:
    rows = report["rows"]
    table = Table(title=f"Speed: first {report['meta']['articles']:,} articles of {report['meta']['corpus']}")
    for header in (
        "engine",
        "build s",
        "docs/s",
        "docs/s ×whoosh",
        "docs/s ×fts5",
        "index MB",
        "peak RSS MB",
        "peak ΣPSS MB",
        "p50 ms",
        "p95 ms",
        "p50 ×whoosh",
        "p50 ×fts5",
        "cold ms",
    ):
        table.add_column(header, justify="left" if header == "engine" else "right")
    whoosh_build, fts5_build = (rows.get(r, {}).get("build", {}) for r in ("whoosh", "fts5"))
    whoosh_p50, fts5_p50 = (rows.get(r, {}).get("p50_ms") for r in ("whoosh", "fts5"))
    for row in rows.values():
        build = row["build"]
        shared = row.get("shares_index_of")
        table.add_row(
            row["label"],
            f"(index of {shared})" if shared else fmt(build["seconds"], 1),
            "" if shared else fmt(build["docs_per_second"]),
            "" if shared else ratio(build["docs_per_second"], whoosh_build.get("docs_per_second")),
            "" if shared else ratio(build["docs_per_second"], fts5_build.get("docs_per_second")),
            "" if shared else fmt(build["index_bytes"], 1, 1e6),
            "" if shared else fmt(build["peak_rss_bytes"], 0, 1e6),
            "" if shared else fmt(build["peak_pss_bytes"], 0, 1e6),
            fmt(row["p50_ms"], 1),
            fmt(row["p95_ms"], 1),
            ratio(row["p50_ms"], whoosh_p50),
            ratio(row["p50_ms"], fts5_p50),
            fmt(row.get("cold_ms")),
        )
    return table


def quality_table(report: dict) -> Table:
    table = Table(title="Quality: name variants (Le Monde, same articles) and PIAF ranking (761 passages)")
    for header in (
        "engine",
        "names recall",
        "names prec.",
        "exonyms recall",
        "exonyms prec.",
        "leaks",
        "nDCG@10",
        "MRR@10",
        "R@100",
        "PIAF errors",
    ):
        table.add_column(header, justify="left" if header == "engine" else "right")
    for name, row in report["rows"].items():
        names, piaf = report["names"].get(name), report["piaf"].get(name)
        if names is None and piaf is None:
            continue
        table.add_row(
            row["label"],
            fmt(names and names["names"]["recall"], 3),
            fmt(names and names["names"]["precision"], 3),
            fmt(names and names["exonyms"]["recall"], 3),
            fmt(names and names["exonyms"]["precision"], 3),
            fmt(names and names["confusables"]["leaks"]),
            fmt(piaf and piaf["ndcg@10"], 3),
            fmt(piaf and piaf["mrr@10"], 3),
            fmt(piaf and piaf["recall@100"], 3),
            fmt(piaf and piaf["query_errors"]),
        )
    return table


def misses(report: dict, row: str = "searchkit", worst: int = 12) -> Table | None:
    """The name queries where searchkit found least of the cluster."""
    if row not in report["names"]:
        return None
    queries = [q for part in ("names", "exonyms") for q in report["names"][row][part]["queries"]]
    queries = sorted((q for q in queries if q["found"] < q["truth"]), key=lambda q: q["found"] / q["truth"])
    table = Table(title=f"{row}: name queries with the lowest recall")
    for header in ("cluster", "query", "found / truth", "retrieved", "relevant"):
        table.add_column(header)
    for q in queries[:worst]:
        table.add_row(q["cluster"], q["query"], f"{q['found']} / {q['truth']}", str(q["retrieved"]), str(q["relevant"]))
    return table


# --- main --------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPORA / "lemonde-2022.jsonl.gz")
    parser.add_argument("--n", type=int, default=None, help="index the first N articles (default: all)")
    parser.add_argument("--engines", default=",".join(ROWS))
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "latest.json")
    parser.add_argument("--queries", type=Path, default=BENCH / "queries.txt")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (indexes) at the end")
    args = parser.parse_args()
    if not args.corpus.exists():
        raise SystemExit(f"bench: corpus not found: {args.corpus} (give one with --corpus PATH)")
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in args.engines if e not in ROWS]
    if unknown or not args.engines:
        raise SystemExit(f"bench: unknown engine {', '.join(unknown)} (choose from {', '.join(ROWS)})")
    return args


def tool_versions() -> dict:
    rg = shutil.which("rg")
    version = subprocess.run([rg, "--version"], capture_output=True, text=True).stdout.split("\n")[0] if rg else None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "searchkit"], cwd=REPO, capture_output=True, text=True)
    return {
        "python": platform.python_version(),
        "whoosh": whoosh.versionstring(),
        "sqlite": sqlite3.sqlite_version,
        "ripgrep": version,
        "commit": (commit.stdout.strip() + ("+uncommitted" if dirty.stdout.strip() else "")) or None,
        "cpus": os.cpu_count(),
    }


def main() -> None:
    args = arguments()
    queries = [q.strip() for q in args.queries.read_text().splitlines() if q.strip() and not q.startswith("#")]
    workdir = Path(tempfile.mkdtemp(prefix="searchkit-bench-"))
    try:
        corpus = workdir / "articles.jsonl"
        texts: dict[str, str] = {}
        with corpus.open("w") as out:
            for article in islice(read_file(args.corpus, lambda r: log(f"rejected: {r}")), args.n):
                record = {"id": article.id, "title": article.title, "body": article.body, "date": article.date}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                texts[article.id] = f"{article.title}\n{article.body}"
        log(f"{len(texts):,} articles from {args.corpus} in {workdir}")

        lemonde = workdir / "lemonde"
        rows: dict[str, dict] = {}
        searchers = {}
        for name in args.engines:
            log(f"build: {name}")
            build = build_in_child(ROWS[name][0], corpus, lemonde)
            for row in ROWS[name]:
                engine = engines.make(row)
                engine.open(lemonde)
                searchers[row] = engine
                rows[row] = {"label": engine.name, "build": build}
                if row != ROWS[name][0]:
                    rows[row]["shares_index_of"] = ROWS[name][0]

        log(f"latency: {len(queries)} queries × {args.repeat}")
        for row, timing in time_queries(searchers, queries, args.repeat).items():
            rows[row].update(timing)
        log("cold starts")
        commands = {row: engines.cold_command(row, e, lemonde, COLD_QUERY) for row, e in searchers.items()}
        for row, cold in time_cold(commands).items():
            rows[row].update(cold)
        for row, engine in searchers.items():
            rows[row]["query_errors"] = getattr(engine, "errors", [])

        for engine in searchers.values():
            engine.close()
        results = run_quality(args.engines, texts, workdir)

        report = {
            "meta": {
                "date": dt.datetime.now().isoformat(timespec="seconds"),
                "corpus": args.corpus.name,
                "articles": len(texts),
                "queries": len(queries),
                "repeat": args.repeat,
                "cold_query": COLD_QUERY,
                "cold_runs": COLD_RUNS,
                "rules": quality.RULES,
                "seconds": round(time.perf_counter() - started, 1),
                **tool_versions(),
            },
            "rows": rows,
            **results,
        }
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    for table in (speed_table(report), quality_table(report), misses(report)):
        if table is not None:
            console.print(table)
    console.print(f"Rules: {quality.RULES}.", soft_wrap=False)
    console.print(
        f"Run: {report['meta']['seconds']:.0f} s, {report['meta']['cpus']} CPUs, commit {report['meta']['commit']}."
    )
    write_report(report, console, args.out)


def write_report(report: dict, console: Console, out: Path) -> None:
    """The run's figures as JSON at ``out``, and the tables as printed beside it (``.txt``)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    out.with_suffix(".txt").write_text(console.export_text())
    log(f"wrote {out} and {out.with_suffix('.txt')}")


if __name__ == "__main__":
    main()
