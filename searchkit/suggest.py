"""Did you mean: corrections of the query's words, drawn from the index vocabulary.

A word is corrected when the index holds it in no article, or when it holds
it in a few and a word one or two edits away is far more common: then only by
a word one edit from it as the articles write it, a name by a name
(``_slip_of``).  The correction is shown as the
articles write it (``Choïgou``, not the folded ``choigou``): the surface form
is read back from an article that holds the corrected term.  Corrections are
made on the query's syntax tree, whose words know where they stand in the
query, so the user's own text is rewritten in place (as Whoosh's
``QueryCorrector`` does): phrases keep their quotes, operators and filter
values are never touched.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from . import query as q
from .analysis import FRENCH_STOP_WORDS, SPELLING_MARK, WORD_PATTERN, fold, query_terms, strip_elision
from .engine import TEXT_FIELDS, OpenIndex
from .highlight import matched_words
from .names.keys import key_edits
from .names.table import SHAPED_EDITS, OwnSpelling, Variants
from .query import MAX_WORD_LETTERS

_WORD = re.compile(WORD_PATTERN)
#: How much more common a neighbour must be to replace a word the index holds.
MORE_COMMON = 20
#: Words in at least this many articles are taken as spelt right; looking for
#: their neighbours is the costly part of a suggestion.
WELL_KNOWN = 5
#: At most this many words of a query are looked up by edit distance: each
#: lookup reads the part of the vocabulary that starts like the word.
MAX_LOOKUPS = 5


def corrected_query(
    text: str, node: q.Node, index: OpenIndex, names: Variants | OwnSpelling | None = None
) -> str | None:
    """``text`` (parsed as ``node``) with its misspelt words replaced, or None
    when nothing is to correct.

    A capitalised word the index does not hold at all may also be another
    transliteration of a name it does (Gaddafi for Kadhafi): ``names``, the
    index's name table, gives those of the same shape (``Variants.shaped_like``).  Plain words are
    corrected, in phrases and in ``title:``/``body:`` too;
    prefixes and fuzzy words are left alone.  Words longer than
    ``MAX_WORD_LETTERS``, and words after the first ``MAX_LOOKUPS`` that
    needed a lookup, are left as they are.
    """
    text = unicodedata.normalize("NFC", text)  # the tree's offsets are into the NFC text
    lookups = [MAX_LOOKUPS]
    replacements = []
    for leaf in q.leaves(node, negated=True):
        if isinstance(leaf, q.Word) and leaf.kind != "word":
            continue
        for match in _WORD.finditer(leaf.text):
            word = strip_elision(match.group())  # l’Ukrane: correct Ukrane, keep the l’
            if fold(word) in FRENCH_STOP_WORDS:
                continue
            better = _correction(word, index, lookups, names)
            if better is not None:
                start = leaf.start + match.end() - len(word)
                replacements.append((start, leaf.start + match.end(), better))
    if not replacements:
        return None
    pieces, last = [], 0
    for start, end, better in replacements:
        pieces += [text[last:start], better]
        last = end
    return "".join(pieces) + text[last:]


def _correction(word: str, index: OpenIndex, lookups: list[int], names: Variants | OwnSpelling | None) -> str | None:
    """The better spelling of ``word``, if any; ``lookups`` holds how many
    lookups by edit distance are left, and is decremented by one made."""
    terms = query_terms(word)
    if len(terms) != 1:
        return None
    stem, folded = terms[0].stem, terms[0].folded
    if len(folded) > MAX_WORD_LETTERS:
        return None
    current = index.doc_frequency(stem)
    if current >= WELL_KNOWN or lookups[0] <= 0:
        return None
    lookups[0] -= 1
    best = _most_common(index, stem, folded, 1 if len(folded) <= 4 else 2, current * MORE_COMMON)
    if current:
        return _slip_of(word, folded, best, index) if best is not None else None
    if names is not None and word[:1].isupper():
        best = _name_meant(folded, index, names, best) or best
    return _surface_form(index, best) if best is not None else None


def _slip_of(word: str, folded: str, best: str, index: OpenIndex) -> str | None:
    """How the articles write ``best``, the most common neighbour of ``word`` (which some articles
    hold), when ``word`` may be a slip of it: one edit from it as written and, for a name, a name.

    Read on Le Monde 2022 (bench/README.md, *Did you mean*): every right correction of a word
    some articles hold was one edit of it, a name for a name (Fance: France, Allmagne:
    Allemagne, Zelensk: Zelensky); of the others, none was (Ronsard: Renard, Biren: bien,
    Chane: charge, digit: dignité)."""
    from rapidfuzz.distance import OSA  # here: every search imports this module

    shown = _surface_form(index, best)
    if shown is None or OSA.distance(fold(shown), folded, score_cutoff=1) > 1:
        return None
    if word[:1].isupper() and index.doc_frequency(SPELLING_MARK + folded) and not shown[:1].isupper():
        return None  # a name the articles hold is not an ordinary word
    return shown


def _most_common(index: OpenIndex, stem: str, folded: str, maxdist: int, floor: int) -> str | None:
    """The most common term within ``maxdist`` edits of the word (its stem, its spelling) held by
    more than ``floor`` articles."""
    candidates = index.neighbours(stem, maxdist, prefix=1) | index.neighbours(SPELLING_MARK + folded, maxdist, prefix=2)
    best, best_frequency = None, floor
    for candidate in sorted(candidates):
        frequency = index.doc_frequency(candidate)
        if frequency > best_frequency:
            best, best_frequency = candidate, frequency
    return best


def _name_meant(folded: str, index: OpenIndex, names: Variants | OwnSpelling, best: str | None) -> str | None:
    """The ``^spelling`` of the name that ``folded``, a name no article holds, may be another
    transliteration of: of the names of its shape (``Variants.shaped_like``), the one whose key is
    nearest, then the most frequent, when it is no farther than ``best`` (Gaddafi: Kadhafi rather
    than Gaïdaï; Macrom: still Macron).  None when a spelling of it is found (its rule variants
    find the articles), or when ``best`` is one of those names."""
    if any(index.doc_frequency(SPELLING_MARK + s) for s in names.spellings(folded)):
        return None
    shaped = names.shaped_like(folded)
    best_folded = best.removeprefix(SPELLING_MARK) if best is not None else None
    if not shaped or best_folded in shaped:
        return None

    def nearness(term: str, edits: int) -> tuple[int, int]:
        return edits, -index.doc_frequency(term)

    nearest = min(sorted(shaped), key=lambda s: nearness(SPELLING_MARK + s, shaped[s]))
    kept = best is not None and nearness(best, key_edits(folded, best_folded, SHAPED_EDITS)) < nearness(
        SPELLING_MARK + nearest, shaped[nearest]
    )
    return None if kept else SPELLING_MARK + nearest


def _surface_form(index: OpenIndex, term: str) -> str | None:
    """The most common way the articles holding ``term`` write it."""
    forms: Counter[str] = Counter()
    for ranked in index.ranked(index.term_query(term), limit=3):
        stored = index.stored(ranked.docnum)
        for fieldname in TEXT_FIELDS:
            text = stored.get(fieldname, "")
            forms.update(text[start:end] for start, end, _ in matched_words(text, {term}))
    return forms.most_common(1)[0][0] if forms else None
