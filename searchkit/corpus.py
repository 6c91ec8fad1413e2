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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

NATIVE_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")

# What one article may weigh.  Whoosh's cost grows with an article's length at
# index time and at every search that shows it (a 30 MB article took 86 s and
# 700 MB to index); the longest Le Monde article of 2022 has 52,517 characters.
MAX_BODY_CHARS = 500_000  #: a longer body is truncated (at a word), with a warning
MAX_TITLE_CHARS = 1_000  #: a longer title is truncated likewise
MAX_LINE_BYTES = 16 << 20  #: a longer JSON line is rejected, read past without holding it
MAX_NATIVE_BYTES = 16 << 20  #: a larger native file is rejected unread
MAX_ID_CHARS = 200  #: a longer id is rejected
#: The years an article may be dated: a date outside them (9999-12-31, 0001-01-01)
#: is a placeholder or a typo, and weeks and months at the ends of the calendar
#: have no neighbours for a timeline to count in.
DATE_YEARS = (1000, 2999)


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
        return _split_origin(self.origin)[0]

    @property
    def content_hash(self) -> str:
        """A hash of everything indexed, so an update can tell a changed article."""
        text = "\x1f".join((self.id, self.title, self.body, self.date or "", self.source or "", self.url or ""))
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Rejection:
    """An article, line or file that could not be read (or, for a warning, was
    read only in part), and why."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"


RejectHandler = Callable[[Rejection], None]


def _ignore(_: Rejection) -> None:
    pass


def normalize_text(text: str) -> str:
    """NFC, Unix line ends, no byte-order mark; no-break spaces are kept for display."""
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_corpus_file(path: Path) -> bool:
    """Whether a file in a corpus folder is one of the formats read here."""
    return _is_corpus_name(path.name)


def _is_corpus_name(name: str) -> bool:
    name = name.lower()
    return not name.startswith(".") and name.endswith(NATIVE_SUFFIXES + JSONL_SUFFIXES)


def corpus_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The corpus files under the given files and folders, in a stable order.

    A folder is walked recursively and keeps only the files in a known format
    (a README beside the articles is not an article); a file named explicitly is
    always read.
    """
    for name in corpus_file_names(paths):
        yield Path(name)


def corpus_file_names(paths: Iterable[Path]) -> Iterator[str]:
    """``corpus_files`` as strings: making a ``Path`` of each file was most of
    the cost of an update's scan of a folder of thousands of files.

    Each file comes once, under the first name it is found by: a file named
    twice, or named and also inside a folder named, or linked to from a folder,
    would otherwise have every article rejected as a duplicate of itself.
    """
    seen: set[str] = set()
    for path in map(Path, paths):
        found = _walk(str(path), os.path.realpath(path)) if path.is_dir() else [(str(path), os.path.realpath(path))]
        for name, resolved in found:
            if resolved not in seen:
                seen.add(resolved)
                yield name


