"""An update that skips the files unchanged since the index last read them.

Each test writes a folder of native articles, lets it settle past the racy
window (``RACY_NS``: a file changed that close to the scan is read again next
time), indexes it, and then changes the folder the way users do: an edit of
the same size, an edit with its modification time put back, a touch, a file
replaced, renamed or deleted.  What a skip must never do is miss a change:
each test checks the index's answers, and the damaged-record tests check them
against an update that compares every article.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from helpers import open_live, run_cli

import searchkit.corpus
import searchkit.indexing
from searchkit.generations import current_generation
from searchkit.indexing import build_index
from searchkit.signatures import RACY_NS, RECORD_FILE

FILES = 12


def native(folder: Path, number: int, body: str, title: str = "") -> Path:
    path = folder / f"{number:03d}.txt"
    path.write_text(f"{title or f'Titre {number}'}\n\n{1000 + number}\n\n{body}\n", encoding="utf-8")
    return path


def settle() -> None:
    """Waits until every file written so far is older than the racy window."""
    time.sleep(RACY_NS / 1e9 + 0.1)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for number in range(FILES):
        native(folder, number, f"Le corps numéro {number} parle de Bruxelles.")
    settle()
    return folder


def index_json(corpus: Path, index: Path, *extra: str, exit_code: int = 0) -> dict:
    proc = run_cli("index", str(corpus), "--index", str(index), "--json", *extra)
    assert proc.returncode == exit_code, proc.stderr
    return json.loads(proc.stdout)


def counts(report: dict) -> tuple[int, int, int, int, int]:
    return report["added"], report["updated"], report["removed"], report["unchanged"], report["skipped"]


def stored(index: Path) -> dict[str, tuple[str, str]]:
    """Every article of the live index: id → (title, body), through search's own reader."""
    with open_live(index) as ix:
        found = {}
        for article_id, _ in ix.live_values("id", "hash"):
            doc = ix.stored(ix.docnum_of(article_id))
            found[article_id] = (doc["title"], doc["body"])
        return found


