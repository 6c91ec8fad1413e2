"""Posting lists read a block at a time, for the searches that read every posting of their terms.

Whoosh's matcher hands out one posting a call (``id()``, ``weight()``,
``next()``), each document's field length another call into its column, and
``all_ids()`` is a generator over those calls: some 2 µs of Python a posting,
0.3 s to score ``France OR pays OR monde`` (153,000 postings) at 100,000
articles, and as much again to count it.  A count and an OR of terms ranked by
summing their scores read every posting anyway, so here a block's ids and
weights are decoded at once (``_ids_and_weights``: most often from the start
of its stream alone; the ids delta-coded, summed by ``itertools.accumulate``)
and a field's lengths are read once a segment, one byte a document.

This leans on the block layout of Whoosh 2.7.4's W3 codec (pinned in
pyproject.toml): ``W3LeafMatcher``'s block walk and the one-byte length
column.  Any other matcher (postings inlined in a term's entry) is read
through its public interface.
"""

from __future__ import annotations

import heapq
import math
import pickle
import struct
import sys
import threading
import weakref
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, repeat

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader, SegmentReader, TermNotFound
from whoosh.util.numeric import byte_to_length

Block = tuple[Sequence[int], Sequence[float]]  #: the ids of a block's postings (in its segment) and their weights


def blocks(
    segment: SegmentReader, fieldname: str, text: str, wanted: Callable[[int], int | None] | None = None
) -> Iterator[Block]:
    """The live postings of ``text`` in ``fieldname`` of one segment, a block at a time; with
    ``wanted``, only the blocks holding an id at or past ``wanted(the last id read past)``, the
    others skipped undecoded, until it says None (a sample's stretches of ids)."""
    try:
        matcher = segment.postings(fieldname, text)
    except TermNotFound:
        return
    deleted: frozenset[int] = frozenset()
    if isinstance(matcher, FilterMatcher):  # the segment's deletions, left out below
        matcher, deleted = matcher.child, frozenset(matcher._ids)
    for ids, weights in _raw_blocks(matcher, wanted):
        if deleted:
            kept = [(d, w) for d, w in zip(ids, weights, strict=True) if d not in deleted]
            ids, weights = [d for d, _ in kept], [w for _, w in kept]
        yield ids, weights


def _raw_blocks(matcher: Matcher, wanted: Callable[[int], int | None] | None) -> Iterator[Block]:
    if isinstance(matcher, W3LeafMatcher):
        last = -1
        while matcher.is_active():
            if wanted is not None:
                first = wanted(last)
                if first is None:
                    return
                last = matcher._maxid
                if last < first:
                    matcher._next_block()
                    continue
            coded, weights = _ids_and_weights(matcher)
            ids = coded if matcher._byteids else list(accumulate(coded))
            yield ids, _weights(weights, len(ids))
            matcher._next_block()
    else:  # postings inlined in the term's entry (a term of one document), or another codec's
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        yield ids, weights


def _ids_and_weights(matcher: W3LeafMatcher) -> tuple[Sequence[int], Sequence[float] | float | None]:
    """The (delta-coded) ids and the weights of the block ``matcher`` is at, as the codec stores them.

    A block is a pickled tuple (ids, weights, values): the values (a body's
    positions and characters) are four fifths of it, and unpickling them
    most of the cost.  Where the ids after the first (the block's first
    document, whole) are one byte each, the commonest layout for a frequent
    word, ids and weights are read from the start of the stream alone,
    decompressed no further; any other layout is unpickled whole."""
    data = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    count = matcher._blocklength
    decompressor = zlib.decompressobj() if matcher._compression else None
    # PROTO 2 and MARK, the first id (an opcode and 1, 2 or 4 bytes), the others (K and a byte each),
    # TUPLE and BINPUT 0, then the weights: MARK, BINFLOAT and 8 bytes each, TUPLE (or None, or one float)
    longest = 3 + 5 + 2 * (count - 1) + 3 + 1 + 9 * count + 1
    head = decompressor.decompress(data, longest) if decompressor else data[:longest]
    first = _FIRST_ID.get(head[3:4]) if head[:3] == _PICKLE_START and count > 3 else None
    if first is not None:
        rest = 4 + first.size
        ids_end = rest + 2 * (count - 1)
        weights = _stored_weights(head, ids_end + 3, count)
        if head[rest:ids_end:2] == b"K" * (count - 1) and head[ids_end : ids_end + 3] == _IDS_END and weights:
            return [*first.unpack_from(head, 4), *head[rest + 1 : ids_end : 2]], weights[0]
    if decompressor:
        data = head + decompressor.decompress(decompressor.unconsumed_tail) + decompressor.flush()
    loaded = pickle.loads(data)
    return loaded[0], loaded[1]


