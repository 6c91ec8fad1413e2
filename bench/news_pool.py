"""Pool the news queries (bench/news_queries.txt) for judging: issue 23's judged set.

    python bench/news_pool.py [--engines searchkit,fts5,tantivy] [--workdir /tmp/rank-work]
                              [--corpus PATH] [--depth 10] [--pool bench/judged/news-pool.json]
                              [--sheet /tmp/rank-work/news-sheet.md] [--judged bench/judged/news.jsonl]

Each engine's index must already be in WORKDIR (``python -m searchkit index CORPUS --index
WORKDIR/searchkit``, ``python bench/engines.py build fts5|tantivy CORPUS WORKDIR``).  The
pool (query number -> pooled article id -> {engine: rank}) holds ids only; the sheet holds
the title, date and first 600 characters of each pooled article, read from the corpus, so
it is written outside the repository.  The sheet lists a query's articles by id, without
ranks or engines, so a judge does not see who ranked what; articles already in --judged are
left out of it (only the new ones of a re-pool need reading).
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import engines

HERE = Path(__file__).parent
CORPUS = HERE.parent.parent / "shared" / "corpora" / "lemonde-2022.jsonl.gz"
EXCERPT = 600


def read_queries(path: Path = HERE / "news_queries.txt") -> list[dict]:
    """The queries: number, kind, query, need (tab-separated lines; # starts a comment)."""
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            number, kind, query, need = line.split("\t")
            queries.append({"n": int(number), "kind": kind, "query": query, "need": need})
    return queries


def read_judged(path: Path) -> set[tuple[int, str]]:
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {(row["n"], row["id"]) for row in map(json.loads, filter(None, lines))}


def pool(queries: list[dict], names: list[str], workdir: Path, depth: int) -> dict[str, dict]:
    pooled: dict[str, dict] = {str(q["n"]): {"query": q["query"], "articles": {}} for q in queries}
    for name in names:
        engine = engines.make(name)
        engine.open(workdir)
        for q in queries:
            for rank, (article_id, _) in enumerate(engine.search(q["query"], depth, snippets=False), 1):
                pooled[str(q["n"])]["articles"].setdefault(article_id, {})[name] = rank
        engine.close()
    return pooled


def articles_of(corpus: Path, wanted: set[str]) -> dict[str, dict]:
    found = {}
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            article = json.loads(line)
            if article["id"] in wanted:
                found[article["id"]] = article
    return found


def sheet(queries: list[dict], pooled: dict[str, dict], texts: dict[str, dict], judged: set) -> str:
    out = []
    for q in queries:
        ids = sorted(i for i in pooled[str(q["n"])]["articles"] if (q["n"], i) not in judged)
        out.append(f"## {q['n']} [{q['kind']}] {q['query']}\nNEED: {q['need']}\n({len(ids)} to judge)\n")
        for article_id in ids:
            a = texts[article_id]
            body = " ".join(a["body"][:EXCERPT].split())
            out.append(f"### {article_id} | {a.get('date', '')[:10]} | {a['title']}\n{body}\n")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="searchkit,fts5,tantivy")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rank-work"))
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--pool", type=Path, default=HERE / "judged" / "news-pool.json")
    parser.add_argument("--sheet", type=Path, default=Path("/tmp/rank-work/news-sheet.md"))
    parser.add_argument("--judged", type=Path, default=HERE / "judged" / "news.jsonl")
    args = parser.parse_args()
    if not args.corpus.exists():
        raise SystemExit(f"news_pool: no corpus at {args.corpus} (--corpus PATH)")
    queries = read_queries()
    pooled = pool(queries, args.engines.split(","), args.workdir, args.depth)
    args.pool.write_text(json.dumps(pooled, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    wanted = {i for entry in pooled.values() for i in entry["articles"]}
    judged = read_judged(args.judged)
    args.sheet.write_text(sheet(queries, pooled, articles_of(args.corpus, wanted), judged), encoding="utf-8")
    new = sum(1 for q in queries for i in pooled[str(q["n"])]["articles"] if (q["n"], i) not in judged)
    pairs = sum(len(e["articles"]) for e in pooled.values())
    print(f"{len(queries)} queries, {pairs} pooled (query, article) pairs, {len(wanted)} distinct articles")
    print(f"{new} pairs not yet judged -> {args.sheet}; pool -> {args.pool}")


if __name__ == "__main__":
    main()
