"""The printer for people (``--color``, no machine format): Rich, styled on a
terminal, plain text elsewhere; and the renderings of each view.  Imported by
``printers.printer`` when this format is chosen."""

from __future__ import annotations

import errno
import os
import sys
import time
from collections.abc import Callable
from itertools import chain, islice
from typing import IO, TYPE_CHECKING

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from ..wording import counted
from . import about, in_time, safe_text, takes_unicode

if TYPE_CHECKING:
    from ..models import (
        Alert,
        ArticleView,
        CheckReport,
        Concordance,
        Cooccurrence,
        Facet,
        Hit,
        IndexReport,
        IndexStats,
        KwicLine,
        NameSpellings,
        SearchResult,
        Series,
        Snippet,
        Span,
        Timeline,
        WatchBatch,
        WatchEntry,
    )

HIGHLIGHT_STYLE = "bold black on yellow"


def skipped_unknown(files: list[str], shown: int = 5) -> str:
    """``skipped 3 files of unknown type: a.docx, b.pdf, c.odt`` (the first ``shown`` named)."""
    names = ", ".join(files[:shown]) + (f", and {len(files) - shown:,} more" if len(files) > shown else "")
    return f"skipped {counted(len(files), 'file')} of unknown type: {names}"


class _Console(Console):
    """Rich's console, but a reader that went away (``| head -1``) is the
    CLI's to handle (``cli._user_errors``): Rich's own handling exits 1, which
    is searchkit's code for "no hits"."""

    def on_broken_pipe(self) -> None:
        self.quiet = True  # nothing more to print, as Rich does
        raise BrokenPipeError(errno.EPIPE, "the reader of the output went away")


def make_console(color: str = "auto", file: IO[str] | None = None) -> Console:
    """A console for ``color`` "auto", "always" or "never".

    "auto" styles only a terminal, and never when ``NO_COLOR`` is set; unstyled
    output has no escape codes at all, not even bold.  Where ``NO_COLOR`` is
    not set, ``FORCE_COLOR`` (set and not empty) and ``CLICOLOR_FORCE`` (set
    and not 0) make "auto" style any output, as "always" does.

    Only a terminal's lines are wrapped, to its width: a file, a pipe or a
    log gets each line whole (``soft_wrap``), for ``grep`` and ``cut``; the
    views that draw columns lay them out in ``LAYOUT_WIDTH`` there.
    """
    stream = file or sys.stdout
    terminal = stream.isatty()
    lines = {"width": None if terminal else LAYOUT_WIDTH, "soft_wrap": not terminal}
    if color == "auto" and not os.environ.get("NO_COLOR") and _forced_color():
        color = "always"
    if color == "always":
        # The option wins over NO_COLOR, and over a TERM=dumb that would make Rich drop every style.
        styled = {"file": stream, "force_terminal": True, "no_color": False, "highlight": False, "emoji": False}
        console = _Console(**styled, **lines)
        return console if console.color_system is not None else _Console(**styled, **lines, color_system="standard")
    plain = color == "never" or os.environ.get("NO_COLOR") or not terminal
    return _Console(
        file=stream,
        highlight=False,
        emoji=False,
        color_system=None if plain else "auto",
        force_terminal=None if not plain else False,
        **lines,
    )


#: The width the views (timeline, kwic) lay their columns out in where the output is not a terminal.
LAYOUT_WIDTH = 100


def _forced_color() -> bool:
    """Whether the environment asks for colour where it cannot be detected (CI logs, ``| less -R``)."""
    return bool(os.environ.get("FORCE_COLOR")) or os.environ.get("CLICOLOR_FORCE", "0") not in ("", "0")


KIND_STYLES = {"exact": "green", "accents": "green", "stemmed": "cyan", "variant": "magenta", "fuzzy": "yellow"}


