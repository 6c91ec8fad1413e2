"""Coverage over time: how many articles match each query, day by day, week, month or year.

Counting works on sets of document numbers from the posting lists and on the
date column, read once per open index: a timeline of a word in ten thousand
articles never scores or loads one of them.  ``--share`` divides each count
by all the articles of its bucket (within ``--source``), as Media Cloud
normalises coverage, so that a busy month does not look like a rise in
interest.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import NoResults
from .models import Series, Timeline
from .names.view import spelling_note
from .query import parse_date_range
from .search import Searcher
from .views import Filters, buckets, check_unit, default_unit, matching, per_bucket


@dataclass(frozen=True)
class TimelineOptions(Filters):
    unit: str | None = None  #: "day", "week", "month", "year"; None picks one giving 12-60 buckets
    share: bool = False


def timeline(searcher: Searcher, queries: list[str], options: TimelineOptions = TimelineOptions()) -> Timeline:
    """Matching articles per bucket for each of ``queries``; ``NoResults`` when none matches any article."""
    check_unit(options.unit)
    with searcher.opened() as (index, variants):
        restriction = index.restriction(options.since, options.until, options.source)
        matched = [
            options.applied(index, matching(index, options.names(variants), text, restriction)) for text in queries
        ]
        if not any(m.docs for m in matched):
            raise NoResults(f"no article matches {_listed(queries)}")
        dates = index.column_values("date")
        days = sorted({dates[d] for m in matched for d in m.docs} - {None})
        notes = []
        if days or options.since or options.until:
            first = parse_date_range(f"{options.since}..")[0] if options.since else days[0]
            last = parse_date_range(f"..{options.until}")[1] if options.until else days[-1]
            first, last = (first, last) if first <= last else (last, first)
            unit = options.unit or default_unit(first, last)
            spans = buckets(first, last, unit)
        else:
            unit, spans = options.unit or "month", []
            notes.append("no matching article has a date")
        series = []
        for m in matched:
            counts, undated = per_bucket(m.docs, dates, unit)
            counted = tuple(counts.get(b.label, 0) for b in spans)
            series.append(Series(m.text, counted, undated, len(m.docs), tuple(m.spellings)))
            notes += [spelling_note(c) for c in m.spellings]
        everything, _ = per_bucket(
            options.kept(index, index.doc_set(None, index.restriction(None, None, options.source))), dates, unit
        )
        articles = tuple(everything.get(b.label, 0) for b in spans)
        return Timeline(unit, spans, series, articles, share=options.share, notes=notes)


def _listed(queries: list[str]) -> str:
    return " or ".join(repr(text) for text in queries)
