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
from array import array
from bisect import bisect_left
from dataclasses import replace

from whoosh import matching as wm
from whoosh import query as wq
from whoosh import scoring
from whoosh.matching.binary import IntersectionMatcher, UnionMatcher
from whoosh.query.spans import Span, SpanNear2, SpanOr, SpanQuery
from whoosh.util import make_binary_tree

from ..analysis import SPELLING_MARK, fold, light_stem, query_terms, strip_elision
from ..errors import QueryError
from ..query import MAX_WORDS, AtLeast, Filter, Near, Node, Not, Or, Phrase, Word, parse_date_range
from ..sentences import Structure
from ..variants import Variants
from ..vocabulary import Vocabulary, near
from . import TEXT_FIELDS, Satisfied

#: The column holding each article's sentence and paragraph starts (``searchkit.sentences.encode``).
STRUCTURE_COLUMN = "structure"

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
    """SpanOr with a size estimate (Whoosh 2.7.4 has none: NotImplementedError),
    whose matcher reads positions only when asked for spans."""

    def estimate_size(self, ixreader) -> int:
        return sum(q.estimate_size(ixreader) for q in self.subqs)

    def matcher(self, searcher, context=None):
        return _SpanUnion(make_binary_tree(UnionMatcher, [q.matcher(searcher, context) for q in self.subqs]))


class _SpanUnion(wm.WrappingMatcher):
    """The articles of any of its matchers, and their spans merged as SpanOr merges them.

    Whoosh's SpanOr matcher reads the positions of every article it lands on,
    to match only those with spans, which an OR's always has; an operator's
    operand lands on many articles its partner does not hold.
    """

    def spans(self) -> list[Span]:
        spans = list(self.child.spans())
        Span.merge(spans)
        return spans

    def replace(self, minquality=0):
        return self if self.is_active() else wm.NullMatcher()


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


class _Expansions(wq.Or):
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


class CappedPrefix(_Capped, wq.Prefix):
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


class CappedFuzzyTerm(_Capped, wq.FuzzyTerm):
    """``choigu~``: the ``MAX_EXPANSIONS`` most common words a few edits away."""

    def candidates(self, ixreader) -> dict[str, int]:
        return terms_within(ixreader, self.fieldname, self.text, self.maxdist, self.prefixlength)

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
    for leaf in _leaves(query) if query is not None else ():
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
    return parts[0] if len(parts) == 1 else _Expansions(parts)


#: The field date filters search: the date as the number YYYYMMDD (``whoosh_engine.build_schema``).
DAY_FIELD = "day"


def day_number(date: str) -> int:
    """``2022-03-05`` → 20220305, in the order of the dates."""
    return int(date.replace("-", ""))


def filter_query(node: Filter) -> wq.Query:
    """A filter as a Whoosh query; a date, month or year as the range of its days."""
    if node.field == "date":
        low, high = parse_date_range(f"{node.low}..{node.low}") if node.high is None else (node.low, node.high)
        # Each of its ranges scores 1, and a date is in one of them.  Whoosh's
        # constant-score wrapper lost articles under a negation (-date:2022).
        return wq.NumericRange(DAY_FIELD, day_number(low), day_number(high), constantscore=False)
    if node.field == "id":
        return wq.Term("id", node.low)
    words = [w for w in (fold(w) for w in re.findall(r"\w+", node.low)) if w]
    if not words:
        raise QueryError(f"source {node.low!r} has no word to look for")
    if len(words) > MAX_WORDS:  # the query's own source: is counted by the parser; --source comes here
        raise QueryError(f"too many words in the source filter: {len(words)}, at most {MAX_WORDS}")
    return wq.And([wq.Term("source", w) for w in words])


def restriction(
    since: str | None, until: str | None, source: str | None, filters: tuple[Node, ...] = ()
) -> wq.Query | None:
    """The filter of ``--since``, ``--until``, ``--source`` and of the query's
    own top-level ``filters``; None when there is none.  A restriction limits
    the hits without scoring them: a word scores the same with or without it."""
    if since or until:
        filters += (Filter("date", *parse_date_range(f"{since or ''}..{until or ''}")),)
    if source:
        filters += (Filter("source", source),)
    parts = [_restricting(f) for f in filters]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _restricting(node: Node) -> wq.Query:
    """A filter, or an OR group of filters (``query.is_filter``), as a Whoosh query."""
    if isinstance(node, Or):
        return wq.Or([_restricting(c) for c in node.children])
    return filter_query(node)


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
    if isinstance(node, (Word, Phrase)) and node.field == "lead":
        return _lead_query(node, variants, exact_names)
    if isinstance(node, Near):
        return _near_query(node, variants, exact_names)
    if isinstance(node, AtLeast):
        return _atleast_query(node, variants, exact_names)
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


