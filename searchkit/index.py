"""The index life cycle: schema, generations, building, incremental updates.

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
last.  One writer at a time holds the lock (``searchkit.lock``).

What can go wrong, and what is left (the README states these guarantees):

- a writer killed at any instant: the live index answers as before or as
  after; a rebuild's unfinished generation and an update's unreferenced
  segment files are removed by the next run;
- a full disk or a read-only file system: one ``cannot write`` line, the
  live index as it was, and nothing of the failed run left to fill the disk;
- a damaged index: ``IndexDamaged`` (exit 4), never a silent rebuild; an
  update refuses to touch it, ``--rebuild`` replaces it;
- unreadable input: articles of a file that was not read whole are kept,
  and an update that would remove most of the index is refused.
"""

from __future__ import annotations

import errno
import gzip
import json
import multiprocessing.queues
import os
import re
import resource
import shutil
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from queue import Full

from whoosh import fields, index
from whoosh.analysis import RegexTokenizer
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, clean_files
from whoosh.multiproc import MpWriter, SubWriterTask

from .analysis import ANALYSIS_VERSION, FRENCH_STOP_WORDS, WORD_PATTERN, FoldFilter, word_analyzer
from .corpus import JSONL_SUFFIXES, Article, Rejection, corpus_files, read_corpus
from .errors import IndexDamaged, IndexOutdated, IndexUnavailable, SearchkitError, ShrinkRefused, UsageError
from .lock import DEFAULT_LOCK_WAIT, check_wait, describe_os_error, is_locked, now, writer_lock
from .variants import variants_current, write_variants

#: Bumped when the fields change; like ANALYSIS_VERSION, a mismatch means rebuild.
SCHEMA_VERSION = 3
DEFAULT_INDEX_DIR = Path("index")
DEFAULT_CORPUS_DIR = Path("corpus")
INDEX_ENV = "SEARCHKIT_INDEX"
META_FILE = "searchkit.json"
CURRENT_FILE = "CURRENT"
REPAIR = "`searchkit index --rebuild` rebuilds it from the corpus"
INDEX_NAME = "MAIN"  #: Whoosh's name for the index in a folder, which its file names start with
#: An update may remove at most this share of the index's articles (unless --allow-shrink).
MAX_SHRINK = 0.5
_GENERATION_NAME = re.compile(r"gen-\d{6}")
_TOC_TEMP = re.compile(r"^_\w+_\d+\.toc\.")
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
    kept: int = 0  #: articles missing from the input but kept: their file was not read whole, or not read
    rejected: list[Rejection] = field(default_factory=list)
    truncated: list[Rejection] = field(default_factory=list)
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
            "kept": self.kept,
            "rejected": [{"file": r.path, "line": r.line, "reason": r.reason} for r in self.rejected],
            "truncated": [{"file": r.path, "line": r.line, "reason": r.reason} for r in self.truncated],
            "documents": self.documents,
            "seconds": round(self.seconds, 3),
            "docs_per_second": round(self.docs_per_second, 1),
            "index_bytes": self.index_bytes,
            "peak_memory_bytes": self.peak_memory_bytes,
            "writer_memory_bytes": self.writer_memory_bytes,
        }


# --- generations ---------------------------------------------------------------


def current_generation(index_dir: Path) -> Path | None:
    """The live generation's folder, or None when the index was never built.

    ``IndexDamaged`` when ``CURRENT`` names no generation of this folder.
    """
    try:
        name = (index_dir / CURRENT_FILE).read_text(errors="replace").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise IndexUnavailable(f"cannot read index {index_dir}: {describe_os_error(error)}") from None
    if not _GENERATION_NAME.fullmatch(name):
        raise IndexDamaged(f"index {index_dir} is damaged ({CURRENT_FILE} names no generation): {REPAIR}")
    return index_dir / name


def _generations(index_dir: Path) -> list[Path]:
    return sorted(p for p in index_dir.glob("gen-*") if _GENERATION_NAME.fullmatch(p.name) and p.is_dir())


def _new_generation(index_dir: Path) -> Path:
    existing = _generations(index_dir)
    number = int(existing[-1].name.split("-")[1]) + 1 if existing else 1
    path = index_dir / f"gen-{number:06d}"
    path.mkdir()
    return path