def _stored_weights(head: bytes, at: int, count: int) -> tuple[Sequence[float] | float | None] | None:
    """The pickled weights at ``at`` (wrapped, as None is one), None when not in a layout read here."""
    opcode = head[at : at + 1]
    if opcode == b"N":
        return (None,)
    if opcode == b"G":
        return (_FLOAT.unpack_from(head, at + 1)[0],)
    end = at + 1 + 9 * count
    if opcode == b"(" and head[at + 1 : end : 9] == b"G" * count and head[end : end + 1] == b"t":
        return (struct.unpack_from(">" + "xd" * count, head, at + 1),)
    return None


_PICKLE_START = b"\x80\x02("  #: protocol 2, then the mark of the ids' tuple
_FIRST_ID = {b"K": struct.Struct("<B"), b"M": struct.Struct("<H"), b"J": struct.Struct("<i")}  #: BININT1, 2, 4
_IDS_END = b"tq\x00"  #: the ids' tuple, memoized first
_FLOAT = struct.Struct(">d")  #: BINFLOAT's argument


def _weights(stored: Sequence[float] | float | None, count: int) -> Sequence[float]:
    """A block's weights as the codec stores them: None when all are 1, one float when all are that."""
    if stored is None:
        return tuple(repeat(1.0, count))
    if isinstance(stored, float):
        return tuple(repeat(stored, count))
    return stored


def live_ids(reader: IndexReader, fieldname: str, text: str, spans: Sequence[tuple[int, int]] = ()) -> set[int]:
    """The live documents (index-wide numbers) whose ``fieldname`` holds ``text``; with
    ``spans`` (sorted ``[start, end)`` stretches of them), only those within, the blocks
    between the stretches not read."""
    found: set[int] = set()
    starts = [start for start, _ in spans]
    for segment, offset in reader.leaf_readers():
        if not spans:
            ids = _segment_ids(segment, fieldname, text)
            found.update(map(offset.__add__, ids) if offset else ids)
            continue

        def wanted(last: int, offset: int = offset) -> int | None:
            """The first id (in the segment) past ``last`` within a stretch; None past the last."""
            docnum = offset + last + 1
            at = bisect_right(starts, docnum) - 1
            if at >= 0 and docnum < spans[at][1]:
                return last + 1
            return starts[at + 1] - offset if at + 1 < len(starts) else None

        for ids, _ in blocks(segment, fieldname, text, wanted):
            docnums = map(offset.__add__, ids) if offset else ids
            found.update(d for d in docnums if _inside(d, starts, spans))
    return found


def _segment_ids(segment: SegmentReader, fieldname: str, text: str) -> Sequence[int]:
    """The live ids (in ``segment``) of ``text``'s postings in ``fieldname``, kept (``_keep_ids``)."""
    with _LOCK:
        terms = _IDS[segment].terms if segment in _IDS else {}
        kept = terms.pop((fieldname, text), None)
        if kept is not None:
            terms[(fieldname, text)] = kept  # read last now: the last to be forgotten
    if kept is None:
        kept = [docid for ids, _ in blocks(segment, fieldname, text) for docid in ids]
        _keep_ids(segment, fieldname, text, kept)
    return kept


