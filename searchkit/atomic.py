"""Writing a small file of an index folder whole, as one atomic step, never through a link.

Everything searchkit writes in an index folder (``CURRENT``, a generation's
build facts and file record, the watchlist) is written to a temporary name
beside it and renamed over the old file: a reader sees the old file or the
new one, never half of one.  What must survive a power cut (``CURRENT``, the
watchlist's marks) is also flushed to the disk before and after the rename.  The temporary file is
created afresh with ``O_NOFOLLOW | O_EXCL``: a symbolic link planted at its
name (by a sync tool, a hand clean-up, another user) is refused, never
written through, so nothing outside the index is truncated.  ``os.replace``
replaces a link at the final name rather than following it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

#: Flags of every file searchkit creates in an index folder: never through a link.
CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def write_atomically(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Replaces ``path`` by a file holding ``data``; with ``durable``, the
    file and the rename are on the disk when this returns (a power cut
    leaves the old file or the new one)."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.unlink(missing_ok=True)  # a leftover of a killed writer, or a link: removed, not followed
    fd = os.open(temp, CREATE_FLAGS, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if durable:
        with contextlib.suppress(OSError):  # some file systems cannot sync a folder; the rename stands
            folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