def _publish(index_dir: Path, generation: Path) -> None:
    """Makes ``generation`` live with one atomic rename."""
    temp = index_dir / f".{CURRENT_FILE}.tmp"
    with open(temp, "w") as handle:
        handle.write(generation.name)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, index_dir / CURRENT_FILE)


def _remove_stale_generations(index_dir: Path) -> None:
    """Removes generations other than the live one and the one just before it,
    and what a swap killed half-way left.

    The previous one stays because a search that started before the swap may
    still be reading it; generations above the live one are leftovers of a
    rebuild that was killed.
    """
    (index_dir / f".{CURRENT_FILE}.tmp").unlink(missing_ok=True)  # a swap killed half-way
    live = current_generation(index_dir)
    keep = {live}
    older = [g for g in _generations(index_dir) if live is not None and g.name < live.name]
    if older:
        keep.add(older[-1])
    for generation in _generations(index_dir):
        if generation not in keep:
            shutil.rmtree(generation, ignore_errors=True)


def _remove_writer_leftovers(generation: Path) -> None:
    """Removes what a writer killed mid-commit left in a generation: Whoosh's
    temporary folder, a half-written table of contents, segment files that no
    table of contents names.  Only under the writer lock."""
    for leftover in generation.iterdir():
        if leftover.is_dir() and leftover.name.endswith(".tmp"):
            shutil.rmtree(leftover, ignore_errors=True)
        elif _TOC_TEMP.match(leftover.name):
            leftover.unlink(missing_ok=True)
    ix = index.open_dir(str(generation))
    clean_files(ix.storage, ix.indexname, ix.latest_generation(), ix._segments())


