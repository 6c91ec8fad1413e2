"""The query operators of the Whoosh engine: proximity (``NEAR/n``, ``PRE/n``),
same sentence or paragraph (``NEAR/s``, ``NEAR/p``), mention counts
(``atleastN``) and the lead (``lead:``).

Each is a Whoosh query that Whoosh sees as a leaf, over span queries of its
operands compiled field by field (a distance never spans the title and the
body).  Its matcher checks, article by article, the positions its operands
matched: their distance, or the sentence or paragraph holding them (from the
article's ``structure`` column), or how many there are, and matches the
article only when some satisfy it; they are what a snippet highlights.  The
compiler (``whoosh_query``) builds them from the syntax tree.

When its operands are made of words (a name with its spellings, an OR of
words, the words a prefix or a fuzzy word chose; phrases too for ``NEAR``),
an operator finds the articles that pass in a segment at once, before its
matcher moves (``Operator.passing``): from its words' posting blocks, each
decoded once (``whoosh_spans``), where a matcher moving from candidate to
candidate spent two thirds of the check of ``poutine NEAR/5 macron`` at
300,000 articles (15,000 candidates) moving; ``atleastN`` from the words'
weights alone.  ``lead:`` and ``atleastN`` over a phrase are checked by the
matcher's walk.
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import Any

from whoosh import matching as wm
from whoosh import query as wq
from whoosh import scoring
from whoosh.matching.binary import IntersectionMatcher, UnionMatcher
from whoosh.query.spans import Span, SpanQuery

from ..sentences import Structure
from . import Satisfied
from . import whoosh_postings as wp
from . import whoosh_spans as ws

_LOCK = threading.Lock()  #: guards the per-reader tables below

#: The column holding each article's sentence and paragraph starts (``searchkit.sentences.encode``).
STRUCTURE_COLUMN = "structure"


class Operator(wq.Query):
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

    def passing(self, reader, top, within: set[int] | None = None) -> list[int] | None:
        """The documents of segment ``reader`` (among ``within``, when given) where the check
        passes, ascending, read from the posting blocks of its operands' words
        (``whoosh_spans``; a prefix's words chosen on ``top``, the whole index's reader); None
        where the matcher's walk checks them instead (``lead:`` and ``atleastN`` over a phrase)."""
        return None

    def covers(self, other: Operator, top) -> bool:
        """Whether ``other`` can pass only where this one does: the same check over fewer of
        its words (a name in the query's own spelling, for the first tier of hits, beside the
        name in all its spellings).  More words make more spans, and a check that passes with
        some spans passes with more."""
        return False

    def scored_terms(self, top) -> list[wq.Term] | None:
        """The terms whose scores, summed, are its score where it passes (as its matcher adds
        its operands' up), when its operands are words (a prefix's chosen on ``top``); else None."""
        return None

    def matcher(self, searcher, context=None):
        checks = _checked(searcher, self)
        candidates = self.candidates(searcher, context) if checks.matching != [] else None
        if candidates is None:
            return wm.NullMatcher()
        return _OperatorMatcher(candidates, checks)

    def satisfied_in(self, searcher, docnums: list[int]) -> dict[int, Satisfied]:
        """Where the operator was satisfied in each of ``docnums`` (ascending) that it matches."""

        def open_at(leaf, first: int):
            candidates = self.candidates(leaf, leaf.context(weighting=_UNSCORED), first)
            return None if candidates is None else (candidates.matcher, candidates.satisfied)

        return _satisfied_each(searcher, docnums, open_at)


def _satisfied_each(searcher, docnums: list[int], open_at) -> dict[int, Satisfied]:
    """Where each of ``docnums`` (ascending) that a matcher lands on satisfied the query:
    ``open_at`` gives a segment's matcher and what reads that (``landings``)."""
    found: dict[int, Satisfied] = {}
    for docnum, read in landings(searcher, docnums, open_at):
        satisfied = read()
        if satisfied.spans:
            found[docnum] = satisfied
    return found


