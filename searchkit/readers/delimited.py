"""CSV and TSV with a header row: Media Cloud's exports, spreadsheets saved as CSV.

The delimiter is the one of ``,;\\t|`` the header row holds most (a French
spreadsheet writes ``;``), a tab for ``.tsv`` and ``.tab``; quoted cells may
hold delimiters and line breaks.  The encoding: UTF-8 (with or without the
byte-order mark Excel writes), UTF-16 with its mark (Excel's "Unicode text"),
and otherwise Windows-1252, the encoding a French Excel saves "CSV" in: bytes
that are not UTF-8 are, in a French text, almost surely that (Latin-1 is its
subset), and reading them so is said in one warning line.  A row of more
cells than the header is rejected; missing cells at a row's end are blank.
"""

from __future__ import annotations

import codecs
import csv
import io
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..articles import Article, Rejection
from . import Reading
from .jsonl import MAX_LINE_BYTES, open_binary
from .records import RecordReader

DELIMITERS = ",;\t|"
#: The longest cell: a quote left open would otherwise swallow the rest of the file into one.
csv.field_size_limit(MAX_LINE_BYTES)


def read_delimited(path: Path, reading: Reading) -> Iterator[Article]:
    """The articles of a CSV or TSV file, one a row after the header."""
    where = str(path)

    def reject(line: int | None, reason: str) -> None:
        reading.on_reject(Rejection(where, line, reason))

    try:
        with open_binary(path) as raw:
            encoding, warning = _encoding(raw)
            if warning:
                reading.on_warning(Rejection(where, None, warning))
            text = io.TextIOWrapper(raw, encoding=encoding, newline="")
            header_line = text.readline()
            if not header_line.strip():
                reject(None, "empty file" if not header_line else "no header row: the first line is blank")
                return
            delimiter = "\t" if path.name.lower().endswith((".tsv", ".tab")) else _delimiter(header_line)
            header = next(csv.reader([header_line], delimiter=delimiter))
            records = RecordReader(where, reading.fields, reading.on_reject, reading.on_warning)
            if problem := records.missing(header):
                reject(1, problem)
                return
            rows = csv.reader(text, delimiter=delimiter)
            start = 2
            while True:
                try:
                    row = next(rows)
                except StopIteration:
                    break
                except csv.Error as error:
                    reject(start, f"not valid CSV: {error}; the rest of the file is not read")
                    return
                line, start = start, rows.line_num + 2
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) > len(header):
                    reject(line, f"{len(row)} cells, the header has {len(header)}: a delimiter or a quote is amiss")
                    continue
                record = dict(zip(header, row + [""] * (len(header) - len(row)), strict=True))
                article = records.article(record, line, f"{where}:{line}")
                if article is not None:
                    yield article
    except UnicodeDecodeError as error:
        reject(None, f"not valid {error.encoding}: {error.reason}")
    except (OSError, EOFError, zlib.error) as error:
        reject(None, f"unreadable: {getattr(error, 'strerror', None) or error}")


def _encoding(raw: io.BufferedReader) -> tuple[str, str | None]:
    """(the encoding to read ``raw`` in, a warning to give or None), from its first bytes."""
    head = raw.peek(1 << 16)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", None
    if _is_utf8(head):
        return "utf-8", None
    return "cp1252", "not UTF-8: read as Windows-1252 (Latin-1), as a French Excel saves CSV; check the accents"


def _is_utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3  # a character cut at the end of the sample
    return True


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","
