"""Nothing lost, nothing wedged: each defect a tester found in the index life
cycle, reproduced on a fixture written here, through the real command line.

Numbers in the section titles are those of the reliability issue: a search
that wrote an index (1), damage taken for absence (2), unreadable input that
removed articles (3), a stale name-variant table (4), a full disk (5), writer
processes outliving a killed parent (6), a FIFO, ``--wait nan`` and Ctrl-C (7),
tracebacks instead of one line (8, 9), and what an article may weigh (12).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import (
    MARKER,
    SEED,
    article,
    finish,
    generated_articles,
    kill_group,
    one_error_line,
    open_live,
    run_cli,
    session_processes,
    spawn,
    wait_for,
    write_jsonl,
)

from searchkit.corpus import MAX_BODY_CHARS
from searchkit.generations import CURRENT_FILE, META_FILE, current_generation
from searchkit.indexing import build_index
from searchkit.lock import LOCK_FILE, is_locked
from searchkit.names.table import VARIANTS_FILE, variants_current
from searchkit.search import SearchOptions, search


def ids(index_dir: Path, query: str) -> list[str]:
    options = SearchOptions(limit=1000, suggest=False, match_all=True)
    return sorted(hit.id for hit in search(index_dir, query, options).hits)


def document_count(index_dir: Path) -> int:
    done = run_cli("stats", "--index", str(index_dir), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["documents"]


def news(count: int = 10, prefix: str = "") -> list[dict]:
    return [
        article(f"{prefix}{100 + i}", f"Le ministre parle de la réforme numéro {i} et du budget.", title=f"Réforme {i}")
        for i in range(count)
    ]


@pytest.fixture
def user_folder(tmp_path: Path) -> Path:
    """A working folder as a user has one: ./corpus with the seed article."""
    folder = tmp_path / "work"
    (folder / "corpus").mkdir(parents=True)
    shutil.copy(SEED, folder / "corpus")
    return folder


# --- 1. a search never writes an index it did not create --------------------------------


@pytest.mark.parametrize("how", ["option", "environment"])
def test_search_of_a_named_index_that_is_missing_builds_nothing(user_folder, how):
    named = user_folder / "typo-index"
    args = ["--index", str(named)] if how == "option" else []
    env = {"SEARCHKIT_INDEX": str(named)} if how == "environment" else {}

    done = run_cli("search", "choigu", *args, cwd=user_folder, env=env)

    assert done.returncode == 4
    assert "no index at" in one_error_line(done.stderr)
    assert not named.exists(), "nothing created where the search was pointed"
    assert not (user_folder / "index").exists(), "nor at ./index"


def test_search_during_a_build_of_a_named_index_never_writes_it(tmp_path, user_folder):
    corpus = write_jsonl(tmp_path / "big.jsonl", generated_articles(2100))
    named = tmp_path / "I"
    build = spawn("index", str(corpus), "--index", str(named), "--quiet")
    try:
        wait_for(lambda: is_locked(named), 60, "the build to take the lock")
        done = run_cli("search", "choigu", "--index", str(named), cwd=user_folder)
        assert done.returncode == 4, done.stderr
        assert "being built" in one_error_line(done.stderr) or "no index" in done.stderr
        finish(build, 180)
    finally:
        kill_group(build)
    assert build.returncode == 0
    assert document_count(named) == 2100, "the build was not replaced by ./corpus"


def test_first_search_waits_for_a_build_of_the_default_index_under_way(tmp_path, user_folder):
    corpus = write_jsonl(tmp_path / "big.jsonl", generated_articles(2100))
    build = spawn("index", str(corpus), "--quiet", cwd=user_folder)
    try:
        wait_for(lambda: is_locked(user_folder / "index"), 60, "the build to take the lock")
        done = run_cli(
            "search", MARKER, "--fields", "id", "--no-header", "--limit", "100", cwd=user_folder, timeout=180
        )
        finish(build, 180)
    finally:
        kill_group(build)
    assert done.returncode == 0, done.stderr
    assert "being built by another process: waiting" in done.stderr
    assert sorted(done.stdout.split()) == [f"g{i:05d}" for i in range(2100) if i % 97 == 0]
    assert document_count(user_folder / "index") == 2100


# --- 2. damage is reported, never rebuilt over -------------------------------------------


def _remove_toc(generation: Path) -> None:
    for toc in generation.glob("_MAIN_*.toc"):
        toc.unlink()


def _truncate(pattern: str, size: int):
    def damage(generation: Path) -> None:
        for path in generation.glob(pattern):
            os.truncate(path, size)

    return damage


def _garbage(pattern: str):
    def damage(generation: Path) -> None:
        for path in generation.glob(pattern):
            path.write_bytes(bytes(range(256)) * 8)

    return damage


def _remove_meta(generation: Path) -> None:
    (generation / META_FILE).unlink()


DAMAGES = {
    "toc-removed": _remove_toc,
    "toc-garbage": _garbage("_MAIN_*.toc"),
    "toc-truncated": _truncate("_MAIN_*.toc", 40),
    "postings-truncated": _truncate("*.pst", 100),
    "terms-truncated": _truncate("*.trm", 100),
    "stored-truncated": _truncate("*._stored.col", 50),
    "postings-garbage": _garbage("*.pst"),
    "build-facts-removed": _remove_meta,
}


@pytest.fixture(scope="module")
def healthy_index(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("healthy")
    corpus = write_jsonl(root / "news.jsonl", news(30))
    index_dir = root / "index"
    build_index([corpus], index_dir)
    return corpus, index_dir


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
@pytest.mark.parametrize(
    "command",
    [("search", "ministre"), ("show", "105", "--no-pager"), ("similar", "105"), ("stats",), ("index", "CORPUS")],
    ids=lambda c: c[0],
)
def test_a_damaged_index_is_exit_4_one_line_and_left_for_rebuild(tmp_path, healthy_index, user_folder, damage, command):
    corpus, healthy = healthy_index
    index_dir = user_folder / "index"  # the default index, with ./corpus beside it
    shutil.copytree(healthy, index_dir)
    live = current_generation(index_dir)
    damage(live)
    before = sorted(p.name for p in live.iterdir())

    args = [str(corpus) if a == "CORPUS" else a for a in command]
    done = run_cli(*args, cwd=user_folder)

    assert done.returncode == 4, (done.stdout, done.stderr)
    line = one_error_line(done.stderr)
    assert "damaged" in line and "searchkit index --rebuild" in line
    assert current_generation(index_dir) == live, "not rebuilt from ./corpus"
    assert sorted(p.name for p in live.iterdir()) == before


def test_rebuild_repairs_a_damaged_index(tmp_path, healthy_index):
    corpus, healthy = healthy_index
    index_dir = tmp_path / "index"
    shutil.copytree(healthy, index_dir)
    _remove_toc(current_generation(index_dir))

    done = run_cli("index", str(corpus), "--index", str(index_dir), "--rebuild")

    assert done.returncode == 0, done.stderr
    assert document_count(index_dir) == 30


def test_current_naming_no_generation_is_damage(tmp_path, healthy_index):
    _, healthy = healthy_index
    index_dir = tmp_path / "index"
    shutil.copytree(healthy, index_dir)
    (index_dir / CURRENT_FILE).write_text("../../etc")

    done = run_cli("search", "ministre", "--index", str(index_dir))

    assert done.returncode == 4
    assert "damaged" in one_error_line(done.stderr)


def test_a_bug_is_one_internal_error_line_not_a_damaged_index(tmp_path, healthy_index, monkeypatch):
    """Only what Whoosh or the file system raise is taken for damage."""
    from typer.testing import CliRunner

    from searchkit import search as search_module
    from searchkit.cli import app

    _, healthy = healthy_index

    def broken(*args, **kwargs):
        raise TypeError("a bug")

    monkeypatch.setattr(search_module, "_ranked", broken)
    result = CliRunner().invoke(app, ["search", "ministre", "--index", str(healthy)])

    assert result.exit_code == 70
    assert "internal error: TypeError: a bug" in result.output
    assert "damaged" not in result.output


# --- 3. unreadable input never removes indexed articles ------------------------------------


def test_truncated_gzip_keeps_the_articles_after_the_damage(tmp_path):
    records = [article(str(1000 + i), f"Le mot{i} et la réforme {i}. " * 20) for i in range(2000)]
    corpus = tmp_path / "news.jsonl.gz"
    corpus.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    corpus.write_bytes(corpus.read_bytes()[: corpus.stat().st_size // 2])

    done = run_cli("index", str(corpus), "--index", str(index_dir), "--json")

    assert done.returncode == 3
    report = json.loads(done.stdout)
    assert report["removed"] == 0
    assert report["kept"] > 0
    assert report["documents"] == 2000
    assert ids(tmp_path / "index", "mot1999") == ["2999"], "the last article, after the damage, is still found"


def test_a_rejected_line_keeps_the_articles_earlier_copy(tmp_path):
    corpus = write_jsonl(tmp_path / "news.jsonl", news(5))
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    lines = corpus.read_text().splitlines()
    lines[2] = lines[2][:-5]  # cut: no longer valid JSON
    corpus.write_text("\n".join(lines) + "\n")

    done = run_cli("index", str(corpus), "--index", str(index_dir), "--json")

    assert done.returncode == 3
    assert json.loads(done.stdout)["removed"] == 0
    assert ids(index_dir, "numéro 2") == ["102"]


def indexed_folder(tmp_path: Path, files: dict[str, list[dict]], then_remove: str) -> tuple[Path, Path]:
    """A corpus folder of ``files`` (name → articles), indexed; then the file ``then_remove`` is deleted."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, articles in files.items():
        write_jsonl(folder / name, articles)
    index_dir = tmp_path / "index"
    build_index([folder], index_dir)
    (folder / then_remove).unlink()
    return folder, index_dir


