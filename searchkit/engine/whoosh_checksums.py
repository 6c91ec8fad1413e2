"""Checksums of a generation's Whoosh files: recorded at each commit, verified when read.

A file damaged in place, same size (a bad sector, a sync tool writing the
wrong block, a stray ``dd``), is not found by its size, and Whoosh reads it
without complaint: random bytes in a length column change every score, in
the date or id column every count.  Each commit therefore records the CRC32
of each of its files beside their sizes (``searchkit.json``), and:

- every *column file* but the stored articles (lengths, ids, dates, sources,
  hashes, stamps, sentence structure: the values that become scores, counts
  and filters) and the table of contents are verified whole the first time a
  process opens them, so damage there is ``IndexDamaged`` (exit 4), never a
  wrong answer.  They weigh a few bytes an article: verifying them costs a
  small part of the search that opens them (``bench/``);
- the large files (postings, terms, stored articles), read a block at a time
  where a query needs them, are verified whole by ``searchkit check``.
  Damage in them that Whoosh trips over is ``IndexDamaged`` too
  (``whoosh_engine.reading``).

A Whoosh segment's files are written once and never changed, under names no
other segment uses, so a checksum stays true of its file name for as long as
the file exists: an update carries the sums of the segments it keeps and
computes only those of the files it wrote.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

from whoosh.filedb.filestore import FileStorage

from ..errors import IndexDamaged
from ..generations import REPAIR

_CHUNK = 1 << 20
#: The column that holds the stored articles: large, and read an article at a time.
_STORED_COLUMN = "._stored.col"


def crc32_of(path: Path) -> int:
    """The CRC32 of a file, read in chunks."""
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def checksums(generation: Path, sizes: dict[str, int], previous: dict) -> dict[str, int]:
    """The CRC32 of each file of ``sizes``, those of ``previous`` facts reused
    for files of the same name and size (a segment's files never change)."""
    known = previous.get("checksums") if isinstance(previous.get("checksums"), dict) else {}
    before = previous.get("files") if isinstance(previous.get("files"), dict) else {}
    return {
        name: known[name] if name in known and before.get(name) == size else crc32_of(generation / name)
        for name, size in sizes.items()
    }


def verified_on_open(name: str) -> bool:
    """Whether a file is verified whole when a process first opens it."""
    return name.endswith(".toc") or (name.endswith(".col") and not name.endswith(_STORED_COLUMN))


class VerifyingStorage(FileStorage):
    """Whoosh's file storage, verifying each file ``verified_on_open`` against
    its recorded checksum the first time it is opened."""

    def __init__(self, folder: Path, recorded: dict[str, int]) -> None:
        super().__init__(str(folder), readonly=True)
        self._recorded = recorded
        self._verified: set[str] = set()

    def open_file(self, name, **kwargs):
        if name not in self._verified and name in self._recorded and verified_on_open(name):
            check_file(Path(self.folder), name, self._recorded[name])
            self._verified.add(name)
        return super().open_file(name, **kwargs)


def check_file(generation: Path, name: str, expected: int) -> None:
    """``IndexDamaged`` unless ``name`` has the checksum recorded for it."""
    if crc32_of(generation / name) != expected:
        raise IndexDamaged(
            f"index {generation.parent} is damaged ({name} does not have the checksum recorded at its commit): {REPAIR}"
        )


def verify_all(generation: Path, facts: dict, on_file: Callable[[str, int], None] | None = None) -> list[str]:
    """Every file the facts record, checked for presence, size and checksum;
    returns what is wrong, one line a file.  ``on_file`` hears each file's name
    and size as it is read (for progress)."""
    problems = []
    sizes = facts.get("files") if isinstance(facts.get("files"), dict) else {}
    sums = facts.get("checksums") if isinstance(facts.get("checksums"), dict) else {}
    if not sums:
        problems.append(
            "no checksums recorded (built by an earlier searchkit: the next `searchkit index` records them)"
        )
    for name, size in sorted(sizes.items()):
        path = generation / name
        if on_file is not None:
            on_file(name, size)
        try:
            actual = path.stat().st_size
            if actual != size:
                problems.append(f"{name} has {actual:,} bytes, {size:,} expected")
            elif name in sums and crc32_of(path) != sums[name]:
                problems.append(f"{name} does not have the checksum recorded at its commit")
        except FileNotFoundError:
            problems.append(f"{name} is missing")
        except OSError as error:
            problems.append(f"{name} cannot be read: {error.strerror or error}")
    return problems
