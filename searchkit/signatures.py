"""Telling an unchanged corpus file by a ``stat``, without reading it.

A file's *signature* is its size, modification and change times (in
nanoseconds) and inode: rewriting a file changes its modification and change
times, replacing it by another (renamed over it) changes its inode, and
putting an old modification time back (``touch -d``, ``cp -p``, ``rsync -t``)
still changes its change time, which no program can set.

Each commit of ``searchkit index`` leaves, in its generation, a *file record*
(``files.json``): for every file the index holds articles of, their ids and,
when the file was read whole, the signature it had before it was read.  An
update skips a file whose signature is the recorded one.  What makes that safe:

- *racy files*, as git calls them: a file changed in the same clock tick as
  the ``stat`` that recorded it could change again, same size, in that tick,
  and keep its signature.  A signature is recorded only when both times are
  ``RACY_NS`` older than the scan (covering file systems with coarse clocks,
  FAT's two seconds the coarsest); a younger file, or one dated in the future
  (a clock ahead of this machine's), is read again by the next update;
- the record names the commit it was written for and is replaced atomically
  after it: a writer killed between its commit and its record, a record
  garbled, missing, of another format, or whose ids are not the index's
  articles, is not used, and the update compares every article as without it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .atomic import write_atomically

#: size, modification time, change time (ns), inode
Signature = tuple[int, int, int, int]

RECORD_FILE = "files.json"
RECORD_FORMAT = 1
#: A file changed less than this before it was scanned is read again by the next update.
RACY_NS = 2_000_000_000


def signature(path: str | Path) -> Signature | None:
    """The signature of ``path`` now; None when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def settled(sig: Signature, scanned_ns: int) -> bool:
    """Whether a file stat'ed at ``scanned_ns`` (this machine's clock, before
    the ``stat``) had not changed within ``RACY_NS`` of it, so that a later
    change cannot hide behind the same signature."""
    return max(sig[1], sig[2]) + RACY_NS <= scanned_ns


def file_key(path: str | Path) -> str:
    """How the record names a file: its absolute path, without resolving links
    (a stat a file is the cost to beat); a file named another way is read."""
    return os.path.abspath(path)


@dataclass
class FileRecord:
    """The files of one commit: file → ids of its articles, and the files that may be skipped."""

    commit: int
    ids: dict[str, list[str]] = field(default_factory=dict)
    signatures: dict[str, Signature] = field(default_factory=dict)

    def unchanged(self, key: str, sig: Signature | None) -> bool:
        return sig is not None and self.signatures.get(key) == sig

    @cached_property
    def owners(self) -> dict[str, str]:
        """Article id → the file it was read from."""
        return {article_id: key for key, ids in self.ids.items() for article_id in ids}


def read_record(generation: Path, commit: int, documents: int) -> FileRecord | None:
    """The generation's file record if it was written for ``commit`` and names
    ``documents`` articles; else None.  (That it names each article once is
    checked by the update that needs ``owners``.)"""
    record = FileRecord(commit)
    try:
        raw = json.loads((generation / RECORD_FILE).read_bytes())
        if raw.get("format") != RECORD_FORMAT or raw.get("commit") != commit:
            return None
        # A malformed signature is only one that no file has: the file is read.
        for key, ids, *sig in raw["files"]:
            if not isinstance(ids, list):
                return None
            record.ids[key] = ids
            if sig:
                record.signatures[key] = tuple(sig)
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    if sum(map(len, record.ids.values())) != documents:
        return None
    return record


def write_record(generation: Path, commit: int, owners: dict[str, str], signatures: dict[str, Signature]) -> None:
    """Replaces the generation's record, atomically, with the one of ``commit``:
    the files of ``owners`` (article id → file) and of ``signatures`` (those
    that may be skipped, holding articles or not), ``[file, ids, *signature]`` each."""
    ids: dict[str, list[str]] = {key: [] for key in signatures}
    for article_id, key in owners.items():
        ids.setdefault(key, []).append(article_id)
    files = [[key, held, *signatures.get(key, ())] for key, held in ids.items()]
    record = {"format": RECORD_FORMAT, "commit": commit, "files": files}
    write_atomically(generation / RECORD_FILE, json.dumps(record).encode())
