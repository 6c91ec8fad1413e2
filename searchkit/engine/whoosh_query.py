"""Compiling a query's syntax tree to Whoosh queries (the Whoosh engine's query half).

A word searches the title and the body; a word the corpus writes as a name
also searches its other spellings (``searchkit.names.table``).  Phrases keep the
gaps left by stop words.  Filters restrict without scoring.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import replace

from whoosh import matching as wm
from whoosh import query as wq
from whoosh.matching.mcore import ReadTooFar
from whoosh.query.spans import Span, SpanNear2, SpanOr, SpanQuery

from ..analysis import SPELLING_MARK, fold, light_stem, query_terms, strip_elision
from ..errors import QueryError
from ..query import MAX_WORDS, AtLeast, Filter, Near, Node, Not, Or, Phrase, Word, parse_date_range
from . import TEXT_FIELDS, NameSpellings, spellings_in_turn, whoosh_postings, whoosh_spans
from .whoosh_expansions import Capped, CappedFuzzyTerm, CappedPrefix, Expansions, broad_note
from .whoosh_operators import AtLeastOperator, LeadOperator, NearOperator, Operator, positional

#: A title word counts like a body word, and more in effect: BM25F scores a
#: word in a short field higher.  A boost of 2 lowered PIAF nDCG@10 from 0.795
#: to 0.771 (a passage's title is its article's topic, shared by many); on
#: issue 23's judged news set 0.5, 1.5 and 2 each lost on both halves.
TITLE_BOOST = 1.0
EXACT_BONUS = 0.2  #: a name in the query's own spelling, on top of its word match
VARIANT_WEIGHT = 0.5  #: a name spelled another way weighs half its word match


def _query_words(text: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The (stem, position) and (folded word, position) pairs of a query text."""
    terms = query_terms(text)
    return [(t.stem, t.pos) for t in terms], [(t.folded, t.pos) for t in terms]


class _SpanNear(SpanNear2):
    """SpanNear2 with a working size estimate, which Whoosh asks for inside any
    large Or: 2.7.4's raises NameError (``_and_query`` names an undefined ``q``)."""

    def estimate_size(self, ixreader) -> int:
        return min(q.estimate_size(ixreader) for q in self.qs)

    def operand_spans(self, reader, top) -> whoosh_spans.OperandSpans | None:
        """Its spans in segment ``reader``, as an operator's operand (``whoosh_spans``)."""
        parts = [whoosh_spans.operand_spans(q, reader, top) for q in self.qs]
        if any(p is None for p in parts):
            return None
        return whoosh_spans.PhraseSpans(parts, self.slop, self.mindist, self.ordered)


class _SpanOr(SpanOr):
    """SpanOr with a size estimate (Whoosh 2.7.4 has none: NotImplementedError),
    whose matcher reads positions only when asked for spans."""

    def estimate_size(self, ixreader) -> int:
        return sum(q.estimate_size(ixreader) for q in self.subqs)

    def children(self):
        """Its sub-queries: Whoosh's SpanOr gives none, so ``leaves()`` (the terms a view
        highlights, ``matched_terms``) lost the spellings of a name in a phrase (Sergueï in
        "Sergei Lavrov")."""
        return iter(self.subqs)

    def united_terms(self, top) -> list[wq.Term] | None:
        """Its terms when it unites words alone (a name's spellings, ``Poutine OR Kremlin``, a
        prefix's words chosen on ``top``, the whole index's reader), whose positions an
        operator reads from their postings (``whoosh_operators``); else None (a phrase)."""
        terms: list[wq.Term] = []
        for query in self.subqs:
            if isinstance(query, wq.Term):
                terms.append(query)
                continue
            found = query.united_terms(top) if isinstance(query, _SpanOr | _CappedSpans) else None
            if found is None:
                return None
            terms += found
        return terms

    def operand_spans(self, reader, top) -> whoosh_spans.OperandSpans | None:
        """Its spans in segment ``reader``, as an operator's operand (``whoosh_spans``)."""
        terms = self.united_terms(top)
        if terms is not None:
            fieldname = terms[0].fieldname if terms else ""
            return whoosh_spans.WordSpans(reader, fieldname, whoosh_spans.spanning_words(terms))
        parts = [whoosh_spans.operand_spans(q, reader, top) for q in self.subqs]
        return None if any(p is None for p in parts) else whoosh_spans.UnionSpans(parts)

    def matcher(self, searcher, context=None):
        return _SpanUnion([q.matcher(searcher, context) for q in self.subqs])


