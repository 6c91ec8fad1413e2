"""The name-variant table: from a name key to the spellings of it that the index holds.

The ``title`` and ``body`` fields index names as spellings (``^choigou``,
``^shoigu``); a query for any of them must search all of them.  Computing the key of every spelling at
query time would mean reading the whole field's vocabulary, so the table is
written once after each commit into the index generation, as a small SQLite
file: one row a key that has a spelling other than the key itself.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .analysis import SPELLING_MARK, light_stem, name_key

VARIANTS_FILE = "variants.sqlite"


def _spelling_groups(reader) -> dict[str, str]:
    """Name key → its spellings (space-separated) for every key with a spelling other than itself."""
    spellings: dict[str, set[str]] = {}
    for fieldname in ("title", "body"):
        for term in reader.expand_prefix(fieldname, SPELLING_MARK):
            spelling = term.decode("utf-8")[len(SPELLING_MARK) :]
            spellings.setdefault(name_key(spelling), set()).add(spelling)
    return {key: " ".join(sorted(group)) for key, group in spellings.items() if group != {key}}


def write_variants(reader, generation: Path) -> int:
    """Writes the table for the name spellings that ``reader`` holds; returns its row count.

    The table is stamped with the reader's commit (its Whoosh generation): a
    writer killed between its commit and this table leaves a stamp that no
    longer matches, which readers detect (and the next ``index`` run repairs).
    """
    rows = _spelling_groups(reader)
    temp = generation / f".{VARIANTS_FILE}.tmp"
    temp.unlink(missing_ok=True)
    with sqlite3.connect(temp) as db:
        db.execute("CREATE TABLE variants (key TEXT PRIMARY KEY, spellings TEXT NOT NULL) WITHOUT ROWID")
        db.executemany("INSERT INTO variants VALUES (?, ?)", rows.items())
        db.execute("CREATE TABLE stamp (commit_generation INTEGER NOT NULL)")
        db.execute("INSERT INTO stamp VALUES (?)", (reader.generation(),))
    db.close()
    temp.replace(generation / VARIANTS_FILE)
    return len(rows)


def variants_current(generation: Path, reader) -> bool:
    """Whether the generation's table was written for the commit ``reader`` reads."""
    return _open_table(generation / VARIANTS_FILE, reader) is not None


def _open_table(path: Path, reader) -> sqlite3.Connection | None:
    """The table at ``path`` when it is whole and stamped for ``reader``'s commit; else None."""
    if not path.is_file():
        return None
    db = None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        stamp = db.execute("SELECT commit_generation FROM stamp").fetchone()
        if stamp is not None and stamp[0] == reader.generation():
            return db
    except sqlite3.Error:
        pass
    if db is not None:
        db.close()
    return None


class Variants:
    """Looks up the spellings that share a word's name key.

    Without a table (``path`` None) a word's variants are the word and its key,
    which is what the table would say for a name seen in one spelling.  A
    table that is missing, damaged or stamped for another commit is not
    trusted: the groups are then read from the index itself, in memory, slower
    but never wrong.

    With an index ``reader``, only spellings that the index holds *as names*
    are returned: written with a capital in at least half of the articles that
    hold the word.  "Guerre" opens many sentences, but guerre is no name, and
    its key must not pull in "Gère"; Poutine and Shoigu are capitalised
    wherever they appear.
    """

    def __init__(self, path: Path | None = None, reader=None) -> None:
        self._db = _open_table(path, reader) if path is not None and reader is not None else None
        self._groups = _spelling_groups(reader) if path is not None and reader is not None and self._db is None else {}
        self._reader = reader
        self._known: dict[str, set[str]] = {}  # a query compiles a word several times

    @classmethod
    def of_index(cls, ix, reader=None) -> Variants:
        """The table of an open Whoosh index (it lives in the same folder)."""
        return cls(Path(ix.storage.folder) / VARIANTS_FILE, reader)

    def spellings(self, folded: str) -> set[str]:
        """``folded`` and the other spellings with the same name key."""
        if folded not in self._known:
            self._known[folded] = self._lookup(folded)
        return set(self._known[folded])

    def _lookup(self, folded: str) -> set[str]:
        key = name_key(folded)
        found = {folded, key}
        if self._db is not None:
            row = self._db.execute("SELECT spellings FROM variants WHERE key = ?", (key,)).fetchone()
            if row:
                found.update(row[0].split())
        elif key in self._groups:
            found.update(self._groups[key].split())
        if self._reader is None:
            return found
        if not self._is_name(folded) and self._frequency(light_stem(folded)):
            return {folded}
        return {s for s in found if s == folded or self._is_name(s)}

    def _is_name(self, spelling: str) -> bool:
        capitalised = self._frequency(SPELLING_MARK + spelling)
        return capitalised > 0 and 2 * capitalised >= self._frequency(light_stem(spelling))

    def _frequency(self, term: str) -> int:
        return self._reader.doc_frequency("body", term) + self._reader.doc_frequency("title", term)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
