"""Score every engine on issue 23's judged news set: nDCG@10 and P@5, overall and by halves.

    python bench/news_eval.py [--engines searchkit,fts5,tantivy] [--workdir /tmp/rank-work]
                              [--judged bench/judged/news.jsonl]

Rules (printed under the table too):

* nDCG@10: gain = the grade (0, 1, 2) of the article at each of the engine's first 10
  ranks, discounted by log2(rank + 1); the ideal is every judged article of the query,
  best grades first, cut at 10.  Unjudged articles count 0.
* P@5: share of the first 5 ranks whose article is graded 1 or 2 (a missing rank counts 0).
* Queries with no article graded 1 or 2 are left out of both averages (the count is printed).
* halves: odd and even query numbers, fixed, for the cross-validation of ranking changes.
* hole rate: share of each engine's top-10 hits that are not judged (they counted 0).
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
RULES = (
    "nDCG@10 with gains 0/1/2, ideal from all judged articles of the query; P@5 counts grade >= 1; "
    "unjudged = 0; queries with no grade >= 1 left out; halves = odd / even query numbers"
)


def read_grades(path: Path) -> dict[int, dict[str, int]]:
    """Query number -> article id -> grade, from the judged JSON Lines file."""
    grades: dict[int, dict[str, int]] = defaultdict(dict)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            grades[row["n"]][row["id"]] = row["grade"]
    return dict(grades)


def dcg(gains: list[int]) -> float:
    return sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))


def ndcg_at_10(ranked: list[str], grades: dict[str, int]) -> float:
    ideal = dcg(sorted(grades.values(), reverse=True)[:10])
    return dcg([grades.get(d, 0) for d in ranked[:10]]) / ideal if ideal else 0.0


def precision_at_5(ranked: list[str], grades: dict[str, int]) -> float:
    return sum(1 for d in ranked[:5] if grades.get(d, 0) >= 1) / 5


def holes(ranked: list[str], grades: dict[str, int]) -> tuple[int, int]:
    """(unjudged, retrieved) among the first 10."""
    top = ranked[:10]
    return sum(1 for d in top if d not in grades), len(top)


def score(runs: dict[int, list[str]], grades: dict[int, dict[str, int]]) -> dict:
    """One engine's averages over all scored queries and over the odd and even halves."""
    scored = [n for n in sorted(runs) if any(g >= 1 for g in grades.get(n, {}).values())]
    out: dict = {"queries": len(scored), "left_out": len(runs) - len(scored)}
    halves = {"all": scored, "odd": [n for n in scored if n % 2], "even": [n for n in scored if not n % 2]}
    for half, members in halves.items():
        k = len(members) or 1
        out[half] = {
            "ndcg@10": sum(ndcg_at_10(runs[n], grades[n]) for n in members) / k,
            "p@5": sum(precision_at_5(runs[n], grades[n]) for n in members) / k,
            "queries": len(members),
        }
    unjudged = retrieved = 0
    for n in runs:
        a, b = holes(runs[n], grades.get(n, {}))
        unjudged, retrieved = unjudged + a, retrieved + b
    out["hole_rate"] = unjudged / retrieved if retrieved else 0.0
    out["per_query"] = {n: round(ndcg_at_10(runs[n], grades[n]), 4) for n in scored}
    return out


def table(results: dict[str, dict]) -> str:
    head = "| engine | nDCG@10 | nDCG@10 odd | nDCG@10 even | P@5 | P@5 odd | P@5 even | hole rate@10 |"
    lines = [head, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in results.items():
        cells = [f"{r[h]['ndcg@10']:.3f}" for h in ("all", "odd", "even")]
        cells += [f"{r[h]['p@5']:.3f}" for h in ("all", "odd", "even")]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {r['hole_rate']:.1%} |")
    return "\n".join(lines)


def main() -> None:
    import engines
    from news_pool import read_queries

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="searchkit,fts5,tantivy")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rank-work"))
    parser.add_argument("--judged", type=Path, default=HERE / "judged" / "news.jsonl")
    parser.add_argument("--out", type=Path, help="write every number (per query too) as JSON")
    args = parser.parse_args()
    queries = read_queries()
    grades = read_grades(args.judged)
    results = {}
    for name in args.engines.split(","):
        engine = engines.make(name)
        engine.open(args.workdir)
        runs = {q["n"]: [d for d, _ in engine.search(q["query"], 10, snippets=False)] for q in queries}
        engine.close()
        results[engine.name] = score(runs, grades)
    first = next(iter(results.values()))
    print(table(results))
    print(
        f"\n{first['queries']} queries scored ({first['all']['queries']}: "
        f"{first['odd']['queries']} odd, {first['even']['queries']} even), {first['left_out']} left out "
        f"(no article graded >= 1); {sum(map(len, grades.values()))} judgments.\n{RULES}"
    )
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