def matched_terms(query: wq.Query | None, reader, operators: bool = True) -> set[str]:
    """The terms of the index that ``query`` can match, prefixes and fuzzy
    words expanded; the terms to highlight.  With ``operators`` False, the
    words of proximities, counts and ``lead:`` are left out: which of their
    occurrences satisfied them is a matter of position (``operator_matches``).

    Whoosh's ``Query.existing_terms`` is not used: its loop variable shadows its
    ``fieldname`` argument, so it skips every field after the first.
    """
    if query is None:
        return set()
    found = set()
    for leaf in _leaves(query) if operators else query.leaves():
        for fieldname, text in leaf.expanded_terms(reader, phrases=True):
            if (fieldname, text) in reader:
                found.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return found


# --- operators: proximity, same sentence or paragraph, mention counts, the lead ------------------
#
# Each is a Whoosh query that Whoosh sees as a leaf, over span queries of its
# operands compiled field by field (a distance never spans the title and the
# body).  Its matcher checks, article by article, the positions its operands
# matched: their distance, or the sentence or paragraph holding them (from the
# article's ``structure`` column), or how many there are, and matches the
# article only when some satisfy it; they are what a snippet highlights.


def _leaves(query: wq.Query):
    """``query.leaves()``, and the leaves of each operator's operands too."""
    for leaf in query.leaves():
        if isinstance(leaf, _Operator):
            for operand in leaf.operands():
                yield from _leaves(operand)
        else:
            yield leaf


def _spannable(query: wq.Query | None) -> wq.Query | None:
    """The same matches, from a query whose matcher gives the positions (spans) matched."""
    if query is None or isinstance(query, (wq.Term, SpanQuery)):
        return query
    if isinstance(query, _Capped):
        return _CappedSpans(query)
    if isinstance(query, wq.Or):
        parts = [_spannable(sub) for sub in query.subqueries]
        return parts[0] if len(parts) == 1 else _SpanOr(parts)
    raise TypeError(f"no spans for {query!r}")  # the parser lets no other operand through


class _CappedSpans(SpanQuery):
    """A capped prefix or fuzzy word as the ``_SpanOr`` of the words it chose on the whole index."""

    def __init__(self, capped: _Capped) -> None:
        self.q = capped

    def is_leaf(self) -> bool:
        return False

    def children(self):
        return [self.q]

    def estimate_size(self, ixreader) -> int:
        return self.q.estimate_size(ixreader)

    def matcher(self, searcher, context=None):
        top = searcher
        while top.has_parent():
            top = top.get_parent()
        terms = [wq.Term(self.q.fieldname, text) for text in self.q._btexts(top.reader())]
        if not terms:
            return wm.NullMatcher()
        return (_SpanOr(terms) if len(terms) > 1 else terms[0]).matcher(searcher, context)


