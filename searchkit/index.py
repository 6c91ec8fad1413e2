"""The index life cycle: schema, building, incremental updates, the writer lock.

An index folder holds *generations*, each a complete Whoosh index, and a
``CURRENT`` file naming the live one::

    index/
      CURRENT          "gen-000002"
      gen-000002/      the live Whoosh index, with searchkit.json (build facts)
      gen-000001/      the previous one, kept for searches still reading it
      .lock            held (flock) by the one process writing

A full rebuild writes a new generation beside the live one and swaps
``CURRENT`` with an atomic rename, so searches never see a half-built index and
a killed rebuild leaves the old one intact.  An incremental update commits into
the live generation, which Whoosh makes atomic by writing its table of contents
last.  The kernel drops an ``flock`` when its holder dies, so a lock left by a
killed process is simply taken over.
"""

from __future__ import annotations

import datetime as _dt
import errno
import fcntl
import gzip
import json
import os
import resource
import shutil
import socket
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path

from whoosh import fields, index
from whoosh.analysis import RegexTokenizer

from .analysis import ANALYSIS_VERSION, FRENCH_STOP_WORDS, WORD_PATTERN, FoldFilter, word_analyzer
from .corpus import JSONL_SUFFIXES, Article, Rejection, corpus_files, read_corpus
from .errors import IndexLocked, IndexUnavailable, UsageError
from .variants import write_variants

#: Bumped when the fields change; like ANALYSIS_VERSION, a mismatch means rebuild.
SCHEMA_VERSION = 3
DEFAULT_INDEX_DIR = Path("index")
DEFAULT_CORPUS_DIR = Path("corpus")
INDEX_ENV = "SEARCHKIT_INDEX"
META_FILE = "searchkit.json"
CURRENT_FILE = "CURRENT"
LOCK_FILE = ".lock"
DEFAULT_LOCK_WAIT = 30.0
#: A rebuild of at least this many articles runs on several processes.
PARALLEL_THRESHOLD = 2000
MAX_PROCS = 4
WRITER_MB = 2048  #: memory for the writers' posting buffers, all processes together
# Segments are written as separate files, not Whoosh's default compound file:
# opening a compound segment copies each of its parts into memory (BytesIO over
# the mmap), which made every fresh `searchkit search` read the whole index.


def build_schema() -> fields.Schema:
    """The fields of an article.

    ``title`` and ``body`` hold word terms and name spellings with positions
    (for phrases); ``hash`` is a column, read in one go by an incremental
    update to find changed articles.
    """
    words = word_analyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        title=fields.TEXT(analyzer=words, stored=True, phrase=True),
        body=fields.TEXT(analyzer=words, stored=True, phrase=True),
        date=fields.ID(stored=True, sortable=True),
        source=fields.TEXT(analyzer=RegexTokenizer(WORD_PATTERN) | FoldFilter(), stored=True, phrase=False),
        source_name=fields.COLUMN(),
        url=fields.STORED(),
        origin=fields.STORED(),
        hash=fields.COLUMN(),
    )


def resolve_index_dir(index_dir: Path | None) -> Path:
    """``--index``, else ``$SEARCHKIT_INDEX``, else ``./index``."""
    if index_dir is not None:
        return index_dir
    return Path(os.environ[INDEX_ENV]) if os.environ.get(INDEX_ENV) else DEFAULT_INDEX_DIR


@dataclass
class IndexReport:
    """What one ``index`` run did, for people and for scripts."""

    index_dir: str
    mode: str  #: "rebuild" or "update"
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0
    documents: int = 0
    index_bytes: int = 0
    peak_memory_bytes: int = 0  #: peak resident memory of the indexing process
    writer_memory_bytes: int = 0  #: peak of the largest writer process (parallel rebuilds)

    @property
    def docs_per_second(self) -> float:
        indexed = self.added + self.updated
        return indexed / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict:
        return {
            "index": self.index_dir,
            "mode": self.mode,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "rejected": [{"file": r.path, "line": r.line, "reason": r.reason} for r in self.rejected],
            "documents": self.documents,
            "seconds": round(self.seconds, 3),
            "docs_per_second": round(self.docs_per_second, 1),
            "index_bytes": self.index_bytes,
            "peak_memory_bytes": self.peak_memory_bytes,
            "writer_memory_bytes": self.writer_memory_bytes,
        }


