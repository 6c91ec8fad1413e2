"""Near-duplicates (searchkit.duplicates): what they cost a build, and what they find.

    python bench/duplicates.py cost [--corpus PATH] [--index DIR] [--out FILE.json]
    python bench/duplicates.py measure --index DIR [--corpus PATH] [--sample 80] [--seed 22] [--sheet SHEET.jsonl]
    python bench/duplicates.py precision --sheet bench/judged/duplicates-lemonde.jsonl
    python bench/duplicates.py detector [--corpus PATH]

``cost`` builds an index of the corpus (default: Le Monde 2022 beside the
repository) from nothing, timing each phase the build names (``on_phase``)
and the time spent computing signatures while articles are written (the
``minhash`` calls, wrapped); it prints the duplicates' share of the build:
signatures plus the ``duplicates`` phase, over the whole build.

``measure`` reads the signatures of a built index (its duplicates.sqlite),
compares every candidate pair the LSH bands give, and prints, for each
threshold of estimated Jaccard similarity, the pairs, groups, articles
grouped and the largest group; for Le Monde, also how many pairs of
*versions* of one article (ids ``lemonde-N-xxxxxx`` sharing N: one URL
captured several times, a live blog's pages of several days) each threshold
finds, a recall figure that owes nothing to the detector.  ``--sheet`` writes
a judging sheet: a uniform random sample (``random.Random(seed).sample``) of
the pairs at or above the lowest threshold, each with both articles' titles,
dates, lengths and text read from the corpus file itself, and empty
``verdict``/``kind``/``note`` for the reader.  ``precision`` reads a sheet
filled in and prints precision for each threshold (bench/judged/README.md,
*Near-duplicate pairs*).  ``detector`` times the detector alone, without a build: the
signatures of every article of the corpus, then the grouping of them all (what
an index build adds, less the SQLite file).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

from searchkit import duplicates as d  # noqa: E402
from searchkit import indexing  # noqa: E402
from searchkit.generations import current_generation  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpora" / "lemonde-2022.jsonl.gz"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
VERSION = re.compile(r"^(lemonde-\d+)-[0-9a-f]{6}$")


def cost(args: argparse.Namespace) -> dict:
    index_dir = args.index or Path(tempfile.mkdtemp(prefix="dups-cost-")) / "index"
    signing = [0.0, 0]
    original = indexing.minhash

    def timed(body: str):
        started = time.perf_counter()
        try:
            return original(body)
        finally:
            signing[0] += time.perf_counter() - started
            signing[1] += 1

    phases: dict[str, float] = {}
    current = ["reading and writing articles", time.perf_counter()]

    def on_phase(name: str, done: int, total: int | None) -> None:
        if name != current[0]:
            now = time.perf_counter()
            phases[current[0]] = phases.get(current[0], 0.0) + now - current[1]
            current[:] = [name, now]

    indexing.minhash = timed
    started = time.perf_counter()
    try:
        report = indexing.build_index([args.corpus], index_dir, rebuild=True, on_phase=on_phase)
    finally:
        indexing.minhash = original
    total = time.perf_counter() - started
    phases[current[0]] = phases.get(current[0], 0.0) + time.perf_counter() - current[1]
    generation = current_generation(index_dir)
    facts = _facts(generation / d.DUPLICATES_FILE)
    duplicates = sum(s for name, s in phases.items() if name.startswith("duplicates"))
    found = {
        "corpus": str(args.corpus),
        "articles": report.documents,
        "build_seconds": round(total, 1),
        "phases_seconds": {k: round(v, 2) for k, v in phases.items()},
        "signing_seconds": round(signing[0], 2),
        "signed_while_writing": signing[1],
        "duplicates_phase_seconds": round(duplicates, 2),
        "share_of_build": round((signing[0] + duplicates) / total, 4),
        "duplicates_file_bytes": (generation / d.DUPLICATES_FILE).stat().st_size,
        "index_bytes": report.index_bytes,
        "facts": facts,
    }
    print(json.dumps(found, indent=2))
    if args.out:
        args.out.write_text(json.dumps(found, indent=2) + "\n")
    return found


def detector(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    signatures = [d.minhash(a.get("body") or "") for a in read_articles(args.corpus).values()]
    signing = time.perf_counter() - started
    signed = [s for s in signatures if s is not None]
    matrix = np.frombuffer(b"".join(signed), dtype="<u2").reshape(len(signed), d.PERMUTATIONS)
    started = time.perf_counter()
    found = d.group(matrix)
    grouping = time.perf_counter() - started
    print(
        json.dumps(
            {
                "corpus": str(args.corpus),
                "articles": len(signatures),
                "signed": len(signed),
                "signing_seconds": round(signing, 1),
                "signing_ms_an_article": round(signing / max(1, len(signatures)) * 1e3, 3),
                "grouping_seconds": round(grouping, 1),
                "compared": found.compared,
                "pairs": len(found.pairs),
                "groups": len(found.groups),
                "largest": max((len(g) for g in found.groups), default=0),
            },
            indent=2,
        )
    )


def _facts(path: Path) -> dict:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return {k: json.loads(v) for k, v in db.execute("SELECT name, value FROM facts")}


def _signatures(index_dir: Path) -> tuple[list[str], np.ndarray]:
    held = d.stored_signatures(current_generation(index_dir) / d.DUPLICATES_FILE)
    ids = sorted(i for i, (_, signature) in held.items() if signature is not None)
    matrix = np.frombuffer(b"".join(held[i][1] for i in ids), dtype="<u2").reshape(len(ids), d.PERMUTATIONS)
    return ids, matrix


def read_articles(corpus: Path, wanted: set[str] | None = None) -> dict[str, dict]:
    opener = gzip.open if corpus.suffix == ".gz" else open
    found = {}
    with opener(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            article = json.loads(line)
            if wanted is None or article["id"] in wanted:
                found[article["id"]] = article
    return found


def measure(args: argparse.Namespace) -> None:
    ids, matrix = _signatures(args.index)
    started = time.perf_counter()
    candidates = d.candidate_pairs(matrix)
    shares = (matrix[candidates[:, 0]] == matrix[candidates[:, 1]]).mean(axis=1)
    print(f"{len(ids):,} articles signed; {len(candidates):,} candidate pairs in {time.perf_counter() - started:.1f}s")
    versions = Counter(m.group(1) for i in ids if (m := VERSION.match(i)))
    version_pairs = sum(n * (n - 1) // 2 for n in versions.values() if n > 1)
    print(f"pairs of versions of one article (same lemonde-N): {version_pairs}")
    print(f"{'threshold':>9} {'pairs':>6} {'groups':>6} {'grouped':>7} {'largest':>7} {'versions':>8} {'other':>6}")
    table = []
    for threshold in THRESHOLDS:
        found = d.group(matrix, threshold)
        same = sum(1 for i, j, _ in found.pairs if _version(ids[i]) and _version(ids[i]) == _version(ids[j]))
        row = {
            "threshold": threshold,
            "pairs": len(found.pairs),
            "groups": len(found.groups),
            "grouped": sum(len(g) for g in found.groups),
            "largest": max((len(g) for g in found.groups), default=0),
            "version_pairs_found": same,
            "other_pairs": len(found.pairs) - same,
        }
        table.append(row)
        print(
            f"{threshold:>9} {row['pairs']:>6} {row['groups']:>6} {row['grouped']:>7} {row['largest']:>7} "
            f"{same:>8} {row['other_pairs']:>6}"
        )
    if args.sheet:
        lowest = min(THRESHOLDS) if args.lowest is None else args.lowest
        pool = [(ids[i], ids[j], float(s)) for (i, j), s in zip(candidates, shares, strict=True) if s >= lowest]
        pool.sort()
        sample = random.Random(args.seed).sample(pool, min(args.sample, len(pool)))
        texts = read_articles(args.corpus, {x for a, b, _ in sample for x in (a, b)})
        with args.sheet.open("w", encoding="utf-8") as out:
            for a, b, s in sorted(sample, key=lambda p: -p[2]):
                out.write(json.dumps(_sheet_row(texts[a], texts[b], s), ensure_ascii=False) + "\n")
        print(f"{len(sample)} of {len(pool)} pairs at or above {lowest} written to {args.sheet}")
    if args.out:
        args.out.write_text(json.dumps({"index": str(args.index), "thresholds": table}, indent=2) + "\n")


def _version(article_id: str) -> str | None:
    found = VERSION.match(article_id)
    return found.group(1) if found else None


def _sheet_row(a: dict, b: dict, similarity: float) -> dict:
    def side(x: dict) -> dict:
        body = x.get("body") or ""
        return {
            "id": x["id"],
            "title": x.get("title"),
            "date": x.get("date"),
            "words": len(body.split()),
            "start": body[:600],
            "end": body[-400:],
        }

    return {"similarity": round(similarity, 3), "a": side(a), "b": side(b), "verdict": "", "kind": "", "note": ""}


def precision(args: argparse.Namespace) -> None:
    rows = [json.loads(line) for line in args.sheet.open(encoding="utf-8")]
    judged = [r for r in rows if r["verdict"] in ("same", "different")]
    print(f"{len(judged)} pairs judged of {len(rows)}")
    floor = min((r["similarity"] for r in judged), default=1.0)
    print(f"{'threshold':>9} {'judged':>6} {'same':>5} {'precision':>9}  kinds of the pairs judged different")
    for threshold in THRESHOLDS:
        if threshold < round(floor - 0.05, 1):
            continue  # the sheet holds no pair from there: its precision is not measured
        kept = [r for r in judged if r["similarity"] >= threshold]
        same = sum(r["verdict"] == "same" for r in kept)
        shown = f"{same / len(kept):.2f}" if kept else "-"
        wrong = Counter(r["kind"] for r in kept if r["verdict"] != "same")
        print(f"{threshold:>9} {len(kept):>6} {same:>5} {shown:>9}  {dict(wrong.most_common())}")
    for threshold in (d.THRESHOLD,):
        kinds = Counter((r["verdict"], r["kind"]) for r in judged if r["similarity"] >= threshold)
        print(f"kinds at the threshold searchkit uses ({threshold}): {dict(kinds.most_common())}")
    kinds = Counter((r["verdict"], r["kind"]) for r in judged)
    print("kinds of every pair judged:")
    for (verdict, kind), count in sorted(kinds.items()):
        print(f"  {verdict:>9} {kind or '-':<40} {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    built = commands.add_parser("cost")
    built.add_argument("--corpus", type=Path, default=CORPUS)
    built.add_argument("--index", type=Path)
    built.add_argument("--out", type=Path)
    measured = commands.add_parser("measure")
    measured.add_argument("--index", type=Path, required=True)
    measured.add_argument("--corpus", type=Path, default=CORPUS)
    measured.add_argument("--sample", type=int, default=80)
    measured.add_argument("--seed", type=int, default=22)
    measured.add_argument("--lowest", type=float, help="pairs sampled from this similarity up (default: 0.3)")
    measured.add_argument("--sheet", type=Path)
    measured.add_argument("--out", type=Path)
    judged = commands.add_parser("precision")
    judged.add_argument("--sheet", type=Path, required=True)
    alone = commands.add_parser("detector")
    alone.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if not getattr(args, "corpus", CORPUS).exists():
        sys.exit(f"no corpus at {args.corpus}")
    {"cost": cost, "measure": measure, "precision": precision, "detector": detector}[args.command](args)


if __name__ == "__main__":
    main()