def _keep_ids(segment: SegmentReader, fieldname: str, text: str, ids: Sequence[int]) -> None:
    """Keeps the live ids of a term read whole, for the reader's life: a search reads a name's
    spellings to rank its hits, again to count them and again to count each spelling (30 of the
    80 ms of ``Zelensky`` at 300,000 articles).  The terms read last are kept, up to
    ``KEPT_IDS`` ids a segment (4 bytes each)."""
    if len(ids) > KEPT_IDS:
        return
    with _LOCK:
        kept = _IDS.setdefault(segment, _KeptIds())
        kept.held -= len(kept.terms.pop((fieldname, text), ()))
        kept.terms[(fieldname, text)] = array("i", ids)
        kept.held += len(ids)
        while kept.held > KEPT_IDS:
            kept.held -= len(kept.terms.pop(next(iter(kept.terms))))


@dataclass
class _KeptIds:
    """The ids kept for one segment (``_keep_ids``), the terms read last last, and how many in all."""

    terms: dict[tuple[str, str], array] = field(default_factory=dict)
    held: int = 0


def whole_index_reader(searcher) -> IndexReader:
    """The reader of the whole index above a segment's ``searcher`` (itself when it is the whole):
    where a prefix's words are chosen, the same for every segment."""
    while searcher.has_parent():
        searcher = searcher.get_parent()
    return searcher.reader()


class PositionsReader:
    """The positions of one word in one field of a segment, asked for documents in ascending
    order, a batch at a time: only the blocks holding one of them decoded, the others passed
    by their header, the reader staying where it is between batches, and no matcher moved a
    posting at a time (an operator's check of 15,000 articles spent two thirds of its time
    moving its words' matchers from one to the next)."""

    def __init__(self, segment: SegmentReader, fieldname: str, text: str) -> None:
        try:
            matcher = segment.postings(fieldname, text)
        except TermNotFound:
            matcher = None
        if isinstance(matcher, FilterMatcher):  # deletions: the documents asked for are live ones
            matcher = matcher.child
        self._matcher = matcher
        self._block: tuple[Sequence[int], Sequence[bytes]] | None = None  #: the block read: ids, values

    def at(self, docs: Sequence[int]) -> dict[int, list[int]]:
        """The positions in each of ``docs`` (ascending, past those asked before) that holds the word."""
        found: dict[int, list[int]] = {}
        matcher = self._matcher
        if matcher is None:
            return found
        if not isinstance(matcher, W3LeafMatcher):  # postings inlined in the term's entry, or another codec's
            for docid in docs:
                if matcher.is_active() and matcher.id() < docid:
                    matcher.skip_to(docid)
                if matcher.is_active() and matcher.id() == docid:
                    found[docid] = list(matcher.value_as("positions"))
            return found
        for docid in docs:
            while matcher.is_active() and matcher._maxid < docid:
                matcher._next_block()
                self._block = None
            if not matcher.is_active():
                break
            if self._block is None:
                matcher._read_data()
                coded, _, values = matcher._data
                self._block = (coded if matcher._byteids else list(accumulate(coded)), values)
            ids, values = self._block
            i = bisect_left(ids, docid)
            if i < len(ids) and ids[i] == docid:
                found[docid] = _decoded_positions(values[i])
        return found


def _decoded_positions(value: bytes) -> list[int]:
    """A posting's positions as Whoosh's ``Positions`` format stores them: a count, then
    the pickled deltas (their pickle's STOP left out by the codec).  One position, most
    postings of most words, is read from its bytes (a third of the time of unpickling it)."""
    if value.startswith(_ONE_POSITION):
        opcode = value[9]
        if opcode == _BININT1:
            return [value[10]]
        if opcode == _BININT2:
            return [value[10] | value[11] << 8]
    return list(accumulate(pickle.loads(value[4:] if value.endswith(b".") else value[4:] + b".")))


_ONE_POSITION = b"\x00\x00\x00\x01\x80\x02]q\x00"  #: a count of 1, then a pickled list (memoized) of one delta
_BININT1, _BININT2 = ord("K"), ord("M")  #: the delta in one byte, in two (little-endian)


def _inside(docnum: int, starts: list[int], spans: Sequence[tuple[int, int]]) -> bool:
    at = bisect_right(starts, docnum) - 1
    return at >= 0 and docnum < spans[at][1]