def test_a_noop_update_reads_no_file_and_writes_nothing(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    index_json(corpus, index)
    live = current_generation(index)
    before = {p.name: p.stat().st_mtime_ns for p in live.iterdir()}
    report = index_json(corpus, index)
    assert counts(report) == (0, 0, 0, FILES, FILES)
    assert report["documents"] == FILES
    # nothing rewritten: not the facts, not the variants table, not the record, no new commit
    assert {p.name: p.stat().st_mtime_ns for p in live.iterdir()} == before


def test_skipped_files_are_not_opened(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    index = tmp_path / "index"
    build_index([corpus], index)
    native(corpus, 3, "Un corps tout neuf, à Lisbonne.")
    settle()
    opened = []
    read_file = searchkit.corpus.read_file
    monkeypatch.setattr(searchkit.corpus, "read_file", lambda path, *a: opened.append(path) or read_file(path, *a))
    report = build_index([corpus], index)
    assert opened == [corpus / "003.txt"]
    assert (report.updated, report.skipped, report.unchanged) == (1, FILES - 1, FILES - 1)
    assert stored(index)["1003"][1] == "Un corps tout neuf, à Lisbonne."


def test_an_edit_of_the_same_size_is_read(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    index_json(corpus, index)
    native(corpus, 5, "Le corps numéro 5 parle de Marseille.")  # as long as "Bruxelles"
    report = index_json(corpus, index)
    assert counts(report)[:3] == (0, 1, 0)
    assert "Marseille" in stored(index)["1005"][1]


def test_an_edit_with_its_modification_time_put_back_is_read(corpus: Path, tmp_path: Path) -> None:
    """Same size, same modification time (``os.utime``, as ``cp -p`` or
    ``rsync -t`` do): the change time, which no program can set back, tells."""
    index = tmp_path / "index"
    index_json(corpus, index)
    path = corpus / "005.txt"
    old = path.stat()
    native(corpus, 5, "Le corps numéro 5 parle de Marseille.")
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (old.st_size, old.st_mtime_ns)
    report = index_json(corpus, index)
    assert counts(report)[:3] == (0, 1, 0)
    assert "Marseille" in stored(index)["1005"][1]


def test_a_file_changed_just_before_it_was_read_is_read_again(tmp_path: Path) -> None:
    """The racy case: a file changed within the window before the scan that
    read it could change again in the same clock tick, same size, same
    times; its signature is not recorded, so the next update reads it."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for number in range(3):
        native(folder, number, f"corps {number}")
    index = tmp_path / "index"
    build_index([folder], index)  # at once: every file is within the window
    assert time.time_ns() - (folder / "002.txt").stat().st_ctime_ns < RACY_NS
    record = json.loads((current_generation(index) / RECORD_FILE).read_text())
    assert [entry[2:] for entry in record["files"]] == [[]] * 3  # [file, ids, *signature]: no signature
    assert build_index([folder], index).skipped == 0  # read again, all of them
    settle()
    assert build_index([folder], index).skipped == 0  # read once more: now past the window, recorded
    assert build_index([folder], index).skipped == 3


def test_a_file_dated_in_the_future_is_always_read(corpus: Path, tmp_path: Path) -> None:
    """A file whose clock is ahead of this machine's (a file server's) could
    change again within its tick: never skipped while its time is ahead."""
    index = tmp_path / "index"
    path = corpus / "002.txt"
    os.utime(path, ns=(path.stat().st_atime_ns, time.time_ns() + 3600 * 10**9))
    settle()  # its change time is settled, its modification time never is
    index_json(corpus, index)
    assert counts(index_json(corpus, index))[3:] == (FILES, FILES - 1)


def test_a_touched_file_is_read_and_its_articles_stay_as_they_were(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    index_json(corpus, index)
    with open_live(index) as ix:
        stamps = dict(ix.live_values("id", "indexed"))
    (corpus / "004.txt").touch()
    report = index_json(corpus, index)
    assert counts(report) == (0, 0, 0, FILES, FILES - 1)
    with open_live(index) as ix:
        assert dict(ix.live_values("id", "indexed")) == stamps  # not new for alerts


def test_replaced_renamed_and_deleted_files(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    index_json(corpus, index)
    # replaced by another file of the same size, renamed over it
    other = native(tmp_path, 1, "Le corps numéro 1 parle de Perpignan.")
    assert other.stat().st_size == (corpus / "001.txt").stat().st_size
    os.replace(other, corpus / "001.txt")
    (corpus / "002.txt").rename(corpus / "102.txt")  # renamed: the same article, elsewhere
    (corpus / "003.txt").unlink()  # deleted
    report = index_json(corpus, index)
    assert counts(report)[:3] == (0, 1, 1)
    articles = stored(index)
    assert "Perpignan" in articles["1001"][1]
    assert "1002" in articles and "1003" not in articles
    assert report["documents"] == FILES - 1
    # the renamed file's article follows its new file: deleting it removes the article
    (corpus / "102.txt").unlink()
    assert counts(index_json(corpus, index))[:3] == (0, 0, 1)
    assert "1002" not in stored(index)


def test_an_id_moved_into_a_changed_file_is_found_as_a_full_comparison_finds_it(corpus: Path, tmp_path: Path) -> None:
    """An id already held by an unchanged (skipped) file appears in a new file:
    the corpus order decides which one is kept, as if every file were read."""
    index = tmp_path / "index"
    index_json(corpus, index)
    (corpus / "000a.txt").write_text("Doublon\n\n1005\n\nUn autre article sous le même numéro.\n")
    report = index_json(corpus, index, exit_code=3)  # 3: articles rejected
    fresh = index_json(corpus, tmp_path / "fresh", exit_code=3)
    assert stored(index) == stored(tmp_path / "fresh")
    assert report["rejected"] == fresh["rejected"] != []
    assert report["skipped"] == 0  # compared whole


@pytest.mark.parametrize("damage", ["missing", "garbled", "stale", "foreign", "wrong ids", "swapped ids"])
def test_a_damaged_record_gives_the_same_answers(corpus: Path, tmp_path: Path, damage: str) -> None:
    good, bad = tmp_path / "good", tmp_path / "bad"
    index_json(corpus, good)
    native(corpus, 6, "Le corps numéro 6 parle de Marseille.")
    (corpus / "007.txt").unlink()
    native(corpus, 50, "Un nouveau corps.")
    os.utime(corpus / "008.txt")
    settle()
    shutil.copytree(good, bad)
    path = current_generation(bad) / RECORD_FILE
    record = json.loads(path.read_text())
    if damage == "missing":
        path.unlink()
    elif damage == "garbled":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "stale":
        path.write_text(json.dumps({**record, "commit": record["commit"] - 1}))
    elif damage == "foreign":
        path.write_text(json.dumps({**record, "format": 99}))
    else:
        entries = {entry[0]: entry for entry in record["files"]}  # [file, ids, *signature]
        if damage == "wrong ids":  # an article the record does not know: trusting it would index 1009 twice
            entries[str(corpus / "009.txt")][1] = []
        else:  # as many ids as articles, but 1006 (changed) is not one of them
            entries[str(corpus / "006.txt")][1] = ["9999"]
        path.write_text(json.dumps(record))
    trusted, compared = index_json(corpus, good), index_json(corpus, bad)
    assert counts(trusted)[:4] == counts(compared)[:4] == (1, 1, 1, FILES - 2)
    assert trusted["skipped"] == FILES - 3 and compared["skipped"] == 0
    assert stored(good) == stored(bad)
    # the update wrote a good record: the next one skips again
    assert counts(index_json(corpus, bad)) == (0, 0, 0, FILES, FILES)


def test_a_writer_killed_between_its_commit_and_its_record(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    """The record names its commit: one left behind by a killed writer is not
    trusted, and the next update compares every article."""
    index = tmp_path / "index"
    build_index([corpus], index)
    native(corpus, 6, "Le corps numéro 6 parle de Marseille.")
    settle()

    def killed(*args) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(searchkit.indexing, "write_record", killed)
    with pytest.raises(KeyboardInterrupt):
        build_index([corpus], index)
    monkeypatch.undo()
    assert "Marseille" in stored(index)["1006"][1]  # committed
    report = build_index([corpus], index)
    assert (report.updated, report.unchanged, report.skipped) == (0, FILES, 0)  # every article compared
    assert build_index([corpus], index).skipped == FILES


def test_rebuild_reads_every_file(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    index_json(corpus, index)
    report = index_json(corpus, index, "--rebuild")
    assert (report["mode"], report["added"], report["skipped"]) == ("rebuild", FILES, 0)
    assert counts(index_json(corpus, index)) == (0, 0, 0, FILES, FILES)


def test_the_summary_names_the_files_skipped(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    run_cli("index", str(corpus), "--index", str(index))
    proc = run_cli("index", str(corpus), "--index", str(index))
    assert proc.returncode == 0, proc.stderr
    assert f"{FILES} unchanged (skipped {FILES} unchanged files)" in " ".join(proc.stderr.split())