def read_meta(generation: Path) -> dict:
    try:
        meta = json.loads((generation / META_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _write_meta(generation: Path, meta: dict) -> None:
    temp = generation / f".{META_FILE}.tmp"
    temp.write_text(json.dumps(meta, indent=2))
    os.replace(temp, generation / META_FILE)


def _compatible(meta: dict) -> bool:
    return meta.get("analysis_version") == ANALYSIS_VERSION and meta.get("schema_version") == SCHEMA_VERSION


def _check_live(index_dir: Path) -> Path | None:
    """The live generation if it is usable; None when there is none (or only
    the leftovers of a first build that was killed).

    ``IndexOutdated`` when it was built by another version of the analysis,
    ``IndexDamaged`` when its files are missing or unreadable.
    """
    generation = current_generation(index_dir)
    if generation is None:
        return None
    with reading(index_dir):
        found = generation.is_dir() and index.exists_in(str(generation))
    if not found:
        raise IndexDamaged(f"index {index_dir} is damaged (its table of contents is missing): {REPAIR}")
    meta = read_meta(generation)
    if not meta:
        raise IndexDamaged(f"index {index_dir} is damaged ({META_FILE} is missing or unreadable): {REPAIR}")
    _check_sizes(index_dir, generation, meta)
    if not _compatible(meta):
        built = f"analysis {meta.get('analysis_version', '?')}, schema {meta.get('schema_version', '?')}"
        raise IndexOutdated(
            f"index {index_dir} was built by another version of searchkit ({built}; "
            f"this one reads analysis {ANALYSIS_VERSION}, schema {SCHEMA_VERSION}): run `searchkit index --rebuild`"
        )
    return generation


def _commit_files(generation: Path) -> tuple[int, dict[str, int]]:
    """The latest Whoosh commit of ``generation`` and the size of each file it is made of."""
    storage = FileStorage(str(generation))
    commit = TOC._latest_generation(storage, INDEX_NAME)
    toc = TOC._filename(INDEX_NAME, commit)
    names = {segment.segment_id() for segment in TOC.read(storage, INDEX_NAME, commit).segments}
    pattern = TOC._segment_pattern(INDEX_NAME)
    sizes = {}
    for entry in os.scandir(generation):
        match = pattern.match(entry.name)
        if entry.name == toc or (match and match.group(1) in names):
            sizes[entry.name] = entry.stat().st_size
    return commit, sizes


def _check_sizes(index_dir: Path, generation: Path, meta: dict) -> None:
    """``IndexDamaged`` when a file of the live commit is missing or not the
    size it was written with (a truncated copy, a file cut by a full disk).

    Only the commit the build facts were written for can be checked: a writer
    killed between its commit and its facts leaves them one commit behind,
    and the next ``index`` run writes them anew.
    """
    expected = meta.get("files")
    if not isinstance(expected, dict):
        return
    latest = TOC._latest_generation(FileStorage(str(generation)), INDEX_NAME)
    if meta.get("commit") != latest:
        return
    for name, size in expected.items():
        try:
            actual = (generation / name).stat().st_size
        except FileNotFoundError:
            raise IndexDamaged(f"index {index_dir} is damaged ({name} is missing): {REPAIR}") from None
        if actual != size:
            raise IndexDamaged(
                f"index {index_dir} is damaged ({name} has {actual:,} bytes, {size:,} expected): {REPAIR}"
            )


def open_index(index_dir: Path) -> index.Index:
    """The live Whoosh index; ``IndexUnavailable`` (or a subclass) saying why when there is none usable."""
    generation = _check_live(index_dir)
    if generation is None:
        if is_locked(index_dir):
            raise IndexUnavailable(f"index {index_dir} is being built by another process: try again when it is done")
        raise IndexUnavailable(f"no index at {index_dir}: run `searchkit index` first")
    with reading(index_dir):
        return index.open_dir(str(generation))


def index_exists(index_dir: Path) -> bool:
    """Whether ``index_dir`` has a live generation (usable or not)."""
    try:
        return current_generation(index_dir) is not None
    except IndexUnavailable:
        return True


_WHOOSH_CODE = str(Path(index.__file__).parent)


@contextmanager
def reading(index_dir: Path) -> Iterator[None]:
    """Turns what a damaged index raises while it is read into ``IndexDamaged``.

    Whoosh reports truncated or garbled files with many kinds of exception
    (``Exception("Block tag error")``, ``struct.error``, ``EOFError``…), so
    the test is where it was raised: inside Whoosh's code, or by the file
    system.  An error raised by searchkit's own code is a bug, and stays one.
    """
    try:
        yield
    except SearchkitError:
        raise
    except Exception as error:
        if isinstance(error, OSError) and error.errno in _WRITE_ERRNOS:
            raise
        if not (isinstance(error, OSError) or _raised_in_whoosh(error)):
            raise
        detail = describe_os_error(error) if isinstance(error, OSError) else f"{type(error).__name__}: {error}"
        raise IndexDamaged(f"index {index_dir} is damaged ({_short(detail)}): {REPAIR}") from None


def _raised_in_whoosh(error: BaseException) -> bool:
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and frame.tb_frame.f_code.co_filename.startswith(_WHOOSH_CODE)


@contextmanager
def _writing(index_dir: Path) -> Iterator[None]:
    """Turns a failed write (full disk, read-only file system, no permission) into one line."""
    try:
        yield
    except OSError as error:
        if error.errno not in _WRITE_ERRNOS:
            raise
        raise IndexUnavailable(
            f"cannot write index {index_dir}: {describe_os_error(error)}; the index was left as it was"
        ) from None


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    allow_shrink: bool = False,
    only_if_missing: bool = False,
    wait: float = DEFAULT_LOCK_WAIT,
    on_reject: Callable[[Rejection], None] | None = None,
    on_truncate: Callable[[Rejection], None] | None = None,
    on_progress: ProgressHandler | None = None,
) -> IndexReport:
    """Brings the index in line with the corpus at ``paths``.

    By default an update: only new, changed (by content hash) and removed
    articles are written.  A full rebuild happens with ``rebuild``, on the first
    run, and when the index was built by another analysis version.

    An article leaves the index only when the file it came from was read
    whole and no longer holds it (or is gone from a folder that was read); an
    update that would remove most of the index is refused (``ShrinkRefused``)
    unless ``allow_shrink``.  A damaged index is refused unless ``rebuild``.
    With ``only_if_missing``, nothing is done when an index exists by the time
    the lock is taken (a first search racing a first build).
    """
    paths = [Path(p) for p in paths]
    check_wait(wait)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        # Refused before the lock is taken: an update from a mistyped path
        # would otherwise remove every article of the index.
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    started = time.perf_counter()
    with writer_lock(index_dir, wait), _writing(index_dir):
        _remove_stale_generations(index_dir)
        if only_if_missing and current_generation(index_dir) is not None:
            return IndexReport(index_dir=str(index_dir), mode="none")
        live, outdated = _live_for_writing(index_dir, rebuild)
        full = live is None
        report = IndexReport(index_dir=str(index_dir), mode="rebuild" if full else "update")

        def reject(rejection: Rejection) -> None:
            report.rejected.append(rejection)
            if on_reject is not None:
                on_reject(rejection)

        def truncate(warning: Rejection) -> None:
            report.truncated.append(warning)
            if on_truncate is not None:
                on_truncate(warning)

        files: list[Path] = []
        articles = read_corpus(_recorded(paths, files), reject, truncate)
        if full:
            held = None if rebuild or allow_shrink or outdated is None else _held_documents(outdated)
            generation = _new_generation(index_dir)
            try:
                _rebuild(generation, articles, report, on_progress)
                if held is not None:
                    _refuse_shrink(held, max(held - report.documents, 0), index_dir)
                _finish_generation(generation, paths, changed=True)
            except BaseException:
                shutil.rmtree(generation, ignore_errors=True)
                raise
            _publish(index_dir, generation)
            _remove_stale_generations(index_dir)
        else:
            generation = live
            with reading(index_dir):
                _remove_writer_leftovers(generation)
                removable = _removal_rule(paths, files, report)
                _update(generation, articles, report, on_progress, optimize, removable, allow_shrink)
                _finish_generation(generation, paths, changed=bool(report.added or report.updated or report.removed))
        report.index_bytes = folder_size(generation)
    report.seconds = time.perf_counter() - started
    report.peak_memory_bytes = _peak_memory()
    # Forked writers (multiprocessing), so their peak is their own; kibibytes on Linux.
    report.writer_memory_bytes = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return report


def _live_for_writing(index_dir: Path, rebuild: bool) -> tuple[Path | None, Path | None]:
    """(the live generation to update, or None for a full build; the outdated
    generation a full build replaces, if any)."""
    try:
        live = _check_live(index_dir)
    except IndexOutdated:
        return None, current_generation(index_dir)
    except IndexDamaged:
        if rebuild:
            return None, None
        raise
    if rebuild or live is None:
        return None, live
    return live, None


def _held_documents(generation: Path) -> int | None:
    try:
        with index.open_dir(str(generation)).reader() as reader:
            return reader.doc_count()
    except Exception:  # an index this version cannot read holds nothing it can count
        return None


def _refuse_shrink(held: int, removed: int, index_dir: Path) -> None:
    if removed and (removed == held or removed > held * MAX_SHRINK):
        raise ShrinkRefused(
            f"refused: this update would remove {removed:,} of the {held:,} articles of {index_dir} "
            f"(more than {MAX_SHRINK:.0%}); check the corpus path, or pass --allow-shrink (or --rebuild) "
            "if that is what you want"
        )


def _recorded(paths: list[Path], files: list[Path]) -> Iterator[Path]:
    """``paths``, as given; the corpus files found under them are appended to
    ``files`` as they are read (see ``_removal_rule``)."""
    for path in paths:
        for file in corpus_files([path]):
            files.append(file)
            yield file


def _removal_rule(paths: list[Path], files: list[Path], report: IndexReport) -> Callable[[str], bool]:
    """Whether an article stored with ``origin`` may be removed when the corpus
    no longer holds it: its file was read and nothing in it was rejected, or
    the file is in a folder that was read and is gone (or no longer a corpus
    file).  Consulted after the whole corpus was read, so ``files`` and the
    rejections are complete by then.  A file that was not read this time keeps
    its articles."""
    folders = [p.resolve() for p in paths if p.is_dir()]

    def removable(origin: str) -> bool:
        path = Path(_origin_file(origin)).resolve()
        read = {f.resolve() for f in files}
        damaged = {Path(r.path).resolve() for r in report.rejected}
        if path in damaged:
            return False
        return path in read or any(path.is_relative_to(folder) for folder in folders)

    return removable


def _origin_file(origin: str) -> str:
    path, _, line = origin.rpartition(":")
    return path if path and line.isdigit() else origin


def _finish_generation(generation: Path, paths: list[Path], *, changed: bool) -> None:
    """Writes the build facts and, when the articles changed or it is stale, the name-variant table."""
    commit, files = _commit_files(generation)
    _write_meta(
        generation,
        {
            "analysis_version": ANALYSIS_VERSION,
            "schema_version": SCHEMA_VERSION,
            "created": read_meta(generation).get("created") or now(),
            "updated": now(),
            "corpus": [str(p) for p in paths],
            "commit": commit,
            "files": files,
        },
    )
    with index.open_dir(str(generation)).reader() as reader:
        if changed or not variants_current(generation, reader):
            write_variants(reader, generation)


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
        if not path.is_file():
            continue  # never open a pipe: it would block
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


class _WriterTask(SubWriterTask):
    """A writer process that fails quietly: its exit code carries the error
    number of an ``OSError`` (a full disk), and the parent reports it in one line."""

    def run(self) -> None:
        try:
            super().run()
        except OSError as error:
            os._exit(error.errno if error.errno and error.errno < 256 else 1)
        except BaseException:
            os._exit(1)


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


class _ParallelWriter(MpWriter):
    """Whoosh's multiprocess writer, with writer processes that can be stopped.

    Whoosh's own ``cancel`` only flags its copy of each process object, so a
    cancelled or interrupted build left the processes blocked on their job
    queue for ever, and the parent waiting for them at exit.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.jobqueue = _WatchedQueue(self.jobqueue, self.check_tasks)

    def _new_task(self):
        task = _WriterTask(
            self.storage, self.indexname, self.jobqueue.queue, self.resultqueue, self.subargs, self.multisegment
        )
        self.tasks.append(task)
        task.start()
        return task

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
            if code in _WRITE_ERRNOS:
                raise OSError(code, os.strerror(code))
            raise IndexUnavailable(f"a writer process failed (exit {code}); the live index was left as it was")


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
        writer = _ParallelWriter(ix, procs=procs, multisegment=True, subargs=per_process, **per_process)
    else:
        writer = ix.writer(limitmb=WRITER_MB, compound=False)
    try:
        for article in chain(head, articles):
            writer.add_document(**_document(article))
            report.added += 1
            if on_progress is not None:
                on_progress(report.added)
        writer.commit()
    except BaseException:
        with suppress(Exception):
            writer.cancel()
        raise
    if isinstance(writer, _ParallelWriter):
        writer.check_tasks()
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
    removable: Callable[[str], bool],
    allow_shrink: bool,
) -> None:
    ix = index.open_dir(str(generation))
    reader = ix.reader()
    known = {article_id: (docnum, digest) for docnum, (article_id, digest) in _live_docs(reader, "id", "hash")}
    held = len(known)
    writer = None  # opened at the first change

    def open_writer():
        nonlocal writer
        if writer is None:
            writer = ix.writer(limitmb=WRITER_MB, compound=False)
        return writer

    try:
        for seen, article in enumerate(articles, 1):
            previous = known.pop(article.id, None)
            if previous is not None and previous[1] == article.content_hash.encode():
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
        gone = [i for i, (docnum, _) in known.items() if removable(reader.stored_fields(docnum).get("origin", ""))]
        report.kept = len(known) - len(gone)
        if not allow_shrink:
            _refuse_shrink(held, len(gone), Path(report.index_dir))
        for article_id in gone:
            open_writer().delete_by_term("id", article_id)
            report.removed += 1
        if optimize:
            open_writer()
        if writer is not None:
            writer.commit(optimize=optimize)
    except BaseException:
        if writer is not None:
            with suppress(Exception):
                writer.cancel()
            with suppress(Exception):
                _remove_writer_leftovers(generation)
        raise
    finally:
        reader.close()
    with ix.refresh().reader() as fresh:
        report.documents = fresh.doc_count()


def _live_docs(reader, *names: str) -> Iterator[tuple[int, tuple]]:
    """(document number, values of columns ``names``) for every live document
    (a value is None where a segment has no such column).

    Read segment by segment: Whoosh 2.7.4's multi-segment column reader skips
    segments that lack the column but keeps their offsets, pairing documents
    with other documents' values.
    """
    for segment, offset in reader.leaf_readers():
        columns = [segment.column_reader(name) if segment.has_column(name) else None for name in names]
        for docnum in range(segment.doc_count_all()):
            if not segment.is_deleted(docnum):
                yield offset + docnum, tuple(column[docnum] if column is not None else None for column in columns)


def live_columns(reader, *names: str) -> Iterator[tuple]:
    """The values of columns ``names`` for every live document, a tuple each."""
    for _, values in _live_docs(reader, *names):
        yield values


# --- statistics ------------------------------------------------------------------


def index_stats(index_dir: Path) -> dict:
    """What the index holds and how it was built, for ``searchkit stats``."""
    ix = open_index(index_dir)
    generation = current_generation(index_dir)
    meta = read_meta(generation)
    with reading(index_dir), ix.reader() as reader:
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
