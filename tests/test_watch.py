"""``searchkit index PATH --watch``, driven as a subprocess: files added,
changed and deleted while it runs are searchable within seconds, once; a
file caught half-written is picked up once complete; SIGTERM and SIGINT leave
no lock and a consistent index; other writers get their turn between batches.
The deadlines are generous timeouts, not speed measurements."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from contextlib import suppress
from pathlib import Path

import pytest
from helpers import article, generated_articles, kill_group, open_live, run_cli, spawn, wait_for, write_jsonl

from searchkit.engine import default_engine
from searchkit.generations import check_live
from searchkit.lock import is_locked, writer_lock
from searchkit.search import SearchOptions, search
from searchkit.watch import Watcher

DEADLINE = 30.0  #: "within a few seconds", with room for a loaded machine


class Watching:
    """``searchkit index CORPUS --watch --json`` running, its batches collected as they come."""

    def __init__(self, corpus: Path, index: Path, *extra: str) -> None:
        self.index = index
        # PYTHONFAULTHANDLER: a watcher that does not stop is made to say where it is (``stop``)
        self.proc = spawn(
            "index",
            str(corpus),
            "--index",
            str(index),
            "--watch",
            "--every",
            "0.2",
            "--json",
            *extra,
            env={"PYTHONFAULTHANDLER": "1"},
        )
        self.batches: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        wait_for(lambda: self.batches or self.proc.poll() is not None, DEADLINE, "the first batch")
        assert self.batches, self.proc.stderr.read()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.batches.append(json.loads(line))

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        self.proc.send_signal(signum)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            # SIGABRT makes the faulthandler print every thread's stack: where the watcher was stuck
            self.proc.send_signal(signal.SIGABRT)
            with suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
            kill_group(self.proc)
            self.proc.wait(10)
            pytest.fail(f"the watcher did not stop within 60 s of signal {signum}:\n{self.proc.stderr.read()[-6000:]}")
        self._reader.join(10)
        return self.proc.returncode, self.proc.stderr.read()

    def close(self) -> None:
        if self.proc.poll() is None:
            kill_group(self.proc)
            self.proc.wait(30)
        self._reader.join(10)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def ids(self, query: str) -> list[str]:
        return sorted(hit.id for hit in search(self.index, query, SearchOptions(limit=100, match_all=True)).hits)

    def documents(self) -> int:
        with open_live(self.index) as index:
            return index.doc_count()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_jsonl(folder / "base.jsonl", [article(f"a{i}", f"Texte ordinaire numéro {i}.") for i in range(6)])
    return folder


@pytest.fixture
def watching(corpus: Path, tmp_path: Path):
    running = Watching(corpus, tmp_path / "index")
    yield running
    running.close()


def test_files_added_changed_and_deleted_are_searchable_once(watching, corpus):
    assert watching.batches[0]["added"] == 6 and watching.documents() == 6
    write_jsonl(corpus / "new.jsonl", [article("n1", "Le mot zorglub arrive."), article("n2", "Autre chose.")])
    assert wait_for(lambda: watching.ids("zorglub"), DEADLINE, "a new file") == ["n1"]
    (corpus / "sub").mkdir()
    (corpus / "sub" / "777.txt").write_text("Un titre natif\n\n777\n\nLe corps parle de quasar.\n", encoding="utf-8")
    assert wait_for(lambda: watching.ids("quasar"), DEADLINE, "a native file in a new folder") == ["777"]
    write_jsonl(corpus / "new.jsonl", [article("n1", "Le mot wibble remplace l'autre."), article("n2", "Autre chose.")])
    wait_for(lambda: watching.ids("wibble"), DEADLINE, "a changed file")
    assert watching.ids("zorglub") == [] and watching.documents() == 9
    (corpus / "new.jsonl").unlink()
    wait_for(lambda: any(b["gone"] for b in watching.batches), DEADLINE, "a deleted file's articles to leave")
    assert watching.ids("wibble") == [] and watching.documents() == 7
    code, stderr = watching.stop()
    assert code == 0 and "stopped watching (SIGTERM)" in stderr and "Traceback" not in stderr
    later = watching.batches[1:]
    # Each change was written once: no batch re-read an unchanged file or re-added an article.
    assert sum(b["added"] for b in later) == 3 and sum(b["updated"] for b in later) == 1
    assert sum(b["removed"] for b in later) == 2 and sum(b["gone"] for b in later) == 1
    assert all(b["files"] <= 1 for b in later)


def test_a_half_written_line_is_picked_up_once_complete(watching, corpus):
    target = corpus / "stream.jsonl"
    line = json.dumps(article("h1", "Une dépêche sur le quokka."), ensure_ascii=False)
    target.write_text(json.dumps(article("h0", "Première ligne.")) + "\n" + line[:25], encoding="utf-8")
    wait_for(lambda: any(b["rejected"] for b in watching.batches), DEADLINE, "the cut line to be rejected")
    assert watching.ids("premiere") == ["h0"]  # the complete line is indexed meanwhile
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(line[25:] + "\n")
    assert wait_for(lambda: watching.ids("quokka"), DEADLINE, "the completed line") == ["h1"]
    assert watching.documents() == 8


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_a_batch_leaves_no_lock_and_a_consistent_index(corpus, tmp_path, signum):
    running = Watching(corpus, tmp_path / "index")
    try:
        write_jsonl(corpus / "big.jsonl", generated_articles(1500))
        wait_for(lambda: is_locked(running.index), DEADLINE, "a batch to take the lock", interval=0.005)
        code, stderr = running.stop(signum)
    finally:
        running.close()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert not is_locked(running.index)
    assert check_live(running.index, default_engine()) is not None
    assert running.documents() in (6, 1506)  # as before the batch, or as after it: never half
    # The next run finishes what the stopped one left.
    done = run_cli("index", str(corpus), "--index", str(running.index), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["documents"] == 1506


def test_other_writers_get_their_turn(watching, corpus):
    # Between batches the watcher holds no lock: another writer runs at once.
    assert not is_locked(watching.index)
    other = run_cli("index", str(corpus), "--index", str(watching.index), "--wait", "10", "--json")
    assert other.returncode == 0, other.stderr
    # While another writer holds the lock, a batch waits for it.
    with writer_lock(watching.index):
        write_jsonl(corpus / "later.jsonl", [article("l1", "Le mot pangolin.")])
        threading.Event().wait(1.5)
        assert watching.ids("pangolin") == []
    assert wait_for(lambda: watching.ids("pangolin"), DEADLINE, "the batch after the lock") == ["l1"]
    assert watching.proc.poll() is None


def test_a_rebuild_meanwhile_is_followed(watching, corpus):
    done = run_cli("index", str(corpus), "--index", str(watching.index), "--rebuild", "--quiet")
    assert done.returncode == 0, done.stderr
    write_jsonl(corpus / "after.jsonl", [article("r1", "Le mot ornithorynque.")])
    assert wait_for(lambda: watching.ids("ornithorynque"), DEADLINE, "a batch after a rebuild") == ["r1"]


def test_usage_errors(tmp_path, corpus):
    for args, word in (
        (["--every", "0"], "--every"),
        (["--optimize"], "--optimize"),
    ):
        done = run_cli("index", str(corpus), "--index", str(tmp_path / "ix"), "--watch", *args)
        assert done.returncode == 2 and word in done.stderr
    missing = run_cli("index", str(tmp_path / "nope"), "--index", str(tmp_path / "ix"), "--watch")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert run_cli("index", str(corpus), "--index", str(tmp_path / "ix"), "--every", "5").returncode == 2


def test_polling_reads_only_what_changed(corpus, tmp_path):
    """The polling fallback, through the library: a batch reads the changed file alone."""
    write_jsonl(corpus / "other.jsonl", [article("o1", "Rien de neuf.")])
    batches = []
    stop = threading.Event()
    watcher = Watcher([corpus], tmp_path / "index", every=0.1, polling=True, on_batch=batches.append)
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_for(lambda: batches, DEADLINE, "the first batch")
        assert watcher.mechanism == "polling" and batches[0].files == 2
        write_jsonl(corpus / "other.jsonl", [article("o1", "Le mot axolotl.")])
        wait_for(lambda: len(batches) >= 2, DEADLINE, "a polled batch")
        threading.Event().wait(0.5)  # more polls, nothing new: no more batches
        assert len(batches) == 2
        assert (batches[1].files, batches[1].report.updated, batches[1].report.unchanged) == (1, 1, 0)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()


class _StuckObserver:
    """A file system observer whose ``stop`` never returns, as watchdog's can wait on its reader thread."""

    def __init__(self) -> None:
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()
        threading.Event().wait()

    def join(self, timeout: float | None = None) -> None:
        raise AssertionError("joined an observer whose stop never returned")


def test_a_stopping_watcher_does_not_wait_for_a_stuck_observer(corpus, tmp_path, monkeypatch):
    stuck = _StuckObserver()
    monkeypatch.setattr("searchkit.watch._observer", lambda roots, changes: stuck)
    monkeypatch.setattr("searchkit.watch.OBSERVER_STOP_SECONDS", 0.5, raising=False)
    stop = threading.Event()
    stop.set()  # the first update, then stop at once
    watcher = Watcher([corpus], tmp_path / "index", every=0.1)
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    thread.join(DEADLINE)
    assert stuck.stopping.is_set() and not thread.is_alive()
    assert watcher.batches == 1
