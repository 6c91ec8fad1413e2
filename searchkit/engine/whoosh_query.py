"""Compiling a query's syntax tree to Whoosh queries (the Whoosh engine's query half).

A word searches the title and the body; a word the corpus writes as a name
also searches its other spellings (``searchkit.variants``).  Phrases keep the
gaps left by stop words.  Filters restrict without scoring.
"""

from __future__ import annotations

import heapq
import re
import threading
import weakref

from whoosh import matching as wm
from whoosh import query as wq
from whoosh.query.spans import SpanNear2, SpanOr
from whoosh.searching import SearchContext

from ..analysis import SPELLING_MARK, fold, light_stem, query_terms, strip_elision
from ..errors import QueryError
from ..query import MAX_WORDS, Filter, Node, Not, Or, Phrase, Word, parse_date_range
from ..variants import Variants
from . import TEXT_FIELDS

#: A title word counts like a body word, and more in effect: BM25F scores a
#: word in a short field higher.  A boost of 2 lowered PIAF nDCG@10 from 0.795
#: to 0.771 (a passage's title is its article's topic, shared by many).
TITLE_BOOST = 1.0
EXACT_BONUS = 0.2  #: a name in the query's own spelling, on top of its word match
VARIANT_WEIGHT = 0.5  #: a name spelled another way weighs half its word match
#: A prefix (``de*``) or a fuzzy word searches at most this many words of the
#: index in each field: those in the most articles.  ``de*`` starts thousands
#: of words, and matching, highlighting and explaining each one is the cost.
MAX_EXPANSIONS = 50


