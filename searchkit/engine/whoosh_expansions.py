"""Prefixes (``ukrain*``) and fuzzy words (``choigu~2``) of the Whoosh engine.

Each expands to the few words of the index that most articles hold, chosen
once on the whole index (from the vocabulary file when it can be trusted,
``searchkit.vocabulary``), and their postings are scored in one pass rather
than as an OR that Whoosh walks one article at a time.
"""

from __future__ import annotations

import heapq
import threading
import weakref
from array import array

from whoosh import matching as wm
from whoosh import query as wq

from ..analysis import SPELLING_MARK
from ..vocabulary import Vocabulary, near

#: A prefix (``de*``) or a fuzzy word searches at most this many words of the
#: index in each field: those in the most articles.  ``de*`` starts thousands
#: of words, and matching, highlighting and explaining each one is the cost.
MAX_EXPANSIONS = 50


class Capped:
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
    query several times, one for each tier of hits).  The candidates and their
    article counts come from the index's vocabulary file where it can be
    trusted (``searchkit.vocabulary``), from the index otherwise.
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
            chosen[key] = _most_common(self.candidates(ixreader))
        return chosen[key]

    def candidates(self, ixreader) -> dict[str, int]:
        """Every word the query could expand to, with the number of articles holding it."""
        raise NotImplementedError

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
        weighting = context.weighting if context else searcher.weighting
        return _scored_union(searcher, [(self.fieldname, self.chosen(top.reader()), self.boost)], weighting)

    def chosen(self, reader) -> tuple:
        """The words chosen on the whole index's ``reader``, kept for ``estimate_size``."""
        self._chosen = self._btexts(reader)
        return self._chosen


def _scored_union(searcher, groups: list[tuple[str, tuple, float]], weighting) -> wm.Matcher:
    """The articles holding any word of ``groups`` ((field, words, boost) each),
    each scored as an Or of ``Or([Term(field, word) ...], boost)`` scores it
    (BM25F, summed), computed up front.

    Whoosh's own Or of 50 frequent words walks a tree of 50 matchers an
    article at a time, asking the whole tree at each step whether a block may
    be skipped: 20 s for ``de*`` on 30,000 articles.  Here each word's
    postings are read a block at a time (the block arrays of Whoosh's
    ``whoosh3`` codec, the only one searchkit writes) and their scores summed
    in one dictionary, with each article's field length looked up once for
    the reader's life.
    ``searcher`` is a segment's (a search) or the whole index's (an
    explanation); without ``weighting`` (a count) every article scores 1.
    """
    segments = [(searcher, 0)] if searcher.is_atomic() else searcher.subsearchers
    scores: dict[int, float] = {}
    for segment, offset in segments:
        reader = segment.reader()
        found: dict[int, float] = {}
        for fieldname, texts, boost in groups:
            lengths = _field_lengths(reader, fieldname)
            for text in texts:
                btext = text.encode("utf-8")
                if (fieldname, btext) not in reader:
                    continue
                postings = reader.postings(fieldname, btext)
                if isinstance(postings, wm.FilterMatcher):  # deleted articles: left out below
                    postings = postings.child
                if weighting is None:  # a boolean search (a count): which articles, not how well
                    while postings.is_active():
                        postings._read_ids()
                        found.update(dict.fromkeys(postings._ids, 1.0))
                        postings._next_block()
                    continue
                scorer = weighting.scorer(segment, fieldname, btext)
                idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
                k1_1, b_1 = k1 + 1, 1 - b
                while postings.is_active():
                    postings._read_ids()
                    postings._read_weights()
                    for docnum, tf in zip(postings._ids, postings._weights, strict=True):
                        length = lengths[docnum]
                        if not length:
                            length = lengths[docnum] = reader.doc_field_length(docnum, fieldname, 1)
                        # whoosh.scoring.bm25, inlined: a call per posting was a tenth of the time
                        score = boost * (idf * ((tf * k1_1) / (tf + k1 * (b_1 + b * length / avgfl))))
                        found[docnum] = found.get(docnum, 0.0) + score
                    postings._next_block()
        scores.update((offset + d, score) for d, score in found.items() if not reader.is_deleted(d))
    if not scores:
        return wm.NullMatcher()
    docnums = sorted(scores)
    return _ScoredList(docnums, [scores[d] for d in docnums])


