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


def write_variants(reader, generation: Path) -> int:
    """Writes the table for the name spellings that ``reader`` holds; returns its row count."""
    spellings: dict[str, set[str]] = {}
    for fieldname in ("title", "body"):
        for term in reader.expand_prefix(fieldname, SPELLING_MARK):
            spelling = term.decode("utf-8")[len(SPELLING_MARK) :]
            spellings.setdefault(name_key(spelling), set()).add(spelling)
    rows = [(key, " ".join(sorted(group))) for key, group in spellings.items() if group != {key}]
    temp = generation / f".{VARIANTS_FILE}.tmp"
    temp.unlink(missing_ok=True)
    with sqlite3.connect(temp) as db:
        db.execute("CREATE TABLE variants (key TEXT PRIMARY KEY, spellings TEXT NOT NULL) WITHOUT ROWID")
        db.executemany("INSERT INTO variants VALUES (?, ?)", rows)
    db.close()
    temp.replace(generation / VARIANTS_FILE)
    return len(rows)


class Variants:
    """Looks up the spellings that share a word's name key.

    Without a table (``path`` None) a word's variants are the word and its key,
    which is what the table would say for a name seen in one spelling.

    With an index ``reader``, only spellings that the index holds *as names*
    are returned: written with a capital in at least half of the articles that
    hold the word.  "Guerre" opens many sentences, but guerre is no name, and
    its key must not pull in "Gère"; Poutine and Shoigu are capitalised
    wherever they appear.
    """

    def __init__(self, path: Path | None = None, reader=None) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True) if path and path.exists() else None
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