def _operand(node: Node, fieldname: str, variants: Variants, exact_names: bool) -> wq.Query | None:
    """An operator's operand in one field, as a span query; None when it cannot match there."""
    if isinstance(node, Or):
        parts = [p for p in (_operand(c, fieldname, variants, exact_names) for c in node.children) if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else _SpanOr(parts)
    if node.field not in (None, fieldname):
        return None
    return _spannable(_compile(replace(node, field=fieldname), variants, False, exact_names))


def _operands(node: Node, written: str, column: int, variants, exact_names: bool) -> dict[str, wq.Query]:
    """Field → the operand's span query there; a QueryError when it has no word to search."""
    found = {f: _operand(node, f, variants, exact_names) for f in TEXT_FIELDS}
    found = {f: q for f, q in found.items() if q is not None}
    if not found:
        raise QueryError(f"{written}: its operand has only stop words; give a word that says something", column)
    return found


def _near_query(node: Near, variants: Variants, exact_names: bool) -> wq.Query:
    left = _operands(node.left, node.written, node.column, variants, exact_names)
    right = _operands(node.right, node.written, node.column, variants, exact_names)
    parts = [
        _Near(f, left[f], right[f], node.distance, node.unit, node.ordered)
        for f in TEXT_FIELDS
        if f in left and f in right
    ]
    if not parts:
        raise QueryError(f"{node.written}: its operands are in different fields, which are never near", node.column)
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def _atleast_query(node: AtLeast, variants: Variants, exact_names: bool) -> wq.Query:
    operands = _operands(node.child, f"atleast{node.count}", node.column, variants, exact_names)
    return _AtLeast(tuple(operands.items()), node.count)


def _lead_query(node: Word | Phrase, variants: Variants, exact_names: bool) -> wq.Query | None:
    operands = {f: _operand(replace(node, field=None), f, variants, exact_names) for f in TEXT_FIELDS}
    if any(q is None for q in operands.values()):
        return None  # only stop words
    return _Lead(tuple(operands.items()))


class _Operator(wq.Query):
    """An operator's query: a leaf to Whoosh, matching the articles where its check passes."""

    def is_leaf(self) -> bool:
        return True

    def operands(self) -> list[wq.Query]:
        raise NotImplementedError

    def _key(self) -> tuple:
        raise NotImplementedError

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self._key()!r}"

    def estimate_size(self, ixreader) -> int:
        return sum(q.estimate_size(ixreader) for q in self.operands())

    def candidates(self, searcher, context=None, start: int = 0) -> _Candidates | None:
        """The articles from ``start`` on holding the operands, on the first of them; None when none does."""
        raise NotImplementedError

    def matcher(self, searcher, context=None):
        checks = _checks(searcher.reader(), self)
        candidates = self.candidates(searcher, context) if checks.matching != [] else None
        if candidates is None:
            return wm.NullMatcher()
        return _OperatorMatcher(candidates, checks)

    def satisfied_at(self, searcher, docnum: int) -> Satisfied | None:
        """Where the operator was satisfied in document ``docnum``; None when it was not.

        Only that document is checked, in its segment: a matcher would check
        every article before it, in every segment."""
        searcher, offset = next((s, o) for s, o in reversed(searcher.leaf_searchers()) if o <= docnum)
        docnum -= offset
        candidates = self.candidates(searcher, searcher.context(weighting=_UNSCORED), docnum)
        if candidates is None or not (candidates.matcher.is_active() and candidates.matcher.id() == docnum):
            return None
        return candidates.satisfied()


class _Unscored(scoring.WeightingModel):
    """Scores nothing and looks up no statistics: for reading positions only."""

    def scorer(self, searcher, fieldname, text, qf=1):
        return scoring.WeightScorer(1.0)


_UNSCORED = _Unscored()


def _structures(reader):
    """Document number → its ``Structure``, read from ``reader``'s column.

    Opening a column reader reads the offsets of every document's value (a few
    milliseconds on 30,000 articles), so each reader's is opened once and kept.
    """
    with _CHOSEN_LOCK:
        column = _COLUMNS.get(reader)
    if column is None:
        column = reader.column_reader(STRUCTURE_COLUMN) if reader.has_column(STRUCTURE_COLUMN) else False
        with _CHOSEN_LOCK:
            _COLUMNS[reader] = column
    return lambda docnum: Structure(column[docnum] if column is not False else None)


#: Reader → its ``structure`` column reader (False when it has none); forgotten with the reader.
_COLUMNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _Checks:
    """What an operator's check found in the articles of one reader.

    A search runs its query more than once (a tier of hits, then the count;
    a view runs it again), and checking an article's positions is the cost of
    an operator, so each article is checked once for each reader.  A reader
    sees one commit for its whole life: a later commit is read by a new reader,
    with checks of its own.
    """

    def __init__(self) -> None:
        self.passed: dict[int, bool] = {}  #: document number → whether the check passed there
        #: once every candidate was checked: the documents that passed, ascending
        self.matching: list[int] | None = None

    def finish(self, passed: dict[int, bool]) -> None:
        """Keeps the documents that passed, from the checks of a walk through every candidate.

        Two threads may walk at once: the first to finish sets ``matching``; the
        other's checks, in the ``passed`` it started with, are the same."""
        if self.matching is None:
            self.matching = sorted(docnum for docnum, ok in passed.items() if ok)
            self.passed = {}


#: Reader → operator → its ``_Checks``, the latest ``CHECKED_OPERATORS`` operators
#: searched on that reader; forgotten with the reader.
_CHECKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
CHECKED_OPERATORS = 32


def _checks(reader, operator: _Operator) -> _Checks:
    with _CHOSEN_LOCK:
        known = _CHECKS.setdefault(reader, {})
        checks = known.pop(operator, None) or _Checks()
        known[operator] = checks  # the most recently used last
        while len(known) > CHECKED_OPERATORS:
            del known[next(iter(known))]
    return checks


