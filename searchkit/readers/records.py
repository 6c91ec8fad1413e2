"""Records (a JSON object, a CSV row) made articles, through a ``FieldMap``.

One rule for JSON Lines, JSON and CSV: a record is rejected, with its file,
line and why, when it has no usable id, when no key holds a body (the keys
it has are named, and how to map one), or when it has neither a title nor a
body; a date that cannot be read leaves the article undated, with a warning.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from ..articles import MAX_ID_CHARS, Article, RejectHandler, Rejection, normalize_text
from ..dates import DATE_YEARS, in_years, parse_day
from .fields import FieldMap

DATE_FORMS = "2022-03-12, 12/03/2022, 12 mars 2022, Sat, 12 Mar 2022 10:00:00 +0100"


def checked_day(value: object, article_id: str, where: str, line: int | None, on_warning: RejectHandler) -> str | None:
    """The day of a date as a record or a page gives it; None, with a warning
    through ``on_warning``, when it is no date searchkit reads or is outside
    ``DATE_YEARS``: an article is never lost for its date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    day = parse_day(value) if isinstance(value, str) else None
    if day is not None and in_years(day):
        return day
    shown = _shown(value) if not isinstance(value, str) else repr(value.strip()[:60])
    why = (
        f"is outside the years {DATE_YEARS[0]} to {DATE_YEARS[1]} searchkit dates articles in"
        if day is not None
        else f"is not a date searchkit reads ({DATE_FORMS})"
    )
    on_warning(Rejection(where, line, f"article {article_id}: date {shown} {why}: indexed undated"))
    return None


class RecordReader:
    """Makes the records of one file articles; the keys of each shape of
    record are resolved once (a JSON Lines file has one or a few)."""

    def __init__(self, where: str, fields: FieldMap, on_reject: RejectHandler, on_warning: RejectHandler) -> None:
        self.where = where
        self.fields = fields
        self.on_reject = on_reject
        self.on_warning = on_warning
        self._shapes: dict[tuple[str, ...], dict[str, list[str]]] = {}

    def keys_for(self, keys: list[str]) -> dict[str, list[str]]:
        """Field → the keys of a record of these ``keys`` that may hold it."""
        shape = tuple(keys)
        found = self._shapes.get(shape)
        if found is None:
            if len(self._shapes) > 1_000:  # records of ever new shapes: never hold them all
                self._shapes.clear()
            found = self._shapes[shape] = self.fields.resolve(keys)
        return found

    def missing(self, keys: list[str]) -> str | None:
        """Why records of these ``keys`` (a CSV header) cannot be articles, or None."""
        resolved = self.fields.resolve(keys)
        absent = [name for name in ("id", "body") if not resolved[name]]
        if not absent:
            return None
        hints = ",".join(f"{name}=COLUMN" for name in absent)
        return (
            f"no {' and no '.join(absent)} column: none of {self._looked_for(absent)}; "
            f"the columns are {', '.join(keys) or 'none'}: name them with --map {hints} or in fields.toml"
        )

    def article(self, record: dict[str, Any], line: int | None, origin: str, label: str = "") -> Article | None:
        """The article of ``record`` (read at ``line``, or named by ``label``), or None, rejected."""

        def reject(reason: str) -> None:
            self.on_reject(Rejection(self.where, line, label + reason))

        keys = self.keys_for(list(record))
        values = {name: _first(record, found) for name, found in keys.items()}
        article_id, problem = json_id(values["id"])
        if problem:
            if values["id"] is None and not keys["id"]:
                problem += f": none of the keys {self._looked_for(['id'])} (the record has {_listed(record)})"
            reject(problem)
            return None
        if not keys["body"]:
            reject(
                f"no body: none of the keys {self._looked_for(['body'])} (the record has {_listed(record)}); "
                "name it with --map body=KEY or in fields.toml"
            )
            return None
        fields = {}
        for name in ("title", "body", "source", "url"):
            value = values[name]
            if value is not None and not isinstance(value, str):
                reject(f"{name} must be a string, got {_shown(value)}")
                return None
            if value and not encodable(value):
                reject(f"{name} holds a lone surrogate (\\ud800-\\udfff), which is no character")
                return None
            # A blank field is an absent one.
            fields[name] = (normalize_text(value).strip() if value else None) or None
        if not fields["title"] and not fields["body"]:
            reject("empty article: no title and no body")
            return None
        return Article(
            id=article_id,
            title=fields["title"] or "",
            body=fields["body"] or "",
            date=checked_day(values["date"], article_id, self.where, line, self.on_warning),
            source=fields["source"],
            url=fields["url"],
            origin=origin,
        )

    def _looked_for(self, names: list[str]) -> str:
        return ", ".join(key for name in names for key in self.fields.candidates(name))


def _first(record: dict[str, Any], keys: list[str]) -> Any:
    """The first value of ``keys`` in ``record`` that is not blank (None when none is)."""
    found = None
    for key in keys:
        value = record[key]
        if value is not None and value != "":
            return value
        found = value if found is None else found
    return found


def json_id(value: object) -> tuple[str, str | None]:
    """(the id, as text; what is wrong with it, or None).

    An id is a string or an integer (``15`` reads as ``"15"``), taken as
    written: it is what ``show``, ``id:`` and an update match exactly, so
    spaces around it are refused rather than trimmed (``" 15 "`` and ``15``
    would be two articles to every tool but this one), and so is a control
    character (a tab or a line break would split the lines of ``--fields``,
    ``--csv`` and ``files.json`` readers).  A float is refused even when whole
    (``15.0``): it is not clear which text was meant.
    """
    if value is None:
        return "", "missing id"
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return "", f"id must be a string or an integer, got {_shown(value)}"
    text = str(value)
    if not text.strip():
        return "", "missing id: the id is blank"
    if not encodable(text):
        return "", "id holds a lone surrogate (\\ud800-\\udfff), which is no character"
    if len(text) > MAX_ID_CHARS:
        return "", f"id too long: over {MAX_ID_CHARS} characters"
    if text != text.strip():
        return "", f"id {text!r} has spaces around it: ids are taken as written, write {text.strip()!r}"
    if control := next((c for c in text if unicodedata.category(c) == "Cc"), None):
        return "", f"id {text!r} holds a control character ({control!r})"
    return text, None


def _listed(record: dict[str, Any]) -> str:
    keys = [str(k) for k in record]
    shown = ", ".join(keys[:12]) + (", …" if len(keys) > 12 else "")
    return shown or "no keys"


def _shown(value: object) -> str:
    """A JSON value as a rejection names it: itself when short, else its type."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    shown = json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= 40 else f"a {type(value).__name__}"


def encodable(text: str) -> bool:
    """Whether ``text`` is text: one read with ``surrogateescape`` (bytes that are not UTF-8,
    a Latin-1 file name) holds lone surrogates, which no UTF-8 file or index can take."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