def test_an_update_from_an_empty_folder_is_refused_and_removes_nothing(tmp_path):
    folder, index_dir = indexed_folder(tmp_path, {"news.jsonl": news(20)}, then_remove="news.jsonl")

    done = run_cli("index", str(folder), "--index", str(index_dir))

    assert done.returncode == 5
    line = one_error_line(done.stderr)
    assert "20 of the 20" in line and "--allow-shrink" in line
    assert document_count(index_dir) == 20


def test_an_update_that_would_remove_most_articles_is_refused_unless_allowed(tmp_path):
    files = {"a.jsonl": news(4, "a"), "b.jsonl": news(16, "b")}
    folder, index_dir = indexed_folder(tmp_path, files, then_remove="b.jsonl")

    refused = run_cli("index", str(folder), "--index", str(index_dir))
    allowed = run_cli("index", str(folder), "--index", str(index_dir), "--allow-shrink", "--json")

    assert refused.returncode == 5
    assert "16 of the 20" in one_error_line(refused.stderr)
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["removed"] == 16
    assert document_count(index_dir) == 4


def test_a_file_removed_from_a_folder_removes_its_articles(tmp_path):
    files = {"a.jsonl": news(16, "a"), "b.jsonl": news(4, "b")}
    folder, index_dir = indexed_folder(tmp_path, files, then_remove="b.jsonl")

    done = run_cli("index", str(folder), "--index", str(index_dir), "--json")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["removed"] == 4
    assert document_count(index_dir) == 16


