"""Whoosh's writers as searchkit writes an index: an update's commit into the live
generation, a rebuild's writer processes (one segment each, their postings
written in bounded runs), and the merge of small segments.

Apart from ``whoosh_engine`` so that a search, which never writes, does not
import Whoosh's writers and multiprocessing: ``WhooshEngine.create`` and
``writer`` import this module.
"""

from __future__ import annotations

import heapq
import marshal
import multiprocessing.queues
import os
import pickle
import struct
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import suppress
from itertools import groupby
from operator import itemgetter
from queue import Empty, Full

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.index import TOC
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import pack_ushort, unpack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import MERGE_SMALL, PostingPool, SegmentWriter

from ..articles import Article
from ..errors import WRITE_ERRNOS, IndexUnavailable
from ..lock import forking
from ..sentences import encode as encode_structure
from . import TEXT_FIELDS
from . import whoosh_operators as wq_operators
from . import whoosh_query as wq_compile
from .whoosh_engine import INDEX_NAME, WordPositions, term_counts_file

#: An update's commit merges segments of fewer articles than this, never larger ones (see ``_merge_small``).
MERGE_BELOW = 2000
#: A rebuild's posting blocks are compressed from this size of their data on (a block tells
#: Whoosh's reader whether it is): zlib makes smaller ones larger, and each call costs
#: some 13 µs whatever the size, a tenth of a writer process's time (most terms are rare).
COMPRESSED_FROM = 96
#: A writer process of a rebuild writes its buffered postings out as a run when its
#: buffer is this full, before Whoosh would spill them to sorted runs of single
#: postings that its flush must merge back; the margin keeps one long article from spilling.
RUN_FILL = 0.8


def _document(article: Article, indexed: int) -> dict:
    doc = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "origin": article.origin,
        "hash": article.content_hash.encode(),
        "indexed": indexed,
        "origin_file": article.origin_file.encode(),
    }
    if article.date:
        doc["date"] = article.date
        doc["day"] = wq_compile.day_number(article.date)
    if article.source:
        doc["source"] = article.source
        doc["source_name"] = article.source.encode()
    if article.url:
        doc["url"] = article.url
    return doc


def _analysed(fields: dict) -> dict:
    """``fields`` with the sentence and paragraph structure of the article, the costliest
    step of an article outside Whoosh's own analysis: done where the document is written,
    in a rebuild's writer processes, not in the parent that reads the corpus for them
    (there it took 4.0 of 8.8 s on 3,000 Le Monde articles, the writers waiting)."""
    fields[wq_operators.STRUCTURE_COLUMN] = encode_structure(fields["title"], fields["body"])
    return fields


class _Lengths:
    """The field lengths of the documents of a segment being flushed, read once a
    document and field: Whoosh's flush asks its per-document reader for them once
    a posting, a seek and a read each time (a tenth of a writer process's time)."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._fields: dict[str, list] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        lengths = self._fields.get(fieldname)
        if lengths is None:
            read = self._reader.doc_field_length
            lengths = [read(d, fieldname, default) for d in range(self._reader.doc_count_all())]
            self._fields[fieldname] = lengths
        return lengths[docnum]

    def close(self) -> None:
        self._reader.close()


class _Flushing(SegmentWriter):
    """Whoosh's segment writer, flushing with ``_Lengths``."""

    def _flush_segment(self) -> None:
        # Whoosh's ``_flush_segment``, its lengths read once
        self.perdocwriter.close()
        lengths = _Lengths(self.per_document_reader()) if self.codec.length_stats else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if lengths:
            lengths.close()