# --- locking -----------------------------------------------------------------


@contextmanager
def writer_lock(index_dir: Path, wait: float = DEFAULT_LOCK_WAIT) -> Iterator[None]:
    """Holds the index's writer lock, waiting up to ``wait`` seconds for it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = path.read_text(errors="replace").strip() or "another process"
                    raise IndexLocked(f"index {index_dir} is locked by {holder}; waited {wait:g}s") from None
                time.sleep(0.1)
        holder = f"pid {os.getpid()} on {socket.gethostname()} since {_now()}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode(), 0)
        yield
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing drops the flock


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


# --- generations ---------------------------------------------------------------


def current_generation(index_dir: Path) -> Path | None:
    """The live generation's folder, or None when the index was never built."""
    try:
        name = (index_dir / CURRENT_FILE).read_text().strip()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise IndexUnavailable(f"cannot read index {index_dir}: {error.strerror}") from None
    return index_dir / name


def _generations(index_dir: Path) -> list[Path]:
    return sorted(p for p in index_dir.glob("gen-*") if p.is_dir())


def _new_generation(index_dir: Path) -> Path:
    existing = _generations(index_dir)
    number = int(existing[-1].name.split("-")[1]) + 1 if existing else 1
    path = index_dir / f"gen-{number:06d}"
    path.mkdir()
    return path


def _publish(index_dir: Path, generation: Path) -> None:
    """Makes ``generation`` live with one atomic rename."""
    temp = index_dir / f".{CURRENT_FILE}.tmp"
    temp.write_text(generation.name)
    os.replace(temp, index_dir / CURRENT_FILE)


def _remove_stale_generations(index_dir: Path) -> None:
    """Removes generations other than the live one and the one just before it.

    The previous one stays because a search that started before the swap may
    still be reading it; generations above the live one are leftovers of a
    rebuild that was killed.
    """
    live = current_generation(index_dir)
    keep = {live}
    older = [g for g in _generations(index_dir) if live is not None and g.name < live.name]
    if older:
        keep.add(older[-1])
    for generation in _generations(index_dir):
        if generation not in keep:
            shutil.rmtree(generation, ignore_errors=True)