def test_an_update_from_another_file_keeps_the_articles_it_did_not_read(tmp_path):
    first = write_jsonl(tmp_path / "first.jsonl", news(10, "a"))
    second = write_jsonl(tmp_path / "second.jsonl", news(3, "b"))
    index_dir = tmp_path / "index"
    build_index([first], index_dir)

    done = run_cli("index", str(second), "--index", str(index_dir), "--json")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["added"], report["removed"], report["kept"]) == (3, 0, 10)
    assert document_count(index_dir) == 13


# --- 4. the name-variant table never silently falls out of step ----------------------------------


VARIANT_NEWS = [
    article("1", "Le vice-Premier ministre Tchoubarov est arrivé à Moscou."),
    article("2", "Choubarov a rencontré le président."),
    article("3", "Le ministre parle du budget."),
]


def stale_variant_table(tmp_path: Path) -> tuple[Path, Path, Path]:
    """An index updated with a fourth spelling of Tchoubarov, whose variant table
    is then put back as it was before, as a writer killed after its commit leaves
    it: (corpus, index folder, live generation)."""
    corpus = write_jsonl(tmp_path / "news.jsonl", VARIANT_NEWS)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    generation = current_generation(index_dir)
    stale = (generation / VARIANTS_FILE).read_bytes()
    write_jsonl(corpus, [*VARIANT_NEWS, article("4", "Chubarov, vu par la presse anglaise.")])
    build_index([corpus], index_dir)
    (generation / VARIANTS_FILE).write_bytes(stale)
    return corpus, index_dir, generation


