"""The query language: parsing what people type, and compiling it to Whoosh queries.

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

from whoosh import query as wq
from whoosh.query.spans import SpanNear2, SpanOr

from .analysis import SPELLING_MARK, fold, light_stem, strip_elision, word_analyzer
from .corpus import is_valid_date
from .errors import QueryError
from .variants import Variants

TITLE_BOOST = 1.0
EXACT_BONUS = 0.2  #: a name in the query's own spelling, on top of its word match
VARIANT_WEIGHT = 0.5  #: a name spelled another way weighs half its word match
FIELDS = ("title", "body", "date", "source", "id")

_WORDS = word_analyzer()
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


# --- compiling to Whoosh -----------------------------------------------------------


def _query_words(text: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The (stem, position) and (folded word, position) pairs of a query text."""
    tokens = [(t.text, t.folded, t.pos) for t in _WORDS(text, positions=True, mode="query")]
    return [(stem, pos) for stem, _, pos in tokens], [(folded, pos) for _, folded, pos in tokens]


class _SpanNear(SpanNear2):
    """SpanNear2 with a working size estimate, which Whoosh asks for inside any
    large Or: 2.7.4's raises NameError (``_and_query`` names an undefined ``q``)."""

    def estimate_size(self, ixreader) -> int:
        return min(q.estimate_size(ixreader) for q in self.qs)


class _SpanOr(SpanOr):
    """SpanOr with a size estimate; Whoosh 2.7.4 has none (NotImplementedError)."""

    def estimate_size(self, ixreader) -> int:
        return sum(q.estimate_size(ixreader) for q in self.subqs)


def _gapped(fieldname: str, parts: list[tuple[wq.Query, int]], boost: float = 1.0) -> wq.Query:
    """Parts at exactly their relative positions, gaps left by stop words included.

    Whoosh's own Phrase allows any gap up to its slop; this keeps "conseil de
    sécurité" from matching "conseil sécurité" or "conseil et de la sécurité".
    """
    query, previous = parts[0]
    for part, pos in parts[1:]:
        gap = pos - previous
        query = _SpanNear([query, part], slop=gap, ordered=True, mindist=gap)
        previous = pos
    query.boost = boost
    return query


def _words_query(fieldname: str, words: list[tuple[str, int]], boost: float) -> wq.Query:
    if len(words) == 1:
        return wq.Term(fieldname, words[0][0], boost=boost)
    return _gapped(fieldname, [(wq.Term(fieldname, w), pos) for w, pos in words], boost)


def _field_boost(fieldname: str) -> float:
    return TITLE_BOOST if fieldname == "title" else 1.0


def _name_alternatives(words: list[tuple[str, int]], variants: Variants) -> dict[str, set[str]] | None:
    """For each folded query word, its other spellings; None when no word has any."""
    alternatives = {word: variants.spellings(word) - {word} for word, _ in words}
    return alternatives if any(alternatives.values()) else None


def _name_query(fieldname: str, stem: str, folded: str, others: set[str], exact_only: bool) -> wq.Query:
    """A name: its word, a small bonus for the exact spelling, and its other spellings.

    Spellings sharing the word's stem (Prigojine for Prigojin) are left out:
    the word already matches them, and they would outweigh the exact one.
    With ``exact_only``, the exact spelling alone, for the first tier of hits.
    """
    boost = _field_boost(fieldname)
    exact = wq.Term(fieldname, SPELLING_MARK + folded, boost=boost)
    if exact_only:
        return exact
    terms = [
        wq.Term(fieldname, stem, boost=boost),
        wq.Term(fieldname, SPELLING_MARK + folded, boost=EXACT_BONUS * boost),
    ]
    terms += [
        wq.Term(fieldname, SPELLING_MARK + other, boost=VARIANT_WEIGHT * boost)
        for other in sorted(others)
        if light_stem(other) != stem
    ]
    return wq.Or(terms)


def _names_phrase(fieldname: str, words: list[tuple[str, int]], alternatives: dict[str, set[str]]) -> wq.Query:
    """A phrase of names, each word in any of its spellings."""
    parts = []
    for word, pos in words:
        terms = [wq.Term(fieldname, SPELLING_MARK + s) for s in sorted(alternatives[word] | {word})]
        parts.append((_SpanOr(terms) if len(terms) > 1 else terms[0], pos))
    return _gapped(fieldname, parts, VARIANT_WEIGHT * _field_boost(fieldname))


