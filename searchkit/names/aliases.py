"""The user's alias file: spellings to merge that rules and learning miss, and merges to undo.

A TOML file, ``aliases.toml`` beside the corpus (in the first corpus folder
named, or beside the first corpus file) or given with ``searchkit index
--aliases FILE``::

    # one name, several spellings: a query for any finds them all
    merge = [
      ["Kadhafi", "Gaddafi", "Qaddafi"],
    ]
    # spellings that must never find each other, whatever the rules or learning say
    split = [
      ["Fatah", "Fattah"],
    ]

Each entry lists single words (a name's spellings, as written or folded:
accents and case do not matter).  The file wins over the rules and over
learning; a split wins over a merge.  It is read by ``searchkit index``, and
an update with a changed file applies it without a rebuild (the name-variant
table is rewritten, not the index).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..analysis import fold
from ..errors import UsageError
from ..readers.fields import beside_corpus

ALIASES_FILE = "aliases.toml"


@dataclass(frozen=True)
class Aliases:
    """An alias file, read: its entries as folded spellings, and a digest of its content."""

    merges: tuple[tuple[str, ...], ...] = ()
    splits: tuple[tuple[str, ...], ...] = ()
    path: str | None = None
    digest: str = ""


NO_ALIASES = Aliases()


def find_aliases(paths: list[Path], given: Path | None = None) -> Path | None:
    """The alias file to apply: ``given``, else ``aliases.toml`` beside the first corpus path, if any."""
    if given is not None:
        if given.is_dir():
            inside = given / ALIASES_FILE
            hint = f" (--aliases {inside}?)" if inside.is_file() else ""
            raise UsageError(f"alias file {given} is a folder: give the TOML file itself{hint}")
        if not given.exists():
            raise UsageError(f"no such alias file: {given}")
        if not given.is_file():
            raise UsageError(f"alias file {given} is not a regular file (a pipe, socket or device)")
        return given
    return beside_corpus(paths, ALIASES_FILE)


def load_aliases(path: Path | None) -> Aliases:
    """The alias file at ``path`` (none: no aliases); ``UsageError`` naming what is wrong in it."""
    if path is None:
        return NO_ALIASES
    try:
        raw = path.read_bytes()
        document = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"cannot read alias file {path}: {error}") from None
    unknown = sorted(set(document) - {"merge", "split"})
    if unknown:
        raise UsageError(f"alias file {path}: unknown key(s) {', '.join(unknown)}: use merge and split")
    return Aliases(
        merges=_entries(document, "merge", path),
        splits=_entries(document, "split", path),
        path=str(path),
        digest=hashlib.sha256(raw).hexdigest(),
    )


def _entries(document: dict, name: str, path: Path) -> tuple[tuple[str, ...], ...]:
    entries = document.get(name, [])
    if not isinstance(entries, list):
        raise UsageError(
            f'alias file {path}: {name} must be a list of lists of spellings ([["Kadhafi", "Gaddafi"]]), '
            f"not {_shown(entries)}"
        )
    found = []
    for number, entry in enumerate(entries, 1):
        where = f"alias file {path}: {name} entry {number}"
        if not isinstance(entry, list):
            raise UsageError(f'{where} must be a list of spellings (["Kadhafi", "Gaddafi"]), not {_shown(entry)}')
        folded = []
        for spelling in entry:
            if not isinstance(spelling, str):
                raise UsageError(
                    f'{where} holds {_shown(spelling)}, which is not a string: quote each spelling ("Trump")'
                )
            word = fold(spelling)
            if not word or len(spelling.split()) != 1:
                raise UsageError(f"{where}: {spelling!r} is not one word")
            folded.append(word)
        distinct = tuple(dict.fromkeys(folded))
        if len(entry) < 2:
            raise UsageError(f"{where} must list two spellings or more, not {len(entry)}")
        if len(distinct) < 2:
            # An entry that merges nothing is a mistake about what it does, not a harmless line.
            raise UsageError(f"{where}: {', '.join(entry)} are one spelling once accents and case are folded")
        found.append(distinct)
    return tuple(found)


def _shown(value: object) -> str:
    """A TOML value as an error names it: a number, a date or a boolean as written, else its kind."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, str):
        return repr(value)
    return str(value)
