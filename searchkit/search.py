"""Running a query against the index and shaping the ranked hits.

Matching strategy: every word is required first; when that finds fewer hits
than asked for, the list goes on with articles matching only some of the
words, ranked below and marked ``partial`` (``match_all`` turns that off).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from whoosh import query as wq
from whoosh import scoring

from . import query as q
from .errors import QueryError
from .highlight import Snippet, Span, make_snippets, matched_spans
from .index import open_index
from .variants import Variants

#: BM25F as Whoosh implements it; titles are short, so their length matters less.
WEIGHTING = scoring.BM25F(B=0.75, K1=1.2, title_B=0.4)


@dataclass(frozen=True)
class Hit:
    rank: int
    id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    origin: str | None
    score: float
    partial: bool  #: matched only some of the query's words
    title_highlights: tuple[Span, ...]
    snippets: tuple[Snippet, ...]
    body_length: int


@dataclass
class SearchResult:
    query: str
    total: int  #: articles matching every word (plus partial ones when shown)
    hits: list[Hit] = field(default_factory=list)
    offset: int = 0


@dataclass(frozen=True)
class SearchOptions:
    limit: int = 10
    offset: int = 0
    match_all: bool = False
    since: str | None = None
    until: str | None = None
    source: str | None = None
    sort: str = "score"  #: "score" or "date" (newest first)
    snippets: int = 3


def search(index_dir: Path, text: str, options: SearchOptions = SearchOptions()) -> SearchResult:
    """Ranked, highlighted hits for ``text``; ``QueryError`` if it cannot be parsed."""
    node = q.parse(text)
    restriction = _restriction(options)
    wanted = options.offset + options.limit
    ix = open_index(index_dir)
    variants = Variants.of_index(ix)
    strict = _to_query(q.compile_query(node, variants), text)
    positive = q.compile_query(node, variants, positive_only=True)
    relaxed = None if options.match_all else _relaxed(node, variants)
    variants.close()
    with ix.searcher(weighting=WEIGHTING) as searcher:
        sort = {"sortedby": "date", "reverse": True} if options.sort == "date" else {}
        strict_results = searcher.search(strict, limit=wanted, filter=restriction, **sort)
        found = [(hit, False) for hit in strict_results]
        total = len(strict_results)
        if relaxed is not None and len(found) < wanted:
            seen = {hit.docnum for hit, _ in found}
            more = searcher.search(relaxed, limit=wanted + len(seen), filter=restriction, **sort)
            found.extend((hit, True) for hit in more if hit.docnum not in seen)
            total = max(total, len(more))
        reader = searcher.reader()
        terms = _matched_terms(positive, reader)
        hits = []
        for rank, (hit, partial) in enumerate(found[options.offset : wanted], options.offset + 1):
            stored = hit.fields()
            body = stored.get("body", "")
            title = stored.get("title", "")
            hits.append(
                Hit(
                    rank=rank,
                    id=stored["id"],
                    title=title,
                    date=stored.get("date"),
                    source=stored.get("source"),
                    url=stored.get("url"),
                    origin=stored.get("origin"),
                    score=hit.score or 0.0,
                    partial=partial,
                    title_highlights=tuple(matched_spans(title, terms)),
                    snippets=tuple(make_snippets(body, matched_spans(body, terms), options.snippets)),
                    body_length=len(body),
                )
            )
    return SearchResult(query=text, total=total, hits=hits, offset=options.offset)


def _matched_terms(positive: wq.Query | None, reader) -> set[str]:
    """The terms that the query's positive parts match, with prefixes and
    fuzzy words expanded to the terms the index holds.

    Whoosh's ``Query.existing_terms`` is not used: its loop variable shadows its
    ``fieldname`` argument, so it skips every field after the first.
    """
    if positive is None:
        return set()
    return {
        text
        for leaf in positive.leaves()
        for fieldname, text in leaf.expanded_terms(reader, phrases=True)
        if (fieldname, text) in reader
    }


def _to_query(compiled: wq.Query | None, text: str) -> wq.Query:
    if compiled is None:
        raise QueryError(f"nothing to search for in {text!r}: only stop words or filters with no words")
    if isinstance(compiled, wq.Not):
        return wq.And([wq.Every(), compiled])
    return compiled


def _relaxed(node: q.Node, variants: Variants) -> wq.Query | None:
    """Any of the top-level words, negations and filters still applied; None when
    the query has a single required part and there is nothing to relax."""
    if not isinstance(node, q.And):
        return None
    scored = [q.compile_query(c, variants) for c in node.children if isinstance(c, (q.Word, q.Phrase, q.Or))]
    scored = [c for c in scored if c is not None]
    if len(scored) < 2:
        return None
    kept = [q.compile_query(c, variants) for c in node.children if isinstance(c, (q.Not, q.Filter, q.And))]
    return wq.And([wq.Or(scored), *[c for c in kept if c is not None]])


def _restriction(options: SearchOptions) -> wq.Query | None:
    parts: list[wq.Query] = []
    if options.since or options.until:
        low = q.parse_date_range(f"{options.since or ''}..{options.until or ''}")
        parts.append(wq.TermRange("date", *low))
    if options.source:
        parts.append(q.filter_query(q.Filter("source", options.source)))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)
