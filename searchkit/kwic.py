"""Keyword in context: every occurrence of a query in the matching articles, a line each.

An occurrence is a query word as the article wrote it (any of a name's
spellings, any inflection), or a whole phrase, found by re-running the
index's analysis over the stored text, as highlighting does.  Each line gives
the article's id and date, the field, the character offsets of the keyword,
its word positions (1-based, the title's words first, then the body's, stop
words counted: quanteda's ``from``/``to``) and ``width`` characters of
context either side, cut at whole words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import chain, islice

from .analysis import SPELLING_MARK, WORD_PATTERN, WORDS, query_terms
from .engine import OpenIndex, spellings_in_turn
from .errors import NoResults, QueryError
from .explain import Part, query_parts
from .highlight import word_chars
from .models import Concordance, KwicLine
from .names.table import Variants
from .names.view import spelling_note
from .search import Searcher
from .views import FIRST_BATCH, Filters, Matching, Progress, matched, ordered

_WORD = re.compile(WORD_PATTERN)
_SPACES = re.compile(r"\s+")
#: Articles read at most in one batch: their operators' occurrences are held together.
MAX_BATCH = 1024


@dataclass(frozen=True)
class KwicOptions(Filters):
    """How many occurrences a concordance lists, with how much context, in which order."""

    width: int = 40  #: characters of context either side
    limit: int = 100  #: occurrences listed; 0 for all
    sort: str = "score"  #: "score" (most relevant articles first) or "date" (newest first)


def kwic(searcher: Searcher, text: str, options: KwicOptions = KwicOptions()) -> Concordance:
    """The occurrences of query ``text``, all in a list; ``NoResults`` when no article matches it."""
    found = streamed(searcher, text, options)
    found.lines = list(found.lines)
    return found


def streamed(
    searcher: Searcher, text: str, options: KwicOptions = KwicOptions(), on_progress: Progress | None = None
) -> Concordance:
    """The occurrences of query ``text``, its ``lines`` found as they are read from
    ``searcher``'s index: to be read before the searcher is used again or closed.

    ``--limit 0`` lists every occurrence of every matching article: a printer
    writes each line as it comes, so the first comes at once and memory stays
    flat however many follow.  ``read``, ``occurrences``, ``complete`` and the
    note on what the limit cut are final once the lines are read.  ``NoResults``
    when no article matches ``text``."""
    with searcher.opened() as (index, variants):
        variants = options.names(variants)
        found, restriction = matched(index, variants, text, options)
        parts = [_Pattern(part, variants) for part in query_parts(found.node, variants, index)]
    if not parts:
        raise QueryError(f"nothing to show in context in {text!r}: give a word or a phrase, not only -words or filters")
    concordance = Concordance(
        query=text,
        articles=len(found.docs),
        read=0,
        lines=[],
        limit=options.limit,
        complete=False,
        sort=options.sort,
        notes=[spelling_note(c) for c in found.spellings],
        spellings=found.spellings,
    )
    lines = _reading(searcher, _lines(index, found, restriction, parts, options, concordance, on_progress))
    # The first line is found before anything is printed: damage met ranking the articles or reading
    # the first one (a length column, the stored text) is one error line, not half a document and one.
    concordance.lines = chain(list(islice(lines, 1)), lines)
    return concordance


def _reading(searcher: Searcher, lines: Iterator[KwicLine]) -> Iterator[KwicLine]:
    """``lines``, damage read meanwhile reported as such; what the reader of the lines
    raises (a closed pipe) is its own, not the index's."""
    with searcher.reading():
        yield from lines


def _lines(
    index: OpenIndex,
    found: Matching,
    restriction,
    parts: list[_Pattern],
    options: KwicOptions,
    concordance: Concordance,
    on_progress: Progress | None,
) -> Iterator[KwicLine]:
    """The lines, article by article in ``options.sort`` order, up to ``options.limit``;
    ``concordance``'s counts kept as they go."""
    operators = [part for part in parts if part.query is not None]
    wanted = options.limit or None
    for batch in _batches(ordered(index, found, restriction, options.sort)):
        # an operator's occurrences are those that satisfied it, read for a batch of articles at once
        satisfied = [index.positional_matches(part.query, batch) for part in operators]
        for docnum in batch:
            for part, where in zip(operators, satisfied, strict=True):
                part.satisfied = [s for one in where[docnum] for s in one.spans]
            lines = _article_lines(index.stored(docnum), parts, options.width)
            concordance.read += 1
            if on_progress is not None:
                on_progress("reading articles", concordance.read, concordance.articles)
            room = None if wanted is None else wanted - concordance.occurrences
            for line in lines[:room]:
                concordance.occurrences += 1
                yield line
            if room is not None and len(lines) >= room:
                concordance.complete = len(lines) == room and concordance.read == concordance.articles
                if not concordance.complete:
                    concordance.notes.append(_cut_note(concordance))
                return
    concordance.complete = True


def _cut_note(found: Concordance) -> str:
    return (
        f"the first {found.occurrences:,} occurrences, from {found.read:,} of the {found.articles:,} matching "
        f"articles: --limit cut the list (--limit 0 lists every occurrence)"
    )


def _batches(docnums: Iterator[int]) -> Iterator[list[int]]:
    """``docnums`` in lists, the first ``FIRST_BATCH`` long, each next one four times
    longer up to ``MAX_BATCH``: the first lines come at once, the rest in few walks."""
    size = FIRST_BATCH
    while batch := list(islice(docnums, size)):
        yield batch
        size = min(MAX_BATCH, size * 4)


