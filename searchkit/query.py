"""The query language: parsing what people type into a syntax tree.

Syntax (documented in the README and ``searchkit search --help``)::

    choïgou poutine          every word (by default)
    iran OR irak             either (also OU)
    -gaza   NOT gaza         without (also SAUF)
    "conseil de sécurité"    exact phrase (also « guillemets »)
    title:zelensky           in the title only (title:"..." too)
    ukrain*                  prefix
    choigu~  choigu~1        fuzzy, for typos
    date:2022-03  date:2022-03-01..2022-06-30
    source:wikinews
    ( ... )                  grouping

The parser is written here rather than taken from ``whoosh.qparser`` because
that one never fails: an unbalanced quote or an unknown field silently becomes
a different query.  Here a malformed query is a ``QueryError`` saying what is
wrong and where.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass

from .analysis import fold
from .corpus import is_valid_date
from .errors import QueryError

FIELDS = ("title", "body", "date", "source", "id")

_SPACE = re.compile(r"[\s\u00a0\u202f]+")
_OPERATORS = {"OR": "OR", "OU": "OR", "AND": "AND", "ET": "AND", "NOT": "NOT", "SAUF": "NOT"}
_QUOTES = {'"': '"', "«": "»", "“": "”"}
_FUZZY = re.compile(r"^(.*?)~(\d?)$")
_FIELD = re.compile(r"^([A-Za-z]+):(.*)$", re.S)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


# --- syntax tree -----------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str
    field: str | None = None  #: "title" or "body"; None means both
    kind: str = "word"  #: "word", "prefix" or "fuzzy"
    distance: int = 0  #: edits allowed, for fuzzy words


@dataclass(frozen=True)
class Phrase:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Filter:
    """A field condition that does not score: ``date:``, ``source:``, ``id:``."""

    field: str
    low: str
    high: str | None = None  #: for date ranges; None means a prefix or a word


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Word | Phrase | Filter | Not | And | Or


# --- lexer -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  #: "word", "phrase", "open", "close", "op", "minus"
    text: str
    column: int  #: 1-based
    field: str | None = None


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if _SPACE.match(char):
            i += 1
        elif char in "()":
            tokens.append(_Token("open" if char == "(" else "close", char, i + 1))
            i += 1
        elif char in _QUOTES:
            end = text.find(_QUOTES[char], i + 1)
            if end < 0:
                raise QueryError(f"unbalanced quote {char}: no closing {_QUOTES[char]}", i + 1)
            tokens.append(_Token("phrase", text[i + 1 : end], i + 1))
            i = end + 1
        elif char in "»”":
            raise QueryError(f"closing {char} with no opening quote", i + 1)
        elif char == "-" and i + 1 < n and not _SPACE.match(text[i + 1]):
            tokens.append(_Token("minus", "-", i + 1))
            i += 1
        else:
            start = i
            while i < n and not _SPACE.match(text[i]) and text[i] not in '()"«»“”':
                i += 1
            word = text[start:i]
            match = _FIELD.match(word)
            if match and not match.group(1).isdigit():
                field = match.group(1).lower()
                if field not in FIELDS:
                    raise QueryError(f"unknown field {match.group(1)!r} (fields: {', '.join(FIELDS)})", start + 1)
                rest = match.group(2)
                if rest:
                    tokens.append(_Token("word", rest, start + len(field) + 2, field))
                elif i < n and text[i] in _QUOTES:
                    end = text.find(_QUOTES[text[i]], i + 1)
                    if end < 0:
                        raise QueryError(f"unbalanced quote {text[i]}: no closing {_QUOTES[text[i]]}", i + 1)
                    tokens.append(_Token("phrase", text[i + 1 : end], i + 1, field))
                    i = end + 1
                else:
                    raise QueryError(f"nothing after {field}:", start + 1)
            elif word in _OPERATORS:
                tokens.append(_Token("op", _OPERATORS[word], start + 1))
            else:
                tokens.append(_Token("word", word, start + 1))
    return tokens


# --- parser ------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("empty query")
        node = self.or_expr()
        token = self.peek()
        if token is not None:
            raise QueryError("unbalanced parenthesis: ) with no (", token.column)
        return node

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while (token := self.peek()) is not None and token.kind == "op" and token.text == "OR":
            self.take()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children: list[Node] = []
        while (
            (token := self.peek()) is not None
            and token.kind != "close"
            and not (token.kind == "op" and token.text == "OR")
        ):
            if token.kind == "op" and token.text == "AND":
                self.take()
                if not children:
                    raise QueryError("AND needs a word before it", token.column)
                continue
            children.append(self.unary())
        if not children:
            token = self.peek() or self.tokens[-1]
            raise QueryError(f"expected a word near {token.text!r}", token.column)
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self) -> Node:
        token = self.take()
        if token.kind == "minus" or (token.kind == "op" and token.text == "NOT"):
            if self.peek() is None:
                raise QueryError(f"{token.text} needs a word after it", token.column)
            return Not(self.unary())
        if token.kind == "op":
            raise QueryError(f"{token.text} needs a word before and after it", token.column)
        if token.kind == "open":
            node = self.or_expr()
            close = self.peek()
            if close is None or close.kind != "close":
                raise QueryError("unbalanced parenthesis: ( with no )", token.column)
            self.take()
            return node
        if token.kind == "phrase":
            return self.phrase(token)
        return self.word(token)

    def phrase(self, token: _Token) -> Node:
        if token.field in ("date", "source", "id"):
            return self.filter(token)
        return Phrase(token.text, token.field)

    def word(self, token: _Token) -> Node:
        if token.field in ("date", "source", "id"):
            return self.filter(token)
        text = token.text
        if text.endswith("*"):
            stem = text.rstrip("*")
            if len(fold(stem)) < 2:
                raise QueryError(f"prefix {text!r} is too short: give at least two letters", token.column)
            return Word(stem, token.field, "prefix")
        fuzzy = _FUZZY.match(text)
        if fuzzy:
            if not fold(fuzzy.group(1)):
                raise QueryError(f"fuzzy {text!r} needs a word before ~", token.column)
            distance = int(fuzzy.group(2)) if fuzzy.group(2) else (1 if len(fuzzy.group(1)) <= 5 else 2)
            return Word(fuzzy.group(1), token.field, "fuzzy", min(distance, 2))
        return Word(text, token.field)

    def filter(self, token: _Token) -> Filter:
        if token.field == "date":
            return Filter("date", *parse_date_range(token.text, token.column))
        return Filter(token.field, token.text)


def parse_date_range(text: str, column: int | None = None) -> tuple[str, str | None]:
    """``2022``, ``2022-03``, ``2022-03-01`` or ``A..B``: (low, high) or (prefix, None)."""
    low, sep, high = text.partition("..")
    for part in (low, high) if sep else (low,):
        if part and not (_DATE.match(part) and is_valid_date(_complete_date(part))):
            raise QueryError(f"bad date {part!r}: use YYYY, YYYY-MM or YYYY-MM-DD", column)
    if not sep:
        return low, None
    if not low and not high:
        raise QueryError("a date range needs a start or an end: 2022-03..2022-06", column)
    return _complete_date(low) if low else "0000-00-00", _complete_date(high, end=True) if high else "9999-99-99"


def _complete_date(text: str, end: bool = False) -> str:
    """``2022`` → ``2022-01-01`` (or ``2022-12-31`` at the end of a range)."""
    parts = text.split("-")
    if len(parts) == 1:
        parts.append("12" if end else "01")
    if len(parts) == 2:
        parts.append(_last_day(int(parts[0]), int(parts[1])) if end else "01")
    return "-".join(parts)


def _last_day(year: int, month: int) -> str:
    return f"{calendar.monthrange(year, month)[1]:02d}" if 1 <= month <= 12 else "31"


def parse(text: str) -> Node:
    """The syntax tree of a query; ``QueryError`` when it is malformed."""
    return _Parser(unicodedata.normalize("NFC", text)).parse()
