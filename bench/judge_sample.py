"""A sheet for judging name-spelling merges by reading the corpus: a uniform sample of groups, with context.

    python bench/judge_sample.py GROUPS.json --sample 150 --seed 19 --out SHEET.jsonl [--corpus PATH]
    PYTHONPATH=/path/to/old/checkout python bench/judge_sample.py GROUPS.json --old-groups INDEX_DIR

GROUPS.json is a JSON list of groups, each a list of spellings as written
(``["Sheen", "Chine"]``) or an object ``{"spellings": [...], ...}``.  The first
form draws ``random.Random(seed).sample`` of the groups and writes one JSON line
a group: its spellings, a few context lines of each from different articles
spread over the corpus (first, middle, last occurrences), the number of
articles holding each, and empty ``verdict`` and ``note`` for a reader to fill
in.  It reads the corpus itself (gzip, JSON Lines), never searchkit's index,
so the judgment does not rest on the system's own evidence.

``--old-groups INDEX_DIR`` writes GROUPS.json instead: the groups of spellings
that the searchkit on the path merges in that index (one a name key of its
variant table, from the key's most frequent spelling), each spelling as the
corpus most often writes it.  See bench/judged/README.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

BENCH = Path(__file__).resolve().parent
CORPUS = BENCH.parent.parent / "shared" / "corpora" / "lemonde-2022.jsonl.gz"

#: A word as the corpus writes it: letters and digits, with inner apostrophes (l’Iran, O’Neill), not a final ’s.
WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+(?:['’ʼ](?!s\b)(?:[^\W_]|[\u0300-\u036f])+)*")
APOSTROPHE = re.compile(r"['’ʼ]")
KWIC_LINES = 4
KWIC_SIDE = 40  #: characters of context on each side of the word


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", type=Path, help="GROUPS.json: read, or written with --old-groups")
    parser.add_argument("--sample", type=int, default=150)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--out", type=Path, help="the sheet to write (JSON Lines)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--old-groups", type=Path, metavar="INDEX_DIR", help="list the groups merged in INDEX_DIR")
    return parser.parse_args()


def articles(corpus: Path) -> Iterator[dict]:
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def text_of(article: dict) -> str:
    return f"{article.get('title') or ''}\n{article.get('body') or ''}"


def written_forms(corpus: Path, folded: set[str], fold) -> dict[str, str]:
    """For each folded spelling, the capitalised word the corpus writes most often that folds to it."""
    forms: dict[str, Counter] = {}
    for article in articles(corpus):
        for match in WORD.finditer(text_of(article)):
            for word in {match.group(), APOSTROPHE.split(match.group(), maxsplit=1)[-1]}:  # l’Iran: Iran too
                if word[0].isupper() and (key := fold(word)) in folded:
                    forms.setdefault(key, Counter())[word] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in forms.items()}


def old_groups(index_dir: Path, corpus: Path) -> list[dict]:
    """The groups of spellings the searchkit on the path merges in ``index_dir``: for every name key of
    its variant table, the spellings searched for the key's most frequent spelling; two or more."""
    from searchkit import variants  # the old code's module: the new code has none
    from searchkit.analysis import fold
    from searchkit.engine import default_engine
    from searchkit.generations import current_generation

    engine = default_engine()
    groups: dict[frozenset[str], dict] = {}
    with engine.open(current_generation(index_dir)) as index:
        table = variants.Variants(index)
        try:
            with closing(sqlite3.connect(f"file:{index.generation / variants.VARIANTS_FILE}?mode=ro", uri=True)) as db:
                rows = db.execute("SELECT key, spellings FROM variants").fetchall()
            for key, spellings in rows:
                frequency = {s: index.doc_frequency("^" + s) for s in spellings.split()}
                first = max(sorted(frequency), key=frequency.get)
                group = table.spellings(first)
                if len(group) >= 2 and frozenset(group) not in groups:
                    counts = {s: index.doc_frequency("^" + s) for s in group}
                    ordered = sorted(group, key=lambda s: (-counts[s], s))
                    groups[frozenset(group)] = {"key": key, "folded": ordered, "index_articles": counts}
        finally:
            table.close()
    forms = written_forms(corpus, {s for group in groups.values() for s in group["folded"]}, fold)
    return [{"spellings": [forms.get(s, s) for s in g["folded"]], **g} for g in groups.values()]


def kwic(text: str, start: int, end: int, article_id: str) -> str:
    return f"…{' '.join(text[max(0, start - KWIC_SIDE) : end + KWIC_SIDE].split())}… [{article_id}]"


def spread(items: list, count: int) -> list:
    """``count`` items of ``items`` evenly spaced from the first to the last."""
    if len(items) <= count:
        return items
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


def sheet(groups: list[list[str]], corpus: Path) -> list[dict]:
    """One row a group: each spelling's context lines and article count, read from the corpus."""
    spellings = sorted({s for group in groups for s in group}, key=len, reverse=True)
    pattern = re.compile(r"(?<![^\W_])(" + "|".join(map(re.escape, spellings)) + r")(?![^\W_])")
    found: dict[str, list[str]] = {s: [] for s in spellings}  # spelling → one context line an article
    for article in articles(corpus):
        text, seen = text_of(article), set()
        for match in pattern.finditer(text):
            if match.group() not in seen:
                seen.add(match.group())
                found[match.group()].append(kwic(text, match.start(), match.end(), article["id"]))
    return [
        {
            "group": group,
            "kwic": {s: spread(found[s], KWIC_LINES) for s in group},
            "articles": {s: len(found[s]) for s in group},
            "verdict": None,
            "note": None,
        }
        for group in groups
    ]


def spellings_of(group: list[str] | dict) -> list[str]:
    return group["spellings"] if isinstance(group, dict) else group


def main() -> None:
    args = arguments()
    if not args.corpus.is_file():
        sys.exit(f"no corpus at {args.corpus}")
    if args.old_groups:
        groups = old_groups(args.old_groups, args.corpus)
        args.groups.write_text(json.dumps(groups, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{len(groups)} groups of 2+ spellings written to {args.groups}")
        return
    if args.out is None:
        sys.exit("--out is required to write a sheet")
    groups = [spellings_of(g) for g in json.loads(args.groups.read_text(encoding="utf-8"))]
    sample = random.Random(args.seed).sample(groups, min(args.sample, len(groups)))
    rows = sheet(sample, args.corpus)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} of {len(groups)} groups (seed {args.seed}) written to {args.out}")


if __name__ == "__main__":
    main()
