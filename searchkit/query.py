"""The query language: parsing what people type into a syntax tree.

Syntax (documented in the README and ``searchkit search --help``)::

    choïgou poutine          every word (by default)
    iran OR irak             either (also OU)
    -gaza   NOT gaza         without (also SAUF)
    "conseil de sécurité"    exact phrase (also « guillemets »)
    title:zelensky           in the title only (title:"..." too)
    title:(kiev OR kyiv)     a field for every word of a group (any field)
    ukrain*                  prefix
    choigu~  choigu~1        fuzzy, for typos
    =Kiev                    that spelling only (accents and case folded): not Kyiv
    date:2022-03  date:2022-03-01..2022-06-30
    source:wikinews
    poutine NEAR/5 macron    at most 5 words apart, either order (also w/5)
    poutine PRE/5 macron     the first at most 5 words before the second (also pre/5)
    choïgou NEAR/s démission in the same sentence (NEAR/p: paragraph; also /s, /p)
    atleast3(ukraine)        named at least 3 times
    lead:inflation           in the title or the first paragraph
    ( ... )                  grouping

The parser is written here rather than taken from ``whoosh.qparser`` because
that one never fails: an unbalanced quote or an unknown field silently becomes
a different query.  Here a malformed query is a ``QueryError`` saying what is
wrong and where.
"""

from __future__ import annotations

import calendar
import dataclasses
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from .analysis import WORD_PATTERN, fold
from .dates import is_valid_date
from .errors import QueryError

FIELDS = ("title", "body", "lead", "date", "source", "id")

# --- caps ----------------------------------------------------------------------------
# A real query has fewer than 30 words and two or three levels of parentheses.
# These caps keep every query's work bounded and its syntax tree (and the
# Whoosh query and matcher trees built from it) far from Python's recursion
# limit; a query over one is a bad query (exit 2) saying which cap it hit.

#: Characters in a query (after NFC normalisation).
MAX_QUERY_CHARS = 2000
#: Nested parentheses and negations (``NOT``, ``SAUF``, ``-``) inside one another.
MAX_DEPTH = 20
#: Words in a query, counting each word of a phrase, of a hyphenated word and of
#: a ``source:`` value.  Also bounds pasted text and long ``OR`` lists.
MAX_WORDS = 64
#: Fuzzy words (``choigu~``): each one scans the vocabulary for its neighbours.
MAX_FUZZY_WORDS = 4
#: Prefixes (``ukrain*``): each one reads all the words of the vocabulary that start with it.
MAX_PREFIXES = 5
#: Letters in a word looked up by edit distance (a fuzzy word, or a word for
#: "did you mean"); the lookup's cost grows with the length, and no French word
#: is this long.  A longer plain word is still searched, just never corrected.
MAX_WORD_LETTERS = 30
#: Words apart at most in ``NEAR/N`` and ``PRE/N``; and mentions at most in ``atleastN``.
MAX_DISTANCE = 1000

_SPACE = re.compile(r"[\s\u00a0\u202f]+")
_OPERATORS = {"OR": "OR", "OU": "OR", "AND": "AND", "ET": "AND", "NOT": "NOT", "SAUF": "NOT"}
_QUOTES = {'"': '"', "«": "»", "“": "”"}
_FUZZY = re.compile(r"^(.*?)~(\d*)$")
_FIELD = re.compile(r"^([A-Za-z]+):(.*)$", re.S)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_WORD = re.compile(WORD_PATTERN)
#: ``NEAR/5``, ``PRE/5``, ``w/5``, ``pre/5``, ``NEAR/s``, ``w/p``, ``/s``…: the operator and what follows its slash.
_PROXIMITY = re.compile(r"^(NEAR|near|PRE|pre|W|w|)/(.*)$", re.S)
_ATLEAST = re.compile(r"^(?i:atleast)(.*)$", re.S)
_UNITS = {"s": "sentence", "p": "paragraph"}


# --- syntax tree -----------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """A query word: plain, a prefix (``ukrain*``), fuzzy (``choigu~2``) or one exact spelling (``=Kiev``)."""

    text: str
    field: str | None = None  #: "title" or "body"; None means both
    kind: str = "word"  #: "word", "prefix", "fuzzy" or "exact" (``=Kiev``: that spelling only)
    distance: int = 0  #: edits allowed, for fuzzy words
    #: Where ``text`` starts in the (NFC) query, so a correction rewrites the user's words in place.
    start: int = dataclass_field(default=-1, compare=False)


