"""The native article format: a title line, a blank line, a numeric id, a blank line, the body."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..articles import Article, RejectHandler, Rejection, normalize_text

MAX_NATIVE_BYTES = 16 << 20  #: a larger native file is rejected unread


def read_native(path: Path, on_reject: RejectHandler) -> Article | None:
    """One article in the native format: title, blank line, numeric id, blank line, body."""
    where = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_NATIVE_BYTES:
            on_reject(Rejection(where, None, f"too large: {size:,} bytes (limit {MAX_NATIVE_BYTES:,})"))
            return None
        raw = path.read_bytes()
    except OSError as error:
        on_reject(Rejection(where, None, f"unreadable: {error.strerror or error}"))
        return None
    try:
        text = normalize_text(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        on_reject(Rejection(where, line, "not valid UTF-8"))
        return None
    if not text.strip():
        on_reject(Rejection(where, None, "empty file"))
        return None
    lines = text.split("\n")
    title = lines[0].strip()
    rest = lines[1:]
    while rest and not rest[0].strip():
        rest.pop(0)
    article_id = rest[0].strip() if rest else ""
    if not (article_id.isascii() and article_id.isdigit()):
        on_reject(
            Rejection(
                where,
                len(lines) - len(rest) + 1 if rest else None,
                "missing id: expected a numeric id after the title and a blank line",
            )
        )
        return None
    body = "\n".join(rest[1:]).strip()
    if not title:
        on_reject(Rejection(where, 1, "missing title"))
        return None
    return Article(id=article_id, title=title, body=body, origin=where)


def read_native_file(path: Path, reading) -> Iterator[Article]:
    """``read_native`` as the other readers are called (see ``searchkit.readers``)."""
    article = read_native(path, reading.on_reject)
    if article is not None:
        yield article