def operator_docs(query: wq.Query, searcher) -> set[int] | None:
    """The documents operator ``query`` matches, when every segment's were all
    checked already (by a search that went through them); None otherwise."""
    if not isinstance(query, _Operator):
        return None
    parts = searcher.subsearchers or [(searcher, 0)]
    found: set[int] = set()
    for sub, offset in parts:
        matching = _checks(sub.reader(), query).matching
        if matching is None:
            return None
        found.update(offset + docnum for docnum in matching)
    return found


def _matcher_from(query: wq.Query, searcher, context, start: int):
    """``query``'s matcher, on its first article from ``start`` on."""
    matcher = query.matcher(searcher, context)
    if start and matcher.is_active() and matcher.id() < start:
        matcher.skip_to(start)
    return matcher


class _Candidates:
    """The articles holding an operator's operands, as a matcher, and the
    operator's check of the article it is on."""

    matcher: wm.Matcher

    def found(self) -> list:
        """What satisfies the operator in the current article; empty when the check fails."""
        raise NotImplementedError

    def satisfied(self) -> Satisfied:
        raise NotImplementedError

    def copy(self) -> _Candidates:
        raise NotImplementedError


class _OperatorMatcher(wm.WrappingMatcher):
    """Matches the candidates where the operator's check passes, recording each
    check in ``checks`` and, having gone through every candidate, the documents
    that passed: later matchers skip straight to them.  Never skips by block
    quality: a block's best score says nothing of its positions."""

    def __init__(self, candidates: _Candidates, checks: _Checks, from_start: bool = True) -> None:
        super().__init__(candidates.matcher)
        self.candidates, self.checks = candidates, checks
        #: whether every candidate before the current one was checked (no skip_to jumped any)
        self.from_start = from_start
        self._find()

    def copy(self):
        if not self.is_active():
            return wm.NullMatcher()
        return _OperatorMatcher(self.candidates.copy(), self.checks, self.from_start)

    def replace(self, minquality=0):
        return self if self.is_active() else wm.NullMatcher()

    def supports_block_quality(self) -> bool:
        return False

    def spans(self) -> list[Span]:
        raise TypeError("an operator has no spans of its own: see satisfied_at")

    def next(self) -> None:
        self.child.next()
        self._find()

    def skip_to(self, id) -> None:
        if self.child.is_active() and id > self.child.id():
            self.from_start = False
            self.child.skip_to(id)
        self._find()

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()

    def _find(self) -> None:
        """Moves to the first candidate from here that passes the check."""
        child, checks = self.child, self.checks
        matching = checks.matching
        if matching is not None:
            while child.is_active():
                docnum = child.id()
                at = bisect_left(matching, docnum)
                if at == len(matching):
                    self.child = wm.NullMatcher()
                    return
                if matching[at] == docnum:
                    return
                child.skip_to(matching[at])
            return
        passed = checks.passed
        while child.is_active():
            docnum = child.id()
            ok = passed.get(docnum)
            if ok is None:
                ok = passed[docnum] = bool(self.candidates.found())
            if ok:
                return
            child.next()
        if self.from_start:
            checks.finish(passed)


class _Near(_Operator):
    """Two operands at most ``distance`` words apart (``ordered``: the first before
    the second), or in the same sentence or paragraph, in one field."""

    def __init__(self, fieldname, a, b, distance, unit, ordered) -> None:
        self.fieldname, self.a, self.b = fieldname, a, b
        self.distance, self.unit, self.ordered = distance, unit, ordered

    def _key(self) -> tuple:
        return (self.fieldname, self.a, self.b, self.distance, self.unit, self.ordered)

    def operands(self) -> list[wq.Query]:
        return [self.a, self.b]

    def estimate_size(self, ixreader) -> int:
        return min(q.estimate_size(ixreader) for q in self.operands())

    def candidates(self, searcher, context=None, start: int = 0) -> _Candidates | None:
        a, b = _matcher_from(self.a, searcher, context, start), _matcher_from(self.b, searcher, context, start)
        if not (a.is_active() and b.is_active()):
            return None
        structure = _structures(searcher.reader()) if self.unit != "word" else None
        return _NearCandidates(a, b, self, structure)

    def pairs(self, aspans: list[Span], bspans: list[Span], structure: Structure | None) -> list[tuple[Span, Span]]:
        """The (a, b) span pairs that satisfy the operator."""
        found = []
        if structure is None:
            # Spans come sorted by start: only those starting in reach are looked at.
            longest = max((s.end - s.start for s in bspans), default=0)
            starts = [s.start for s in bspans]
            for x in aspans:
                first = bisect_left(starts, x.start - self.distance - longest)
                for y in bspans[first:]:
                    if y.start > x.end + self.distance:
                        break
                    if self.ordered and not x.end < y.start:
                        continue
                    if 1 <= x.distance_to(y) <= self.distance and not x.overlaps(y):
                        found.append((x, y))
            return found
        units: dict[int, list[Span]] = {}
        for y in bspans:
            units.setdefault(structure.unit(self.fieldname, self.unit, y.start), []).append(y)
        for x in aspans:
            for y in units.get(structure.unit(self.fieldname, self.unit, x.start), ()):
                if not x.overlaps(y) and not (self.ordered and not x.end < y.start):
                    found.append((x, y))
        return found