def field_lengths(segment: SegmentReader, fieldname: str) -> bytes:
    """Each document's length in ``fieldname`` as the segment's length column codes it, a
    byte a document (``byte_to_length`` decodes it; 0 where the field is empty), read once
    for the reader's life."""
    with _LOCK:
        kept = _LENGTHS.setdefault(segment, {})
        if fieldname in kept:
            return kept[fieldname]
    column = segment._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    size = segment.doc_count_all()
    lengths = column._dbfile.get(column._basepos, column._count).ljust(size, b"\0") if column else bytes(size)
    with _LOCK:
        kept[fieldname] = lengths
    return lengths


@dataclass(frozen=True)
class BM25:
    """BM25 of one term in one field, as Whoosh's ``scoring.bm25`` computes it: its length part
    ``K1 * ((1 - B) + B * fl / avgfl)`` worked out for each of the 256 coded lengths, the same
    double Whoosh computes for the length the byte decodes to."""

    idf: float
    k1: float
    norms: tuple[float, ...]

    @classmethod
    def of(cls, idf: float, k1: float, b: float, mean_length: float) -> BM25:
        return cls(idf, k1, tuple(k1 * ((1 - b) + b * byte_to_length(code) / mean_length) for code in range(256)))

    def postings(self, doc_count: int) -> float:
        """How many postings the term has, from its idf (Whoosh's ``log(N / (df + 1)) + 1``, N the
        ``doc_count`` documents numbered): enough to choose how to sum them (``scores_for``) without
        looking the term up in every segment again, a sixth of the sums of ``similar``'s 16 terms
        at 300,000 articles."""
        return doc_count / math.exp(self.idf - 1) - 1

    def score(self, tf: float, length_code: int) -> float:
        """The score of a posting of weight ``tf`` in a document whose length codes to ``length_code``."""
        return self.idf * ((tf * (self.k1 + 1)) / (tf + self.norms[length_code]))


class Scores:
    """Each document's sum of the scores of terms added (``add``) within ``allowed`` (None: all),
    in a dictionary: the way for few postings.  ``DenseScores`` sums many faster."""

    def __init__(self, allowed: set[int] | None = None) -> None:
        self._scores: dict[int, float] = {}
        self._allowed = allowed

    def add(
        self, segment: SegmentReader, offset: int, fieldname: str, text: str, bm25: BM25, weight: float = 1.0
    ) -> None:
        """Adds ``weight`` times the ``bm25`` score of each live posting of ``text`` in one segment,
        whose documents are numbered from ``offset``."""
        scores, allowed = self._scores, self._allowed
        lengths, norms, idf, k1_plus = field_lengths(segment, fieldname), bm25.norms, bm25.idf, bm25.k1 + 1
        read: list[int] = []
        for ids, weights in blocks(segment, fieldname, text):
            read += ids
            for docid, tf in zip(ids, weights, strict=True):
                docnum = offset + docid
                if allowed is None or docnum in allowed:
                    score = idf * ((tf * k1_plus) / (tf + norms[lengths[docid]]))  # BM25.score, inlined
                    scores[docnum] = scores.get(docnum, 0.0) + weight * score
        _keep_ids(segment, fieldname, text, read)

    def include(self, docnums: Iterable[int], scores: Iterable[float]) -> None:
        """Adds ``scores`` to those of ``docnums`` (another sum's, ``listed``), where allowed."""
        own, allowed = self._scores, self._allowed
        for docnum, score in zip(docnums, scores, strict=True):
            if allowed is None or docnum in allowed:
                own[docnum] = own.get(docnum, 0.0) + score

    def drop(self, docnums: Iterable[int]) -> None:
        for docnum in docnums:
            self._scores.pop(docnum, None)

    def docs(self) -> frozenset[int]:
        """The documents scored."""
        return frozenset(self._scores)

    def listed(self) -> tuple[list[int], list[float]]:
        """The documents scored, in order, and their scores."""
        docnums = sorted(self._scores)
        return docnums, [self._scores[docnum] for docnum in docnums]

    def best(self, limit: int) -> list[tuple[int, float]]:
        """The ``limit`` best (document, score), the same score by document number, as Whoosh ranks
        them: the ``limit``-th best score found among the bare scores, then those at or above it sorted."""
        scores = self._scores
        if limit <= 0 or not scores:
            return []
        floor = heapq.nlargest(limit, scores.values())[-1]
        return _ranked(compress(scores.items(), map(floor.__le__, scores.values())), limit)