def test_a_stale_or_missing_variant_table_still_finds_every_spelling(tmp_path):
    _, index_dir, generation = stale_variant_table(tmp_path)

    assert ids(index_dir, "Tchoubarov") == ["1", "2", "4"]
    (generation / VARIANTS_FILE).unlink()
    assert ids(index_dir, "Tchoubarov") == ["1", "2", "4"]
    (generation / VARIANTS_FILE).write_bytes(b"not a database" * 100)
    assert ids(index_dir, "Tchoubarov") == ["1", "2", "4"]


def test_a_no_op_update_repairs_a_stale_variant_table(tmp_path):
    corpus, index_dir, _ = stale_variant_table(tmp_path)

    done = run_cli("index", str(corpus), "--index", str(index_dir), "--json")

    assert done.returncode == 0 and json.loads(done.stdout)["unchanged"] == 4
    with open_live(index_dir) as index:
        assert variants_current(index)


# --- 5. a full disk ------------------------------------------------------------------------------


@contextlib.contextmanager
def small_file_system(tmp_path: Path, megabytes: int) -> Iterator[Path]:
    mount = tmp_path / "fs"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not permitted'}): needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(mount: Path, leave: int) -> Path:
    """A file filling ``mount`` up to ``leave`` bytes of free space."""
    filler = mount / "filler"
    free = shutil.disk_usage(mount).free
    with open(filler, "wb") as handle:
        handle.write(b"\0" * max(free - leave, 0))
    return filler


def _check_left_as_it_was(done, index_dir: Path, before: list[str], count: int) -> None:
    assert done.returncode == 4, (done.stdout, done.stderr)
    line = one_error_line(done.stderr)
    assert "cannot write" in line and "No space left on device" in line
    assert document_count(index_dir) == count
    assert ids(index_dir, MARKER) == before
    generations = sorted(p.name for p in index_dir.glob("gen-*"))
    assert generations == [current_generation(index_dir).name], "no half-built generation left to fill the disk"


@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "parallel"])
def test_a_rebuild_on_a_full_disk_leaves_the_index_and_the_next_run_succeeds(tmp_path, parallel):
    with small_file_system(tmp_path, 24) as mount:
        small = write_jsonl(tmp_path / "small.jsonl", generated_articles(300))
        big = write_jsonl(tmp_path / "big.jsonl", generated_articles(2600 if parallel else 1500))
        index_dir = mount / "index"
        build_index([small], index_dir)
        before = ids(index_dir, MARKER)
        filler = fill(mount, 2_000_000)

        done = run_cli("index", str(big), "--index", str(index_dir), "--rebuild", timeout=180)

        _check_left_as_it_was(done, index_dir, before, 300)
        filler.unlink()
        again = run_cli("index", str(big), "--index", str(index_dir), "--rebuild", "--wait", "0", timeout=180)
        assert again.returncode == 0, again.stderr
        assert document_count(index_dir) == (2600 if parallel else 1500)


def test_an_update_on_a_full_disk_leaves_the_index_and_no_stray_segment(tmp_path):
    with small_file_system(tmp_path, 24) as mount:
        articles = generated_articles(1800)
        small = write_jsonl(tmp_path / "news.jsonl", articles[:300])
        index_dir = mount / "index"
        build_index([small], index_dir)
        before = ids(index_dir, MARKER)
        live = current_generation(index_dir)
        files = sorted(p.name for p in live.iterdir())
        filler = fill(mount, 600_000)
        write_jsonl(small, articles)

        done = run_cli("index", str(small), "--index", str(index_dir), timeout=180)

        _check_left_as_it_was(done, index_dir, before, 300)
        assert sorted(p.name for p in live.iterdir()) == files, "the failed segments were removed"
        filler.unlink()
        again = run_cli("index", str(small), "--index", str(index_dir), "--wait", "0", timeout=180)
        assert again.returncode == 0, again.stderr
        assert document_count(index_dir) == 1800