class _NearCandidates(_Candidates):
    def __init__(self, a, b, query: _Near, structure) -> None:
        self.a, self.b, self.query, self.structure = a, b, query, structure
        self.matcher = IntersectionMatcher(a, b)

    def copy(self) -> _NearCandidates:
        return _NearCandidates(self.a.copy(), self.b.copy(), self.query, self.structure)

    def found(self) -> list[tuple[Span, Span]]:
        structure = self.structure(self.matcher.id()) if self.structure is not None else None
        return self.query.pairs(self.a.spans(), self.b.spans(), structure)

    def satisfied(self) -> Satisfied:
        pairs = self.found()
        spans = sorted({(s.start, s.end) for pair in pairs for s in pair})
        fieldname = self.query.fieldname
        return Satisfied(
            tuple((fieldname, start, end) for start, end in spans),
            tuple((fieldname, x.start, x.end, y.start, y.end) for x, y in pairs),
        )


class _Fielded(_Operator):
    """An operator over one operand in several fields: ``atleastN``, ``lead:``."""

    def __init__(self, parts: tuple[tuple[str, wq.Query], ...]) -> None:
        self.parts = parts

    def _key(self) -> tuple:
        return (self.parts,)

    def operands(self) -> list[wq.Query]:
        return [q for _, q in self.parts]

    def candidates(self, searcher, context=None, start: int = 0) -> _Candidates | None:
        matchers = [(f, _matcher_from(q, searcher, context, start)) for f, q in self.parts]
        matchers = [(f, m) for f, m in matchers if m.is_active()]
        if not matchers:
            return None
        return _FieldedCandidates(matchers, self, _structures(searcher.reader()))

    def keep(self, spans: list[tuple[str, int, int]], structure) -> list[tuple[str, int, int]]:
        """The spans (field, first, last) of an article that satisfy the operator; none when it fails."""
        raise NotImplementedError


class _AtLeast(_Fielded):
    """``atleastN``: the operand's occurrences in all fields together number at least ``count``."""

    def __init__(self, parts, count: int) -> None:
        super().__init__(parts)
        self.count = count

    def _key(self) -> tuple:
        return (self.parts, self.count)

    def keep(self, spans, structure):
        return spans if len(spans) >= self.count else []


class _Lead(_Fielded):
    """``lead:``: in the title, or in the body before its second paragraph."""

    def keep(self, spans, structure):
        end = structure.lead_end()
        return [s for s in spans if s[0] == "title" or end is None or s[2] < end]


class _FieldedCandidates(_Candidates):
    def __init__(self, matchers, query: _Fielded, structures) -> None:
        self.matchers, self.query, self.structures = matchers, query, structures
        union = matchers[0][1]
        for _, m in matchers[1:]:
            union = UnionMatcher(union, m)
        self.matcher = union

    def copy(self) -> _FieldedCandidates:
        return _FieldedCandidates([(f, m.copy()) for f, m in self.matchers], self.query, self.structures)

    def found(self) -> list[tuple[str, int, int]]:
        docnum = self.matcher.id()
        spans = [(f, s.start, s.end) for f, m in self.matchers if m.is_active() and m.id() == docnum for s in m.spans()]
        if not spans:
            return []
        return self.query.keep(spans, self.structures(docnum) if isinstance(self.query, _Lead) else None)

    def satisfied(self) -> Satisfied:
        return Satisfied(tuple(self.found()))


def operator_matches(query: wq.Query | None, searcher, docnum: int) -> list[Satisfied]:
    """Where each operator of ``query`` was satisfied in document ``docnum`` (those it matches)."""
    found = []
    for leaf in query.leaves() if query is not None else ():
        if isinstance(leaf, _Operator):
            satisfied = leaf.satisfied_at(searcher, docnum)
            if satisfied is not None:
                found.append(satisfied)
    return found