def landings(searcher, docnums: list[int], open_at) -> Iterator[tuple[int, Any]]:
    """Each of ``docnums`` (ascending) that a query's matcher lands on, with what
    ``open_at(segment searcher, first docnum in it)`` gave beside the segment's matcher
    (``(matcher, anything)``, or None: nothing there to match).

    Only those documents are checked, each segment's in one walk forward: a
    matcher from the start would check every article before them, and a
    matcher a document would open and skip through the postings again for
    each (a prefix's hundred words: a third of a second an article)."""
    leaves = searcher.leaf_searchers()
    for at, (leaf, offset) in enumerate(leaves):
        end = leaves[at + 1][1] if at + 1 < len(leaves) else searcher.reader().doc_count_all()
        local = docnums[bisect_left(docnums, offset) : bisect_left(docnums, end)]
        opened = open_at(leaf, local[0] - offset) if local else None
        if opened is None:
            continue
        matcher, beside = opened
        for docnum in local:
            if matcher.is_active() and matcher.id() < docnum - offset:
                matcher.skip_to(docnum - offset)
            if not matcher.is_active():
                break
            if matcher.id() == docnum - offset:
                yield docnum, beside


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
    with _LOCK:
        column = _COLUMNS.get(reader)
    if column is None:
        column = reader.column_reader(STRUCTURE_COLUMN) if reader.has_column(STRUCTURE_COLUMN) else False
        with _LOCK:
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
        self.found(sorted(docnum for docnum, ok in passed.items() if ok))

    def found(self, matching: list[int]) -> None:
        """Keeps ``matching`` (ascending) as the documents that pass, unless another thread kept them first."""
        if self.matching is None:
            self.matching = matching
            self.passed = {}


#: Reader → operator → its ``_Checks``, the latest ``CHECKED_OPERATORS`` operators
#: searched on that reader; forgotten with the reader.
_CHECKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
CHECKED_OPERATORS = 32


def _checks(reader, operator: Operator) -> _Checks:
    with _LOCK:
        known = _CHECKS.setdefault(reader, {})
        checks = known.pop(operator, None) or _Checks()
        known[operator] = checks  # the most recently used last
        while len(known) > CHECKED_OPERATORS:
            del known[next(iter(known))]
    return checks


def _checked(searcher, operator: Operator) -> _Checks:
    """``_checks`` of ``searcher``'s reader, the documents that pass found from the postings
    (``Operator.passing``) when no walk went through every candidate yet and the operator's
    operands are words."""
    reader = searcher.reader()
    checks = _checks(reader, operator)
    if checks.matching is None and reader.is_atomic():
        top = wp.whole_index_reader(searcher)
        passing = operator.passing(reader, top, _covered(reader, top, operator))
        if passing is not None:
            checks.found(passing)
    return checks


def _covered(reader, top, operator: Operator) -> set[int] | None:
    """The documents of segment ``reader`` where an operator that covers ``operator``
    (``Operator.covers``) passed, when one was checked there: ``operator`` can pass only in
    those.  None when none was."""
    with _LOCK:
        known = list(_CHECKS.get(reader, {}).items())
    for other, checks in known:
        if checks.matching is not None and other != operator and other.covers(operator, top):
            return set(checks.matching)
    return None


def _holds_words(wide: wq.Query, narrow: wq.Query, top) -> bool:
    """Whether operand ``narrow``'s words are all among operand ``wide``'s (both made of words)."""
    wide_terms, narrow_terms = _operand_terms(wide, top), _operand_terms(narrow, top)
    if wide_terms is None or narrow_terms is None:
        return False
    return {t.text for t in narrow_terms} <= {t.text for t in wide_terms}


def operator_docs(query: wq.Query, searcher) -> set[int] | None:
    """The documents operator ``query`` matches, when every segment's are known: checked
    already (by a search that went through them), or found from the postings of its
    operands' words; None otherwise."""
    if not isinstance(query, Operator):
        return None
    parts = searcher.subsearchers or [(searcher, 0)]
    found: set[int] = set()
    for sub, offset in parts:
        matching = _checked(sub, query).matching
        if matching is None:
            return None
        found.update(offset + docnum for docnum in matching)
    return found


