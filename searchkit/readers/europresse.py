"""Europresse's HTML exports: the French press database's "save as HTML", one ``<article>`` a press article.

What each block holds, as Europresse writes it (and as the public parsers of
the format read it)::

    <article>
      <header>
        <div class="rdp__DocPublicationName"><span class="DocPublicationName">Le Monde, no. 23995</span></div>
        <span class="DocHeader">International, samedi 12 mars 2022 1234 mots, p. 3</span>
        <div class="titreArticle"><p class="titreArticleVisu rdp__articletitle">Title</p>
          <p class="rdp__subtitle">Subtitle</p></div>
        <div class="docAuthors">Benjamin Barthe</div>
      </header>
      <section><div class="DocText clearfix"><div class="docOcurrContainer"><p>…</p></div></div></section>
      <footer><small>© 2022 SA Le Monde…</small><p>Numéro de document : news·20220312·LM·3412345</p></footer>
    </article>

The article's id is Europresse's document number (a block without one gets
a hash of its publication, date and title, the same each run); its source
the publication name without the issue number; its date the French date of
the header (``samedi 12 mars 2022``); its body the subtitle, the byline (the
index has no author field: a byline in the body is what makes a journalist's
articles findable), then the text, less the "Cet article est paru dans" line,
whose link is the article's URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..articles import Article, Rejection, derived_id, normalize_text
from ..dates import find_day
from . import Reading
from .markup import Element, parse_html
from .records import checked_day

MAX_EXPORT_BYTES = 256 << 20  #: a larger export is rejected unread (Europresse exports 1,000 articles at most)
DOCUMENT_NUMBER = re.compile(r"Num[ée]ro de document\s*:\s*(\S+)", re.IGNORECASE)
ISSUE = re.compile(r"\s*(?:,\s*no\.?\s*\d.*|\(.*)$", re.IGNORECASE)
PAPER_LINE = re.compile(r"^(?:Cet article est paru dans|This article appeared in)\b", re.IGNORECASE)


def read_europresse(path: Path, reading: Reading) -> Iterator[Article]:
    """The articles of a Europresse HTML export."""
    where = str(path)
    raw = reading.whole(path, MAX_EXPORT_BYTES)
    if raw is None:
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        reading.on_warning(Rejection(where, None, "not UTF-8: read as Windows-1252 (Latin-1); check the accents"))
    blocks = [b for b in parse_html(normalize_text(text)).find_all(tag="article")]
    if not blocks:
        reading.on_reject(Rejection(where, None, "no <article> block: not a Europresse export of articles"))
        return
    for block in blocks:
        article = _article(block, where, reading)
        if article is not None:
            yield article


def _article(block: Element, where: str, reading: Reading) -> Article | None:
    line = block.line
    source = _publication(block)
    header = _text(block.find("DocHeader")) or _text(block.find(tag="header"))
    title = _text(block.find("titreArticleVisu", "rdp__articletitle")) or _first_paragraph(block.find("titreArticle"))
    container = block.find("docOcurrContainer") or block.find("DocText")
    url = None
    paragraphs: list[str] = []
    if container is not None:
        for link in container.find_all(tag="a"):
            if PAPER_LINE.match(_text(link)) or PAPER_LINE.match(_text_around(container, link)):
                url = link.attrs.get("href") or None
        paragraphs = [p for p in container.text().split("\n\n") if not PAPER_LINE.match(p)]
    subtitle = _text(block.find("rdp__subtitle"))
    byline = _text(block.find("docAuthors"))
    body = "\n\n".join(p for p in (subtitle, byline, *paragraphs) if p)
    number = DOCUMENT_NUMBER.search(_text(block.find(tag="footer")) or block.text())
    day_text = find_day(header)
    article_id = derived_id(number[1] if number else f"{source}\x1f{day_text}\x1f{title}")
    if not title and not body:
        reading.on_reject(Rejection(where, line, f"article {article_id}: empty article: no title and no text"))
        return None
    if day_text is None and header:
        date = checked_day(header, article_id, where, line, reading.on_warning)
    else:
        date = checked_day(day_text, article_id, where, line, reading.on_warning)
    return Article(
        id=article_id, title=title, body=body, date=date, source=source or None, url=url, origin=f"{where}:{line}"
    )


def _publication(block: Element) -> str:
    name = _first_paragraph(block.find("DocPublicationName"))
    return ISSUE.sub("", name).strip()


def _text(element: Element | None) -> str:
    return "" if element is None else " ".join(element.text().split())


def _first_paragraph(element: Element | None) -> str:
    return "" if element is None else next(iter(element.text().split("\n\n")), "").strip()


def _text_around(container: Element, link: Element) -> str:
    """The text of the paragraph holding ``link``."""
    for paragraph in container.find_all(tag="p"):
        if any(e is link for e in paragraph.iter()):
            return _text(paragraph)
    return ""
