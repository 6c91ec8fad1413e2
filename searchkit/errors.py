"""The errors a user can cause, each with the exit code the CLI ends with.

Exit codes follow grep where it has one: 0 found, 1 nothing found, 2 usage.
"""

from __future__ import annotations

import errno
import os
import resource

EXIT_OK = 0
EXIT_NO_HITS = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3  #: indexing finished, but some input was rejected
EXIT_INDEX_UNAVAILABLE = 4  #: missing, locked, outdated or damaged index; or it cannot be written
EXIT_OUTPUT_FAILED = 4  #: the output cannot be written (a full disk, a closed stdout), as an index that cannot be
EXIT_REFUSED = 5  #: an update that would remove most of the index, refused
EXIT_INTERNAL_ERROR = 70  #: a bug in searchkit (EX_SOFTWARE); the message asks for a report
EXIT_INTERRUPTED = 130  #: Ctrl-C (128 + SIGINT)
EXIT_TERMINATED = 143  #: SIGTERM (128 + SIGTERM)

#: Errors of the file system that mean "cannot write here" (not "damaged").
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO})
#: Errors that mean "this process ran out of something" (not "damaged"): a
#: healthy index must never be called damaged, or its user destroys it.
RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOMEM})


def resource_shortage(error: BaseException) -> str | None:
    """What ran out, said for a person, when ``error`` is a shortage of this
    process or machine rather than a fault of the files; else None."""
    if isinstance(error, MemoryError):
        return "out of memory"
    if isinstance(error, OSError) and error.errno in (errno.EMFILE, errno.ENFILE):
        return FILES_EXHAUSTED
    if isinstance(error, OSError) and error.errno in RESOURCE_ERRNOS:
        return str(error.strerror or error)
    return None


#: What a process out of file descriptors is told (the words of EMFILE, and the remedy).
FILES_EXHAUSTED = "Too many open files (raise the limit: `ulimit -n`)"


def descriptors_exhausted(margin: int = 16) -> bool:
    """Whether this process has (nearly) used up its open files.  Whoosh
    reports a folder it could not list as an index that does not exist, so
    before calling an index damaged, the cause is looked for here: a healthy
    index must never be called damaged."""
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        used = len(os.listdir("/proc/self/fd"))
    except OSError as error:
        return error.errno in (errno.EMFILE, errno.ENFILE)
    except ValueError:
        return False
    return soft != resource.RLIM_INFINITY and soft - used < margin


class SearchkitError(Exception):
    """An error with a one-line message meant for the user, never a traceback."""

    exit_code = EXIT_USAGE


class UsageError(SearchkitError):
    """Options or arguments that cannot work together."""


class QueryError(UsageError):
    """A query that cannot be parsed; ``column`` is 1-based, where the problem is."""

    def __init__(self, message: str, column: int | None = None) -> None:
        where = f" at column {column}" if column is not None else ""
        super().__init__(f"bad query{where}: {message}")
        self.column = column


class NoResults(SearchkitError):
    """A view (timeline, kwic, cooccur) with nothing to show: no article matches."""

    exit_code = EXIT_NO_HITS


class ArticleNotFound(NoResults):
    """No article of the id asked for (``show``, ``similar``): nothing found, as grep's exit 1, not a usage error."""


class IndexUnavailable(SearchkitError):
    """No usable index: missing, built by another analysis version, or damaged."""

    exit_code = EXIT_INDEX_UNAVAILABLE


class NoIndex(IndexUnavailable):
    """Nothing was ever built at the index folder: says which folder (``./index``,
    not a bare ``index`` that reads as a word) and the two ways out."""

    def __init__(self, index_dir: os.PathLike | str, why: str = "") -> None:
        super().__init__(
            f"no index at {shown_path(index_dir)}{why} (run `searchkit index CORPUS`, or pass --index FOLDER)"
        )


def shown_path(path: os.PathLike | str) -> str:
    """``path`` as a message names it: a relative one led by ``./``, so that it reads as a place."""
    text = os.fspath(path)
    return text if os.path.isabs(text) or text.startswith(("./", "../", "~")) else f"./{text}"


class ResourceShortage(IndexUnavailable):
    """Too many open files, or no memory: the index is whole, this process cannot read or write it now."""


class IndexLocked(IndexUnavailable):
    """Another process is writing the index."""


class IndexDamaged(IndexUnavailable):
    """Files of the live index are missing or unreadable; ``--rebuild`` repairs it."""


class IndexOutdated(IndexUnavailable):
    """Built by another version of the analysis or schema; any ``index`` run rebuilds it."""


class ShrinkRefused(SearchkitError):
    """An update that would remove most of the index: likely a wrong or damaged corpus."""

    exit_code = EXIT_REFUSED


class OutputUnavailable(SearchkitError):
    """The file an output was asked into cannot be written (no such folder, no permission, a full disk)."""

    exit_code = EXIT_OUTPUT_FAILED


class Terminated(BaseException):
    """SIGTERM, raised where the process is so that writers clean up as for Ctrl-C."""
