"""Pool `similar` for judging: 30 Le Monde 2022 articles, the top 5 of searchkit and a baseline.

    python bench/similar_pool.py [--index /tmp/lm/index] [--workdir /tmp/rank-work]
                                 [--corpus PATH] [--depth 5] [--pool bench/judged/similar-pool.json]
                                 [--sheet /tmp/sim-work/similar-sheet.md] [--judged bench/judged/similar.jsonl]

The source articles are drawn once, by a rule fixed before any engine was run (``sources``):
every article of the corpus dated 2022, not a live blog (no ``-xxxxxx`` suffix on its id,
no "en direct" in its title) and with a body of at least 1,000 characters (shorter pieces are
briefs and captions, too little to say what the article is about); 30 of those ids, sorted, are
drawn with ``random.Random(23).sample`` (23: the issue).  Source numbers are 1..30 in draw order;
the halves are odd and even numbers.

Engines: ``searchkit`` (``Searcher.similar`` of the code on ``PYTHONPATH``, over ``--index``)
and ``fts5`` (the baseline: "more like this" as Lucene's MoreLikeThis does it, on SQLite FTS5's
index of the same corpus, ``WORKDIR/fts5``: the source's 25 words of highest tf × idf,
title and body, words of 3 letters or more, OR'd and ranked by FTS5's bm25 with the title
×2).  The pool holds ids and ranks only; the sheet, which quotes the articles, is written
outside the repository and lists each source's unjudged candidates by id, without ranks or
engines.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import re
import sqlite3
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
CORPUS = HERE.parent.parent / "shared" / "corpora" / "lemonde-2022.jsonl.gz"
SEED = 23
COUNT = 30
MIN_BODY = 1000
LIVE_ID = re.compile(r"-[0-9a-f]{6}$")
SOURCE_EXCERPT = 1500
EXCERPT = 900


def eligible(article: dict) -> bool:
    """The sampling rule: dated 2022, not a live blog, a body of at least ``MIN_BODY`` characters."""
    return (
        (article.get("date") or "").startswith("2022")
        and not LIVE_ID.search(article["id"])
        and "en direct" not in article["title"].casefold()
        and len(article.get("body") or "") >= MIN_BODY
    )


def read_corpus(corpus: Path) -> dict[str, dict]:
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        return {a["id"]: a for a in map(json.loads, lines)}


def sources(articles: dict[str, dict]) -> list[str]:
    """The 30 source ids, in draw order (source number = position + 1)."""
    return random.Random(SEED).sample(sorted(i for i, a in articles.items() if eligible(a)), COUNT)


# --- engines -----------------------------------------------------------------------


class SearchkitSimilar:
    name = "searchkit"

    def __init__(self, index: Path) -> None:
        from searchkit.search import Searcher

        self.searcher = Searcher(index)

    def similar(self, article_id: str, limit: int) -> list[str]:
        return [hit.id for hit in self.searcher.similar(article_id, limit).hits]


FTS_WORD = re.compile(r"\w+")
FTS_STOP = frozenset(
    "les des une est pour que qui dans par sur pas plus avec son ses aux ont été sont mais elle "
    "comme cette tout ils leur nous vous fait lui même aussi entre dont avait deux après été".split()
)


def fts_words(text: str) -> list[str]:
    """Words as FTS5's unicode61 tokenizer with ``remove_diacritics 2`` sees them: lower case, unaccented."""
    folded = "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c))
    return FTS_WORD.findall(folded)


class Fts5MoreLikeThis:
    """Lucene-style MoreLikeThis on FTS5: the source's top ``TERMS`` words by tf × idf
    (idf = log(N / df), from FTS5's own vocabulary), OR'd, ranked by bm25 (title ×2)."""

    name = "fts5"
    TERMS = 25

    def __init__(self, workdir: Path, articles: dict[str, dict]) -> None:
        self.db = sqlite3.connect(f"file:{workdir / 'fts5' / 'docs.sqlite'}?mode=ro", uri=True)
        self.db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, docs, 'row')")
        self.count = self.db.execute("SELECT count(*) FROM docs").fetchone()[0]
        self.articles = articles

    def telling(self, article_id: str) -> list[str]:
        article = self.articles[article_id]
        counts = Counter(
            w for w in fts_words(article["title"] + " " + article["body"]) if len(w) >= 3 and not w.isdigit()
        )
        marks = ",".join("?" * len(counts))
        df = dict(self.db.execute(f"SELECT term, doc FROM temp.vocab WHERE term IN ({marks})", list(counts)))
        scored = {w: tf * math.log(self.count / df[w]) for w, tf in counts.items() if df.get(w)}
        return sorted(scored, key=lambda w: (-scored[w], w))[: self.TERMS]

    def similar(self, article_id: str, limit: int) -> list[str]:
        terms = self.telling(article_id)
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        rows = self.db.execute(
            "SELECT id FROM docs WHERE docs MATCH ? AND rank MATCH 'bm25(0, 2.0, 1.0)' AND id != ? "
            "ORDER BY rank LIMIT ?",
            (match, article_id, limit),
        ).fetchall()
        return [r[0] for r in rows]


