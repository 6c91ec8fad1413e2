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
from bisect import bisect_left
from dataclasses import replace

from whoosh import matching as wm
from whoosh import query as wq
from whoosh.matching.binary import IntersectionMatcher, UnionMatcher
from whoosh.query.spans import Span, SpanNear2, SpanOr, SpanQuery, SpanWrappingMatcher
from whoosh.searching import SearchContext

from ..analysis import SPELLING_MARK, fold, light_stem, query_terms, strip_elision
from ..errors import QueryError
from ..query import MAX_WORDS, AtLeast, Filter, Near, Node, Not, Or, Phrase, Word, parse_date_range
from ..sentences import Structure
from ..variants import Variants
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
    return parts[0] if len(parts) == 1 else wq.Or(parts)


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
    since: str | None, until: str | None, source: str | None, filters: tuple[Filter, ...] = ()
) -> wq.Query | None:
    """The filter of ``--since``, ``--until``, ``--source`` and of the query's
    own top-level ``filters``; None when there is none.  A restriction limits
    the hits without scoring them: a word scores the same with or without it."""
    if since or until:
        filters += (Filter("date", *parse_date_range(f"{since or ''}..{until or ''}")),)
    if source:
        filters += (Filter("source", source),)
    parts = [filter_query(f) for f in filters]
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

    def satisfied(self, matcher) -> Satisfied:
        """Where the operator was satisfied in the article ``matcher`` is on."""
        return Satisfied(tuple(matcher.spans()))


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

    def matcher(self, searcher, context=None):
        a, b = self.a.matcher(searcher, context), self.b.matcher(searcher, context)
        if not (a.is_active() and b.is_active()):
            return wm.NullMatcher()
        structure = _structures(searcher.reader()) if self.unit != "word" else None
        return _NearMatcher(a, b, self, structure)

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

    def satisfied(self, matcher) -> Satisfied:
        pairs = matcher.pairs()
        spans = sorted({(s.start, s.end) for pair in pairs for s in pair})
        return Satisfied(
            tuple((self.fieldname, start, end) for start, end in spans),
            tuple((self.fieldname, x.start, x.end, y.start, y.end) for x, y in pairs),
        )


class _OperatorMatcher(SpanWrappingMatcher):
    """Matches the articles of its child matcher where ``_get_spans`` finds some
    positions satisfying the operator.  Never skips by block quality: a block's
    best score says nothing of its positions."""

    def replace(self, minquality=0):
        return self if self.is_active() else wm.NullMatcher()

    def supports_block_quality(self) -> bool:
        return False


class _NearMatcher(_OperatorMatcher):
    def __init__(self, a, b, query: _Near, structure) -> None:
        self.a, self.b, self.query, self.structure = a, b, query, structure
        super().__init__(IntersectionMatcher(a, b))

    def copy(self):
        return _NearMatcher(self.a.copy(), self.b.copy(), self.query, self.structure)

    def pairs(self) -> list[tuple[Span, Span]]:
        structure = self.structure(self.child.id()) if self.structure is not None else None
        return self.query.pairs(self.a.spans(), self.b.spans(), structure)

    def _get_spans(self):
        return sorted({s for pair in self.pairs() for s in pair})


class _Fielded(_Operator):
    """An operator over one operand in several fields: ``atleastN``, ``lead:``."""

    def __init__(self, parts: tuple[tuple[str, wq.Query], ...]) -> None:
        self.parts = parts

    def _key(self) -> tuple:
        return (self.parts,)

    def operands(self) -> list[wq.Query]:
        return [q for _, q in self.parts]

    def matcher(self, searcher, context=None):
        matchers = [(f, q.matcher(searcher, context)) for f, q in self.parts]
        matchers = [(f, m) for f, m in matchers if m.is_active()]
        if not matchers:
            return wm.NullMatcher()
        return _FieldedMatcher(matchers, self, _structures(searcher.reader()))

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


class _FieldedMatcher(_OperatorMatcher):
    def __init__(self, matchers, query: _Fielded, structures) -> None:
        self.matchers, self.query, self.structures = matchers, query, structures
        union = matchers[0][1]
        for _, m in matchers[1:]:
            union = UnionMatcher(union, m)
        super().__init__(union)

    def copy(self):
        return _FieldedMatcher([(f, m.copy()) for f, m in self.matchers], self.query, self.structures)

    def _get_spans(self):
        docnum = self.child.id()
        spans = [(f, s.start, s.end) for f, m in self.matchers if m.is_active() and m.id() == docnum for s in m.spans()]
        if not spans:
            return []
        return self.query.keep(spans, self.structures(docnum) if isinstance(self.query, _Lead) else None)


def operator_matches(query: wq.Query | None, searcher, docnum: int) -> list[Satisfied]:
    """Where each operator of ``query`` was satisfied in document ``docnum`` (those it matches)."""
    found = []
    for leaf in query.leaves() if query is not None else ():
        if isinstance(leaf, _Operator):
            matcher = leaf.matcher(searcher, searcher.context())
            if matcher.is_active() and matcher.id() < docnum:
                matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                found.append(leaf.satisfied(matcher))
    return found
