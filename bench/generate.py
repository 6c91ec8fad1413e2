"""A large corpus for scale benchmarks, made from the Le Monde articles.

    python bench/generate.py --n 100000 --out /tmp/synthetic-100k.jsonl.gz [--seed 2022]

Deterministic for a given corpus, N and seed: article i takes the title of one
Le Monde article and paragraphs recombined from others until its body reaches
about the length of a real one (2.8 KB on average at 100,000 articles), a date drawn over the ten
years 2013-2022, a source among the real ones, and a new id ``syn0000001``.
Names keep their spellings as the paper wrote them, so name-variant queries
find what they would in a real archive of that size.  The output is never
committed: Le Monde's text is for measurement only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "lemonde-2022.jsonl.gz"
FIRST_DAY = dt.date(2013, 1, 1)
DAYS = (dt.date(2022, 12, 31) - FIRST_DAY).days + 1


def load(corpus: Path) -> tuple[list[str], list[str], list[str], list[int]]:
    """Titles, paragraphs, sources and body lengths of the real articles."""
    titles, paragraphs, sources, lengths = [], [], [], []
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            article = json.loads(line)
            body = article.get("body") or ""
            if article.get("title"):
                titles.append(article["title"])
            paragraphs.extend(p for p in body.split("\n") if len(p) > 40)
            sources.append(article.get("source") or "Le Monde")
            lengths.append(len(body))
    return titles, paragraphs, sources, [n for n in lengths if n > 200]


def generate(corpus: Path, n: int, seed: int):
    """The ``n`` synthetic articles, as dicts, in id order."""
    titles, paragraphs, sources, lengths = load(corpus)
    rng = random.Random(seed)
    for i in range(1, n + 1):
        target = rng.choice(lengths)
        body = [rng.choice(paragraphs)]
        size = len(body[0])
        while True:  # paragraphs while they fit the real article's length
            paragraph = rng.choice(paragraphs)
            if size + len(paragraph) + 1 > target:
                break
            body.append(paragraph)
            size += len(paragraph) + 1
        yield {
            "id": f"syn{i:07d}",
            "title": rng.choice(titles),
            "body": "\n".join(body),
            "date": (FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))).isoformat(),
            "source": rng.choice(sources),
            "url": None,
        }


def write(corpus: Path, n: int, seed: int, out: Path) -> None:
    """Writes the ``n`` synthetic articles to ``out`` (a .jsonl or .jsonl.gz file)."""
    opener = gzip.open if out.name.endswith(".gz") else open
    with opener(out, "wt", encoding="utf-8") as handle:
        for article in generate(corpus, n, seed):
            handle.write(json.dumps(article, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--out", type=Path, required=True, help="a .jsonl or .jsonl.gz file")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"generate: no corpus at {args.corpus}")
    write(args.corpus, args.n, args.seed, args.out)
    print(f"generate: {args.n:,} articles in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