class _SpanUnion(wm.Matcher):
    """The articles of any of its matchers, and their spans.

    Whoosh's SpanOr matcher reads the positions of every article it lands on,
    to match only those with spans, which an OR's always has; an operator's
    operand lands on many articles its partner does not hold.  Its matchers
    are kept flat, in a heap by the article each is on, not in Whoosh's binary
    tree of unions: a prefix's operand unites a hundred words, and the tree
    asks each of its levels whether it is active and where it is, at every
    step, which made checking ``atleast1(pr* OR co*)`` cost milliseconds an article.
    """

    def __init__(self, matchers: list[wm.Matcher]) -> None:
        self._matchers = matchers
        self._heap = [(m.id(), i) for i, m in enumerate(matchers) if m.is_active()]
        heapq.heapify(self._heap)

    def _here(self) -> list[wm.Matcher]:
        """The matchers on the current article."""
        heap, current = self._heap, self._heap[0][0]
        found, stack = [], [0]
        while stack:  # the heap's entries holding its least article form a subtree from its root
            at = stack.pop()
            if at < len(heap) and heap[at][0] == current:
                found.append(self._matchers[heap[at][1]])
                stack += (2 * at + 1, 2 * at + 2)
        return found

    def _advance(self, below: int, move) -> None:
        """Moves each matcher on an article before ``below`` with ``move``, and back into the heap if still active."""
        heap, moved = self._heap, []
        while heap and heap[0][0] < below:
            moved.append(heapq.heappop(heap)[1])
        for i in moved:
            matcher = self._matchers[i]
            move(matcher)
            if matcher.is_active():
                heapq.heappush(heap, (matcher.id(), i))

    def is_active(self) -> bool:
        return bool(self._heap)

    def id(self) -> int:
        return self._heap[0][0]

    def next(self) -> None:
        if not self._heap:
            raise ReadTooFar
        self._advance(self._heap[0][0] + 1, lambda m: m.next())

    def skip_to(self, id) -> None:
        self._advance(id, lambda m: m.skip_to(id))

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()

    def spans(self) -> list[Span]:
        """The spans of its matchers, those that overlap merged.  Not those that touch, as
        Whoosh's ``Span.merge`` does: two spellings written side by side ("Kiev (Kyiv en
        ukrainien)") are two mentions, and ``atleast2(Kiev)`` counted them as one."""
        merged: list[Span] = []
        for span in sorted({s for m in self._here() for s in m.spans()}):
            if merged and span.start <= merged[-1].end:
                merged[-1] = merged[-1].to(span)
            else:
                merged.append(span)
        return merged

    def weight(self) -> float:
        return sum(m.weight() for m in self._here())

    def score(self) -> float:
        return sum(m.score() for m in self._here())

    def supports(self, astype) -> bool:
        return all(m.supports(astype) for m in self._matchers)

    def supports_block_quality(self) -> bool:
        return False

    def children(self) -> list[wm.Matcher]:
        return [self._matchers[i] for _, i in self._heap]

    def copy(self) -> wm.Matcher:
        return _SpanUnion([m.copy() for m in self.children()])

    def replace(self, minquality=0):
        return self if self.is_active() else wm.NullMatcher()


def capped_notes(query: wq.Query | None, reader) -> list[str]:
    """A note for each prefix or fuzzy word of ``query`` that could expand to
    more words than it searched: one a word, with the most words of any field
    it searched (a title holds fewer words than a body); and one for each whose
    words are too common to score."""
    widest: dict[tuple, tuple[int, Capped]] = {}
    for leaf in _leaves(query) if query is not None else ():
        if isinstance(leaf, Capped):
            chosen, total, _ = leaf.expansion(reader)
            key = (type(leaf), leaf.text, getattr(leaf, "maxdist", 0))
            if total > len(chosen) and total > widest.get(key, (0, leaf))[0]:
                widest[key] = (total, leaf)
    notes = {leaf.note(total): None for total, leaf in widest.values()}
    for expansions in _scored_expansions(query) if query is not None else ():
        note = broad_note(expansions.parts(), reader)
        if note is not None:
            notes[note] = None
    return list(notes)


