"""``searchkit check``: verifying an index as ``git fsck`` and ``PRAGMA integrity_check`` do.

A search verifies what it reads whole (``engine.whoosh_checksums``); the
large files, read a block at a time, are only as good as the disk under
them.  ``check`` reads everything: the folder's ``CURRENT`` and build facts,
every file of the live generation against the size and checksum recorded at
its commit, and the vocabulary and name tables with SQLite's own check.
``--deep`` then reads the index as a search would, every article and every
posting list, and compares each article with the hash it was indexed with.

It never writes: a damaged index is reported (exit 4) and left for the user
to rebuild or restore.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from . import generations as g
from .engine import Engine, default_engine
from .errors import IndexUnavailable, NoIndex
from .models import CheckReport
from .names.table import VARIANTS_FILE
from .vocabulary import VOCABULARY_FILE

if TYPE_CHECKING:
    from .views import Progress


def check_index(
    index_dir: Path, *, deep: bool = False, engine: Engine | None = None, on_progress: Progress | None = None
) -> CheckReport:
    """Verifies the index at ``index_dir``; ``IndexUnavailable`` when there is
    none to verify, else a report whose ``problems`` are empty when it is whole."""
    engine = engine or default_engine()
    report = CheckReport(index_dir=str(index_dir), deep=deep)
    try:
        generation = g.current_generation(index_dir)
    except IndexUnavailable as error:
        report.problems.append(str(error))
        return report
    if generation is None:
        raise NoIndex(index_dir)
    report.generation = generation.name
    if not generation.is_dir():
        report.problems.append(f"{g.CURRENT_FILE} names {generation.name}, which is missing")
        return report
    facts = g.read_meta(generation)
    shape = g.malformed(facts) if facts else f"{g.META_FILE} is missing or unreadable"
    if shape:
        report.problems.append(shape)
        return report
    for key, value in g.versions().items():
        if facts.get(key) != value:
            report.problems.append(f"built with {key} {facts.get(key)}, this searchkit reads {value}: rebuild it")

    def on_file(name: str, size: int) -> None:
        report.files += 1
        report.bytes += size
        if on_progress is not None:
            on_progress("checking files (bytes)", report.bytes, total_bytes)

    total_bytes = sum(v for v in facts.get("files", {}).values() if isinstance(v, int))
    damage = engine.damage(generation, facts)
    if damage is not None:
        report.problems.append(damage)
    report.problems += engine.verify_files(generation, facts, on_file)
    for name in (VOCABULARY_FILE, VARIANTS_FILE):
        report.problems += _sqlite_problems(generation / name, quick=not deep)
    if deep and not report.problems:
        with engine.reading(index_dir), engine.open(generation) as index:
            read = index.verify_contents(
                None if on_progress is None else lambda d, t: on_progress("reading articles", d, t)
            )
        report.articles, report.postings = read.articles, read.postings
        report.problems += read.problems
    return report


def _sqlite_problems(path: Path, quick: bool) -> list[str]:
    """What SQLite's own check finds wrong with one of the generation's tables."""
    if not path.exists():
        return [f"{path.name} is missing (the next `searchkit index` writes it again)"]
    pragma = "quick_check" if quick else "integrity_check"
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            found = [row[0] for row in db.execute(f"PRAGMA {pragma}")]
    except sqlite3.Error as error:
        return [f"{path.name} is not a readable SQLite file ({error})"]
    return [] if found == ["ok"] else [f"{path.name}: {'; '.join(found[:3])}"]
