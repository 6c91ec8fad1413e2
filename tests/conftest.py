"""Shared fixtures: corpora written by the tests, real on-disk indexes, the shared data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from searchkit.indexing import build_index
from searchkit.search import SearchOptions, SearchResult, search

REPO = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = REPO / "corpus"
SEED = BUNDLED_CORPUS / "347229279346511.txt"
SHARED = REPO.parent / "shared"
SHARED_CORPORA = SHARED / "corpora"


def requires_shared(*parts: str) -> Path:
    """The path under ../shared, or skip the test: a user's clone has no ../shared."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs ../shared/{'/'.join(parts)} beside the repository (absent in a user's clone)")
    return path


def write_jsonl(path: Path, articles: Iterable[dict]) -> Path:
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    return path


def article(id: str, body: str, title: str = "", **extra) -> dict:
    """A JSONL article; the title defaults to a neutral one that matches nothing."""
    return {"id": id, "title": title or f"Article {id}", "body": body, **extra}


class Indexed:
    """A real on-disk index built from articles the test wrote."""

    def __init__(self, root: Path, articles: list[dict]) -> None:
        self.corpus = write_jsonl(root / "corpus.jsonl", articles)
        self.dir = root / "index"
        self.report = build_index([self.corpus], self.dir)

    def search(self, text: str, **options) -> SearchResult:
        return search(self.dir, text, SearchOptions(**options))

    def ids(self, text: str, **options) -> list[str]:
        return [hit.id for hit in self.search(text, **options).hits]


@pytest.fixture
def make_index(tmp_path: Path) -> Callable[[list[dict]], Indexed]:
    counter = iter(range(1000))

    def make(articles: list[dict]) -> Indexed:
        root = tmp_path / f"ix{next(counter)}"
        root.mkdir()
        return Indexed(root, articles)

    return make


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """An index of the bundled corpus (seed article and samples)."""
    index_dir = tmp_path_factory.mktemp("seed") / "index"
    build_index([BUNDLED_CORPUS], index_dir)
    return index_dir


def run_cli(
    *args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """``python -m searchkit ARGS`` as a real subprocess, with no terminal and no stdin."""
    return subprocess.run(
        [sys.executable, "-m", "searchkit", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