def _scored_expansions(query: wq.Query):
    """The prefixes and fuzzy words of ``query`` (an ``Expansions`` or a lone
    ``Capped`` each) scored by their own matcher: an operator's operands are
    matched by their spans instead (``_CappedSpans``)."""
    if isinstance(query, (Capped, Expansions)):
        yield query
    elif not isinstance(query, Operator):
        for child in query.children():
            yield from _scored_expansions(child)


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


def _name_alternatives(words: list[tuple[str, int]], variants: NameSpellings) -> dict[str, set[str]] | None:
    """For each folded query word, its other spellings; None when no word has any.

    A word followed by another (a given name before its surname) also gets the
    spellings learned beside that surname: Victor in ``Viktor Orban``."""
    folded = [word for word, _ in words]
    alternatives = {
        word: found - {word} for word, found in zip(folded, spellings_in_turn(folded, variants), strict=True)
    }
    return alternatives if any(alternatives.values()) else None


def _name_query(
    fieldname: str, stem: str, folded: str, others: set[str], apart: set[str] | None, exact_only: bool
) -> wq.Query:
    """A name: its word, a small bonus for the exact spelling, and its other spellings.

    Spellings sharing the word's stem (Prigojine for Prigojin) are left out:
    the word already matches them, and they would outweigh the exact one.  The
    word matches no article that its stem finds only through names decided
    apart from it (``apart``: Adrien for Adrienne), and none at all when
    ``apart`` is None (the spelling alone, as ``--exact-names`` asks).
    With ``exact_only``, the exact spelling alone, for the first tier of hits.
    """
    boost = _field_boost(fieldname)
    spelling = wq.Term(fieldname, SPELLING_MARK + folded, boost=boost)
    if exact_only:
        return spelling
    if apart is None:
        spelling.boost = (1 + EXACT_BONUS) * boost
        terms: list[wq.Query] = [spelling]
    else:
        word: wq.Query = wq.Term(fieldname, stem, boost=boost)
        if apart:
            word = wq.AndNot(word, wq.Or([wq.Term(fieldname, SPELLING_MARK + a) for a in sorted(apart)]))
        spelling.boost = EXACT_BONUS * boost
        terms = [word, spelling]
    terms += [
        wq.Term(fieldname, SPELLING_MARK + other, boost=VARIANT_WEIGHT * boost)
        for other in sorted(others)
        if apart is None or light_stem(other) != stem
    ]
    return wq.Or(terms)


def _names_phrase(fieldname: str, words: list[tuple[str, int]], alternatives: dict[str, set[str]]) -> wq.Query:
    """A phrase of names, each word in any of its spellings."""
    parts = []
    for word, pos in words:
        terms = [wq.Term(fieldname, SPELLING_MARK + s) for s in sorted(alternatives[word] | {word})]
        parts.append((_SpanOr(terms) if len(terms) > 1 else terms[0], pos))
    return _gapped(fieldname, parts, VARIANT_WEIGHT * _field_boost(fieldname))


def _text_query(text: str, field: str | None, variants: NameSpellings, exact_names: bool = False) -> wq.Query | None:
    """A word or phrase in the title and the body, as words and, for names, in all their spellings."""
    words, folded = _query_words(text)
    if not words:
        return None  # only stop words
    # a name whose stem stands for names decided apart from it (Adrien, Adrienne): in a phrase, its spelling
    apart = {word: variants.stem_apart(word) for word, _ in folded}
    if len(words) > 1:
        words = [
            (stem if apart[word] == set() else SPELLING_MARK + word, pos)
            for (stem, pos), (word, _) in zip(words, folded, strict=True)
        ]
    alternatives = _name_alternatives(folded, variants)
    parts = []
    for fieldname in [field] if field else TEXT_FIELDS:
        if len(words) == 1 and (alternatives is not None or apart[folded[0][0]] != set()):
            word = folded[0][0]
            others = alternatives[word] if alternatives else set()
            parts.append(_name_query(fieldname, words[0][0], word, others, apart[word], exact_names))
        elif alternatives is None:
            parts.append(_words_query(fieldname, words, _field_boost(fieldname)))
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


def _word_query(node: Word, variants: NameSpellings, exact_names: bool) -> wq.Query | None:
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
    return parts[0] if len(parts) == 1 else Expansions(parts)


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
    node: Node, variants: NameSpellings, *, positive_only: bool = False, exact_names: bool = False
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


