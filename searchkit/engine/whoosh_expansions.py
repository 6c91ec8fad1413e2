"""Prefixes (``ukrain*``) and fuzzy words (``choigu~2``) of the Whoosh engine.

Each expands to the few words of the index that most articles hold, chosen
once on the whole index (from the vocabulary file when it can be trusted,
``searchkit.vocabulary``), and their postings are scored in one pass rather
than as an OR that Whoosh walks one article at a time.  An expansion whose
words fill most of the archive (``de*``) is not scored at all: every article
holding one of them scores alike, as Lucene's constant-score rewrite of a
multi-term query does, and its articles are read only as far as a search
asks for them.
"""

from __future__ import annotations

import heapq
import threading
import weakref
from array import array
from bisect import bisect_left
from collections import OrderedDict

from whoosh import matching as wm
from whoosh import query as wq

from ..analysis import SPELLING_MARK
from ..vocabulary import Vocabulary, near
from .whoosh_postings import BM25, blocks, scores_for, whole_index_reader

#: A prefix (``de*``) or a fuzzy word searches at most this many words of the
#: index in each field: those in the most articles.  ``de*`` starts thousands
#: of words, and matching, highlighting and explaining each one is the cost.
MAX_EXPANSIONS = 50

#: Past this many postings (the articles holding each word chosen, summed over
#: the words and fields of one prefix or fuzzy word), the expansion scores
#: alike in every article it matches.  Reading and scoring a posting costs
#: about a microsecond: ``de*`` holds 558,126 at 100,000 articles, while
#: ``présiden*`` holds 63,779 and ``ukrain*`` 52,255.
MAX_SCORED_POSTINGS = 100_000

#: The article sets of the last this many expansions read whole (a broad one's,
#: or any one's for a count) are kept with each segment's reader (4 bytes an
#: article matched), so that a search's tiers, its count, its explanations and
#: the next search read them once.
KEPT_ARTICLE_SETS = 8


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

    def expansion(self, ixreader) -> tuple[tuple, int, int]:
        """(the words chosen, how many words the query could expand to, the
        articles holding each word chosen, summed)."""
        key = (type(self), self.fieldname, self.text, getattr(self, "maxdist", 0), getattr(self, "prefixlength", 0))
        with _CHOSEN_LOCK:
            chosen = _CHOSEN.setdefault(ixreader, {})
        if key not in chosen:
            chosen[key] = _most_common(self.candidates(ixreader))
        return chosen[key]

    def candidates(self, ixreader) -> dict[str, int]:
        """Every word the query could expand to, with the number of articles holding it."""
        raise NotImplementedError

    def shown(self) -> str:
        """The query word as the user wrote it (``de*``, ``choigu~2``)."""
        raise NotImplementedError

    def note(self, total: int) -> str:
        raise NotImplementedError

    def parts(self) -> list[Capped]:
        return [self]

    def estimate_size(self, ixreader) -> int:
        # Whoosh asks each segment: its own choice of words would cost a second scan.
        chosen = self._chosen if self._chosen is not None else self._btexts(ixreader)
        return sum(ixreader.doc_frequency(self.fieldname, text) for text in chosen)

    def matcher(self, searcher, context=None):
        # MultiTerm.matcher, with the words chosen on the whole index.
        return _union_matcher(searcher, self.parts(), 1.0, context.weighting if context else searcher.weighting)

    def chosen(self, reader) -> tuple:
        """The words chosen on the whole index's ``reader``, kept for ``estimate_size``."""
        self._chosen = self._btexts(reader)
        return self._chosen


def broad_note(parts: list[Capped], reader) -> str | None:
    """What a search of ``parts`` (one query word's expansions) did not score,
    when their postings pass ``MAX_SCORED_POSTINGS``; None otherwise."""
    postings = _postings(parts, reader)
    if postings <= MAX_SCORED_POSTINGS:
        return None
    fields = " and ".join(sorted({part.fieldname for part in parts}, reverse=True))
    return (
        f"{parts[0].shown()}: its words fill {postings:,} {fields} fields, over the {MAX_SCORED_POSTINGS:,} "
        "scored: every article holding one scores alike (ranked by the other words, then in the index's order)"
    )