def test_a_file_size_limit_fails_the_write_in_one_line(tmp_path):
    """Where no tmpfs can be mounted: a process may write no file over 64 KB
    (RLIMIT_FSIZE), so segment files fail as on a full disk."""
    articles = generated_articles(600)
    corpus = write_jsonl(tmp_path / "news.jsonl", articles[:20])
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    before = ids(index_dir, MARKER)
    write_jsonl(corpus, articles)

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    for args in ([], ["--rebuild"]):
        done = subprocess.run(
            [sys.executable, "-m", "searchkit", "index", str(corpus), "--index", str(index_dir), *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            preexec_fn=limit_file_size,
            timeout=120,
        )
        assert done.returncode == 4, done.stderr
        assert "cannot write" in one_error_line(done.stderr)
        assert document_count(index_dir) == 20
        assert ids(index_dir, MARKER) == before


# --- 6. writer processes never outlive their parent, nor hold its lock ----------------------------


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "term"])
def test_a_killed_parallel_rebuild_leaves_no_process_and_no_lock(tmp_path, sig):
    corpus = write_jsonl(tmp_path / "big.jsonl", generated_articles(2400))
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    live = current_generation(index_dir)
    build = spawn("index", str(corpus), "--index", str(index_dir), "--rebuild", "--quiet")
    try:
        wait_for(lambda: len(session_processes(build.pid)) >= 3, 60, "the writer processes to start")
        os.kill(build.pid, sig)
        finish(build, 60)
        wait_for(lambda: not session_processes(build.pid), 10, "every process of the rebuild to end")
    finally:
        kill_group(build)

    started = time.monotonic()
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--wait", "0", "--json")
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 60
    assert json.loads(done.stdout)["unchanged"] == 2400
    assert current_generation(index_dir) == live
    if sig == signal.SIGTERM:
        assert build.returncode == 143


#: A parent that takes the writer lock and forks a child, which would sleep for ever; a thread
#: of the parent loads libraries all the while, as Whoosh's queue threads run beside a fork.
#: With a delay, a hook registered before searchkit's (hooks run in that order) holds the child
#: that long after the fork, before searchkit's hook runs: the parent is killed meanwhile.
FORK_UNDER_THE_LOCK = """
import ctypes, os, sys, threading, time
from pathlib import Path

delay = float(sys.argv[2])
if delay:
    os.register_at_fork(after_in_child=lambda: time.sleep(delay))
from searchkit.lock import writer_lock

def load():
    while True:
        ctypes.CDLL(None).getpid

threading.Thread(target=load, daemon=True).start()
with writer_lock(Path(sys.argv[1])):
    child = os.fork()
    if child == 0:
        time.sleep(float(sys.argv[3]))
        os._exit(0)
    print(child, flush=True)
    try:
        time.sleep(600)
    except KeyboardInterrupt:
        print("child exited", os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]), flush=True)
"""


@pytest.mark.parametrize("delay", ["0", "2"], ids=["at once", "killed before the child's hook ran"])
def test_a_child_forked_under_the_lock_dies_with_its_parent_and_leaves_the_lock_free(tmp_path, delay):
    parent = spawn("-c", FORK_UNDER_THE_LOCK, str(tmp_path / "index"), delay, "600", command=())
    try:
        child = int(parent.stdout.readline())
        assert child in session_processes(parent.pid)
        os.kill(parent.pid, signal.SIGKILL)
        finish(parent, 30)  # the child holds the pipes until it dies
        wait_for(lambda: not session_processes(parent.pid), 10, "the forked child to die with its parent")
    finally:
        kill_group(parent)
    assert not is_locked(tmp_path / "index")


def test_ctrl_c_while_a_child_forked_under_the_lock_starts_reaches_the_parent_alone(tmp_path):
    # Ctrl-C reaches the whole group while the child is still in the hooks that run before searchkit's
    parent = spawn("-c", FORK_UNDER_THE_LOCK, str(tmp_path / "index"), "2", "1", command=())
    try:
        int(parent.stdout.readline())
        time.sleep(0.5)  # the child is in the first hook, for 2 s
        os.killpg(parent.pid, signal.SIGINT)
        stdout, stderr = finish(parent, 30)
    finally:
        kill_group(parent)
    assert stdout.split() == ["child", "exited", "0"], stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr


# --- 7. nothing blocks for ever -----------------------------------------------------------------


