"""Whoosh's writers as searchkit writes an index: an update's commit into the live
generation, a rebuild's writer processes in bounded segments, and the merge of
small segments.

Apart from ``whoosh_engine`` so that a search, which never writes, does not
import Whoosh's writers and multiprocessing: ``WhooshEngine.create`` and
``writer`` import this module.
"""

from __future__ import annotations

import marshal
import multiprocessing.queues
import os
import pickle
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from queue import Empty, Full

from whoosh.index import TOC
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import MERGE_SMALL, SegmentWriter

from ..articles import Article
from ..errors import WRITE_ERRNOS, IndexUnavailable
from ..lock import forking
from ..sentences import encode as encode_structure
from . import TEXT_FIELDS
from . import whoosh_operators as wq_operators
from . import whoosh_query as wq_compile
from .whoosh_engine import INDEX_NAME, term_counts_file

#: An update's commit merges segments of fewer articles than this, never larger ones (see ``_merge_small``).
MERGE_BELOW = 2000
#: A writer process of a rebuild closes its segment and starts the next when its
#: buffer is this full, so it never spills to sorted runs that a final merge
#: must read back; the margin keeps one long article from spilling.
SEGMENT_FILL = 0.8


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
    """Whoosh's segment writer, flushing with ``_Lengths``; with ``count_terms``, it
    also leaves beside each segment it writes the segment's text terms with their
    article counts, which the vocabulary file takes instead of reading them back
    through Whoosh (``whoosh_engine.WhooshIndex.vocabulary``)."""

    count_terms = False

    def _flush_segment(self) -> None:
        # Whoosh's ``_flush_segment``, its postings counted on the way and its lengths read once
        self.perdocwriter.close()
        lengths = _Lengths(self.per_document_reader()) if self.codec.length_stats else None
        postings = self.pool.iter_postings()
        counts: Counter = Counter()
        if self.count_terms:
            postings = _counted(postings, counts)
        self.fieldwriter.add_postings(self.schema, lengths, postings)
        self.fieldwriter.close()
        if lengths:
            lengths.close()
        if self.count_terms:
            write_term_counts(self.storage, self.get_segment().segment_id(), counts)


def _counted(postings: Iterator[tuple], counts: Counter) -> Iterator[tuple]:
    """``postings`` as they pass, the articles of each term counted into ``counts`` (a
    posting an article and term; the schema asks Whoosh for no spelling-graph words)."""
    for posting in postings:
        counts[posting[0], posting[1]] += 1
        yield posting


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


class TermCountingWriter(_Flushing):
    """The writer of a rebuild, and of each of its writer processes: its segments' terms
    counted for the vocabulary file.  (An update's segments are few and small: the
    vocabulary file reads them back.)"""

    count_terms = True


class WriterTask(SubWriterTask):
    """A writer process of a rebuild, writing bounded segments, that fails quietly.

    Whoosh's writer process keeps one segment, and past its memory spills
    sorted runs that its commit merges back, reading every posting of every run
    again: at 100,000 articles the last 7 of 17 minutes.  This one closes its
    segment when the posting buffer is ``SEGMENT_FILL`` full and starts another,
    so each segment is sorted in memory once and the cost of an article stays
    flat as the corpus grows.  Its segments reach the table of contents only at
    the parent's commit, so a killed rebuild leaves nothing live.

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
        self.segments = []
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            self.writer.cancel()
            return
        if self.writer.docnum:
            self.segments.append(self.writer._finalize_segment())
        else:
            self.writer._close_segment()
        self.resultqueue.put(self.segments, timeout=5)

    def _process_file(self, filename: str, doc_count: int) -> None:
        tempstorage = self.writer.temp_storage()
        with tempstorage.open_file(filename).raw_file() as jobs:
            for _ in range(doc_count):
                _, fields = pickle.load(jobs)
                self.writer.add_document(**_analysed(fields))
                pool = self.writer.pool
                if pool.currentsize >= pool.limit * SEGMENT_FILL:
                    self.segments.append(self.writer._finalize_segment())
                    self.writer = TermCountingWriter(self._ix, _lk=False, **self.kwargs)
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
