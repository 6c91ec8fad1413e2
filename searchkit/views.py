"""What the research views share: the articles a query matches, buckets of time, facets.

The views (``searchkit.timeline``, ``searchkit.kwic``, ``searchkit.cooccur``,
and ``search --facets``) work on the *set* of articles a query matches, taken
from posting lists (``OpenIndex.doc_set``), never by scoring every hit; and on
columns read once per open index (``OpenIndex.column_values``): an article's
date, its source.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

from . import query as q
from .duplicates import groups_of
from .engine import Compiled, NameSpellings, OpenIndex
from .errors import NoResults, QueryError, UsageError
from .models import Bucket, Facet, FacetCount, SpellingCount
from .names.table import OwnSpelling, Variants
from .names.view import spelling_counts

#: Sizes of a bucket of time, finest first.
UNITS = ("day", "week", "month", "year")
#: Facets ``search --facets`` can count: the source, or a bucket of time.
FACETS = ("source", *UNITS)
#: A default bucket size gives at most this many buckets (the finest that does).
MAX_DEFAULT_BUCKETS = 60
#: A timeline draws at most this many buckets: bounded work for any --since/--until.
MAX_BUCKETS = 5000
#: Articles ranked first when sorting by score (``ordered``), and read in a view's first batch: most
#: readers need only the first ones, and the first lines come once they are.
FIRST_BATCH = 64

#: Told how far a view has gone, as it reads articles one by one: (what it does, done, of how many).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Matching:
    """A query compiled against one open index, with the articles it matches."""

    text: str
    node: q.Node
    query: Compiled  #: every word required, names in all their spellings
    docs: set[int]  #: document numbers of the articles it matches (within the restriction)
    #: for each word searching several spellings, the matching articles each spelling brings
    spellings: list[SpellingCount] = field(default_factory=list)


def matching(index: OpenIndex, variants: NameSpellings, text: str, restriction: Compiled | None) -> Matching:
    """The articles query ``text`` matches, every word required; ``QueryError`` if it cannot be parsed."""
    node = q.parse(text)
    compiled = index.compile(node, variants)
    if compiled is None:
        raise QueryError(f"nothing to search for in {text!r}: only stop words or filters with no words")
    docs = index.doc_set(compiled, restriction)
    return Matching(text, node, compiled, docs, spelling_counts(index, variants, node, docs))


@dataclass(frozen=True)
class Filters:
    """What every view takes, as ``search`` does: ``--since``, ``--until``, ``--source``."""

    since: str | None = None
    until: str | None = None
    source: str | None = None
    exact_names: bool = False  #: every name in the query's own spelling only (``--exact-names``)
    #: each group of near-duplicates counted once (``--unique``), at its earliest dated article
    unique: bool = False

    def names(self, variants: Variants | OwnSpelling) -> NameSpellings:
        """The spellings the filters let a query search: its own only with ``exact_names``."""
        return OwnSpelling(variants) if self.exact_names and isinstance(variants, Variants) else variants

    def kept(self, index: OpenIndex, docs: set[int]) -> set[int]:
        """``docs``, each group of near-duplicates once with ``unique`` (``searchkit.duplicates``)."""
        return groups_of(index).unique(docs, index.column_values("date")) if self.unique else docs

    def applied(self, index: OpenIndex, found: Matching) -> Matching:
        """``found`` with its articles ``kept``."""
        return replace(found, docs=self.kept(index, found.docs)) if self.unique else found


def matched(index: OpenIndex, variants: Variants, text: str, filters: Filters) -> tuple[Matching, Compiled | None]:
    """The articles query ``text`` matches within ``filters``, and the filters
    compiled; ``NoResults`` when it matches none."""
    restriction = index.restriction(filters.since, filters.until, filters.source)
    found = filters.applied(index, matching(index, filters.names(variants), text, restriction))
    if not found.docs:
        raise NoResults(f"no article matches {text!r}")
    return found, restriction


def ordered(index: OpenIndex, found: Matching, restriction: Compiled | None, sort: str) -> Iterator[int]:
    """The matching articles' numbers: by relevance (the first ``FIRST_BATCH``
    ranked, then, when more are wanted, all of them: most readers need only
    the first ones, and an export of them all ranks them once more at most)
    or by date, newest first, undated last."""
    if sort == "date":
        dates = index.column_values("date")
        yield from sorted(found.docs, key=lambda d: (dates[d] or "", -d), reverse=True)
        return
    ranked = [hit.docnum for hit in index.ranked(found.query, min(FIRST_BATCH, len(found.docs)), restriction)]
    yield from ranked
    if len(ranked) < len(found.docs):
        # The whole ranking need not begin as the first one did (ties, and the reranking of a
        # first page, fall otherwise at another depth): what the first gave is skipped by
        # number, not by position, or an export wrote some articles twice and others never.
        given = set(ranked)
        for hit in index.ranked(found.query, len(found.docs), restriction):
            if hit.docnum not in given:
                given.add(hit.docnum)
                yield hit.docnum
        yield from sorted(found.docs - given)  # every matching article, whatever the ranking held


def check_unit(unit: str | None) -> str | None:
    """``unit`` when it is a bucket size (or None); a ``UsageError`` naming the sizes otherwise."""
    if unit is not None and unit not in UNITS:
        raise UsageError(f"--by {unit!r} is not a bucket size: choose day, week, month or year")
    return unit


def check_facets(names: str | None) -> tuple[str, ...]:
    """``source,month`` → ("source", "month"); a ``UsageError`` for an unknown facet."""
    if names is None:
        return ()
    picked = tuple(dict.fromkeys(n.strip() for n in names.split(",") if n.strip()))
    unknown = [n for n in picked if n not in FACETS]
    if unknown or not picked:
        raise UsageError(f"unknown facet(s) {', '.join(unknown) or '(none given)'}: choose from {', '.join(FACETS)}")
    return picked


# --- buckets of time ------------------------------------------------------------------------


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@lru_cache(maxsize=100_000)
def bucket_of(date: str, unit: str) -> Bucket:
    """The bucket of ``unit`` holding day ``date`` (YYYY-MM-DD)."""
    day = _day(date)
    if unit == "day":
        return Bucket(date, date, date)
    if unit == "week":
        year, week, weekday = day.isocalendar()
        monday = day - dt.timedelta(days=weekday - 1)
        return Bucket(f"{year}-W{week:02d}", monday.isoformat(), (monday + dt.timedelta(days=6)).isoformat())
    if unit == "month":
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return Bucket(date[:7], start.isoformat(), (following - dt.timedelta(days=1)).isoformat())
    return Bucket(date[:4], f"{date[:4]}-01-01", f"{date[:4]}-12-31")


def bucket_count(first: str, last: str, unit: str) -> int:
    """How many buckets of ``unit`` span ``first`` to ``last``."""
    a, b = _day(first), _day(last)
    if unit == "day":
        return (b - a).days + 1
    if unit == "week":
        return ((b - dt.timedelta(days=b.weekday())) - (a - dt.timedelta(days=a.weekday()))).days // 7 + 1
    if unit == "month":
        return (b.year - a.year) * 12 + b.month - a.month + 1
    return b.year - a.year + 1


def default_unit(first: str, last: str) -> str:
    """The finest bucket size giving at most ``MAX_DEFAULT_BUCKETS`` buckets from ``first`` to ``last``."""
    for unit in UNITS:
        if bucket_count(first, last, unit) <= MAX_DEFAULT_BUCKETS:
            return unit
    return "year"


def buckets(first: str, last: str, unit: str) -> list[Bucket]:
    """Every bucket of ``unit`` from the one holding ``first`` to the one holding ``last``, empty ones too."""
    count = bucket_count(first, last, unit)
    if count > MAX_BUCKETS:
        raise UsageError(
            f"{count:,} {unit}s from {first} to {last} is too many buckets (at most {MAX_BUCKETS:,}): "
            "choose a larger --by or a shorter --since/--until"
        )
    found = [bucket_of(first, unit)]
    while found[-1].end < last:
        following = (_day(found[-1].end) + dt.timedelta(days=1)).isoformat()
        found.append(bucket_of(following, unit))
    return found


def per_bucket(docs: set[int], dates: list[str | None], unit: str) -> tuple[Counter[str], int]:
    """Articles of ``docs`` per bucket label, and how many have no date."""
    days = Counter(dates[d] for d in docs)
    undated = days.pop(None, 0)
    counts: Counter[str] = Counter()
    for day, count in days.items():
        counts[bucket_of(day, unit).label] += count
    return counts, undated


# --- facets ------------------------------------------------------------------------------------


def facets(index: OpenIndex, docs: set[int], names: tuple[str, ...]) -> list[Facet]:
    """Counts of each facet of ``names`` over ``docs``: sources most frequent
    first, buckets of time in date order; articles with no value last (value None)."""
    found = []
    for name in names:
        if name == "source":
            counts = Counter(index.column_values("source")[d] for d in docs)
            missing = counts.pop(None, 0)
            ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        else:
            by_label, missing = per_bucket(docs, index.column_values("date"), name)
            ordered = sorted(by_label.items())
        rows = [FacetCount(value, count) for value, count in ordered]
        if missing:
            rows.append(FacetCount(None, missing))
        found.append(Facet(name, tuple(rows)))
    return found