def _postings(parts: list[Capped], reader) -> int:
    return sum(part.expansion(reader)[2] for part in parts)


def _union_matcher(searcher, parts: list[Capped], boost: float, weighting) -> wm.Matcher:
    """The matcher of one query word's expansions ``parts`` on ``searcher``
    (a segment's or the whole index's), their words chosen on the whole index."""
    reader = whole_index_reader(searcher)
    groups = [(part.fieldname, part.chosen(reader), part.boost * boost) for part in parts]
    if weighting is None or _postings(parts, reader) > MAX_SCORED_POSTINGS:
        return _alike(searcher, groups)
    return _scored_union(searcher, groups, weighting)


def _alike(searcher, groups: list[tuple[str, tuple, float]]) -> wm.Matcher:
    """The articles holding any word of ``groups``, each scoring the highest
    boost of them, read only when a search asks past the block-quality checks
    (``_Alike``)."""
    segments = [(searcher, 0)] if searcher.is_atomic() else searcher.subsearchers
    score = max(boost for _, _, boost in groups)
    key = tuple((fieldname, texts) for fieldname, texts, _ in groups)
    if len(segments) == 1 and not segments[0][1]:
        return _Alike(segments[0][0].reader(), key, score)
    # The whole index (an explanation, a count): every segment read at once.
    docnums = [offset + d for segment, offset in segments for d in _articles(segment.reader(), key)]
    return _Alike(None, key, score, array("i", docnums)) if docnums else wm.NullMatcher()


def _articles(reader, key: tuple) -> array:
    """The sorted live articles of segment ``reader`` holding any word of
    ``key`` ((field, words) pairs), read once for the last ``KEPT_ARTICLE_SETS`` keys."""
    with _CHOSEN_LOCK:
        kept = _ARTICLES.setdefault(reader, OrderedDict())
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    found: set[int] = set()
    for fieldname, texts in key:
        for text in texts:
            for ids, _ in blocks(reader, fieldname, text):
                found.update(ids)
    articles = array("i", sorted(found))
    with _CHOSEN_LOCK:
        kept[key] = articles
        while len(kept) > KEPT_ARTICLE_SETS:
            kept.popitem(last=False)
    return articles


class _Alike(wm.Matcher):
    """Articles that all score ``score``, read from segment ``reader`` only
    when a search needs them: a top-N search stops asking once it holds N of
    them, by block quality, so the later segments of a lone ``de*`` are never read."""

    def __init__(self, reader, key: tuple, score: float, docnums: array | None = None, position: int = 0) -> None:
        self._reader, self._key, self._score = reader, key, score
        self._docnums, self._i = docnums, position
        # Without deletions, a segment holding one of the words has an article to give.
        self._unread = (
            docnums is None
            and not reader.has_deletions()
            and any((fieldname, text.encode("utf-8")) in reader for fieldname, texts in key for text in texts)
        )

    def _read(self) -> array:
        if self._docnums is None:
            self._docnums = _articles(self._reader, self._key)
        return self._docnums

    def is_active(self) -> bool:
        if self._docnums is None and self._unread:
            return True
        return self._i < len(self._read())

    def id(self) -> int:
        return self._read()[self._i]

    def next(self) -> bool:
        self._i += 1
        return False

    def reset(self) -> None:
        self._i = 0

    def skip_to(self, id: int) -> None:
        docnums = self._read()
        if self._i < len(docnums) and docnums[self._i] < id:
            self._i = bisect_left(docnums, id, self._i)

    def score(self) -> float:
        return self._score

    def weight(self) -> float:
        return 1.0

    def copy(self) -> _Alike:
        return _Alike(self._reader, self._key, self._score, self._docnums, self._i)

    def supports_block_quality(self) -> bool:
        return True

    def max_quality(self) -> float:
        return self._score

    def block_quality(self) -> float:
        return self._score

    def skip_to_quality(self, minquality: float) -> int:
        if self._score > minquality:
            return 0
        self._docnums, self._unread = array("i"), False  # nothing here can rank: not even read
        return 1

    def replace(self, minquality=0):
        if (minquality and self._score < minquality) or not self.is_active():
            return wm.NullMatcher()
        return self