@dataclass(frozen=True)
class Phrase:
    """Words in this order (``"Conseil de sécurité"``), stop words keeping their places."""

    text: str
    field: str | None = None
    #: Where ``text`` starts in the (NFC) query, so a correction rewrites the user's words in place.
    start: int = dataclass_field(default=-1, compare=False)


@dataclass(frozen=True)
class Filter:
    """A field condition that does not score: ``date:``, ``source:``, ``id:``."""

    field: str
    low: str
    high: str | None = None  #: for date ranges; None means a prefix or a word


@dataclass(frozen=True)
class Not:
    """Articles the child does not match (``NOT x``, ``-x``)."""

    child: Node


@dataclass(frozen=True)
class And:
    """Articles every child matches."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Articles any child matches."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Near:
    """``a NEAR/5 b`` (``ordered`` for ``PRE/5``), ``a NEAR/s b``, ``a NEAR/p b``."""

    left: Node
    right: Node
    distance: int | None  #: words apart at most; None for a sentence or paragraph
    unit: str = "word"  #: "word", "sentence" or "paragraph"
    ordered: bool = False
    written: str = "NEAR/5"  #: the operator as the query wrote it
    column: int = dataclass_field(default=0, compare=False)

    @property
    def shown(self) -> str:
        return f"{_shown(self.left)} {self.written} {_shown(self.right)}"


@dataclass(frozen=True)
class AtLeast:
    """``atleast3(ukraine)``: articles naming it at least ``count`` times, title and body together."""

    count: int
    child: Node
    column: int = dataclass_field(default=0, compare=False)

    @property
    def shown(self) -> str:
        return f"atleast{self.count}({_shown(self.child)})"


Node = Word | Phrase | Filter | Not | And | Or | Near | AtLeast


def _shown(node: Node) -> str:
    """An operand as a query would write it."""
    if isinstance(node, Phrase):
        return f'"{node.text}"'
    if isinstance(node, Word):
        text = {"prefix": f"{node.text}*", "fuzzy": f"{node.text}~{node.distance}", "exact": f"={node.text}"}.get(
            node.kind, node.text
        )
        return f"{node.field}:{text}" if node.field else text
    if isinstance(node, Or):
        return "(" + " OR ".join(_shown(c) for c in node.children) + ")"
    return str(node)


def replace_field(node: Word | Phrase, field: str | None = None) -> Word | Phrase:
    """``node`` in another field (None: the title and the body)."""
    return dataclasses.replace(node, field=field)


def searches_names(leaf: Word | Phrase) -> bool:
    """Whether the word or phrase ``leaf`` searches names in their spellings (or, ``=Kiev``,
    in one): not a prefix nor a fuzzy word, whose expansions are words of the index."""
    return isinstance(leaf, Phrase) or leaf.kind in ("word", "exact")


def is_operator(node: Node) -> bool:
    """Whether ``node`` is a constraint partial matching never drops: a proximity, a count, ``lead:``."""
    return isinstance(node, (Near, AtLeast)) or (isinstance(node, Word | Phrase) and node.field == "lead")


# --- lexer -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    """One piece of the query text, with the column it starts at (for errors that point at it)."""

    kind: str  #: "word", "phrase", "open", "close", "op", "minus", "near", "atleast"
    text: str
    column: int  #: 1-based
    field: str | None = None
    #: for "near": (distance or None, unit, ordered); for "atleast": (count,); for "op": (OR, AND or NOT,)
    value: tuple = ()


def _is_operator(token: _Token, operator: str) -> bool:
    """Whether ``token`` is ``operator`` in any of its spellings (OU for OR, SAUF for NOT), which
    the token keeps as written, for the errors to quote."""
    return token.kind == "op" and token.value == (operator,)


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
                if _FIELD.match(rest) or (_ATLEAST.match(rest) and i < n and text[i] == "("):
                    # title:title:macron, title:atleast2(macron): else searched as words, finding nothing
                    if ":" in rest:
                        raise QueryError(f"{field}:{rest}: one field at a time", start + 1)
                    raise QueryError(f"{field}:{rest}(…): the field goes inside: {rest}({field}:…)", start + 1)
                if rest:
                    tokens.append(_Token("word", rest, start + len(field) + 2, field))
                elif i < n and text[i] in _QUOTES:
                    end = text.find(_QUOTES[text[i]], i + 1)
                    if end < 0:
                        raise QueryError(f"unbalanced quote {text[i]}: no closing {_QUOTES[text[i]]}", i + 1)
                    tokens.append(_Token("phrase", text[i + 1 : end], i + 1, field))
                    i = end + 1
                elif i < n and text[i] == "(":
                    tokens.append(_Token("open", f"{field}:(", start + 1, field))
                    i += 1
                else:
                    raise QueryError(
                        f'nothing after {field}: (write {field}:word, {field}:"a phrase" or {field}:(a OR b), '
                        "with no space after the colon)",
                        start + 1,
                    )
            elif word in _OPERATORS:
                tokens.append(_Token("op", word, start + 1, value=(_OPERATORS[word],)))
            elif (proximity := _PROXIMITY.match(word)) and (proximity.group(1) or proximity.group(2) in _UNITS):
                tokens.append(_Token("near", word, start + 1, value=_proximity(word, proximity, start + 1)))
            elif (atleast := _ATLEAST.match(word)) and i < n and text[i] == "(":
                tokens.append(_Token("atleast", word, start + 1, value=(_count(word, atleast.group(1), start + 1),)))
            elif atleast and atleast.group(1).isdigit() and text[i:].lstrip().startswith("("):
                # Else searched as a plain word "atleast3", and its group as the query's other words.
                raise QueryError(f"{word}: no space before its parenthesis: {word}(ukraine)", start + 1)
            else:
                tokens.append(_Token("word", word, start + 1))
    return tokens


def _proximity(word: str, match: re.Match, column: int) -> tuple[int | None, str, bool]:
    """(distance or None, unit, ordered) of ``NEAR/5``, ``PRE/5``, ``w/s``…; a QueryError when malformed."""
    operator, after = match.groups()
    ordered = operator.upper() == "PRE"
    if after.lower() in _UNITS:
        return None, _UNITS[after.lower()], ordered
    if not after.isascii() or not after.isdigit():
        raise QueryError(
            f"{word}: after the / give a number of words ({operator or 'NEAR'}/5), "
            "s for the same sentence or p for the same paragraph",
            column,
        )
    distance = int(after)
    if distance < 1:
        raise QueryError(f"{word}: words are at least 1 apart ({operator}/1: next to each other)", column)
    if distance > MAX_DISTANCE:
        raise QueryError(f"{word}: at most {MAX_DISTANCE:,} words apart (NEAR/p: the same paragraph)", column)
    return distance, "word", ordered


def _count(word: str, digits: str, column: int) -> int:
    """N of ``atleastN``; a QueryError when it is not a number from 1 to ``MAX_DISTANCE``."""
    if not digits.isascii() or not digits.isdigit():
        raise QueryError(f"{word}: give the number of mentions right after atleast: atleast3(ukraine)", column)
    count = int(digits)
    if not 1 <= count <= MAX_DISTANCE:
        raise QueryError(f"{word}: the number of mentions is from 1 to {MAX_DISTANCE:,}", column)
    return count


# --- parser ------------------------------------------------------------------------


_NOT_TEXT = re.compile("[\ud800-\udfff]")


class _Parser:
    def __init__(self, text: str) -> None:
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"query too long: {len(text):,} characters, at most {MAX_QUERY_CHARS:,}")
        if broken := _NOT_TEXT.search(text):
            # Undecodable bytes (the CLI's arguments keep them as lone surrogates) match nothing.
            raise QueryError("not valid text (a byte that is not UTF-8, or a lone surrogate)", broken.start() + 1)
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0  #: parentheses and negations open around the current token
        self.field: str | None = None  #: the field of the ``title:( … )`` group open around the current token
        self.counts = {"word": 0, "fuzzy": 0, "prefix": 0}

    def count(self, kind: str, token: _Token, many: int = 1) -> None:
        """Counts ``many`` more words (or fuzzy words, or prefixes); a QueryError past the cap."""
        self.counts[kind] += many
        cap, what = {
            "word": (MAX_WORDS, "words"),
            "fuzzy": (MAX_FUZZY_WORDS, "fuzzy words (~)"),
            "prefix": (MAX_PREFIXES, "prefixes (*)"),
        }[kind]
        if self.counts[kind] > cap:
            raise QueryError(f"too many {what}: a query may have at most {cap}", token.column)

    def nest(self, token: _Token) -> None:
        """One level deeper (a parenthesis or a negation); a QueryError past ``MAX_DEPTH``."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(
                f"nested too deep: more than {MAX_DEPTH} parentheses and negations inside one another", token.column
            )

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
        while (token := self.peek()) is not None and _is_operator(token, "OR"):
            self.take()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children: list[Node] = []
        while (token := self.peek()) is not None and token.kind != "close" and not _is_operator(token, "OR"):
            if _is_operator(token, "AND"):
                self.take()
                if not children:
                    raise QueryError(f"{token.text} needs a word before it", token.column)
                continue
            children.append(self.near_expr())
        if not children:
            token = self.peek() or self.tokens[-1]
            raise QueryError(f"expected a word near {token.text!r}", token.column)
        return children[0] if len(children) == 1 else And(tuple(children))

    def near_expr(self) -> Node:
        """Words and their proximity operators: ``poutine NEAR/5 macron``."""
        node = self.unary()
        while (token := self.peek()) is not None and token.kind == "near":
            self.take()
            following = self.peek()
            if following is None or following.kind in ("close", "op", "near"):
                raise QueryError(f"{token.text} needs a word before and after it", token.column)
            if isinstance(node, Near):
                raise QueryError(
                    f"{token.text}: one proximity at a time (a NEAR/5 b AND b NEAR/5 c, or group with OR)",
                    token.column,
                )
            right = self.unary()
            distance, unit, ordered = token.value
            for operand in (node, right):
                self.operand(operand, token)
            node = Near(node, right, distance, unit, ordered, token.text, column=token.column)
        return node

    def operand(self, node: Node, token: _Token) -> None:
        """A QueryError unless ``node`` may be an operator's operand: words, phrases, OR groups of them."""
        if isinstance(node, Or):
            for child in node.children:
                self.operand(child, token)
            return
        if isinstance(node, (Word, Phrase)) and node.field != "lead":
            return
        what = {Near: "another proximity", AtLeast: "an atleast", Not: "a negation", Filter: "a filter"}.get(
            type(node), "lead:" if isinstance(node, (Word, Phrase)) else "an AND group"
        )
        raise QueryError(
            f"{token.text}: its operands are words, phrases or (… OR …) groups of them, not {what}", token.column
        )

    def unary(self) -> Node:
        token = self.take()
        if token.kind == "minus" or _is_operator(token, "NOT"):
            if self.peek() is None:
                raise QueryError(f"{token.text} needs a word after it", token.column)
            self.nest(token)
            node = Not(self.unary())
            self.depth -= 1
            return node
        if token.kind in ("op", "near"):
            raise QueryError(f"{token.text} needs a word before and after it", token.column)
        if token.kind == "atleast":
            return self.atleast(token)
        if token.kind == "open":
            return self.group(token)
        token = self.in_field(token)
        if token.kind == "phrase":
            return self.phrase(token)
        return self.word(token)

    def in_field(self, token: _Token) -> _Token:
        """A word or phrase inside a ``title:( … )`` group, in that field:
        ``title:(kiev OR kyiv)`` is ``title:kiev OR title:kyiv``."""
        if self.field is None or token.field == self.field:
            return token
        if token.field is not None:
            raise QueryError(f"{token.field}: inside {self.field}:( … ): one field at a time", token.column)
        return dataclasses.replace(token, field=self.field)

    def group(self, opening: _Token) -> Node:
        """What is inside the parentheses that ``opening`` opened (``(`` or
        ``title:(``, whose field every word inside takes), and its closing one."""
        following = self.peek()
        if following is None:
            raise QueryError(f"unbalanced parenthesis: {opening.text} with no )", opening.column)
        if following.kind == "close":
            raise QueryError(f"{opening.text}) holds nothing: put words inside the parentheses", opening.column)
        if opening.field is not None and self.field not in (None, opening.field):
            raise QueryError(f"{opening.text} inside {self.field}:( … ): one field at a time", opening.column)
        self.nest(opening)
        outer, self.field = self.field, opening.field or self.field
        node = self.or_expr()
        close = self.peek()
        if close is None or close.kind != "close":
            raise QueryError(f"unbalanced parenthesis: {opening.text} with no )", opening.column)
        self.take()
        self.depth -= 1
        self.field = outer
        return node

    def atleast(self, token: _Token) -> AtLeast:
        """``atleast3(ukraine)``: the parenthesis follows the number, with no space."""
        opening = self.take()
        following = self.peek()
        if following is None or following.kind == "close":
            raise QueryError(f"{token.text}( needs a word inside its parentheses: atleast3(ukraine)", token.column)
        node = self.group(opening)
        self.operand(node, token)
        return AtLeast(token.value[0], node, column=token.column)

    def phrase(self, token: _Token) -> Node:
        if token.field in ("date", "source", "id"):
            return self.filter(token)
        self.count("word", token, len(_WORD.findall(token.text)))
        return Phrase(token.text, token.field, start=token.column)

    def word(self, token: _Token) -> Node:
        if token.field in ("date", "source", "id"):
            return self.filter(token)
        text = token.text
        if text.startswith("="):
            return self.exact(token)
        if "*" in text.rstrip("*"):
            raise QueryError(f"{text!r}: * stands only at the end of a word (ukrain*)", token.column)
        if "~" in text and not _FUZZY.match(text):
            raise QueryError(
                f"{text!r}: ~ ends a fuzzy word, a distance of 0 to 2 after it (kiev~, kiev~1)", token.column
            )
        if text.endswith("*"):
            stem = text.rstrip("*")
            if len(fold(stem)) < 2:
                raise QueryError(f"prefix {text!r} is too short: give at least two letters", token.column)
            self.count("word", token)
            self.count("prefix", token)
            return Word(stem, token.field, "prefix", start=token.column - 1)
        fuzzy = _FUZZY.match(text)
        if fuzzy:
            letters = len(fold(fuzzy.group(1)))
            if not letters:
                raise QueryError(f"fuzzy {text!r} needs a word before ~", token.column)
            if letters > MAX_WORD_LETTERS:
                raise QueryError(
                    f"fuzzy word too long: {letters} letters, at most {MAX_WORD_LETTERS} (search it without ~)",
                    token.column,
                )
            self.count("word", token)
            self.count("fuzzy", token)
            distance = int(fuzzy.group(2)) if fuzzy.group(2) else (1 if len(fuzzy.group(1)) <= 5 else 2)
            return Word(fuzzy.group(1), token.field, "fuzzy", min(distance, 2), start=token.column - 1)
        # "l'iran-irak" is one token but two words: a phrase of them is searched.
        self.count("word", token, max(1, len(_WORD.findall(text))))
        return Word(text, token.field, start=token.column - 1)

    def exact(self, token: _Token) -> Word:
        """``=Kiev``: the name in that spelling only, accents and case folded."""
        text = token.text[1:]
        words = _WORD.findall(text)
        if not words:
            raise QueryError(f"{token.text!r}: = needs a word right after it (=Kiev)", token.column)
        if any(char in text for char in "*~="):
            raise QueryError(f"{token.text!r}: a =spelling cannot also be a prefix or fuzzy", token.column)
        if _FIELD.match(text):
            raise QueryError(f"{token.text!r}: the field comes first: {text.replace(':', ':=', 1)}", token.column)
        self.count("word", token, len(words))
        # The text starts one character after the token's: past the "=".
        return Word(text, token.field, "exact", start=token.column)

    def filter(self, token: _Token) -> Filter:
        if token.field == "date":
            self.count("word", token)
            return Filter("date", *parse_date_range(token.text, token.column))
        self.count("word", token, max(1, len(re.findall(r"\w+", token.text))))
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
    start = _complete_date(low) if low else "0000-00-00"
    end = _complete_date(high, end=True) if high else "9999-99-99"
    if start > end:
        # It would find nothing, without a word why (--since after --until comes here too).
        raise QueryError(f"date range {text} is reversed: the earlier date comes first, {high}..{low}", column)
    return start, end


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


