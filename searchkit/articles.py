"""What a corpus reader makes: the article, and the line that says why one was not read (or not whole).

Apart from the readers (``searchkit.readers``) so that each of them, and the
index, can name an article without importing every format.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

# What one article may weigh.  Whoosh's cost grows with an article's length at
# index time and at every search that shows it (a 30 MB article took 86 s and
# 700 MB to index); the longest Le Monde article of 2022 has 52,517 characters.
MAX_BODY_CHARS = 500_000  #: a longer body is truncated (at a word), with a warning
MAX_TITLE_CHARS = 1_000  #: a longer title is truncated likewise
MAX_ID_CHARS = 200  #: a longer id is rejected (a longer id a reader derives, from a URL, is hashed)


@dataclass(frozen=True)
class Article:
    """One news article, its text normalised to Unicode NFC."""

    id: str
    title: str
    body: str
    date: str | None = None
    source: str | None = None
    url: str | None = None
    origin: str = ""  #: where it was read: ``path`` or ``path:line``

    @property
    def origin_file(self) -> str:
        """The file the article was read from: ``origin`` without its line number."""
        return split_origin(self.origin)[0]

    @cached_property
    def content_hash(self) -> str:
        """A hash of everything indexed, so an update can tell a changed article (kept:
        a rebuild asks for it three times an article)."""
        text = "\x1f".join((self.id, self.title, self.body, self.date or "", self.source or "", self.url or ""))
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Rejection:
    """An article, line or file that could not be read (or, for a warning, was
    read only in part, or read with something left out), and why."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"


RejectHandler = Callable[[Rejection], None]


def ignore(_: Rejection) -> None:
    """A handler that hears nothing: the default of the warnings a caller may not want."""


def split_origin(origin: str) -> tuple[str, int | None]:
    """(file, line or None) of an article's ``origin``."""
    path, _, line = origin.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (origin, None)


def normalize_text(text: str) -> str:
    """NFC, Unix line ends, no byte-order mark; no-break spaces are kept for display."""
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def derived_id(text: str) -> str:
    """An id a reader makes from what identifies an article in its format (a
    document number, a URL, a feed entry's id): as written when it makes a
    valid id, else a hash of it (a URL longer than ``MAX_ID_CHARS``, one with
    a control character), so that the same article gets the same id each run."""
    text = text.strip()
    if text and len(text) <= MAX_ID_CHARS and not any(unicodedata.category(c) == "Cc" for c in text):
        return text
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