def _query_words(text: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The (stem, position) and (folded word, position) pairs of a query text."""
    terms = query_terms(text)
    return [(t.stem, t.pos) for t in terms], [(t.folded, t.pos) for t in terms]


class _SpanNear(SpanNear2):
    """SpanNear2 with a working size estimate, which Whoosh asks for inside any
    large Or: 2.7.4's raises NameError (``_and_query`` names an undefined ``q``)."""

    def estimate_size(self, ixreader) -> int:
        return min(q.estimate_size(ixreader) for q in self.qs)


class _SpanOr(SpanOr):
    """SpanOr with a size estimate; Whoosh 2.7.4 has none (NotImplementedError)."""

    def estimate_size(self, ixreader) -> int:
        return sum(q.estimate_size(ixreader) for q in self.subqs)


class _Capped:
    """A Whoosh prefix or fuzzy query that expands to the ``MAX_EXPANSIONS``
    words of the index that most articles hold (ties: alphabetical order).

    Whoosh's ``MultiTerm`` expands through ``_btexts(reader)`` wherever a
    query's words are needed: its matcher, its size estimate, and
    ``expanded_terms`` (which ``matched_terms`` reads for highlighting and
    explanations), so capping ``_btexts`` caps them all alike.  On an index of
    several segments Whoosh builds a matcher for each segment, with that
    segment's reader; the words are chosen on the whole index's reader
    instead, so every segment searches the same words and highlighting shows
    exactly them.  Each choice is made once per reader (a search compiles its
    query several times, one for each tier of hits).
    """

    #: The words chosen on the whole index, kept by ``matcher`` for ``estimate_size``.
    _chosen: tuple | None = None

    def _btexts(self, ixreader):
        return self.expansion(ixreader)[0]

    def expansion(self, ixreader) -> tuple[tuple, int]:
        """(the words chosen, how many words the query could expand to)."""
        key = (type(self), self.fieldname, self.text, getattr(self, "maxdist", 0), getattr(self, "prefixlength", 0))
        with _CHOSEN_LOCK:
            chosen = _CHOSEN.setdefault(ixreader, {})
        if key not in chosen:
            chosen[key] = _most_common(ixreader, self.fieldname, super()._btexts(ixreader))
        return chosen[key]

    def note(self, total: int) -> str:
        raise NotImplementedError

    def estimate_size(self, ixreader) -> int:
        # Whoosh asks each segment: its own choice of words would cost a second scan.
        chosen = self._chosen if self._chosen is not None else self._btexts(ixreader)
        return sum(ixreader.doc_frequency(self.fieldname, text) for text in chosen)

    def matcher(self, searcher, context=None):
        # MultiTerm.matcher, with the words chosen on the whole index.
        top = searcher
        while top.has_parent():
            top = top.get_parent()
        self._chosen = self._btexts(top.reader())
        terms = [wq.Term(self.fieldname, text) for text in self._chosen]
        if not terms:
            return wm.NullMatcher()
        if len(terms) == 1:
            return terms[0].matcher(searcher, context)
        if self.constantscore:
            context = context.set(weighting=None) if context else SearchContext(weighting=None)
        return wq.Or(terms, boost=self.boost).matcher(searcher, context)


#: Reader → the words chosen for each capped query; forgotten with the reader.
_CHOSEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CHOSEN_LOCK = threading.Lock()


def _most_common(reader, fieldname: str, texts) -> tuple[tuple, int]:
    """The ``MAX_EXPANSIONS`` of ``texts`` in the most articles of ``reader``'s
    ``fieldname``, and how many ``texts`` there were."""
    ordered = sorted(set(texts))
    chosen = heapq.nlargest(MAX_EXPANSIONS, ordered, key=lambda text: reader.doc_frequency(fieldname, text))
    return tuple(chosen), len(ordered)


class CappedPrefix(_Capped, wq.Prefix):
    """``ukrain*``: the ``MAX_EXPANSIONS`` most common words starting ``ukrain``."""

    def note(self, total: int) -> str:
        return f"{self.text}*: searched the {MAX_EXPANSIONS} most common of {total:,} words starting {self.text!r}"


class CappedFuzzyTerm(_Capped, wq.FuzzyTerm):
    """``choigu~``: the ``MAX_EXPANSIONS`` most common words a few edits away."""

    def note(self, total: int) -> str:
        word = self.text.removeprefix(SPELLING_MARK)
        return (
            f"{word}~{self.maxdist}: searched the {MAX_EXPANSIONS} most common of {total:,} words "
            f"within {self.maxdist} edit(s)"
        )


def capped_notes(query: wq.Query | None, reader) -> list[str]:
    """A note for each prefix or fuzzy word of ``query`` that could expand to
    more words than it searched, once each."""
    notes: dict[str, None] = {}
    for leaf in query.leaves() if query is not None else ():
        if isinstance(leaf, _Capped):
            chosen, total = leaf.expansion(reader)
            if total > len(chosen):
                notes[leaf.note(total)] = None
    return list(notes)


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
    """For each folded query word, its other spellings; None when no word has any.

    A word followed by another (a given name before its surname) also gets the
    spellings learned beside that surname: Victor in ``Viktor Orban``."""
    alternatives = {
        word: (variants.spellings_before(word, words[i + 1][0]) if i + 1 < len(words) else variants.spellings(word))
        - {word}
        for i, (word, _) in enumerate(words)
    }
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
    for fieldname in [field] if field else TEXT_FIELDS:
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


def _spelling_query(text: str, field: str | None) -> wq.Query | None:
    """``=Kiev``: the name in that spelling only (``^kiev``), in no other and
    never as a plain word; several words (``=Abou-Dhabi``) as a phrase of spellings."""
    _, folded = _query_words(text)
    if not folded:
        return None
    parts = []
    for fieldname in [field] if field else TEXT_FIELDS:
        spellings = [(SPELLING_MARK + word, pos) for word, pos in folded]
        parts.append(_words_query(fieldname, spellings, _field_boost(fieldname)))
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def _word_query(node: Word, variants: Variants, exact_names: bool) -> wq.Query | None:
    if node.kind == "word":
        return _text_query(node.text, node.field, variants, exact_names)
    if node.kind == "exact":
        return _spelling_query(node.text, node.field)
    fields = [node.field] if node.field else TEXT_FIELDS
    if node.kind == "prefix":
        folded = fold(strip_elision(node.text))
        parts = [CappedPrefix(f, folded, boost=_field_boost(f)) for f in fields]
    else:
        words, spellings = _query_words(node.text)
        if not words:
            return None
        stem, folded = words[0][0], spellings[0][0]
        parts = []
        for f in fields:
            boost = _field_boost(f)
            parts.append(CappedFuzzyTerm(f, stem, boost=boost, maxdist=node.distance, prefixlength=1))
            parts += [
                CappedFuzzyTerm(
                    f, SPELLING_MARK + s, boost=VARIANT_WEIGHT * boost, maxdist=node.distance, prefixlength=2
                )
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
    if len(words) > MAX_WORDS:  # the query's own source: is counted by the parser; --source comes here
        raise QueryError(f"too many words in the source filter: {len(words)}, at most {MAX_WORDS}")
    return wq.And([wq.Term("source", w) for w in words])


def restriction(since: str | None, until: str | None, source: str | None) -> wq.Query | None:
    """The filter of ``--since``, ``--until`` and ``--source``; None when there is none."""
    parts: list[wq.Query] = []
    if since or until:
        parts.append(wq.TermRange("date", *parse_date_range(f"{since or ''}..{until or ''}")))
    if source:
        parts.append(filter_query(Filter("source", source)))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def compile_query(
    node: Node, variants: Variants, *, positive_only: bool = False, exact_names: bool = False
) -> wq.Query | None:
    """The Whoosh query for a syntax tree; None when nothing searchable is left.

    ``positive_only`` leaves out negations and filters: what remains are the
    terms to highlight and to explain.  ``exact_names`` matches names in the
    query's spelling only: the first tier of hits, before other spellings.  A
    query that is only a negation (``-gaza``) matches every other article.
    """
    compiled = _compile(node, variants, positive_only, exact_names)
    if isinstance(compiled, wq.Not):
        return wq.And([wq.Every(), compiled])
    return compiled


def _compile(node: Node, variants: Variants, positive_only: bool, exact_names: bool) -> wq.Query | None:
    if isinstance(node, Word):
        return _word_query(node, variants, exact_names)
    if isinstance(node, Phrase):
        return _text_query(node.text, node.field, variants, exact_names)
    if isinstance(node, Filter):
        return None if positive_only else filter_query(node)
    if isinstance(node, Not):
        if positive_only:
            return None
        child = _compile(node.child, variants, False, False)
        return wq.Not(child) if child is not None else None
    children = [_compile(c, variants, positive_only, exact_names) for c in node.children]
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
