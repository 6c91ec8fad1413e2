"""Printing what searchkit answers: one printer per output format, as ripgrep's printers.

``Output`` is the one set of output options every command takes (``--json``,
``--jsonl``, ``--csv``, ``--fields``, ``--color``), checked before any index is
opened; ``printer(output)`` gives the printer for it.  Every printer prints
the same values (``searchkit.models``), the machine formats through the JSON
shapes of ``searchkit.wire``:

- ``RichPrinter``: for people, styled on a terminal, plain text elsewhere;
- ``JsonPrinter``: one JSON document;
- ``JsonlPrinter``: one JSON object a line (a hit, a row);
- ``CsvPrinter``: RFC 4180, UTF-8, a header row, then a row a hit;
- ``TsvPrinter``: the ``--fields`` alone: one tab-separated line a hit, for ``cut`` and ``awk``.

Article text is data, never markup: it goes into Rich ``Text`` objects (no
markup parsing), and control characters, escape sequences and bidirectional
overrides are replaced one for one by U+FFFD before display, so highlight
offsets stay true and nothing in an article can style, move or rewrite the
terminal.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import sys
from dataclasses import dataclass
from typing import IO, Protocol

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from . import wire
from .errors import UsageError
from .models import ArticleView, Hit, IndexReport, IndexStats, SearchResult, Snippet, Span

HIGHLIGHT_STYLE = "bold black on yellow"
#: The columns of ``--csv`` when ``--fields`` does not choose them.
CSV_FIELDS = ("rank", "id", "title", "date", "source", "url", "origin", "score", "partial", "snippets")
FORMATS = ("rich", "json", "jsonl", "csv", "tsv")

_UNSAFE = {c: 0xFFFD for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)] if c not in (0x09, 0x0A)}
_UNSAFE.update({c: 0xFFFD for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))})
_FLAT = {**_UNSAFE, 0x09: 0x20, 0x0A: 0x20}
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in _UNSAFE if c >= 0x7F}  # json escapes those below


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


def output(
    *,
    json_output: bool = False,
    jsonl: bool = False,
    csv_output: bool = False,
    fields: str | None = None,
    color: str = "auto",
    tabular: bool = True,
) -> Output:
    """The output the options ask for; ``UsageError`` for options that cannot go together.

    ``tabular`` says whether the command prints a list of hits, which
    ``--jsonl``, ``--csv`` and ``--fields`` are for.
    """
    chosen = [name for name, on in (("--json", json_output), ("--jsonl", jsonl), ("--csv", csv_output)) if on]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} cannot be used together: choose one output format")
    picked = tuple(f.strip() for f in fields.split(",") if f.strip()) if fields is not None else None
    if picked is not None:
        unknown = [f for f in picked if f not in wire.HIT_FIELDS]
        if unknown or not picked:
            raise UsageError(
                f"unknown field(s) {', '.join(unknown) or '(none given)'}: choose from {', '.join(wire.HIT_FIELDS)}"
            )
    form = {"--json": "json", "--jsonl": "jsonl", "--csv": "csv"}.get(chosen[0]) if chosen else None
    form = form or ("tsv" if picked else "rich")
    if not tabular and (form in ("jsonl", "csv", "tsv") or picked):
        raise UsageError(f"{chosen[0] if chosen else '--fields'} is for lists of hits; this command prints one thing")
    return Output(form, picked, color)


class Printer(Protocol):
    def results(self, result: SearchResult) -> None: ...
    def article(self, view: ArticleView) -> None: ...
    def report(self, report: IndexReport) -> None: ...
    def stats(self, stats: IndexStats) -> None: ...


def printer(chosen: Output, stream: IO[str] | None = None) -> Printer:
    """The printer for ``chosen``, writing to ``stream`` (stdout by default)."""
    stream = stream or sys.stdout
    if chosen.format == "rich":
        return RichPrinter(make_console(chosen.color, stream))
    return {"json": JsonPrinter, "jsonl": JsonlPrinter, "csv": CsvPrinter, "tsv": TsvPrinter}[chosen.format](
        stream, chosen.fields
    )


# --- for people --------------------------------------------------------------------------


def make_console(color: str = "auto", file: IO[str] | None = None) -> Console:
    """A console for ``color`` "auto", "always" or "never".

    "auto" styles only a terminal, and never when ``NO_COLOR`` is set; unstyled
    output has no escape codes at all, not even bold.
    """
    stream = file or sys.stdout
    if color == "always":
        # The option wins over NO_COLOR, and over a TERM=dumb that would make Rich drop every style.
        styled = {"file": stream, "force_terminal": True, "no_color": False, "highlight": False, "emoji": False}
        console = Console(**styled)
        return console if console.color_system is not None else Console(**styled, color_system="standard")
    plain = color == "never" or os.environ.get("NO_COLOR") or not stream.isatty()
    return Console(
        file=stream,
        highlight=False,
        emoji=False,
        color_system=None if plain else "auto",
        force_terminal=None if not plain else False,
        width=None if stream.isatty() else 100,
    )


KIND_STYLES = {"exact": "green", "accents": "green", "stemmed": "cyan", "variant": "magenta", "fuzzy": "yellow"}


class RichPrinter:
    """Ranked hits, articles and reports for a person."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def results(self, result: SearchResult) -> None:
        shown = len(result.hits)
        counted = "Articles " if result.total is None else f"{_articles(result.total)} "
        if result.similar_to is not None:
            summary = f"{counted}like article {safe_text(result.similar_to, flat=True)}"
        else:
            summary = f"{counted}for {safe_text(result.query or '', flat=True)!r}"
        if shown:
            summary += f", showing {result.offset + 1}–{result.offset + shown}"
        self.console.print(Text(summary, style="bold"))
        for note in result.notes:
            self.console.print(Text(safe_text(note, flat=True), style="dim"))
        for suggestion in result.suggestions:
            line = Text("Did you mean ")
            line.append(safe_text(suggestion.query, flat=True), style="bold")
            line.append(f"? ({_articles(suggestion.hits)})")
            self.console.print(line)
        for hit in result.hits:
            self.console.print()
            self.console.print(render_hit(hit))

    def article(self, view: ArticleView) -> None:
        meta = [view.date or "no date", view.source, f"id {view.id}", view.url]
        body = Text()
        body.append_text(_highlighted(view.title or "(untitled)", view.title_highlights, flat=True))
        body.stylize("bold")
        body.append("\n")
        body.append(safe_text(" · ".join(m for m in meta if m), flat=True), style="dim")
        body.append("\n\n")
        body.append_text(_highlighted(view.body, view.body_highlights))
        self.console.print(Panel(body, border_style="dim", padding=(1, 2)))

    def report(self, report: IndexReport) -> None:
        if report.mode == "none":
            return
        self.console.print(
            Text(
                f"{report.mode}: {report.added} added, {report.updated} updated, {report.removed} removed, "
                f"{report.unchanged} unchanged, {len(report.rejected)} rejected"
                + (f", {report.kept} kept (their files were not read whole)" if report.kept else "")
                + f"; {report.documents} articles in {safe_text(report.index_dir, flat=True)} "
                f"({report.index_bytes / 1e6:.1f} MB) in {report.seconds:.1f}s"
            )
        )

    def stats(self, stats: IndexStats) -> None:
        rows = [
            ("index", f"{stats.index} ({stats.generation})"),
            ("articles", f"{stats.documents:,} ({stats.dated:,} dated)"),
            ("dates", f"{stats.first_date or '—'} to {stats.last_date or '—'}"),
            ("size", f"{stats.bytes / 1e6:.1f} MB in {stats.segments} segment(s)"),
            ("built", f"{stats.created}, last updated {stats.updated}"),
            ("corpus", ", ".join(stats.corpus) or "—"),
            ("analysis", f"version {stats.analysis.version}: {stats.analysis.stemmer}"),
        ]
        for source, count in list(stats.sources.items())[:10]:
            rows.append(("source", f"{count:>7,}  {source}"))
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            self.console.print(Text(f"{name:<{width}}  ", style="bold") + Text(safe_text(value, flat=True)))


