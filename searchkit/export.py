"""Every article a query matches, whole, one at a time: ``searchkit export``.

An export is for taking a result set to another tool (R, Iramuteq, TXM), so it
is the *set* of articles the query matches, every word required, as the
research views count it (``searchkit.views``), with their filters; not the
ranked page of ``search``.  Articles are read from the index one at a time as
the writer asks for them (``Export.articles`` is an iterator): memory stays
flat however many there are, and a reader that goes away stops the reading.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING

from . import query as q
from .analysis import SPELLING_MARK, WORDS, query_terms
from .engine import OpenIndex
from .errors import OutputUnavailable, UsageError
from .models import ExportedArticle
from .search import Searcher
from .views import Filters, matched, ordered
from .writers import writer

if TYPE_CHECKING:
    from .names.table import OwnSpelling, Variants

#: The formats ``searchkit export`` writes (``searchkit.writers``).
FORMATS = ("jsonl", "csv", "iramuteq", "txm")


@dataclass(frozen=True)
class ExportOptions(Filters):
    """Which matching articles an export writes, and in which order."""

    limit: int = 0  #: articles written at most; 0 for all
    sort: str = "score"  #: "score" (most relevant first) or "date" (newest first, undated last)


@dataclass
class Export:
    """A query's matching articles, counted, to be read once."""

    query: str
    matching: int  #: articles the query matches within the filters
    articles: Iterator[ExportedArticle]  #: in the order asked, at most ``limit``


@contextmanager
def exporting(searcher: Searcher, text: str, options: ExportOptions = ExportOptions()) -> Iterator[Export]:
    """The export of query ``text``, its articles read while the context is
    open; ``NoResults`` when it matches none, before anything is read."""
    with searcher.opened() as (index, variants):
        variants = options.names(variants)
        found, restriction = matched(index, variants, text, options)
        terms = index.matched_terms(index.compile(found.node, variants, positive_only=True))
    names = {term for term in terms if term.startswith(SPELLING_MARK)} | _names_written(found.node, variants)
    articles = _read(searcher, index, ordered(index, found, restriction, options.sort), names)
    # a limit beyond any count is all (and islice takes none above sys.maxsize)
    yield Export(text, len(found.docs), islice(articles, min(options.limit, len(found.docs)) or None))


def _names_written(node: q.Node, variants: Variants | OwnSpelling) -> set[str]:
    """The ``^spelling`` terms of the query's own words that are names: a name no other
    spelling joins is searched by its stem alone (Lavrov, Mélenchon), which names none."""
    return {
        SPELLING_MARK + term.folded
        for leaf in q.leaves(node)
        if q.searches_names(leaf)
        for term in query_terms(leaf.text)
        if variants.is_name(term.folded)
    }


def _read(searcher: Searcher, index: OpenIndex, numbers: Iterator[int], names: set[str]) -> Iterator[ExportedArticle]:
    """The articles ``numbers``, each read under ``searcher.reading`` and handed
    out of it: what the writer meets (a closed pipe, a full disk) is not
    mistaken for damage to the index."""
    while True:
        with searcher.reading():
            docnum = next(numbers, None)
            if docnum is None:
                return
            found = _article(index, docnum, names)
        yield found


def write_export(found: Export, form: str, stream: IO[str]) -> int:
    """Writes the articles of ``found`` on ``stream`` in format ``form`` (of ``FORMATS``); returns how many."""
    out = writer(form, stream)
    out.begin(found.query)
    written = 0
    for article in found.articles:
        out.article(article)
        written += 1
    out.end()
    return written


def check_output_path(option: str, path: Path, formats: dict[str, str]) -> Path:
    """``path`` when ``option`` can write there, in one of ``formats`` (extension →
    what it is) told by its extension; else a ``UsageError`` in one line, before any work."""
    if path.suffix.lower() not in formats:
        said = " or ".join(f"{extension} ({what})" for extension, what in formats.items())
        raise UsageError(f"{option} {path}: the file's extension says the format, {said}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{option} {path}: no folder {folder}")
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"{option} {path}: cannot write in {folder}")
    return path


@contextmanager
def output_file(path: Path) -> Iterator[IO[str]]:
    """``path`` opened to write an export into, UTF-8.

    The export is written under a temporary name beside ``path`` and renamed
    over it once whole: one stopped half-way (Ctrl-C, a full disk) leaves
    ``path`` as it was, never a file that looks complete and is not.  A path
    that is no regular file (a FIFO, ``/dev/stdout``) is written directly.
    A file that cannot be written is an ``OutputUnavailable``, in one line."""
    direct = path.exists() and not path.is_file()
    target = path if direct else path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(target, "w", encoding="utf-8", newline="", buffering=1 << 20) as stream:
            yield stream
        if not direct:
            os.replace(target, path)
    except OSError as error:
        raise OutputUnavailable(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        if not direct:
            with suppress(OSError):
                target.unlink()


def _article(index: OpenIndex, docnum: int, names: set[str]) -> ExportedArticle:
    """The stored article ``docnum``, with the spellings of ``names`` (``^spelling`` terms) it wrote.

    Only the names: they are found from the capitals of the text (``WORDS.spellings``),
    a word in ten, which keeps an export above 1,000 articles a second; every
    matched word would cost as much again as reading the article (bench/README.md, *Export*)."""
    stored = index.stored(docnum)
    title, body = stored.get("title") or "", stored.get("body") or ""
    words = [
        text[start:end]
        for text in ((title, body) if names else ())
        for start, end, term in WORDS.spellings(text)
        if term in names
    ]
    return ExportedArticle(
        id=stored["id"],
        title=title,
        body=body,
        date=stored.get("date"),
        source=stored.get("source"),
        url=stored.get("url"),
        matched=tuple(dict.fromkeys(words)),
    )