def leaves(node: Node, *, negated: bool = False) -> Iterator[Word | Phrase]:
    """The words and phrases of a query, in order; under a negation too with ``negated``."""
    if isinstance(node, (Word, Phrase)):
        yield node
    elif isinstance(node, (And, Or)):
        for child in node.children:
            yield from leaves(child, negated=negated)
    elif isinstance(node, Near):
        yield from leaves(node.left, negated=negated)
        yield from leaves(node.right, negated=negated)
    elif isinstance(node, AtLeast) or (isinstance(node, Not) and negated):
        yield from leaves(node.child, negated=negated)


def top_filters(node: Node) -> tuple[Node | None, tuple[Node, ...]]:
    """(the query without its top-level filters, those filters): what every hit
    must satisfy, apart from what scores.  A filter is a ``Filter`` or an OR
    group of filters (``(date:2020 OR date:2022)``).  ``(None, filters)`` for a
    query that is only filters."""
    if is_filter(node):
        return None, (node,)
    if not isinstance(node, And):
        return node, ()
    filters = tuple(c for c in node.children if is_filter(c))
    rest = tuple(c for c in node.children if not is_filter(c))
    if not rest:
        return None, filters
    return (rest[0] if len(rest) == 1 else And(rest)), filters


def is_filter(node: Node) -> bool:
    """Whether ``node`` only restricts (a ``Filter``, or an OR of filters) and has nothing to score."""
    return isinstance(node, Filter) or (isinstance(node, Or) and all(is_filter(c) for c in node.children))


def parse(text: str) -> Node:
    """The syntax tree of a query; ``QueryError`` when it is malformed."""
    return _Parser(unicodedata.normalize("NFC", text)).parse()
