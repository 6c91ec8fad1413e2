"""The JSON shapes of everything searchkit prints, in one place.

Every command's ``--json``, ``--jsonl`` and ``--csv`` output is built from
these: one hit shape, one article shape, and one span shape everywhere,
``{"start", "end", "text"}`` with character offsets into the stored title or
body.  The README documents them once.
"""

from __future__ import annotations

from dataclasses import asdict

from .corpus import Rejection
from .models import ArticleView, Hit, IndexReport, IndexStats, SearchResult, Snippet, Span

#: The fields of a hit, in order; ``--fields`` chooses among them.
HIT_FIELDS = (
    "rank",
    "id",
    "title",
    "date",
    "source",
    "url",
    "origin",
    "score",
    "partial",
    "title_highlights",
    "snippets",
    "explanation",
)


def span(text: str, where: Span) -> dict:
    return {"start": where[0], "end": where[1], "text": text[where[0] : where[1]]}


def snippet(part: Snippet) -> dict:
    """A passage of the body; its highlights are offsets into the body, like every span."""
    offset = part.start
    return {
        "text": part.text,
        "start": part.start,
        "end": part.end,
        "highlights": [{"start": a, "end": b, "text": part.text[a - offset : b - offset]} for a, b in part.highlights],
    }


def hit(found: Hit, fields: tuple[str, ...] | None = None) -> dict:
    """One hit, all its fields or only ``fields``."""
    record = {
        "rank": found.rank,
        **_facts(found),
        "score": round(found.score, 4) if found.score is not None else None,
        "partial": found.partial,
        "title_highlights": [span(found.title, s) for s in found.title_highlights],
        "snippets": [snippet(s) for s in found.snippets],
    }
    if found.explanation:
        record["explanation"] = [
            {
                "part": part.part,
                "score": round(part.score, 4),
                "matches": [{"word": m.word, "kind": m.kind, "count": m.count} for m in part.matches],
            }
            for part in found.explanation
        ]
    return {f: record.get(f) for f in fields} if fields else record


def result(found: SearchResult, fields: tuple[str, ...] | None = None) -> dict:
    """A ranked list: ``query`` for a search, ``similar_to`` for ``similar`` (the other null)."""
    return {
        "query": found.query,
        "similar_to": found.similar_to,
        "total": found.total,
        "offset": found.offset,
        "suggestions": [{"query": s.query, "hits": s.hits} for s in found.suggestions],
        "notes": list(found.notes),
        "hits": [hit(h, fields) for h in found.hits],
    }


def _facts(item: Hit | ArticleView) -> dict:
    """What a hit and a whole article share: the article's stored facts."""
    return {
        "id": item.id,
        "title": item.title,
        "date": item.date,
        "source": item.source,
        "url": item.url,
        "origin": item.origin,
    }


def article(view: ArticleView) -> dict:
    return {
        **_facts(view),
        "body": view.body,
        "title_highlights": [span(view.title, s) for s in view.title_highlights],
        "body_highlights": [span(view.body, s) for s in view.body_highlights],
    }


def rejection(problem: Rejection) -> dict:
    return {"file": problem.path, "line": problem.line, "reason": problem.reason}


def index_report(report: IndexReport) -> dict:
    return {
        "index": report.index_dir,
        "mode": report.mode,
        "added": report.added,
        "updated": report.updated,
        "removed": report.removed,
        "unchanged": report.unchanged,
        "kept": report.kept,
        "rejected": [rejection(r) for r in report.rejected],
        "truncated": [rejection(r) for r in report.truncated],
        "documents": report.documents,
        "seconds": round(report.seconds, 3),
        "docs_per_second": round(report.docs_per_second, 1),
        "index_bytes": report.index_bytes,
    }


def index_stats(stats: IndexStats) -> dict:
    return asdict(stats)
