"""JSON Lines, plain or gzip'd: one record a line, its keys mapped to article fields."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..articles import Article, Rejection
from . import Reading
from .records import RecordReader

MAX_LINE_BYTES = 16 << 20  #: a longer JSON line is rejected, read past without holding it


def read_jsonl(path: Path, reading: Reading) -> Iterator[Article]:
    """Articles of a JSON Lines file, one object a line, gzip'd when named ``*.gz``;
    from ``reading.start`` on (an offset where an earlier read ended, at a line's
    end or a gzip member's), for what was appended since.

    A damaged gzip stream ends the file at the damage; the lines before it are kept.
    """
    where = str(path)
    on_reject = reading.on_reject
    records = RecordReader(where, reading.fields, on_reject, reading.on_warning)
    offset, before = reading.start
    lineno = before
    any_line = offset > 0
    whole_lines = True  #: whether the last line read ended with a newline
    try:
        with open_binary(path, offset) as handle:
            for lineno, raw in enumerate(lines_of(handle), before + 1):
                whole_lines = raw is None or raw.endswith(b"\n")
                if raw is None:
                    any_line = True
                    on_reject(Rejection(where, lineno, f"line too long: over {MAX_LINE_BYTES:,} bytes"))
                    continue
                if lineno == 1:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                if raw.strip():
                    any_line = True
                    record = parse_json_object(raw, where, lineno, on_reject)
                    if record is not None:
                        article = records.article(record, lineno, f"{where}:{lineno}")
                        if article is not None:
                            yield article
    except (OSError, EOFError, zlib.error) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        on_reject(Rejection(where, lineno + 1 if lineno else None, f"unreadable: {reason}"))
        return
    if not any_line:
        on_reject(Rejection(where, None, "empty file"))
    elif whole_lines and reading.on_end is not None:
        reading.on_end(path, lineno)


@contextmanager
def open_binary(path: Path, offset: int = 0) -> Iterator[IO[bytes]]:
    """A corpus file opened for reading bytes from ``offset``, decompressed when
    named ``*.gz`` or, named otherwise, when it starts as gzip does (an offset
    into a gzip file is where a member starts: appended members are read alone)."""
    with open(path, "rb") as raw:
        gzipped = path.name.lower().endswith(".gz") or raw.read(2) == b"\x1f\x8b"
        raw.seek(offset)
        if gzipped:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                yield unzipped
        else:
            yield raw


def lines_of(handle) -> Iterator[bytes | None]:
    """The lines of a binary file, None for a line over ``MAX_LINE_BYTES``
    (read past in bounded pieces, never held whole)."""
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = handle.readline(1 << 20)
        yield None


def parse_json_object(raw: bytes | str, where: str, lineno: int | None, on_reject) -> dict | None:
    """The JSON object ``raw`` holds, or None, rejected with why."""

    def reject(reason: str) -> None:
        on_reject(Rejection(where, lineno, reason))

    try:
        record = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except UnicodeDecodeError:
        reject("not valid UTF-8")
        return None
    except json.JSONDecodeError as error:
        reject(f"not valid JSON: {error.msg} at column {error.colno}")
        return None
    except RecursionError:
        reject("not valid JSON here: nested too deep")
        return None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        reject(f"not valid JSON here: {error}")
        return None
    if not isinstance(record, dict):
        reject("not a JSON object")
        return None
    return record
