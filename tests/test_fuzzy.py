"""Fuzzy words and prefixes read their candidates from the index's vocabulary
file; a file that cannot be trusted changes nothing a user sees."""

from __future__ import annotations

import marshal
import sqlite3
from pathlib import Path

import pytest
from helpers import article, open_live, write_jsonl

from searchkit.generations import current_generation
from searchkit.indexing import build_index
from searchkit.search import SearchOptions, search
from searchkit.vocabulary import VOCABULARY_FILE, vocabulary_current, write_vocabulary

NEWS = [
    article("1", "Sergueï Choïgou a inspecté les troupes en Ukraine."),
    article("2", "Le ministre Shoigu est resté silencieux sur l'offensive ukrainienne."),
    article("3", "Les Ukrainiens ont repris Kherson, dit Kiev."),
    article("4", "Le gouvernement ukrainien demande des armes."),
]
LATER = article("5", "Choigou, selon la presse, et les ukrainophones de Kharkiv.")
QUERIES = ["choigu~", "choigu~1", "chiogou~1", "chiogou~2", "ukrain*", "title:article*", "ukrain* NEAR/5 armes"]


def answers(index_dir: Path) -> dict[str, tuple]:
    """For each query: the ids found, the total, the notes and the words highlighted."""
    found = {}
    for query in QUERIES:
        result = search(index_dir, query, SearchOptions(limit=100, match_all=True, suggest=False))
        marked = sorted(repr((hit.id, hit.snippets)) for hit in result.hits)
        found[query] = (sorted(hit.id for hit in result.hits), result.total, result.notes, marked)
    return found


def stale_vocabulary(tmp_path: Path) -> tuple[Path, Path, Path]:
    """An index updated with a fifth article, whose vocabulary file is then put
    back as it was before, as a writer killed after its commit leaves it:
    (corpus, index folder, live generation)."""
    corpus = write_jsonl(tmp_path / "news.jsonl", NEWS)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    generation = current_generation(index_dir)
    stale = (generation / VOCABULARY_FILE).read_bytes()
    write_jsonl(corpus, [*NEWS, LATER])
    build_index([corpus], index_dir)
    (generation / VOCABULARY_FILE).write_bytes(stale)
    return corpus, index_dir, generation


def test_the_vocabulary_file_is_written_for_the_live_commit(tmp_path):
    index_dir = tmp_path / "index"
    build_index([write_jsonl(tmp_path / "news.jsonl", NEWS)], index_dir)
    with open_live(index_dir) as index:
        assert vocabulary_current(index)
    assert "5" not in answers(index_dir)["choigu~"][0]


def test_a_stale_missing_or_garbled_vocabulary_changes_no_answer(tmp_path):
    _, index_dir, generation = stale_vocabulary(tmp_path)
    expected = answers(index_dir)
    (generation / VOCABULARY_FILE).unlink()
    assert answers(index_dir) == expected
    assert "5" in expected["choigu~"][0]  # the stale file knew nothing of Choigou in article 5
    assert "5" in expected["ukrain*"][0]  # nor of ukrainophones
    (generation / VOCABULARY_FILE).write_bytes(b"not a database" * 100)
    assert answers(index_dir) == expected


def test_an_update_that_changes_nothing_repairs_a_stale_vocabulary(tmp_path):
    corpus, index_dir, _ = stale_vocabulary(tmp_path)
    with open_live(index_dir) as index:
        assert not vocabulary_current(index)
    build_index([corpus], index_dir)
    with open_live(index_dir) as index:
        assert vocabulary_current(index)
    assert "5" in answers(index_dir)["choigu~"][0]


@pytest.mark.parametrize("damage", ["missing", "garbled"])
def test_fuzzy_words_agree_on_one_segment_and_several(tmp_path, damage):
    """Two letters swapped are two edits however many segments the index has,
    read from the vocabulary file or from the index."""
    corpus = write_jsonl(tmp_path / "news.jsonl", NEWS)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    one_segment = answers(index_dir)
    weather = [article("x1", "Une dépêche sur la pluie."), article("x2", "Une autre sur le beau temps.")]
    for last in (1, 2):
        write_jsonl(corpus, [*NEWS, *weather[:last]])
        build_index([corpus], index_dir)
    with open_live(index_dir) as index:
        assert index.segment_count() > 1
    assert answers(index_dir) == one_segment
    assert "1" not in one_segment["chiogou~1"][0] and "1" in one_segment["chiogou~2"][0]
    generation = current_generation(index_dir)
    if damage == "missing":
        (generation / VOCABULARY_FILE).unlink()
    else:
        (generation / VOCABULARY_FILE).write_bytes(b"\0" * 4096)
    assert answers(index_dir) == one_segment