def _write_postings(fieldwriter, schema, lengths: _NotedLengths, terms: Iterator[tuple], counts: Counter) -> None:
    """Writes ``terms`` ((field, term, postings), sorted; ``_TermPool.terms``) through
    ``fieldwriter`` in Whoosh 3's format, counting each term's articles into ``counts``.

    Whoosh's ``add_postings`` makes some ten calls a posting and builds a term
    info and a block buffer a term, most terms holding an article or two: the
    flush was half of a writer process's time.  Here a term's blocks are
    encoded at once (``_term_postings``): the files are those Whoosh writes,
    byte for byte, but for the blocks under ``COMPRESSED_FROM`` bytes, left
    uncompressed (a test)."""
    postfile, tindex = fieldwriter._postfile, fieldwriter._tindex
    current = None
    for fieldname, btext, postings in terms:
        if fieldname != current:
            if current is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            blocks = _BlockFormat(fieldwriter._postwriter, schema[fieldname].format)
            key = pack_ushort(fieldwriter._fieldid)
            field_lengths = lengths.of(fieldname)
            current = fieldname
        counts[fieldname, btext] = len(postings)
        offset = postfile.tell()
        info = _term_postings(postfile, blocks, postings, field_lengths)
        tindex.add(key + btext, info + _EXTENT.pack(offset, postfile.tell() - offset))
    if current is not None:
        fieldwriter.finish_field()


class _BlockFormat:
    """How a field's posting blocks are cut and encoded: the block size and
    compression of Whoosh's postings writer, the value size of the field's format."""

    def __init__(self, postwriter, format_) -> None:
        if postwriter._inlinelimit > 1:  # Whoosh 3 inlines no postings unless told to
            raise ValueError("postings inlined in their term info are not written here")
        self.size = postwriter._blocklimit
        self.compression = postwriter._compression
        self.value_size = format_.fixed_value_size()


def _term_postings(postfile, blocks: _BlockFormat, postings: list[tuple], field_lengths: dict[int, int]) -> bytes:
    """Writes one term's ``postings`` as Whoosh 3's posting blocks (``W3PostingsWriter``;
    the small ones uncompressed) and returns its term info (``W3TermInfo.to_bytes``) but
    for where they are."""
    postfile.write(WHOOSH3_HEADER_MAGIC)
    total_weight = 0.0
    max_weight = 0
    min_length, max_length = None, 0
    last = len(postings) - 1
    for start in range(0, len(postings), blocks.size):
        block = postings[start : start + blocks.size]
        ids = [posting[2] for posting in block]
        given = [posting[3] for posting in block]
        weights = array("f", given)  # as stored
        block_max = max(0, *given)
        known = [length for length in map(field_lengths.get, ids) if length]
        low, high = (min(known), max(known)) if known else (None, 0)
        total_weight += sum(weights)
        max_weight = max(max_weight, block_max)
        min_length = low if min_length is None else min(min_length, low)
        max_length = max(max_length, high)
        data = pickle.dumps((_gaps(ids), _mini_weights(weights), _mini_values(block, blocks.value_size)), 2)
        compression = blocks.compression if len(data) >= COMPRESSED_FROM else 0
        if compression:
            data = zlib.compress(data, compression)
        head = pickle.dumps((len(ids), ids[-1], block_max, compression, length_to_byte(low), length_to_byte(high)), 2)
        size = len(head) + len(data)
        postfile.write(_BLOCK_LENGTH.pack(-size if start + blocks.size > last else size) + head + data)
    return _TERM_INFO.pack(
        0,
        total_weight,
        len(postings),
        0 if min_length is None else length_to_byte(min_length),
        length_to_byte(max_length),
        max_weight,
        postings[0][2],
        postings[-1][2],
    )


def _gaps(ids: list[int]) -> tuple[int, ...]:
    """Article numbers as Whoosh's block stores them: each less the one before."""
    return tuple(b - a for a, b in zip([0, *ids[:-1]], ids, strict=True))


def _mini_weights(weights: array):
    """Weights as Whoosh's block stores them: none when all are 1, one when all are equal."""
    if all(w == 1.0 for w in weights):
        return None
    if all(w == weights[0] for w in weights):
        return weights[0]
    return tuple(weights)


