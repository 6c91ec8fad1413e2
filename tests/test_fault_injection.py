"""Fault injection: an update and a rebuild killed at many points of their run.

Each run is the real CLI in its own session.  It is stopped at a chosen file
operation in the index folder, either exactly, by an audit hook (``HOOK``: the
run freezes its whole process group with SIGSTOP right before or right after
the operation, and the test then sends the signal), or approximately, by
polling the folder and killing the run when the N-th new file or folder
appears.  After each kill:

(a) no process of the killed run's session survives;
(b) the index answers exactly as before the run or exactly as after it, every
    query and the stored articles alike;
(c) the next ``searchkit index --wait 0`` succeeds at once (the lock is free),
    and the index then answers exactly as after an uninterrupted run;
(d) no generation but the live one and its predecessor is left, and nothing
    in the live generation or beside it is a leftover (temporary folder or
    file, segment file no commit names, old table of contents).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import (
    MARKER,
    article,
    finish,
    generated_articles,
    kill_group,
    open_live,
    run_cli,
    session_processes,
    spawn,
    wait_for,
    write_jsonl,
)
from whoosh import index as whoosh_index

from searchkit.duplicates import DUPLICATES_FILE, duplicates_current, matrix_path
from searchkit.engine.whoosh_engine import PARALLEL_THRESHOLD
from searchkit.generations import CURRENT_FILE, META_FILE, current_generation, read_meta
from searchkit.lock import LOCK_FILE
from searchkit.names.keys import name_key
from searchkit.names.table import VARIANTS_FILE, variants_current
from searchkit.search import SearchOptions, search
from searchkit.signatures import RECORD_FILE
from searchkit.vocabulary import VOCABULARY_FILE

# --- the hook that stops a run at one file operation --------------------------------

#: Run as ``python HOOK ARGS``: the CLI with ARGS, under an audit hook that
#: logs every operation creating, renaming or removing something in the index
#: folder (one line each, numbered across all the run's processes) and, when
#: told, stops the run's whole process group (SIGSTOP) at one of them: just
#: before it (FAULT_WHEN=before) or just after it, at the next audited event of
#: the same thread (FAULT_WHEN=after).  FAULT_MATCH picks the operation by a
#: regular expression on its log text, FAULT_AT by its number.  It stops once.
HOOK = r"""
import fcntl, os, re, runpy, signal, sys, threading

_root = os.path.realpath(os.environ["FAULT_INDEX"]) + os.sep
_log = os.environ["FAULT_LOG"]
_when = os.environ.get("FAULT_WHEN", "")
_match = re.compile(os.environ.get("FAULT_MATCH") or r"(?!)")
_at = int(os.environ.get("FAULT_AT") or 0)
_local = threading.local()
_armed = set()
_armed_text = {}


def _inside(path):
    if isinstance(path, int):
        return None
    try:
        path = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return None
    return path[len(_root):] if path.startswith(_root) else None


def _describe(name, args):
    if name == "open":
        path, mode, flags = args
        writing = any(c in mode for c in "wax+") if mode else bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        where = _inside(path) if writing else None
        return where and f"open {where}"
    if name in ("os.mkdir", "os.remove", "os.rmdir", "shutil.rmtree", "sqlite3.connect"):
        where = _inside(args[0])
        return where and f"{name.rpartition('.')[2]} {where}"
    if name == "os.rename":
        where = _inside(args[1])
        return where and f"rename {_inside(args[0])} -> {where}"
    return None