class _Pattern:
    """A query word or phrase, with the terms each of its words may be indexed under."""

    def __init__(self, part: Part, variants: Variants) -> None:
        #: for a proximity, a count or ``lead:``: its query, and where it was satisfied in the article read
        self.query = part.query if part.kind == "operator" else None
        self.satisfied: list[tuple[str, int, int]] = []
        self.text = part.shown
        self.field = part.field
        self.terms = part.terms
        self.words: list[tuple[int, frozenset[str]]] = []  #: (relative position, terms), for a phrase
        words = query_terms(part.text) if part.kind in ("phrase", "word") else []
        if part.kind == "phrase" or len(words) > 1:  # Jean-Marc, Kim Jong-un: a phrase, as search reads them
            searched = spellings_in_turn([word.folded for word in words], variants)
            for word, found in zip(words, searched, strict=True):
                spellings = {SPELLING_MARK + s for s in found | {word.folded}}
                self.words.append((word.pos - words[0].pos, frozenset({word.stem} | spellings)))


def _article_lines(stored: dict, patterns: list[_Pattern], width: int) -> list[KwicLine]:
    lines = []
    offset = 0  #: words before this field: the title's, for the body
    for field in ("title", "body"):
        text = stored.get(field, "") or ""
        chosen = [p for p in patterns if p.field in (None, field)]
        if chosen:
            for start, end, first, last, pattern in _occurrences(text, chosen, field):
                lines.append(
                    KwicLine(
                        id=stored["id"],
                        date=stored.get("date"),
                        field=field,
                        start=start,
                        end=end,
                        first=offset + first + 1,
                        last=offset + last + 1,
                        pre=_before(text, start, width),
                        keyword=_SPACES.sub(" ", text[start:end]),
                        post=_after(text, end, width),
                        pattern=pattern,
                    )
                )
        if field == "title":
            offset = len(_WORD.findall(text))
    return lines


def _occurrences(text: str, patterns: list[_Pattern], field: str):
    """(start, end, first word, last word, pattern) of each occurrence, in text order, none overlapping."""
    operators = [p for p in patterns if p.query is not None]
    patterns = [p for p in patterns if p.query is None]
    found = []
    if operators:
        chars = word_chars(text)
        for pattern in operators:
            for at, first, last in pattern.satisfied:
                if at == field and first < len(chars):
                    last = min(last, len(chars) - 1)
                    found.append((chars[first][0], chars[last][1], first, last, pattern.text))
    terms = set().union(*(p.terms for p in patterns))
    words: dict[int, tuple[int, int, set[str]]] = {}  #: position → (start, end, terms)
    for position, start, end, term in WORDS.find_at(text, terms):
        words.setdefault(position, (start, end, set()))[2].add(term)
    for pattern in patterns:
        for position, (start, end, held) in words.items():
            if not pattern.words:
                if held & pattern.terms:
                    found.append((start, end, position, position, pattern.text))
                continue
            if all(_holds(words, position + gap, accepted) for gap, accepted in pattern.words):
                last = position + pattern.words[-1][0]
                found.append((start, words[last][1], position, last, pattern.text))
    found.sort(key=lambda o: (o[0], -o[1]))
    kept, reach = [], -1
    for occurrence in found:
        if occurrence[0] >= reach:
            kept.append(occurrence)
            reach = occurrence[1]
    return kept


def _holds(words: dict, position: int, accepted: frozenset[str]) -> bool:
    word = words.get(position)
    return word is not None and bool(word[2] & accepted)


def _before(text: str, start: int, width: int) -> str:
    """Up to ``width`` characters before ``start``, whitespace flattened, from a word start."""
    begin = max(0, start - width)
    context = text[begin:start]
    if begin > 0 and text[begin - 1].isalnum():
        context = context.split(" ", 1)[1] if " " in context else ""
    return _SPACES.sub(" ", context).strip()


def _after(text: str, end: int, width: int) -> str:
    """Up to ``width`` characters after ``end``, whitespace flattened, to a word end."""
    stop = min(len(text), end + width)
    context = text[end:stop]
    if stop < len(text) and text[stop].isalnum():
        context = context.rsplit(" ", 1)[0] if " " in context else ""
    return _SPACES.sub(" ", context).strip()


def streamed_set(
    searcher: Searcher, named: list[tuple[str, str]], options: KwicOptions = KwicOptions(), on_progress=None
) -> Concordance:
    """The occurrences of each (name, query) of a query set, one query after the other, each line's
    ``pattern`` its query's name (as quanteda's ``kwic`` names a dictionary key); ``--limit`` counts
    a query's lines.  A query matching nothing is said in a note; ``NoResults`` when none matches."""
    counts = []
    with searcher.opened() as (index, variants):
        for name, text in named:
            try:
                found, _ = matched(index, options.names(variants), text, options)
                counts.append((name, text, len(found.docs)))
            except NoResults:
                counts.append((name, text, 0))
    if not any(articles for _, _, articles in counts):
        raise NoResults("no article matches " + " or ".join(repr(name) for name, _, _ in counts))
    concordance = Concordance(
        query="; ".join(f"{name}: {text}" for name, text, _ in counts),
        articles=sum(articles for _, _, articles in counts),
        read=0,
        lines=[],
        limit=options.limit,
        complete=False,
        sort=options.sort,
        notes=[f"{name}: no article matches {text!r}" for name, text, articles in counts if not articles],
    )

    def lines() -> Iterator[KwicLine]:
        complete = True
        for name, text, articles in counts:
            if not articles:
                continue
            one = streamed(searcher, text, options, on_progress)
            for line in one.lines:
                yield replace(line, pattern=name)
            concordance.read += one.read
            concordance.occurrences += one.occurrences
            complete = complete and one.complete
            concordance.notes += [f"{name}: {note}" for note in one.notes]
        concordance.complete = complete

    concordance.lines = lines()
    return concordance