def _mini_values(block: list[tuple], value_size: int | None):
    """Values as Whoosh's block stores them (empty ones left out): a tuple when their
    size varies, nothing when it is 0, else joined."""
    values = [posting[4] for posting in block if posting[4]]
    if value_size is None or value_size < 0:
        return tuple(values)
    if value_size == 0:
        return None
    return b"".join(values)


def write_term_counts(storage, segment: str, counts: Counter) -> None:
    """Leaves ``counts`` ((field, term) → articles, in the postings' order: by field,
    then term) beside ``segment``, whole or not at all, its CRC32 first
    (``whoosh_engine.read_term_counts``)."""
    path = os.path.join(storage.folder, term_counts_file(segment))
    rows = [(field, term.decode("utf-8"), n) for (field, term), n in counts.items() if field in TEXT_FIELDS]
    data = marshal.dumps(rows)
    with open(path + ".tmp", "wb") as out:
        out.write(zlib.crc32(data).to_bytes(4, "big") + data)
    os.replace(path + ".tmp", path)


class InPlaceWriter(_Flushing):
    """Whoosh's writer of an update, which commits into the live generation,
    leaving the previous commit's files for the searches reading it."""

    def _commit_toc(self, segments) -> None:
        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        clean_files_but_previous(self.storage, self.generation, segments)


def clean_files_but_previous(storage, commit: int, segments) -> None:
    """Whoosh's ``clean_files`` (the tables of contents and segment files of
    other commits than ``commit`` are deleted), keeping the previous commit's.

    Whoosh deletes them at each commit, but a search that listed the previous
    table of contents an instant before opens it after, and a reader opens a
    segment's column files (stored fields, lengths) only when it first needs
    them: both found their files gone and reported the index damaged.  A
    search that outlives two commits can still lose them, as one that
    outlives two rebuilds loses its generation (``searchkit.generations``).
    """
    kept_commits = {commit, commit - 1}
    kept_segments = {segment.segment_id() for segment in segments}
    if storage.file_exists(TOC._filename(INDEX_NAME, commit - 1)):
        with suppress(Exception):  # unreadable: nothing of it worth keeping
            kept_segments |= {s.segment_id() for s in TOC.read(storage, INDEX_NAME, commit - 1).segments}
    tocs, segment_files = TOC._pattern(INDEX_NAME), TOC._segment_pattern(INDEX_NAME)
    for filename in list(storage):
        toc, segment = tocs.match(filename), segment_files.match(filename)
        if (toc and int(toc.group(1)) not in kept_commits) or (segment and segment.group(1) not in kept_segments):
            with suppress(OSError):
                storage.delete_file(filename)


class Writer:
    """A Whoosh writer behind ``searchkit.engine.IndexWriter``."""

    def __init__(self, writer) -> None:
        self._writer = writer

    def _fields(self, article: Article, indexed: int) -> dict:
        fields = _document(article, indexed)
        # a rebuild's writer processes analyse the documents they write (``WriterTask``)
        return fields if isinstance(self._writer, ParallelWriter) else _analysed(fields)

    def add(self, article: Article, indexed: int) -> None:
        self._writer.add_document(**self._fields(article, indexed))

    def replace(self, article: Article, indexed: int) -> None:
        self._writer.update_document(**self._fields(article, indexed))

    def delete(self, article_id: str) -> None:
        self._writer.delete_by_term("id", article_id)

    def commit(self, optimize: bool = False) -> None:
        if optimize:
            self._writer.commit(optimize=True)
        else:
            self._writer.commit(mergetype=_merge_small)
        if isinstance(self._writer, ParallelWriter):
            self._writer.check_tasks()

    def cancel(self) -> None:
        with suppress(Exception):  # a writer that failed half-way may not cancel cleanly; its files go anyway
            self._writer.cancel()


