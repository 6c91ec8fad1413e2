"""Saved web pages (``.html``): the article's main text and metadata, through trafilatura.

trafilatura drops what is not the article (menus, footers, "read also"
boxes, comments) and finds the title, the date (htmldate: the page's
metadata, then its text), the site's name and the canonical URL.  The id is
that URL, else the file's path as named; the source the site's name, else
its host name.  A page with no main text is rejected.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..articles import Article, Rejection, derived_id, normalize_text
from . import Reading
from .records import checked_day

MAX_PAGE_BYTES = 32 << 20  #: a larger page is rejected unread


def read_web_page(path: Path, reading: Reading) -> Iterator[Article]:
    """The article of one saved web page."""
    where = str(path)
    raw = reading.whole(path, MAX_PAGE_BYTES)
    if raw is None:
        return
    article = page_article(raw, where, None, reading, fallback_id=where)
    if article is not None:
        yield article


def page_article(raw: bytes, where: str, url: str | None, reading: Reading, *, fallback_id: str) -> Article | None:
    """The article of an HTML page's bytes (its encoding trafilatura finds), or None, rejected.

    ``url`` is where the page was fetched from, when known (a web archive's
    record, whose rejections name it)."""
    label = f"{url}: " if url else ""
    import trafilatura

    try:
        found = trafilatura.bare_extraction(raw, url=url, with_metadata=True, include_comments=False)
    except Exception as error:  # trafilatura's parsers raise what lxml raises on a broken page
        reading.on_reject(Rejection(where, None, f"{label}cannot extract the page's text: {error}"))
        return None
    text = normalize_text(found.text or "").strip() if found is not None else ""
    if not text:
        reading.on_reject(Rejection(where, None, f"{label}no main text found in the page: not an article"))
        return None
    title = " ".join(normalize_text(found.title or "").split())
    head, _, rest = text.partition("\n")
    if title and head.strip() == title:  # the page's <h1>, already the title
        text = rest.strip()
    page_url = found.url or url
    article_id = derived_id(page_url or fallback_id)
    return Article(
        id=article_id,
        title=title,
        body="\n\n".join(p.strip() for p in text.split("\n") if p.strip()),
        date=checked_day(found.date, article_id, where, None, reading.on_warning),
        source=found.sitename or found.hostname or None,
        url=page_url or None,
        origin=where,
    )
