"""Benchmark ``searchkit export``: articles a second in each format, and the round trip of an export.

    python bench/export.py [--corpus PATH] [--index DIR] [--rebuild] [--query France] [--roundtrip]

Builds the index of the corpus once into --index (as bench/views.py does),
then exports --query's matching articles to a file in each format, timed
(wall and CPU) as `searchkit export QUERY --format F --output FILE` does
(the process start left out).  With --roundtrip, also exports every dated
article (`date:1000..2999`) in each format, checks what each file holds
(CSV rows and Iramuteq texts against the JSON Lines records), indexes the
JSON Lines export anew, compares every article's content hash and the
answers of bench/queries.txt (the
count, the scores of the first 20 hits, and the hits scoring above the 20th).  See bench/README.md.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from warm import arguments, ready_index

from searchkit.engine import default_engine
from searchkit.export import FORMATS, ExportOptions, exporting, output_file, write_export
from searchkit.generations import current_generation
from searchkit.indexing import build_index
from searchkit.search import Searcher, SearchOptions, search

QUERIES = Path(__file__).resolve().parent / "queries.txt"
EVERY_DATED = "date:1000..2999"
console = Console(width=None if sys.stdout.isatty() else 160)


def export_to(searcher: Searcher, query: str, form: str, path: Path) -> tuple[int, int, float, float]:
    """(articles matching, articles written, wall seconds, CPU seconds) of one export to ``path``."""
    start, cpu = time.perf_counter(), time.process_time()
    with exporting(searcher, query, ExportOptions()) as found, output_file(path) as stream:
        written = write_export(found, form, stream)
    return found.matching, written, time.perf_counter() - start, time.process_time() - cpu


def speed_table(searcher: Searcher, query: str, folder: Path, label: str) -> dict[str, Path]:
    table = Table(title=f"searchkit export {query!r}, to a file ({label})")
    for column in ("format", "articles", "MB", "seconds", "articles/s", "cpu s", "articles/s of cpu"):
        table.add_column(column, justify="left" if column == "format" else "right")
    files = {}
    for form in FORMATS:
        files[form] = path = folder / f"export.{form}"
        _, written, wall, cpu = export_to(searcher, query, form, path)
        table.add_row(
            form,
            f"{written:,}",
            f"{path.stat().st_size / 1e6:.1f}",
            f"{wall:.1f}",
            f"{written / wall:,.0f}",
            f"{cpu:.1f}",
            f"{written / cpu:,.0f}",
        )
    console.print(table)
    return files


def check_files(files: dict[str, Path]) -> None:
    """What the CSV and Iramuteq files hold, against the JSON Lines records."""
    with files["jsonl"].open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    with files["csv"].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    same = sum(
        row["id"] == r["id"] and row["title"] == r["title"] and row["body"] == r["body"]
        for row, r in zip(rows, records, strict=False)
    )
    with files["iramuteq"].open(encoding="utf-8") as handle:
        texts = sum(line.startswith("**** ") for line in handle)
    console.print(
        f"JSON Lines: {len(records):,} records; CSV: {len(rows):,} rows, {same:,} with the same id, title and body; "
        f"Iramuteq: {texts:,} texts"
    )


def answers(index_dir: Path, query: str) -> tuple[int | None, list[float], list[str]]:
    """The exact count, the scores of the first 20 hits, and the ids of those scoring above the 20th,
    by score then id: among equal scores hits come in index order, the order the articles were written
    in, which a re-import of an export sorted otherwise does not keep."""
    found = search(index_dir, query, SearchOptions(limit=20, exact_count=True))
    scores = [round(h.score, 3) for h in found.hits]
    above = sorted((-round(h.score, 3), h.id) for h in found.hits if round(h.score, 3) > min(scores, default=0))
    return found.total, scores, [i for _, i in above]


def content_hashes(index_dir: Path) -> dict[str, bytes]:
    """Article id → content hash, for every article of the index."""
    with default_engine().open(current_generation(index_dir)) as index:
        return dict(index.live_values("id", "hash"))


def roundtrip(index_dir: Path, exported: Path, folder: Path) -> None:
    """Indexes the JSON Lines export anew and compares the answers of every benchmark query (the same
    answers, scores included, only when every article of the index is dated: the export holds those)."""
    again = folder / "reimported"
    report = build_index([exported], again, rebuild=True)
    console.print(f"re-imported {report.added:,} articles ({len(report.rejected)} rejected) in {report.seconds:.0f}s")
    same = content_hashes(index_dir) == content_hashes(again)
    console.print(f"every article's content hash (id, title, body, date, source, url) the same: {same}")
    queries = [q.strip() for q in QUERIES.read_text(encoding="utf-8").splitlines() if q.strip() and q[0] != "#"]
    differ = [q for q in queries if answers(index_dir, q) != answers(again, q)]
    console.print(
        "the same count, the same scores of the first 20 hits and the same hits above the 20th's score, "
        f"for {len(queries) - len(differ)} of "
        f"{len(queries)} queries" + (f"; differ: {', '.join(differ)}" if differ else "")
    )


def main() -> None:
    def more(parser) -> None:
        parser.add_argument("--query", default="France")
        parser.add_argument("--roundtrip", action="store_true")

    args = arguments(__doc__, "searchkit-bench-views", more)
    query = args.query
    index_dir = ready_index(args)
    with tempfile.TemporaryDirectory(prefix="searchkit-bench-export-") as work, Searcher(index_dir) as searcher:
        folder = Path(work)
        speed_table(searcher, query, folder, args.corpus.name)
        if args.roundtrip:
            files = speed_table(searcher, EVERY_DATED, folder, f"every dated article of {args.corpus.name}")
            check_files(files)
            roundtrip(index_dir, files["jsonl"], folder)
    print(f"load average at the end (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())} on "
          f"{os.cpu_count()} cores")  # fmt: skip


if __name__ == "__main__":
    main()
