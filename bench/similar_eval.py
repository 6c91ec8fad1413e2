"""Score `similar` on issue 23's judged set: P@5 and nDCG@5, overall and by halves, with the hole rate.

    python bench/similar_eval.py [--engines searchkit,fts5] [--index /tmp/lm/index]
                                 [--workdir /tmp/rank-work] [--judged bench/judged/similar.jsonl]
                                 [--json FILE]

Each engine is run now (``bench/similar_pool.py``'s adapters: searchkit's ``similar`` from the
code on ``PYTHONPATH``) on the 30 sources of ``similar_pool.sources``.

* P@5: share of the first 5 hits graded 1 or 2 (a missing rank counts 0).
* nDCG@5: gain = the grade (0, 1, 2) at each of the first 5 ranks, discounted by log2(rank + 1);
  the ideal is the source's judged articles, best grades first, cut at 5.  Unjudged hits count 0.
* Sources with no article graded 1 or 2 are left out of nDCG (its ideal is 0) but kept in P@5
  (an engine that finds nothing related scores 0 there; the counts are printed).
* halves: odd and even source numbers, for tuning on one and checking on the other.
* hole rate: share of each engine's top-5 hits not judged (they counted 0).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from news_eval import dcg, read_grades
from similar_pool import engine_arguments, make_engines, read_corpus, sources

HERE = Path(__file__).parent
DEPTH = 5


def ndcg(ranked: list[str], grades: dict[str, int]) -> float | None:
    ideal = dcg(sorted(grades.values(), reverse=True)[:DEPTH])
    return dcg([grades.get(d, 0) for d in ranked[:DEPTH]]) / ideal if ideal else None


def precision(ranked: list[str], grades: dict[str, int]) -> float:
    return sum(1 for d in ranked[:DEPTH] if grades.get(d, 0) >= 1) / DEPTH


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def score(runs: dict[int, list[str]], grades: dict[int, dict[str, int]]) -> dict:
    out: dict = {}
    for half, keep in (("all", lambda n: True), ("odd", lambda n: n % 2 == 1), ("even", lambda n: n % 2 == 0)):
        numbers = [n for n in sorted(runs) if keep(n)]
        p = [precision(runs[n], grades.get(n, {})) for n in numbers]
        g = [v for n in numbers if (v := ndcg(runs[n], grades.get(n, {}))) is not None]
        out[half] = {"p5": mean(p), "ndcg5": mean(g), "sources": len(p), "ndcg_sources": len(g)}
    hits = [d for n in runs for d in runs[n][:DEPTH]]
    out["holes"] = sum(1 for n in runs for d in runs[n][:DEPTH] if d not in grades.get(n, {}))
    out["hits"] = len(hits)
    return out


def main() -> None:
    parser = engine_arguments(__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures and each engine's hits here")
    args = parser.parse_args()
    articles = read_corpus(args.corpus)
    drawn = sources(articles)
    grades = read_grades(args.judged)
    results = {}
    print(f"{'engine':10} {'P@5 all':>8} {'odd':>6} {'even':>6}   {'nDCG@5 all':>10} {'odd':>6} {'even':>6}   holes")
    for engine in make_engines(args.engines.split(","), args.index, args.workdir, articles):
        started = time.perf_counter()
        runs = {n: engine.similar(source, DEPTH) for n, source in enumerate(drawn, 1)}
        took = (time.perf_counter() - started) / len(drawn)
        s = score(runs, grades)
        results[engine.name] = {"scores": s, "runs": runs, "seconds_per_source": took}
        a, o, e = s["all"], s["odd"], s["even"]
        hole = s["holes"] / s["hits"] if s["hits"] else 0.0
        print(
            f"{engine.name:10} {a['p5']:8.3f} {o['p5']:6.3f} {e['p5']:6.3f}   {a['ndcg5']:10.3f} {o['ndcg5']:6.3f} "
            f"{e['ndcg5']:6.3f}   {s['holes']}/{s['hits']} ({hole:.1%})  {took * 1000:.0f} ms/source"
        )
    some = next(iter(results.values()))["scores"]
    print(
        f"{some['all']['sources']} sources ({some['odd']['sources']} odd, {some['even']['sources']} even); "
        f"nDCG over the {some['all']['ndcg_sources']} with an article graded >= 1; unjudged hits count 0"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