class Expansions(wq.Or):
    """The prefixes or fuzzy words of one query word, a field and a spelling
    each: one scored list for all, so that ranking walks one matcher instead
    of a tree of them."""

    def matcher(self, searcher, context=None):
        top = searcher
        while top.has_parent():
            top = top.get_parent()
        groups = [(q.fieldname, q.chosen(top.reader()), q.boost * self.boost) for q in self.subqueries]
        return _scored_union(searcher, groups, context.weighting if context else searcher.weighting)


def _field_lengths(reader, fieldname: str) -> array:
    """Document number → its length in ``fieldname`` in the segment ``reader``,
    0 where not yet looked up; kept as long as the reader."""
    with _CHOSEN_LOCK:
        per_field = _LENGTHS.setdefault(reader, {})
        if fieldname not in per_field:
            per_field[fieldname] = array("i", [0]) * reader.doc_count_all()
        return per_field[fieldname]


class _ScoredList(wm.ListMatcher):
    """Articles and their scores, computed beforehand: nothing to skip by block quality."""

    def __init__(self, docnums: list[int], scores: list[float], position: int = 0, best: float | None = None) -> None:
        super().__init__(docnums, scores, position=position)
        self._best = max(scores) if best is None else best

    def copy(self):
        return _ScoredList(self._ids, self._weights, self._i, self._best)

    def score(self) -> float:
        return self._weights[self._i]

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        # Whoosh's asks max() of the whole list, and a union above asks at every article.
        return self._best

    def replace(self, minquality=0):
        return self if self.is_active() else wm.NullMatcher()


#: Reader → the words chosen for each capped query; forgotten with the reader.
_CHOSEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CHOSEN_LOCK = threading.Lock()
#: Segment reader → field → its articles' lengths, as far as looked up (``_field_lengths``).
_LENGTHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Reader → the vocabulary file of its generation (``attach_vocabulary``); forgotten with the reader.
_VOCABULARIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def attach_vocabulary(reader, vocabulary: Vocabulary) -> None:
    """Makes prefixes and fuzzy words searched through ``reader`` (the whole
    index's) expand from ``vocabulary`` when it can be trusted."""
    with _CHOSEN_LOCK:
        _VOCABULARIES[reader] = vocabulary


def terms_within(reader, fieldname: str, text: str, maxdist: int, prefix: int) -> dict[str, int]:
    """The terms of ``fieldname`` within ``maxdist`` edits of ``text`` sharing its
    first ``prefix`` letters, each with the number of articles holding it."""
    vocabulary = _VOCABULARIES.get(reader)
    found = vocabulary.within(fieldname, text, maxdist, prefix) if vocabulary is not None else None
    if found is None:
        words = (word.decode("utf-8") for word in reader.expand_prefix(fieldname, text[:prefix]))
        found = {word: reader.doc_frequency(fieldname, word) for word in near(text, maxdist, words)}
    return found


def _most_common(found: dict[str, int]) -> tuple[tuple, int]:
    """The ``MAX_EXPANSIONS`` words of ``found`` (word → articles) in the most
    articles, and how many words ``found`` holds."""
    chosen = heapq.nlargest(MAX_EXPANSIONS, sorted(found), key=found.__getitem__)
    return tuple(chosen), len(found)


class CappedPrefix(Capped, wq.Prefix):
    """``ukrain*``: the ``MAX_EXPANSIONS`` most common words starting ``ukrain``."""

    def candidates(self, ixreader) -> dict[str, int]:
        vocabulary = _VOCABULARIES.get(ixreader)
        found = vocabulary.starting(self.fieldname, self.text) if vocabulary is not None else None
        if found is None:
            words = (text.decode("utf-8") for text in ixreader.expand_prefix(self.fieldname, self.text))
            found = {word: ixreader.doc_frequency(self.fieldname, word) for word in words}
        return found

    def note(self, total: int) -> str:
        return f"{self.text}*: searched the {MAX_EXPANSIONS} most common of {total:,} words starting {self.text!r}"


class CappedFuzzyTerm(Capped, wq.FuzzyTerm):
    """``choigu~``: the ``MAX_EXPANSIONS`` most common words a few edits away."""

    def candidates(self, ixreader) -> dict[str, int]:
        return terms_within(ixreader, self.fieldname, self.text, self.maxdist, self.prefixlength)

    def note(self, total: int) -> str:
        word = self.text.removeprefix(SPELLING_MARK)
        return (
            f"{word}~{self.maxdist}: searched the {MAX_EXPANSIONS} most common of {total:,} words "
            f"within {self.maxdist} edit(s)"
        )
