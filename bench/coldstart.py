"""Cold start: one search as a fresh ``searchkit`` process, beside ripgrep over the same articles as files.

    python bench/coldstart.py [--index DIR] [--corpus PATH] [--query Zelensky] [--runs 15]
                              [--import-runs 5] [--large-index DIR] [--out bench/results/coldstart.json] [--keep]

Prints two rows, ``searchkit search`` as a fresh process, then handed to a
``searchkit serve`` the benchmark starts: the imports of ``python -X importtime -m searchkit search QUERY``
(all of them, and those after the interpreter's own start-up), the wall and
CPU time of that search as a fresh process, and ``rg -c QUERY`` over one file
an article (``grep -rc`` when ripgrep is not installed); then the imports that
cost most.  See bench/README.md (*Cold start*).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engines import Grep, Marks
from rich.console import Console
from rich.table import Table
from run import BENCH, COLD_QUERY, CORPORA, REPO, fmt, log, ratio, tool_versions, write_report

#: ``-X importtime``: "import time: SELF | CUMULATIVE | <indent>NAME", in microseconds.
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")

console = Console(record=True, width=None if sys.stdout.isatty() else 140)


def child_environment(pycache: Path) -> dict[str, str]:
    """The environment of every timed process: bytecode cached in ``pycache``
    (outside the repository), as an installed package has it.  Without a cache
    (``PYTHONDONTWRITEBYTECODE``) each start would compile searchkit's sources
    again, which is not what a user's second search pays."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["SEARCHKIT_NO_SERVER"] = "1"  # a server the user runs answers none of the fresh processes
    return env


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) milliseconds of ``command`` run to its end, output dropped."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO, env=env, text=True)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode > 1:  # 1: nothing found, for searchkit, rg and grep alike
        sys.exit(f"coldstart: {' '.join(command)}: exit {done.returncode}: {done.stderr.strip()[:300]}")
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def imports(command: list[str], env: dict[str, str]) -> dict:
    """One ``-X importtime`` run of ``command``: milliseconds of every import, of the
    interpreter's start-up (``site`` and what its ``.pth`` files load), and self time by
    module (searchkit's) or top-level package (the others)."""
    done = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=env,
        text=True,
    )
    total = startup = 0
    by_package: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        found = IMPORT_LINE.match(line)
        if not found:
            continue
        own, cumulative, indent, name = int(found[1]), int(found[2]), found[3], found[4]
        total += own
        if name == "site" and not indent:
            startup = cumulative
        parts = name.split(".")
        by_package[".".join(parts[:2]) if parts[0] == "searchkit" else parts[0]] += own
    by_package_ms = {name: own / 1000 for name, own in by_package.items()}
    return {"total_ms": total / 1000, "startup_ms": startup / 1000, "by_package_ms": by_package_ms}


def article_files(corpus: Path, workdir: Path) -> tuple[Grep, int]:
    """One ``ID.txt`` an article (title, blank line, body) under ``workdir/grep``, as run.py's grep row writes them."""
    grep = Grep()
    stats = grep.build(corpus, workdir, Marks(0))
    grep.open(workdir)
    return grep, stats.docs


def ready_index(args: argparse.Namespace, workdir: Path, env: dict[str, str]) -> Path:
    if args.index:
        return args.index
    index = workdir / "index"
    log(f"building {index} from {args.corpus} (a few minutes for Le Monde 2022)")
    command = [sys.executable, "-m", "searchkit", "index", str(args.corpus), "--index", str(index), "--quiet"]
    subprocess.run(command, cwd=REPO, env=env, check=True)
    return index


@contextmanager
def running_server(env: dict[str, str], workdir: Path) -> Iterator[dict[str, str]]:
    """A ``searchkit serve`` of this checkout on a socket of ``workdir``; yields the environment of its clients."""
    from searchkit.server import running_pid

    socket = workdir / "run" / "server.sock"
    socket.parent.mkdir(mode=0o700)
    served = {**env, "SEARCHKIT_SERVER_SOCKET": str(socket), "SEARCHKIT_NO_SERVER": ""}
    server = subprocess.Popen(
        [sys.executable, "-m", "searchkit", "serve"],
        cwd=REPO,
        env=served,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while running_pid(str(socket)) != server.pid:
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"coldstart: searchkit serve did not start: {server.communicate()[1].strip()[:300]}")
            time.sleep(0.05)
        yield served
    finally:
        server.terminate()
        server.wait(30)


def large_index_articles(index: Path, env: dict[str, str]) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "searchkit", "stats", "--json", "--index", str(index)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)["documents"]


