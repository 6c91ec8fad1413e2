"""Names that share a stem: what a search for a name finds beyond its own spellings, with the stem read whole or not.

    python bench/stem_apart.py INDEX [--sample 3000] [--seed 7] [--out FILE]

French light stemming drops a plural s and a feminine e, so Adrienne's stem is
Adrien's and Yorker's is York's.  A name search reads its own spellings (the
query's and those merged with it) and the word's stem, for its ordinary uses;
the stem used to bring the articles of every other name sharing it, decided
apart or never proposed.  For a uniform sample of the index's name spellings
(``--sample`` drawn with ``--seed``, those the index holds as names), this
counts the articles a search finds beyond its own spellings, with the stem's
other names left out (this code) and with the stem read whole (as before):
their sum, the searches finding more than 3 such articles, and the searches
the change touches.  The same counts for every name whose stem-mate was decided
apart by the name decision (the Adrien/Adrienne kind).  No timing here: see
``name_latency.py``.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
from contextlib import closing
from pathlib import Path

from rich.console import Console
from rich.table import Table

from searchkit import query
from searchkit.analysis import SPELLING_MARK, light_stem
from searchkit.engine import default_engine
from searchkit.generations import current_generation
from searchkit.names.table import Variants

SWAMPED = 3  #: articles beyond a name's own spellings that make it swamped


class StemReadWhole(Variants):
    """The behaviour before: a name's stem brings every name sharing it."""

    def stem_apart(self, folded: str) -> set[str]:
        return set()


def beyond(index, variants: Variants, spelling: str) -> tuple[int, int]:
    """(articles found beyond the spelling's own spellings, own-spelling articles not found)."""
    own = index.doc_set(index.term_query(*[SPELLING_MARK + s for s in variants.spellings(spelling)]))
    found = index.doc_set(index.compile(query.parse(spelling), variants))
    return len(found - own), len(own - found)


def measure(index, spellings: list[str]) -> dict:
    now, before = Variants(index), StemReadWhole(index)
    counts = {"names": len(spellings), "changed": 0, "lost": 0, "beyond": [0, 0], "swamped": [0, 0]}
    for spelling in spellings:
        (after, lost), (was, _) = beyond(index, now, spelling), beyond(index, before, spelling)
        counts["changed"] += after != was
        counts["lost"] += lost
        for i, n in enumerate((was, after)):
            counts["beyond"][i] += n
            counts["swamped"][i] += n > SWAMPED
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--sample", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    generation = current_generation(args.index)
    with default_engine().open(generation) as index, closing(sqlite3.connect(generation / "variants.sqlite")) as db:
        variants = Variants(index)
        spellings = sorted({s for s in index.spellings() if s.isalpha() and len(s) >= 3})
        sample = [s for s in random.Random(args.seed).sample(spellings, args.sample) if variants.is_name(s)]
        decided = {
            one
            for pair in db.execute("SELECT a, b FROM decisions WHERE merged = 0")
            if light_stem(pair[0]) == light_stem(pair[1])
            for one in pair
        }
        apart = sorted(s for s in decided if variants.is_name(s))
        rows = {
            "uniform sample of names": measure(index, sample),
            "names beside a stem-mate decided apart": measure(index, apart),
        }
    table = Table(title=f"A name's articles beyond its own spellings ({args.index})")
    columns = ("names", "searches changed", "beyond: stem whole", "beyond: this code")
    columns += ("swamped (>3): stem whole", "swamped: this code", "own articles lost")
    for column in columns:
        table.add_column(column, justify="right")
    for label, c in rows.items():
        table.add_row(
            f"{label}: {c['names']:,}", f"{c['changed']:,}", f"{c['beyond'][0]:,}", f"{c['beyond'][1]:,}",
            f"{c['swamped'][0]:,}", f"{c['swamped'][1]:,}", f"{c['lost']:,}",
        )  # fmt: skip
    Console(width=200).print(table)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
