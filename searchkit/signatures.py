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
- *appends*: for a JSON Lines file read to its end, each line whole, the
  record also keeps its *end*: the size read, the lines it held, a hash of
  its last ``TAIL_BYTES``, and its inode.  A file grown since, same inode,
  with those bytes unchanged where they were, was appended to (a feed adding
  articles, a new gzip member): an update reads only the new end.  An edit
  before the end that also grows the file is not told from an append; a
  rewrite (a new inode, as editors and ``mv`` make) is read whole.  An end is
  kept for a racy file too, if it did not change while it was read: it is
  checked by those bytes, not by the ``stat`` a racy file cannot be trusted
  for (a cron job appending, then indexing at once, read its whole file at
  every run before);
- the record names the commit it was written for and is replaced atomically
  after it: a writer killed between its commit and its record, a record
  garbled, missing, of another format, or whose ids are not the index's
  articles, is not used, and the update compares every article as without it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .atomic import write_atomically

#: size, modification time, change time (ns), inode
Signature = tuple[int, int, int, int]

RECORD_FILE = "files.json"
RECORD_FORMAT = 2
#: A file changed less than this before it was scanned is read again by the next update.
RACY_NS = 2_000_000_000
#: The bytes before a JSON Lines file's recorded end that must be unchanged for a grown file to be an append.
TAIL_BYTES = 4096

#: size read, lines it held, hash of the ``TAIL_BYTES`` before that size, inode
End = tuple[int, int, str, int]


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


def tail_hash(path: str | Path, size: int) -> str | None:
    """The hash of the ``TAIL_BYTES`` of ``path`` before offset ``size``; None when unreadable."""
    try:
        with open(path, "rb") as handle:
            start = max(size - TAIL_BYTES, 0)
            handle.seek(start)
            tail = handle.read(size - start)
    except OSError:
        return None
    return hashlib.blake2b(tail, digest_size=16).hexdigest() if len(tail) == size - start else None


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
    ends: dict[str, End] = field(default_factory=dict)

    def unchanged(self, key: str, sig: Signature | None) -> bool:
        return sig is not None and self.signatures.get(key) == sig

    def appended(self, path: str | Path, sig: Signature | None) -> End | None:
        """Where to read ``path`` from, when it only grew since its recorded end (see the module's doc)."""
        key = file_key(path)
        end = self.ends.get(key)
        if sig is None or end is None or sig[3] != end[3] or sig[0] <= end[0]:
            return None
        return end if tail_hash(path, end[0]) == end[2] else None

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
        for key, (size, lines, tail, inode) in raw.get("ends", {}).items():
            if all(isinstance(n, int) for n in (size, lines, inode)) and isinstance(tail, str):
                record.ends[key] = (size, lines, tail, inode)
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    if sum(map(len, record.ids.values())) != documents:
        return None
    return record


def write_record(
    generation: Path,
    commit: int,
    owners: dict[str, str],
    signatures: dict[str, Signature],
    ends: dict[str, End] | None = None,
) -> None:
    """Replaces the generation's record, atomically, with the one of ``commit``:
    the files of ``owners`` (article id → file) and of ``signatures`` (those
    that may be skipped, holding articles or not), ``[file, ids, *signature]``
    each, and the ``ends`` of those an update may read from their end."""
    ids: dict[str, list[str]] = {key: [] for key in signatures}
    for article_id, key in owners.items():
        ids.setdefault(key, []).append(article_id)
    files = [[key, held, *signatures.get(key, ())] for key, held in ids.items()]
    kept_ends = {key: list(end) for key, end in (ends or {}).items() if key in ids}
    record = {"format": RECORD_FORMAT, "commit": commit, "files": files, "ends": kept_ends}
    write_atomically(generation / RECORD_FILE, json.dumps(record).encode())
