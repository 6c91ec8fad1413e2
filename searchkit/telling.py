"""The telling words of an article, for ``similar``: what it is about, weighed for a search.

An article's words are counted by *word*, not by term: a name gives two terms at one
position (its spelling ``^choigou`` and its stem), which count once, and the spellings one
person is written under (Choïgou, Choïgu, Shoigu: those the name-variant table merges,
``searchkit.names.table``) are one word, counted together and searched together.  A word
in the title counts ``TITLE_WEIGHT`` times, one in the lead (the first ``LEAD_WORDS`` words
of the body, Le Monde's standfirst and opening) ``LEAD_WEIGHT`` times: a page's title and
opening say what it is about, a passing name in its tenth paragraph does not.

Each word is weighed by tf × idf (idf = log(N / df), df the articles holding any of its
terms, at most), which the ``SIMILAR_WORDS`` heaviest keep.  Words that no other
article holds cannot bring one, and are left out, as are words shorter than three letters
and numbers.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass

from .analysis import SPELLING_MARK, WORDS
from .engine import OpenIndex
from .names.table import Variants

#: ``similar`` searches with this many of an article's telling words.
SIMILAR_WORDS = 25
#: A word of the title counts this many times, one of the lead this many.
TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
#: How many of the body's first words are its lead.
LEAD_WORDS = 60


@dataclass(frozen=True)
class Telling:
    """One telling word: the terms it is searched by (a name's spellings, or a stem) and its weight."""

    terms: tuple[str, ...]
    weight: float


def telling_words(index: OpenIndex, variants: Variants, stored: dict, count: int = SIMILAR_WORDS) -> list[Telling]:
    """The ``count`` most telling words of the article whose stored fields are ``stored``, heaviest first."""
    counted: Counter[tuple[str, ...]] = Counter()
    names: dict[str, tuple[str, ...]] = {}
    for field, text in (("title", stored.get("title") or ""), ("body", stored.get("body") or "")):
        for position, terms in _positions(text):
            weight = TITLE_WEIGHT if field == "title" else LEAD_WEIGHT if position < LEAD_WORDS else 1.0
            word = _word(terms, variants, names)
            if word is not None:
                counted[word] += weight
    documents = max(index.doc_count(), 1)
    # A word's body frequency bounds its weight from above (its frequency adds the titles'):
    # the titles are looked up only for the words that bound lets into the heaviest ``count``.
    body = {word: [index.doc_frequency(term, ("body",)) for term in word] for word in counted}
    bound = {word: counted[word] * math.log(1 + documents / max(max(body[word]), 1)) for word in counted}
    weighed: list[Telling] = []
    lightest: list[float] = []  # the heaviest ``count`` weights so far, lightest first (a heap)
    for word in sorted(counted, key=lambda word: -bound[word]):
        if len(lightest) == count and bound[word] < lightest[0]:
            break
        df = max(held + index.doc_frequency(term, ("title",)) for term, held in zip(word, body[word], strict=True))
        if df < 2:  # held by this article only (title and body count apart)
            continue
        weighed.append(Telling(word, counted[word] * math.log(1 + documents / df)))
        heapq.heappush(lightest, weighed[-1].weight)
        if len(lightest) > count:
            heapq.heappop(lightest)
    weighed.sort(key=lambda t: (-t.weight, t.terms))
    return weighed[:count]


def _positions(text: str):
    """(position, terms) for each word of ``text`` that gives terms: a word's stem, and a name's spelling first."""
    current: list[str] = []
    at = None
    for token in WORDS(text, positions=True, mode="index"):
        if token.pos != at:
            if current:
                yield at, current
            current, at = [], token.pos
        current.append(token.text)
    if current:
        yield at, current


def _word(terms: list[str], variants: Variants, names: dict[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    """The terms one written word is searched by: a name's merged spellings when it is written
    capitalised and is a name, else its stem; None for short words and numbers."""
    spelling = next((t for t in terms if t.startswith(SPELLING_MARK)), None)
    stem = next((t for t in terms if not t.startswith(SPELLING_MARK)), None)
    if spelling is not None:
        folded = spelling[len(SPELLING_MARK) :]
        if folded not in names:
            names[folded] = _name_terms(folded, variants)
        if names[folded]:
            return names[folded]
    if stem is None or len(stem) < 3 or stem.isdigit():
        return None
    return (stem,)


def _name_terms(folded: str, variants: Variants) -> tuple[str, ...]:
    """A name's spellings, marked, in a fixed order (one key for its counts); () when ``folded`` is
    capitalised but no name (a word opening a sentence), or too short to tell anything."""
    if len(folded) < 2 or folded.isdigit() or not variants.is_name(folded):
        return ()
    return tuple(sorted(SPELLING_MARK + s for s in variants.spellings(folded, held=True)))
