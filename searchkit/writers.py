"""Writing exported articles: one writer per format, as ripgrep's printers (``searchkit.printers``).

Each writer takes the articles of an ``Export`` one at a time and writes each
whole before the next is read, so an export of any size runs in flat memory:

- ``JsonlWriter``: JSON Lines, one article a line in the shape of
  ``wire.exported_article``, the fields ``searchkit index`` reads, so an export
  re-imports;
- ``CsvWriter``: RFC 4180, UTF-8, a header row, then a row an article;
- ``IramuteqWriter``: Iramuteq's (Alceste's) text corpus, each article led by
  its line of starred variables (``**** *source_lemonde *date_2022-03 ...``);
- ``TxmWriter``: XML for TXM's XML/w import, an element ``<text>`` an article
  with its metadata as attributes, the title and paragraphs inside.

The stream is text, UTF-8, opened with ``newline=""``: each writer chooses its
line ends (CSV's are CRLF, as RFC 4180 asks).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from typing import IO, Protocol
from xml.sax.saxutils import escape, quoteattr

from . import wire
from .models import ExportedArticle

#: How ``matched`` is written where a cell holds text (CSV, TXM): the words never hold a ``;``.
MATCHED_SEPARATOR = "; "


class Writer(Protocol):
    def begin(self, query: str) -> None: ...
    def article(self, found: ExportedArticle) -> None: ...
    def end(self) -> None: ...


def writer(form: str, stream: IO[str]) -> Writer:
    """The writer of format ``form`` (one of ``export.FORMATS``) on ``stream``."""
    return {"jsonl": JsonlWriter, "csv": CsvWriter, "iramuteq": IramuteqWriter, "txm": TxmWriter}[form](stream)


class _Writer:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def begin(self, query: str) -> None:
        pass

    def end(self) -> None:
        pass


class JsonlWriter(_Writer):
    """One JSON object a line; characters as they are (UTF-8), never ``\\u`` escapes."""

    def article(self, found: ExportedArticle) -> None:
        self.stream.write(json.dumps(wire.exported_article(found), ensure_ascii=False) + "\n")


class CsvWriter(_Writer):
    """RFC 4180: the header ``wire.EXPORT_FIELDS``, then a row an article; the body last, its line breaks kept
    inside its quoted cell; ``matched`` as one cell, ``;``-separated."""

    def begin(self, query: str) -> None:
        self.rows = csv.writer(self.stream, lineterminator="\r\n")
        self.rows.writerow(wire.EXPORT_FIELDS)

    def article(self, found: ExportedArticle) -> None:
        record = wire.exported_article(found)
        record["matched"] = MATCHED_SEPARATOR.join(found.matched)
        self.rows.writerow(["" if record[name] is None else record[name] for name in wire.EXPORT_FIELDS])


class IramuteqWriter(_Writer):
    """An Iramuteq corpus: each article is a text, led by a line ``****`` and its
    starred variables, then its title and its body, a paragraph a line.

    Iramuteq splits that line at spaces and each ``*variable_modality`` at its
    first ``_``; a text starts at any line that begins with ``****``, and a line
    that begins with ``-*`` is a theme.  So a modality holds only ASCII letters,
    digits and ``-`` (``Le Monde`` → ``lemonde``, ``Libération`` →
    ``liberation``), a variable without a value is left out, and every ``*`` of
    the text is removed: no line of an article can start a text or a theme.
    Variables: ``source``, ``date`` (the month, ``2022-03``: a modality a day
    would leave a few texts to each), ``year``, ``day`` and ``id``.
    """

    def article(self, found: ExportedArticle) -> None:
        date = found.date or ""
        variables = (
            ("source", modality(found.source or "").lower()),
            ("date", date[:7]),
            ("year", date[:4]),
            ("day", date),
            ("id", modality(found.id)),
        )
        stars = " ".join(f"*{name}_{value}" for name, value in variables if value)
        lines = [found.title, *found.body.split("\n")]
        text = "\n".join(line.replace("*", "").strip() for line in lines if line.replace("*", "").strip())
        self.stream.write(f"**** {stars}\n{text}\n\n")


_NOT_IN_MODALITY = re.compile(r"[^A-Za-z0-9-]+")


def modality(value: str) -> str:
    """``value`` as an Iramuteq modality: accents taken off, then only ASCII letters, digits and ``-``."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    return _NOT_IN_MODALITY.sub("", bare)


class TxmWriter(_Writer):
    """XML for TXM (XML/w import): a root ``<corpus>``, an element ``<text>`` an
    article, its metadata as attributes (``id``, ``title``, ``date``, ``year``,
    ``month``, ``source``, ``url``, ``matched``: ASCII names, as TXM asks of
    metadata, every one on every text, empty when unknown, so a partition by
    any of them holds every text), then ``<head>`` (the title) and a ``<p>`` a
    paragraph.  Text and attributes are escaped, and the characters XML 1.0
    cannot hold (control characters) are left out: the file is well-formed
    whatever the articles hold."""

    def begin(self, query: str) -> None:
        self.stream.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<corpus query={_attribute(query)}>\n')

    def article(self, found: ExportedArticle) -> None:
        date = found.date or ""
        attributes = {
            "id": found.id,
            "title": found.title,
            "date": date,
            "year": date[:4],
            "month": date[:7],
            "source": found.source or "",
            "url": found.url or "",
            "matched": MATCHED_SEPARATOR.join(found.matched),
        }
        shown = " ".join(f"{name}={_attribute(value)}" for name, value in attributes.items())
        paragraphs = "".join(f"<p>{_text(line)}</p>\n" for line in found.body.split("\n") if line.strip())
        self.stream.write(f"<text {shown}>\n<head>{_text(found.title)}</head>\n{paragraphs}</text>\n")

    def end(self) -> None:
        self.stream.write("</corpus>\n")


#: What XML 1.0 cannot hold: control characters but tab, line feed and carriage return; U+FFFE, U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ATTRIBUTE_ESCAPES = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value.strip()))


def _attribute(value: str) -> str:
    return quoteattr(_NOT_XML.sub("", value), _ATTRIBUTE_ESCAPES)
