"""A fresh sample of what coordination changes, to judge by reading: queries drawn from random titles.

    python bench/coordination_sample.py [--index /tmp/lm/index] [--seed 2031] [--queries 12]

Three words of five letters or more, stop words left out, are drawn from the title of
each of a random sample of Le Monde 2022 articles (the corpus of ``--corpus``); each query
is searched with coordination (``searchkit.ranking``) and without it, and the queries whose
first five hits differ are printed both ways, with the article they were drawn from, until
``--queries`` of them.  Nothing is scored here: a reader counts the hits about the topic the
three words point to (bench/README.md, *Ranking changes*, holds the tally).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from pathlib import Path

import searchkit.ranking as ranking
from searchkit.analysis import FRENCH_STOP_WORDS, fold
from searchkit.search import Searcher, SearchOptions

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "lemonde-2022.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("/tmp/lm/index"))
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--seed", type=int, default=2031)
    parser.add_argument("--queries", type=int, default=12)
    args = parser.parse_args()
    with gzip.open(args.corpus, "rt", encoding="utf-8") as lines:
        articles = [json.loads(line) for line in lines]
    draw = random.Random(args.seed)
    options = SearchOptions(limit=5, count=False, suggest=False)
    tried = unchanged = shown = 0
    with Searcher(args.index) as searcher:
        for article in draw.sample(articles, 60):
            title = article.get("title") or ""
            words = [w for w in re.findall(r"[^\W\d_]{5,}", title) if fold(w.lower()) not in FRENCH_STOP_WORDS]
            if len(words) < 3:
                continue
            query = " ".join(draw.sample(words, 3))
            tried += 1
            runs = {}
            for name, power in (("on", 1.0), ("off", 0.0)):
                ranking.COORDINATION = power
                runs[name] = searcher.search(query, options).hits
            if [h.id for h in runs["on"]] == [h.id for h in runs["off"]]:
                unchanged += 1
                continue
            shown += 1
            print(f"## {query!r}  (from {article['id']}: {title[:70]})")
            for name, hits in runs.items():
                for hit in hits:
                    print(f"   {name:3} {hit.id:22} {'P' if hit.partial else ' '} {(hit.title or '')[:80]}")
            if shown == args.queries:
                break
    print(f"{tried} queries tried, {unchanged} with the same first five hits, {shown} shown")


if __name__ == "__main__":
    main()
