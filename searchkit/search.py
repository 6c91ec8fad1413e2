"""Running queries against an index and shaping the ranked hits.

Matching strategy: every word is required first; when that finds fewer hits
than asked for, the list goes on with articles matching only some of the
words, ranked below and marked ``partial`` (``match_all`` turns that off).

A ``Searcher`` is an index opened for searching: open it once, search as often
as needed, close it (``with Searcher(index_dir) as searcher: ...``).  It sees
any commit or rebuild made meanwhile at its next search.  ``search``, ``show``
and ``similar`` are the one-shot forms.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from . import generations as g
from . import query as q
from . import ranking
from .analysis import SPELLING_MARK, WORDS, query_terms
from .duplicates import Groups, groups_of, opened_groups
from .engine import Compiled, Engine, OpenIndex, Ranked, Satisfied, default_engine
from .errors import ArticleNotFound, QueryError, shown_path
from .highlight import make_snippets, matched_spans, merged, spans_at
from .models import ArticleView, Hit, PartExplanation, Position, SearchResult, Suggestion
from .names.table import OwnSpelling, Variants
from .names.view import spelling_counts
from .stats import live_generation
from .suggest import corrected_query
from .telling import telling_words
from .views import Filters, facets

#: Fewer hits than this with every word, and corrections are looked for.
SUGGEST_BELOW = 3


@dataclass(frozen=True)
class SearchOptions:
    """How a search is run and its hits shown: page, filters, ranking, snippets, copies."""

    limit: int = 10
    offset: int = 0
    match_all: bool = False
    since: str | None = None
    until: str | None = None
    source: str | None = None
    #: "score", "date" (newest first) or "indexed" (first indexed first, by stamp then id: alerts page through it)
    sort: str = "score"
    snippets: int = 3
    explain: bool = False
    suggest: bool = True
    count: bool = True  #: count every match for ``total``; a third of a typical query's time
    #: count exactly however much it costs; otherwise a costly count is estimated (``whoosh_counts``)
    exact_count: bool = False
    #: only articles indexed past position ``indexed_after`` whose stamp is at most ``indexed_upto`` (alerts)
    indexed_after: Position | None = None
    indexed_upto: int | None = None
    facets: tuple[str, ...] = ()  #: of ``views.FACETS``: counts over the whole result set
    #: search every name in the query's own spelling only (``--exact-names``), as ``=Name`` does for one word
    exact_names: bool = False
    #: near-duplicates (``searchkit.duplicates``) shown once, at their best-ranked article, their copies named
    collapse: bool = True
    #: facets count each group of near-duplicates once (``--unique``)
    unique: bool = False


class Searcher:
    """An index opened for searching."""

    def __init__(self, index_dir: Path, engine: Engine | None = None) -> None:
        self.index_dir = index_dir
        self._engine = engine or default_engine()
        self._index: OpenIndex | None = None
        self._variants: Variants | None = None
        self._open()

    def _open(self) -> None:
        generation = live_generation(self.index_dir, self._engine)
        with self._engine.reading(self.index_dir):
            self._index = self._engine.open(generation)
            self._variants = Variants(self._index)

    @contextmanager
    def opened(self) -> Iterator[tuple[OpenIndex, Variants]]:
        """The open index and its name variants, for the research views
        (``searchkit.timeline``, ``kwic``, ``cooccur``); damage read meanwhile is reported as such."""
        with self.reading():
            yield self._current()

    def reading(self) -> AbstractContextManager[None]:
        """Reports damage read from the open index meanwhile as such, for what reads on after
        ``opened`` (a view's lines read one by one, an export between the articles it writes)."""
        return self._engine.reading(self.index_dir)

    def _current(self) -> tuple[OpenIndex, Variants]:
        """The open index, reopened first when a commit or a rebuild came since."""
        if self._index is None:
            raise ValueError("search on a closed Searcher")
        if self._index.generation != g.current_generation(self.index_dir) or not self._index.is_current():
            self.close()
            self._open()
        return self._index, self._variants

    def close(self) -> None:
        if self._variants is not None:
            self._variants.close()
        if self._index is not None:
            self._index.close()
        self._index = self._variants = None

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search(self, text: str, options: SearchOptions = SearchOptions()) -> SearchResult:
        """Ranked, highlighted hits for ``text``; ``QueryError`` if it cannot be parsed."""
        node = q.parse(text)
        with self._engine.reading(self.index_dir):
            index, variants = self._current()
            if options.exact_names:
                variants = OwnSpelling(variants)
            # Top-level filters restrict, as --since does, so they neither score
            # nor expand inside the scored query; a query of filters alone (or
            # of filters and stop words) is still searched as it is.
            words, filters = q.top_filters(node)
            if not filters or words is None or index.compile(words, variants) is None:
                words, filters = node, ()
            restriction = index.restriction(options.since, options.until, options.source, filters)
            if options.indexed_after is not None or options.indexed_upto is not None:
                restriction = index.indexed_between(options.indexed_after, options.indexed_upto, restriction)
            groups = opened_groups(index) if options.collapse or options.unique else None
            return _search(index, variants, words, text, options, restriction, groups)

    def show(self, article_id: str, text: str | None = None) -> ArticleView:
        """The whole article ``article_id``, with the matches of query ``text`` marked."""
        node = q.parse(text) if text is not None else None  # "" is an empty query, as in search
        with self._engine.reading(self.index_dir):
            index, variants = self._current()
            docnum = self._docnum(index, article_id)
            if node is not None:  # a query search refuses (only stop words) is refused here too
                _runnable(index.compile(node, variants), text)
            positive = index.compile(node, variants, positive_only=True) if node else None
            terms = index.matched_terms(positive, positional=False)
            stored = _Stored(index.stored(docnum))
            satisfied = index.positional_matches(positive, [docnum])[docnum]
            title, body = _highlights(stored, terms, satisfied)
            return ArticleView(
                **stored.facts(),
                title=stored.title,
                body=stored.body,
                title_highlights=tuple(title),
                body_highlights=tuple(body),
            )

    def similar(self, article_id: str, limit: int = 10, filters: Filters | None = None) -> SearchResult:
        """Articles about the same things as ``article_id``, by its most telling words
        (``searchkit.telling``: a name's spellings one word, title and lead weighing more),
        within ``filters`` (``since``, ``until``, ``source``); its near-duplicates left out.
        Each hit says which of those words it shares (``Hit.shared``), most telling first."""
        with self._engine.reading(self.index_dir):
            index, variants = self._current()
            docnum = self._docnum(index, article_id)
            restriction = index.restriction(filters.since, filters.until, filters.source) if filters else None
            stored = index.stored(docnum)
            telling = telling_words(index, variants, stored)
            left_out = {docnum} | _copies(index, docnum)
            words = [(t.terms, t.weight) for t in telling]
            similar, held = _alike(index, words, limit, restriction, left_out, stored.get("date"))
            terms = [term for t in telling for term in t.terms]
            written = _written_terms(stored, terms)
            hits = []
            for rank, ranked in enumerate(similar, 1):
                hit = _hit(index, ranked, rank, False, held[ranked.docnum], 1)
                own = [term for term in terms if term in held[ranked.docnum]]
                # a name's other spelling (Shoigu for Choïgou) is shown as the hit writes it
                unwritten = [term for term in own if term not in written]
                as_written = (
                    {**_written_terms(index.stored(ranked.docnum), unwritten), **written} if unwritten else written
                )
                hits.append(replace(hit, shared=_words(as_written, own)))
            # a name's word: the spellings the article writes (not the others it is searched by)
            shown = _words(written, [term for term in terms if term in written])
            notes = [f"the telling words of {article_id}: {', '.join(shown)}"]
            return SearchResult(query=None, total=len(hits), hits=hits, similar_to=article_id, notes=notes)

    def newest_indexed(self) -> int | None:
        """The newest ``indexed`` stamp of the index: when its latest articles were written."""
        with self._engine.reading(self.index_dir):
            index, _ = self._current()
            return index.newest_indexed()

    def _docnum(self, index: OpenIndex, article_id: str) -> int:
        docnum = index.docnum_of(article_id)
        if docnum is None:
            raise ArticleNotFound(f"no article with id {article_id!r} in {shown_path(self.index_dir)}")
        return docnum


def search(index_dir: Path, text: str, options: SearchOptions = SearchOptions()) -> SearchResult:
    """Ranked, highlighted hits for ``text`` in the index at ``index_dir``."""
    with Searcher(index_dir) as searcher:
        return searcher.search(text, options)


def show(index_dir: Path, article_id: str, text: str | None = None) -> ArticleView:
    """The whole article ``article_id``, with the matches of query ``text`` marked."""
    with Searcher(index_dir) as searcher:
        return searcher.show(article_id, text)


def similar(index_dir: Path, article_id: str, limit: int = 10, filters: Filters | None = None) -> SearchResult:
    """Articles about the same things as ``article_id``, within ``filters``."""
    with Searcher(index_dir) as searcher:
        return searcher.similar(article_id, limit, filters)


#: ``similar`` gathers its candidates by the heaviest of the telling words, this many of them:
#: their posting lists are short; a common word's long one is only skipped through, for the
#: candidates, when they are scored by every telling word (``OpenIndex.like_scores``).
GATHER_WORDS = 8
#: How many candidates are gathered (at least the hits asked for).
CANDIDATES = 100
#: The articles about one story are written within days of one another: a candidate's score
#: gains up to this share, which falls off exponentially with the days between its date and
#: the article's (to e^-1 of it at ``SAME_TIME_DAYS``).  Chosen on the judged set of issue 23
#: (bench/README.md, *`similar` on 30 judged articles*): no worse on either half, better on one.
SAME_TIME_BOOST = 0.3
SAME_TIME_DAYS = 30.0


def _alike(
    index: OpenIndex,
    words: list[tuple[tuple[str, ...], float]],
    limit: int,
    restriction: Compiled | None,
    left_out: set[int],
    date: str | None,
) -> tuple[list[Ranked], dict[int, set[str]]]:
    """The ``limit`` articles that best match ``words`` (as ``OpenIndex.like`` ranks them), and the
    terms each holds: candidates gathered by the heaviest words, then scored by all of them, those
    written near ``date`` (the article's) a little higher.  When the heaviest words find fewer than
    ``limit`` (a narrow filter), every word gathers."""
    wanted = max(CANDIDATES, limit)
    gathered = index.like(words[:GATHER_WORDS], wanted, restriction, left_out)
    if len(gathered) < limit and len(words) > GATHER_WORDS:
        gathered = index.like(words, wanted, restriction, left_out)
    scored = index.like_scores(words, [ranked.docnum for ranked in gathered])
    near = _same_time(index, date, list(scored))
    final = {docnum: score * near.get(docnum, 1.0) for docnum, (score, _) in scored.items()}
    best = sorted(final, key=lambda docnum: (-final[docnum], docnum))[:limit]
    return [Ranked(docnum, final[docnum]) for docnum in best], {docnum: scored[docnum][1] for docnum in best}


def _same_time(index: OpenIndex, date: str | None, docnums: list[int]) -> dict[int, float]:
    """The factor of each of ``docnums`` written near ``date`` (``SAME_TIME_BOOST``); none undated."""
    day = _day(date)
    if day is None:
        return {}
    factors = {}
    for docnum, other in index.dates_of(docnums).items():
        other_day = _day(other)
        if other_day is not None:
            factors[docnum] = 1.0 + SAME_TIME_BOOST * math.exp(-abs(other_day - day) / SAME_TIME_DAYS)
    return factors


def _day(date: str | None) -> int | None:
    """``2022-03-05`` (or a longer stamp that starts so) as a day number; None when it is no date."""
    try:
        return datetime.date.fromisoformat(date[:10]).toordinal() if date else None
    except ValueError:
        return None


def _copies(index: OpenIndex, docnum: int) -> set[int]:
    """The near-duplicates of article ``docnum`` (``searchkit.duplicates``), when the index has its groups."""
    groups = opened_groups(index)
    key = groups.of.get(docnum) if groups.usable else None
    return set(groups.members.get(key, ())) - {docnum} if key is not None else set()


def _written_terms(stored: dict, terms: list[str]) -> dict[str, str]:
    """Each of ``terms`` as the article writes it most often (``ukrain`` → ``Ukraine``)."""
    seen: dict[str, Counter[str]] = {}
    for field in ("title", "body"):
        text = stored.get(field) or ""
        for start, end, term in WORDS.find(text, set(terms)):
            seen.setdefault(term, Counter())[text[start:end]] += 1
    return {term: counts.most_common(1)[0][0] for term, counts in seen.items()}


def _words(written: dict[str, str], terms: list[str]) -> tuple[str, ...]:
    """``terms`` as written, once each (a name's spelling and its stem are one word), in order."""
    shown: dict[str, str] = {}
    for term in terms:
        word = written.get(term, term.removeprefix(SPELLING_MARK))
        shown.setdefault(word.casefold(), word)
    return tuple(shown.values())


def _search(
    index: OpenIndex,
    variants: Variants,
    node: q.Node,
    text: str,
    options: SearchOptions,
    restriction,
    groups: Groups | None = None,
) -> SearchResult:
    wanted = options.offset + options.limit
    found, total, strict_count = _ranked(index, variants, node, text, options, restriction, wanted)
    total, estimated = total if total is not None else (None, False)
    # Not by indexing: alerts page through every new article, each page after the last hit of the one before.
    collapsing = options.collapse and options.sort != "indexed" and groups is not None and bool(groups.of)
    if collapsing:
        found = _collapsed(index, variants, node, text, options, restriction, groups, found, wanted)
    positive = index.compile(node, variants, positive_only=True)
    terms = index.matched_terms(positive, positional=False)
    parts = []
    if options.explain:
        from .explain import query_parts  # its own import: only --explain needs it

        parts = query_parts(node, variants, index)
    shown = found[options.offset : options.offset + options.limit]
    # where the phrases and operators matched, read for the page's articles at once
    satisfied = index.positional_matches(positive, [ranked.docnum for ranked, _ in shown])
    hits = [
        _hit(index, ranked, rank, partial, terms, options.snippets, parts, satisfied, groups if collapsing else None)
        for rank, (ranked, partial) in enumerate(shown, options.offset + 1)
    ]
    suggestions = []
    if options.suggest and strict_count < SUGGEST_BELOW:
        suggestions = _suggestions(text, node, index, variants, restriction, strict_count)
    result = SearchResult(
        query=text,
        total=total,
        total_estimated=estimated,
        hits=hits,
        offset=options.offset,
        suggestions=suggestions,
        notes=index.capped(positive),
    )
    if options.sort == "indexed" and hits:
        last, _ = found[options.offset + len(hits) - 1]
        result.reached = (index.column_values("indexed")[last.docnum] or 0, hits[-1].id)
    if options.count and not estimated and total:
        # one word alone, in any field: its spellings' articles are the matches (not so for
        # Jean-Marc, a phrase, nor for title:Zelensky)
        alone = (
            restriction is None and isinstance(node, q.Word) and node.field is None and len(query_terms(node.text)) == 1
        )
        docs = None if alone else index.doc_set(index.compile(node, variants), restriction)
        result.spellings = spelling_counts(index, variants, node, docs)
        for counted in result.spellings:
            if counted.held is not None and counted.held < total:
                result.notes.append(
                    f"{total - counted.held:,} of the {total:,} articles hold none of these spellings as a name: "
                    f"they match the word itself ({counted.word} in lower case, or a form of its stem)"
                )
    every: set[int] | None = None  # every article the list holds, partial matches included when it has them

    def listed() -> set[int]:
        nonlocal every
        if every is None:
            relaxed = None if options.match_all else _relaxed(node, index, variants)
            every = index.doc_set(relaxed if relaxed is not None else index.compile(node, variants), restriction)
        return every

    if collapsing and total and not estimated:
        # Counted over the articles ``total`` counted: those with every word, or with some when it counted them.
        strict = index.doc_set(index.compile(node, variants), restriction)
        counted = strict if len(strict) == total else listed()
        if len(counted) == total:
            result.collapsed_total = groups.distinct(counted)
    if options.facets:
        docs = listed()
        if options.unique:
            docs = groups_of(index).unique(docs, index.column_values("date"))
        result.facets = facets(index, docs, options.facets)
    return result


def _collapsed(
    index: OpenIndex,
    variants: Variants,
    node: q.Node,
    text: str,
    options: SearchOptions,
    restriction,
    groups: Groups,
    found: list[tuple[Ranked, bool]],
    wanted: int,
) -> list[tuple[Ranked, bool]]:
    """``found`` with each group of near-duplicates kept at its best-ranked article only;
    more hits are ranked (four times as many each round) until ``wanted`` are left or none remain."""
    fetched = wanted
    while True:
        seen: set[str | int] = set()
        kept = []
        for ranked, partial in found:
            key = groups.key(ranked.docnum)
            if key not in seen:
                seen.add(key)
                kept.append((ranked, partial))
        if len(kept) >= wanted or len(found) < fetched:
            return kept
        fetched *= 4
        found, _, _ = _ranked(index, variants, node, text, replace(options, count=False), restriction, fetched)


def _ranked(
    index: OpenIndex, variants: Variants, node: q.Node, text: str, options: SearchOptions, restriction, wanted: int
):
    """The hits up to the requested page as (ranked document, partial) pairs,
    the total (with whether it is an estimate), and how many articles have
    every word (at least).

    Hits come in tiers: articles with every word, names in the query's own
    spelling; then with every word, names in any spelling; then (unless
    ``match_all``) articles with only some of the words, marked partial,
    whose first hits by score are ranked again so that more of the query's
    words, weighed by rarity, come before fewer (``ranking``).
    """
    strict = _runnable(index.compile(node, variants), text)
    tiers = [(strict, False)]
    exact = index.compile(node, variants, exact_names=True)
    if exact is not None and exact != strict and options.sort == "score":
        tiers.insert(0, (exact, False))
    relaxed = None if options.match_all else _relaxed(node, index, variants)
    if relaxed is not None:
        tiers.append((relaxed, True))
    found: list[tuple[Ranked, bool]] = []
    seen: set[int] = set()
    relaxed_count = (0, False)

    def count(query: Compiled) -> tuple[int, bool]:
        """(articles, whether estimated)."""
        if options.exact_count:
            return index.count(query, restriction), False
        return index.count_about(query, restriction)

    # An operator's first tier (its names in the query's own spelling) is checked only in the
    # articles where it passes with every spelling, once those are known (``Operator.covers``):
    # counted first.  Not the other queries: ranking an OR of words finds the articles to count.
    strict_count = count(strict) if options.count and len(tiers) > 1 and _holds_operator(node) else None
    for query, partial in tiers:
        if len(found) >= wanted:
            break
        limit = wanted + len(seen)
        if partial and options.sort == "score":
            ranked = index.ranked(query, max(limit, ranking.DEPTH), restriction, options.sort)
            ranked = ranking.reranked(ranked, ranking.parts_of(node, index, variants), index)[:limit]
        else:
            ranked = index.ranked(query, limit, restriction, options.sort)
        found.extend((r, partial) for r in ranked if r.docnum not in seen)
        seen.update(r.docnum for r in ranked)
        if partial and options.count:
            relaxed_count = count(query)
    if not options.count:
        return found, None, sum(not partial for _, partial in found)
    strict_count = strict_count or count(strict)
    return found, max(strict_count, relaxed_count), strict_count[0]


def _holds_operator(node: q.Node) -> bool:
    """Whether ``node`` is or holds a proximity, a count or ``lead:``."""
    return q.is_operator(node) or (isinstance(node, (q.And, q.Or)) and any(map(_holds_operator, node.children)))


def _runnable(compiled: Compiled | None, text: str) -> Compiled:
    if compiled is None:
        raise QueryError(f"nothing to search for in {text!r}: only stop words or filters with no words")
    return compiled


def _relaxed(node: q.Node, index: OpenIndex, variants: Variants) -> Compiled | None:
    """Any of the top-level words, negations, filters, field-restricted words
    and operators (``NEAR``, ``atleastN``, ``lead:``) still applied; None when
    the query has a single droppable part and there is nothing to relax."""
    if not isinstance(node, q.And):
        return None
    scored = [c for c in node.children if _droppable(c) and index.compile(c, variants) is not None]
    if len(scored) < 2:
        return None
    kept = [c for c in node.children if not _droppable(c)]
    return index.compile(q.And((q.Or(tuple(scored)), *kept)), variants)


def _droppable(node: q.Node) -> bool:
    """Whether partial matching may drop ``node``: a word, a phrase or an OR of
    them, holding no constraint the user asked for expressly."""
    return isinstance(node, (q.Word, q.Phrase, q.Or)) and not _constrains(node)


def _constrains(node: q.Node) -> bool:
    """Whether ``node`` holds an operator (a proximity, a count, ``lead:``), a
    word restricted to a field (``title:``) or a filter (``source:``, ``date:``)."""
    if isinstance(node, (q.And, q.Or)):
        return any(_constrains(c) for c in node.children)
    field_word = isinstance(node, (q.Word, q.Phrase)) and node.field is not None
    return field_word or q.is_operator(node) or isinstance(node, q.Filter)


class _Stored:
    """An article as the index stores it: the one place its fields are read."""

    def __init__(self, fields: dict) -> None:
        self.fields = fields
        self.title: str = fields.get("title", "")
        self.body: str = fields.get("body", "")

    def facts(self) -> dict:
        fields = self.fields
        return {
            "id": fields["id"],
            "date": fields.get("date"),
            "source": fields.get("source"),
            "url": fields.get("url"),
            "origin": fields.get("origin"),
        }


def _hit(
    index: OpenIndex,
    ranked: Ranked,
    rank: int,
    partial: bool,
    terms: set[str],
    snippets: int,
    parts: list | None = None,
    satisfied: dict[int, list[Satisfied]] | None = None,
    groups: Groups | None = None,
) -> Hit:
    stored = _Stored(index.stored(ranked.docnum))
    explanation: list[PartExplanation] = []
    if parts:
        from .explain import explain_hit

        explanation = explain_hit(parts, index, ranked.docnum, stored.title, stored.body)
    title, body = _highlights(stored, terms, (satisfied or {}).get(ranked.docnum, []))
    return Hit(
        rank=rank,
        **stored.facts(),
        title=stored.title,
        score=ranked.score,
        partial=partial,
        title_highlights=tuple(title),
        snippets=tuple(make_snippets(stored.body, body, snippets)),
        body_length=len(stored.body),
        explanation=tuple(explanation),
        copies=tuple(groups.copies(ranked.docnum)) if groups is not None else (),
    )


def _highlights(stored: _Stored, terms: set[str], satisfied: list[Satisfied]):
    """The highlighted words of the title and of the body: those giving one of ``terms``,
    and the occurrences that satisfied a phrase or an operator (``satisfied``): a phrase's
    words elsewhere in the article are not what it matched (François alone, for "François Martin")."""
    title, body = matched_spans(stored.title, terms), matched_spans(stored.body, terms)
    if satisfied:
        spans = [s for found in satisfied for s in found.spans]
        title = merged(title + spans_at(stored.title, [(a, b) for f, a, b in spans if f == "title"]))
        body = merged(body + spans_at(stored.body, [(a, b) for f, a, b in spans if f == "body"]))
    return title, body


def _suggestions(
    text: str, node: q.Node, index: OpenIndex, variants: Variants, restriction, current: int
) -> list[Suggestion]:
    corrected = corrected_query(text, node, index, variants)
    if corrected is None:
        return []
    try:
        compiled = index.compile(q.parse(corrected), variants)
    except QueryError:
        return []
    if compiled is None:
        return []
    hits = index.count(compiled, restriction)
    return [Suggestion(corrected, hits)] if hits > current else []