def _merge_small(writer: SegmentWriter, segments: list) -> list:
    """Whoosh's merge of small segments, over the segments of fewer than
    ``MERGE_BELOW`` articles only; returns the segments left as they are.

    Whoosh's own policy weighs every segment: with a rebuild's twenty-odd
    segments its merge point falls past the largest, and the third
    one-article update of a 100,000-article index rewrote all of it (minutes).
    Here an update's commit merges at most ``MERGE_BELOW`` articles' worth of
    segments; a merged segment that outgrows it is left alone from then on."""
    small = [segment for segment in segments if segment.doc_count_all() < MERGE_BELOW]
    kept = MERGE_SMALL(writer, small)
    return [segment for segment in segments if segment not in small] + list(kept)


# --- the multiprocess writer, in bounded segments, made stoppable ------------------------------


class _TermPool(PostingPool):
    """A rebuild writer's buffered postings, a list a field.

    Whoosh's pool keeps one list of postings and sorts it whole at the flush
    (a third of the flush: tuples of str and bytes compared one by one); a
    term's postings arrive in article order, so here a field's postings are
    sorted by term alone, a stable sort.  It never spills to sorted runs of
    single postings as Whoosh's does: the writer writes its own runs before
    the buffer fills (``RUN_FILL``), so only one article past the margin (at
    most ``corpus.MAX_BODY_CHARS`` characters) can take it over its size."""

    def __init__(self, tempstore, segment, limit: float) -> None:
        super().__init__(tempstore, segment, limitmb=limit / (1024 * 1024))
        self._fields: defaultdict[str, list[tuple]] = defaultdict(list)

    def add(self, item: tuple) -> None:
        # Whoosh's own paths (a reader's postings merged in) add one posting at a time:
        # item = (field, term, article number, weight, value), its size counted as Whoosh's pool does
        self._fields[item[0]].append(item)
        self.currentsize += 150 + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")

    def add_field(self, fieldname: str, docnum: int, items: list[tuple], boost: float) -> None:
        """Adds the postings of one article's field, ``items`` being what ``FieldType.index``
        yields, (term, frequency, weight, value): as ``add`` would, one by one."""
        self._fields[fieldname].extend(
            [(fieldname, term, docnum, weight * boost, value) for term, _, weight, value in items]
        )
        self.currentsize += (
            (150 + len(fieldname)) * len(items)
            + 2 * sum([len(item[0]) for item in items])
            + sum([len(item[3] or b"") for item in items])
        )

    def empty(self) -> bool:
        return not self.currentsize

    def terms(self) -> Iterator[tuple[str, bytes, list[tuple]]]:
        """(field, term, its postings in article order), by field then term."""
        for fieldname in sorted(self._fields):
            for btext, postings in groupby(sorted(self._fields[fieldname], key=_TERM), _TERM):
                yield fieldname, btext, list(postings)


_TERM = itemgetter(1)  #: a posting's term


