"""The writer lock of an index folder, and what processes forked under it may keep.

One process writes an index at a time: it holds an ``flock`` on ``.lock``, and
the kernel drops that lock when the process dies, however it dies, so a lock
left by a killed writer is simply taken over.

A parallel rebuild forks writer processes (Whoosh's multiprocess writer).  A
forked child shares its parent's open file descriptions, so it would hold the
lock too, and a child outliving a killed parent would wedge the index for
every later run.  Children forked while a lock is held therefore drop their
copy of it at once, die with their parent (``PR_SET_PDEATHSIG``), and ignore
Ctrl-C, which the parent alone handles (it stops them itself).

The parent forks through ``forking``: Python runs signal handlers wherever the
main thread checks for them, fork hooks included, and drops what a hook
raises, so a Ctrl-C that landed in one was lost and the build ran on to exit 0.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as _dt
import errno
import fcntl
import math
import os
import re
import signal
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import IndexLocked, IndexUnavailable, UsageError

LOCK_FILE = ".lock"
DEFAULT_LOCK_WAIT = 30.0
#: The longest ``--wait`` taken: a day.  Longer is a mistake, not a plan.
MAX_LOCK_WAIT = 86_400.0

_held: set[int] = set()  # descriptors of the locks this process holds
_PR_SET_PDEATHSIG = 1
#: libc's ``prctl``, looked up by the parent when it takes a lock: a child must call it
#: before anything else, and must not ``dlopen`` between the fork and it, since a loader
#: lock that another of the parent's threads held at the fork is never released there.
_prctl = None


def _look_up_prctl() -> None:
    global _prctl
    if _prctl is None:
        with contextlib.suppress(OSError, AttributeError):
            _prctl = ctypes.CDLL(None, use_errno=True).prctl


#: The pid of the process about to fork, read there: a child reading its parent's pid itself
#: would read that of whoever adopted it, had the parent died since the fork.
_forking = 0
#: The forking thread's signal mask before the fork, Ctrl-C blocked around it (``_before_fork``).
_mask: set[signal.Signals] = set()


def _before_fork() -> None:
    """Ctrl-C reaches the whole process group: a child forked under a lock must not take it
    before it ignores it (``threading``'s own after-fork hook runs first, and a KeyboardInterrupt
    there printed a traceback), so it is blocked across the fork: the parent gets it just after,
    the child drops it when it starts ignoring it."""
    global _forking, _mask
    _forking = os.getpid()
    if _held:
        _mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _after_fork_in_parent() -> None:
    if _held:
        signal.pthread_sigmask(signal.SIG_SETMASK, _mask)


def _after_fork_in_child() -> None:
    for signum, handler in _deferred.items():  # the child handles signals as its parent did
        signal.signal(signum, handler)
    _deferred.clear()
    if not _held:
        return
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != _forking:  # the parent died before the line above took effect
        os._exit(1)
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C pending since the fork is dropped here
    signal.pthread_sigmask(signal.SIG_SETMASK, _mask)


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)

#: The handlers of the signals that stop a writer, while ``forking`` holds them back.
_deferred: dict[int, Callable | int | None] = {}
_STOPPING = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def forking() -> Iterator[None]:
    """Ctrl-C and SIGTERM noted while the block forks, and raised again once it is done,
    in the caller's code, where the writer's own handling stops the build.  Only the main
    thread runs Python's signal handlers (and may change them): a fork from another thread
    has none to lose."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    try:
        for signum in _STOPPING:
            _deferred[signum] = signal.signal(signum, lambda signum, _frame: noted.append(signum))
        yield
    finally:
        for signum, handler in _deferred.items():
            signal.signal(signum, handler)
        _deferred.clear()
        for signum in dict.fromkeys(noted):
            signal.raise_signal(signum)


def check_wait(wait: float) -> float:
    """``wait`` if it is a number of seconds a lock can be waited for."""
    if not math.isfinite(wait) or wait < 0 or wait > MAX_LOCK_WAIT:
        raise UsageError(f"--wait {wait:g} is not a number of seconds from 0 to {MAX_LOCK_WAIT:g}")
    return wait


@contextlib.contextmanager
def writer_lock(index_dir: Path, wait: float = DEFAULT_LOCK_WAIT) -> Iterator[None]:
    """Holds the index's writer lock, waiting up to ``wait`` seconds for it.

    ``IndexLocked`` names the holder when the wait runs out;
    ``IndexUnavailable`` says why when the folder cannot hold a lock at all
    (a file in its place, a read-only file system, ``.lock`` a folder).
    """
    check_wait(wait)
    with file_lock(index_dir / LOCK_FILE, wait, f"index {index_dir}", create_folder=True) as fd:
        with contextlib.suppress(OSError):  # who holds it is a courtesy; a full disk must not stop the writer
            holder = f"pid {os.getpid()} on {socket.gethostname()} since {now()}"
            os.ftruncate(fd, 0)
            os.pwrite(fd, holder.encode(), 0)
        yield
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)


@contextlib.contextmanager
def file_lock(path: Path, wait: float, what: str, *, create_folder: bool = False) -> Iterator[int]:
    """An exclusive ``flock`` on ``path``, waited for up to ``wait`` seconds;
    yields its descriptor.  ``what`` names the thing locked in the one-line
    errors (``index I``, ``the watchlist of I``).  The folder is created only
    with ``create_folder`` (an index being built): a lock never makes a
    mistyped path into a folder."""
    try:
        if create_folder:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise IndexUnavailable(
                f"cannot lock {what}: {path} is a symbolic link, and searchkit follows none in an index folder "
                "(remove the link)"
            ) from None
        raise IndexUnavailable(f"cannot write {what}: {describe_os_error(error)}") from None
    try:
        _refuse_foreign(fd, path, what)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise IndexUnavailable(f"cannot lock {what}: {describe_os_error(error)}") from None
                if time.monotonic() >= deadline:
                    raise IndexLocked(f"{what} is locked by {_holder(fd)}; waited {wait:g}s") from None
                time.sleep(0.05)
        _look_up_prctl()
        _held.add(fd)
        yield fd
    finally:
        _held.discard(fd)
        os.close(fd)  # closing drops the flock


#: What a lock file holds: nothing, or the holder ``writer_lock`` writes in it.
_HOLDER = re.compile(rb"(pid \d+ on \S* since \S+)?\s*")


def _refuse_foreign(fd: int, path: Path, what: str) -> None:
    """Refuses a lock file that searchkit did not make: writing the holder in
    it would truncate another program's file."""
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        raise IndexUnavailable(f"cannot lock {what}: {path} is not a regular file")
    if status.st_size > 200 or not _HOLDER.fullmatch(os.pread(fd, 200, 0)):
        raise IndexUnavailable(
            f"cannot lock {what}: {path} is not searchkit's lock file ({status.st_size:,} bytes of something else); "
            "searchkit leaves it as it is: move it away, or choose another folder"
        )


def is_locked(index_dir: Path) -> bool:
    """Whether a writer holds the lock of ``index_dir`` now (without taking it)."""
    try:
        fd = os.open(index_dir / LOCK_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
    except OSError:
        return "another process"


def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def describe_os_error(error: OSError) -> str:
    """An ``OSError`` as a person reads it: its reason and the file, never a traceback."""
    reason = error.strerror or str(error)
    return f"{reason} ({error.filename})" if error.filename else reason
