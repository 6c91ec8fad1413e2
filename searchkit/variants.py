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

from .analysis import SPELLING_MARK, name_key

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
    """

    def __init__(self, path: Path | None = None) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True) if path and path.exists() else None

    @classmethod
    def of_index(cls, ix) -> Variants:
        """The table of an open Whoosh index (it lives in the same folder)."""
        return cls(Path(ix.storage.folder) / VARIANTS_FILE)

    def spellings(self, folded: str) -> set[str]:
        """``folded`` and every indexed spelling with the same name key."""
        key = name_key(folded)
        found = {folded, key}
        if self._db is not None:
            row = self._db.execute("SELECT spellings FROM variants WHERE key = ?", (key,)).fetchone()
            if row:
                found.update(row[0].split())
        return found

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
