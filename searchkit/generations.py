"""An index folder's generations: which one is live, swapping in a new one, build facts.

An index folder holds *generations*, each a complete index of the engine,
and a ``CURRENT`` file naming the live one::

    index/
      CURRENT          "gen-000002"
      gen-000002/      the live index, with searchkit.json (build facts) and files.json (signatures.py)
      gen-000001/      the previous one, kept for searches still reading it
      .lock            held by the one process writing (searchkit.lock)

A full rebuild writes a new generation beside the live one and swaps
``CURRENT`` with an atomic rename, so searches never see a half-built index and
a killed rebuild leaves the old one intact.  Nothing here knows the engine:
whether a generation's files are whole is the engine's to say.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from pathlib import Path

from .analysis import ANALYSIS_VERSION
from .atomic import write_atomically
from .errors import (
    FILES_EXHAUSTED,
    IndexDamaged,
    IndexOutdated,
    IndexUnavailable,
    ResourceShortage,
    descriptors_exhausted,
    resource_shortage,
)
from .lock import describe_os_error

CURRENT_FILE = "CURRENT"
META_FILE = "searchkit.json"
#: Bumped when the fields change; like ANALYSIS_VERSION, a mismatch means rebuild.
SCHEMA_VERSION = 6
REPAIR = "`searchkit index --rebuild` rebuilds it from the corpus"
_GENERATION_NAME = re.compile(r"gen-\d{6}")


def current_generation(index_dir: Path) -> Path | None:
    """The live generation's folder, or None when the index was never built.

    ``IndexDamaged`` when ``CURRENT`` names no generation of this folder, and
    when it is missing beside a complete generation: a sync tool or a hand
    clean-up removed it, and treating the folder as new would rebuild over
    (and delete) every article.  Generations without build facts are what a
    killed first build left, and do not count.
    """
    try:
        name = _read_small(index_dir / CURRENT_FILE).decode(errors="replace").strip()
    except (FileNotFoundError, NotADirectoryError):
        complete = [generation for generation in _generations(index_dir) if read_meta(generation)]
        if complete:
            newest = complete[-1]
            raise IndexDamaged(
                f"index {index_dir} is damaged ({CURRENT_FILE} is missing; the newest complete generation is "
                f"{newest.name}, updated {read_meta(newest).get('updated', '?')}): `echo {newest.name} > "
                f"{index_dir / CURRENT_FILE}` makes it live again, or {REPAIR}"
            ) from None
        return None
    except OSError as error:
        reason = resource_shortage(error) or describe_os_error(error)
        raise IndexUnavailable(f"cannot read index {index_dir}: {reason}") from None
    if not _GENERATION_NAME.fullmatch(name):
        raise IndexDamaged(f"index {index_dir} is damaged ({CURRENT_FILE} names no generation): {REPAIR}")
    return index_dir / name


def _read_small(path: Path, limit: int = 4096) -> bytes:
    """The start of a small file of the index folder; ``IndexDamaged`` when it
    is not a regular file (a FIFO would block the reader forever)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IndexDamaged(
                f"index {path.parent} is damaged ({path.name} is not a regular file): move it away, then {REPAIR}"
            )
        return os.read(fd, limit)
    finally:
        os.close(fd)


def is_index_part(name: str) -> bool:
    """Whether an index folder's entry ``name`` is one of searchkit's (``CURRENT``, a generation)."""
    return name == CURRENT_FILE or _GENERATION_NAME.fullmatch(name) is not None


def index_exists(index_dir: Path) -> bool:
    """Whether ``index_dir`` has a live generation (usable or not)."""
    try:
        return current_generation(index_dir) is not None
    except IndexUnavailable:
        return True


def _generations(index_dir: Path) -> list[Path]:
    return sorted(p for p in index_dir.glob("gen-*") if _GENERATION_NAME.fullmatch(p.name) and p.is_dir())


def new_generation(index_dir: Path) -> Path:
    """A new, empty generation folder, numbered after every name of the
    folder that looks like one (a file or a link of that name included:
    it is skipped, never written through)."""
    taken = [int(entry.name[4:]) for entry in index_dir.iterdir() if _GENERATION_NAME.fullmatch(entry.name)]
    number = max(taken, default=0) + 1
    while True:
        path = index_dir / f"gen-{number:06d}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            number += 1


