"""What an index remembers of its corpus: the paths it was built from (and the field mapping they were read with).

``searchkit index`` with no PATH re-reads the corpus the index was built from,
not whatever ``./corpus`` the shell happens to be in: run from another folder,
that merged a stranger corpus into the index.  The paths are recorded, absolute,
in the build facts of the live generation (``searchkit.json``: ``"corpus"``),
as is the field mapping (``"fields"``: searchkit field → key in the input,
``searchkit.readers.fields``), which a run given none keeps.

- A build from scratch records the paths it read.
- An update records those recorded before and those named now: naming another
  folder adds it; the articles of recorded paths not named are kept, unread.
- A recorded path that no longer exists is refused in one line (``UsageError``),
  never read as an empty corpus: that would remove its articles.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import generations as g
from .errors import SearchkitError, UsageError

CORPUS_KEY = "corpus"
FIELDS_KEY = "fields"


def recorded_paths(meta: dict) -> list[str]:
    """The corpus paths recorded in build facts ``meta``, as written there (an older searchkit wrote them relative)."""
    paths = meta.get(CORPUS_KEY)
    return [p for p in paths if isinstance(p, str)] if isinstance(paths, list) else []


def recorded_fields(index_dir: Path) -> dict[str, str]:
    """The field mapping the live generation of ``index_dir`` records: searchkit
    field → the input's key; {} for none (or no index yet)."""
    try:
        generation = g.current_generation(index_dir)
    except SearchkitError:
        return {}  # the run itself says what is wrong with the index
    mapping = g.read_meta(generation).get(FIELDS_KEY) if generation is not None else None
    if not isinstance(mapping, dict):
        return {}
    return {k: v for k, v in mapping.items() if isinstance(k, str) and isinstance(v, str)}


def merged_paths(recorded: list[str], named: list[Path]) -> list[str]:
    """The paths to record after a run that read ``named``: those ``recorded``
    before, then the new ones, absolute, each once; a path inside another
    recorded folder is that folder's (naming ``corpus/2022`` after ``corpus``
    records nothing new).  Relative paths recorded by an older searchkit are
    dropped: the folder they were relative to is unknown."""
    paths = list(dict.fromkeys([*(p for p in recorded if os.path.isabs(p)), *map(absolute, named)]))
    return [p for p in paths if not any(other != p and Path(p).is_relative_to(other) for other in paths)]


def absolute(path: Path | str) -> str:
    """``path`` made absolute without resolving links, as the file record names files."""
    return os.path.abspath(path)


def corpus_to_read(index_dir: Path, named: list[Path] | None, default: Path | None) -> list[Path]:
    """The paths ``searchkit index`` reads: those ``named``; else those the
    index at ``index_dir`` recorded; else, for an index never built, ``default``
    (``./corpus`` for the default ``./index``, None for an index named with
    ``--index``).  A ``UsageError`` saying what to do otherwise."""
    if named:
        return named
    generation = g.current_generation(index_dir)
    meta = g.read_meta(generation) if generation is not None else {}
    recorded = recorded_paths(meta)
    if not recorded:
        if generation is None and default is not None:
            return [default]
        if generation is None:
            raise UsageError("no corpus to read: name the files or folders to index (`searchkit index PATH ...`)")
        raise UsageError(
            f"index {index_dir} does not record the corpus it was built from (an older searchkit built it): "
            "name the files or folders to read once (`searchkit index PATH ...`); it remembers them from then on"
        )
    relative = [p for p in recorded if not os.path.isabs(p)]
    if relative:
        raise UsageError(
            f"index {index_dir} recorded its corpus as {', '.join(relative)}, relative to a folder it did not "
            "record (an older searchkit): name the files or folders to read once (`searchkit index PATH ...`)"
        )
    missing = [p for p in recorded if not os.path.exists(p)]
    if missing:
        raise UsageError(
            f"the corpus index {index_dir} was built from is gone: {', '.join(missing)} no longer exists "
            "(moved, renamed, unmounted?); nothing was read, the index is as it was. Name the paths to read "
            "(`searchkit index PATH ...`), or `searchkit index --rebuild PATH ...` to build the index from "
            "those alone and forget the rest"
        )
    return [Path(p) for p in recorded]