def _operand_terms(query: wq.Query, top) -> list[wq.Term] | None:
    """The terms of an operand made of words (a word, a union of words, a prefix's or a fuzzy
    word's words chosen on ``top``: ``united_terms`` of ``whoosh_query``), whose spans are
    their positions; None for any other (a phrase)."""
    if isinstance(query, wq.Term):
        return [query]
    united = getattr(query, "united_terms", None)
    return united(top) if callable(united) else None


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

    def passes(self) -> bool:
        """Whether the check passes in the current article."""
        return bool(self.found())

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
                ok = passed[docnum] = self.candidates.passes()
            if ok:
                return
            child.next()
        if self.from_start:
            checks.finish(passed)


class NearOperator(Operator):
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

    def passing(self, reader, top, within: set[int] | None = None) -> list[int] | None:
        a, b = ws.operand_spans(self.a, reader, top), ws.operand_spans(self.b, reader, top)
        if a is None or b is None:
            return None
        candidates = a.docs & b.docs
        candidates = sorted(candidates if within is None else candidates & within)
        structures = _structures(reader) if self.unit != "word" else None
        passed = []
        for batch in ws.batches(candidates):
            at_a, at_b = a.at(batch), b.at(batch)
            for docid in batch:
                found_a, found_b = at_a.get(docid), at_b.get(docid)
                if not (found_a and found_b):
                    continue
                structure = structures and structures(docid)
                if a.points and b.points:
                    ok = self.paired(found_a, found_b, structure)
                else:
                    ok = bool(self.pairs(a.spans(found_a), b.spans(found_b), structure))
                if ok:
                    passed.append(docid)
        return passed

    def paired(self, at_a: list[int], at_b: list[int], structure: Structure | None) -> bool:
        """Whether two positions of the operands (ascending), their spans when they are words,
        satisfy the operator: ``pairs`` finding one, without a span made for each position."""
        ordered = self.ordered
        if structure is None:
            for a in at_a:
                for b in at_b[bisect_left(at_b, a - self.distance) : bisect_right(at_b, a + self.distance)]:
                    if b != a and (b > a or not ordered):
                        return True
            return False
        units: dict[int, list[int]] = {}
        for b in at_b:
            units.setdefault(structure.unit(self.fieldname, self.unit, b), []).append(b)
        for a in at_a:
            for b in units.get(structure.unit(self.fieldname, self.unit, a), ()):
                if b != a and (b > a or not ordered):
                    return True
        return False

    def scored_terms(self, top) -> list[wq.Term] | None:
        a, b = _operand_terms(self.a, top), _operand_terms(self.b, top)
        return None if a is None or b is None else a + b

    def covers(self, other: Operator, top) -> bool:
        return (
            type(other) is NearOperator
            and (self.fieldname, self.distance, self.unit, self.ordered)
            == (other.fieldname, other.distance, other.unit, other.ordered)
            and _holds_words(self.a, other.a, top)
            and _holds_words(self.b, other.b, top)
        )

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
    def __init__(self, a, b, query: NearOperator, structure) -> None:
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


class _Fielded(Operator):
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

    def passing(self, reader, top, within: set[int] | None = None) -> list[int] | None:
        # Over a phrase, Whoosh's walk finds the phrase's articles as fast, and ranks them on its
        # way (``lead:"guerre en ukraine"`` at 300,000 articles: 1.2 s walked, 1.5 s read here)
        if any(_operand_terms(q, top) is None for _, q in self.parts):
            return None
        operands = [(fieldname, ws.operand_spans(q, reader, top)) for fieldname, q in self.parts]
        candidates = set().union(*(o.docs for _, o in operands))
        return self.passing_among(reader, sorted(candidates if within is None else candidates & within), operands)

    def covers(self, other: Operator, top) -> bool:
        wide = dict(self.parts)
        return (
            type(other) is type(self)
            and other._key()[1:] == self._key()[1:]  # what it checks beside its operands: atleastN's count
            and all(f in wide and _holds_words(wide[f], q, top) for f, q in other.parts)
        )

    def scored_terms(self, top) -> list[wq.Term] | None:
        terms = [_operand_terms(q, top) for _, q in self.parts]
        return None if any(t is None for t in terms) else [t for found in terms for t in found]

    def passing_among(self, reader, candidates: list[int], operands: list[tuple[str, ws.OperandSpans]]) -> list[int]:
        """Of ``candidates`` (ascending), those where the check passes, ``operands`` giving each
        field's operand."""
        structures = _structures(reader)
        passed = []
        for batch in ws.batches(candidates):
            found = [(fieldname, operand, operand.at(batch)) for fieldname, operand in operands]
            for docid in batch:
                spans = [(f, *b) for f, operand, at in found if docid in at for b in operand.bounds(at[docid])]
                if spans and self.keep(spans, structures(docid)):
                    passed.append(docid)
        return passed


