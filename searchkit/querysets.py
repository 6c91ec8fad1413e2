"""Query sets: a file of named queries, for timeline, kwic, cooccur and the watchlist.

Two forms, told apart by the file's extension:

``.yml`` / ``.yaml``: quanteda's YAML dictionary (``dictionary(file=...)``,
``as.yaml``): keys, nested or not, each holding a list of patterns.  A
pattern is a word, a ``*`` glob at its end (``ukrain*``: a prefix) or words
separated by spaces (``union européenne``: a phrase); a key's patterns are
alternatives (OR).  Nested keys are named as quanteda names them, joined by a
dot (``parties.gauche``).  A key holding a string rather than a list holds a
searchkit query, written as for ``searchkit search`` (``kiev: =Kiev``).

Any other extension (``.txt``): a plain list, a ``name: query`` line each;
blank lines and lines starting with ``#`` are skipped.  No YAML quoting is
needed there (``gauche: "France insoumise" OR Mélenchon``).

Every error (a file that cannot be read, bad YAML, a pattern searchkit cannot
search) is a ``UsageError`` in one line naming the file, and the key or line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import query as q
from .errors import QueryError, UsageError

#: Named queries a set may hold: each is a series, a block or a saved search.
MAX_QUERIES = 100
#: Patterns a key may hold: a query of this many alternatives at most.
MAX_PATTERNS = 200
#: A query-set file is read whole: at most this many bytes.
MAX_BYTES = 1 << 20
_NAME = re.compile(r"^[^\s:#][^:]*$")


@dataclass(frozen=True)
class NamedQuery:
    """One query of a query set, with the name its series or alert goes by."""

    name: str  #: the key (``parties.gauche``), or the name before ``:``
    query: str  #: a searchkit query


def load(path: Path) -> list[NamedQuery]:
    """The named queries of the file at ``path``, in the file's order."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read query set {path}: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise UsageError(f"query set {path} is over {MAX_BYTES // 1024:,} KiB: is it a query set?")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"query set {path} is not UTF-8 text") from None
    found = _from_yaml(path, text) if path.suffix.lower() in (".yml", ".yaml") else _from_lines(path, text)
    if not found:
        raise UsageError(f"query set {path} holds no query")
    if len(found) > MAX_QUERIES:
        raise UsageError(f"query set {path} holds {len(found):,} queries: at most {MAX_QUERIES} a run")
    names = [n.name for n in found]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise UsageError(f"query set {path}: the name {doubled[0]!r} is given twice")
    for named in found:
        try:
            q.parse(named.query)
        except QueryError as error:
            raise UsageError(f"query set {path}, {named.name}: {error}") from None
    return found


def _from_lines(path: Path, text: str) -> list[NamedQuery]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, colon, query = line.partition(":")
        name, query = name.strip(), query.strip()
        if not colon or not name or not query:
            raise UsageError(f"query set {path}, line {number}: write `name: query` (got {line[:60]!r})")
        found.append(NamedQuery(name, query))
    return found


def _from_yaml(path: Path, text: str) -> list[NamedQuery]:
    import yaml  # only for a YAML set: not on every command's start-up

    try:
        tree = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise UsageError(
            f"query set {path}{where}: {problem} (quote a query holding quotes or a colon, "
            "or write a .txt file of `name: query` lines)"
        ) from None
    if not isinstance(tree, dict):
        raise UsageError(f"query set {path}: expected keys holding lists of patterns (a quanteda dictionary)")
    found: list[NamedQuery] = []
    _walk(path, tree, "", found)
    return found


def _walk(path: Path, tree: dict, prefix: str, found: list[NamedQuery]) -> None:
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if not isinstance(key, str | int | float) or not _NAME.match(str(key).strip()):
            raise UsageError(f"query set {path}: {name!r} is not a usable name")
        if isinstance(value, dict):
            _walk(path, value, f"{name}.", found)
        elif isinstance(value, str):
            found.append(NamedQuery(name, value.strip()))
        elif isinstance(value, list):
            if not value or len(value) > MAX_PATTERNS:
                raise UsageError(f"query set {path}, {name}: give 1 to {MAX_PATTERNS} patterns")
            found.append(NamedQuery(name, " OR ".join(pattern_query(path, name, p) for p in value)))
        else:
            raise UsageError(f"query set {path}, {name}: expected a list of patterns or a query, got {value!r}")


def pattern_query(path: Path, name: str, pattern: object) -> str:
    """A quanteda glob pattern as a searchkit query: ``ukrain*`` a prefix, ``a b`` a phrase."""
    if not isinstance(pattern, str | int | float) or not str(pattern).strip():
        raise UsageError(f"query set {path}, {name}: {pattern!r} is not a pattern")
    text = " ".join(str(pattern).split())
    if "?" in text:
        raise UsageError(f"query set {path}, {name}: {text!r}: '?' globs are not searchable, use * at a word's end")
    words = text.split(" ")
    if any("*" in w.rstrip("*") or '"' in w for w in words):
        raise UsageError(f"query set {path}, {name}: {text!r}: '*' only at a word's end (a prefix)")
    if len(words) > 1:
        if "*" in text:
            raise UsageError(f"query set {path}, {name}: {text!r}: a phrase cannot hold a prefix")
        return f'"{text}"'
    return text
