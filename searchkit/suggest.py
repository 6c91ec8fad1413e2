"""Did you mean: corrections of the query's words, drawn from the index vocabulary.

A word is corrected when the index holds it in no article, or when a word
one or two edits away is far more common.  The correction is shown as the
articles write it (``Choïgou``, not the folded ``choigou``): the surface form
is read back from an article that holds the corrected term.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from whoosh.query import Or, Term

from .analysis import FRENCH_STOP_WORDS, SPELLING_MARK, WORD_PATTERN, fold, word_analyzer
from .highlight import matched_words
from .query import MAX_WORD_LETTERS

_WORDS = word_analyzer()
#: A plain word of a query, alone, in a phrase or after ``title:``/``body:``; not
#: an operator's neighbour value (``date:2022``), a prefix or a fuzzy word.
_QUERY_WORD = re.compile(rf"(?<![\w:])(?:(?:title|body):)?({WORD_PATTERN})(?![\w:*~])")
_OPERATORS = {"OR", "OU", "AND", "ET", "NOT", "SAUF"}
#: How much more common a neighbour must be to replace a word the index holds.
MORE_COMMON = 20
#: Words in at least this many articles are taken as spelt right; looking for
#: their neighbours is the costly part of a suggestion.
WELL_KNOWN = 5
#: At most this many words of a query are looked up by edit distance: each
#: lookup reads the part of the vocabulary that starts like the word.
MAX_LOOKUPS = 5


@dataclass(frozen=True)
class Suggestion:
    query: str  #: the corrected query, words shown as the articles write them
    hits: int  #: how many articles it finds with every word


def corrected_query(text: str, searcher) -> str | None:
    """``text`` with its misspelt words replaced, or None when nothing is to correct.

    Plain words are corrected, in phrases and in ``title:``/``body:`` too;
    filter values (``date:``, ``source:``), prefixes, fuzzy words and
    operators are left alone, and phrases keep their quotes.  Words longer
    than ``MAX_WORD_LETTERS``, and words after the first ``MAX_LOOKUPS``
    that needed a lookup, are left as they are.
    """
    reader = searcher.reader()
    changed = False
    pieces = []
    last = 0
    lookups = [MAX_LOOKUPS]
    for match in _QUERY_WORD.finditer(text):
        word = match.group(1)
        if word in _OPERATORS or fold(word) in FRENCH_STOP_WORDS:
            continue
        better = _correction(word, searcher, reader, lookups)
        if better is not None:
            pieces += [text[last : match.start(1)], better]
            last = match.end(1)
            changed = True
    pieces.append(text[last:])
    return "".join(pieces) if changed else None


def _correction(word: str, searcher, reader, lookups: list[int]) -> str | None:
    """The better spelling of ``word``, if any; ``lookups`` holds how many
    lookups by edit distance are left, and is decremented by one made."""
    tokens = [(t.text, t.folded) for t in _WORDS(word, mode="query")]
    if len(tokens) != 1:
        return None
    stem, folded = tokens[0]
    if len(folded) > MAX_WORD_LETTERS:
        return None
    current = _frequency(reader, stem)
    if current >= WELL_KNOWN or lookups[0] <= 0:
        return None
    lookups[0] -= 1
    best, best_frequency = None, current * MORE_COMMON if current else 0
    maxdist = 1 if len(folded) <= 4 else 2
    for candidate in _neighbours(reader, stem, folded, maxdist):
        frequency = _frequency(reader, candidate)
        if frequency > best_frequency:
            best, best_frequency = candidate, frequency
    return _surface_form(searcher, best) if best is not None else None


def _neighbours(reader, stem: str, folded: str, maxdist: int) -> set[str]:
    candidates = set()
    for fieldname in ("title", "body"):
        candidates.update(reader.terms_within(fieldname, stem, maxdist, prefix=1))
        candidates.update(reader.terms_within(fieldname, SPELLING_MARK + folded, maxdist, prefix=2))
    candidates.discard(stem)
    candidates.discard(SPELLING_MARK + folded)
    return candidates


def _frequency(reader, term: str) -> int:
    return reader.doc_frequency("body", term) + reader.doc_frequency("title", term)


def _surface_form(searcher, term: str) -> str | None:
    """The most common way the articles holding ``term`` write it."""
    forms: Counter[str] = Counter()
    for hit in searcher.search(Or([Term("body", term), Term("title", term)]), limit=3):
        for fieldname in ("title", "body"):
            text = hit.get(fieldname, "")
            forms.update(text[start:end] for start, end, _ in matched_words(text, {term}))
    return forms.most_common(1)[0][0] if forms else None
