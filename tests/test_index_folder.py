"""A hostile index folder: files removed by hand, links planted, foreign files where searchkit writes.

Each test damages a real index the way a sync tool, a clean-up script or
another program would, then runs the real CLI as a subprocess: the articles
stay, nothing outside the index is written, and the user gets one line that
says how to recover, with exit 4.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from helpers import article, one_error_line, run_cli, write_jsonl

from searchkit.generations import CURRENT_FILE, current_generation
from searchkit.lock import LOCK_FILE

ARTICLES = [
    article(str(n), f"Le ministre Choïgou parle du budget numéro {n}.", date=f"2022-03-{n:02d}", source="Le Monde")
    for n in range(1, 21)
]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """An index of twenty articles, built once by the CLI, which each test copies."""
    root = tmp_path_factory.mktemp("template")
    write_jsonl(root / "corpus.jsonl", ARTICLES)
    done = run_cli("index", str(root / "corpus.jsonl"), "--index", str(root / "index"))
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def built(template: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(corpus, index) of the twenty articles, the test's own copy."""
    corpus = write_jsonl(tmp_path / "corpus.jsonl", ARTICLES)
    index_dir = tmp_path / "index"
    shutil.copytree(template / "index", index_dir, symlinks=True)
    return corpus, index_dir


def hits(index_dir: Path, query: str = "Choïgou") -> int:
    done = run_cli("search", query, "--index", str(index_dir), "--json", "--limit", "1")
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)["total"]


def test_a_missing_current_is_damage_not_an_empty_index(built, tmp_path):
    corpus, index_dir = built
    generation = current_generation(index_dir)
    (index_dir / CURRENT_FILE).unlink()
    other = write_jsonl(tmp_path / "other.jsonl", [article("99", "Autre chose.")])

    for args in (("index", str(other)), ("index", str(corpus)), ("search", "Choïgou"), ("stats",)):
        done = run_cli(*args, "--index", str(index_dir))
        assert done.returncode == 4, (args, done.stdout, done.stderr)
        line = one_error_line(done.stderr)
        assert f"echo {generation.name} >" in line and "CURRENT is missing" in line
        assert generation.is_dir(), f"{args} removed the generation that holds the articles"

    # The advice works: the articles were all kept.
    (index_dir / CURRENT_FILE).write_text(generation.name)
    assert hits(index_dir) == 20


@pytest.mark.parametrize("content", ["", "gen-000009", "garbage\n"])
def test_current_naming_no_generation_keeps_every_generation(built, content):
    corpus, index_dir = built
    generation = current_generation(index_dir)
    (index_dir / CURRENT_FILE).write_text(content)
    done = run_cli("index", str(corpus), "--index", str(index_dir))
    assert done.returncode == 4
    assert "damaged" in one_error_line(done.stderr)
    assert generation.is_dir()


def test_rebuild_after_current_vanished_builds_anew_and_cleans_up(built):
    corpus, index_dir = built
    (index_dir / CURRENT_FILE).unlink()
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--rebuild")
    assert done.returncode == 0, done.stderr
    assert hits(index_dir) == 20


def test_a_first_build_killed_before_its_facts_is_not_mistaken_for_an_index(tmp_path):
    """Generations without build facts are leftovers, not articles to keep."""
    corpus = write_jsonl(tmp_path / "corpus.jsonl", ARTICLES)
    index_dir = tmp_path / "index"
    (index_dir / "gen-000001").mkdir(parents=True)
    (index_dir / "gen-000001" / "_MAIN_0.toc").write_bytes(b"half")
    done = run_cli("index", str(corpus), "--index", str(index_dir))
    assert done.returncode == 0, done.stderr
    assert hits(index_dir) == 20
    assert sorted(p.name for p in index_dir.glob("gen-*")) == [current_generation(index_dir).name]
    assert not (current_generation(index_dir) / "_MAIN_0.toc").exists()