def _compile(node: Node, variants: NameSpellings, positive_only: bool, exact_names: bool) -> wq.Query | None:
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


def matched_terms(query: wq.Query | None, reader, positional: bool = True) -> set[str]:
    """The terms of the index that ``query`` can match, prefixes and fuzzy
    words expanded; the terms to highlight.  With ``positional`` False, the
    words of phrases, proximities, counts and ``lead:`` are left out: which of
    their occurrences matched is a matter of position (``positional_matches``).

    Whoosh's ``Query.existing_terms`` is not used: its loop variable shadows its
    ``fieldname`` argument, so it skips every field after the first.
    """
    if query is None:
        return set()
    found = set()
    for leaf in _leaves(query) if positional else _unpositioned_leaves(query):
        for fieldname, text in leaf.expanded_terms(reader, phrases=True):
            if (fieldname, text) in reader:
                found.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return found


def _unpositioned_leaves(query: wq.Query):
    """The leaves of ``query`` outside its phrases and operators."""
    if positional(query):
        return
    if query.is_leaf():
        yield query
    else:
        for child in query.children():
            yield from _unpositioned_leaves(child)


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
        if isinstance(leaf, Operator):
            for operand in leaf.operands():
                yield from _leaves(operand)
        else:
            yield leaf


def _spannable(query: wq.Query | None) -> wq.Query | None:
    """The same matches, from a query whose matcher gives the positions (spans) matched."""
    if query is None or isinstance(query, (wq.Term, SpanQuery)):
        return query
    if isinstance(query, Capped):
        return _CappedSpans(query)
    if isinstance(query, wq.Or):
        parts = [_spannable(sub) for sub in query.subqueries]
        return parts[0] if len(parts) == 1 else _SpanOr(parts)
    raise TypeError(f"no spans for {query!r}")  # the parser lets no other operand through


class _CappedSpans(SpanQuery):
    """A capped prefix or fuzzy word as the ``_SpanOr`` of the words it chose on the whole index."""

    def __init__(self, capped: Capped) -> None:
        self.q = capped

    def is_leaf(self) -> bool:
        return False

    def children(self):
        return [self.q]

    def estimate_size(self, ixreader) -> int:
        return self.q.estimate_size(ixreader)

    def united_terms(self, top) -> list[wq.Term]:
        """The words it chose on ``top``, the whole index's reader: what its matcher unites."""
        return [wq.Term(self.q.fieldname, text) for text in self.q._btexts(top)]

    def operand_spans(self, reader, top) -> whoosh_spans.OperandSpans:
        """Its spans in segment ``reader``, as an operator's operand (``whoosh_spans``)."""
        return whoosh_spans.WordSpans(reader, self.q.fieldname, whoosh_spans.spanning_words(self.united_terms(top)))

    def matcher(self, searcher, context=None):
        terms = self.united_terms(whoosh_postings.whole_index_reader(searcher))
        if not terms:
            return wm.NullMatcher()
        return (_SpanOr(terms) if len(terms) > 1 else terms[0]).matcher(searcher, context)


def _operand(node: Node, fieldname: str, variants: NameSpellings, exact_names: bool) -> wq.Query | None:
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


def _near_query(node: Near, variants: NameSpellings, exact_names: bool) -> wq.Query:
    left = _operands(node.left, node.written, node.column, variants, exact_names)
    right = _operands(node.right, node.written, node.column, variants, exact_names)
    parts = [
        NearOperator(f, left[f], right[f], node.distance, node.unit, node.ordered)
        for f in TEXT_FIELDS
        if f in left and f in right
    ]
    if not parts:
        raise QueryError(f"{node.written}: its operands are in different fields, which are never near", node.column)
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def _atleast_query(node: AtLeast, variants: NameSpellings, exact_names: bool) -> wq.Query:
    operands = _operands(node.child, f"atleast{node.count}", node.column, variants, exact_names)
    return AtLeastOperator(tuple(operands.items()), node.count)


def _lead_query(node: Word | Phrase, variants: NameSpellings, exact_names: bool) -> wq.Query | None:
    operands = {f: _operand(replace(node, field=None), f, variants, exact_names) for f in TEXT_FIELDS}
    if any(q is None for q in operands.values()):
        return None  # only stop words
    return LeadOperator(tuple(operands.items()))
