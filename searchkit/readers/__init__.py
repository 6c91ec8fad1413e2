"""Corpus readers, one module a format, chosen by a file's name and, where
the name says too little, by its first bytes.

=================  ============================================  =========================
format             files                                         module
=================  ============================================  =========================
native             ``.txt``: title, blank line, id, body         ``native``
JSON Lines         ``.jsonl``, ``.ndjson`` (``.gz`` too)         ``jsonl``
JSON               ``.json``: a list of records                  ``jsondoc``
CSV, TSV           ``.csv``, ``.tsv``, ``.tab``                  ``delimited``
Europresse         ``.html`` holding Europresse's article blocks ``europresse``
web page           any other ``.html``, ``.htm``                 ``webpage`` (extra ``web``)
web archive        ``.warc``, ``.warc.gz``                       ``warc`` (extra ``web``)
RSS or Atom feed   ``.rss``, ``.atom``, ``.xml``                 ``feeds`` (extra ``web``)
=================  ============================================  =========================

A reader never stops at a bad article: it reports it through ``on_reject``
and goes on; what it read in part, or left out (a date it could not read),
through ``on_warning``.  Modules are imported when a file needs them, so that
a corpus of JSON Lines never pays for an HTML parser, and a reader whose
library is not installed is one rejection naming the extra to install.
"""

from __future__ import annotations

import gzip
import importlib
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..articles import Article, RejectHandler, Rejection, ignore
from .fields import NO_MAP, FieldMap


@dataclass(frozen=True)
class Reading:
    """What every reader is given: where to report, and how records name their fields.

    A JSON Lines reader also takes ``start``, where an earlier read of the file
    ended (byte offset, lines), to read only what was appended since; and tells
    ``on_end`` how many lines the file held when it read it to its end, each
    line whole (``searchkit.signatures``: the next update may start there)."""

    on_reject: RejectHandler
    on_warning: RejectHandler = ignore
    fields: FieldMap = NO_MAP
    start: tuple[int, int] = (0, 0)
    on_end: Callable[[Path, int], None] | None = None

    def whole(self, path: Path, limit: int) -> bytes | None:
        """The bytes of a file read whole (an export, a feed, a page), or None
        when it is larger than ``limit`` or unreadable, rejected in one line."""
        where = str(path)
        try:
            size = path.stat().st_size
            if size > limit:
                self.on_reject(Rejection(where, None, f"too large: {size:,} bytes (limit {limit:,})"))
                return None
            return path.read_bytes()
        except OSError as error:
            self.on_reject(Rejection(where, None, f"unreadable: {error.strerror or error}"))
            return None


@dataclass(frozen=True)
class Format:
    """An input format: the reader of its files, and the optional libraries it needs."""

    name: str
    reader: str  #: ``module:function`` in this package, the function taking (path, Reading)
    needs: tuple[str, ...] = ()  #: libraries of the ``web`` extra it needs


NATIVE = Format("native", "native:read_native_file")
JSONL = Format("JSON Lines", "jsonl:read_jsonl")
JSON = Format("JSON", "jsondoc:read_json")
DELIMITED = Format("CSV", "delimited:read_delimited")
EUROPRESSE = Format("Europresse", "europresse:read_europresse")
WEB_PAGE = Format("web page", "webpage:read_web_page", ("trafilatura",))
WARC = Format("web archive", "warc:read_warc", ("warcio", "trafilatura"))
FEED = Format("feed", "feeds:read_feed", ("feedparser",))

#: Name endings (lower case) of the files a folder's walk reads; ``None``: by content.
SUFFIXES: dict[str, Format | None] = {
    ".txt": NATIVE,
    ".jsonl": JSONL,
    ".ndjson": JSONL,
    ".jsonl.gz": JSONL,
    ".ndjson.gz": JSONL,
    ".json": None,
    ".csv": DELIMITED,
    ".tsv": DELIMITED,
    ".tab": DELIMITED,
    ".html": None,
    ".htm": None,
    ".xhtml": None,
    ".warc": WARC,
    ".warc.gz": WARC,
    ".rss": FEED,
    ".atom": FEED,
    ".xml": FEED,
}
#: What a file of an ending read by content is when its first bytes say nothing more.
BY_NAME_ALONE = {".json": JSON, ".html": WEB_PAGE, ".htm": WEB_PAGE, ".xhtml": WEB_PAGE}
#: Searchkit's own files beside a corpus: never articles, never "unknown".
OWN_FILES = ("aliases.toml", "fields.toml")
#: A corpus folder's notes on itself (README.md, LICENSE, NOTICE.txt): never articles, never "unknown".
FOLDER_NOTES = ("readme", "licence", "license", "notice", "copying")
SNIFF_BYTES = 64 << 10
WEB_EXTRA = "pip install 'searchkit[web]'"