def read_meta(generation: Path) -> dict:
    try:
        return json.loads((generation / META_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _write_meta(generation: Path, meta: dict) -> None:
    temp = generation / f".{META_FILE}.tmp"
    temp.write_text(json.dumps(meta, indent=2))
    os.replace(temp, generation / META_FILE)


def _compatible(meta: dict) -> bool:
    return meta.get("analysis_version") == ANALYSIS_VERSION and meta.get("schema_version") == SCHEMA_VERSION


def open_index(index_dir: Path) -> index.Index:
    """The live Whoosh index; ``IndexUnavailable`` when there is none usable."""
    generation = current_generation(index_dir)
    if generation is None or not index.exists_in(str(generation)):
        raise IndexUnavailable(f"no index at {index_dir}: run `searchkit index` first")
    meta = read_meta(generation)
    if not _compatible(meta):
        built = f"analysis {meta.get('analysis_version', '?')}, schema {meta.get('schema_version', '?')}"
        raise IndexUnavailable(
            f"index {index_dir} was built by another version of searchkit ({built}; "
            f"this one reads analysis {ANALYSIS_VERSION}, schema {SCHEMA_VERSION}): run `searchkit index --rebuild`"
        )
    try:
        return index.open_dir(str(generation))
    except Exception as error:  # Whoosh raises many kinds on a damaged index
        raise IndexUnavailable(f"index {index_dir} is damaged ({error}): run `searchkit index --rebuild`") from None


def index_exists(index_dir: Path) -> bool:
    generation = current_generation(index_dir)
    return generation is not None and index.exists_in(str(generation))


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --- building ------------------------------------------------------------------


ProgressHandler = Callable[[int], None]


def _document(article: Article) -> dict:
    doc = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "origin": article.origin,
        "hash": article.content_hash.encode(),
    }
    if article.date:
        doc["date"] = article.date
    if article.source:
        doc["source"] = article.source
        doc["source_name"] = article.source.encode()
    if article.url:
        doc["url"] = article.url
    return doc


def build_index(
    paths: Iterable[Path],
    index_dir: Path,
    *,
    rebuild: bool = False,
    optimize: bool = False,
    wait: float = DEFAULT_LOCK_WAIT,
    on_reject: Callable[[Rejection], None] | None = None,
    on_progress: ProgressHandler | None = None,
) -> IndexReport:
    """Brings the index in line with the corpus at ``paths``.

    By default an update: only new, changed (by content hash) and removed
    articles are written.  A full rebuild happens with ``rebuild``, on the first
    run, and when the index was built by another analysis version.
    """
    paths = [Path(p) for p in paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        # Refused before the lock is taken: an update from a mistyped path
        # would otherwise remove every article of the index.
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    started = time.perf_counter()
    with writer_lock(index_dir, wait):
        _remove_stale_generations(index_dir)
        live = current_generation(index_dir)
        full = rebuild or live is None or not index.exists_in(str(live)) or not _compatible(read_meta(live))
        report = IndexReport(index_dir=str(index_dir), mode="rebuild" if full else "update")

        def reject(rejection: Rejection) -> None:
            report.rejected.append(rejection)
            if on_reject is not None:
                on_reject(rejection)

        articles = read_corpus(paths, reject)
        if full:
            generation = _new_generation(index_dir)
            _rebuild(generation, articles, report, on_progress)
        else:
            generation = live
            _update(generation, articles, report, on_progress, optimize)
        _write_meta(
            generation,
            {
                "analysis_version": ANALYSIS_VERSION,
                "schema_version": SCHEMA_VERSION,
                "created": read_meta(generation).get("created") or _now(),
                "updated": _now(),
                "corpus": [str(p) for p in paths],
            },
        )
        if full or report.added or report.updated or report.removed:
            with index.open_dir(str(generation)).reader() as reader:
                write_variants(reader, generation)
        if full:
            _publish(index_dir, generation)
            _remove_stale_generations(index_dir)
        report.index_bytes = folder_size(generation)
    report.seconds = time.perf_counter() - started
    report.peak_memory_bytes = _peak_memory()
    # Forked writers (multiprocessing), so their peak is their own; kibibytes on Linux.
    report.writer_memory_bytes = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return report


def _peak_memory() -> int:
    """Peak resident memory of this process (its high-water mark).

    Read from /proc rather than ``getrusage``: a process started by vfork
    reports its parent's memory as its own peak.  Writer processes of a
    parallel rebuild are reported apart; each buffers at most WRITER_MB / procs.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def count_articles(paths: Iterable[Path]) -> int:
    """A quick count of the articles under ``paths`` (lines of JSON Lines files,
    one a native file), for a progress bar's total; bad lines count too."""
    total = 0
    for path in corpus_files(Path(p) for p in paths):
        name = path.name.lower()
        if not name.endswith(JSONL_SUFFIXES):
            total += 1
            continue
        opener = gzip.open if name.endswith(".gz") else open
        try:
            with opener(path, "rb") as handle:
                total += sum(chunk.count(b"\n") for chunk in iter(lambda h=handle: h.read(1 << 20), b""))
        except (OSError, EOFError, zlib.error):
            continue
    return total


def _rebuild(
    generation: Path, articles: Iterable[Article], report: IndexReport, on_progress: ProgressHandler | None
) -> None:
    ix = index.create_in(str(generation), build_schema())
    articles = iter(articles)
    head = list(islice(articles, PARALLEL_THRESHOLD))
    procs = min(os.cpu_count() or 1, MAX_PROCS) if len(head) == PARALLEL_THRESHOLD else 1
    if procs > 1:
        # Whoosh's multiprocess writer: each process analyses and writes its
        # own segment; they are left unmerged, which searches barely notice.
        per_process = {"limitmb": WRITER_MB // procs, "compound": False}
        writer = ix.writer(procs=procs, multisegment=True, subargs=per_process, **per_process)
    else:
        writer = ix.writer(limitmb=WRITER_MB, compound=False)
    try:
        for article in chain(head, articles):
            writer.add_document(**_document(article))
            report.added += 1
            if on_progress is not None:
                on_progress(report.added)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    with ix.reader() as reader:
        report.documents = reader.doc_count()
    if report.documents != report.added:
        raise IndexUnavailable(
            f"the new index holds {report.documents} articles of the {report.added} written; "
            "the live index was left as it was"
        )


def _update(
    generation: Path,
    articles: Iterable[Article],
    report: IndexReport,
    on_progress: ProgressHandler | None,
    optimize: bool,
) -> None:
    ix = index.open_dir(str(generation))
    with ix.reader() as reader:
        known = _stored_hashes(reader)
    writer = None  # opened at the first change: a cancelled Whoosh writer leaves files behind

    def open_writer():
        nonlocal writer
        if writer is None:
            writer = ix.writer(limitmb=WRITER_MB, compound=False)
        return writer

    try:
        for seen, article in enumerate(articles, 1):
            previous = known.pop(article.id, None)
            if previous == article.content_hash.encode():
                report.unchanged += 1
            else:
                if previous is None:
                    open_writer().add_document(**_document(article))
                    report.added += 1
                else:
                    open_writer().update_document(**_document(article))
                    report.updated += 1
            if on_progress is not None:
                on_progress(seen)
        for gone in known:
            open_writer().delete_by_term("id", gone)
            report.removed += 1
        if optimize:
            open_writer()
    except BaseException:
        if writer is not None:
            writer.cancel()
        raise
    if writer is not None:
        writer.commit(optimize=optimize)
    with ix.reader() as reader:
        report.documents = reader.doc_count()


def _stored_hashes(reader) -> dict[str, bytes]:
    """Article id → content hash for every live document, read from columns."""
    return dict(live_columns(reader, "id", "hash"))


def live_columns(reader, *names: str) -> Iterator[tuple]:
    """The values of columns ``names`` for every live document, a tuple each
    (None where a segment has no such column).

    Read segment by segment: Whoosh 2.7.4's multi-segment column reader skips
    segments that lack the column but keeps their offsets, pairing documents
    with other documents' values.
    """
    for segment, _ in reader.leaf_readers():
        columns = [segment.column_reader(name) if segment.has_column(name) else None for name in names]
        for docnum in range(segment.doc_count_all()):
            if not segment.is_deleted(docnum):
                yield tuple(column[docnum] if column is not None else None for column in columns)


# --- statistics ------------------------------------------------------------------


def index_stats(index_dir: Path) -> dict:
    """What the index holds and how it was built, for ``searchkit stats``."""
    ix = open_index(index_dir)
    generation = current_generation(index_dir)
    meta = read_meta(generation)
    with ix.reader() as reader:
        rows = list(live_columns(reader, "date", "source_name"))
        known_dates = sorted(date for date, _ in rows if date)
        sources = Counter(source.decode() for _, source in rows if source)
        segments = len(ix._segments())
    return {
        "index": str(index_dir),
        "generation": generation.name,
        "documents": len(rows),
        "dated": len(known_dates),
        "first_date": known_dates[0] if known_dates else None,
        "last_date": known_dates[-1] if known_dates else None,
        "sources": dict(sources.most_common()),
        "bytes": folder_size(generation),
        "segments": segments,
        "created": meta.get("created"),
        "updated": meta.get("updated"),
        "corpus": meta.get("corpus", []),
        "analysis": {
            "version": meta.get("analysis_version"),
            "schema_version": meta.get("schema_version"),
            "stop_words": len(FRENCH_STOP_WORDS),
            "stemmer": "Savoy minimal French (plural, feminine, -er infinitive; words of 6+ letters)",
            "name_variants": "transliteration rules + exonym table; spellings of capitalised words",
        },
    }