class RichPrinter:
    """Ranked hits, articles and reports for a person."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def results(self, result: SearchResult) -> None:
        shown = len(result.hits)
        counted = "Articles " if result.total is None else f"{about(result)}{_articles(result.total)} "
        if result.collapsed_total is not None and result.collapsed_total != result.total:
            counted += f"({result.collapsed_total:,} after collapsing copies) "
        if result.similar_to is not None:
            summary = f"{counted}like article {safe_text(result.similar_to, flat=True)}"
        else:
            summary = f"{counted}for {safe_text(result.query or '', flat=True)!r}"
        if shown:
            summary += f", showing {result.offset + 1}–{result.offset + shown}"
        self.console.print(Text(summary, style="bold"))
        for line in spelling_lines(result):
            self.console.print(Text(line, style="dim"))
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
        if result.facets is not None:
            self.console.print()
            self.console.print(render_facets(result.facets))

    def timeline(self, found: Timeline) -> None:
        self.console.print(render_timeline(found, self.console.width, takes_unicode(self.console.file)))

    def concordance(self, found: Concordance) -> None:
        """The lines as they are found, in columns as wide as the first ``ALIGNED_LINES`` need."""
        self.console.print(concordance_head(found), soft_wrap=True)
        noted = len(found.notes)
        lines = iter(found.lines)
        first = list(islice(lines, ALIGNED_LINES))
        if first:
            row = concordance_row(first, self.console.width)
            for written in in_time(chain(first, lines)):
                self.console.print(Text("\n").join(row(line) for line in written), soft_wrap=True)
        self.console.print(concordance_tail(found, noted), soft_wrap=True)

    def cooccurrence(self, found: Cooccurrence) -> None:
        self.console.print(render_cooccurrence(found))

    def cooccurrences(self, found: list[Cooccurrence]) -> None:
        for i, one in enumerate(found):
            if i:
                self.console.print()
            self.console.print(render_cooccurrence(one))

    def names(self, found: NameSpellings) -> None:
        self.console.print(render_names(found), soft_wrap=True)

    def article(self, view: ArticleView) -> None:
        meta = [view.date or "no date", view.source, f"id {view.id}", view.url]
        body = Text()
        body.append_text(_highlighted(view.title or "(untitled)", view.title_highlights, flat=True))
        body.stylize("bold")
        body.append("\n")
        body.append(safe_text(" · ".join(m for m in meta if m), flat=True), style="dim")
        body.append("\n\n")
        body.append_text(_highlighted(view.body, view.body_highlights))
        # A box needs a width: a file or a pipe gets the article's lines whole, unboxed.
        self.console.print(body if self.console.soft_wrap else Panel(body, border_style="dim", padding=(1, 2)))

    def report(self, report: IndexReport) -> None:
        if report.mode == "none":
            return
        self.console.print(
            Text(
                f"{report.mode}: {report.added:,} added, {report.updated:,} updated, {report.removed:,} removed, "
                f"{report.unchanged:,} unchanged"
                + (f" (skipped {counted(report.skipped, 'unchanged file')})" if report.skipped else "")
                + f", {len(report.rejected):,} rejected"
                + (f", {report.kept:,} kept ({_kept_why(report)})" if report.kept else "")
                + (f", {counted(len(report.warnings), 'warning')}" if report.warnings else "")
                + f"; {_articles(report.documents)} in {safe_text(report.index_dir, flat=True)} "
                f"({report.index_bytes / 1e6:.1f} MB) in {report.seconds:.1f}s"
            )
        )
        if report.unknown:
            self.console.print(Text(safe_text(skipped_unknown(report.unknown), flat=True)))

    def stats(self, stats: IndexStats) -> None:
        rows = [
            ("index", f"{stats.index} ({stats.generation})"),
            ("articles", f"{stats.documents:,} ({stats.dated:,} dated)"),
            ("dates", f"{stats.first_date or '—'} to {stats.last_date or '—'}"),
            ("size", f"{stats.bytes / 1e6:.1f} MB in {counted(stats.segments, 'segment')}"),
            ("built", f"{stats.created}, last updated {stats.updated}"),
            *(("corpus", path if os.path.exists(path) else f"{path} (missing)") for path in stats.corpus or ["—"]),
            ("analysis", f"version {stats.analysis.version}: {stats.analysis.stemmer}"),
        ]
        for source, count in list(stats.sources.items())[:10]:
            rows.append(("source", f"{count:>7,}  {source}"))
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            self.console.print(Text.assemble((f"{name:<{width}}  ", "bold"), safe_text(value, flat=True)))

    def check(self, report: CheckReport) -> None:
        read = f"{report.files:,} files ({report.bytes / 1e6:.1f} MB)"
        if report.deep:
            read += f", {report.articles:,} articles and {report.postings:,} postings"
        where = f"{report.index_dir} ({report.generation})" if report.generation else report.index_dir
        if report.healthy:
            self.console.print(Text(f"ok: {where}: read {read}; every one as committed", style="green"))
            return
        problems = counted(len(report.problems), "problem")
        self.console.print(Text(f"damaged: {where}: read {read}; {problems}:", style="bold red"))
        for problem in report.problems:
            self.console.print(Text(f"  {safe_text(problem, flat=True)}"))

    def alerts(self, found: list[Alert]) -> None:
        for i, alert in enumerate(found):
            if i:
                self.console.print()
            result = alert.result
            head = Text(safe_text(alert.name, flat=True), style="bold")
            since = f"since {alert.since}" if alert.since else "from the start"
            if alert.error:
                head.append(f": {safe_text(alert.error, flat=True)}", style="red")
            elif result.hits:
                count = result.total if result.total is not None else len(result.hits)
                head.append(f": {counted(count, 'new article')} for ")
                head.append(safe_text(result.query or "", flat=True), style="bold")
                head.append(f" ({since})", style="dim")
            else:
                head.append(f": nothing new for {safe_text(result.query or '', flat=True)} ({since})", style="dim")
            self.console.print(head)
            for line in spelling_lines(result):
                self.console.print(Text(line, style="dim"))
            for note in result.notes:
                self.console.print(Text(safe_text(note, flat=True), style="dim"))
            for hit in result.hits:
                self.console.print()
                self.console.print(render_hit(hit))

    def watchlist(self, entries: list[WatchEntry]) -> None:
        if not entries:
            self.console.print(Text("No saved searches: add one with `searchkit watchlist add NAME QUERY`."))
            return
        width = max(len(e.name) for e in entries)
        for entry in entries:
            line = Text(f"{safe_text(entry.name, flat=True):<{width}}  ", style="bold")
            line.append(safe_text(entry.query, flat=True))
            filters = [
                f"--since {entry.since}" if entry.since else None,
                f"--until {entry.until}" if entry.until else None,
            ]
            filters.append(f"--source {entry.source!r}" if entry.source else None)
            shown = " ".join(f for f in filters if f)
            if shown:
                line.append(f"  {safe_text(shown, flat=True)}", style="cyan")
            line.append(f"  (checked {entry.checked or 'never'})", style="dim")
            self.console.print(line)

    def batch(self, batch: WatchBatch) -> None:
        report = batch.report
        files = f"{counted(batch.files, 'file')} read"
        if batch.gone:
            files += f", {batch.gone:,} gone"
        self.console.print(
            Text(
                f"{time.strftime('%H:%M:%S')} batch {batch.batch} ({files}): {report.added:,} added, "
                f"{report.updated:,} updated, {report.removed:,} removed, {len(report.rejected):,} rejected"
                + (f", {report.kept:,} kept" if report.kept else "")
                + f"; {report.documents:,} articles; {report.seconds:.2f}s"
            ),
            soft_wrap=True,  # one line a batch, for logs and grep
        )


def _kept_why(report: IndexReport) -> str:
    """Why the articles ``kept`` were kept: their files were not named this time, or not read whole."""
    whole = report.kept - report.not_named
    if not whole:
        return "their files were not named this time"
    if not report.not_named:
        return "their files were not read whole"
    return f"{report.not_named:,} of files not named this time, {whole:,} of files not read whole"


def spelling_lines(result: SearchResult) -> list[str]:
    """Where the count comes from: "Sheen: 4 Sheen, 1,553 Chine" for each word searching several spellings."""
    from ..names.view import spelling_note  # the query modules under it: only a search's result has spellings

    return [safe_text(spelling_note(found), flat=True) for found in result.spellings]


def _articles(count: int) -> str:
    return counted(count, "article")


def _highlighted(text: str, spans: tuple[Span, ...], offset: int = 0, *, flat: bool = False) -> Text:
    shown = Text(safe_text(text, flat=flat))
    for start, end in spans:
        shown.stylize(HIGHLIGHT_STYLE, start - offset, end - offset)
    return shown


def _snippet_text(snippet: Snippet, body_length: int) -> Text:
    line = Text()
    if snippet.start > 0:
        line.append("… ", style="dim")
    line.append_text(_highlighted(snippet.text, snippet.highlights, snippet.start, flat=True))
    if snippet.end < body_length:
        line.append(" …", style="dim")
    return line


class _Hanging:
    """Lines under a rank, each wrapped with a hanging indent: a long title or
    snippet goes on under itself, never back at the left margin."""

    def __init__(self, rank: Text, parts: list[Text]) -> None:
        self.rank = rank
        self.parts = parts

    def __rich_console__(self, console, options):
        indent = max(len(self.rank), HIT_INDENT)
        width = max(options.max_width - indent, 20)
        first = True
        for part in self.parts:
            overflow = "ignore" if options.no_wrap else "fold"  # unwrapped: nothing cut either
            for line in part.wrap(console, width, overflow=overflow, no_wrap=options.no_wrap):
                line.rstrip()
                yield Text.assemble(self.rank if first else " " * indent, line, end="\n")
                first = False


HIT_INDENT = 5  #: the rank column: "  1. "


def render_hit(hit: Hit) -> _Hanging:
    """One hit as a block: rank and title, its facts, its snippets, why it matched."""
    rank = Text(f"{hit.rank:>3}. ", style="bold")
    head = _highlighted(hit.title or "(untitled)", hit.title_highlights, flat=True)
    head.stylize("bold")
    details = [
        hit.date or "no date",
        safe_text(hit.source or "", flat=True) or None,
        f"id {safe_text(hit.id, flat=True)}",
        f"score {hit.score:.2f}" if hit.score is not None else None,
    ]
    meta = Text(" · ".join(d for d in details if d), style="dim")
    if hit.partial:
        meta.append(" · partial match", style="italic")
    if hit.copies:
        meta.append(f" · +{len(hit.copies):,} cop{'ies' if len(hit.copies) > 1 else 'y'}", style="bold yellow")
    lines = [head, meta]
    lines.extend(_snippet_text(s, hit.body_length) for s in hit.snippets)
    if hit.shared:
        shared = Text("shares: ", style="dim italic")
        shared.append(", ".join(safe_text(word, flat=True) for word in hit.shared), style="dim")
        lines.append(shared)
    lines.extend(_explanation_lines(hit))
    return _Hanging(rank, lines)


def _explanation_lines(hit: Hit) -> list[Text]:
    """``why`` lines: per query word, the article's words it matched and how, and its score."""
    lines = []
    for part in hit.explanation:
        line = Text("why ", style="dim")
        line.append(safe_text(part.part, flat=True), style="bold")
        line.append(" → ")
        for i, match in enumerate(part.matches):
            if i:
                line.append(", ")
            line.append(safe_text(match.word, flat=True))
            line.append(f" {match.kind}", style=KIND_STYLES.get(match.kind, "blue"))
            if match.source:
                line.append(f" ({match.source})", style="dim")
            if match.count > 1:
                line.append(f" ×{match.count}", style="dim")
        if not part.matches:
            line.append("(no word shown)", style="dim")
        line.append(f"  +{part.score:.2f}", style="dim")
        lines.append(line)
    return lines