def is_corpus_name(name: str) -> bool:
    """Whether a folder's file of this name is read (by its name alone: a walk opens nothing)."""
    name = name.lower()
    return not name.startswith(".") and _suffix(name) is not None


def is_unknown_name(name: str) -> bool:
    """Whether a folder's file of this name is one searchkit skips, and says so:
    not hidden, not searchkit's own, of no format it reads."""
    name = name.lower()
    notes = name.split(".")[0] in FOLDER_NOTES
    return not name.startswith(".") and name not in OWN_FILES and not notes and _suffix(name) is None


def _suffix(name: str) -> str | None:
    return next((s for s in SUFFIXES if name.endswith(s)), None)


def format_of(path: Path) -> Format | None:
    """The format of ``path``: by its name, and by its first bytes when the
    name leaves a choice (``.html``: Europresse or a page; ``.json``: a list or
    JSON Lines) or says nothing (no known ending); None when unknown."""
    suffix = _suffix(path.name.lower())
    known = SUFFIXES.get(suffix) if suffix else None
    if known is not None:
        return known
    return _sniffed(_head(path), by_name=suffix) or BY_NAME_ALONE.get(suffix or "")


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
        if head.startswith(b"\x1f\x8b"):
            with gzip.open(path, "rb") as handle:
                head = handle.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error):
        return b""
    return head


def _sniffed(head: bytes, by_name: str | None) -> Format | None:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    lowered = text[:SNIFF_BYTES].lower()
    if text.startswith(b"WARC/"):
        return WARC
    if text.startswith(b"{"):
        first, newline, rest = text.partition(b"\n")
        return JSONL if newline and first.rstrip().endswith(b"}") and rest.strip() else JSON
    if text.startswith(b"["):
        return JSON
    if text.startswith(b"<"):
        if b"docpublicationname" in lowered or b"dococurrcontainer" in lowered:
            return EUROPRESSE
        if any(tag in lowered[:4096] for tag in (b"<rss", b"<feed", b"<rdf:rdf")):
            return FEED
        if b"<html" in lowered or b"<!doctype html" in lowered:
            return WEB_PAGE
    if by_name is None and _looks_native(text):
        return NATIVE
    return None


def _looks_native(text: bytes) -> bool:
    try:
        lines = [line.strip() for line in text.decode("utf-8").splitlines()]
    except UnicodeDecodeError:
        return False
    filled = [line for line in lines[:10] if line]
    return len(lines) > 2 and bool(lines[0]) and not lines[1] and len(filled) > 1 and filled[1].isdigit()


def read_path(path: Path, reading: Reading) -> Iterator[Article]:
    """The articles of one file, by its format; a file of no known format is
    one rejection, and so is one whose reader needs the ``web`` extra when it
    is not installed."""
    found = format_of(path)
    if found is None:
        reading.on_reject(Rejection(str(path), None, f"unknown format: searchkit reads {_known()}"))
        return
    missing = [name for name in found.needs if not _importable(name)]
    if missing:
        reading.on_reject(
            Rejection(
                str(path),
                None,
                f"a {found.name} is read with {', '.join(missing)}, which is not installed: {WEB_EXTRA}",
            )
        )
        return
    yield from _reader(found)(path, reading)


def estimate(path: Path) -> int:
    """About how many articles ``path`` holds, for a progress bar's total."""
    found = format_of(path)
    marker = {JSONL: b"\n", DELIMITED: b"\n", EUROPRESSE: b"<article", FEED: b"<item", WARC: b"WARC-Type: response"}
    if found not in marker:
        return 1
    count = 0
    try:
        with gzip.open(path, "rb") if _head_is_gzip(path) else open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                count += chunk.count(marker[found]) + (chunk.count(b"<entry") if found is FEED else 0)
    except (OSError, EOFError, zlib.error):
        pass
    return max(count, 1)


def _head_is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _known() -> str:
    return ", ".join(SUFFIXES)


def _importable(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def _reader(found: Format) -> Callable[[Path, Reading], Iterator[Article]]:
    module, _, function = found.reader.partition(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), function)
