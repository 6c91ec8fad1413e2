"""Fixtures: real on-disk indexes of corpora the tests write, and of the bundled corpus.

Helpers the tests import live in ``helpers.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import BUNDLED_CORPUS, Indexed

from searchkit.indexing import build_index

# A server the developer runs (`searchkit serve`) answers no test's command:
# test_server.py turns it on, for servers of its own.
os.environ["SEARCHKIT_NO_SERVER"] = "1"


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
