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

import pickle
import struct
import threading
import weakref
import zlib
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, repeat

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

        def wanted(last: int, offset: int = offset) -> int | None:
            """The first id (in the segment) past ``last`` within a stretch; None past the last."""
            docnum = offset + last + 1
            at = bisect_right(starts, docnum) - 1
            if at >= 0 and docnum < spans[at][1]:
                return last + 1
            return starts[at + 1] - offset if at + 1 < len(starts) else None

        for ids, _ in blocks(segment, fieldname, text, wanted if spans else None):
            docnums = map(offset.__add__, ids) if offset else ids
            found.update(docnums if not spans else (d for d in docnums if _inside(d, starts, spans)))
    return found


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

    def score(self, tf: float, length_code: int) -> float:
        """The score of a posting of weight ``tf`` in a document whose length codes to ``length_code``."""
        return self.idf * ((tf * (self.k1 + 1)) / (tf + self.norms[length_code]))


def add_scores(
    scores: dict[int, float],
    segment: SegmentReader,
    offset: int,
    fieldname: str,
    text: str,
    bm25: BM25,
    weight: float = 1.0,
    allowed: set[int] | None = None,
) -> None:
    """Adds ``weight`` times the ``bm25`` score of each live posting of ``text`` in one segment
    to ``scores`` (document numbered from ``offset`` → score), only for the documents ``allowed``."""
    lengths, norms, idf, k1_plus = field_lengths(segment, fieldname), bm25.norms, bm25.idf, bm25.k1 + 1
    for ids, weights in blocks(segment, fieldname, text):
        for docid, tf in zip(ids, weights, strict=True):
            docnum = offset + docid
            if allowed is None or docnum in allowed:
                score = idf * ((tf * k1_plus) / (tf + norms[lengths[docid]]))  # BM25.score, inlined: a call a posting
                scores[docnum] = scores.get(docnum, 0.0) + weight * score


#: Segment reader → field → its coded lengths (``field_lengths``); forgotten with the reader.
_LENGTHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