def make_engines(names: list[str], index: Path, workdir: Path, articles: dict[str, dict]) -> list:
    made = []
    for name in names:
        if name == "searchkit":
            made.append(SearchkitSimilar(index))
        elif name == "fts5":
            made.append(Fts5MoreLikeThis(workdir, articles))
        else:
            raise SystemExit(f"similar_pool: unknown engine {name!r} (searchkit, fts5)")
    return made


# --- pool and sheet --------------------------------------------------------------------


def read_judged(path: Path) -> set[tuple[int, str]]:
    if not path.exists():
        return set()
    return {(row["n"], row["id"]) for row in map(json.loads, filter(None, path.read_text("utf-8").splitlines()))}


def excerpt(article: dict, length: int) -> str:
    return " ".join(article["body"][:length].split())


def engine_arguments(description: str) -> argparse.ArgumentParser:
    """The options of both ``similar`` scripts: the engines, their indexes, the corpus, the judged file."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--engines", default="searchkit,fts5")
    parser.add_argument("--index", type=Path, default=Path("/tmp/lm/index"))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rank-work"))
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--judged", type=Path, default=HERE / "judged" / "similar.jsonl")
    return parser


def main() -> None:
    parser = engine_arguments(__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--pool", type=Path, default=HERE / "judged" / "similar-pool.json")
    parser.add_argument("--sheet", type=Path, default=Path("/tmp/sim-work/similar-sheet.md"))
    args = parser.parse_args()
    if not args.corpus.exists():
        raise SystemExit(f"similar_pool: no corpus at {args.corpus} (--corpus PATH)")
    articles = read_corpus(args.corpus)
    drawn = sources(articles)
    previous = json.loads(args.pool.read_text("utf-8")) if args.pool.exists() else {}
    pooled: dict[str, dict] = {}
    for n, source in enumerate(drawn, 1):
        entry = previous.get(str(n), {})
        if entry and entry["source"] != source:
            raise SystemExit(f"similar_pool: source {n} is {source}, the pool says {entry['source']}")
        title = articles[source]["title"][:80]
        pooled[str(n)] = {"source": source, "title": title, "articles": entry.get("articles", {})}
    for engine in make_engines(args.engines.split(","), args.index, args.workdir, articles):
        for n, source in enumerate(drawn, 1):
            for rank, found in enumerate(engine.similar(source, args.depth), 1):
                pooled[str(n)]["articles"].setdefault(found, {})[engine.name] = rank
    args.pool.write_text(json.dumps(pooled, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    judged = read_judged(args.judged)
    out = []
    new = 0
    for n, source in enumerate(drawn, 1):
        ids = sorted(i for i in pooled[str(n)]["articles"] if (n, i) not in judged)
        if not ids:
            continue
        new += len(ids)
        a = articles[source]
        out.append(f"## {n} SOURCE {source} | {a['date'][:10]} | {a['title']}\n{excerpt(a, SOURCE_EXCERPT)}\n")
        for article_id in ids:
            c = articles[article_id]
            out.append(f"### {n}: {article_id} | {c.get('date', '')[:10]} | {c['title']}\n{excerpt(c, EXCERPT)}\n")
    args.sheet.parent.mkdir(parents=True, exist_ok=True)
    args.sheet.write_text("\n".join(out), encoding="utf-8")
    pairs = sum(len(e["articles"]) for e in pooled.values())
    print(f"{len(drawn)} sources, {pairs} pooled (source, article) pairs, {new} not yet judged -> {args.sheet}")
    print(f"pool -> {args.pool}", file=sys.stderr)


if __name__ == "__main__":
    main()
