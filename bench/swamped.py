"""Rare spellings beside a frequent different name: what a plain search finds beyond the spelling itself.

    python bench/swamped.py INDEX [--out FILE]

For each spelling of bench/judged/swamped.json (checked by hand: each names
another entity than the frequent name a rule folds it with), the articles a
search for it finds, those holding the spelling itself (``=Spelling``), and the
difference: the articles swamping it.  Runs on any version of searchkit that
has ``=Spelling`` (set PYTHONPATH to measure an older one).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from searchkit.search import Searcher, SearchOptions

BENCH = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    cases = json.loads((BENCH / "judged" / "swamped.json").read_text())["spellings"]
    options = SearchOptions(limit=1, match_all=True, suggest=False, exact_count=True)
    rows = []
    with Searcher(args.index) as searcher:
        for case in cases:
            found = searcher.search(case["spelling"], options).total or 0
            own = searcher.search("=" + case["spelling"], options).total or 0
            rows.append({**case, "found": found, "own": own, "beyond": found - own})
    table = Table(title=f"Rare spellings beside a frequent other name ({args.index})")
    for column in ("spelling", "other", "own", "found", "beyond"):
        table.add_column(column, justify="left" if column in ("spelling", "other") else "right")
    for row in rows:
        table.add_row(row["spelling"], row["other"], str(row["own"]), str(row["found"]), str(row["beyond"]))
    swamped = sum(row["beyond"] > 3 for row in rows)
    table.caption = f"{swamped} of {len(rows)} find more than 3 articles beyond their own spelling"
    Console().print(table)
    if args.out:
        args.out.write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
