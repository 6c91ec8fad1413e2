"""Index life-cycle benchmark: full build, no-op update, one changed article.

    python bench/lifecycle.py [--corpus PATH] [--n N]

Each step runs ``python -m searchkit index --json`` as a fresh process, so its
time and peak memory (of its largest process, writers included, measured from
outside by ``bench/memory.py``) are its own; the table gives each step's time
as a fraction of the full build.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

from memory import run_measured
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "lemonde-2022.jsonl.gz"


def first_articles(corpus: Path, n: int | None) -> list[str]:
    opener = gzip.open if corpus.name.endswith(".gz") else open
    with opener(corpus, "rt", encoding="utf-8") as handle:
        return [line for i, line in enumerate(handle) if n is None or i < n]


def index_run(corpus: Path, index_dir: Path, *extra: str) -> dict:
    started = time.perf_counter()
    done = run_measured(
        [sys.executable, "-m", "searchkit", "index", str(corpus), "--index", str(index_dir), "--json", *extra]
    )
    wall = time.perf_counter() - started
    if done.returncode not in (0, 3):
        sys.exit(f"lifecycle: index run failed ({done.returncode}): {done.stderr.strip()}")
    return {**json.loads(done.stdout), "wall_seconds": wall, "peak_bytes": done.peak_bytes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--n", type=int, default=None, help="only the first N articles")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"lifecycle: no corpus at {args.corpus}")
    lines = first_articles(args.corpus, args.n)
    with tempfile.TemporaryDirectory(prefix="sk-lifecycle-") as work:
        corpus, index_dir = Path(work) / "corpus.jsonl", Path(work) / "index"
        corpus.write_text("".join(lines), encoding="utf-8")
        steps = [("full build", index_run(corpus, index_dir, "--rebuild"))]
        steps.append(("no-op update", index_run(corpus, index_dir)))
        middle = len(lines) // 2
        changed = json.loads(lines[middle])
        changed["body"] = (changed.get("body") or "") + "\n\nMise à jour : correction d’une coquille."
        lines[middle] = json.dumps(changed, ensure_ascii=False) + "\n"
        corpus.write_text("".join(lines), encoding="utf-8")
        steps.append(("one article changed", index_run(corpus, index_dir)))
    full = steps[0][1]["wall_seconds"]
    table = Table(title=f"Index life cycle: {len(lines):,} articles of {args.corpus.name}")
    columns = (
        "step",
        "wall s",
        "× full build",
        "docs/s",
        "added",
        "updated",
        "unchanged",
        "peak MB",
        "index MB",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "step" else "right")
    for name, run in steps:
        table.add_row(
            name,
            f"{run['wall_seconds']:.2f}",
            f"{run['wall_seconds'] / full:.3f}",
            f"{len(lines) / run['wall_seconds']:,.0f}" if run["mode"] == "rebuild" else "",
            str(run["added"]),
            str(run["updated"]),
            str(run["unchanged"]),
            f"{run['peak_bytes'] / 1e6:.0f}",
            f"{run['index_bytes'] / 1e6:.1f}",
        )
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
