"""Coverage over time: how many articles match each query, day by day, week, month or year.

Counting works on sets of document numbers from the posting lists and on the
date column, read once per open index: a timeline of a word in ten thousand
articles never scores or loads one of them.  ``--share`` divides each count
by all the articles of its bucket (within ``--source``), as Media Cloud
normalises coverage, so that a busy month does not look like a rise in
interest.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from .errors import UsageError
from .models import Series, Timeline
from .names.view import spelling_note
from .query import parse_date_range
from .search import Searcher
from .views import Filters, buckets, check_unit, default_unit, matching, per_bucket

#: ``--range``: ``auto`` leaves lone outlying dates out of the chart (and says so); ``all`` draws every date.
RANGES = ("auto", "all")
#: ``--range auto`` leaves out, at either end, at most this share of the dated matching articles (at least one)...
OUTLIER_SHARE = 0.01
#: ...only when a gap of at least this many days (a year: empty years, not a quiet month) parts them from the rest...
OUTLIER_GAP_DAYS = 365
#: ...and the gap is at least this share of the span of the rest: a stray date does not stretch a chart.
OUTLIER_GAP_SHARE = 0.25


@dataclass(frozen=True)
class TimelineOptions(Filters):
    """The buckets of a timeline, and whether it counts articles or their share."""

    unit: str | None = None  #: "day", "week", "month", "year"; None picks one giving 12-60 buckets
    share: bool = False
    range: str = "auto"  #: "auto" trims lone outlying dates (not with --since/--until); "all" keeps them


def check_range(value: str) -> str:
    if value not in RANGES:
        raise UsageError(f"--range {value!r}: choose auto (lone outlying dates left out, said in a note) or all")
    return value


def timeline(
    searcher: Searcher, queries: list[str], options: TimelineOptions = TimelineOptions(), names: list[str] | None = None
) -> Timeline:
    """Matching articles per bucket for each of ``queries`` (called ``names`` when
    from a query set).  When no article matches, every count is zero: the
    caller tells (``Timeline.matched``), and still has a table to print."""
    check_unit(options.unit)
    check_range(options.range)
    labels = names or [None] * len(queries)
    with searcher.opened() as (index, variants):
        restriction = index.restriction(options.since, options.until, options.source)
        matched = [
            options.applied(index, matching(index, options.names(variants), text, restriction)) for text in queries
        ]
        dates = index.column_values("date")
        everything_docs = index.doc_set(None, index.restriction(None, None, options.source))
        drawn_from = [d for m in matched for d in m.docs] or list(everything_docs)
        days = Counter(dates[d] for d in set(drawn_from))
        days.pop(None, None)
        notes: list[str] = []
        if not any(m.docs for m in matched):
            notes.append(f"no article matches {_listed(queries)}")
        trimmed: list[tuple[str, str, int]] = []
        if days or options.since or options.until:
            if days and options.range == "auto" and not (options.since or options.until):
                days, trimmed = trim_outliers(days)
            first = parse_date_range(f"{options.since}..")[0] if options.since else min(days)
            last = parse_date_range(f"..{options.until}")[1] if options.until else max(days)
            first, last = (first, last) if first <= last else (last, first)
            unit = options.unit or default_unit(first, last)
            spans = buckets(first, last, unit)
        else:
            unit, spans = options.unit or "month", []
            notes.append("no matching article has a date")
        series = []
        for m, name in zip(matched, labels, strict=True):
            counts, undated = per_bucket(m.docs, dates, unit)
            counted = tuple(counts.get(b.label, 0) for b in spans)
            outside = len(m.docs) - undated - sum(counted)
            series.append(Series(m.text, counted, undated, len(m.docs), tuple(m.spellings), name, outside))
            notes += [spelling_note(c) for c in m.spellings]
        for low, high, count in trimmed:
            span = low if low == high else f"{low} to {high}"
            notes.append(
                f"left out of the chart: {count:,} article{'s' if count != 1 else ''} dated {span}, "
                "lone dates apart from the rest (--range all draws them)"
            )
        everything, _ = per_bucket(options.kept(index, everything_docs), dates, unit)
        articles = tuple(everything.get(b.label, 0) for b in spans)
        corpus = _corpus(index, everything_docs, dates, options.source)
        return Timeline(unit, spans, series, articles, options.share, notes, corpus, trimmed)


def trim_outliers(days: Counter[str]) -> tuple[Counter[str], list[tuple[str, str, int]]]:
    """``days`` (articles a day) less the lone dates at either end, and what was left out.

    Dates at an end are lone when they hold at most ``OUTLIER_SHARE`` of the
    articles and a gap of ``OUTLIER_GAP_DAYS`` days or more, and of a quarter of
    the rest's span or more, parts them from it: an article dated 1970 in an
    archive of 2022 (a bad date in the source) does not stretch the chart
    over fifty empty years."""
    ordered = sorted(days)
    total = sum(days.values())
    allowed = max(1, int(total * OUTLIER_SHARE))
    cut_low, cut_high = 0, len(ordered)

    def gap(a: str, b: str) -> int:
        return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days

    def lone(left: list[str], rest_first: str, rest_last: str, before: str, after: str) -> bool:
        width = gap(before, after)
        return (
            sum(days[d] for d in left) <= allowed
            and width >= OUTLIER_GAP_DAYS
            and width >= OUTLIER_GAP_SHARE * gap(rest_first, rest_last)
        )

    for i in range(1, len(ordered)):  # the widest lone stretch at the start
        if sum(days[d] for d in ordered[:i]) > allowed:
            break
        if lone(ordered[:i], ordered[i], ordered[-1], ordered[i - 1], ordered[i]):
            cut_low = i
    for i in range(len(ordered) - 1, cut_low, -1):  # and at the end
        if sum(days[d] for d in ordered[i:]) > allowed:
            break
        if lone(ordered[i:], ordered[cut_low], ordered[i - 1], ordered[i - 1], ordered[i]):
            cut_high = i
    left = []
    if cut_low:
        left.append((ordered[0], ordered[cut_low - 1], sum(days[d] for d in ordered[:cut_low])))
    if cut_high < len(ordered):
        left.append((ordered[cut_high], ordered[-1], sum(days[d] for d in ordered[cut_high:])))
    return Counter({d: days[d] for d in ordered[cut_low:cut_high]}), left


def _corpus(index, docs: set[int], dates: list[str | None], source: str | None) -> str:
    """``Le Monde, 30,891 articles dated 2022-01-01 to 2022-12-31``: what the counts are of."""
    sources = Counter(index.column_values("source")[d] for d in docs)
    sources.pop(None, None)
    publications: Counter[str] = Counter()  # ``Le Monde (RSS politique)`` and ``Le Monde (RSS culture)``: Le Monde
    for value, count in sources.items():
        publications[re.split(r"\s*[(\[]", value)[0].strip() or value] += count
    named = [name for name, _ in publications.most_common(3)]
    if len(publications) > 3:
        named.append(f"{len(publications) - 3:,} more")
    if len(sources) > len(publications):
        named[-1] += f" ({len(sources):,} sources)"
    days = [dates[d] for d in docs if dates[d]]
    span = f" dated {min(days)} to {max(days)}" if days else ""
    within = f" (--source {source})" if source else ""
    return f"{', '.join(named) or 'no source'}{within}: {len(docs):,} articles{span}"


def _listed(queries: list[str]) -> str:
    return " or ".join(repr(text) for text in queries)
