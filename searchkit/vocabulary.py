"""The vocabulary file: every word of the title and body, with how many articles hold it.

A fuzzy word (``choigu~2``) must find the words of the index a few edits
away.  Whoosh finds them by reading every word that starts like it, across
every segment, and computing an edit distance in Python for each: seconds on
30,000 articles.  The vocabulary is therefore written once after each commit
into the index generation, as a small SQLite file (one row a word and field,
with its article count); a query reads the words sharing its first letters
from it in one range scan, and ``rapidfuzz`` computes their distances in C.
The file also keeps each segment's terms, so that the next commit reads only
the segments it wrote (``write_vocabulary``).

The file is stamped with the commit it describes, like the name-variant table
(``searchkit.names.table``).  A file that is missing, stale (a writer killed
between its commit and this file) or unreadable is not trusted: lookups
answer None and the caller reads the index itself, slower but right.  The
next ``index`` run writes it anew.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

from .engine import OpenIndex

VOCABULARY_FILE = "vocabulary.sqlite"


def write_vocabulary(index: OpenIndex) -> int:
    """Writes the vocabulary of ``index`` into its generation, stamped with its
    commit; returns the number of segments whose terms were read.

    Besides the words (``terms``), the file keeps each segment's own terms: a
    segment never changes while it lives, so the next commit's file starts
    from a copy of this one, subtracts the segments that commit merged away and
    adds those it wrote, reading only those from the index.  A file that is
    stale is still right about the segments it lists (it was replaced whole);
    one that cannot be read is written from every segment."""
    path = index.generation / VOCABULARY_FILE
    temp = index.generation / f".{VOCABULARY_FILE}.tmp"
    temp.unlink(missing_ok=True)
    live = index.segments()
    try:
        read = _update_copy(path, temp, index, live)
    except sqlite3.Error:
        read = None
    if read is None:
        temp.unlink(missing_ok=True)
        read = _update_copy(None, temp, index, live)
    temp.replace(path)
    return read


def _update_copy(previous: Path | None, temp: Path, index: OpenIndex, live: list[str]) -> int | None:
    """Writes ``temp`` from a copy of the ``previous`` file (none: from nothing),
    minus the segments no longer ``live`` and plus those it lacks; returns how
    many segments were read, None when ``previous`` is missing or of an older layout."""
    if previous is not None:
        if not previous.is_file():
            return None
        shutil.copyfile(previous, temp)
    with closing(sqlite3.connect(temp)) as db, db:
        if previous is None:
            db.executescript(_SCHEMA)
        elif db.execute("SELECT 1 FROM sqlite_master WHERE name = 'segment_terms'").fetchone() is None:
            return None  # written before segments were kept: written anew
        known = dict(db.execute("SELECT name, id FROM segments"))
        for name in set(known) - set(live):
            db.execute(
                "UPDATE terms SET articles = terms.articles - s.articles FROM segment_terms s "
                "WHERE s.segment = ? AND s.field = terms.field AND s.term = terms.term",
                (known[name],),
            )
            db.execute("DELETE FROM segment_terms WHERE segment = ?", (known[name],))
            db.execute("DELETE FROM segments WHERE id = ?", (known[name],))
        db.execute("DELETE FROM terms WHERE articles <= 0")
        added = [name for name in live if name not in known]
        for name in added:
            number = db.execute("INSERT INTO segments (name) VALUES (?) RETURNING id", (name,)).fetchone()[0]
            db.executemany(
                "INSERT INTO segment_terms VALUES (?, ?, ?, ?)",
                ((number, field, term, n) for field, term, n in index.vocabulary(name)),
            )
            db.execute(
                "INSERT INTO terms SELECT field, term, articles FROM segment_terms WHERE segment = ? "
                "ON CONFLICT (field, term) DO UPDATE SET articles = terms.articles + excluded.articles",
                (number,),
            )
        db.execute("DELETE FROM stamp")
        db.execute("INSERT INTO stamp VALUES (?)", (index.commit_id(),))
    return len(added)


_SCHEMA = """
CREATE TABLE terms (field TEXT NOT NULL, term TEXT NOT NULL, articles INTEGER NOT NULL,
    PRIMARY KEY (field, term)) WITHOUT ROWID;
