"""Keeping an index up to date with a corpus folder as files arrive: ``searchkit index PATH --watch``.

A ``Watcher`` runs one full update (``build_index``), then waits for the
file system to say what changed (inotify through ``watchdog``; polling where
inotify is unavailable) and brings the index up to date in *batches*, at most
one every ``every`` seconds:

- a batch reads only the files whose size, modification time or inode changed
  since they were last read (``only``), and names the files deleted since
  (``gone``), through the same update path as ``searchkit index``: articles
  of a file not read whole stay, and an update that would remove most of the
  index is refused;
- it takes the writer lock for that batch alone, so another writer or a
  ``--rebuild`` gets its turn between batches, and searches see each batch
  whole (one commit);
- a file caught half-written (a JSON line cut mid-write, a truncated
  ``.gz``) is read again when it changes again, so it is picked up once it is
  complete; a batch that fails (lock held too long, full disk) is retried,
  with its files, after a pause that doubles up to a minute;
- a batch reads at most ``MAX_BATCH_FILES`` files or ``MAX_BATCH_BYTES``
  bytes; the rest waits for the next batch, which follows at once;
- every ``RESCAN_SECONDS`` (and at every batch when polling) the folders
  are scanned (a ``stat`` a file, nothing read) for what the events missed.

Ctrl-C and SIGTERM raise in the main thread, as in every writer: a batch
being written is abandoned whole (the index answers as before it) and the
lock released; its files are read again by the next run.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import generations as g
from .corpus import Rejection, corpus_files, is_corpus_file
from .engine import Engine, default_engine
from .errors import SearchkitError, ShrinkRefused, UsageError
from .indexing import build_index
from .lock import DEFAULT_LOCK_WAIT, check_wait
from .models import IndexReport, WatchBatch
from .signatures import Signature
from .signatures import signature as signature_of

DEFAULT_EVERY = 2.0  #: seconds between batches
MIN_EVERY, MAX_EVERY = 0.1, 3600.0
MAX_BATCH_FILES = 1000  #: files read in one batch at most; the rest go in the next
MAX_BATCH_BYTES = 256 << 20  #: bytes read in one batch at most (a larger file goes alone)
RESCAN_SECONDS = 60.0  #: a full scan this often, for events the file system did not report
MAX_RETRY_DELAY = 60.0
#: Seconds a stopping watcher gives the file system observer to stop; its threads are daemons.
OBSERVER_STOP_SECONDS = 5.0

_EVENT_TYPES = {"created", "modified", "deleted", "moved", "closed"}  # not opened, closed_no_write, attrib


class _Changes:
    """Paths the file system reported, gathered from the observer's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: set[str] = set()
        self.arrived = threading.Event()

    def add(self, *paths: str) -> None:
        with self._lock:
            self._paths.update(p for p in paths if p)
        self.arrived.set()

    def take(self) -> set[str]:
        with self._lock:
            paths, self._paths = self._paths, set()
            self.arrived.clear()
        return paths


def _observer(roots: list[Path], changes: _Changes):
    """A started watchdog observer reporting into ``changes``, or None when
    inotify (or watchdog) is unavailable: the watcher then polls."""
    try:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
    except ImportError:
        return None

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.event_type in _EVENT_TYPES:
                changes.add(os.fsdecode(event.src_path), os.fsdecode(getattr(event, "dest_path", "") or ""))

    observer = Observer()
    observer.daemon = True
    try:
        for root in roots:
            folder = root if root.is_dir() else root.parent
            observer.schedule(Handler(), str(folder), recursive=root.is_dir())
        observer.start()
    except (OSError, RuntimeError):  # no inotify, or out of watches (fs.inotify.max_user_watches)
        observer.stop()
        return None
    return observer


def _stop_observer(observer) -> None:
    """Stops watchdog's observer, waiting ``OBSERVER_STOP_SECONDS`` at most: its ``stop``
    runs in the caller's thread and joins its inotify reader with no timeout (watchdog
    7.1), and a watcher told to stop by a signal must stop.  What is left of it is
    daemon threads, which end with the process."""
    stopping = threading.Thread(target=observer.stop, name="observer-stop", daemon=True)
    stopping.start()
    stopping.join(OBSERVER_STOP_SECONDS)
    if not stopping.is_alive():
        observer.join(OBSERVER_STOP_SECONDS)


