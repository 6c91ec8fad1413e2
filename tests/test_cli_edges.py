"""The command line's rough edges (issue 22), each as a user meets it: output
to a file or a pipe, a reader that goes away, the pager, the output options
every listing shares, numbers and words, help text, ids in a concordance.

Each runs the real CLI: Typer's CliRunner, a subprocess, or a subprocess on
a pseudo-terminal where a terminal is what the behaviour is about.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import article, run_cli, write_jsonl

from searchkit.indexing import build_index

LONG_TITLE = "Le ministre Choïgou " + " ".join(f"mot{n}" for n in range(40))
LONG_BODY = " ".join(["La mobilisation partielle annoncée par Choïgou se poursuit dans les régions."] * 60)
ARTICLES = [
    article("long-1", LONG_BODY, title=LONG_TITLE, date="2022-09-21", source="Le Monde"),
    article("court", "Choïgou parle.", title="Court", date="2022-09-22", source="AFP"),
    *(
        article(f"n{n}", f"Choïgou et le budget numéro {n}.", date=f"2022-03-{n:02d}", source="AFP")
        for n in range(1, 13)
    ),
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No colour, width, pager or index settings leak in from the developer's shell."""
    for name in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "COLUMNS", "LINES", "SEARCHKIT_INDEX"):
        monkeypatch.delenv(name, raising=False)
    for name in ("PAGER", "SEARCHKIT_PAGER", "LESS", "LV"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("edges")
    build_index([write_jsonl(root / "news.jsonl", ARTICLES)], root / "index")
    return root / "index"


# --- 2. a file, a pipe or a log gets whole lines ---------------------------------------------


def test_search_into_a_file_keeps_each_line_whole(index_dir, tmp_path):
    with open(tmp_path / "f.txt", "w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "searchkit", "search", "choïgou", "--index", str(index_dir), "-n", "1"],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "f.txt").read_text().splitlines()
    assert f"  1. {LONG_TITLE}" in lines  # the title on one line, not folded
    (facts,) = [line for line in lines if "id long-1" in line]
    assert "· score " in facts and facts.rstrip()[-1].isdigit()  # "score" beside its value
    assert max(len(line) for line in lines) > 200  # the snippet whole, not cut either


def test_show_into_a_pipe_is_the_article_unboxed_and_unwrapped(index_dir):
    done = run_cli("show", "long-1", "--index", str(index_dir))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == LONG_TITLE
    assert LONG_BODY in lines
    assert "│" not in done.stdout and "╭" not in done.stdout


def test_the_index_summary_in_a_log_is_one_line(tmp_path):
    corpus = write_jsonl(tmp_path / "news.jsonl", ARTICLES)
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 4, "index")
    done = run_cli("index", str(corpus), "--index", str(deep))
    assert done.returncode == 0, done.stderr
    (summary,) = done.stderr.splitlines()
    assert summary.startswith("rebuild: ") and f"in {deep} (" in summary
