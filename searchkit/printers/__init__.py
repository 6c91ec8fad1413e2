"""Printing what searchkit answers: one printer per output format, as ripgrep's printers.

``Output`` is the one set of output options every command takes (``--json``,
``--jsonl``, ``--csv``, ``--fields``, ``--color``), checked before any index is
opened; ``printer(output)`` gives the printer for it.  Every printer prints
the same values (``searchkit.models``), the machine formats through the JSON
shapes of ``searchkit.wire``:

- ``people.RichPrinter``: for people, styled on a terminal, plain text elsewhere;
- ``scripts.JsonPrinter``: one JSON document;
- ``scripts.JsonlPrinter``: one JSON object a line (a hit, a row);
- ``scripts.CsvPrinter``: RFC 4180, UTF-8, a header row, then a row a hit;
- ``scripts.TsvPrinter``: the ``--fields`` alone: one tab-separated line a hit, for ``cut`` and ``awk``.

Article text is data, never markup: it goes into Rich ``Text`` objects (no
markup parsing), and control characters, escape sequences and bidirectional
overrides are replaced one for one by U+FFFD before display, so highlight
offsets stay true and nothing in an article can style, move or rewrite the
terminal.

This module holds what every format shares, and imports none of them:
``printer`` imports the chosen format's module, so that ``--json`` never
loads Rich, and an error line (``safe_text``) loads neither.
"""

from __future__ import annotations

import codecs
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Protocol, TypeVar

from ..errors import UsageError

if TYPE_CHECKING:
    from ..models import (
        Alert,
        ArticleView,
        CheckReport,
        Concordance,
        Cooccurrence,
        IndexReport,
        IndexStats,
        NameSpellings,
        SearchResult,
        Timeline,
        WatchBatch,
        WatchEntry,
    )

T = TypeVar("T")
FORMATS = ("rich", "json", "jsonl", "csv", "tsv")

_UNSAFE = {c: 0xFFFD for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)] if c not in (0x09, 0x0A)}
_UNSAFE.update({c: 0xFFFD for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))})
_FLAT = {**_UNSAFE, 0x09: 0x20, 0x0A: 0x20}
#: What the machine formats write as ``\uXXXX`` escapes (``json.dumps`` escapes those below).
JSON_ESCAPES = {c: f"\\u{c:04x}" for c in _UNSAFE if c >= 0x7F}


def safe_text(text: str, *, flat: bool = False) -> str:
    """``text`` with every terminal control character replaced, one for one."""
    return text.translate(_FLAT if flat else _UNSAFE)


# --- the output options ----------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    """How a command prints: a format of ``FORMATS``, hit fields, colour."""

    format: str = "rich"
    fields: tuple[str, ...] | None = None
    color: str = "auto"  #: "auto", "always" or "never"
    header: bool = True  #: whether CSV and TSV start with their column names


def output(
    *,
    json_output: bool = False,
    jsonl: bool = False,
    csv_output: bool = False,
    fields: str | None = None,
    color: str = "auto",
    tabular: bool = True,
    tsv: bool = False,
    no_header: bool = False,
    columns: tuple[str, ...] | None = None,
) -> Output:
    """The output the options ask for; ``UsageError`` for options that cannot go together.

    ``tabular`` says whether the command prints a list (of hits, or a view's
    rows), which ``--jsonl``, ``--csv``, ``--tsv`` and ``--fields`` are for;
    ``columns`` are the fields ``--fields`` chooses among (a hit's by default).
    """
    given = (("--json", json_output), ("--jsonl", jsonl), ("--csv", csv_output), ("--tsv", tsv))
    chosen = [name for name, on in given if on]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} cannot be used together: choose one output format")
    picked = tuple(f.strip() for f in fields.split(",") if f.strip()) if fields is not None else None
    if picked is not None:
        if columns is None:
            from ..wire import HIT_FIELDS

            columns = HIT_FIELDS
        unknown = [f for f in picked if f not in columns]
        if unknown or not picked:
            raise UsageError(f"unknown field {', '.join(unknown) or '(none given)'}: choose from {', '.join(columns)}")
    form = {"--json": "json", "--jsonl": "jsonl", "--csv": "csv", "--tsv": "tsv"}.get(chosen[0]) if chosen else None
    form = form or ("tsv" if picked else "rich")
    if not tabular and (form in ("jsonl", "csv", "tsv") or picked):
        raise UsageError(
            f"{chosen[0] if chosen else '--fields'} is for lists and tables; this command prints one thing"
        )
    if no_header and form not in ("csv", "tsv"):
        raise UsageError("--no-header is for --csv, --tsv and --fields")
    return Output(form, picked, color, not no_header)


class Printer(Protocol):
    def results(self, result: SearchResult) -> None: ...
    def article(self, view: ArticleView) -> None: ...
    def report(self, report: IndexReport) -> None: ...
    def stats(self, stats: IndexStats) -> None: ...
    def check(self, report: CheckReport) -> None: ...
    def alerts(self, found: list[Alert]) -> None: ...
    def watchlist(self, entries: list[WatchEntry]) -> None: ...
    def batch(self, batch: WatchBatch) -> None: ...
    def timeline(self, found: Timeline) -> None: ...
    def concordance(self, found: Concordance) -> None: ...
    def cooccurrence(self, found: Cooccurrence) -> None: ...
    def cooccurrences(self, found: list[Cooccurrence]) -> None: ...
    def names(self, found: NameSpellings) -> None: ...


def printer(chosen: Output, stream: IO[str] | None = None) -> Printer:
    """The printer for ``chosen``, writing to ``stream`` (stdout by default); its format's module is imported here."""
    stream = stream or sys.stdout
    if chosen.format == "rich":
        from .people import RichPrinter, make_console

        return RichPrinter(make_console(chosen.color, stream))
    from . import scripts

    machine = {
        "json": scripts.JsonPrinter,
        "jsonl": scripts.JsonlPrinter,
        "csv": scripts.CsvPrinter,
        "tsv": scripts.TsvPrinter,
    }
    return machine[chosen.format](stream, chosen.fields, chosen.header)


# --- what the formats share -----------------------------------------------------------------


def about(result: SearchResult) -> str:
    """``about `` before a count that was estimated."""
    return "about " if result.total_estimated else ""


#: Seconds at most between two writes of a streamed view's lines, while they come.
FLUSH_EVERY = 0.1


def in_time(items: Iterable[T]) -> Iterator[list[T]]:
    """``items`` in lists to write and flush: the first at once, then what came
    in the last ``FLUSH_EVERY`` seconds.  ``| head -1`` gets its line as soon as
    it is found; flushing each of 200,000 lines would cost a write each."""
    written, last = [], None
    for item in items:
        written.append(item)
        now = time.monotonic()
        if last is None or now - last >= FLUSH_EVERY:
            yield written
            written, last = [], now
    if written:
        yield written


def takes_unicode(stream: IO[str]) -> bool:
    """Whether ``stream``'s encoding can write every character."""
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name.startswith("utf")
    except LookupError:
        return False