def _scored_union(searcher, groups: list[tuple[str, tuple, float]], weighting) -> wm.Matcher:
    """The articles holding any word of ``groups`` ((field, words, boost) each),
    each scored as an Or of ``Or([Term(field, word) ...], boost)`` scores it
    (BM25F, summed), computed up front.

    Whoosh's own Or of 50 frequent words walks a tree of 50 matchers an
    article at a time, asking the whole tree at each step whether a block may
    be skipped: 20 s for ``de*`` on 30,000 articles.  Here each word's
    postings are read a block at a time (``whoosh_postings``) and their
    scores summed at once (``scores_for``: the way chosen by the postings of
    the whole index).
    ``searcher`` is a segment's (a search) or the whole index's (an
    explanation).
    """
    segments = [(searcher, 0)] if searcher.is_atomic() else searcher.subsearchers
    scored = []
    for segment, offset in segments:
        reader = segment.reader()
        for fieldname, texts, boost in groups:
            for text in texts:
                if (fieldname, text) not in reader:
                    continue  # chosen on the whole index
                scorer = weighting.scorer(segment, fieldname, text)
                bm25 = BM25.of(scorer.idf, scorer.K1, scorer.B, scorer.avgfl)
                scored.append((reader, offset, fieldname, text, bm25, boost))
    whole = searcher.get_parent().doc_count_all()
    postings = {(fieldname, text): bm25.postings(whole) for _, _, fieldname, text, bm25, _ in scored}
    scores = scores_for(sum(postings.values()), searcher.doc_count_all())
    for part in scored:
        scores.add(*part)
    docnums, summed = scores.listed()
    return _ScoredList(docnums, summed) if docnums else wm.NullMatcher()


class Expansions(wq.Or):
    """The prefixes or fuzzy words of one query word, a field and a spelling
    each: one scored list for all, so that ranking walks one matcher instead
    of a tree of them."""

    def parts(self) -> list[Capped]:
        return self.subqueries

    def matcher(self, searcher, context=None):
        return _union_matcher(searcher, self.parts(), self.boost, context.weighting if context else searcher.weighting)


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
#: Segment reader → (field, words) pairs → the articles holding any, for the last ``KEPT_ARTICLE_SETS``.
_ARTICLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
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


def _most_common(found: dict[str, int]) -> tuple[tuple, int, int]:
    """The ``MAX_EXPANSIONS`` words of ``found`` (word → articles) in the most
    articles, how many words ``found`` holds, and the articles of the words chosen, summed."""
    chosen = heapq.nlargest(MAX_EXPANSIONS, sorted(found), key=found.__getitem__)
    return tuple(chosen), len(found), sum(found[word] for word in chosen)


class CappedPrefix(Capped, wq.Prefix):
    """``ukrain*``: the ``MAX_EXPANSIONS`` most common words starting ``ukrain``."""

    def candidates(self, ixreader) -> dict[str, int]:
        vocabulary = _VOCABULARIES.get(ixreader)
        found = vocabulary.starting(self.fieldname, self.text) if vocabulary is not None else None
        if found is None:
            words = (text.decode("utf-8") for text in ixreader.expand_prefix(self.fieldname, self.text))
            found = {word: ixreader.doc_frequency(self.fieldname, word) for word in words}
        return found

    def shown(self) -> str:
        return f"{self.text}*"

    def note(self, total: int) -> str:
        return f"{self.shown()}: searched the {MAX_EXPANSIONS} most common of {total:,} words starting {self.text!r}"


class CappedFuzzyTerm(Capped, wq.FuzzyTerm):
    """``choigu~``: the ``MAX_EXPANSIONS`` most common words a few edits away."""

    def candidates(self, ixreader) -> dict[str, int]:
        return terms_within(ixreader, self.fieldname, self.text, self.maxdist, self.prefixlength)

    def shown(self) -> str:
        return f"{self.text.removeprefix(SPELLING_MARK)}~{self.maxdist}"

    def note(self, total: int) -> str:
        words = f"{MAX_EXPANSIONS} most common of {total:,} words"
        return f"{self.shown()}: searched the {words} within {self.maxdist} edit(s)"
