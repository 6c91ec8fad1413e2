"""Corpus readers: the native text format, JSON Lines (plain or gzip'd), and folders of them.

Readers never stop at a bad article: each problem is reported as a
``Rejection`` (file, line, reason) through the ``on_reject`` callback, and the
good articles beside it are still read.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import hashlib
import json
import os
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

NATIVE_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")


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
    def content_hash(self) -> str:
        """A hash of everything indexed, so an update can tell a changed article."""
        text = "\x1f".join((self.id, self.title, self.body, self.date or "", self.source or "", self.url or ""))
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Rejection:
    """An article, line or file that could not be read, and why."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"


RejectHandler = Callable[[Rejection], None]


def normalize_text(text: str) -> str:
    """NFC, Unix line ends, no byte-order mark; no-break spaces are kept for display."""
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_corpus_file(path: Path) -> bool:
    """Whether a file in a corpus folder is one of the formats read here."""
    name = path.name.lower()
    return not name.startswith(".") and name.endswith(NATIVE_SUFFIXES + JSONL_SUFFIXES)


def corpus_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The corpus files under the given files and folders, in a stable order.

    A folder is walked recursively and keeps only the files in a known format
    (a README beside the articles is not an article); a file named explicitly is
    always read.
    """
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    candidate = Path(root) / name
                    if is_corpus_file(candidate):
                        yield candidate
        else:
            yield path


def read_corpus(paths: Iterable[Path], on_reject: RejectHandler) -> Iterator[Article]:
    """Every article under ``paths``; an id seen twice is rejected, the first kept."""
    seen: dict[str, str] = {}
    for path in corpus_files(paths):
        for article in read_file(path, on_reject):
            first = seen.get(article.id)
            if first is not None:
                on_reject(Rejection(*_split_origin(article.origin), f"duplicate id {article.id} (first in {first})"))
                continue
            seen[article.id] = article.origin
            yield article


def _split_origin(origin: str) -> tuple[str, int | None]:
    path, _, line = origin.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (origin, None)


def read_file(path: Path, on_reject: RejectHandler) -> Iterator[Article]:
    """The articles of one file, by its format."""
    name = path.name.lower()
    if not path.exists():
        on_reject(Rejection(str(path), None, "no such file or folder"))
    elif name.endswith(JSONL_SUFFIXES):
        yield from read_jsonl(path, on_reject)
    else:
        article = read_native(path, on_reject)
        if article is not None:
            yield article


def read_native(path: Path, on_reject: RejectHandler) -> Article | None:
    """One article in the native format: title, blank line, numeric id, blank line, body."""
    where = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        on_reject(Rejection(where, None, f"unreadable: {error.strerror or error}"))
        return None
    try:
        text = normalize_text(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        on_reject(Rejection(where, line, "not valid UTF-8"))
        return None
    if not text.strip():
        on_reject(Rejection(where, None, "empty file"))
        return None
    lines = text.split("\n")
    title = lines[0].strip()
    rest = lines[1:]
    while rest and not rest[0].strip():
        rest.pop(0)
    article_id = rest[0].strip() if rest else ""
    if not (article_id.isascii() and article_id.isdigit()):
        on_reject(
            Rejection(
                where,
                len(lines) - len(rest) + 1 if rest else None,
                "missing id: expected a numeric id after the title and a blank line",
            )
        )
        return None
    body = "\n".join(rest[1:]).strip()
    if not title:
        on_reject(Rejection(where, 1, "missing title"))
        return None
    return Article(id=article_id, title=title, body=body, origin=where)


def read_jsonl(path: Path, on_reject: RejectHandler) -> Iterator[Article]:
    """Articles of a JSON Lines file, one object a line, gzip'd when named ``*.gz``.

    A damaged gzip stream ends the file at the damage; the lines before it are kept.
    """
    where = str(path)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    lineno = 0
    any_line = False
    try:
        with opener(path, "rb") as handle:
            for lineno, raw in enumerate(handle, 1):
                if lineno == 1:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                if raw.strip():
                    any_line = True
                    article = _parse_jsonl_line(raw, where, lineno, on_reject)
                    if article is not None:
                        yield article
    except (OSError, EOFError, zlib.error) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        on_reject(Rejection(where, lineno + 1 if lineno else None, f"unreadable: {reason}"))
        return
    if not any_line:
        on_reject(Rejection(where, None, "empty file"))


def _parse_jsonl_line(raw: bytes, where: str, lineno: int, on_reject: RejectHandler) -> Article | None:
    def reject(reason: str) -> None:
        on_reject(Rejection(where, lineno, reason))

    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        reject("not valid UTF-8")
        return None
    except json.JSONDecodeError as error:
        reject(f"not valid JSON: {error.msg} at column {error.colno}")
        return None
    if not isinstance(record, dict):
        reject("not a JSON object")
        return None
    article_id = record.get("id")
    if isinstance(article_id, bool) or not isinstance(article_id, (str, int)) or not str(article_id).strip():
        reject("missing id")
        return None
    fields = {}
    for name in ("title", "body", "source", "url", "date"):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            reject(f"{name} is not a string")
            return None
        fields[name] = normalize_text(value).strip() if value else None
    if not fields["title"] and not fields["body"]:
        reject("empty article: no title and no body")
        return None
    date = fields["date"]
    if date is not None and not is_valid_date(date[:10]):
        reject(f"bad date {date!r}: expected YYYY-MM-DD")
        return None
    return Article(
        id=str(article_id).strip(),
        title=fields["title"] or "",
        body=fields["body"] or "",
        date=date[:10] if date else None,
        source=fields["source"],
        url=fields["url"],
        origin=f"{where}:{lineno}",
    )


def is_valid_date(text: str) -> bool:
    """Whether ``text`` is a real calendar date written YYYY-MM-DD."""
    try:
        return _dt.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False
