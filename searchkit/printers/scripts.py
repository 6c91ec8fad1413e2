"""The printers for scripts: JSON, JSON Lines, CSV and TSV, each value in its
``searchkit.wire`` shape.  Imported by ``printers.printer`` when one of these
formats is chosen."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from itertools import chain
from typing import IO, TYPE_CHECKING

from .. import wire
from ..errors import UsageError
from . import JSON_ESCAPES, about, in_time, safe_text, takes_unicode

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

#: The columns of ``--csv`` when ``--fields`` does not choose them.
CSV_FIELDS = ("rank", "id", "title", "date", "source", "url", "origin", "score", "partial", "snippets")


class _Machine:
    """What the machine formats share: a stream and the chosen hit fields."""

    def __init__(self, stream: IO[str], fields: tuple[str, ...] | None = None, header: bool = True) -> None:
        self.stream = stream
        self.fields = fields
        self.header = header

    def _row(self, record: dict) -> dict:
        """A view's row (of ``--json``) with only the chosen ``--fields``."""
        return {name: record.get(name) for name in self.fields} if self.fields else record

    def _json(self, document: object, indent: int | None = None) -> str:
        """JSON text; bidirectional controls are written as ``\\uXXXX`` escapes so
        that even raw JSON cannot reorder a terminal line, and every non-ASCII
        character is escaped for a stream that cannot encode it (``LC_ALL=C``)."""
        text = json.dumps(document, ensure_ascii=not takes_unicode(self.stream), indent=indent)
        return text.translate(JSON_ESCAPES)


class _Rows:
    """The research views as a table, a row each (JSONL, CSV, TSV); what a
    limit cut is said on stderr, so the table stays whole and parseable."""

    def timeline(self, found: Timeline) -> None:
        self.table(wire.TIMELINE_COLUMNS, wire.timeline_rows(found), found.notes)

    def concordance(self, found: Concordance) -> None:
        self.table(wire.KWIC_COLUMNS, (wire.kwic_line(line) for line in found.lines), found.notes)

    def cooccurrence(self, found: Cooccurrence) -> None:
        self.table(wire.COOCCUR_COLUMNS, wire.cooccurrence_rows(found), found.notes)

    def cooccurrences(self, found: list[Cooccurrence]) -> None:
        rows = [row for one in found for row in wire.cooccurrence_rows(one)]
        self.table(wire.COOCCUR_COLUMNS, rows, [f"{one.name}: {note}" for one in found for note in one.notes])

    def watchlist(self, entries: list[WatchEntry]) -> None:
        self.table(wire.WATCHLIST_COLUMNS, [wire.watch_entry(entry) for entry in entries], [])

    def _listed(self, result: SearchResult) -> bool:
        """With ``--facets``, prints the facet rows (instead of the hits) and says True;
        otherwise says on stderr when the hits written are not all the result's."""
        if result.facets is not None:
            self.table(wire.FACET_COLUMNS, wire.facet_rows(result.facets), [])
            return True
        written = result.offset + len(result.hits)
        if result.total is not None and result.query is not None and written < result.total:
            first = f"{result.offset + 1:,}–{written:,}" if result.hits else "none"
            _note(
                f"hits {first} of {about(result)}{result.total:,} written: "
                "--limit and --page choose which (at most 10,000 a page)"
            )
        return False

    def table(self, columns: tuple[str, ...], rows: Iterable[dict], notes: list[str]) -> None:
        """A header (but for JSONL), then the ``rows`` written as they come (``in_time``: a
        streamed view finds them as it reads), then the ``notes``, read once the rows are."""
        raise NotImplementedError


def _note(note: str) -> None:
    print(f"searchkit: note: {safe_text(note, flat=True)}", file=sys.stderr)


class JsonPrinter(_Machine):
    """One JSON document on the stream, and nothing else."""

    indent: int | None = 2

    def _print(self, document: dict) -> None:
        print(self._json(document, indent=self.indent), file=self.stream)

    def results(self, result: SearchResult) -> None:
        self._print(wire.result(result, self.fields))

    def article(self, view: ArticleView) -> None:
        self._print(wire.article(view))

    def report(self, report: IndexReport) -> None:
        self._print(wire.index_report(report))

    def stats(self, stats: IndexStats) -> None:
        self._print(wire.index_stats(stats))

    def check(self, report: CheckReport) -> None:
        self._print(wire.check_report(report))

    def alerts(self, found: list[Alert]) -> None:
        self._print(wire.alerts(found, self.fields))

    def watchlist(self, entries: list[WatchEntry]) -> None:
        self._print({"watchlist": [self._row(wire.watch_entry(entry)) for entry in entries]})

    def batch(self, batch: WatchBatch) -> None:
        """One line a batch, flushed: a script reads each as it comes."""
        print(self._json(wire.watch_batch(batch)), file=self.stream, flush=True)

    def timeline(self, found: Timeline) -> None:
        document = wire.timeline(found)
        self._print(document | {"rows": [self._row(row) for row in document["rows"]]})

    def concordance(self, found: Concordance) -> None:
        """One document still, its ``lines`` written as they are found (``in_time``), what
        follows them once they are all read: the same text ``json.dumps`` would give."""
        head = self._json(wire.concordance_head(found), indent=self.indent)
        self.stream.write(head[: -len("\n}")] + ',\n  "lines": [')
        written = 0
        for lines in in_time(found.lines):
            for line in lines:
                item = self._json(self._row(wire.kwic_line(line)), indent=self.indent).replace("\n", "\n    ")
                self.stream.write(("," if written else "") + "\n    " + item)
                written += 1
            self.stream.flush()
        tail = self._json(wire.concordance_tail(found), indent=self.indent)
        self.stream.write(("\n  ]" if written else "]") + ",\n" + tail[len("{\n") :] + "\n")
        self.stream.flush()

    def cooccurrence(self, found: Cooccurrence) -> None:
        document = wire.cooccurrence(found)
        self._print(document | {"names": [self._row(name) for name in document["names"]]})

    def cooccurrences(self, found: list[Cooccurrence]) -> None:
        self._print({"queries": [wire.cooccurrence(one) for one in found]})

    def names(self, found: NameSpellings) -> None:
        self._print(wire.name_spellings(found))


