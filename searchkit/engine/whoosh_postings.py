"""Posting lists read a block at a time, for the searches that read every posting of their terms.

Whoosh's matcher hands out one posting a call (``id()``, ``weight()``,
``next()``), each document's field length another call into its column, and
``all_ids()`` is a generator over those calls: some 2 µs of Python a posting,
0.3 s to score ``France OR pays OR monde`` (153,000 postings) at 100,000
articles, and as much again to count it.  A count and an OR of terms ranked by
summing their scores read every posting anyway, so here each block is decoded
whole (its pickled ids, delta-coded, summed by ``itertools.accumulate``) and a
field's lengths are read once a segment, one byte a document.

This leans on the block layout of Whoosh 2.7.4's W3 codec (pinned in
pyproject.toml): ``W3LeafMatcher``'s block walk and the one-byte length
column.  Any other matcher (postings inlined in a term's entry) is read
through its public interface.
"""

from __future__ import annotations

import pickle
import struct
import zlib
from collections.abc import Iterator, Sequence
from itertools import accumulate, repeat

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader, SegmentReader, TermNotFound
from whoosh.util.numeric import byte_to_length

Block = tuple[Sequence[int], Sequence[float]]  #: the ids of a block's postings (in its segment) and their weights


def blocks(segment: SegmentReader, fieldname: str, text: str) -> Iterator[Block]:
    """The live postings of ``text`` in ``fieldname`` of one segment, a block at a time."""
    try:
        matcher = segment.postings(fieldname, text)
    except TermNotFound:
        return
    deleted: frozenset[int] = frozenset()
    if isinstance(matcher, FilterMatcher):  # the segment's deletions, left out below
        matcher, deleted = matcher.child, frozenset(matcher._ids)
    for ids, weights in _raw_blocks(matcher):
        if deleted:
            kept = [(d, w) for d, w in zip(ids, weights, strict=True) if d not in deleted]
            ids, weights = [d for d, _ in kept], [w for _, w in kept]
        yield ids, weights


def _raw_blocks(matcher: Matcher) -> Iterator[Block]:
    if isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
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


def live_ids(reader: IndexReader, fieldname: str, text: str) -> set[int]:
    """The live documents (index-wide numbers) whose ``fieldname`` holds ``text``."""
    found: set[int] = set()
    for segment, offset in reader.leaf_readers():
        for ids, _ in blocks(segment, fieldname, text):
            found.update(map(offset.__add__, ids) if offset else ids)
    return found


def field_lengths(segment: SegmentReader, fieldname: str) -> bytes:
    """Each document's length in ``fieldname`` as the segment's length column codes it, a
    byte a document (``byte_to_length`` decodes it; 0 where the field is empty)."""
    column = segment._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    if column is None:
        return bytes(segment.doc_count_all())
    return column._dbfile.get(column._basepos, column._count).ljust(segment.doc_count_all(), b"\0")


def bm25_norms(k1: float, b: float, mean_length: float) -> list[float]:
    """BM25's length part ``K1 * ((1 - B) + B * fl / avgfl)`` for each of the 256 coded lengths:
    the same double Whoosh's ``scoring.bm25`` computes for the length the byte decodes to."""
    return [k1 * ((1 - b) + b * byte_to_length(code) / mean_length) for code in range(256)]