class TermCountingWriter(SegmentWriter):
    """The writer of a rebuild, and of each of its writer processes: it leaves beside
    its segment the segment's text terms with their article counts, which the
    vocabulary file takes instead of reading them back through Whoosh
    (``whoosh_engine.WhooshIndex.vocabulary``).  (An update's segments are few and
    small: the vocabulary file reads them back.)

    A writer process's buffer fills many times over a large corpus (and the
    one writer's, on one core).  Each time it is ``RUN_FILL`` full,
    ``write_run`` writes what it holds as a run: the terms and posting blocks of
    a stretch of the segment's articles, in Whoosh's own format, in the writer's
    temporary folder.  The segment's files are then made from its runs by
    copying each term's blocks one run after another (``_merge_runs``): the
    articles of a run all come after those of the run before and are numbered
    within the one segment, so no block is decoded again.  A writer
    leaves one segment whatever the corpus size (they were 52 at 300,000
    articles, one a buffer, and every search opens each)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pool = _TermPool(self._tempstorage, self.newsegment, self.pool.limit)
        self._runs: list = []  #: the runs written, in the order of their articles
        self._lengths = _NotedLengths()  #: of the articles buffered

    def add_document(self, **fields) -> None:
        # Whoosh's ``SegmentWriter.add_document`` (2.7.4, whose schema has no spelling or vector
        # fields here), a field's postings put in the pool at once: four calls a posting
        # were a tenth of a writer process's time.  A run is written before the segment's
        # lengths are: each article's are noted as it is added.
        self._check_state()
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields if not name.startswith("_")])
        self._check_fields(self.schema, fieldnames)
        self.perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields[fieldname]
            if value is None:
                continue
            field = self.schema[fieldname]
            if field.separate_spelling() or field.vector:
                raise ValueError(f"field {fieldname}: spelling words and vectors are not written here")
            length = 0
            if field.indexed:
                if isinstance(field.format, WordPositions) and isinstance(value, str):
                    items = [(t.encode(), n, w, v) for t, n, w, v in field.format.postings(value, field.analyzer)]
                else:
                    items = list(field.index(value))
                self.pool.add_field(fieldname, docnum, items, self._field_boost(fields, fieldname, docboost))
                if field.scorable:
                    length = sum([item[1] for item in items])
                    self._lengths.note(docnum, fieldname, length)
            stored = fields.get(f"_stored_{fieldname}", value)
            self.perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
            if field.column_type and stored is not None:
                self.perdocwriter.add_column_value(fieldname, field.column_type, field.to_column_value(stored))
        self.perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        if self.pool.currentsize >= self.pool.limit * RUN_FILL:
            self.write_run()

    def write_run(self) -> None:
        """Writes the buffered postings as a run and empties the buffer."""
        run = self.codec.new_segment(self._tempstorage, "run")
        writer = self.codec.field_writer(self._tempstorage, run)
        _write_postings(writer, self.schema, self._lengths, self.pool.terms(), Counter())
        writer.close()
        self.pool = _TermPool(self._tempstorage, self.newsegment, self.pool.limit)
        self._lengths = _NotedLengths()
        self._runs.append(run)

    def _flush_segment(self) -> None:
        # Whoosh's ``_flush_segment``, with the lengths noted and the terms counted, from the runs if any
        self.perdocwriter.close()
        if self._runs:
            if not self.pool.empty():  # not when the last article filled the buffer
                self.write_run()
            counts = _merge_runs(self.codec, self._tempstorage, self._runs, self.fieldwriter, self.schema)
        else:
            counts = Counter()
            _write_postings(self.fieldwriter, self.schema, self._lengths, self.pool.terms(), counts)
        self.fieldwriter.close()
        for run in self._runs:
            for ext in (".trm", ".pst"):
                self._tempstorage.delete_file(run.make_filename(ext))
        write_term_counts(self.storage, self.get_segment().segment_id(), counts)


_TERM_INFO = struct.Struct("!BfIBBfII")  #: Whoosh 3's term info: inlined, weight, articles, lengths, max weight, ids
_EXTENT = struct.Struct("!qi")  #: and where its postings are: offset and length
_BLOCK_LENGTH = struct.Struct("!i")  #: a posting block's length, negative for a term's last block


class _NotedLengths:
    """The field lengths of articles as the segment's reader will give them (Whoosh
    stores a length as a byte), noted as each is added: what it added to the totals."""

    def __init__(self) -> None:
        self._fields: defaultdict[str, dict[int, int]] = defaultdict(dict)

    def note(self, docnum: int, fieldname: str, length: int) -> None:
        if length:
            byte = length_to_byte(length)
            self._fields[fieldname][docnum] = byte_to_length(byte) if byte else 0

    def of(self, fieldname: str) -> dict[int, int]:
        """The lengths of ``fieldname`` by article number (none: 0)."""
        return self._fields.get(fieldname, {})


def _merge_runs(codec, storage, runs: list, fieldwriter, schema) -> Counter:
    """Writes the terms and postings of ``runs`` (in the order of their articles) through
    ``fieldwriter`` as one segment's; returns the articles of each text term.

    A term's postings are its blocks in each run that holds it, one run after
    another: the postings header once, and every run's last block but the
    last marked as followed by more.  Its term info adds up the runs': the
    same statistics as Whoosh's writer keeps (block boundaries aside, the
    same postings)."""
    counts: Counter = Counter()
    readers = []
    try:
        for run in runs:
            readers.append(codec.terms_reader(storage, run))
        postings = [reader._postfile for reader in readers]
        fieldname = None
        group: list[tuple] = []
        for entry in heapq.merge(*(_run_terms(reader, number) for number, reader in enumerate(readers))):
            if group and entry[:2] != group[0][:2]:
                _write_term(group, postings, fieldwriter, counts)
                group = []
            if entry[0] != fieldname:
                if fieldname is not None:
                    fieldwriter.finish_field()
                fieldname = entry[0]
                fieldwriter.start_field(fieldname, schema[fieldname])
            group.append(entry)
        if group:
            _write_term(group, postings, fieldwriter, counts)
        if fieldname is not None:
            fieldwriter.finish_field()
    finally:
        for reader in readers:
            reader.close()
    return counts


def _run_terms(reader, number: int) -> Iterator[tuple[str, bytes, int, bytes]]:
    """(field, term, run number, term info) of each term of a run, in order."""
    names = reader._fieldunmap
    for key, info in reader._tindex.items():
        yield names[unpack_ushort(key[:2])[0]], key[2:], number, info


def _write_term(group: list[tuple], postings: list, fieldwriter, counts: Counter) -> None:
    """Writes one term's postings, from the runs of ``group`` that hold it, and its term info."""
    fieldname, btext = group[0][0], group[0][1]
    postfile = fieldwriter._postfile
    offset = postfile.tell()
    weight = df = maxlength = 0
    minlength, maxweight, firstid, lastid = 255, 0.0, None, None
    length = 0
    for at, (_, _, number, info) in enumerate(group):
        inlined, w, d, low, high, most, first, last = _TERM_INFO.unpack_from(info)
        if inlined:  # Whoosh 3 inlines no postings unless told to: a run never holds any
            raise ValueError(f"a run holds inlined postings for {fieldname}:{btext!r}")
        start, size = _EXTENT.unpack_from(info, _TERM_INFO.size)
        blocks = postings[number].get(start, size)
        if at:
            blocks = blocks[len(WHOOSH3_HEADER_MAGIC) :]
        if at < len(group) - 1:
            blocks = _followed(blocks, len(WHOOSH3_HEADER_MAGIC) if at == 0 else 0)
        postfile.write(blocks)
        length += len(blocks)
        weight, df = weight + w, df + d
        minlength, maxlength, maxweight = min(minlength, low), max(maxlength, high), max(maxweight, most)
        firstid = first if firstid is None else firstid
        lastid = last
    info = _TERM_INFO.pack(0, weight, df, minlength, maxlength, maxweight, firstid, lastid)
    fieldwriter._tindex.add(pack_ushort(fieldwriter._fieldid) + btext, info + _EXTENT.pack(offset, length))
    if fieldname in TEXT_FIELDS:
        counts[fieldname, btext] = df