def _articles(count: int) -> str:
    return f"{count:,} article{'s' if count != 1 else ''}"


def _highlighted(text: str, spans: tuple[Span, ...], offset: int = 0, *, flat: bool = False) -> Text:
    shown = Text(safe_text(text, flat=flat))
    for start, end in spans:
        shown.stylize(HIGHLIGHT_STYLE, start - offset, end - offset)
    return shown


def _snippet_text(snippet: Snippet, body_length: int) -> Text:
    line = Text("     ")
    if snippet.start > 0:
        line.append("… ", style="dim")
    line.append_text(_highlighted(snippet.text, snippet.highlights, snippet.start, flat=True))
    if snippet.end < body_length:
        line.append(" …", style="dim")
    return line


def render_hit(hit: Hit) -> Text:
    """One hit as a block: rank and title, its facts, its snippets, why it matched."""
    head = Text(f"{hit.rank:>3}. ", style="bold")
    head.append_text(_highlighted(hit.title or "(untitled)", hit.title_highlights, flat=True))
    head.stylize("bold", 5)
    details = [
        hit.date or "no date",
        safe_text(hit.source or "", flat=True) or None,
        f"id {safe_text(hit.id, flat=True)}",
        f"score {hit.score:.2f}" if hit.score is not None else None,
    ]
    meta = Text("     " + " · ".join(d for d in details if d), style="dim")
    if hit.partial:
        meta.append(" · partial match", style="italic")
    lines = [head, meta]
    lines.extend(_snippet_text(s, hit.body_length) for s in hit.snippets)
    lines.extend(_explanation_lines(hit))
    return Text("\n").join(lines)