def _words(generation: Path) -> list[tuple]:
    db = sqlite3.connect(generation / VOCABULARY_FILE)
    try:
        return sorted(db.execute("SELECT field, term, articles FROM terms"))
    finally:
        db.close()


def test_an_update_keeps_the_vocabulary_a_fresh_reading_gives(tmp_path):
    """Updates that add, change and remove articles, and one that merges every
    segment, leave the word counts that reading every segment anew gives,
    though each reads only the segments it wrote."""
    corpus = write_jsonl(tmp_path / "news.jsonl", NEWS)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    changed = article("2", "Le ministre Shoigu a parlé de Kharkiv.")
    steps = [[*NEWS, LATER], [NEWS[0], changed, *NEWS[2:], LATER], [NEWS[0], changed, LATER]]
    for number, articles in enumerate([*steps, steps[-1]]):
        write_jsonl(corpus, articles)
        build_index([corpus], index_dir, allow_shrink=True, optimize=number == len(steps))
        generation = current_generation(index_dir)
        kept = _words(generation)
        with open_live(index_dir) as index:
            assert write_vocabulary(index) == 0  # the file knew every segment of the commit
            (generation / VOCABULARY_FILE).unlink()
            assert write_vocabulary(index) == index.segment_count()
        assert kept == _words(generation), f"step {number}"
    assert ("body", "kharkiv", 2) in kept and not any(term == "kherson" for _, term, _ in kept)


def test_the_vocabulary_takes_the_counts_the_writer_made_and_they_are_the_index_s(tmp_path, monkeypatch):
    """A build's writer counts each segment's terms as it writes them; the vocabulary
    file takes those counts, not a second reading of the segment, and they are
    the counts reading the segment back gives."""
    from searchkit.engine import whoosh_engine

    taken = []

    def spied(path: Path):
        rows = read_term_counts(path)
        taken.append(rows is not None)
        return rows

    read_term_counts = whoosh_engine.read_term_counts
    monkeypatch.setattr(whoosh_engine, "read_term_counts", spied)
    index_dir = tmp_path / "index"
    build_index([write_jsonl(tmp_path / "news.jsonl", [*NEWS, LATER])], index_dir)
    generation = current_generation(index_dir)
    assert taken == [True]  # one segment, its counts taken from the writer
    assert not list(generation.glob(".*.terms*"))  # and their file gone
    counted = _words(generation)
    with open_live(index_dir) as index:
        (generation / VOCABULARY_FILE).unlink()
        assert write_vocabulary(index) == 1
    assert taken == [True, False]  # read back through Whoosh this time
    assert _words(generation) == counted
    assert ("body", "^choigou", 2) in counted and ("body", "^kharkiv", 1) in counted


@pytest.mark.parametrize(
    "left", [b"", b"\x00garbled", b"\xe3\x03\x00\x00\x00", marshal.dumps([("body", "x")]), marshal.dumps({"body": 1})]
)
def test_term_counts_that_cannot_be_read_are_not_trusted_and_leftovers_go(tmp_path, left):
    """Counts cut short or garbled (a writer killed as it wrote them) are not
    taken: the segment is read instead; an update removes a half-written file."""
    corpus = write_jsonl(tmp_path / "news.jsonl", NEWS)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    generation = current_generation(index_dir)
    expected = _words(generation)
    with open_live(index_dir) as index:
        (segment,) = index.segments()
        (generation / f".{segment}.terms").write_bytes(left)
        (generation / VOCABULARY_FILE).unlink()
        write_vocabulary(index)
    assert _words(generation) == expected
    assert not (generation / f".{segment}.terms").exists()
    (generation / f".{segment}.terms.tmp").write_bytes(left)
    build_index([corpus], index_dir)
    assert not list(generation.glob(".*.terms*"))