def measure(args: argparse.Namespace, workdir: Path) -> dict:
    env = child_environment(workdir / "pycache")
    index = ready_index(args, workdir, env)
    log(f"writing one file an article of {args.corpus} to {workdir / 'grep'}")
    grep, count = article_files(args.corpus, workdir)
    search = [sys.executable, "-m", "searchkit", "search", args.query, "--index", str(index)]
    counting = [grep.tool, "-c" if grep.tool == "rg" else "-rc", args.query, str(grep.dir)]
    with running_server(env, workdir) as served:
        commands = {
            "python": ([sys.executable, "-c", "pass"], env),
            "searchkit": (search, env),
            "served": (search, served),
            grep.tool: (counting, env),
        }
        if args.large_index:  # issue 24: a search of a far larger index, against ripgrep over these articles
            large = [*search[:-1], str(args.large_index)]
            commands |= {"searchkit, large index": (large, env), "served, large index": (large, served)}
        for command, environment in commands.values():  # warm-up: bytecode written, index and files in the page cache
            timed(command, environment)
        load = [os.getloadavg()[0]]
        log(f"timing: {args.runs} rounds of {', '.join(commands)}, interleaved")
        wall, cpu = defaultdict(list), defaultdict(list)
        for _ in range(args.runs):
            for name, (command, environment) in commands.items():
                w, c = timed(command, environment)
                wall[name].append(w)
                cpu[name].append(c)
        log(f"imports: {args.import_runs} runs of -X importtime")
        runs = [imports(search, env) for _ in range(args.import_runs)]
        served_runs = [imports(search, served) for _ in range(args.import_runs)]
    load.append(os.getloadavg()[0])
    packages = {p for run in runs for p in run["by_package_ms"]}
    return {
        "articles": count,
        "index": str(index),
        "query": args.query,
        "grep_tool": grep.tool,
        "commands": {name: " ".join(command) for name, (command, _) in commands.items()},
        "wall_ms": {name: statistics.median(t) for name, t in wall.items()},
        "cpu_ms": {name: statistics.median(t) for name, t in cpu.items()},
        "imports_ms": statistics.median(r["total_ms"] for r in runs),
        "startup_imports_ms": statistics.median(r["startup_ms"] for r in runs),
        "served_imports_ms": statistics.median(r["total_ms"] for r in served_runs),
        "large_index": str(args.large_index) if args.large_index else None,
        "large_index_articles": large_index_articles(args.large_index, env) if args.large_index else None,
        "command_imports_ms": statistics.median(r["total_ms"] - r["startup_ms"] for r in runs),
        "imports_by_package_ms": {
            p: statistics.median(r["by_package_ms"].get(p, 0.0) for r in runs) for p in sorted(packages)
        },
        "load_average": load,
    }


def cold_table(report: dict) -> Table:
    m = report["meta"]
    tool = m["grep_tool"]
    table = Table(
        title=f"Cold start: `searchkit search {m['query']}`, {m['articles']:,} articles, median of {m['runs']} "
        f"fresh processes (load {m['load_average'][0]:.1f} → {m['load_average'][1]:.1f})"
    )
    for header in (
        "row",
        "python -c pass ms",
        "imports ms",
        "of which start-up",
        "search: wall ms",
        "CPU ms",
        f"{tool} -c ms",
        f"CPU ms ({tool})",
        f"wall ×{tool}",
    ):
        table.add_column(header, justify="left" if header == "row" else "right")
    wall, cpu = m["wall_ms"], m["cpu_ms"]
    rows = [
        ("cold start", "searchkit", m["imports_ms"]),
        ("served (`searchkit serve`; the client's CPU)", "served", m["served_imports_ms"]),
    ]
    if "searchkit, large index" in wall:
        articles = f"{m['large_index_articles']:,} articles"
        rows += [
            (f"cold start, {articles}", "searchkit, large index", None),
            (f"served, {articles}", "served, large index", None),
        ]
    for row, name, imported in rows:
        table.add_row(
            row,
            fmt(wall["python"]),
            "" if imported is None else fmt(imported),
            fmt(m["startup_imports_ms"]),
            fmt(wall[name]),
            fmt(cpu[name]),
            fmt(wall[tool]),
            fmt(cpu[tool]),
            ratio(wall[name], wall[tool]),
        )
    return table


def imports_table(report: dict, shown: int = 12) -> Table:
    m = report["meta"]
    table = Table(title=f"Costliest imports (self ms, median of {m['import_runs']})")
    table.add_column("module or package")
    table.add_column("ms", justify="right")
    for name, ms in Counter(m["imports_by_package_ms"]).most_common(shown):
        table.add_row(name, fmt(ms, 1))
    return table


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, help="an index of --corpus already built (else one is built first)")
    parser.add_argument("--corpus", type=Path, default=CORPORA / "lemonde-2022.jsonl.gz")
    parser.add_argument("--query", default=COLD_QUERY)
    parser.add_argument(
        "--large-index", type=Path, help="also search this (larger) index, e.g. 300,000 articles of bench/generate.py"
    )
    parser.add_argument("--runs", type=int, default=15, help="timed rounds (default 15)")
    parser.add_argument("--import-runs", type=int, default=5, help="-X importtime runs (default 5)")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "coldstart.json")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (article files, index built)")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"coldstart: no corpus at {args.corpus} (--corpus PATH)")
    if args.index and not args.index.is_dir():
        sys.exit(f"coldstart: no index at {args.index}")
    return args


def main() -> None:
    args = arguments()
    workdir = Path(tempfile.mkdtemp(prefix="searchkit-coldstart-"))
    try:
        measured = measure(args, workdir)
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report = {
        "meta": {
            "date": dt.datetime.now().isoformat(timespec="seconds"),
            "corpus": args.corpus.name,
            "runs": args.runs,
            "import_runs": args.import_runs,
            **measured,
            **tool_versions(),
        }
    }
    console.print(cold_table(report))
    console.print(imports_table(report))
    write_report(report, console, args.out)


if __name__ == "__main__":
    main()