def _explanation_lines(hit: Hit) -> list[Text]:
    """``why`` lines: per query word, the article's words it matched and how, and its score."""
    lines = []
    for part in hit.explanation:
        line = Text("     why ", style="dim")
        line.append(safe_text(part.part, flat=True), style="bold")
        line.append(" → ")
        for i, match in enumerate(part.matches):
            if i:
                line.append(", ")
            line.append(safe_text(match.word, flat=True))
            line.append(f" {match.kind}", style=KIND_STYLES.get(match.kind, "blue"))
            if match.count > 1:
                line.append(f" ×{match.count}", style="dim")
        if not part.matches:
            line.append("(no word shown)", style="dim")
        line.append(f"  +{part.score:.2f}", style="dim")
        lines.append(line)
    return lines


# --- for scripts ----------------------------------------------------------------------------


class _Machine:
    """What the machine formats share: a stream and the chosen hit fields."""

    def __init__(self, stream: IO[str], fields: tuple[str, ...] | None = None) -> None:
        self.stream = stream
        self.fields = fields

    def _json(self, document: object, indent: int | None = None) -> str:
        """JSON text; bidirectional controls are written as ``\\uXXXX`` escapes so
        that even raw JSON cannot reorder a terminal line, and every non-ASCII
        character is escaped for a stream that cannot encode it (``LC_ALL=C``)."""
        text = json.dumps(document, ensure_ascii=not _takes_unicode(self.stream), indent=indent)
        return text.translate(_JSON_ESCAPES)


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


class JsonlPrinter(JsonPrinter):
    """One JSON object a line: a hit each for a list, the one object otherwise."""

    indent = None

    def results(self, result: SearchResult) -> None:
        for hit in result.hits:
            self._print(wire.hit(hit, self.fields))


class _Table(_Machine):
    """A row a hit, of the chosen fields; nested values as JSON, snippets as their text."""

    default_fields: tuple[str, ...] = CSV_FIELDS

    def rows(self, result: SearchResult) -> tuple[tuple[str, ...], list[list[str]]]:
        columns = self.fields or self.default_fields
        rows = []
        for hit in result.hits:
            record = wire.hit(hit)
            rows.append([self._cell(name, record.get(name)) for name in columns])
        return columns, rows

    def _cell(self, name: str, value: object) -> str:
        if value is None:
            return ""
        if name == "snippets":
            return " … ".join(s["text"] for s in value)
        if isinstance(value, (list, dict)):
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    def article(self, view: ArticleView) -> None:
        raise UsageError("this output is for lists of hits")

    report = stats = article


class CsvPrinter(_Table):
    """RFC 4180: a header row, then a row a hit, fields quoted where needed, CRLF line ends."""

    def results(self, result: SearchResult) -> None:
        columns, rows = self.rows(result)
        writer = csv.writer(self.stream, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows(rows)


class TsvPrinter(_Table):
    """The chosen ``--fields``, tab-separated, a line a hit, no header: for ``cut`` and ``awk``."""

    def results(self, result: SearchResult) -> None:
        _, rows = self.rows(result)
        for row in rows:
            print("\t".join(safe_text(cell, flat=True) for cell in row), file=self.stream)


def _takes_unicode(stream: IO[str]) -> bool:
    """Whether ``stream``'s encoding can write every character."""
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name.startswith("utf")
    except LookupError:
        return False