def _walk(folder: str, resolved: str) -> Iterator[tuple[str, str]]:
    """The corpus files under ``folder`` (whose real path is ``resolved``), each
    with its real path: a folder's files in name order, then its folders' (not
    hidden ones, nor linked ones), as ``os.walk`` lists them.  The real path of
    a file that is no link is its folder's joined with its name: resolving each
    one would cost a system call a path component."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return  # as os.walk: a folder that cannot be listed is passed over
    folders = []
    for entry in entries:
        try:
            is_folder = entry.is_dir()
        except OSError:
            is_folder = False
        if is_folder:
            if not entry.name.startswith(".") and not entry.is_symlink():
                folders.append(entry)
        elif _is_corpus_name(entry.name):
            real = os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(resolved, entry.name)
            yield entry.path, real
    for entry in folders:
        yield from _walk(entry.path, os.path.join(resolved, entry.name))


def read_corpus(
    paths: Iterable[Path], on_reject: RejectHandler, on_truncate: RejectHandler = _ignore
) -> Iterator[Article]:
    """Every article under ``paths``; an id seen twice is rejected, the first kept.

    ``on_truncate`` hears of articles cut to ``MAX_BODY_CHARS``/``MAX_TITLE_CHARS``.
    """
    seen: dict[str, str] = {}
    for path in corpus_files(paths):
        for article in read_file(path, on_reject, on_truncate):
            first = seen.get(article.id)
            if first is not None:
                on_reject(Rejection(*_split_origin(article.origin), f"duplicate id {article.id} (first in {first})"))
                continue
            seen[article.id] = article.origin
            yield article


def _split_origin(origin: str) -> tuple[str, int | None]:
    path, _, line = origin.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (origin, None)


def read_file(path: Path, on_reject: RejectHandler, on_truncate: RejectHandler = _ignore) -> Iterator[Article]:
    """The articles of one file, by its format."""
    name = path.name.lower()
    if not path.exists():
        on_reject(Rejection(str(path), None, "no such file or folder"))
    elif not path.is_file() and not path.is_dir():
        # Opening a FIFO would block the run forever, holding the writer lock.
        on_reject(Rejection(str(path), None, "not a regular file (a pipe, socket or device is never read)"))
    elif name.endswith(JSONL_SUFFIXES):
        for article in read_jsonl(path, on_reject):
            yield _within_limits(article, on_truncate)
    else:
        article = read_native(path, on_reject)
        if article is not None:
            yield _within_limits(article, on_truncate)


def _within_limits(article: Article, on_truncate: RejectHandler) -> Article:
    """``article`` with its title and body cut to their limits, at a word."""
    title, body = _truncated(article.title, MAX_TITLE_CHARS), _truncated(article.body, MAX_BODY_CHARS)
    if title is article.title and body is article.body:
        return article
    for name, before, after in (("title", article.title, title), ("body", article.body, body)):
        if after is not before:
            path, line = _split_origin(article.origin)
            reason = f"article {article.id}: {name} of {len(before):,} characters cut to {len(after):,}"
            on_truncate(Rejection(path, line, reason))
    return replace(article, title=title, body=body)


def _truncated(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    space = text.rfind(" ", limit - 200, limit)
    return text[: space if space > 0 else limit]


def read_native(path: Path, on_reject: RejectHandler) -> Article | None:
    """One article in the native format: title, blank line, numeric id, blank line, body."""
    where = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_NATIVE_BYTES:
            on_reject(Rejection(where, None, f"too large: {size:,} bytes (limit {MAX_NATIVE_BYTES:,})"))
            return None
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
    lineno = 0
    any_line = False
    try:
        with open_binary(path) as handle:
            for lineno, raw in enumerate(_lines(handle), 1):
                if raw is None:
                    any_line = True
                    on_reject(Rejection(where, lineno, f"line too long: over {MAX_LINE_BYTES:,} bytes"))
                    continue
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


def open_binary(path: Path) -> IO[bytes]:
    """A corpus file opened for reading bytes, decompressed when named ``*.gz``."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _lines(handle) -> Iterator[bytes | None]:
    """The lines of a binary file, None for a line over ``MAX_LINE_BYTES``
    (read past in bounded pieces, never held whole)."""
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = handle.readline(1 << 20)
        yield None


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
    except RecursionError:
        reject("not valid JSON here: nested too deep")
        return None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        reject(f"not valid JSON here: {error}")
        return None
    if not isinstance(record, dict):
        reject("not a JSON object")
        return None
    article_id, problem = _json_id(record.get("id"))
    if problem:
        reject(problem)
        return None
    fields = {}
    for name in ("title", "body", "source", "url", "date"):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            reject(f"{name} must be a string, got {_json_shown(value)}")
            return None
        if value and not _encodable(value):
            reject(f"{name} holds a lone surrogate (\\ud800-\\udfff), which is no character")
            return None
        # A blank field is an absent one: a blank date leaves the article undated.
        fields[name] = (normalize_text(value).strip() if value else None) or None
    if not fields["title"] and not fields["body"]:
        reject("empty article: no title and no body")
        return None
    date = fields["date"]
    day = None if date is None else day_of(date)
    if date is not None and day is None:
        reject(f"bad date {date!r}: expected YYYY-MM-DD, or an ISO date and time (2022-03-01T10:00:00+01:00)")
        return None
    if day is not None and not DATE_YEARS[0] <= int(day[:4]) <= DATE_YEARS[1]:
        reject(f"date {date!r} is outside the years {DATE_YEARS[0]} to {DATE_YEARS[1]} searchkit dates articles in")
        return None
    return Article(
        id=article_id,
        title=fields["title"] or "",
        body=fields["body"] or "",
        date=day,
        source=fields["source"],
        url=fields["url"],
        origin=f"{where}:{lineno}",
    )


def _json_id(value: object) -> tuple[str, str | None]:
    """(the id, as text; what is wrong with it, or None).

    An id is a string or an integer (``15`` reads as ``"15"``), taken as
    written: it is what ``show``, ``id:`` and an update match exactly, so
    spaces around it are refused rather than trimmed (``" 15 "`` and ``15``
    would be two articles to every tool but this one), and so is a control
    character (a tab or a line break would split the lines of ``--fields``,
    ``--csv`` and ``files.json`` readers).  A float is refused even when whole
    (``15.0``): it is not clear which text was meant.
    """
    if value is None:
        return "", "missing id"
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return "", f"id must be a string or an integer, got {_json_shown(value)}"
    text = str(value)
    if not text.strip():
        return "", "missing id: the id is blank"
    if not _encodable(text):
        return "", "id holds a lone surrogate (\\ud800-\\udfff), which is no character"
    if len(text) > MAX_ID_CHARS:
        return "", f"id too long: over {MAX_ID_CHARS} characters"
    if text != text.strip():
        return "", f"id {text!r} has spaces around it: ids are taken as written, write {text.strip()!r}"
    if control := next((c for c in text if unicodedata.category(c) == "Cc"), None):
        return "", f"id {text!r} holds a control character ({control!r})"
    return text, None


def _json_shown(value: object) -> str:
    """A JSON value as a rejection names it: itself when short, else its type."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    shown = json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= 40 else f"a {type(value).__name__}"


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_valid_date(text: str) -> bool:
    """Whether ``text`` is a real calendar date written YYYY-MM-DD."""
    try:
        return _dt.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def day_of(text: str) -> str | None:
    """The day (YYYY-MM-DD) of a date or an ISO 8601 date and time, or None.

    Feeds and CMS exports date articles to the second (``2022-03-01T10:00:00``,
    ``2022-03-01 10:00:00Z``, ``…+01:00``); searchkit dates by the day, and
    keeps the day as written, in the publisher's time zone: an article of
    ``2022-03-01T23:30:00-05:00`` is of 1 March where it was published, though
    it was 2 March in Paris.  Anything else after the day (``2022-03-01abc``,
    an hour 25) is not a date.
    """
    day, clock = text[:10], text[10:]
    if not is_valid_date(day):
        return None
    if clock:
        if clock[0] not in "Tt ":
            return None
        try:
            _dt.datetime.fromisoformat(f"{day}T{clock[1:]}")
        except ValueError:
            return None
    return day