def _record(text):
    fd = os.open(_log, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        number = os.pread(fd, os.fstat(fd).st_size, 0).count(b"\n") + 1
        os.write(fd, f"{number}\t{os.getpid()}\t{text}\n".encode())
    finally:
        os.close(fd)
    return number


def _freeze(reason):
    try:
        fd = os.open(_log + ".frozen", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    except FileExistsError:
        return  # stopped once already, by this process or another
    os.write(fd, f"{os.getpid()}\t{reason}\n".encode())
    os.close(fd)
    os.kill(0, signal.SIGSTOP)


def _hook(name, args):
    if getattr(_local, "busy", False):
        return
    _local.busy = True
    try:
        thread = threading.get_ident()
        if thread in _armed:
            _armed.discard(thread)
            _freeze(f"after {_armed_text.get(thread)}")
        text = _describe(name, args)
        if text is None:
            return
        number = _record(text)
        if _when and (number == _at or _match.search(text)):
            if _when == "before":
                _freeze(f"before {number} {text}")
            else:
                _armed.add(thread)
                _armed_text[thread] = f"{number} {text}"
    finally:
        _local.busy = False


sys.addaudithook(_hook)
sys.argv = ["searchkit", *sys.argv[1:]]
runpy.run_module("searchkit", run_name="__main__", alter_sys=True)
"""

HOOK_FILE = "fault_hook.py"


@dataclass(frozen=True)
class Point:
    """Where a run is stopped: before or after the first operation matching
    ``pattern`` (a regular expression on the hook's log text), the operation
    ``number``, or the operation ``share`` of the way through an uninterrupted
    run's log."""

    name: str
    when: str
    pattern: str = ""
    share: float = 0.0
    number: int = 0

    def env(self, trace: list[str]) -> dict[str, str]:
        if self.number:
            return {"FAULT_WHEN": self.when, "FAULT_AT": str(self.number)}
        if self.pattern:
            assert any(re.search(self.pattern, line) for line in trace), (
                f"an uninterrupted run never does {self.name!r} ({self.pattern}):\n" + "\n".join(trace)
            )
            return {"FAULT_WHEN": self.when, "FAULT_MATCH": self.pattern}
        return {"FAULT_WHEN": self.when, "FAULT_AT": str(max(1, round(self.share * len(trace))))}


UPDATE_POINTS = {
    # The writer opens at the first changed article, near the start of the corpus.
    "writer-open": Point("writer-open", "after", r"^mkdir gen-\d+/MAIN\.tmp$"),
    "first-segment-file": Point("first-segment-file", "after", r"^open gen-\d+/MAIN_\w+\.trm$"),
    "segment-files": Point("segment-files", "before", r"^open gen-\d+/MAIN_\w+\.hash\.col$"),
    "toc-temp": Point("toc-temp", "after", r"^open gen-\d+/_MAIN_\d+\.toc\.[\d.]+$"),
    "toc": Point("toc", "after", r"^rename .* -> gen-\d+/_MAIN_\d+\.toc$"),
    "meta-temp": Point("meta-temp", "after", r"^open gen-\d+/\.searchkit\.json\.tmp$"),
    "variants-temp": Point("variants-temp", "after", r"^connect gen-\d+/\.variants\.sqlite\.tmp$"),
    "variants": Point("variants", "after", r"^rename .* -> gen-\d+/variants\.sqlite$"),
}

REBUILD_POINTS = {
    "generation": Point("generation", "after", r"^mkdir gen-\d+$"),
    "writers-early": Point("writers-early", "before", share=0.3),
    "writers-middle": Point("writers-middle", "before", share=0.5),
    "segment-columns": Point("segment-columns", "before", r"^open gen-\d+/MAIN_\w+\._stored\.col$"),
    "toc-temp": Point("toc-temp", "after", r"^open gen-\d+/_MAIN_[1-9]\d*\.toc\.[\d.]+$"),
    "toc": Point("toc", "after", r"^rename .* -> gen-\d+/_MAIN_[1-9]\d*\.toc$"),
    "variants-temp": Point("variants-temp", "after", r"^connect gen-\d+/\.variants\.sqlite\.tmp$"),
    "current-temp": Point("current-temp", "after", r"^open \.CURRENT\.tmp$"),
    "current": Point("current", "after", r"^rename \.CURRENT\.tmp -> CURRENT$"),
}

# --- the corpus: generated articles and a few names spelled several ways -------------
# (each name after the first name the press gives it: the evidence that merges its spellings)

BASE_SIZE = max(2100, PARALLEL_THRESHOLD + 100)


def base_articles() -> list[dict]:
    return [
        *generated_articles(BASE_SIZE),
        article("n-choigou", "Le ministre Sergueï Choïgou a présidé une réunion de l’état-major.", "Choïgou à Moscou"),
        article("n-shoigu", "Sergei Shoigu, le ministre russe de la Défense, inspecte les troupes.", "Shoigu au front"),
        article("n-choigu", "Le ministre Sergueï Choïgu répond aux questions des députés.", "Questions à Choïgu"),
        article("n-choigou-2", "Sergueï Choïgou reçoit son homologue biélorusse.", "Visite officielle"),
        article("n-tchoubarov", "Le gouverneur Oleg Tchoubarov inaugure une école.", "Une école à Tcheboksary"),
        article("n-choubarov", "Le gouverneur Oleg Choubarov visite un hôpital.", "Un hôpital rénové"),
    ]


REMOVED = {"g00000", "g00005", "n-shoigu", "n-choigou-2"}


def edited_articles(base: list[dict]) -> list[dict]:
    """Some articles changed (the first near the start, so that an update opens
    its writer early), some removed, some added, names among all three."""
    edited = [dict(a) for a in base if a["id"] not in REMOVED]
    for item in edited:
        if item["id"] == "g00001":
            item["body"] += f" Le mot {MARKER} apparaît ici aussi."
        elif item["id"] == "g00097":
            item["body"] = item["body"].replace(f" Le mot {MARKER} apparaît ici.", " Plus rien ici.")
        elif item["id"] == "n-tchoubarov":
            item["body"] += f" Tchoubarov promet un {MARKER} pour chaque village."
    return [
        *edited,
        article("n-shoygu", "Sergueï Shoygu passe les troupes en revue à Rostov.", "Shoygu à Rostov"),
        article("n-tchubarov", "Le gouverneur Oleg Tchubarov signe un accord de jumelage.", "Un jumelage"),
        *(article(f"x{i}", f"Le concert de xylophone numéro {i} a lieu au musée.", f"Concert {i}") for i in range(5)),
    ]


#: Every query gives fewer than 50 hits in every state (checked), so that the
#: hit lists compare whole; ties are ordered by id (a parallel rebuild numbers
#: the articles in no fixed order, but scores do not depend on it).
QUERIES = [
    "choïgou",
    "shoygu",
    "sergueï choïgou",
    "tchoubarov",
    MARKER,
    f"{MARKER} tchoubarov",
    f"{MARKER} choïgou",
    "xylophone",
    "id:g00005",
    "id:g00001",
]

CHOIGOU_BEFORE = {"n-choigou", "n-shoigu", "n-choigu", "n-choigou-2"}
CHOIGOU_AFTER = {"n-choigou", "n-choigu", "n-shoygu"}

# --- what the index answers -----------------------------------------------------------


@dataclass(frozen=True)
class State:
    answers: dict[str, tuple[int, tuple[tuple[str, float], ...]]]  #: query → (total, (id, score) sorted)
    articles: tuple[tuple[str, bytes], ...]  #: (id, content hash) of every live article

    def ids(self, query: str) -> set[str]:
        return {hit for hit, _ in self.answers[query][1]}


def observe(index_dir: Path) -> State:
    """What a fresh reader of ``index_dir`` sees."""
    answers = {}
    for query in QUERIES:
        result = search(index_dir, query, SearchOptions(limit=50))
        hits = tuple(sorted(((h.id, round(h.score, 6)) for h in result.hits), key=lambda h: (-h[1], h[0])))
        answers[query] = (result.total, hits)
    with open_live(index_dir) as index:
        articles = tuple(sorted(index.live_values("id", "hash")))
    return State(answers, articles)


def which(state: State, world: World, after: State) -> str:
    """'before' or 'after', failing with the queries that differ when ``state`` is neither."""
    if state == world.before:
        return "before"
    if state == after:
        return "after"

    def brief(answer: tuple[int, tuple[tuple[str, float], ...]]) -> str:
        total, hits = answer
        return f"{total} hits: " + ", ".join(f"{hit} {score:g}" for hit, score in hits[:5])

    lines = [
        f"{query!r}: now {brief(state.answers[query])}; before {brief(world.before.answers[query])}; "
        f"after {brief(after.answers[query])}"
        for query in QUERIES
        if state.answers[query] not in (world.before.answers[query], after.answers[query])
    ]
    mixed = [q for q in QUERIES if state.answers[q] == world.before.answers[q] != after.answers[q]]
    raise AssertionError(
        "the index answers neither as before nor as after; "
        f"stored articles as before: {state.articles == world.before.articles}, "
        f"as after: {state.articles == after.articles}; queries answered as before: {mixed}; "
        "queries answered as neither:\n" + "\n".join(lines)
    )


# --- the world: corpus, base index, the uninterrupted runs ------------------------------


@dataclass
class World:
    root: Path
    corpus: Path  #: holds the edited articles once the base index is built
    base: Path  #: the base index, never written after it is built
    before: State
    after_update: State
    after_rebuild: State
    update_trace: list[str]
    rebuild_trace: list[str]
    edited_count: int

    def copy(self, tmp_path: Path) -> Path:
        index_dir = tmp_path / "index"
        shutil.copytree(self.base, index_dir)
        return index_dir


def hooked(
    hook: Path, index_dir: Path, log: Path, args: list[str], fault: dict[str, str] | None = None
) -> subprocess.Popen:
    """The CLI with ``args``, under ``HOOK`` (written to the file ``hook``)."""
    env = {"FAULT_INDEX": str(index_dir), "FAULT_LOG": str(log), **(fault or {})}
    return spawn(*args, env=env, command=(str(hook),))


def read_log(log: Path) -> list[str]:
    return [line.split("\t", 2)[2] for line in log.read_text().splitlines()] if log.exists() else []


def index_args(corpus: Path, index_dir: Path, rebuild: bool, *extra: str) -> list[str]:
    return ["index", str(corpus), "--index", str(index_dir), *(["--rebuild"] if rebuild else []), *extra]


def uninterrupted(world_root: Path, base: Path, corpus: Path, rebuild: bool) -> tuple[State, list[str], dict]:
    """The update or rebuild run whole, under the hook: the state it leaves, its operations, its report."""
    kind = "rebuild" if rebuild else "update"
    index_dir = world_root / f"after-{kind}"
    shutil.copytree(base, index_dir)
    log = world_root / f"{kind}.log"
    proc = hooked(world_root / HOOK_FILE, index_dir, log, index_args(corpus, index_dir, rebuild, "--json"))
    try:
        out, err = finish(proc, 180)
    finally:
        kill_group(proc)
    assert proc.returncode == 0, err
    lines = log.read_text().splitlines()
    pids = {line.split("\t")[1] for line in lines}
    if rebuild:
        assert len(pids) >= 2, f"the rebuild did not run Whoosh's multiprocess writer:\n{log.read_text()}"
    return observe(index_dir), read_log(log), json.loads(out)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("faults")
    (root / HOOK_FILE).write_text(HOOK)
    base_items = base_articles()
    corpus = write_jsonl(root / "corpus.jsonl", base_items)
    base = root / "base"
    done = run_cli("index", str(corpus), "--index", str(base), "--json", timeout=180)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["documents"] == len(base_items) >= PARALLEL_THRESHOLD
    before = observe(base)
    edited = edited_articles(base_items)
    write_jsonl(corpus, edited)  # the same file: an update removes what it no longer holds
    after_update, update_trace, report = uninterrupted(root, base, corpus, rebuild=False)
    assert (report["mode"], report["added"], report["updated"], report["removed"]) == ("update", 7, 3, len(REMOVED))
    after_rebuild, rebuild_trace, report = uninterrupted(root, base, corpus, rebuild=True)
    assert (report["mode"], report["documents"]) == ("rebuild", len(edited))
    # The change is visible in the answers, and variant search works, in each state.
    assert before.ids("choïgou") == CHOIGOU_BEFORE
    assert after_update.ids("choïgou") == after_rebuild.ids("choïgou") == CHOIGOU_AFTER
    assert after_update.ids("tchoubarov") == {"n-tchoubarov", "n-choubarov", "n-tchubarov"}
    for state in (before, after_update, after_rebuild):
        assert all(total < 50 for total, _ in state.answers.values()), state.answers
    for after in (after_update, after_rebuild):
        changed = [q for q in QUERIES if before.answers[q] != after.answers[q]]
        assert len(changed) >= len(QUERIES) - 1, changed
        assert before.articles != after.articles
    assert {i for i, _ in after_update.articles} == {i for i, _ in after_rebuild.articles} == {a["id"] for a in edited}
    yield World(root, corpus, base, before, after_update, after_rebuild, update_trace, rebuild_trace, len(edited))


# --- stopping, killing, checking ----------------------------------------------------------


def freeze_at(proc: subprocess.Popen, log: Path, point: Point, timeout: float = 120) -> str:
    """Waits until the hook has stopped the run at ``point``; returns what it stopped at."""
    frozen = Path(f"{log}.frozen")
    deadline = time.monotonic() + timeout
    while True:
        if frozen.exists():
            processes = session_processes(proc.pid)
            if processes and all(state == "T" for state in processes.values()):
                return frozen.read_text().strip()
        if proc.poll() is not None:
            _, err = finish(proc, 30)
            raise AssertionError(
                f"the run ended (exit {proc.returncode}) before reaching {point.name!r}; "
                f"stderr: {err[-2000:]}; its operations:\n" + "\n".join(read_log(log))
            )
        assert time.monotonic() < deadline, f"the run did not reach {point.name!r} in {timeout}s"
        time.sleep(0.005)


def deliver(proc: subprocess.Popen, sig: signal.Signals) -> None:
    """Sends ``sig`` as a user would: SIGKILL and SIGTERM to the indexer (``kill``),
    SIGINT to its whole process group (Ctrl-C); then lets the stopped group run."""
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    if sig != signal.SIGKILL:
        os.killpg(proc.pid, signal.SIGCONT)


EXIT = {signal.SIGKILL: -signal.SIGKILL, signal.SIGTERM: 143, signal.SIGINT: 130}
SAYS = {signal.SIGTERM: "searchkit: terminated", signal.SIGINT: "searchkit: interrupted"}


def check_ended(proc: subprocess.Popen, sig: signal.Signals, stopped_at: str) -> str:
    """No process of the killed run's session survives it; returns its stderr."""
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the indexer did not end in 60s after {sig.name} ({stopped_at})") from None
    try:
        wait_for(lambda: not session_processes(proc.pid), 10, "every process of the killed run to end")
    except AssertionError:
        survivors = session_processes(proc.pid)
        kill_group(proc)
        raise AssertionError(
            f"processes of the run killed by {sig.name} ({stopped_at}) survive it: {survivors} (pid: state)"
        ) from None
    return finish(proc, 30)[1]


def check_exit(proc: subprocess.Popen, sig: signal.Signals, stopped_at: str, err: str, state: str) -> None:
    """The run's exit status says what happened: interrupted (130, 143) when
    the index is as before, 0 when its commit or swap was done."""
    if state == "after" and sig != signal.SIGKILL:
        assert proc.returncode == 0, (stopped_at, proc.returncode, err)
        assert err.strip().splitlines()[-1].startswith("searchkit: interrupted after the index was committed"), err
        return
    assert proc.returncode == EXIT[sig], (stopped_at, proc.returncode, err)
    if sig in SAYS:
        assert "Traceback" not in err, err
        assert err.strip().splitlines()[-1:] == [SAYS[sig]], (stopped_at, err)


def walk(root: Path) -> Iterator[str]:
    """Every file and folder under ``root`` (relative paths), tolerating ones that vanish meanwhile."""
    stack = [""]
    while stack:
        relative = stack.pop()
        try:
            with os.scandir(root / relative) as entries:
                for entry in entries:
                    path = f"{relative}{entry.name}"
                    yield path
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(path + "/")
                    except OSError:
                        pass
        except (FileNotFoundError, NotADirectoryError):
            continue


def kill_after_new_entries(proc: subprocess.Popen, root: Path, count: int, sig: signal.Signals) -> str:
    """Polls ``root`` and sends ``sig`` to the run right after the ``count``-th new
    file or folder appears; returns what appeared."""
    known = set(walk(root))
    seen: list[str] = []
    deadline = time.monotonic() + 120
    while proc.poll() is None:
        for path in walk(root):
            if path not in known:
                known.add(path)
                seen.append(path)
        if len(seen) >= count:
            os.kill(proc.pid, sig)
            return f"after {count} new entries: {seen}"
        assert time.monotonic() < deadline, "the run did not end in 120s"
        time.sleep(0.001)
    finish(proc, 30)
    raise AssertionError(f"the run ended before {count} new entries appeared (saw {seen}): make the corpus bigger")


def check_no_leftovers(index_dir: Path) -> None:
    """(d): the live generation and at most its predecessor, and nothing of a
    killed writer in them or beside them; the previous commit's table of
    contents and segments stay, for searches still reading them
    (``whoosh_writing.clean_files_but_previous``)."""
    live = current_generation(index_dir)
    generations = sorted(p.name for p in index_dir.glob("gen-*"))
    older = [g for g in generations if g < live.name]
    assert set(generations) <= {live.name, *older[-1:]}, generations
    beside = {p.name for p in index_dir.iterdir()} - set(generations)
    assert beside == {CURRENT_FILE, LOCK_FILE}, beside
    ix = whoosh_index.open_dir(str(live))
    segments = {segment.segment_id() for segment in ix._segments()}
    commit = ix.latest_generation()
    tocs = {f"_MAIN_{commit}.toc", f"_MAIN_{commit - 1}.toc"}
    if (live / f"_MAIN_{commit - 1}.toc").exists():
        previous = whoosh_index.TOC.read(ix.storage, ix.indexname, commit - 1)
        segments |= {segment.segment_id() for segment in previous.segments}
    leftovers = []
    for entry in live.iterdir():
        name = entry.name
        if entry.is_dir():
            leftovers.append(name + "/")
        elif name in tocs or name in (
            "MAIN_WRITELOCK",
            META_FILE,
            VARIANTS_FILE,
            VOCABULARY_FILE,
            DUPLICATES_FILE,
            RECORD_FILE,
            *(path.name for path in [matrix_path(live)] if path is not None),
        ):
            continue
        elif name.split(".")[0] not in segments:  # a segment's files are named MAIN_<id>.<part>
            leftovers.append(name)
    assert leftovers == [], f"left in the live generation {live.name}: {leftovers}"
    with open_live(index_dir) as index:
        assert variants_current(index), "the name-variant table is not the live commit's"
        assert duplicates_current(index), "the near-duplicate groups are not the live commit's"
    assert read_meta(live).get("updated")


def check_recovers(world: World, index_dir: Path, rebuild: bool, state: str) -> None:
    """(c) and (d): the next run takes the lock at once, succeeds, and leaves the
    index answering exactly as after an uninterrupted run, with no leftovers."""
    after = world.after_rebuild if rebuild else world.after_update
    done = run_cli(*index_args(world.corpus, index_dir, rebuild, "--wait", "0", "--json"), timeout=180)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["documents"] == world.edited_count
    if not rebuild:
        counts = (report["mode"], report["added"], report["updated"], report["removed"])
        # An update killed before its commit is done again whole; one killed after it has nothing left to do.
        assert counts == (("update", 7, 3, len(REMOVED)) if state == "before" else ("update", 0, 0, 0)), report
    assert which(observe(index_dir), world, after) == "after"
    check_no_leftovers(index_dir)


def fault_run(
    world: World, tmp_path: Path, rebuild: bool, point: Point, sig: signal.Signals = signal.SIGKILL
) -> tuple[str, str]:
    """Runs the update or rebuild, stops it at ``point``, sends ``sig``; checks (a)
    and (b). Returns where it stopped and the state the index was left in."""
    index_dir = world.copy(tmp_path)
    log = tmp_path / "operations.log"
    trace = world.rebuild_trace if rebuild else world.update_trace
    args = index_args(world.corpus, index_dir, rebuild, "--quiet")
    proc = hooked(world.root / HOOK_FILE, index_dir, log, args, point.env(trace))
    try:
        stopped_at = freeze_at(proc, log, point)
        if point.name.startswith("writers-"):
            # Whoosh's writer processes are running: they must not outlive the indexer either.
            assert len(session_processes(proc.pid)) >= 3, (stopped_at, session_processes(proc.pid))
        deliver(proc, sig)
        err = check_ended(proc, sig, stopped_at)
    finally:
        kill_group(proc)
        finish(proc, 30)
    state = which(observe(index_dir), world, world.after_rebuild if rebuild else world.after_update)
    check_exit(proc, sig, stopped_at, err, state)
    return stopped_at, state


# --- the tests ------------------------------------------------------------------------------


#: The operations of an update are killed after in this many tests, one operation in so many each,
#: so that the test workers share them.
UPDATE_SHARES = 4


@pytest.mark.parametrize("share", range(UPDATE_SHARES))
def test_update_killed_right_after_each_of_its_file_operations(world, tmp_path, share):
    """SIGKILL right after each operation of an update in the index folder, one
    run each (an update's operations come in a fixed order)."""
    trace = world.update_trace
    (committed,) = [n for n, op in enumerate(trace, 1) if re.search(UPDATE_POINTS["toc"].pattern, op)]
    assert 5 < committed < len(trace), trace  # operations before and after the commit
    failures = []
    for number, operation in enumerate(trace, 1):
        if number % UPDATE_SHARES != share:
            continue
        folder = tmp_path / f"after-{number}"
        folder.mkdir()
        try:
            stopped_at, state = fault_run(world, folder, False, Point(f"after-{number}", "after", number=number))
            assert unrandomized(stopped_at.split(" ", 2)[2]) == unrandomized(operation), (stopped_at, operation)
            # Whoosh commits by renaming its table of contents: before it, nothing of the run is seen.
            assert state == ("after" if number >= committed else "before"), stopped_at
            check_recovers(world, folder / "index", rebuild=False, state=state)
        except AssertionError as error:
            failures.append(f"killed after operation {number} ({operation}): {error}")
    assert not failures, "\n".join(failures)


def unrandomized(operation: str) -> str:
    """An operation with the random parts of Whoosh's file names (segment ids, temporary suffixes) blanked."""
    return re.sub(r"[a-z0-9]{16,}|\d+(\.\d+)*", "#", operation)


UPDATE_CASES = [
    ("toc", signal.SIGKILL),
    ("writer-open", signal.SIGTERM),
    ("variants-temp", signal.SIGTERM),
    ("segment-files", signal.SIGINT),
    ("toc", signal.SIGINT),
]


@pytest.mark.parametrize(("point", "sig"), UPDATE_CASES, ids=[f"{p}-{s.name}" for p, s in UPDATE_CASES])
def test_update_killed_answers_as_before_or_after_and_the_next_run_finishes_it(world, tmp_path, point, sig):
    stopped_at, state = fault_run(world, tmp_path, False, UPDATE_POINTS[point], sig)
    # Whoosh commits by renaming its table of contents: before it, nothing of the run is seen.
    committed = point in ("toc", "variants-temp")
    assert state == ("after" if committed else "before"), stopped_at
    check_recovers(world, tmp_path / "index", rebuild=False, state=state)


REBUILD_CASES = [
    *((name, signal.SIGKILL) for name in REBUILD_POINTS),
    ("writers-middle", signal.SIGTERM),
    ("toc-temp", signal.SIGTERM),
    ("current-temp", signal.SIGTERM),
    ("writers-early", signal.SIGINT),
    # Right after the swap: the new generation is live, so the run says so (exit 0), not "interrupted".
    ("current", signal.SIGINT),
    ("current", signal.SIGTERM),
]


@pytest.mark.parametrize(("point", "sig"), REBUILD_CASES, ids=[f"{p}-{s.name}" for p, s in REBUILD_CASES])
def test_rebuild_killed_answers_as_before_or_after_and_the_next_run_finishes_it(world, tmp_path, point, sig):
    stopped_at, state = fault_run(world, tmp_path, True, REBUILD_POINTS[point], sig)
    # The rebuild is published by renaming CURRENT: before it, the live index is the old one.
    assert state == ("after" if point == "current" else "before"), stopped_at
    check_recovers(world, tmp_path / "index", rebuild=True, state=state)


@pytest.mark.parametrize(
    ("rebuild", "count"), [(False, 1), (True, 1), (True, 12)], ids=["update-1st", "rebuild-1st", "rebuild-12th"]
)
def test_run_killed_when_a_new_file_appears_answers_as_before_and_the_next_run_finishes_it(
    world, tmp_path, rebuild, count
):
    """The plain CLI, no hook: the folder is polled, and the run killed (SIGKILL,
    to the indexer alone) right after the ``count``-th new file or folder appears."""
    index_dir = world.copy(tmp_path)
    proc = spawn(*index_args(world.corpus, index_dir, rebuild, "--quiet"))
    try:
        stopped_at = kill_after_new_entries(proc, index_dir, count, signal.SIGKILL)
        check_ended(proc, signal.SIGKILL, stopped_at)
    finally:
        kill_group(proc)
        finish(proc, 30)
    after = world.after_rebuild if rebuild else world.after_update
    state = which(observe(index_dir), world, after)
    assert state == "before", stopped_at  # these points all come long before the commit
    check_recovers(world, index_dir, rebuild=rebuild, state=state)


def stale_table_spellings(generation: Path, key: str) -> set[str]:
    with sqlite3.connect(f"file:{generation / VARIANTS_FILE}?mode=ro", uri=True) as db:
        row = db.execute("SELECT spellings FROM variants WHERE key = ?", (key,)).fetchone()
    db.close()
    return set(row[0].split()) if row else set()


def test_update_killed_right_after_its_commit_still_finds_every_spelling(world, tmp_path):
    """kill -9 right after the update's new table of contents appears: its
    name-variant table is then one commit behind (it lacks Shoygu, a spelling
    the update added), and searches must not trust it; the next run, with
    nothing left to index, writes it anew."""
    tocs_before = {p.name for p in current_generation(world.base).glob("_MAIN_*.toc")}
    stopped_at, state = fault_run(world, tmp_path, False, UPDATE_POINTS["toc"], signal.SIGKILL)
    assert state == "after", stopped_at
    index_dir = tmp_path / "index"
    live = current_generation(index_dir)
    new_tocs = {p.name for p in live.glob("_MAIN_*.toc")} - tocs_before
    assert len(new_tocs) == 1, (tocs_before, new_tocs)
    key = name_key("shoygu")
    assert key == name_key("choigou") == name_key("shoigu")
    with open_live(index_dir) as index:
        assert not variants_current(index), "the update was stopped too late: its table is already written"
    assert "shoygu" not in stale_table_spellings(live, key)
    # Without another index run, every spelling still finds every other.
    for query in ("choïgou", "Choïgu", "shoigu", "shoygu", "Sergueï Choïgou"):
        found = {hit.id for hit in search(index_dir, query, SearchOptions(limit=50)).hits}
        assert found >= CHOIGOU_AFTER, (query, found)
        assert found.isdisjoint(REMOVED), (query, found)
    done = run_cli("search", "choigou", "--index", str(index_dir), "--json", "--limit", "50", timeout=60)
    assert done.returncode == 0, done.stderr
    assert {hit["id"] for hit in json.loads(done.stdout)["hits"]} >= CHOIGOU_AFTER
    # The next run has no article to write, and repairs the table.
    done = run_cli("index", str(world.corpus), "--index", str(index_dir), "--wait", "0", "--json", timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["added"], report["updated"], report["removed"], report["unchanged"]) == (0, 0, 0, world.edited_count)
    with open_live(index_dir) as index:
        assert variants_current(index)
    assert "shoygu" in stale_table_spellings(live, key)
    assert which(observe(index_dir), world, world.after_update) == "after"
    check_no_leftovers(index_dir)


def test_plain_index_run_after_a_rebuild_killed_while_publishing_leaves_nothing_behind(world, tmp_path):
    """A rebuild killed after writing ``.CURRENT.tmp`` but before renaming it;
    the next run is a plain ``searchkit index`` (an update of the old live index),
    which must remove the killed rebuild's leftovers, that file among them."""
    stopped_at, state = fault_run(world, tmp_path, True, REBUILD_POINTS["current-temp"], signal.SIGKILL)
    assert state == "before", stopped_at
    index_dir = tmp_path / "index"
    assert (index_dir / f".{CURRENT_FILE}.tmp").exists()
    done = run_cli("index", str(world.corpus), "--index", str(index_dir), "--wait", "0", "--json", timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["mode"] == "update"
    assert which(observe(index_dir), world, world.after_update) == "after"
    check_no_leftovers(index_dir)