def test_a_lock_file_that_is_a_link_is_refused_and_its_target_untouched(built, tmp_path):
    corpus, index_dir = built
    victim = tmp_path / "victim.txt"
    victim.write_text("precious data")
    (index_dir / LOCK_FILE).unlink()
    (index_dir / LOCK_FILE).symlink_to(victim)
    for args in (("index", str(corpus)), ("index", str(corpus), "--rebuild")):
        done = run_cli(*args, "--index", str(index_dir))
        assert done.returncode == 4
        assert "symbolic link" in one_error_line(done.stderr)
        assert victim.read_text() == "precious data"
    assert hits(index_dir) == 20  # searches take no lock: they still answer


def test_a_dangling_lock_link_creates_nothing_at_its_target(built, tmp_path):
    corpus, index_dir = built
    target = tmp_path / "elsewhere" / "created-by-searchkit"
    target.parent.mkdir()
    (index_dir / LOCK_FILE).unlink()
    (index_dir / LOCK_FILE).symlink_to(target)
    assert run_cli("index", str(corpus), "--index", str(index_dir)).returncode == 4
    assert not target.exists()


def test_a_foreign_lock_file_is_left_as_it_is(tmp_path):
    """A folder given as --index that already holds another program's ``.lock``."""
    corpus = write_jsonl(tmp_path / "corpus.jsonl", ARTICLES)
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / LOCK_FILE).write_text('{"lockfileVersion": 3, "packages": {}}\n')
    done = run_cli("index", str(corpus), "--index", str(folder))
    assert done.returncode == 4
    assert "not searchkit's lock file" in one_error_line(done.stderr)
    assert (folder / LOCK_FILE).read_text() == '{"lockfileVersion": 3, "packages": {}}\n'
    assert not (folder / CURRENT_FILE).exists()


def test_temporary_files_planted_as_links_are_replaced_not_followed(built, tmp_path):
    corpus, index_dir = built
    victim = tmp_path / "victim.txt"
    victim.write_text("precious data")
    for name in (f".{CURRENT_FILE}.tmp", "gen-000001/.searchkit.json.tmp", "gen-000001/.files.json.tmp"):
        (index_dir / name).unlink(missing_ok=True)
        (index_dir / name).symlink_to(victim)
    write_jsonl(corpus, [*ARTICLES, article("21", "Choïgou encore.")])
    for args in (("index", str(corpus)), ("index", str(corpus), "--rebuild")):
        done = run_cli(*args, "--index", str(index_dir))
        assert done.returncode == 0, done.stderr
    assert victim.read_text() == "precious data"
    assert hits(index_dir) == 21
    assert not any(p.is_symlink() for p in index_dir.rglob("*")), "a planted link was left in the index"


# --- same-size damage: checksums -------------------------------------------------------