def _followed(blocks: bytes, at: int) -> bytes:
    """A term's ``blocks`` (the first from ``at``) with the last no longer marked as last."""
    while True:
        (length,) = _BLOCK_LENGTH.unpack_from(blocks, at)
        if length < 0:
            return blocks[:at] + _BLOCK_LENGTH.pack(-length) + blocks[at + _BLOCK_LENGTH.size :]
        at += _BLOCK_LENGTH.size + length


class WriterTask(SubWriterTask):
    """A writer process of a rebuild, writing one segment in bounded runs, that fails quietly.

    Whoosh's writer process keeps one segment, and past its memory spills
    sorted runs of single postings that its commit merges back, reading every
    posting of every run again: at 100,000 articles the last 7 of 17 minutes.
    This one writes its buffer out as a run of encoded posting blocks when it
    is ``RUN_FILL`` full (``TermCountingWriter.write_run``), and its segment's
    postings are those runs' blocks copied one after another, so the cost of
    an article stays flat as the corpus grows.  Its segment reaches the table
    of contents only at the parent's commit, so a killed rebuild leaves
    nothing live.

    It exits with the error number of an ``OSError`` (a full disk) as its code,
    which the parent reports in one line.
    """

    def run(self) -> None:
        try:
            self._write()
        except OSError as error:
            os._exit(error.errno if error.errno and error.errno < 256 else 1)
        except BaseException:
            os._exit(1)

    def _write(self) -> None:
        self._ix = self.storage.open_index(self.indexname)
        self.writer = TermCountingWriter(self._ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            self.writer.cancel()
            return
        if self.writer.docnum:
            segments = [self.writer._finalize_segment()]
        else:
            self.writer._close_segment()
            segments = []
        self.resultqueue.put(segments, timeout=5)

    def _process_file(self, filename: str, doc_count: int) -> None:
        tempstorage = self.writer.temp_storage()
        with tempstorage.open_file(filename).raw_file() as jobs:
            for _ in range(doc_count):
                _, fields = pickle.load(jobs)
                self.writer.add_document(**_analysed(fields))
        tempstorage.delete_file(filename)


class _WatchedQueue:
    """The writers' job queue, whose ``put`` gives up when a writer process
    died: the queue is bounded, and with its readers gone (a full disk ends
    them) a plain ``put`` would wait for ever."""

    def __init__(self, queue: multiprocessing.queues.Queue, check: Callable[[], None]) -> None:
        self.queue = queue
        self._check = check

    def put(self, item) -> None:
        while True:
            try:
                self.queue.put(item, timeout=0.5)
                return
            except Full:
                self._check()

    def __getattr__(self, name: str):
        return getattr(self.queue, name)


class ParallelWriter(MpWriter):
    """Whoosh's multiprocess writer, with writer processes that can be stopped.

    Whoosh's own ``cancel`` only flags its copy of each process object, so a
    cancelled or interrupted build left the processes blocked on their job
    queue for ever, and the parent waiting for them at exit.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.jobqueue = _WatchedQueue(self.jobqueue, self.check_tasks)

    def _new_task(self):
        task = WriterTask(
            self.storage, self.indexname, self.jobqueue.queue, self.resultqueue, self.subargs, self.multisegment
        )
        self.tasks.append(task)
        with forking():
            task.start()
        return task

    def _commit(self, mergetype, optimize, merge) -> None:
        """Whoosh's multisegment commit, taking every segment each writer process wrote."""
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self.jobqueue.put(None)
        segments = self._merge_segments(mergetype, optimize, merge)
        for task in self.tasks:
            task.join()
        self.check_tasks()
        for _ in self.tasks:
            with suppress(Empty):  # a lost result is caught by the rebuild's count of articles
                segments.extend(self.resultqueue.get(timeout=5))
        if self._added:
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(segments)
        self._finish()

    def cancel(self) -> None:
        self.stop_tasks()
        super().cancel()

    def stop_tasks(self) -> None:
        for task in self.tasks:
            if task.is_alive():
                task.kill()
            task.join(5)
        for channel in (self.jobqueue, self.resultqueue):
            channel.cancel_join_thread()  # nothing will read what is left in it
            channel.close()

    def check_tasks(self) -> None:
        """Raises the error of a writer process that failed (exited before it was told to)."""
        failed = [task.exitcode for task in self.tasks if task.exitcode]
        if failed:
            code = failed[0]
            if code in WRITE_ERRNOS:
                raise OSError(code, os.strerror(code))
            raise IndexUnavailable(f"a writer process failed (exit {code}); the live index was left as it was")
