"""Showing results: Rich text for people, JSON for scripts.

Article text is data, never markup: it goes into Rich ``Text`` objects (no
markup parsing), and control characters, escape sequences and bidirectional
overrides are replaced one for one by U+FFFD before display, so highlight
offsets stay true and nothing in an article can style, move or rewrite the
terminal.
"""

from __future__ import annotations

import codecs
import json
import os
import sys
from typing import IO

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from .highlight import Snippet, Span
from .index import IndexReport
from .search import ArticleView, Hit, SearchResult

HIGHLIGHT_STYLE = "bold black on yellow"

_UNSAFE = {c: 0xFFFD for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)] if c not in (0x09, 0x0A)}
_UNSAFE.update({c: 0xFFFD for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))})
_FLAT = {**_UNSAFE, 0x09: 0x20, 0x0A: 0x20}


def safe_text(text: str, *, flat: bool = False) -> str:
    """``text`` with every terminal control character replaced, one for one."""
    return text.translate(_FLAT if flat else _UNSAFE)


def make_console(color: str = "auto", file: IO[str] | None = None) -> Console:
    """A console for ``color`` "auto", "always" or "never".

    "auto" styles only a terminal, and never when ``NO_COLOR`` is set; unstyled
    output has no escape codes at all, not even bold.
    """
    stream = file or sys.stdout
    if color == "always":
        return Console(file=stream, force_terminal=True, highlight=False, emoji=False)
    plain = color == "never" or os.environ.get("NO_COLOR") or not stream.isatty()
    return Console(
        file=stream,
        highlight=False,
        emoji=False,
        color_system=None if plain else "auto",
        force_terminal=None if not plain else False,
        width=None if stream.isatty() else 100,
    )


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


KIND_STYLES = {"exact": "green", "accents": "green", "stemmed": "cyan", "variant": "magenta", "fuzzy": "yellow"}


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


def _articles(count: int) -> str:
    return f"{count} article{'s' if count != 1 else ''}"


def render_results(result: SearchResult, console: Console) -> None:
    """The ranked list, one block a hit."""
    shown = len(result.hits)
    first = result.offset + 1
    counted = "Articles " if result.total is None else f"{_articles(result.total)} "
    summary = f"{counted}for {safe_text(result.query, flat=True)!r}"
    if shown:
        summary += f", showing {first}–{result.offset + shown}"
    console.print(Text(summary, style="bold"))
    for suggestion in result.suggestions:
        line = Text("Did you mean ")
        line.append(safe_text(suggestion.query, flat=True), style="bold")
        line.append(f"? ({_articles(suggestion.hits)})")
        console.print(line)
    for hit in result.hits:
        console.print()
        console.print(render_hit(hit))


def render_fields(result: SearchResult, fields: list[str], file: IO[str] | None = None) -> None:
    """One tab-separated line a hit, with the chosen fields: for scripts and ``cut``."""
    for hit in result.hits:
        record = hit_json(hit)
        print("\t".join(safe_text(_plain(record.get(f)), flat=True) for f in fields), file=file or sys.stdout)


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render_article(view: ArticleView, console: Console) -> None:
    """The whole article in a panel, query matches highlighted."""
    meta = [view.date or "no date", view.source, f"id {view.id}", view.url]
    body = Text()
    body.append_text(_highlighted(view.title or "(untitled)", view.title_highlights, flat=True))
    body.stylize("bold")
    body.append("\n")
    body.append(safe_text(" · ".join(m for m in meta if m), flat=True), style="dim")
    body.append("\n\n")
    body.append_text(_highlighted(view.body, view.body_highlights))
    console.print(Panel(body, border_style="dim", padding=(1, 2)))


def result_json(result: SearchResult, fields: list[str] | None = None) -> dict:
    """The ``--json`` document; its schema is in the README."""
    return {
        "query": result.query,
        "total": result.total,
        "offset": result.offset,
        "suggestions": [{"query": s.query, "hits": s.hits} for s in result.suggestions],
        "hits": [hit_json(hit, fields) for hit in result.hits],
    }


HIT_FIELDS = "rank id title date source url origin score partial title_highlights snippets explanation".split()