def _text_query(text: str, field: str | None, variants: Variants, exact_names: bool = False) -> wq.Query | None:
    """A word or phrase in the title and the body, as words and, for names, in all their spellings."""
    words, folded = _query_words(text)
    if not words:
        return None  # only stop words
    alternatives = _name_alternatives(folded, variants)
    parts = []
    for fieldname in [field] if field else ["title", "body"]:
        if alternatives is None:
            parts.append(_words_query(fieldname, words, _field_boost(fieldname)))
        elif len(words) == 1:
            word = folded[0][0]
            parts.append(_name_query(fieldname, words[0][0], word, alternatives[word], exact_names))
        else:
            parts.append(_words_query(fieldname, words, _field_boost(fieldname)))
            if not exact_names:
                parts.append(_names_phrase(fieldname, folded, alternatives))
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def _word_query(node: Word, variants: Variants, exact_names: bool) -> wq.Query | None:
    if node.kind == "word":
        return _text_query(node.text, node.field, variants, exact_names)
    fields = [node.field] if node.field else ["title", "body"]
    if node.kind == "prefix":
        folded = fold(strip_elision(node.text))
        parts = [wq.Prefix(f, folded, boost=_field_boost(f)) for f in fields]
    else:
        words, spellings = _query_words(node.text)
        if not words:
            return None
        stem, folded = words[0][0], spellings[0][0]
        parts = []
        for f in fields:
            boost = _field_boost(f)
            parts.append(wq.FuzzyTerm(f, stem, boost=boost, maxdist=node.distance, prefixlength=1))
            parts += [
                wq.FuzzyTerm(f, SPELLING_MARK + s, boost=VARIANT_WEIGHT * boost, maxdist=node.distance, prefixlength=2)
                for s in sorted(variants.spellings(folded))
            ]
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def filter_query(node: Filter) -> wq.Query:
    if node.field == "date":
        if node.high is None:
            return wq.Prefix("date", node.low)
        return wq.TermRange("date", node.low, node.high)
    if node.field == "id":
        return wq.Term("id", node.low)
    words = [w for w in (fold(w) for w in re.findall(r"\w+", node.low)) if w]
    if not words:
        raise QueryError(f"source {node.low!r} has no word to look for")
    return wq.And([wq.Term("source", w) for w in words])


def compile_query(
    node: Node, variants: Variants, *, positive_only: bool = False, exact_names: bool = False
) -> wq.Query | None:
    """The Whoosh query for a syntax tree; None when nothing searchable is left.

    ``positive_only`` leaves out negations and filters: what remains are the
    terms to highlight and to explain.  ``exact_names`` matches names in the
    query's spelling only: the first tier of hits, before other spellings.
    """
    if isinstance(node, Word):
        return _word_query(node, variants, exact_names)
    if isinstance(node, Phrase):
        return _text_query(node.text, node.field, variants, exact_names)
    if isinstance(node, Filter):
        return None if positive_only else filter_query(node)
    if isinstance(node, Not):
        if positive_only:
            return None
        child = compile_query(node.child, variants)
        return wq.Not(child) if child is not None else None
    children = [compile_query(c, variants, positive_only=positive_only, exact_names=exact_names) for c in node.children]
    kept = [c for c in children if c is not None]
    if not kept:
        return None
    if isinstance(node, Or):
        return kept[0] if len(kept) == 1 else wq.Or(kept)
    if all(isinstance(c, wq.Not) for c in kept):
        kept.insert(0, wq.Every())
    return kept[0] if len(kept) == 1 else wq.And(kept)


def matched_terms(query: wq.Query | None, reader) -> set[str]:
    """The terms of the index that ``query`` can match, prefixes and fuzzy
    words expanded; the terms to highlight.

    Whoosh's ``Query.existing_terms`` is not used: its loop variable shadows its
    ``fieldname`` argument, so it skips every field after the first.
    """
    if query is None:
        return set()
    found = set()
    for leaf in query.leaves():
        for fieldname, text in leaf.expanded_terms(reader, phrases=True):
            if (fieldname, text) in reader:
                found.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return found
