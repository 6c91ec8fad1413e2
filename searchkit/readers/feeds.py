"""RSS and Atom feed files, through feedparser: one article an entry.

The title; the body from the entry's full content (``content:encoded``,
Atom's ``content``), else its summary, as text; the date as the feed writes
it (RFC 822 or ISO 8601, the day in the publisher's zone), else the one
feedparser read in UTC; the link; the source is the feed's title.  The id is
the entry's ``guid``/``id``, else its link, else a hash of its title and date.
A feed so broken that no entry can be read is rejected with feedparser's reason.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from ..articles import Article, Rejection, derived_id, normalize_text
from ..dates import parse_day
from . import Reading
from .markup import html_text
from .records import checked_day

MAX_FEED_BYTES = 64 << 20  #: a larger feed file is rejected unread


def read_feed(path: Path, reading: Reading) -> Iterator[Article]:
    """The articles of the entries of a feed file."""
    import feedparser

    where = str(path)
    raw = reading.whole(path, MAX_FEED_BYTES)
    if raw is None:
        return
    parsed = feedparser.parse(raw, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.entries:
        why = f": {parsed.bozo_exception}" if parsed.get("bozo") else ""
        is_feed = parsed.get("version") or parsed.feed.get("title")
        reason = "no entry in this feed" if is_feed else f"not an RSS or Atom feed{why}"
        reading.on_reject(Rejection(where, None, reason))
        return
    source = _clean(parsed.feed.get("title")) or None
    for number, entry in enumerate(parsed.entries, 1):
        article = _article(entry, number, source, where, reading)
        if article is not None:
            yield article


def _article(entry, number: int, source: str | None, where: str, reading: Reading) -> Article | None:
    title = _clean(html_text(entry.get("title", "")))
    contents = [c.get("value", "") for c in entry.get("content", [])]
    body = normalize_text(html_text(max(contents, key=len) if contents else entry.get("summary", ""))).strip()
    link = entry.get("link") or None
    # Asked for a key it lacks, feedparser answers with another, and warns: ask for those it has.
    dated = "published" if "published" in entry else "updated" if "updated" in entry else None
    raw_date = entry[dated] if dated else None
    named = entry.get("id") or link
    article_id = derived_id(named or f"{title}\x1f{raw_date}")
    if not title and not body:
        which = f"entry {number} ({article_id})" if named else f"entry {number}"
        reading.on_reject(Rejection(where, None, f"{which}: no title and no text"))
        return None
    day = parse_day(raw_date) if raw_date else None
    parsed = entry.get(f"{dated}_parsed") if dated else None
    if day is None and parsed:  # a form feedparser reads and searchkit does not: its day, in UTC
        day = time.strftime("%Y-%m-%d", parsed)
    date = checked_day(day or raw_date, article_id, where, None, reading.on_warning)
    return Article(id=article_id, title=title, body=body, date=date, source=source, url=link, origin=where)


def _clean(text: str | None) -> str:
    return " ".join(normalize_text(text or "").split())
