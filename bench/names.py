"""Learned name spellings on Le Monde: recall and precision, confusable merges, cost.

    python bench/names.py [--corpus PATH] [--workdir DIR] [--reuse] [--out bench/results/names.json]

Builds the corpus once into WORKDIR (``--reuse`` keeps an index already
there), then measures, with learning and with the rules alone (the learned
merges left out of the same index's table): recall and precision over
bench/clusters.json (names and exonyms) and bench/clusters-learned.json
(spellings no rule reaches), the confusable pairs merged and leaked, and the
learning step's time beside the whole build's.  Prints one table, the learned
merges, and writes ``--out``.  See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import quality
from rich.console import Console
from rich.table import Table

from searchkit.analysis import fold
from searchkit.corpus import read_file
from searchkit.engine import default_engine
from searchkit.generations import current_generation
from searchkit.indexing import build_index
from searchkit.names import learning
from searchkit.names.table import Variants, table_facts, write_variants
from searchkit.search import Searcher, SearchOptions

BENCH = Path(__file__).resolve().parent
CORPUS = BENCH.parent.parent / "shared" / "corpora" / "lemonde-2022.jsonl.gz"
LIMIT = 10_000

console = Console(record=True, width=None if sys.stdout.isatty() else 160)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/searchkit-names"))
    parser.add_argument("--reuse", action="store_true", help="measure the index already in WORKDIR")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "names.json")
    return parser.parse_args()


def scores(index_dir: Path, sets: dict, truth: quality.Truth, confusables: list[dict]) -> dict:
    """Recall and precision of each set, and the confusable pairs merged and leaked, on the index as it is."""
    with Searcher(index_dir) as searcher:
        cache: dict[str, list[str]] = {}

        def search(query: str) -> list[str]:
            if query not in cache:
                result = searcher.search(query, SearchOptions(limit=LIMIT, count=False, suggest=False))
                cache[query] = [hit.id for hit in result.hits]
            return cache[query]

        found = {name: quality.name_scores(search, groups, truth) for name, groups in sets.items()}
        with searcher.opened() as (_, variants):
            merged = [
                f"{p['a']}/{p['b']}"
                for p in confusables
                if fold(p["b"]) in variants.spellings(fold(p["a"])) or fold(p["a"]) in variants.spellings(fold(p["b"]))
            ]
        found["confusables"] = {"merged": merged, **quality.leak_scores(search, confusables, truth)}
    return found


def rules_only(index_dir: Path) -> None:
    """Rewrites the index's table with no learned merge: the rules (and built-in exonyms) alone."""
    engine = default_engine()
    real = learning.learn
    learning_off = lambda index, spellings=None, pairs=None, **_: learning.Learned([], 0, 0.0)  # noqa: E731
    learning.learn = learning_off  # write_variants imports it when it runs
    try:
        with engine.open(current_generation(index_dir)) as index:
            write_variants(index)
    finally:
        learning.learn = real


def learned_merges(index_dir: Path) -> list[dict]:
    engine = default_engine()
    with engine.open(current_generation(index_dir)) as index:
        variants = Variants(index)
        rows = variants._db.execute(
            "SELECT spelling_a, spelling_b, surname, evidence FROM links WHERE source='learned'"
        )
        found = [{"a": a, "b": b, "surname": s, "evidence": json.loads(e)} for a, b, s, e in rows]
        variants.close()
    return found


def judged_table() -> Table:
    """The precision of merged groups judged by reading the articles (bench/judged/*.jsonl):
    strict (one entity), and counting as right one name of several bearers: a given name of
    different people, or a spelling of a name several bear (``kind`` "same_name")."""
    table = Table(title="Merged groups judged by reading the articles (bench/judged/README.md)")
    columns = ("sheet", "groups", "same", "given name", "same name", "different", "strict precision", "one name")
    for column in columns:
        table.add_column(column, justify="left" if column == "sheet" else "right")
    for sheet in sorted((BENCH / "judged").glob("names-*.jsonl")):
        rows = [json.loads(line) for line in sheet.read_text().splitlines() if line.strip()]
        verdicts = [row["verdict"] for row in rows]
        same, given = verdicts.count("same"), verdicts.count("given_name")
        named = sum(row.get("kind") == "same_name" for row in rows)
        total = len(verdicts)
        table.add_row(
            sheet.stem,
            str(total),
            str(same),
            str(given),
            str(named),
            str(verdicts.count("different") - named),
            f"{same / total:.3f}",
            f"{(same + given + named) / total:.3f}",
        )
    return table


