"""Web archives (``.warc``, ``.warc.gz``): one article a successful HTML response, through warcio.

Each ``response`` record of an HTML page with status 200 is read as a saved
page is (``webpage.page_article``), its id the URL it was captured from.
Requests, metadata, revisits (a capture identical to an earlier one, stored
without its content) and non-HTML responses (images, scripts) are passed
over: they are not articles.  The capture's date (``WARC-Date``) is not the
article's publication date, so it never dates one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..articles import Article, Rejection
from . import Reading
from .webpage import MAX_PAGE_BYTES, page_article


def read_warc(path: Path, reading: Reading) -> Iterator[Article]:
    """The articles of the HTML responses of a web archive."""
    from warcio.exceptions import ArchiveLoadFailed

    where = str(path)
    pages = 0
    try:
        with open(path, "rb") as handle:
            for record in _records(handle):
                if not _is_html_page(record):
                    continue
                pages += 1
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                raw = record.content_stream().read(MAX_PAGE_BYTES + 1)
                if len(raw) > MAX_PAGE_BYTES:
                    reading.on_reject(Rejection(where, None, f"{uri}: too large: over {MAX_PAGE_BYTES:,} bytes"))
                    continue
                article = page_article(raw, where, uri or None, reading, fallback_id=uri)
                if article is not None:
                    yield article
    except (OSError, EOFError, ArchiveLoadFailed, ValueError) as error:
        reading.on_reject(Rejection(where, None, f"unreadable web archive: {error}"))
        return
    if not pages:
        reading.on_reject(Rejection(where, None, "no HTML page in this web archive"))


def _records(handle) -> Iterator:
    """warcio's records of an open archive.  A record it cannot parse fails inside warcio with
    whatever error its code meets (a response without its ``WARC-Target-URI``: AttributeError),
    which ends the file as an unreadable archive (``ValueError``), the pages before it kept."""
    from warcio.archiveiterator import ArchiveIterator

    records = iter(ArchiveIterator(handle))
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except (AttributeError, TypeError, KeyError, IndexError) as error:
            raise ValueError(f"a record warcio cannot parse ({type(error).__name__}: {error})") from None
        yield record


def _is_html_page(record) -> bool:
    if record.rec_type != "response" or record.http_headers is None:
        return False
    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    return record.http_headers.get_statuscode() == "200" and ("html" in content_type or not content_type)
