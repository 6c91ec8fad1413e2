"""A JSON document of records: a list of objects, or an object holding one
(``{"stories": [...]}``, as APIs answer), or one object (one article).

The document is read whole (``MAX_JSON_BYTES`` at most): JSON Lines is the
format for a corpus too large for memory.  Records of a top-level list are
rejected with the line they start on.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..articles import Article, Rejection
from . import Reading
from .jsonl import open_binary
from .records import RecordReader

MAX_JSON_BYTES = 512 << 20  #: a larger JSON document is rejected unread: write JSON Lines
_SPACE = " \t\n\r"


def read_json(path: Path, reading: Reading) -> Iterator[Article]:
    """The articles of the records of a JSON document."""
    where = str(path)

    def reject(line: int | None, reason: str) -> None:
        reading.on_reject(Rejection(where, line, reason))

    try:
        with open_binary(path) as handle:
            raw = handle.read(MAX_JSON_BYTES + 1)
    except (OSError, EOFError, zlib.error) as error:
        reject(None, f"unreadable: {getattr(error, 'strerror', None) or error}")
        return
    if len(raw) > MAX_JSON_BYTES:
        reject(None, f"too large for a JSON document: over {MAX_JSON_BYTES:,} bytes; write JSON Lines")
        return
    try:
        text = raw.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as error:
        reject(raw[: error.start].count(b"\n") + 1, "not valid UTF-8")
        return
    records = RecordReader(where, reading.fields, reading.on_reject, reading.on_warning)
    start = len(text) - len(text.lstrip(_SPACE))
    if text[start : start + 1] == "[":
        items = _list_items(text, start + 1, reject)
    else:
        try:
            document = json.loads(text)
        except (json.JSONDecodeError, RecursionError, ValueError) as error:
            reject(getattr(error, "lineno", None), f"not valid JSON: {getattr(error, 'msg', error)}")
            return
        items = _wrapped(document, reject)
    for line, label, record in items:
        if not isinstance(record, dict):
            reject(line, f"{label}not a JSON object")
            continue
        article = records.article(record, line, f"{where}:{line}" if line else where, label)
        if article is not None:
            yield article


def _list_items(text: str, at: int, reject) -> Iterator[tuple[int | None, str, object]]:
    """The items of the list opened at ``text[at - 1]``, each with the line it starts on."""
    decoder = json.JSONDecoder()
    line = text.count("\n", 0, at) + 1
    first = True
    while True:
        skipped = _skip(text, at)
        line += text.count("\n", at, skipped)
        at = skipped
        if text[at : at + 1] == "]":
            return
        if not first:
            if text[at : at + 1] != ",":
                reject(line, "not valid JSON: expected ',' or ']' between records; the rest of the file is not read")
                return
            skipped = _skip(text, at + 1)
            line += text.count("\n", at, skipped)
            at = skipped
        first = False
        try:
            record, end = decoder.raw_decode(text, at)
        except (json.JSONDecodeError, RecursionError, ValueError) as error:
            reason = getattr(error, "msg", error)
            reject(line, f"not valid JSON: {reason}; the rest of the file is not read")
            return
        yield line, "", record
        line += text.count("\n", at, end)
        at = end


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _SPACE:
        at += 1
    return at


def _wrapped(document: object, reject) -> Iterator[tuple[int | None, str, object]]:
    """The records of a JSON object: those of its one list of objects, else the object itself."""
    if isinstance(document, dict):
        lists = [(key, value) for key, value in document.items() if isinstance(value, list) and value]
        lists = [(key, value) for key, value in lists if all(isinstance(item, dict) for item in value)]
        if len(lists) == 1:
            key, value = lists[0]
            for number, record in enumerate(value, 1):
                yield None, f"record {number} of {key!r}: ", record
            return
        yield None, "", document
        return
    reject(None, "not a JSON list of records, nor an object holding one")