class DenseScores:
    """``Scores`` in arrays a slot a document: numpy sums a term's postings at once, where the
    dictionary costs some 0.5 µs of Python a posting (``France OR pays OR monde`` at 300,000
    articles, 461,000 postings: the whole search 315–342 → 162–173 ms warm).  The same doubles,
    added in the same order."""

    def __init__(self, size: int, allowed: set[int] | None = None) -> None:
        import numpy as np

        self._np = np
        self._sums = np.zeros(size)
        self._held = np.zeros(size, dtype=bool)
        self._allowed = allowed

    def add(
        self, segment: SegmentReader, offset: int, fieldname: str, text: str, bm25: BM25, weight: float = 1.0
    ) -> None:
        np = self._np
        ids: list[int] = []
        weights: list[float] = []
        for block_ids, block_weights in blocks(segment, fieldname, text):
            ids += block_ids
            weights += block_weights
        _keep_ids(segment, fieldname, text, ids)
        if not ids:
            return
        docids = np.array(ids, dtype=np.intp)
        tf = np.array(weights, dtype=np.float64)
        norms = np.array(bm25.norms)[np.frombuffer(field_lengths(segment, fieldname), dtype=np.uint8)[docids]]
        docnums = docids + offset
        self._sums[docnums] += weight * (bm25.idf * ((tf * (bm25.k1 + 1)) / (tf + norms)))
        self._held[docnums] = True

    def drop(self, docnums: Iterable[int]) -> None:
        self._held[list(docnums)] = False

    def _docnums(self):
        """The documents scored, in order, as an array (those not allowed left out now)."""
        if self._allowed is not None:
            allowed = self._np.zeros(len(self._held), dtype=bool)
            allowed[list(self._allowed)] = True
            self._held &= allowed
            self._allowed = None
        return self._np.flatnonzero(self._held)

    def docs(self) -> frozenset[int]:
        return frozenset(self._docnums().tolist())

    def listed(self) -> tuple[list[int], list[float]]:
        docnums = self._docnums()
        return docnums.tolist(), self._sums[docnums].tolist()

    def best(self, limit: int) -> list[tuple[int, float]]:
        docnums = self._docnums()
        if limit <= 0 or not len(docnums):
            return []
        scores = self._sums[docnums]
        if len(docnums) > limit:
            floor = self._np.partition(scores, len(scores) - limit)[len(scores) - limit]
            within = scores >= floor
            docnums, scores = docnums[within], scores[within]
        return _ranked(zip(docnums.tolist(), scores.tolist(), strict=True), limit)


def _ranked(scored: Iterable[tuple[int, float]], limit: int) -> list[tuple[int, float]]:
    """The ``limit`` first of ``scored`` by score, the same score by document number."""
    return [(docnum, -score) for score, docnum in sorted((-score, docnum) for docnum, score in scored)[:limit]]


#: Postings summed, beyond which ``DenseScores`` sums them: past numpy's import (some 100 ms, kept
#: out of a search's cold start) where it has not been imported yet, else past its fixed costs.
DENSE_POSTINGS = 300_000
DENSE_POSTINGS_IMPORTED = 5_000


def scores_for(postings: float, size: int, allowed: set[int] | None = None) -> Scores | DenseScores:
    """The way to sum ``postings`` postings (about) into the scores of ``size`` documents."""
    dense = DENSE_POSTINGS_IMPORTED if "numpy" in sys.modules else DENSE_POSTINGS
    return DenseScores(size, allowed) if postings >= dense else Scores(allowed)


#: Segment reader → field → its coded lengths (``field_lengths``); forgotten with the reader.
_LENGTHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Segment reader → the live ids of the terms it read whole last (``_keep_ids``); forgotten with the reader.
_IDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: The ids kept a segment: 4 MB (a name's spellings hold some thousands at 300,000 articles).
KEPT_IDS = 1_000_000
_LOCK = threading.Lock()
