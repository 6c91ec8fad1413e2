"""An update of a JSON Lines file that only grew reads its new end, not the file again.

A feed or a scraper appends articles to one file; re-reading the whole file to
find the last few is most of an update's time at 100,000 articles.  The file
record keeps where each JSON Lines file ended (size, lines, a hash of its last
bytes): a file grown since, with those bytes where they were, is read from
there.  Anything else (a rewrite, a new file in its place, an id appended
again) is read whole, as before.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from helpers import run_cli

import searchkit.readers.jsonl
from searchkit.indexing import build_index
from searchkit.search import Searcher, SearchOptions


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch) -> None:
    """Files written by a test are settled at once (see ``searchkit.signatures.RACY_NS``)."""
    monkeypatch.setattr("searchkit.signatures.RACY_NS", 0)


@pytest.fixture
def parsed(monkeypatch) -> list[bytes]:
    """Every JSON line the readers parse, as they parse it."""
    lines: list[bytes] = []
    parse = searchkit.readers.jsonl.parse_json_object
    monkeypatch.setattr(
        searchkit.readers.jsonl, "parse_json_object", lambda raw, *a: lines.append(raw) or parse(raw, *a)
    )
    return lines


def record(number: int, body: str = "") -> bytes:
    article = {"id": f"a{number}", "title": f"Titre {number}", "body": body or f"Le corps {number} parle de Lisbonne."}
    return (json.dumps(article, ensure_ascii=False) + "\n").encode()


def ids(index: Path, query: str = "Lisbonne") -> set[str]:
    with Searcher(index) as searcher:
        return {hit.id for hit in searcher.search(query, SearchOptions(limit=100)).hits}


def test_an_append_is_read_from_the_old_end(tmp_path: Path, parsed: list[bytes]) -> None:
    corpus, index = tmp_path / "feed.jsonl", tmp_path / "index"
    corpus.write_bytes(b"".join(record(i) for i in range(50)))
    build_index([corpus], index)
    with corpus.open("ab") as feed:
        feed.write(record(50) + record(51))
    parsed.clear()
    report = build_index([corpus], index)
    assert len(parsed) == 2
    assert (report.added, report.updated, report.removed, report.unchanged) == (2, 0, 0, 50)
    assert ids(index) == {f"a{i}" for i in range(52)}
    assert build_index([corpus], index).skipped == 1  # and the next update knows the new end


def test_appends_indexed_at_once_are_each_read_from_the_old_end(
    tmp_path: Path, parsed: list[bytes], monkeypatch
) -> None:
    """A cron job appending, then indexing at once: the file is racy at every run (changed
    just before it was scanned), which the end, checked by content, does not mind."""
    monkeypatch.setattr("searchkit.signatures.RACY_NS", 3600 * 10**9)
    corpus, index = tmp_path / "feed.jsonl", tmp_path / "index"
    corpus.write_bytes(b"".join(record(i) for i in range(50)))
    build_index([corpus], index)
    for number in (50, 51):
        with corpus.open("ab") as feed:
            feed.write(record(number))
        parsed.clear()
        report = build_index([corpus], index)
        assert len(parsed) == 1
        assert (report.added, report.unchanged) == (1, number)
    assert ids(index) == {f"a{i}" for i in range(52)}


def test_an_appended_gzip_member_is_read_alone(tmp_path: Path, parsed: list[bytes]) -> None:
    corpus, index = tmp_path / "feed.jsonl.gz", tmp_path / "index"
    corpus.write_bytes(gzip.compress(b"".join(record(i) for i in range(20))))
    build_index([corpus], index)
    with corpus.open("ab") as feed:
        feed.write(gzip.compress(record(20)))
    parsed.clear()
    assert build_index([corpus], index).added == 1
    assert len(parsed) == 1 and ids(index) == {f"a{i}" for i in range(21)}


def test_a_bad_appended_line_is_named_by_its_line_in_the_whole_file(tmp_path: Path) -> None:
    corpus, index = tmp_path / "feed.jsonl", tmp_path / "index"
    corpus.write_bytes(b"".join(record(i) for i in range(10)))
    build_index([corpus], index)
    with corpus.open("ab") as feed:
        feed.write(b"{not json\n" + record(10))
    done = run_cli("index", str(corpus), "--index", str(index), "--json")
    rejected = json.loads(done.stdout)["rejected"]
    assert [(r["line"], r["reason"].split(":")[0]) for r in rejected] == [(11, "not valid JSON")]
    assert "a10" in ids(index)


def test_an_id_appended_again_keeps_the_first_as_a_whole_read_does(tmp_path: Path) -> None:
    corpus, index = tmp_path / "feed.jsonl", tmp_path / "index"
    corpus.write_bytes(b"".join(record(i) for i in range(10)))
    build_index([corpus], index)
    with corpus.open("ab") as feed:
        feed.write(record(3, "Une correction envoyée à la fin, à Porto."))
    report = build_index([corpus], index)
    assert [r.reason.split(" (")[0] for r in report.rejected] == ["duplicate id a3"]
    assert "a3" in ids(index) and ids(index, "Porto") == set()


def test_a_rewritten_file_that_grew_is_read_whole(tmp_path: Path, parsed: list[bytes]) -> None:
    corpus, index = tmp_path / "feed.jsonl", tmp_path / "index"
    corpus.write_bytes(b"".join(record(i) for i in range(10)))
    build_index([corpus], index)
    rewritten = tmp_path / "new.jsonl"  # as an editor saves: a new file renamed over the old
    rewritten.write_bytes(record(0, "Le premier, corrigé, parle de Porto.") + b"".join(record(i) for i in range(1, 11)))
    os.replace(rewritten, corpus)
    parsed.clear()
    report = build_index([corpus], index)
    assert len(parsed) == 11 and (report.added, report.updated) == (1, 1)
    assert ids(index, "Porto") == {"a0"}


def test_an_edit_in_place_before_the_end_that_also_grows_the_file_passes_for_an_append(tmp_path: Path) -> None:
    """The documented limit: the file keeps its inode and its last bytes, so
    the edit of its first line is not seen until the file is read whole
    (``--rebuild``, or any rewrite by an editor)."""
    corpus, index = tmp_path / "feed.jsonl", tmp_path / "index"
    corpus.write_bytes(b"".join(record(i, f"Le corps {i:02d} parle de Lisbonne.") for i in range(100)))
    build_index([corpus], index)
    with corpus.open("r+b") as feed:
        feed.write(record(0, "Le corps 00 parle de Porto!!"))  # same length, in place
        feed.seek(0, os.SEEK_END)
        feed.write(record(100))
    assert build_index([corpus], index).added == 1
    assert ids(index, "Porto") == set()
    assert build_index([corpus], index, rebuild=True).documents == 101
    assert ids(index, "Porto") == {"a0"}
