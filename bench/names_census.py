"""Strict precision of a whole names table: every merged group, with its latest strict verdict.

    python bench/names_census.py INDEX_DIR [--corpus PATH] [--sheets census-round6,census-round5,...]
                                           [--unjudged GROUPS.json]

Lists the groups the index's names table merges (``variants.sqlite``, table ``merged``), each
spelling as the corpus most often writes it (``judge_sample.written_forms``), and gives each the
verdict of the first sheet in ``--sheets`` (``bench/judged/names-NAME.jsonl``) that judged the
very same group: the sheets judged with the strict reading (bench/judged/README.md), newest first.
A group no sheet judged is counted apart and listed (``--unjudged`` writes them as a GROUPS.json
for ``judge_sample.py``), never guessed.  Reads the corpus, not the index, for the spellings as
written; the verdicts are people's, read from the sheets.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

from judge_sample import CORPUS, written_forms
from rich.console import Console
from rich.table import Table

from searchkit.analysis import fold
from searchkit.generations import current_generation

BENCH = Path(__file__).resolve().parent
#: The sheets judged with the strict reading (three quarters of a spelling's articles), newest first.
STRICT_SHEETS = "census-round6,census-round5,fresh-round4,uniform150"


def merged_groups(index_dir: Path, corpus: Path) -> list[list[str]]:
    """The groups of two or more spellings the index's table merges, as the corpus writes them."""
    table = current_generation(index_dir) / "variants.sqlite"
    with closing(sqlite3.connect(f"file:{table}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT key, grp FROM merged").fetchall()
    groups: dict[str, set[str]] = {}
    for key, group in rows:
        groups.setdefault(group, set()).add(key)
    folded = {key for keys in groups.values() for key in keys}
    forms = written_forms(corpus, folded, fold)
    return sorted(sorted(forms.get(k, k) for k in keys) for keys in groups.values() if len(keys) > 1)


def verdicts(sheets: list[str]) -> dict[frozenset[str], tuple[str, dict]]:
    """Group (folded spellings) → (sheet, row) of the first sheet that judged it."""
    found: dict[frozenset[str], tuple[str, dict]] = {}
    for sheet in sheets:
        path = BENCH / "judged" / f"names-{sheet}.jsonl"
        for row in map(json.loads, filter(str.strip, path.read_text("utf-8").splitlines())):
            found.setdefault(frozenset(fold(s) for s in row["group"]), (sheet, row))
    return found


def kind(row: dict) -> str:
    """``same``, ``given_name``, or for ``different`` its kind (``same_name``, ``other_entity``)."""
    return row["verdict"] if row["verdict"] != "different" else row.get("kind") or "other_entity"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--sheets", default=STRICT_SHEETS)
    parser.add_argument("--unjudged", type=Path, help="write the groups no sheet judged here (GROUPS.json)")
    args = parser.parse_args()
    if not args.corpus.exists():
        raise SystemExit(f"names_census: no corpus at {args.corpus}")
    groups = merged_groups(args.index, args.corpus)
    judged = verdicts(args.sheets.split(","))
    counts: Counter = Counter()
    by_sheet: Counter = Counter()
    wrong, unjudged = [], []
    for group in groups:
        hit = judged.get(frozenset(fold(s) for s in group))
        if hit is None:
            unjudged.append(group)
            continue
        sheet, row = hit
        counts[kind(row)] += 1
        by_sheet[sheet] += 1
        if kind(row) != "same":
            wrong.append((kind(row), " / ".join(group), row.get("note", "")))
    total = sum(counts.values())
    table = Table(title=f"Names table of {args.index}: {len(groups)} merged groups")
    for column in ("groups", "judged", "same", "same name", "other entity", "given name", "strict", "one name"):
        table.add_column(column, justify="right")
    table.add_row(
        str(len(groups)),
        str(total),
        str(counts["same"]),
        str(counts["same_name"]),
        str(counts["other_entity"]),
        str(counts["given_name"]),
        f"{counts['same'] / total:.3f}" if total else "—",
        f"{(counts['same'] + counts['same_name'] + counts['given_name']) / total:.3f}" if total else "—",
    )
    console = Console()
    console.print(table)
    console.print("verdicts from: " + ", ".join(f"{sheet} {n}" for sheet, n in by_sheet.most_common()))
    for verdict, group, note in sorted(wrong):
        console.print(f"  {verdict:12} {group}: {note[:160]}", highlight=False)
    if unjudged:
        console.print(f"{len(unjudged)} groups no sheet judged: " + "; ".join(" / ".join(g) for g in unjudged))
    if args.unjudged:
        args.unjudged.write_text(json.dumps(unjudged, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