class AtLeastOperator(_Fielded):
    """``atleastN``: the operand's occurrences in all fields together number at least ``count``."""

    def __init__(self, parts, count: int) -> None:
        super().__init__(parts)
        self.count = count

    def _key(self) -> tuple:
        return (self.parts, self.count)

    def keep(self, spans, structure):
        return spans if len(spans) >= self.count else []

    def passing_among(self, reader, candidates, operands):
        """Read from the words' weights, no position decoded (``atleast3(ukraine)``: 95,000
        articles of 300,000): a word's weight in an article is how many times it is written
        there, and the words of a union never share a position (``whoosh_spans.spanning_words``),
        so the weights add up to the mentions its spans count."""
        if self.count <= 1:
            return candidates
        mentions: dict[int, float] = {}
        for _, operand in operands:
            for docid, weight in operand.mentions():
                mentions[docid] = mentions.get(docid, 0.0) + weight
        return [d for d in candidates if mentions.get(d, 0.0) >= self.count]


class LeadOperator(_Fielded):
    """``lead:``: in the title, or in the body before its second paragraph."""

    def keep(self, spans, structure):
        end = structure.lead_end()
        return [s for s in spans if s[0] == "title" or end is None or s[2] < end]

    def passing_among(self, reader, candidates, operands):
        """An article whose title holds the operand passes: positions are read for the others only."""
        titled = set().union(*(o.docs for field, o in operands if field == "title"))
        rest = super().passing_among(reader, [d for d in candidates if d not in titled], operands)
        return sorted(titled.intersection(candidates).union(rest))


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
        return self.query.keep(spans, self.structures(docnum) if isinstance(self.query, LeadOperator) else None)

    def passes(self) -> bool:
        # ``atleast1``: an article holding an operand holds an occurrence of it; its positions need no reading.
        if isinstance(self.query, AtLeastOperator) and self.query.count <= 1:
            return True
        return super().passes()

    def satisfied(self) -> Satisfied:
        return Satisfied(tuple(self.found()))


def positional_matches(query: wq.Query | None, searcher, docnums: list[int]) -> dict[int, list[Satisfied]]:
    """For each of ``docnums``, where each operator and each phrase of ``query`` was
    satisfied in it (those it matches; none listed for a document none matches)."""
    ordered = sorted(set(docnums))
    found: dict[int, list[Satisfied]] = {docnum: [] for docnum in ordered}
    for part in positional_parts(query):
        if isinstance(part, Operator):
            where_each = part.satisfied_in(searcher, ordered)
        else:
            where_each = _phrase_in(part, searcher, ordered)
        for docnum, where in where_each.items():
            found[docnum].append(where)
    return found


def positional_parts(query: wq.Query | None):
    """The operators and phrases of ``query``, not what is inside them."""
    if query is None:
        return
    if positional(query):
        yield query
    elif not query.is_leaf():
        for child in query.children():
            yield from positional_parts(child)


def positional(query: wq.Query) -> bool:
    """Whether ``query`` is an operator or a phrase: which of its words' occurrences
    matched is a matter of position, not of the words."""
    return isinstance(query, (Operator, SpanQuery))


def _phrase_in(phrase: SpanQuery, searcher, docnums: list[int]) -> dict[int, Satisfied]:
    """Where ``phrase`` (one field's) occurs in each of ``docnums`` (ascending) that holds it."""
    fieldname = next(phrase.leaves()).field()

    def open_at(leaf, first: int):
        matcher = phrase.matcher(leaf, leaf.context(weighting=_UNSCORED))
        return matcher, lambda: Satisfied(tuple((fieldname, s.start, s.end) for s in matcher.spans()))

    return _satisfied_each(searcher, docnums, open_at)
