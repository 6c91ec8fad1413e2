"""What people expect of a command-line tool: --version, shell completion,
FORCE_COLOR/CLICOLOR_FORCE, long titles wrapped under themselves; and a real
corpus out of the box."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest
from helpers import BUNDLED_CORPUS, article, on_terminal, run_cli

ESC = "\x1b["


def test_version():
    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout == f"searchkit {version('searchkit')}\n"


def test_shell_completion():
    script = shutil.which("searchkit")
    if script is None:
        pytest.skip("the searchkit script is not installed on PATH")
    # Typer detects the shell from the process tree unless told not to, and under nohup or `&` the tree
    # may hold none: the shell is named here, as a user installing completion for another shell does.
    named = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    shown = subprocess.run([script, "--show-completion", "bash"], capture_output=True, text=True, timeout=60, env=named)
    assert shown.returncode == 0, shown.stderr
    assert "complete -o default -F _searchkit_completion searchkit" in shown.stdout
    env = {**os.environ, "_SEARCHKIT_COMPLETE": "complete_bash", "COMP_WORDS": "searchkit index --w", "COMP_CWORD": "2"}
    completed = subprocess.run([script], capture_output=True, text=True, env=env, timeout=60)
    assert completed.returncode == 0 and completed.stdout.split() == ["--wait", "--watch"]


@pytest.mark.parametrize(
    ("env", "styled"),
    [
        ({"FORCE_COLOR": "1"}, True),
        ({"CLICOLOR_FORCE": "1"}, True),
        ({"CLICOLOR_FORCE": "0"}, False),
        ({"FORCE_COLOR": ""}, False),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        ({}, False),
    ],
)
def test_forced_colour(seed_index, env, styled):
    clean = {"NO_COLOR": "", "FORCE_COLOR": "", "CLICOLOR_FORCE": "", "TERM": "xterm-256color"}
    done = run_cli("search", "choigu", "--index", str(seed_index), env={**clean, **env})
    assert done.returncode == 0, done.stderr
    assert (ESC in done.stdout) is styled
    never = run_cli("search", "choigu", "--index", str(seed_index), "--color", "never", env={**clean, **env})
    assert ESC not in never.stdout


def test_a_long_title_wraps_under_itself_on_a_terminal(make_index):
    """(Off a terminal, lines are written whole: tests/test_cli_edges.py.)"""
    title = "Un titre très long " + " ".join(f"mot{i}" for i in range(40))
    indexed = make_index([article("1", "Le corps parle de zorglub et encore de zorglub.", title=title)])
    code, shown = on_terminal("search", "zorglub", "--index", str(indexed.dir), env={"NO_COLOR": "1"})
    assert code == 0
    lines = shown.decode().replace("\r\n", "\n").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  1. Un titre très long"))
    block = lines[start : lines.index("", start) if "" in lines[start:] else None]
    assert len(block) >= 4  # the title took two lines or more, then the facts and a snippet
    assert all(line.startswith("     ") and line[5] != " " for line in block[1:])
    assert all(len(line) <= 80 for line in block)
    assert " ".join(line.strip() for line in block).startswith("1. " + title)


def test_the_bundled_corpus_holds_real_news(tmp_path: Path):
    """The README's first command, on a fresh clone: the bundled corpus, indexed on the way, finds real articles."""
    shutil.copytree(BUNDLED_CORPUS, tmp_path / "corpus")
    done = run_cli("search", "Poutine", "--json", "--limit", "50", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)["hits"]
    wikinews = [h for h in hits if h["id"].startswith("winer-")]
    assert len(wikinews) >= 5
    assert all(h["url"].startswith("https://fr.wikinews.org/") for h in wikinews)
    stats = json.loads(run_cli("stats", "--json", cwd=tmp_path).stdout)
    assert stats["documents"] > 1191


def test_the_bundled_corpus_credits_wikinews():
    readme = (BUNDLED_CORPUS / "README.md").read_text(encoding="utf-8")
    for needed in (
        "wikinews-fr.jsonl.gz",
        "French Wikinews",
        "Wikinews contributors",
        "Creative Commons Attribution 2.5",
        "https://creativecommons.org/licenses/by/2.5/",
    ):
        assert needed in readme
    assert not list(BUNDLED_CORPUS.glob("*lemonde*"))
