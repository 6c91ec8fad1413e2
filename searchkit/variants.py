"""The name-variant table: from a name key to the spellings of it that the index holds.

The ``title`` and ``body`` fields index names as spellings (``^choigou``,
``^shoigu``); a query for any of them must search all of them.  Computing the key of every spelling at
query time would mean reading the whole field's vocabulary, so the table is
written once after each commit into the index generation, as a small SQLite
file: one row a key that has a spelling other than the key itself.
"""

from __future__ import annotations

import sqlite3

from .analysis import SPELLING_MARK, light_stem, name_key
from .engine import OpenIndex

VARIANTS_FILE = "variants.sqlite"


def _spelling_groups(index: OpenIndex) -> dict[str, str]:
    """Name key → its spellings (space-separated) for every key with a spelling other than itself."""
    spellings: dict[str, set[str]] = {}
    for spelling in index.spellings():
        spellings.setdefault(name_key(spelling), set()).add(spelling)
    return {key: " ".join(sorted(group)) for key, group in spellings.items() if group != {key}}


def write_variants(index: OpenIndex) -> int:
    """Writes the table for the name spellings that ``index`` holds, into its
    generation; returns its row count.

    The table is stamped with the index's commit: a writer killed between its
    commit and this table leaves a stamp that no longer matches, which readers
    detect (and the next ``index`` run repairs).
    """
    rows = _spelling_groups(index)
    temp = index.generation / f".{VARIANTS_FILE}.tmp"
    temp.unlink(missing_ok=True)
    with sqlite3.connect(temp) as db:
        db.execute("CREATE TABLE variants (key TEXT PRIMARY KEY, spellings TEXT NOT NULL) WITHOUT ROWID")
        db.executemany("INSERT INTO variants VALUES (?, ?)", rows.items())
        db.execute("CREATE TABLE stamp (commit_generation INTEGER NOT NULL)")
        db.execute("INSERT INTO stamp VALUES (?)", (index.commit_id(),))
    db.close()
    temp.replace(index.generation / VARIANTS_FILE)
    return len(rows)


def variants_current(index: OpenIndex) -> bool:
    """Whether the generation's table was written for the commit ``index`` reads."""
    db = _open_table(index)
    if db is None:
        return False
    db.close()
    return True


def _open_table(index: OpenIndex) -> sqlite3.Connection | None:
    """The index's table when it is whole and stamped for its commit; else None."""
    path = index.generation / VARIANTS_FILE
    if not path.is_file():
        return None
    db = None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        stamp = db.execute("SELECT commit_generation FROM stamp").fetchone()
        if stamp is not None and stamp[0] == index.commit_id():
            return db
    except sqlite3.Error:
        pass
    if db is not None:
        db.close()
    return None


class Variants:
    """Looks up the spellings that share a word's name key, in one open index.

    A table that is missing, damaged or stamped for another commit is not
    trusted: the groups are then read from the index itself, in memory, slower
    but never wrong.

    Only spellings that the index holds *as names* are returned: written with
    a capital in at least half of the articles that hold the word.  "Guerre"
    opens many sentences, but guerre is no name, and its key must not pull in
    "Gère"; Poutine and Shoigu are capitalised wherever they appear.
    """

    def __init__(self, index: OpenIndex) -> None:
        self._index = index
        self._db = _open_table(index)
        self._groups = _spelling_groups(index) if self._db is None else {}
        self._known: dict[str, set[str]] = {}  # a query compiles a word several times

    def spellings(self, folded: str) -> set[str]:
        """``folded`` and the other spellings with the same name key."""
        if folded not in self._known:
            self._known[folded] = self._lookup(folded)
        return set(self._known[folded])

    def _lookup(self, folded: str) -> set[str]:
        found = {folded} | self.group(name_key(folded))
        if not self.is_name(folded) and self._index.doc_frequency(light_stem(folded)):
            return {folded}
        return {s for s in found if s == folded or self.is_name(s)}

    def group(self, key: str) -> set[str]:
        """The name key ``key`` and the spellings of it that the index holds, names or not."""
        found = {key}
        if self._db is not None:
            row = self._db.execute("SELECT spellings FROM variants WHERE key = ?", (key,)).fetchone()
            if row:
                found.update(row[0].split())
        elif key in self._groups:
            found.update(self._groups[key].split())
        return found

    def is_name(self, spelling: str) -> bool:
        """Whether the index holds ``spelling`` as a name: capitalised in at
        least half of the articles that hold the word."""
        capitalised = self._index.doc_frequency(SPELLING_MARK + spelling)
        return capitalised > 0 and 2 * capitalised >= self._index.doc_frequency(light_stem(spelling))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