def scribble(path: Path) -> None:
    """Random bytes over part of a file, its size unchanged: what a bad block does."""
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.seek(size // 3)
        handle.write(os.urandom(max(1, min(64, size // 3))))


def segment_file(index_dir: Path, suffix: str) -> Path:
    return next(p for p in current_generation(index_dir).iterdir() if p.name.endswith(suffix))


@pytest.mark.parametrize(
    ("suffix", "command"),
    [
        ("._body_len.col", ("search", "Choïgou")),
        ("._title_len.col", ("search", "article")),
        (".date.col", ("stats",)),
        (".date.col", ("timeline", "Choïgou")),
        (".source_name.col", ("stats",)),
        (".toc", ("search", "Choïgou")),
    ],
)
def test_random_bytes_in_a_column_are_damage_never_a_wrong_answer(built, suffix, command):
    _, index_dir = built
    scribble(segment_file(index_dir, suffix))
    done = run_cli(*command, "--index", str(index_dir))
    assert done.returncode == 4, (done.stdout, done.stderr)
    assert "checksum" in one_error_line(done.stderr)


def test_check_finds_same_size_damage_in_every_file(built):
    _, index_dir = built
    suffixes = (".pst", ".trm", "._stored.col", ".structure.col", ".id.col", ".hash.col")
    for suffix in suffixes:
        scribble(segment_file(index_dir, suffix))
    done = run_cli("check", "--index", str(index_dir), "--json")
    assert done.returncode == 4
    report = json.loads(done.stdout)
    assert not report["healthy"]
    for suffix in suffixes:
        assert any(suffix in problem and "checksum" in problem for problem in report["problems"]), (suffix, report)


def test_deep_check_reads_every_article_and_finds_what_the_checksums_missed(built):
    """Damage that came before the checksums were taken (a bug, a bad write
    cache) passes ``check``; ``check --deep`` reads the articles themselves."""
    _, index_dir = built
    healthy = json.loads(run_cli("check", "--deep", "--index", str(index_dir), "--json").stdout)
    assert healthy["healthy"] and healthy["articles"] == 20 and healthy["postings"] > 100
    stored = segment_file(index_dir, "._stored.col")
    scribble(stored)
    meta_path = current_generation(index_dir) / "searchkit.json"
    meta = json.loads(meta_path.read_text())
    meta["checksums"][stored.name] = zlib.crc32(stored.read_bytes())
    meta_path.write_text(json.dumps(meta))
    assert run_cli("check", "--index", str(index_dir)).returncode == 0
    done = run_cli("check", "--deep", "--index", str(index_dir))
    assert done.returncode == 4, done.stdout
    assert "damaged" in done.stdout


def test_check_of_a_folder_without_an_index_says_so(tmp_path):
    done = run_cli("check", "--index", str(tmp_path / "none"))
    assert done.returncode == 4
    assert "no index" in one_error_line(done.stderr)
    assert not (tmp_path / "none").exists()


# --- a healthy index is never called damaged ---------------------------------------------


def test_too_few_open_files_is_said_as_such_never_damage(built):
    """Under ``ulimit -n N``: whatever N, an answer or one line saying what ran
    out, and never the advice to rebuild a healthy index."""
    corpus, index_dir = built

    def limited(n: int):
        return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))

    # Two commits: an update then lists two tables of contents, which Whoosh, out of descriptors, took for none.
    write_jsonl(corpus, [*ARTICLES, article("21", "Choïgou encore.")])
    assert run_cli("index", str(corpus), "--index", str(index_dir)).returncode == 0
    write_jsonl(corpus, [*ARTICLES, article("21", "Choïgou encore."), article("22", "Choïgou toujours.")])
    refused = 0
    for n in (6, 7, 8, 10, 12, 13):
        for args in (("search", "Choïgou"), ("index", str(corpus))):
            done = subprocess.run(
                [sys.executable, "-m", "searchkit", *args, "--index", str(index_dir)],
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                preexec_fn=limited(n),
            )
            if done.returncode != 0:
                assert done.returncode == 4, (n, args, done.stderr)
                line = one_error_line(done.stderr)
                assert "Too many open files" in line and "ulimit" in line, line
                assert "is damaged" not in line and "--rebuild" not in line, line
                refused += 1
    assert refused, "no limit was low enough to test anything"
    assert hits(index_dir) in (21, 22)


# --- hand edits and odd files the hostile sweep (bench/sweep.py) tried ---------------------


def test_a_lost_table_of_contents_is_damage_not_the_older_commit_beside_it(built):
    corpus, index_dir = built
    write_jsonl(corpus, [*ARTICLES, article("21", "Choïgou encore.")])
    assert run_cli("index", str(corpus), "--index", str(index_dir)).returncode == 0
    tocs = sorted(current_generation(index_dir).glob("_MAIN_*.toc"))
    assert len(tocs) == 2, "an update keeps the previous commit's table of contents"
    tocs[-1].unlink()
    for args in (("search", "Choïgou"), ("stats",)):
        done = run_cli(*args, "--index", str(index_dir))
        assert done.returncode == 4, (args, done.stdout)
        assert "table of contents" in one_error_line(done.stderr)


@pytest.mark.parametrize(
    "edit",
    [
        lambda facts: facts.update(files=list(facts["files"])),
        lambda facts: facts.pop("files"),
        lambda facts: facts["files"].update({next(iter(facts["files"])): "12"}),
        lambda facts: facts.update(commit="1"),
        lambda facts: facts.update(checksums=[1, 2]),
    ],
    ids=["files-a-list", "files-missing", "size-a-string", "commit-a-string", "checksums-a-list"],
)
def test_build_facts_of_the_wrong_shape_are_damage_and_a_rebuild_repairs_them(built, edit):
    corpus, index_dir = built
    meta_path = current_generation(index_dir) / "searchkit.json"
    facts = json.loads(meta_path.read_text())
    edit(facts)
    meta_path.write_text(json.dumps(facts))
    for args in (("search", "Choïgou"), ("check",)):
        done = run_cli(*args, "--index", str(index_dir))
        assert done.returncode == 4, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr + done.stdout
    assert "searchkit.json" in run_cli("check", "--index", str(index_dir)).stdout
    assert run_cli("index", str(corpus), "--index", str(index_dir), "--rebuild").returncode == 0
    assert hits(index_dir) == 20


def test_current_that_is_a_fifo_is_damage_never_a_hang(built):
    _, index_dir = built
    (index_dir / CURRENT_FILE).unlink()
    os.mkfifo(index_dir / CURRENT_FILE)
    done = run_cli("search", "Choïgou", "--index", str(index_dir), timeout=30)
    assert done.returncode == 4
    assert "not a regular file" in one_error_line(done.stderr)


@pytest.mark.parametrize("taken_by", ["file", "link"])
def test_a_generation_name_taken_by_a_file_or_link_is_skipped_by_a_rebuild(built, tmp_path, taken_by):
    corpus, index_dir = built
    outside = tmp_path / "outside.txt"
    outside.write_text("not searchkit's")
    taken = index_dir / "gen-000002"
    if taken_by == "file":
        taken.write_text("x")
    else:
        taken.symlink_to(outside)
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--rebuild")
    assert done.returncode == 0, done.stderr
    assert current_generation(index_dir).name == "gen-000003"
    assert outside.read_text() == "not searchkit's"
    assert hits(index_dir) == 20


#: Runs ``searchkit --version`` with a Ctrl-C delivered while the command line is being
#: imported (when it imports Typer): Python's own start-up, before searchkit runs, is not ours.
INTERRUPTED_WHILE_IMPORTING = """
import builtins, os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even under nohup
real_import = builtins.__import__
def interrupting_import(name, *args, **kwargs):
    if name == "typer":
        os.kill(os.getpid(), signal.SIGINT)
    return real_import(name, *args, **kwargs)
builtins.__import__ = interrupting_import
sys.argv = ["searchkit", "--version"]
from searchkit.__main__ import run
run()
"""


def test_ctrl_c_while_searchkit_is_still_starting_is_one_line_never_a_traceback():
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_WHILE_IMPORTING], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 130, done.stderr
    assert one_error_line(done.stderr) == "searchkit: interrupted"


def test_current_that_is_a_folder_is_refused_by_a_rebuild_in_one_line(built):
    corpus, index_dir = built
    (index_dir / CURRENT_FILE).unlink()
    (index_dir / CURRENT_FILE).mkdir()
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--rebuild")
    assert done.returncode == 4
    assert "is a folder" in one_error_line(done.stderr)
    (index_dir / CURRENT_FILE).rmdir()
    assert run_cli("index", str(corpus), "--index", str(index_dir), "--rebuild").returncode == 0
    assert hits(index_dir) == 20


def test_kwic_finds_damage_before_it_prints_anything(built):
    """A concordance streams, so it finds its first line before writing a
    byte: a damaged length column is one error line, not half a JSON document."""
    _, index_dir = built
    scribble(segment_file(index_dir, "._body_len.col"))
    done = run_cli("kwic", "Choïgou", "--json", "--index", str(index_dir))
    assert done.returncode == 4
    assert done.stdout == ""
    assert "checksum" in one_error_line(done.stderr)


@pytest.mark.parametrize("inside", [".", "index"], ids=["the corpus folder itself", "a folder of the corpus"])
def test_an_index_kept_in_its_corpus_folder_is_not_read_as_articles(tmp_path, inside):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_jsonl(corpus / "news.jsonl", ARTICLES)
    index_dir = corpus / inside

    for _ in range(2):  # the build, then an update that walks the folder with the index in it
        done = run_cli("index", str(corpus), "--index", str(index_dir), "--json")

        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["documents"] == 20 and report["skipped"] == 0