class JsonlPrinter(_Rows, JsonPrinter):
    """One JSON object a line: a hit (or a row of a view) each for a list, the one object otherwise."""

    indent = None

    def table(self, columns: tuple[str, ...], rows: Iterable[dict], notes: list[str]) -> None:
        columns = self.fields or columns
        for written in in_time(rows):
            for row in written:
                print(self._json({name: row.get(name) for name in columns}), file=self.stream)
            self.stream.flush()
        for note in notes:
            _note(note)

    def results(self, result: SearchResult) -> None:
        if self._listed(result):
            return
        for hit in result.hits:
            self._print(wire.hit(hit, self.fields))

    def alerts(self, found: list[Alert]) -> None:
        """A hit a line, each led by the name of the saved search that found it."""
        for alert in found:
            for hit in alert.result.hits:
                self._print({"alert": alert.name, **wire.hit(hit, self.fields)})


class _Table(_Rows, _Machine):
    """A row a hit, of the chosen fields; nested values as JSON, snippets as their text."""

    default_fields: tuple[str, ...] = CSV_FIELDS

    def alert_rows(self, found: list[Alert]) -> tuple[tuple[str, ...], list[list[str]]]:
        """The rows of every alert's hits, each led by the saved search's name."""
        columns: tuple[str, ...] = self.fields or self.default_fields
        rows = []
        for alert in found:
            _, hits = self.rows(alert.result)
            rows.extend([alert.name, *row] for row in hits)
        return ("alert", *columns), rows

    def rows(self, result: SearchResult) -> tuple[tuple[str, ...], list[list[str]]]:
        columns = self.fields or self.default_fields
        rows = []
        for hit in result.hits:
            record = wire.hit(hit)
            rows.append([self._cell(name, record.get(name)) for name in columns])
        return columns, rows

    def _cell(self, name: str, value: object) -> str:
        """A value as its cell: empty for null, ``true``/``false`` as JSON writes them (not Python's ``True``)."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if name == "snippets":
            return " … ".join(s["text"] for s in value)
        if isinstance(value, (list, dict)):
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    def results(self, result: SearchResult) -> None:
        if self._listed(result):
            return
        self._write(*self.rows(result))

    def alerts(self, found: list[Alert]) -> None:
        self._write(*self.alert_rows(found))

    def _write(self, columns: tuple[str, ...], rows: list[list[str]]) -> None:
        """Writes ``columns`` (but with ``--no-header``) and ``rows`` in the printer's format."""
        raise NotImplementedError

    def article(self, view: ArticleView) -> None:
        raise UsageError("this output is for lists of hits")

    report = stats = batch = article


class CsvPrinter(_Table):
    """RFC 4180: a header row, then a row a hit, fields quoted where needed, CRLF line ends."""

    def table(self, columns: tuple[str, ...], rows: Iterable[dict], notes: list[str]) -> None:
        columns = self.fields or columns
        writer = csv.writer(self.stream, lineterminator="\r\n")
        if self.header:
            writer.writerow(columns)
        for written in in_time(rows):
            writer.writerows([self._cell(name, row.get(name)) for name in columns] for row in written)
            self.stream.flush()
        for note in notes:
            _note(note)

    def _write(self, columns: tuple[str, ...], rows: list[list[str]]) -> None:
        writer = csv.writer(self.stream, lineterminator="\r\n")
        if self.header:
            writer.writerow(columns)
        writer.writerows(rows)


class TsvPrinter(_Table):
    """Tab-separated values, for ``cut`` and ``awk``: a header line (but with ``--no-header``),
    then a line a hit or row; tabs and line breaks in a value are written as spaces."""

    def table(self, columns: tuple[str, ...], rows: Iterable[dict], notes: list[str]) -> None:
        columns = self.fields or columns
        cells = ([self._cell(name, row.get(name)) for name in columns] for row in rows)
        lines = chain([columns], cells) if self.header else cells
        for written in in_time(lines):
            for line in written:
                print("\t".join(safe_text(cell, flat=True) for cell in line), file=self.stream)
            self.stream.flush()
        for note in notes:
            _note(note)

    def _write(self, columns: tuple[str, ...], rows: list[list[str]]) -> None:
        for row in [columns, *rows] if self.header else rows:
            print("\t".join(safe_text(cell, flat=True) for cell in row), file=self.stream)