CREATE TABLE segments (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE segment_terms (segment INTEGER NOT NULL, field TEXT NOT NULL, term TEXT NOT NULL,
    articles INTEGER NOT NULL, PRIMARY KEY (segment, field, term)) WITHOUT ROWID;
CREATE TABLE stamp (commit_generation INTEGER NOT NULL);
"""


def vocabulary_current(index: OpenIndex) -> bool:
    """Whether the generation's vocabulary file describes its current commit."""
    vocabulary = Vocabulary(index.generation / VOCABULARY_FILE, index.commit_id())
    try:
        return vocabulary.usable()
    finally:
        vocabulary.close()


def _upper_bound(prefix: str) -> str:
    """The least string above every string starting with ``prefix`` (not empty)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def near(text: str, maxdist: int, words: Iterable[str]) -> list[str]:
    """The ``words`` within ``maxdist`` edits of ``text``: letters inserted,
    deleted or replaced, so two letters swapped are two edits (as Whoosh's
    automaton counts them on an index of one segment; its scan of several
    segments counted a swap as one, so the same query found more there)."""
    # Imported here: its 15 ms would weigh on every command, most of which never need it.
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import extract

    close = [word for word in words if abs(len(word) - len(text)) <= maxdist]
    return [word for word, _, _ in extract(text, close, scorer=Levenshtein.distance, score_cutoff=maxdist, limit=None)]


class Vocabulary:
    """The vocabulary file of one generation at one commit, opened at its first lookup.

    Every lookup answers None when the file cannot be trusted; the caller then
    asks the index.  Lookups may come from several threads (one connection,
    used under a lock)."""

    def __init__(self, path: Path, commit: int) -> None:
        self.path, self.commit = path, commit
        self._db: sqlite3.Connection | None = None
        self._trusted: bool | None = None
        self._lock = threading.Lock()

    def usable(self) -> bool:
        with self._lock:
            return self._open() is not None

    def _open(self) -> sqlite3.Connection | None:
        if self._trusted is None:
            self._trusted = False
            if self.path.is_file():
                try:
                    db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
                    stamp = db.execute("SELECT commit_generation FROM stamp").fetchone()
                    if stamp is not None and stamp[0] == self.commit:
                        self._db, self._trusted = db, True
                    else:
                        db.close()
                except sqlite3.Error:
                    pass
        return self._db if self._trusted else None

    def starting(self, field: str, prefix: str, shortest: int = 0, longest: int = 1 << 30) -> dict[str, int] | None:
        """The words of ``field`` starting with ``prefix``, of ``shortest`` to
        ``longest`` letters, each with the number of articles holding it."""
        with self._lock:
            db = self._open()
            if db is None:
                return None
            sql = "SELECT term, articles FROM terms WHERE field = ? AND length(term) BETWEEN ? AND ?"
            parameters: tuple = (field, shortest, longest)
            if prefix:
                sql += " AND term >= ? AND term < ?"
                parameters += (prefix, _upper_bound(prefix))
            try:
                return dict(db.execute(sql, parameters).fetchall())
            except sqlite3.Error:  # garbled after its stamp was read: the index answers instead
                self._trusted = False
                return None

    def within(self, field: str, text: str, maxdist: int, prefix: int) -> dict[str, int] | None:
        """The words of ``field`` within ``maxdist`` edits of ``text`` sharing its
        first ``prefix`` letters, each with the number of articles holding it."""
        candidates = self.starting(field, text[:prefix], len(text) - maxdist, len(text) + maxdist)
        if candidates is None:
            return None
        return {word: candidates[word] for word in near(text, maxdist, candidates)}

    def counts(self, field: str, terms: list[str]) -> dict[str, int] | None:
        """The number of articles holding each of ``terms`` in ``field`` (0 for a word it lacks)."""
        with self._lock:
            db = self._open()
            if db is None:
                return None
            found = dict.fromkeys(terms, 0)
            try:
                for start in range(0, len(terms), 500):
                    chunk = terms[start : start + 500]
                    sql = f"SELECT term, articles FROM terms WHERE field = ? AND term IN ({','.join('?' * len(chunk))})"
                    found.update(db.execute(sql, (field, *chunk)).fetchall())
            except sqlite3.Error:  # garbled after its stamp was read: the index answers instead
                self._trusted = False
                return None
            return found

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
            self._db, self._trusted = None, False
