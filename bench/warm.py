"""What the warm-query benchmarks share: their options, the index built once, and timing.

``bench/views.py`` and ``bench/operators.py`` build the Le Monde index once into
a folder kept between runs, open one ``Searcher`` as a long-lived caller does,
and time each query warm.
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

from searchkit.generations import index_exists
from searchkit.indexing import build_index

# The fresh processes these benchmarks time are fresh: a `searchkit serve` the user runs answers none of them.
os.environ["SEARCHKIT_NO_SERVER"] = "1"

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "lemonde-2022.jsonl.gz"


def arguments(
    description: str, index_name: str, more: Callable[[argparse.ArgumentParser], None] | None = None
) -> argparse.Namespace:
    """The options every warm benchmark takes, and those ``more`` adds; the index folder defaults to
    ``index_name`` in the temporary folder."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--index", type=Path, default=Path(tempfile.gettempdir()) / index_name)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the index even if one is there.")
    if more is not None:
        more(parser)
    return parser.parse_args()


def ready_index(args: argparse.Namespace) -> Path:
    """The index of ``--corpus`` at ``--index``, built first when there is none (or with ``--rebuild``)."""
    if not args.corpus.exists():
        sys.exit(f"bench: no corpus at {args.corpus}")
    if args.rebuild or not index_exists(args.index):
        print(f"building {args.index} from {args.corpus} …", file=sys.stderr, flush=True)
        report = build_index([args.corpus], args.index, rebuild=True)
        print(f"{report.documents:,} articles in {report.seconds:.0f}s", file=sys.stderr)
    return args.index


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
