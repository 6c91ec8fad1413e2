"""Output that cannot be written: a full disk under stdout, a stdout closed before searchkit started.

Each is the real CLI as a subprocess.  What the command did stands (an index
written stays written, a search found what it found), and the user gets one
line, ``cannot write the output``, and exit 4: never an internal error (70),
never the interpreter's 120, and never an alert marked as read that no one read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import article, one_error_line, write_jsonl

from searchkit.indexing import build_index

ARTICLES = [
    article(str(n), f"Le ministre Choïgou parle du budget numéro {n}.", date=f"2022-03-{n:02d}", source="Le Monde")
    for n in range(1, 13)
]


@pytest.fixture(scope="module")
def corpus_and_index(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("output")
    corpus = write_jsonl(root / "corpus.jsonl", ARTICLES)
    build_index([corpus], root / "index")
    return corpus, root / "index"


def run(args: list[str], stdout: str) -> subprocess.CompletedProcess:
    """The CLI with stdout on /dev/full ("full") or closed ("closed")."""
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [sys.executable, "-m", "searchkit", *args],
            stdin=subprocess.DEVNULL,
            stdout=full if stdout == "full" else None,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=(lambda: os.close(1)) if stdout == "closed" else None,
        )


COMMANDS = [
    ["search", "Choïgou"],
    ["search", "Choïgou", "--json"],
    ["search", "Choïgou", "--csv"],
    ["stats"],
    ["stats", "--json"],
    ["timeline", "Choïgou"],
    ["kwic", "Choïgou"],
    ["cooccur", "Choïgou"],
    ["names", "Choïgou"],
    ["check"],
]


@pytest.mark.parametrize("stdout", ["full", "closed"])
def test_output_that_cannot_be_written_is_exit_4_in_one_line(corpus_and_index, stdout):
    _, index_dir = corpus_and_index
    for args in COMMANDS:
        done = run([*args, "--index", str(index_dir)], stdout)
        assert done.returncode == 4, (args, done.stderr)
        assert "Traceback" not in done.stderr
        # (--csv notes first which hits it writes: the error is the last line)
        assert "searchkit: error: cannot write the output" in done.stderr.splitlines()[-1], args


def test_an_index_run_whose_report_cannot_be_written_still_commits(corpus_and_index, tmp_path):
    corpus, _ = corpus_and_index
    index_dir = tmp_path / "index"
    done = run(["index", str(corpus), "--index", str(index_dir), "--json"], "full")
    assert done.returncode == 4
    assert "cannot write the output" in one_error_line(done.stderr)
    shown = subprocess.run(
        [sys.executable, "-m", "searchkit", "stats", "--json", "--index", str(index_dir)],
        capture_output=True,
        text=True,
    )
    assert json.loads(shown.stdout)["documents"] == len(ARTICLES)


def test_alerts_that_could_not_be_printed_are_printed_again(corpus_and_index, tmp_path):
    corpus, _ = corpus_and_index
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    cli = [sys.executable, "-m", "searchkit"]
    assert subprocess.run([*cli, "watchlist", "add", "budget", "budget", "--index", str(index_dir)]).returncode == 0
    write_jsonl(corpus.with_name("more.jsonl"), [article("99", "Un nouveau budget.")])
    build_index([corpus, corpus.with_name("more.jsonl")], index_dir)
    failed = run(["alerts", "--index", str(index_dir)], "full")
    assert failed.returncode == 4
    again = subprocess.run([*cli, "alerts", "--json", "--index", str(index_dir)], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert [hit["id"] for alert in json.loads(again.stdout)["alerts"] for hit in alert["hits"]] == ["99"]