def hit_json(hit: Hit, fields: list[str] | None = None) -> dict:
    """One hit as JSON, all fields or only ``fields``."""
    record = {
        "rank": hit.rank,
        "id": hit.id,
        "title": hit.title,
        "date": hit.date,
        "source": hit.source,
        "url": hit.url,
        "origin": hit.origin,
        "score": round(hit.score, 4) if hit.score is not None else None,
        "partial": hit.partial,
        "title_highlights": [_span_json(hit.title, s) for s in hit.title_highlights],
        "snippets": [
            {
                "text": s.text,
                "start": s.start,
                "end": s.end,
                "highlights": [
                    {"start": a, "end": b, "text": s.text[a - s.start : b - s.start]} for a, b in s.highlights
                ],
            }
            for s in hit.snippets
        ],
    }
    if hit.explanation:
        record["explanation"] = [
            {
                "part": part.part,
                "score": round(part.score, 4),
                "matches": [{"word": m.word, "kind": m.kind, "count": m.count} for m in part.matches],
            }
            for part in hit.explanation
        ]
    return {f: record.get(f) for f in fields} if fields else record


def dump_jsonl(result: SearchResult, fields: list[str] | None = None, file: IO[str] | None = None) -> None:
    """One JSON object a hit, a line each."""
    stream = file or sys.stdout
    for hit in result.hits:
        text = json.dumps(hit_json(hit, fields), ensure_ascii=not _takes_unicode(stream))
        print(_terminal_safe_json(text), file=stream)


def _span_json(text: str, span: Span) -> dict:
    return {"start": span[0], "end": span[1], "text": text[span[0] : span[1]]}


def dump_json(document: dict, file: IO[str] | None = None) -> None:
    """One JSON document on stdout; bidirectional controls are written as
    ``\\uXXXX`` escapes so that even raw JSON cannot reorder a terminal line.

    Text is written as is to a UTF-8 (or UTF-16, UTF-32) stream; to any other
    (``LC_ALL=C``, ``PYTHONIOENCODING=ascii``) every non-ASCII character is a
    ``\\uXXXX`` escape: the same data, as valid JSON.
    """
    stream = file or sys.stdout
    text = json.dumps(document, ensure_ascii=not _takes_unicode(stream), indent=2)
    print(_terminal_safe_json(text), file=stream)


def _takes_unicode(stream: IO[str]) -> bool:
    """Whether ``stream``'s encoding can write every character."""
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name.startswith("utf")
    except LookupError:
        return False


_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in _UNSAFE if c >= 0x7F}  # json escapes those below


def _terminal_safe_json(text: str) -> str:
    return text.translate(_JSON_ESCAPES)


def render_index_report(report: IndexReport, console: Console) -> None:
    """The summary of an ``index`` run, for a person."""
    console.print(
        Text(
            f"{report.mode}: {report.added} added, {report.updated} updated, {report.removed} removed, "
            f"{report.unchanged} unchanged, {len(report.rejected)} rejected; "
            f"{report.documents} articles in {report.index_dir} "
            f"({report.index_bytes / 1e6:.1f} MB) in {report.seconds:.1f}s"
        )
    )


def render_stats(stats: dict, console: Console) -> None:
    """``searchkit stats`` for a person."""
    rows = [
        ("index", f"{stats['index']} ({stats['generation']})"),
        ("articles", f"{stats['documents']:,} ({stats['dated']:,} dated)"),
        ("dates", f"{stats['first_date'] or '—'} to {stats['last_date'] or '—'}"),
        ("size", f"{stats['bytes'] / 1e6:.1f} MB in {stats['segments']} segment(s)"),
        ("built", f"{stats['created']}, last updated {stats['updated']}"),
        ("corpus", ", ".join(stats["corpus"]) or "—"),
        ("analysis", f"version {stats['analysis']['version']}: {stats['analysis']['stemmer']}"),
    ]
    for source, count in list(stats["sources"].items())[:10]:
        rows.append(("source", f"{count:>7,}  {source}"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        console.print(Text(f"{name:<{width}}  ", style="bold") + Text(safe_text(value, flat=True)))
