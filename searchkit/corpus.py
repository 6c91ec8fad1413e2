"""Corpus files: which files of a corpus are read, and reading them, each by its format.

The formats themselves are ``searchkit.readers``.  Readers never stop at a
bad article: each problem is reported as a ``Rejection`` (file, line,
reason) through the ``on_reject`` callback, and the good articles beside it
are still read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from .articles import (
    MAX_BODY_CHARS,
    MAX_ID_CHARS,
    MAX_TITLE_CHARS,
    Article,
    RejectHandler,
    Rejection,
    ignore,
    normalize_text,
    split_origin,
)
from .dates import DATE_YEARS, day_of, is_valid_date
from .generations import CURRENT_FILE, is_index_part
from .readers import Reading, is_corpus_name, is_unknown_name, read_path
from .readers.fields import NO_MAP, FieldMap
from .readers.jsonl import MAX_LINE_BYTES, open_binary
from .readers.jsonl import read_jsonl as _read_jsonl
from .readers.native import MAX_NATIVE_BYTES, read_native
from .readers.records import encodable
from .signatures import file_key

__all__ = [
    "DATE_YEARS",
    "MAX_BODY_CHARS",
    "MAX_ID_CHARS",
    "MAX_LINE_BYTES",
    "MAX_NATIVE_BYTES",
    "MAX_TITLE_CHARS",
    "Article",
    "RejectHandler",
    "Rejection",
    "corpus_file_names",
    "corpus_files",
    "day_of",
    "is_corpus_file",
    "is_valid_date",
    "normalize_text",
    "open_binary",
    "read_corpus",
    "read_file",
    "read_jsonl",
    "read_native",
]

UnknownHandler = Callable[[str], None]


def is_corpus_file(path: Path) -> bool:
    """Whether a file in a corpus folder is one of the formats read here."""
    return is_corpus_name(path.name)


def corpus_files(paths: Iterable[Path], on_unknown: UnknownHandler | None = None) -> Iterator[Path]:
    """The corpus files under the given files and folders, in a stable order.

    A folder is walked recursively and keeps only the files in a known format
    (``searchkit.readers``); the others, but hidden files and searchkit's own
    (``aliases.toml``, ``fields.toml``), are told to ``on_unknown``, for the
    summary to name them.  A file named explicitly is always read (and one of
    no known format is rejected as such).
    """
    for name in corpus_file_names(paths, on_unknown):
        yield Path(name)


def corpus_file_names(paths: Iterable[Path], on_unknown: UnknownHandler | None = None) -> Iterator[str]:
    """``corpus_files`` as strings: making a ``Path`` of each file was most of
    the cost of an update's scan of a folder of thousands of files.

    Each file comes once, under the first name it is found by: a file named
    twice, or named and also inside a folder named, or linked to from a folder,
    would otherwise have every article rejected as a duplicate of itself.
    """
    seen: set[str] = set()
    for path in map(Path, paths):
        if path.is_dir():
            found = _walk(str(path), os.path.realpath(path), on_unknown)
        else:
            found = [(str(path), os.path.realpath(path))]
        for name, resolved in found:
            if resolved not in seen:
                seen.add(resolved)
                yield name


def _walk(folder: str, resolved: str, on_unknown: UnknownHandler | None) -> Iterator[tuple[str, str]]:
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
    # an index kept in the corpus folder (or written into it): its files are no articles
    holds_index = any(entry.name == CURRENT_FILE for entry in entries)
    folders = []
    for entry in entries:
        if holds_index and is_index_part(entry.name):
            continue
        try:
            is_folder = entry.is_dir()
        except OSError:
            is_folder = False
        if is_folder:
            if not entry.name.startswith(".") and not entry.is_symlink():
                folders.append(entry)
        elif is_corpus_name(entry.name):
            real = os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(resolved, entry.name)
            yield entry.path, real
        elif on_unknown is not None and is_unknown_name(entry.name):
            on_unknown(entry.path)
    for entry in folders:
        yield from _walk(entry.path, os.path.join(resolved, entry.name), on_unknown)


def read_corpus(
    paths: Iterable[Path],
    on_reject: RejectHandler,
    on_truncate: RejectHandler = ignore,
    on_warning: RejectHandler = ignore,
    fields: FieldMap = NO_MAP,
    starts: dict[str, tuple[int, int]] | None = None,
    on_end: Callable[[Path, int], None] | None = None,
) -> Iterator[Article]:
    """Every article under ``paths``; an id seen twice is rejected, the first kept.

    ``on_truncate`` hears of articles cut to ``MAX_BODY_CHARS``/``MAX_TITLE_CHARS``;
    ``on_warning`` of what was left out of an article read (a date that could
    not be read) or read with a guess (an encoding); ``fields`` names the keys
    of records that hold each field.  ``starts`` (file key → offset, lines)
    says where to read JSON Lines files from, and ``on_end`` hears how many
    lines each one read to its end held (``searchkit.signatures``).
    """
    seen: dict[str, str] = {}
    for path in corpus_files(paths):
        start = (starts or {}).get(file_key(path), (0, 0))
        for article in read_file(path, on_reject, on_truncate, on_warning, fields, start, on_end):
            first = seen.get(article.id)
            if first is not None:
                on_reject(Rejection(*split_origin(article.origin), f"duplicate id {article.id} (first in {first})"))
                continue
            seen[article.id] = article.origin
            yield article


def read_file(
    path: Path,
    on_reject: RejectHandler,
    on_truncate: RejectHandler = ignore,
    on_warning: RejectHandler = ignore,
    fields: FieldMap = NO_MAP,
    start: tuple[int, int] = (0, 0),
    on_end: Callable[[Path, int], None] | None = None,
) -> Iterator[Article]:
    """The articles of one file, by its format (a JSON Lines file from ``start``, see ``read_corpus``)."""
    if not encodable(str(path)):
        reason = "its name is not UTF-8, and each article keeps the name of its file: rename it"
        on_reject(Rejection(_shown_name(str(path)), None, reason))
    elif not path.exists():
        on_reject(Rejection(str(path), None, "no such file or folder"))
    elif path.is_dir():
        on_reject(Rejection(str(path), None, "unreadable: it is a directory (a folder)"))
    elif not path.is_file():
        # Opening a FIFO would block the run forever, holding the writer lock.
        on_reject(Rejection(str(path), None, "not a regular file (a pipe, socket or device is never read)"))
    else:
        for article in read_path(path, Reading(on_reject, on_warning, fields, start, on_end)):
            yield _within_limits(article, on_truncate)


def _shown_name(name: str) -> str:
    """``name`` as one line can show it: its bytes that are not UTF-8 and its control characters escaped."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def read_jsonl(
    path: Path, on_reject: RejectHandler, on_warning: RejectHandler = ignore, fields: FieldMap = NO_MAP
) -> Iterator[Article]:
    """The articles of a JSON Lines file (``searchkit.readers.jsonl``)."""
    return _read_jsonl(path, Reading(on_reject, on_warning, fields))


def _within_limits(article: Article, on_truncate: RejectHandler) -> Article:
    """``article`` with its title and body cut to their limits, at a word."""
    title, body = _truncated(article.title, MAX_TITLE_CHARS), _truncated(article.body, MAX_BODY_CHARS)
    if title is article.title and body is article.body:
        return article
    for name, before, after in (("title", article.title, title), ("body", article.body, body)):
        if after is not before:
            path, line = split_origin(article.origin)
            reason = f"article {article.id}: {name} of {len(before):,} characters cut to {len(after):,}"
            on_truncate(Rejection(path, line, reason))
    return replace(article, title=title, body=body)


def _truncated(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    space = text.rfind(" ", limit - 200, limit)
    return text[: space if space > 0 else limit]