def publish(index_dir: Path, generation: Path) -> None:
    """Makes ``generation`` live with one atomic rename; ``IndexUnavailable``
    when ``CURRENT`` is a folder (a rename cannot replace one, and what it
    holds is not searchkit's to remove)."""
    try:
        write_atomically(index_dir / CURRENT_FILE, generation.name.encode(), durable=True)
    except IsADirectoryError:
        raise IndexUnavailable(
            f"cannot write index {index_dir}: {index_dir / CURRENT_FILE} is a folder; move it away, then run again"
        ) from None


def remove_stale_generations(index_dir: Path) -> None:
    """Removes generations other than the live one and the one just before it,
    and what a swap killed half-way left.

    The previous one stays because a search that started before the swap may
    still be reading it; generations above the live one are leftovers of a
    rebuild that was killed.  Only under the writer lock.  Nothing is removed
    when the live generation is not there to compare with (``CURRENT``
    missing, garbled, or naming a missing folder): that index is damaged,
    and what it holds may be what the user recovers.
    """
    (index_dir / f".{CURRENT_FILE}.tmp").unlink(missing_ok=True)
    try:
        live = current_generation(index_dir)
    except IndexDamaged:
        return
    if live is not None and not live.is_dir():
        return
    keep = {live}
    older = [g for g in _generations(index_dir) if live is not None and g.name < live.name]
    if older:
        keep.add(older[-1])
    for generation in _generations(index_dir):
        if generation not in keep:
            shutil.rmtree(generation, ignore_errors=True)


def read_meta(generation: Path) -> dict:
    """The build facts of a generation; empty when missing or unreadable."""
    try:
        meta = json.loads((generation / META_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def malformed(meta: dict) -> str | None:
    """What is wrong with the shape of build facts (a hand edit, a bad
    restore), or None: the engine and ``check`` read them as written."""

    def whole(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    files, sums = meta.get("files"), meta.get("checksums", {})
    if not whole(meta.get("commit")):
        return f"{META_FILE} holds no commit number"
    if not isinstance(files, dict) or not files or not all(whole(size) for size in files.values()):
        return f"{META_FILE} holds no list of files and sizes"
    if not isinstance(sums, dict) or not all(whole(crc) for crc in sums.values()):
        return f"{META_FILE} holds malformed checksums"
    return None


def write_meta(generation: Path, meta: dict) -> None:
    write_atomically(generation / META_FILE, json.dumps(meta, indent=2).encode())


def versions() -> dict:
    """The versions a generation's build facts must name to be read by this searchkit."""
    return {"analysis_version": ANALYSIS_VERSION, "schema_version": SCHEMA_VERSION}


def check_live(index_dir: Path, engine) -> Path | None:
    """The live generation if it is usable; None when there is none (or only
    the leftovers of a first build that was killed).

    ``IndexOutdated`` when it was built by another version of the analysis,
    ``IndexDamaged`` when the engine finds its files missing or unreadable.
    """
    generation = current_generation(index_dir)
    if generation is None:
        return None
    meta = read_meta(generation)
    if not generation.is_dir():
        damage = "its folder is missing"
    elif not meta:
        damage = f"{META_FILE} is missing or unreadable"
    elif any(meta.get(key) != value for key, value in versions().items()):
        damage = None  # another version's facts: what they hold is its to say, and a rebuild replaces them
    else:
        damage = malformed(meta) or engine.damage(generation, meta)
    if damage is not None:
        if descriptors_exhausted():
            raise ResourceShortage(f"cannot read index {index_dir}: {FILES_EXHAUSTED}; the index is not damaged")
        raise IndexDamaged(f"index {index_dir} is damaged ({damage}): {REPAIR}")
    if any(meta.get(key) != value for key, value in versions().items()):
        built = f"analysis {meta.get('analysis_version', '?')}, schema {meta.get('schema_version', '?')}"
        raise IndexOutdated(
            f"index {index_dir} was built by another version of searchkit ({built}; "
            f"this one reads analysis {ANALYSIS_VERSION}, schema {SCHEMA_VERSION}): run `searchkit index --rebuild`"
        )
    return generation


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
