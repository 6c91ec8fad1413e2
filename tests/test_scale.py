"""A rebuild in bounded memory: the speed/memory knob ``SEARCHKIT_WRITER_MB``.

A rebuild's writer processes write their postings out as a run each time
their share of the posting memory fills, and make one segment each of their
runs, so a small budget gives many runs and no more segments.  Searches must
find and rank exactly what one buffer gives, a rebuild killed after some runs
were written must leave the live index as it was, and a bad value is one
line, not a build.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest
from helpers import (
    MARKER,
    article,
    finish,
    generated_articles,
    kill_group,
    one_error_line,
    open_live,
    run_cli,
    spawn,
    wait_for,
    write_jsonl,
)

from searchkit.engine import whoosh_writing
from searchkit.engine.whoosh_engine import MAX_PROCS, PARALLEL_THRESHOLD, WRITER_MB_RANGE
from searchkit.generations import CURRENT_FILE
from searchkit.indexing import build_index
from searchkit.search import SearchOptions, search

ARTICLES = 3000
SMALL_MB = str(WRITER_MB_RANGE[0])
QUERIES = [MARKER, "gouvernement", "réforme retraite", '"conseil municipal"', "grève OR syndicat", "guerre -paix"]
PROCS = min(os.cpu_count() or 1, MAX_PROCS)


def built(corpus: Path, index_dir: Path, writer_mb: str | None) -> dict:
    env = {"SEARCHKIT_WRITER_MB": writer_mb} if writer_mb else {}
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--rebuild", "--json", env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    stats = run_cli("stats", "--index", str(index_dir), "--json")
    return {**json.loads(done.stdout), "segments": json.loads(stats.stdout)["segments"]}


def ranked(index_dir: Path, query: str) -> list[tuple[str, float]]:
    hits = search(index_dir, query, SearchOptions(limit=ARTICLES)).hits
    return sorted((hit.id, round(hit.score, 4)) for hit in hits)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    assert ARTICLES >= PARALLEL_THRESHOLD  # the multiprocess writer, which cuts segments
    return write_jsonl(tmp_path_factory.mktemp("scale") / "articles.jsonl", generated_articles(ARTICLES))


@pytest.fixture(scope="module")
def whole(corpus, tmp_path_factory) -> tuple[Path, dict]:
    """The corpus rebuilt with the default writer memory, once: read by one test, copied by the other."""
    index_dir = tmp_path_factory.mktemp("whole") / "index"
    return index_dir, built(corpus, index_dir, None)


@pytest.mark.skipif(PROCS < 2, reason="one core: no multiprocess writer")
def test_small_writer_memory_gives_one_segment_a_writer_with_the_same_hits_and_scores(corpus, whole, tmp_path):
    """The small budget makes each writer process write dozens of runs (the test below sees them)."""
    (whole, default), bounded = whole, tmp_path / "bounded"
    small = built(corpus, bounded, SMALL_MB)
    assert default["segments"] == small["segments"] == PROCS
    assert small["documents"] == default["documents"] == ARTICLES
    for query in QUERIES:
        assert ranked(bounded, query) == ranked(whole, query), query
    assert len(ranked(bounded, MARKER)) == len(range(0, ARTICLES, 97))


@pytest.mark.skipif(PROCS < 2, reason="one core: no multiprocess writer")
def test_rebuild_killed_after_writing_runs_leaves_the_live_index_intact(corpus, whole, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(whole[0], index_dir)
    live = (index_dir / CURRENT_FILE).read_text()
    expected = ranked(index_dir, MARKER)
    before = {p.name for p in index_dir.glob("gen-*")}
    proc = spawn("index", str(corpus), "--index", str(index_dir), "--rebuild", env={"SEARCHKIT_WRITER_MB": SMALL_MB})
    try:
        (new,) = wait_for(lambda: {p.name for p in index_dir.glob("gen-*")} - before, 60, "the new generation")
        wait_for(lambda: list((index_dir / new).glob("MAIN.tmp/run_*.pst")), 120, "a run written")
        assert proc.poll() is None, "the rebuild finished before it could be killed: make the corpus bigger"
        os.killpg(proc.pid, signal.SIGKILL)
        finish(proc, 30)
    finally:
        kill_group(proc)
        finish(proc, 30)
    assert (index_dir / CURRENT_FILE).read_text() == live
    assert ranked(index_dir, MARKER) == expected
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--json", "--wait", "5", timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["unchanged"] == ARTICLES
    assert {p.name for p in index_dir.glob("gen-*")} == before  # the killed rebuild's segments are gone


@pytest.mark.parametrize("value", ["lots", "0", "-5", "100000000"])
def test_a_bad_writer_memory_is_one_line_and_changes_nothing(value, tmp_path):
    corpus = write_jsonl(tmp_path / "articles.jsonl", generated_articles(20))
    index_dir = tmp_path / "index"
    assert built(corpus, index_dir, None)["documents"] == 20
    live = (index_dir / CURRENT_FILE).read_text()
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--rebuild", env={"SEARCHKIT_WRITER_MB": value})
    assert done.returncode == 2
    assert "SEARCHKIT_WRITER_MB" in one_error_line(done.stderr)
    assert (index_dir / CURRENT_FILE).read_text() == live
    assert {p.name for p in index_dir.glob("gen-*")} == {live.strip()}


@pytest.mark.parametrize("value", ["lots", "0"])
def test_a_bad_writer_memory_is_refused_even_by_an_update_with_nothing_to_write(value, tmp_path):
    corpus = write_jsonl(tmp_path / "articles.jsonl", generated_articles(3))
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    done = run_cli("index", str(corpus), "--index", str(index_dir), env={"SEARCHKIT_WRITER_MB": value})
    assert done.returncode == 2
    assert "SEARCHKIT_WRITER_MB" in one_error_line(done.stderr)


@pytest.mark.skipif(PROCS < 2, reason="one core: no multiprocess writer")
def test_updates_merge_their_own_small_segments_never_the_rebuilds(corpus, tmp_path, monkeypatch):
    """Whoosh's merge policy, past twenty-odd segments, made a one-article update
    rewrite the whole index; an update merges only segments under ``MERGE_BELOW``
    articles (lowered here below the rebuild's segments, bounded by the small budget)."""
    index_dir = tmp_path / "index"
    rebuilt = built(corpus, index_dir, SMALL_MB)
    with open_live(index_dir) as index:
        segments = set(index.segments())
    monkeypatch.setattr(whoosh_writing, "MERGE_BELOW", 30)
    articles = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    grown = tmp_path / "grown.jsonl"
    for extra in range(1, 8):
        write_jsonl(grown, [*articles, *(article(f"extra-{n}", f"Dépêche numéro {n}.") for n in range(extra))])
        build_index([grown], index_dir, allow_shrink=True)
    with open_live(index_dir) as index:
        assert segments <= set(index.segments())  # each of the rebuild's segments as it was
        assert index.segment_count() < rebuilt["segments"] + 7  # the updates' segments were merged
        assert index.doc_count() == ARTICLES + 7
