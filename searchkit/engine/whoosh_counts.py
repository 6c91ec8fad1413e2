"""How many articles a query matches, without scoring them: exactly, or estimated when that costs too much.

A count is made by set operations on posting lists: a word's articles are
its postings, an AND their intersection, an OR their union.  That reads every
posting of every word, in proportion to the archive: ``de*`` reads 560,000
postings at 100,000 articles (0.6 s), and a frequent word alone reads a
million at a few million articles.  A query whose words hold more than
``EXACT_COUNT_POSTINGS`` postings is therefore counted over a sample: the same
set operations on ``SAMPLE_WINDOWS`` stretches of document numbers spread
evenly across the index (articles are numbered in the order they were
indexed, so an archive indexed in date order is sampled across its years),
holding about ``SAMPLE_POSTINGS`` postings, then scaled up.  A sample that
finds fewer than ``MIN_SAMPLED_MATCHES`` articles says too little: the count
is then made exactly, so a rare combination of frequent words is never shown
as "about 0".  Estimates are rounded to three significant figures and marked
as such (``SearchResult.total_estimated``); ``--exact-count`` asks for the
exact figure whatever it costs.

A caller that counts many things at once (``cooccur`` counts each name of
its list in the whole index) passes a budget of its own; phrases and
proximity operators are then sampled too, through Whoosh's matcher, which
checks positions only within the windows.  A search's own count never
samples them: the search has checked their positions already
(``whoosh_operators``), and the exact count reads those checks.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from whoosh import query as wq

from . import whoosh_operators as wq_operators
from . import whoosh_postings as wq_postings
from .whoosh_expansions import Capped

#: A count that would read more postings than this is estimated from a sample (README, "Limits").
EXACT_COUNT_POSTINGS = 200_000
#: About this many postings are read for an estimate at that budget (in proportion at another)...
SAMPLE_POSTINGS = 20_000
#: ...in this many stretches of document numbers, spread evenly over the index.
SAMPLE_WINDOWS = 8
#: A sample with fewer matching articles than this is too small to scale: the count is made exactly.
MIN_SAMPLED_MATCHES = 300


@dataclass(frozen=True)
class Windows:
    """Stretches of document numbers, ``[start, end)`` each, in order: what a sample reads."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    share: float  #: of all document numbers

    @classmethod
    def spread(cls, size: int, share: float) -> Windows:
        """``SAMPLE_WINDOWS`` stretches covering ``share`` of ``size`` document numbers, evenly spaced."""
        width = max(1, round(size * share / SAMPLE_WINDOWS))
        starts = tuple(i * size // SAMPLE_WINDOWS for i in range(SAMPLE_WINDOWS))
        ends = tuple(min(start + width, size) for start in starts)
        return cls(starts, ends, sum(e - s for s, e in zip(starts, ends, strict=True)) / size)

    def holds(self, docnum: int) -> bool:
        at = bisect_right(self.starts, docnum) - 1
        return at >= 0 and docnum < self.ends[at]

    def __iter__(self):
        return zip(self.starts, self.ends, strict=True)


def matching(query: wq.Query, searcher, windows: Windows | None = None) -> set[int] | None:
    """The live documents ``query`` matches (only those within ``windows`` when
    given), by set operations on posting lists; None where only Whoosh's
    matchers can tell (a phrase, an operator no search has checked yet)."""
    reader = searcher.reader()
    if isinstance(query, wq.Term):
        if (query.fieldname, query.text) not in reader:
            return set()
        return wq_postings.live_ids(reader, query.fieldname, query.text, list(windows or ()))
    if isinstance(query, wq.Every):
        return {d for d in reader.all_doc_ids() if windows is None or windows.holds(d)}
    if isinstance(query, wq.NumericRange | Capped):
        # Capped (a prefix, a fuzzy word) is counted exactly by Whoosh's matcher,
        # which reads its postings a block at a time: faster than term by term.
        if windows is None and isinstance(query, Capped):
            return None
        return set().union(*(matching(wq.Term(*term), searcher, windows) for term in _terms(query, reader)))
    if isinstance(query, wq.And):
        kept = [sub for sub in query.subqueries if not isinstance(sub, wq.Not)]
        sets = [matching(sub, searcher, windows) for sub in kept]
        excluded = [matching(sub.query, searcher, windows) for sub in query.subqueries if isinstance(sub, wq.Not)]
        known = [s for s in sets if s is not None]
        if windows is None and known and len(known) < len(sets):
            # a phrase beside words: its positions checked only in the articles holding the words
            candidates = set.intersection(*known)
            sets = [_among(sub, searcher, candidates) if s is None else s for sub, s in zip(kept, sets, strict=True)]
        if not sets or any(s is None for s in sets + excluded):
            return None
        return set.intersection(*sets).difference(*excluded)
    if isinstance(query, wq.Or):
        sets = [matching(sub, searcher, windows) for sub in query.subqueries]
        if any(s is None for s in sets):
            return None
        return set().union(*sets)
    if isinstance(query, wq.AndNot):  # a name's stem less the names decided apart from it (Adrien, Adrienne)
        kept, excluded = matching(query.a, searcher, windows), matching(query.b, searcher, windows)
        return None if kept is None or excluded is None else kept - excluded
    if windows is not None:
        return _within(query.matcher(searcher, searcher.boolean_context()), windows)
    return wq_operators.operator_docs(query, searcher)


def estimated(query: wq.Query, searcher, allowed: set[int] | None = None, budget: int | None = None) -> int | None:
    """About how many live documents ``query`` matches (within ``allowed``),
    from a sample; None when the exact count reads at most ``budget`` postings
    (``EXACT_COUNT_POSTINGS`` by default), it holds a phrase or an operator and
    no budget was given, or the sample found too few to scale."""
    reader = searcher.reader()
    cost = postings_cost(query, reader, positions=budget is not None)
    budget = budget or EXACT_COUNT_POSTINGS
    if cost is None or cost <= budget:
        return None
    windows = Windows.spread(reader.doc_count_all(), SAMPLE_POSTINGS * budget / EXACT_COUNT_POSTINGS / cost)
    sampled = matching(query, searcher, windows)
    if sampled is None:
        return None
    if allowed is not None:
        sampled &= allowed
    if len(sampled) < MIN_SAMPLED_MATCHES:
        return None
    return about(len(sampled) / windows.share)


def postings_cost(query: wq.Query, reader, positions: bool = False) -> int | None:
    """How many postings an exact count of ``query`` reads; for a phrase or an
    operator, those of its words when ``positions``, None otherwise."""
    if isinstance(query, wq.Term):
        return reader.doc_frequency(query.fieldname, query.text)
    if isinstance(query, wq.Every):
        return reader.doc_count_all()
    if isinstance(query, wq.NumericRange | Capped):
        return sum(reader.doc_frequency(*term) for term in _terms(query, reader))
    if isinstance(query, wq.Not):
        return postings_cost(query.query, reader, positions)
    if isinstance(query, wq.And | wq.Or | wq.AndNot):
        parts = (query.a, query.b) if isinstance(query, wq.AndNot) else query.subqueries
        costs = [postings_cost(sub, reader, positions) for sub in parts]
        return None if None in costs else sum(costs)
    return sum(reader.doc_frequency(*term) for term in query.iter_all_terms()) if positions else None


def about(count: float) -> int:
    """``count`` to three significant figures: 96,852.4 → 96,900."""
    rounded = round(count)
    return round(rounded, 3 - len(str(rounded))) if rounded >= 1000 else rounded


def _terms(query: wq.NumericRange | Capped, reader) -> list[tuple[str, bytes | str]]:
    """The (field, term) pairs a range or a capped expansion searches."""
    if isinstance(query, Capped):
        return [(query.fieldname, word) for word in query.chosen(reader)]
    # A date range is a few dozen terms (days at its ends, blocks of days between).
    tiers = query._compile_query(reader).leaves()  # as bytes: simplify() decodes the tiers wrong
    return sorted({term for tier in tiers for term in tier.expanded_terms(reader)})


def _among(query: wq.Query, searcher, candidates: set[int]) -> set[int]:
    """The documents of ``candidates`` that ``query`` matches, its matcher moved from one to
    the next: a phrase's positions are read where it lands, not in every article holding its words."""

    def open_at(leaf, first: int):
        return query.matcher(leaf, leaf.boolean_context()), None

    return {docnum for docnum, _ in wq_operators.landings(searcher, sorted(candidates), open_at)}


def _within(matcher, windows: Windows) -> set[int]:
    """The documents ``matcher`` (a word's postings, a phrase's) matches within
    ``windows``: Whoosh skips the blocks of postings between them undecoded."""
    found: set[int] = set()
    for start, end in windows:
        if not matcher.is_active():
            break
        if matcher.id() < start:
            matcher.skip_to(start)
        while matcher.is_active() and (docnum := matcher.id()) < end:
            found.add(docnum)
            matcher.next()
    return found
