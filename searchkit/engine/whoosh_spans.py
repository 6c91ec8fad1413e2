"""An operator's operands read from their words' postings, a batch of articles at a time.

An operator (``whoosh_operators``) checks the positions of its operands in
the articles holding them.  Whoosh's matchers would move from one such
article to the next a posting at a time; here each operand of one field of
a segment is read as a whole: its words' article numbers first (which
articles it may match), then their positions for a batch of candidates
(``CHECK_BATCH``), each word's ``PositionsReader`` going on from the block
it stopped in.  The spans are those the span matchers of ``whoosh_query``
give: a word's are its positions, a union's are its parts' merged where
they overlap (``_SpanUnion``), a phrase's are Whoosh's ``SpanNear2``'s.
The query classes build their own (``operand_spans``), as they build their
matchers.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from whoosh import query as wq
from whoosh.query.spans import Span

from ..analysis import SPELLING_MARK, light_stem
from . import whoosh_postings as wp

#: Candidates whose positions an operator's check reads at once: what it holds in memory is
#: bounded by them and by its words' article numbers (4 bytes each), whatever the archive.
CHECK_BATCH = 10_000


def batches(candidates: list[int]) -> Iterator[list[int]]:
    """``candidates`` (ascending), ``CHECK_BATCH`` at a time."""
    for start in range(0, len(candidates), CHECK_BATCH):
        yield candidates[start : start + CHECK_BATCH]


def spanning_words(terms: list[wq.Term]) -> list[str]:
    """The words whose positions make a union's spans: a name's spelling (``^poutine``) left
    out beside its stem (``poutin``), which the analysis writes at each of the spelling's
    positions (``NameSpellingFilter``, then ``LightStemFilter``): half the positions to read.
    What is left never shares a position: a position holds one stem, and a spelling only
    beside its own stem."""
    words = dict.fromkeys(t.text for t in terms)
    return [w for w in words if not (w.startswith(SPELLING_MARK) and light_stem(w[1:]) in words)]


def operand_spans(query: wq.Query, reader, top) -> OperandSpans | None:
    """The spans of operand ``query`` in segment ``reader`` (a prefix's words chosen on
    ``top``, the whole index's reader); None when it is not made of words and phrases."""
    if isinstance(query, wq.Term):
        return WordSpans(reader, query.fieldname, [query.text])
    build = getattr(query, "operand_spans", None)
    return build(reader, top) if callable(build) else None


class OperandSpans:
    """An operand's spans in one field of a segment.  ``at`` is asked for batches of
    candidates in ascending order, each past the one before."""

    docs: set[int]  #: the documents where it may have spans: those holding its words
    points = False  #: whether each span is one position, given as an ``int``, not a ``Span``

    def at(self, batch: list[int]) -> dict[int, list]:
        """Each document of ``batch`` where it has spans → its spans, in order."""
        raise NotImplementedError

    def spans(self, found: list) -> list[Span]:
        """What ``at`` gave for a document, as ``Span`` objects."""
        return found

    def bounds(self, found: list) -> list[tuple[int, int]]:
        """What ``at`` gave for a document, as (first, last) positions."""
        return [(s.start, s.end) for s in found]


class WordSpans(OperandSpans):
    """A word or a union of words (``spanning_words``): a span a position, as an ``int``."""

    points = True

    def __init__(self, reader, fieldname: str, words: list[str]) -> None:
        #: each word's documents, ascending, and its weight in each: how many times it is written there
        self.ids: dict[str, array] = {}
        self.weights: dict[str, array] = {}
        for w in words:
            ids, weights = self.ids[w], self.weights[w] = array("I"), array("f")
            for block_ids, block_weights in wp.blocks(reader, fieldname, w):
                ids.extend(block_ids)
                weights.extend(block_weights)
        self.docs = set().union(*self.ids.values())
        self._readers = {w: wp.PositionsReader(reader, fieldname, w) for w in words}

    def at(self, batch: list[int]) -> dict[int, list[int]]:
        if not batch:
            return {}
        wanted, first, last = set(batch), batch[0], batch[-1]
        found: dict[int, list[int]] = {}
        for word, ids in self.ids.items():
            held = [d for d in ids[bisect_left(ids, first) : bisect_right(ids, last)] if d in wanted]
            for docid, at in self._readers[word].at(held).items():
                found.setdefault(docid, []).extend(at)
        if len(self.ids) > 1:
            for at in found.values():
                at.sort()
        return found

    def spans(self, found: list[int]) -> list[Span]:
        return [Span(p) for p in found]

    def bounds(self, found: list[int]) -> list[tuple[int, int]]:
        return [(p, p) for p in found]

    def mentions(self) -> Iterator[tuple[int, float]]:
        """(document, weight) of each posting of its words: its words share no position, so the
        weights of a document add up to its spans."""
        for word, ids in self.ids.items():
            yield from zip(ids, self.weights[word], strict=True)


class UnionSpans(OperandSpans):
    """Parts of which one at least is a phrase: their spans merged where they overlap (``_SpanUnion``)."""

    def __init__(self, parts: list[OperandSpans]) -> None:
        self.parts = parts
        self.docs = set().union(*(p.docs for p in parts))

    def at(self, batch: list[int]) -> dict[int, list[Span]]:
        each = [(part, part.at(batch)) for part in self.parts]
        found: dict[int, list[Span]] = {}
        for docid in batch:
            held = {s for part, at in each if docid in at for s in part.spans(at[docid])}
            merged: list[Span] = []
            for span in sorted(held):
                if merged and span.start <= merged[-1].end:
                    merged[-1] = merged[-1].to(span)
                else:
                    merged.append(span)
            if merged:
                found[docid] = merged
        return found


class PhraseSpans(OperandSpans):
    """Parts at given distances from one another (``_gapped``): Whoosh's ``SpanNear2``, whose
    check of one part against the next is read here with the same ``Span`` methods; its spans
    are kept as (first, last) positions."""

    def __init__(self, parts: list[OperandSpans], slop: int, mindist: int, ordered: bool) -> None:
        self.parts, self.slop, self.mindist, self.ordered = parts, slop, mindist, ordered
        self.docs = set.intersection(*(p.docs for p in parts))
        #: each part exactly ``slop`` positions after the last (a phrase's words, the gaps of its stop words kept)
        self._exact = ordered and slop == mindist >= 1

    def at(self, batch: list[int]) -> dict[int, list[tuple[int, int]]]:
        here = [d for d in batch if d in self.docs]
        each = [(part, part.at(here)) for part in self.parts]
        found: dict[int, list[tuple[int, int]]] = {}
        for docid in here:
            part, at = each[0]
            spans = part.bounds(at.get(docid, []))
            for part, at in each[1:]:
                if not spans:
                    break
                following = at.get(docid, [])
                if self._exact and part.points:
                    # a word at exactly ``slop`` after a span's last position: the one pair SpanNear2 keeps
                    held = set(following)
                    spans = [(first, last + self.slop) for first, last in spans if last + self.slop in held]
                else:
                    spans = self._next([Span(*b) for b in spans], part.spans(following))
            if spans:
                found[docid] = spans
        return found

    def spans(self, found: list[tuple[int, int]]) -> list[Span]:
        return [Span(first, last) for first, last in found]

    def bounds(self, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
        return found

    def _next(self, aspans: list[Span], bspans: list[Span]) -> list[tuple[int, int]]:
        """The spans of ``aspans`` joined to ``bspans`` at a distance the phrase allows
        (``SpanNear2Matcher._get_spans``, one step)."""
        slop, mindist, ordered = self.slop, self.mindist, self.ordered
        starts = [b.start for b in bspans]
        spans = set()
        for aspan in aspans:
            j = bisect_left(starts, aspan.start if ordered else max(0, aspan.start - slop))
            for bspan in bspans[j:]:
                if bspan.end < aspan.start - slop or (ordered and aspan.start > bspan.start):
                    continue
                if bspan.start > aspan.end + slop:
                    break
                if mindist <= aspan.distance_to(bspan) <= slop:
                    joined = aspan.to(bspan)
                    spans.add((joined.start, joined.end))
        return sorted(spans)