def test_a_fifo_in_the_corpus_is_rejected_not_read(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_jsonl(folder / "news.jsonl", news(3))
    os.mkfifo(folder / "pipe.jsonl")
    os.mkfifo(tmp_path / "named.txt")

    for paths in ([str(folder)], [str(folder), str(tmp_path / "named.txt")]):
        done = run_cli("index", *paths, "--index", str(tmp_path / "index"), timeout=60)
        assert done.returncode == 3, done.stderr
        assert "not a regular file" in done.stderr
    assert document_count(tmp_path / "index") == 3


@pytest.mark.parametrize("wait", ["nan", "inf", "-1", "1e9"])
def test_a_wait_that_is_no_number_of_seconds_is_a_usage_error(tmp_path, wait):
    corpus = write_jsonl(tmp_path / "news.jsonl", news(3))

    done = run_cli("index", str(corpus), "--index", str(tmp_path / "index"), "--wait", wait, timeout=30)

    assert done.returncode == 2
    assert "--wait" in one_error_line(done.stderr)
    assert not (tmp_path / "index").exists()


@pytest.mark.parametrize("delay", [0.0, 0.5])
def test_ctrl_c_during_a_parallel_rebuild_exits_130_in_one_line(tmp_path, delay):
    corpus = write_jsonl(tmp_path / "big.jsonl", generated_articles(2400))
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    build = spawn("index", str(corpus), "--index", str(index_dir), "--rebuild", "--quiet")
    try:
        wait_for(lambda: len(session_processes(build.pid)) >= 2 or build.poll() is not None, 60, "writers")
        time.sleep(delay)
        os.killpg(build.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
        _, stderr = finish(build, 30)
        wait_for(lambda: not session_processes(build.pid), 10, "every process of the rebuild to end")
    finally:
        kill_group(build)
    assert build.returncode == 130, stderr
    assert one_error_line(stderr) == "searchkit: interrupted"
    assert not is_locked(index_dir)
    assert document_count(index_dir) == 2400


#: ``python -m searchkit ARGS`` with a signal raised while the first writer process is forked,
#: from a hook that runs before searchkit's own (hooks run in the reverse order of their making).
SIGNAL_DURING_A_FORK = """
import os, runpy, signal, sys
import searchkit.lock
sig, forks = int(sys.argv[1]), []
def signal_the_first_fork():
    if not forks:
        forks.append(1)
        signal.raise_signal(sig)
os.register_at_fork(before=signal_the_first_fork)
sys.argv = ["searchkit", *sys.argv[2:]]
runpy.run_module("searchkit", run_name="__main__")
"""


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_a_writer_process_is_forked_stops_the_rebuild(tmp_path, sig, code):
    # Python drops what a fork hook raises: the signal's exception was lost there, the rebuild ran on to exit 0
    corpus = write_jsonl(tmp_path / "big.jsonl", generated_articles(2400))
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    before = current_generation(index_dir)
    build = spawn(
        "-c",
        SIGNAL_DURING_A_FORK,
        str(int(sig)),
        "index",
        str(corpus),
        "--index",
        str(index_dir),
        "--rebuild",
        "--quiet",
        command=(),
    )
    try:
        _, stderr = finish(build, 60)
        wait_for(lambda: not session_processes(build.pid), 10, "every process of the rebuild to end")
    finally:
        kill_group(build)
    assert build.returncode == code, stderr
    assert one_error_line(stderr).startswith("searchkit: ")
    assert not is_locked(index_dir)
    assert current_generation(index_dir) == before
    assert document_count(index_dir) == 2400


# --- 8. damaged places: one line, not a traceback -------------------------------------------------


def test_an_index_that_is_a_file_is_one_line(tmp_path):
    corpus = write_jsonl(tmp_path / "news.jsonl", news(3))
    not_a_folder = tmp_path / "index"
    not_a_folder.write_text("oops")

    for args in (["index", str(corpus)], ["search", "ministre"], ["stats"]):
        done = run_cli(*args, "--index", str(not_a_folder))
        assert done.returncode == 4, done.stderr
        one_error_line(done.stderr)


def test_a_lock_that_is_a_folder_is_one_line(tmp_path, healthy_index):
    corpus, healthy = healthy_index
    index_dir = tmp_path / "index"
    shutil.copytree(healthy, index_dir)
    (index_dir / LOCK_FILE).unlink(missing_ok=True)
    (index_dir / LOCK_FILE).mkdir()

    done = run_cli("index", str(corpus), "--index", str(index_dir))

    assert done.returncode == 4
    assert "cannot write index" in one_error_line(done.stderr)
    assert run_cli("search", "ministre", "--index", str(index_dir)).returncode == 0


def test_an_index_on_a_read_only_file_system_answers_searches_and_refuses_writes(tmp_path):
    with small_file_system(tmp_path, 8) as mount:
        corpus = write_jsonl(tmp_path / "news.jsonl", news(10))
        index_dir = mount / "index"
        build_index([corpus], index_dir)
        remount = subprocess.run(["mount", "-o", "remount,ro", str(mount)], capture_output=True, text=True)
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remount.stderr.strip()}")

        found = run_cli("search", "ministre", "--index", str(index_dir), "--fields", "id", "--no-header")
        update = run_cli("index", str(corpus), "--index", str(index_dir))

        assert found.returncode == 0, found.stderr
        assert len(found.stdout.split()) == 10
        assert update.returncode == 4
        assert "Read-only file system" in one_error_line(update.stderr)


# --- 9. hostile JSON lines are one rejected line each ---------------------------------------------


def test_deep_nesting_and_lone_surrogates_are_rejected_lines(tmp_path):
    corpus = tmp_path / "news.jsonl"
    good = [json.dumps(a) for a in news(3)]
    corpus.write_text(
        "\n".join(
            [
                good[0],
                "[" * 200_000 + "]" * 200_000,
                '{"id": "7", "title": "x", "body": "un \\ud800 seul"}',
                '{"id": "8\\udfff", "title": "x", "body": "y"}',
                '{"id": ' + "9" * 5000 + ', "title": "x", "body": "y"}',
                good[1],
                good[2],
            ]
        )
        + "\n"
    )

    done = run_cli("index", str(corpus), "--index", str(tmp_path / "index"), "--json")

    assert done.returncode == 3, done.stderr
    rejected = json.loads(done.stdout)["rejected"]
    assert [r["line"] for r in rejected] == [2, 3, 4, 5]
    assert "nested too deep" in rejected[0]["reason"]
    assert "surrogate" in rejected[1]["reason"] and "surrogate" in rejected[2]["reason"]
    assert "Traceback" not in done.stderr
    assert document_count(tmp_path / "index") == 3


# --- 12. what an article may weigh ----------------------------------------------------------------


def test_an_oversized_article_is_truncated_with_a_warning(tmp_path):
    body = ("Le ministre annonce la réforme du budget. " * 80_000) + "Le mot final zorglub."
    corpus = write_jsonl(tmp_path / "news.jsonl", [article("1", body), *news(2)])
    index_dir = tmp_path / "index"

    done = run_cli("index", str(corpus), "--index", str(index_dir), "--json")
    shown = run_cli("show", "1", "--index", str(index_dir), "--json")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["documents"] == 3
    assert "cut to" in report["truncated"][0]["reason"]
    assert "warning: truncated" in done.stderr
    assert MAX_BODY_CHARS - 200 <= len(json.loads(shown.stdout)["body"]) <= MAX_BODY_CHARS
    assert ids(index_dir, "zorglub") == [], "the part past the limit is not indexed"
    assert ids(index_dir, "réforme") == ["1", "100", "101"]


def test_an_overlong_json_line_is_rejected_and_its_neighbours_read(tmp_path, monkeypatch):
    from searchkit import corpus as corpus_module
    from searchkit.readers import jsonl

    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 10_000)
    corpus = write_jsonl(tmp_path / "news.jsonl", [news(1)[0], article("2", "mot " * 10_000), *news(2, "z")])
    rejected = []

    articles = list(corpus_module.read_corpus([corpus], rejected.append))

    assert [a.id for a in articles] == ["100", "z100", "z101"]
    assert [(r.line, r.reason.startswith("line too long")) for r in rejected] == [(2, True)]


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.jsonl", b""), ("plain.jsonl.gz", b'{"id": "1", "title": "Poutine", "body": "Poutine parle."}\n')],
)
def test_an_index_built_from_no_article_is_empty_and_takes_articles_later(tmp_path, name, content):
    nothing = tmp_path / name
    nothing.write_bytes(content)
    index_dir = tmp_path / "index"
    built = run_cli("index", str(nothing), "--index", str(index_dir), "--rebuild")
    assert built.returncode == 3, built.stderr  # the file is rejected: no article, no traceback
    assert "rejected" in built.stderr and "Traceback" not in built.stderr and "internal error" not in built.stderr
    searched = run_cli("search", "poutine", "--index", str(index_dir))
    assert searched.returncode == 1 and "0 articles" in searched.stdout, searched.stderr
    write_jsonl(tmp_path / "one.jsonl", [article("1", "Poutine parle.")])
    assert run_cli("index", str(tmp_path / "one.jsonl"), "--index", str(index_dir)).returncode == 0
    assert run_cli("search", "poutine", "--index", str(index_dir), "--json").returncode == 0
