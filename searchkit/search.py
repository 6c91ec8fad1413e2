"""Running queries against the index and shaping the ranked hits.

Matching strategy: every word is required first; when that finds fewer hits
than asked for, the list goes on with articles matching only some of the
words, ranked below and marked ``partial`` (``match_all`` turns that off).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import query as wq
from whoosh import scoring

from . import matching as m
from . import query as q
from .errors import QueryError, UsageError
from .explain import PartExplanation, explain_hit, query_parts
from .highlight import Snippet, Span, make_snippets, matched_spans
from .index import current_generation, open_index, reading
from .suggest import Suggestion, corrected_query
from .variants import Variants

#: BM25F as Whoosh implements it; titles are short, so their length matters
#: less.  K1 below the usual 1.2 saturates repeated words sooner, which ranked
#: the PIAF questions' passages better (nDCG@10 0.795 → 0.799).
WEIGHTING = scoring.BM25F(B=0.75, K1=0.75, title_B=0.4)
#: Fewer hits than this with every word, and corrections are looked for.
SUGGEST_BELOW = 3


@dataclass(frozen=True)
class Hit:
    rank: int
    id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    origin: str | None
    score: float | None  #: None when sorted by date, not by relevance
    partial: bool  #: matched only some of the query's words
    title_highlights: tuple[Span, ...]
    snippets: tuple[Snippet, ...]
    body_length: int
    explanation: tuple[PartExplanation, ...] = ()


@dataclass
class SearchResult:
    query: str
    total: int | None  #: articles matching every word (or, with partial matches, some); None if not counted
    hits: list[Hit] = field(default_factory=list)
    offset: int = 0
    suggestions: list[Suggestion] = field(default_factory=list)


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
    explain: bool = False
    suggest: bool = True
    count: bool = True  #: count every match for ``total``; a third of a typical query's time


@dataclass(frozen=True)
class ArticleView:
    """A whole stored article, with the spans a query matched in it."""

    id: str
    title: str
    body: str
    date: str | None
    source: str | None
    url: str | None
    origin: str | None
    title_highlights: tuple[Span, ...]
    body_highlights: tuple[Span, ...]


class _OpenIndex:
    """An index opened once and reused while it is unchanged.

    Opening costs more than a query (reading the table of contents, mapping
    the segment files); a long-lived process (a benchmark, a service) searching
    many times pays it once.  Any commit or rebuild is seen at the next search.
    """

    def __init__(self, index_dir: Path) -> None:
        self.ix = open_index(index_dir)
        self.version = _index_version(index_dir, self.ix)
        self.searcher = self.ix.searcher(weighting=WEIGHTING)
        self.variants = Variants.of_index(self.ix, self.searcher.reader())

    def close(self) -> None:
        self.searcher.close()
        self.variants.close()


def _index_version(index_dir: Path, ix) -> tuple[str | None, int]:
    generation = current_generation(index_dir)
    return (generation.name if generation else None, ix.latest_generation())


_per_thread = threading.local()  # Whoosh searchers and SQLite connections stay in their thread


def close_indexes() -> None:
    """Closes the indexes this thread keeps open (before a fork, or to free files)."""
    opened: dict[Path, _OpenIndex] = _per_thread.__dict__.pop("indexes", {})
    for index in opened.values():
        index.close()


def _open(index_dir: Path) -> _OpenIndex:
    """The index at ``index_dir``, opened once per thread and reopened when it changed."""
    opened: dict[Path, _OpenIndex] = _per_thread.__dict__.setdefault("indexes", {})
    key = index_dir.resolve()
    cached = opened.get(key)
    if cached is not None and _index_version(index_dir, cached.ix) != cached.version:
        opened.pop(key).close()
        cached = None
    if cached is None:
        cached = opened[key] = _OpenIndex(index_dir)
    return cached


def search(index_dir: Path, text: str, options: SearchOptions = SearchOptions()) -> SearchResult:
    """Ranked, highlighted hits for ``text``; ``QueryError`` if it cannot be parsed."""
    node = q.parse(text)
    restriction = _restriction(options)
    with reading(index_dir):
        return _search(_open(index_dir), node, text, options, restriction)


def _search(index: _OpenIndex, node: q.Node, text: str, options: SearchOptions, restriction) -> SearchResult:
    searcher, variants = index.searcher, index.variants
    found, total, strict_count = _ranked(searcher, variants, node, text, options, restriction)
    reader = searcher.reader()
    terms = m.matched_terms(m.compile_query(node, variants, positive_only=True), reader)
    parts = query_parts(node, variants, reader) if options.explain else []
    hits = []
    for rank, (hit, partial) in enumerate(found[options.offset : options.offset + options.limit], options.offset + 1):
        stored = hit.fields()
        explanation = explain_hit(parts, searcher, hit.docnum, stored.get("title", ""), stored.get("body", ""))
        # Sorted by date, Whoosh puts the sort key where the score was: no score then.
        score = None if options.sort == "date" else hit.score or 0.0
        hits.append(_hit(stored, rank, score, partial, terms, options.snippets, explanation))
    suggestions = []
    if options.suggest and strict_count < SUGGEST_BELOW:
        suggestions = _suggestions(text, searcher, variants, restriction, strict_count)
    return SearchResult(query=text, total=total, hits=hits, offset=options.offset, suggestions=suggestions)


def _ranked(searcher, variants: Variants, node: q.Node, text: str, options: SearchOptions, restriction):
    """The hits up to the requested page as (Whoosh hit, partial) pairs, the
    total, and how many articles have every word.

    Hits come in tiers: articles with every word, names in the query's own
    spelling; then with every word, names in any spelling; then (unless
    ``match_all``) articles with only some of the words, marked partial.
    """
    wanted = options.offset + options.limit
    strict = _to_query(m.compile_query(node, variants), text)
    sort = {"sortedby": "date", "reverse": True} if options.sort == "date" else {}
    tiers = [(strict, False)]
    exact = m.compile_query(node, variants, exact_names=True)
    if exact is not None and exact != strict and options.sort != "date":
        tiers.insert(0, (_to_query(exact, text), False))
    relaxed = None if options.match_all else _relaxed(node, variants)
    if relaxed is not None:
        tiers.append((relaxed, True))
    found: list[tuple[object, bool]] = []
    seen: set[int] = set()
    relaxed_count = 0
    for query, partial in tiers:
        if len(found) >= wanted:
            break
        results = searcher.search(query, limit=wanted + len(seen), filter=restriction, **sort)
        found.extend((hit, partial) for hit in results if hit.docnum not in seen)
        seen.update(hit.docnum for hit in results)
        if partial and options.count:
            relaxed_count = _count(searcher, query, restriction)
    if not options.count:
        return found, None, sum(not partial for _, partial in found)
    strict_count = _count(searcher, strict, restriction)
    return found, max(strict_count, relaxed_count), strict_count


def _count(searcher, query: wq.Query, restriction: wq.Query | None) -> int:
    """How many articles ``query`` matches, by set operations on posting lists
    where the query is made of terms, ORs and ANDs; Whoosh counts the rest.

    Whoosh's own count walks its matcher tree a document at a time, which costs
    as much again as the ranked search.
    """
    reader = searcher.reader()
    matched = _doc_set(query, reader)
    if matched is None:
        return len(searcher.search(query, limit=1, filter=restriction))
    if restriction is not None:
        allowed = _doc_set(restriction, reader)
        matched &= allowed if allowed is not None else set(searcher.docs_for_query(restriction))
    return len(matched)


def _doc_set(query: wq.Query, reader) -> set[int] | None:
    if isinstance(query, wq.Term):
        if (query.fieldname, query.text) not in reader:
            return set()
        return set(reader.postings(query.fieldname, query.text).all_ids())
    if isinstance(query, (wq.And, wq.Or)):
        sets = [_doc_set(sub, reader) for sub in query.subqueries]
        if any(s is None for s in sets):
            return None
        return set.intersection(*sets) if isinstance(query, wq.And) else set().union(*sets)
    return None


def _hit(
    stored: dict,
    rank: int,
    score: float | None,
    partial: bool,
    terms: set[str],
    snippets: int,
    explanation: list[PartExplanation] | tuple = (),
) -> Hit:
    title = stored.get("title", "")
    body = stored.get("body", "")
    return Hit(
        rank=rank,
        id=stored["id"],
        title=title,
        date=stored.get("date"),
        source=stored.get("source"),
        url=stored.get("url"),
        origin=stored.get("origin"),
        score=score,
        partial=partial,
        title_highlights=tuple(matched_spans(title, terms)),
        snippets=tuple(make_snippets(body, matched_spans(body, terms), snippets)),
        body_length=len(body),
        explanation=tuple(explanation),
    )


def _suggestions(text: str, searcher, variants: Variants, restriction, current: int) -> list[Suggestion]:
    corrected = corrected_query(text, searcher)
    if corrected is None:
        return []
    try:
        compiled = m.compile_query(q.parse(corrected), variants)
    except QueryError:
        return []
    if compiled is None:
        return []
    hits = len(searcher.search(_to_query(compiled, corrected), limit=1, filter=restriction))
    return [Suggestion(corrected, hits)] if hits > current else []


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
    scored = [m.compile_query(c, variants) for c in node.children if isinstance(c, (q.Word, q.Phrase, q.Or))]
    scored = [c for c in scored if c is not None]
    if len(scored) < 2:
        return None
    kept = [m.compile_query(c, variants) for c in node.children if isinstance(c, (q.Not, q.Filter, q.And))]
    return wq.And([wq.Or(scored), *[c for c in kept if c is not None]])


def _restriction(options: SearchOptions) -> wq.Query | None:
    parts: list[wq.Query] = []
    if options.since or options.until:
        parts.append(wq.TermRange("date", *q.parse_date_range(f"{options.since or ''}..{options.until or ''}")))
    if options.source:
        parts.append(m.filter_query(q.Filter("source", options.source)))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def show(index_dir: Path, article_id: str, text: str | None = None) -> ArticleView:
    """The whole article ``article_id``, with the matches of query ``text`` marked."""
    node = q.parse(text) if text else None
    with reading(index_dir):
        return _show(_open(index_dir), index_dir, article_id, node)


def _show(index: _OpenIndex, index_dir: Path, article_id: str, node: q.Node | None) -> ArticleView:
    stored = index.searcher.document(id=article_id)
    if stored is None:
        raise UsageError(f"no article with id {article_id!r} in {index_dir}")
    terms: set[str] = set()
    if node is not None:
        positive = m.compile_query(node, index.variants, positive_only=True)
        terms = m.matched_terms(positive, index.searcher.reader())
    title, body = stored.get("title", ""), stored.get("body", "")
    return ArticleView(
        id=stored["id"],
        title=title,
        body=body,
        date=stored.get("date"),
        source=stored.get("source"),
        url=stored.get("url"),
        origin=stored.get("origin"),
        title_highlights=tuple(matched_spans(title, terms)),
        body_highlights=tuple(matched_spans(body, terms)),
    )


def similar(index_dir: Path, article_id: str, limit: int = 10) -> SearchResult:
    """Articles about the same things as ``article_id``, by its most telling terms."""
    with reading(index_dir):
        return _similar(_open(index_dir).searcher, index_dir, article_id, limit)


def _similar(searcher, index_dir: Path, article_id: str, limit: int) -> SearchResult:
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        raise UsageError(f"no article with id {article_id!r} in {index_dir}")
    results = searcher.more_like(docnum, "body", top=limit, numterms=25)
    hits = [_hit(hit.fields(), rank, hit.score or 0.0, False, set(), 1) for rank, hit in enumerate(results, 1)]
    return SearchResult(query=f"similar:{article_id}", total=len(hits), hits=hits)