def main() -> None:
    args = arguments()
    if not args.corpus.exists():
        raise SystemExit(f"bench: no corpus at {args.corpus}")
    index_dir = args.workdir / "index"
    build_seconds = None
    if not (args.reuse and index_dir.exists()):
        started = time.perf_counter()
        build_index([args.corpus], index_dir, rebuild=True)
        build_seconds = time.perf_counter() - started
    engine = default_engine()
    with engine.open(current_generation(index_dir)) as index:
        if not table_facts(index).get("candidates"):
            write_variants(index)  # an index built before learning: learn now
        facts = table_facts(index)
    first = json.loads((BENCH / "clusters.json").read_text())
    second = json.loads((BENCH / "clusters-learned.json").read_text())
    third = json.loads((BENCH / "clusters-no-first-names.json").read_text())
    given = [c for c in first["clusters"] if "(prénom" in c["name"]]
    sets = {
        "names": first["clusters"],
        "names, given names alone": given,
        "names, the rest": [c for c in first["clusters"] if c not in given],
        "exonyms": first["exonyms"],
        "learned set": second["clusters"],
        "learned set, vocabulary scan": [c for c in second["clusters"] if c["scan"] != "first names"],
        "no first names (places, typos)": third["clusters"],
    }
    spellings = {s for groups in sets.values() for g in groups for s in g["spellings"]}
    spellings |= {p[k] for p in first["confusables"] for k in ("a", "b")}
    texts = {a.id: f"{a.title}\n{a.body}" for a in read_file(args.corpus, lambda r: None)}
    truth = quality.Truth(texts, spellings)
    with_learning = scores(index_dir, sets, truth, first["confusables"])
    merges = learned_merges(index_dir)
    rules_only(index_dir)
    rules = scores(index_dir, sets, truth, first["confusables"])
    with engine.open(current_generation(index_dir)) as index:
        write_variants(index)  # learning back on

    table = Table(title=f"Learned name spellings: {len(texts):,} articles of {args.corpus.name}")
    for column in ("set", "clusters", "recall (rules)", "prec. (rules)", "recall (learned)", "prec. (learned)"):
        table.add_column(column, justify="left" if column == "set" else "right")
    for name, groups in sets.items():
        before, after = rules[name], with_learning[name]
        table.add_row(
            name,
            str(len(groups)),
            f"{before['recall']:.3f}",
            f"{before['precision']:.3f}",
            f"{after['recall']:.3f}",
            f"{after['precision']:.3f}",
        )
    confusables = with_learning["confusables"]
    table.add_row(
        "confusables merged",
        str(len(first["confusables"])),
        ", ".join(rules["confusables"]["merged"]) or "0",
        "",
        ", ".join(confusables["merged"]) or "0",
        "",
    )
    table.add_row("confusable leaks", "", str(rules["confusables"]["leaks"]), "", str(confusables["leaks"]), "")
    console.print(table)
    console.print(judged_table())
    learning_seconds = facts.get("learning_seconds") or 0.0
    cost = Table(title="Cost of learning")
    for column in ("full build s", "learning s", "of which pairs s", "share of the build", "merges"):
        cost.add_column(column, justify="right")
    share = f"{learning_seconds / build_seconds:.1%}" if build_seconds else "(--reuse: no build timed)"
    cost.add_row(
        f"{build_seconds:.1f}" if build_seconds else "—",
        f"{learning_seconds:.2f}",
        f"{facts.get('gather_seconds', 0):.2f}",
        share,
        str(len(merges)),
    )
    console.print(cost)
    surnames = [m for m in merges if not m["surname"]]
    listing = Table(
        title=f"Learned merges of surnames and places ({len(surnames)}; given names beside a surname apart)"
    )
    for column in ("spellings", "first names (count before each)", "articles", "together"):
        listing.add_column(column)
    for m in surnames:
        e = m["evidence"]
        listing.add_row(
            " = ".join(e.get("written") or [m["a"], m["b"]]),
            ", ".join(f"{f} {x}/{y}" for f, (x, y) in e["first_names"].items()),
            "/".join(str(n) for n in e["articles"]),
            str(e["together"]),
        )
    console.print(listing)
    misses = [q for q in with_learning["learned set"]["queries"] if q["found"] < q["truth"]]
    if misses:
        console.print(
            "learned set, queries missing articles: "
            + ", ".join(f"{q['query']} {q['found']}/{q['truth']}" for q in misses)
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "articles": len(texts),
        "build_seconds": build_seconds,
        "facts": facts,
        "rules": rules,
        "learned": with_learning,
        "merges": merges,
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    args.out.with_suffix(".txt").write_text(console.export_text())


if __name__ == "__main__":
    main()