@dataclass
class _Selection:
    """The files one ``--watch`` batch reads, and those it leaves for later."""

    read: dict[Path, Signature]  #: files to read, with their signature before reading
    gone: list[Path]  #: files read before and deleted since
    left: set[Path]  #: files left for the next batch (over the caps)


class Watcher:
    """Keeps the index at ``index_dir`` in line with the corpus at ``paths``; ``run()`` until stopped."""

    def __init__(
        self,
        paths: Iterable[Path],
        index_dir: Path,
        *,
        every: float = DEFAULT_EVERY,
        wait: float = DEFAULT_LOCK_WAIT,
        rebuild: bool = False,
        allow_shrink: bool = False,
        polling: bool = False,
        on_batch: Callable[[WatchBatch], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_reject: Callable[[Rejection], None] | None = None,
        on_truncate: Callable[[Rejection], None] | None = None,
        on_warning: Callable[[Rejection], None] | None = None,
        on_start: Callable[[str], None] | None = None,
        engine: Engine | None = None,
    ) -> None:
        if not MIN_EVERY <= every <= MAX_EVERY:
            raise UsageError(f"--every {every:g} is not a number of seconds from {MIN_EVERY:g} to {MAX_EVERY:g}")
        self.roots = [Path(p) for p in paths]
        missing = [str(p) for p in self.roots if not p.exists()]
        if missing:
            raise UsageError(f"no such file or folder: {', '.join(missing)}")
        self.index_dir = index_dir
        self.every = every
        self.wait = check_wait(wait)
        self.rebuild = rebuild
        self.allow_shrink = allow_shrink
        self.polling = polling
        self.on_batch = on_batch or (lambda batch: None)
        self.on_error = on_error or (lambda message: None)
        self.on_reject = on_reject
        self.on_truncate = on_truncate
        self.on_warning = on_warning
        self.on_start = on_start
        self.engine = engine or default_engine()
        self.mechanism = "polling" if polling else "inotify"
        self.batches = 0
        self._known: dict[Path, Signature] = {}
        self._named = {root for root in self.roots if not root.is_dir()}
        self._absolute = [(root.resolve(), root) for root in self.roots]

    def run(self, stop: threading.Event | None = None) -> None:
        """The first full update, then a batch whenever files change, until
        ``stop`` is set (or Ctrl-C, SIGTERM).  Errors of the first update are
        raised; later ones are reported through ``on_error`` and retried."""
        stop = stop or threading.Event()
        changes = _Changes()
        observer = None if self.polling else _observer(self.roots, changes)
        if observer is None:
            self.mechanism = "polling"
        if self.on_start is not None:
            self.on_start("inotify, through watchdog" if observer is not None else "polling")
        try:
            snapshot = self._scan()
            report = self._build(rebuild=self.rebuild)
            self._known = snapshot
            self._report(report, len(snapshot), 0)
            self._loop(stop, changes)
        finally:
            if observer is not None:
                _stop_observer(observer)

    def _loop(self, stop: threading.Event, changes: _Changes) -> None:
        dirty: set[Path] = set()
        next_scan = time.monotonic() + RESCAN_SECONDS
        last = time.monotonic()
        delay = self.every
        while not stop.is_set():
            if not dirty:
                # Wake at the first change (or for the next scan), then gather changes until the batch is due.
                until_scan = self.every if self.mechanism == "polling" else max(next_scan - time.monotonic(), 0)
                changes.arrived.wait(until_scan)
            if stop.wait(max(last + delay - time.monotonic(), 0)):
                break
            dirty |= {self._as_given(p) for p in changes.take()}
            full = self.mechanism == "polling" or time.monotonic() >= next_scan
            if full:
                next_scan = time.monotonic() + RESCAN_SECONDS
            selection = self._select(dirty, full)
            dirty = selection.left
            last = time.monotonic()
            if not selection.read and not selection.gone:
                delay = self.every
                continue
            delay = self._batch(selection, dirty)

    def _batch(self, selection: _Selection, dirty: set[Path]) -> float:
        """Writes one batch; the delay before the next one."""
        try:
            if g.current_generation(self.index_dir) is None:
                # The index went away (removed by hand): build it whole again.
                snapshot = self._scan()
                report = self._build(rebuild=False)
                self._known = snapshot
                self._report(report, len(snapshot), 0)
                return self.every
            report = self._build(only=sorted(selection.read), gone=selection.gone)
        except ShrinkRefused as error:
            # Not retried: the same deletions would be refused again.  `searchkit index --allow-shrink` applies them.
            self.on_error(str(error))
            for path in selection.gone:
                self._known.pop(path, None)
            return self.every
        except SearchkitError as error:
            dirty.update(selection.read)
            dirty.update(selection.gone)
            self._failures = getattr(self, "_failures", 0) + 1
            retry = min(self.every * 2**self._failures, MAX_RETRY_DELAY)
            self.on_error(f"{error} (retrying in {retry:g}s)")
            return retry
        self._failures = 0
        self._known.update(selection.read)
        for path in selection.gone:
            self._known.pop(path, None)
        self._report(report, len(selection.read), len(selection.gone))
        return 0.0 if selection.left else self.every

    def _build(self, *, rebuild: bool = False, only=None, gone=()) -> IndexReport:
        return build_index(
            self.roots,
            self.index_dir,
            rebuild=rebuild,
            allow_shrink=self.allow_shrink,
            wait=self.wait,
            on_reject=self.on_reject,
            on_truncate=self.on_truncate,
            on_warning=self.on_warning,
            engine=self.engine,
            only=only,
            gone=gone,
        )

    def _report(self, report: IndexReport, files: int, gone: int) -> None:
        self.batches += 1
        self.on_batch(WatchBatch(batch=self.batches, report=report, files=files, gone=gone))

    # what changed

    def _scan(self) -> dict[Path, Signature]:
        """Every corpus file under the roots, with its signature."""
        found = {}
        for path in corpus_files(self.roots):
            signature = signature_of(path)
            if signature is not None:
                found[path] = signature
        return found

    def _as_given(self, reported: str) -> Path:
        """A path the file system reported, written as the corpus files are
        (under a root as the user gave it), so origins stay the same."""
        path = Path(reported)
        absolute = Path(os.path.abspath(path))
        for resolved, root in self._absolute:
            for base in (Path(os.path.abspath(root)), resolved):
                if absolute == base:
                    return root
                if absolute.is_relative_to(base):
                    return root / absolute.relative_to(base)
        return path

    def _wanted(self, path: Path) -> bool:
        """Whether a reported file is one a scan would find (``corpus_files``:
        a corpus file, in no hidden folder, under a root; or a file named)."""
        if path in self._named:
            return True
        return is_corpus_file(path) and any(
            path.is_relative_to(root) and not any(part.startswith(".") for part in path.relative_to(root).parts)
            for root in self.roots
            if root not in self._named
        )

    def _select(self, dirty: set[Path], full: bool) -> _Selection:
        candidates: dict[Path, Signature] = {}
        gone: set[Path] = set()
        if full:
            current = self._scan()
            candidates = {p: s for p, s in current.items() if self._known.get(p) != s}
            gone = {p for p in self._known if p not in current}
        for path in dirty:
            if path.is_dir():
                for file in corpus_files([path]):
                    if self._wanted(file) and (signature := signature_of(file)) and self._known.get(file) != signature:
                        candidates[file] = signature
            elif self._wanted(path) and (signature := signature_of(path)) and self._known.get(path) != signature:
                candidates[path] = signature
            if not path.exists():
                # A file deleted, or a folder deleted or moved away with its files.
                gone.update(p for p in self._known if (p == path or p.is_relative_to(path)) and not p.exists())
        read: dict[Path, Signature] = {}
        left: set[Path] = set()
        size = 0
        for path in sorted(candidates):
            signature = candidates[path]
            if read and (len(read) >= MAX_BATCH_FILES or size + signature[0] > MAX_BATCH_BYTES):
                left.add(path)
                continue
            read[path] = signature
            size += signature[0]
        return _Selection(read=read, gone=sorted(gone), left=left)