# --- research views -----------------------------------------------------------------------

#: Facet values shown under the hits, each facet (``--json`` and ``--csv`` give them all).
SHOWN_FACET_VALUES = 12
_EIGHTHS = " ▏▎▍▌▋▊▉█"


def _bar(value: float, width: int, unicode: bool) -> str:
    """A bar of ``value`` (0 to 1) of ``width`` cells: eighths of a cell in Unicode, ``#`` otherwise."""
    if not unicode:
        return "#" * round(value * width)
    eighths = round(value * width * 8)
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


def render_timeline(found: Timeline, width: int, unicode: bool = True) -> Text:
    """A bar a bucket, the queries side by side on one scale, each query's total and peak below."""
    shares = [found.shares(series) for series in found.series]
    values = shares if found.share else [series.counts for series in found.series]
    labels = [bucket.label for bucket in found.buckets]
    label_width = max([len(label) for label in labels] + [len("undated")])
    figures = [
        [_percent(v) if found.share else f"{v:,}" for v in column] + [f"{series.total:,}"]
        for column, series in zip(values, found.series, strict=True)
    ]
    figure_width = max(len(f) for column in figures for f in column)
    column_width = max(12, (width - label_width - 1) // max(1, len(found.series)) - 1)
    bar_width = max(4, column_width - figure_width - 2)
    top = max((v or 0 for column in values for v in column), default=0) or 1
    what = "share of articles" if found.share else "articles"
    queries = " and ".join(repr(safe_text(series.label, flat=True)) for series in found.series)
    out = Text(f"{what.capitalize()} a {found.unit} for {queries}", style="bold")
    header = Text("\n" + " " * label_width)
    for series in found.series:
        header.append(" " + safe_text(series.label, flat=True)[:column_width].ljust(column_width), style="bold")
    header.rstrip()
    out.append_text(header)
    palette = ("cyan", "magenta", "green", "yellow", "blue", "red")
    for i, label in enumerate(labels):
        line = Text("\n" + label.ljust(label_width))
        for q, column in enumerate(values):
            value = column[i] or 0
            line.append(" ")
            line.append(_bar(value / top, bar_width, unicode).ljust(bar_width), style=palette[q % len(palette)])
            line.append(" " + figures[q][i].rjust(figure_width), style="dim" if not value else "")
            line.append(" " * (column_width - bar_width - figure_width - 1))
        line.rstrip()
        out.append_text(line)
    for series in found.series:
        line = Text(f"\n{safe_text(series.label, flat=True)}: ", style="bold")
        line.append(f"{_articles(series.total)}")
        if series.name:
            line.append(f" ({safe_text(series.query, flat=True)})", style="dim")
        line.append(peak_words(found, series))
        if series.undated:
            line.append(f", {series.undated:,} undated (not drawn)")
        if series.trimmed:
            line.append(f", {series.trimmed:,} outside the chart's range (not drawn)")
        out.append_text(line)
    for note in found.notes:
        out.append("\n" + safe_text(note, flat=True), style="dim")
    return out


def peak_words(found: Timeline, series: Series) -> str:
    """``, peak 2022-03: 120 articles, 9.8% of the query's 1,224 and 3.9% of all 3,080 that month``: what each
    percentage is a share of, said in words (the peak by count, or by share of the bucket with ``--share``)."""
    peak = found.peak(series)
    if not peak:
        return ""
    bucket, count = peak
    everything = found.articles[found.buckets.index(bucket)]
    of_query = f"{_percent(count / series.total)} of the query's {series.total:,}" if series.total else ""
    of_bucket = f"{_percent(count / everything)} of all {everything:,} articles that {found.unit}" if everything else ""
    return f", peak {bucket.label}: {_articles(count)}, " + " and ".join(p for p in (of_query, of_bucket) if p)


def _percent(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.1f}%" if value >= 0.001 or not value else "<0.1%"


#: The lines a concordance's columns are fitted to; later ones are written in the same columns.
ALIGNED_LINES = 100


def concordance_head(found: Concordance) -> Text:
    """What a concordance says before its lines: the query, its matching articles, where the count comes from."""
    out = Text(f"Occurrences of {safe_text(found.query, flat=True)!r} in {_articles(found.articles)}", style="bold")
    for note in found.notes:
        out.append("\n" + safe_text(note, flat=True), style="dim")
    return out


def concordance_tail(found: Concordance, noted: int = 0) -> Text:
    """What a concordance says after its lines: how many, from how many articles, and the
    notes past the first ``noted`` (the head's)."""
    out = Text(
        f"{counted(found.occurrences, 'occurrence')} in {found.read:,} of {_articles(found.articles)}",
        style="bold",
    )
    for note in found.notes[noted:]:
        out.append("\n" + safe_text(note, flat=True), style="dim")
    return out


#: Characters of context either side below which a concordance drops its date column to keep them.
MIN_CONTEXT = 10


def concordance_row(lines: list[KwicLine], width: int) -> Callable[[KwicLine], Text]:
    """A line an occurrence: date and id, then the context either side of a centre
    column of keywords, the columns fitted to ``lines`` and ``width``.  Ids are shown
    whole, since they are pasted into ``show``: the context gives way on a narrow
    terminal, and below ``MIN_CONTEXT`` the date column too."""
    id_width = max(len(safe_text(line.id, flat=True)) for line in lines)
    keyword_width = min(30, max(len(line.keyword) for line in lines))
    dated = width - (10 + 1 + id_width + 2) - keyword_width - 2 >= 2 * MIN_CONTEXT
    lead = (10 + 1 if dated else 0) + id_width + 2
    side = max(4, (width - lead - keyword_width - 2) // 2)

    def row(line: KwicLine) -> Text:
        shown = Text((line.date or "no date").ljust(10) + " " if dated else "", style="dim")
        shown.append(safe_text(line.id, flat=True).ljust(id_width) + "  ", style="dim")
        shown.append(_clipped(safe_text(line.pre, flat=True), side, left=True).rjust(side) + " ")
        shown.append(safe_text(line.keyword, flat=True).ljust(keyword_width), style=HIGHLIGHT_STYLE)
        shown.append(" " + _clipped(safe_text(line.post, flat=True), side))
        return shown

    return row


def _clipped(text: str, width: int, *, left: bool = False) -> str:
    """``text`` cut to ``width`` characters at a word boundary, keeping its end (``left``) or its start."""
    if len(text) <= width:
        return text
    if left:
        kept = text[-width:]
        return kept.split(" ", 1)[1] if " " in kept and not text[-width - 1].isspace() else kept
    kept = text[:width]
    return kept.rsplit(" ", 1)[0] if " " in kept and not text[width].isspace() else kept


def render_cooccurrence(found: Cooccurrence) -> Text:
    """A row a name: matching articles naming it, their share, articles of the whole index, lift, spellings."""
    what = safe_text(found.query, flat=True)
    what = f"{safe_text(found.name, flat=True)} ({what})" if found.name else repr(what)
    out = Text(
        f"Names in the {_articles(found.articles)} for {what} "
        f"(of {found.corpus:,} in the index), named in at least {found.min_articles:,}"
        + (", by lift" if found.sort == "lift" else ""),
        style="bold",
    )
    for note in found.notes:
        out.append("\n" + safe_text(note, flat=True), style="dim")
    if not found.names:
        return out
    names = [safe_text(n.name, flat=True) for n in found.names]
    name_width = min(28, max(len(n) for n in names))
    out.append(
        "\n" + "name".ljust(name_width) + f"  {'articles':>8}  {'share':>6}  {'in index':>8}  {'lift':>7}  spellings",
        style="bold",
    )
    for name, shown in zip(found.names, names, strict=True):
        share = name.articles / found.read if found.read else 0
        corpus = ("~" if name.corpus_estimated else "") + f"{name.corpus_articles:,}"
        out.append(
            "\n" + shown[:name_width].ljust(name_width) + f"  {name.articles:>8,}  {_percent(share):>6}  "
            f"{corpus:>8}  {name.lift:>7.1f}  "
        )
        spellings = ", ".join(f"{safe_text(s, flat=True)} {c:,}" for s, c in name.spellings)
        out.append(spellings, style="dim")
    return out


def render_facets(found: list[Facet]) -> Text:
    """Each facet's values with their counts, the most frequent sources first, dates in order."""
    out = Text()
    for i, facet in enumerate(found):
        if i:
            out.append("\n")
        out.append(f"By {facet.name}", style="bold")
        shown = facet.counts[:SHOWN_FACET_VALUES] if facet.name == "source" else facet.counts
        for count in shown:
            value = safe_text(count.value, flat=True) if count.value is not None else f"(no {facet.name})"
            out.append(f"\n{count.count:>8,}  {value}")
        if len(shown) < len(facet.counts):
            out.append(
                f"\n{'':>8}  … {len(facet.counts) - len(shown):,} more (--json or --csv lists them all)", style="dim"
            )
    return out


def render_names(found: NameSpellings) -> Text:
    """A block a query word: its spellings, each with its articles, source and, when learned, the evidence."""
    out = Text()
    for i, word in enumerate(found.words):
        if i:
            out.append("\n\n")
        head = f"{safe_text(word.word, flat=True)}: "
        if word.exact:
            head += "this spelling only (=)"
        else:
            searched = len(word.spellings)
            head += f"{counted(searched, 'spelling')} searched"
            if not word.name:
                head += " (not written as a name: the word alone)"
        in_phrase = any(s.in_phrase is not None for s in word.spellings)
        if in_phrase:
            head += f", counted in the {counted(word.matched, 'article')} the phrase matches"
        out.append(head, style="bold")
        width = max(len(safe_text(s.written or s.spelling, flat=True)) for s in word.spellings)
        for spelling in word.spellings:
            shown = safe_text(spelling.written or spelling.spelling, flat=True)
            articles = spelling.in_phrase if spelling.in_phrase is not None else spelling.articles
            out.append(f"\n  {shown:<{width}}  {articles:>7,}  ")
            out.append(spelling.source, style=NAME_SOURCE_STYLES.get(spelling.source, ""))
            for link in spelling.links:
                out.append("\n" + " " * (width + 14) + safe_text(_link_text(link), flat=True), style="dim")
        if word.unnamed:
            hold = "holds" if word.unnamed == 1 else "hold"
            said = (
                f"{word.unnamed:,} of the {counted(word.matched, 'article')} it matches {hold} none of these spellings"
            )
            out.append(f"\n  {said} as a name: the word in lower case, or a form of its stem", style="dim")
        if word.stem_left_out:
            others = ", ".join(f"{safe_text(name, flat=True)} {n:,}" for name, n in word.stem_left_out)
            if word.stem_read:
                said = f"its stem searched for its ordinary uses, not for the other names sharing it: {others}"
            else:
                said = f"not its stem, which other names share: {others}"
            out.append(f"\n  {said}", style="dim")
        if word.rejected:
            out.append(f"\n  decided apart ({len(word.rejected)}):", style="bold")
            for decision in word.rejected:
                out.append("\n    " + safe_text(_link_text({"source": decision["proposed"], **decision}), flat=True))
    return out


NAME_SOURCE_STYLES = {
    "query": "green",
    "rule": "cyan",
    "exonym": "cyan",
    "form": "blue",
    "alias": "yellow",
    "learned": "magenta",
}


def _link_text(link: dict) -> str:
    """One merge that brought a spelling: ``learned: Kadhafi = Khadafi; first names mouammar 12/3 …``."""
    a, b = link["spellings"]
    text = f"{link['source']}: {a} = {b}"
    if link.get("surname"):
        text += f" (beside {link['surname']})"
    evidence = link.get("evidence") or {}
    details = []
    if evidence.get("first_names"):
        shared = ", ".join(f"{f} {x}/{y}" for f, (x, y) in evidence["first_names"].items())
        details.append(f"first names {shared} (agreement {evidence.get('agreement', 0):.0%})")
    if evidence.get("reason") or link.get("reason"):
        details.insert(0, evidence.get("reason") or link.get("reason"))
    if "context" in evidence:  # None: no name around the rarer spelling that another article holds
        context = evidence["context"]
        details.append("no context to compare" if context is None else f"context {context:.0%}")
    if evidence.get("phrase") is not None:  # the share of the usual spelling's articles writing the slip's phrase
        details.append(f"phrase {evidence['phrase']:.0%}")
    if evidence.get("titles"):
        details.append("titles " + ", ".join(f"{t} {x}/{y}" for t, (x, y) in evidence["titles"].items()))
    if evidence.get("before_surname"):
        x, y = evidence["before_surname"]
        details.append(f"before {evidence.get('surname')} {x}/{y}")
    if "articles" in evidence:
        x, y = evidence["articles"]
        together = evidence.get("together")
        details.append(f"articles {x}/{y}" + ("" if together is None else f", together {together}"))
    return text + ("; " + "; ".join(details) if details else "")
