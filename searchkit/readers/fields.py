"""Which key of a record (a JSON object, a CSV row) holds which article field.

Archives name their fields their own way: Media Cloud writes ``text``,
``publish_date`` and ``media_name``, a spreadsheet ``Titre`` and ``Texte``.
The names below are recognised by themselves (case and spaces around them do
not matter); any other is named with ``searchkit index --map
body=story,date=day`` or in ``fields.toml`` beside the corpus (in the first
corpus folder named, or beside the first corpus file, as ``aliases.toml``)::

    # article field = the key of the records that holds it
    body = "story"
    date = "day"

``--map`` wins over the file, field by field.  A field mapped is read from
that key first, then from the names recognised: one mapping serves a corpus
of several exports.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError

FIELDS_FILE = "fields.toml"
FIELDS = ("id", "title", "body", "date", "source", "url")

#: The keys each field is looked for under, first found first, when it is not mapped.
RECOGNISED: dict[str, tuple[str, ...]] = {
    "id": ("id", "stories_id", "story_id", "guid", "doc_id", "identifiant"),
    "title": ("title", "headline", "titre"),
    "body": ("body", "text", "content", "story_text", "full_text", "fulltext", "texte", "contenu"),
    "date": ("date", "publish_date", "published", "publication_date", "pubdate", "published_at", "datetime"),
    "source": ("source", "media_name", "media", "publication", "journal", "site_name", "sitename"),
    "url": ("url", "link", "permalink", "canonical_url", "lien"),
}


@dataclass(frozen=True)
class FieldMap:
    """The keys a user named for some fields; the others are looked for under ``RECOGNISED``."""

    mapped: dict[str, str] = field(default_factory=dict)

    def candidates(self, name: str) -> tuple[str, ...]:
        """The keys (folded: lower case) field ``name`` is read from, in order."""
        given = self.mapped.get(name)
        return RECOGNISED[name] if given is None else tuple(dict.fromkeys((given.strip().lower(), *RECOGNISED[name])))

    def resolve(self, keys: list[str]) -> dict[str, list[str]]:
        """Field → the keys of ``keys`` (as written) that may hold it, best first."""
        folded: dict[str, list[str]] = {}
        for key in keys:
            folded.setdefault(key.strip().lower(), []).append(key)
        return {name: [k for c in self.candidates(name) for k in folded.get(c, ())] for name in FIELDS}

    def merged(self, over: FieldMap) -> FieldMap:
        """This map, with the fields ``over`` maps taken from it."""
        return FieldMap({**self.mapped, **over.mapped})

    @property
    def digest(self) -> str:
        """What an index records of the map, to read every file again when it changes."""
        return hashlib.sha256(json.dumps(self.mapped, sort_keys=True).encode()).hexdigest()[:16]


NO_MAP = FieldMap()


def parse_map(text: str) -> FieldMap:
    """``body=text,date=publish_date`` (the ``--map`` option) as a ``FieldMap``."""
    mapped = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        name, equals, key = (part.strip() for part in entry.partition("="))
        if not equals or not key:
            raise UsageError(f"--map {text!r}: {entry!r} is not FIELD=KEY (body=text,date=publish_date)")
        mapped[_field_name(name, "--map")] = key
    if not mapped:  # `--map "$MAP"` with MAP unset would otherwise read with the defaults, unsaid
        raise UsageError(f"--map {text!r} maps no field: give FIELD=KEY,... (body=text,date=publish_date)")
    return FieldMap(mapped)


def beside_corpus(paths: list[Path], name: str) -> Path | None:
    """The file ``name`` in the folder of the first corpus path (the folder
    itself, or a file's), if there is one: where a corpus keeps its settings
    (``fields.toml``, ``aliases.toml``)."""
    if not paths:
        return None
    first = paths[0]
    candidate = (first if first.is_dir() else first.parent) / name
    return candidate if candidate.is_file() else None


def find_fields(paths: list[Path]) -> Path | None:
    """``fields.toml`` beside the first corpus path, if there is one."""
    return beside_corpus(paths, FIELDS_FILE)


def load_fields(path: Path | None) -> FieldMap:
    """The field file at ``path`` (none: no mapping); ``UsageError`` naming what is wrong in it."""
    if path is None:
        return NO_MAP
    try:
        document = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"cannot read field file {path}: {error}") from None
    mapped = {}
    for name, key in document.items():
        if not isinstance(key, str) or not key.strip():
            raise UsageError(f'field file {path}: {name} must name a key as a string (body = "text")')
        mapped[_field_name(name, f"field file {path}")] = key
    return FieldMap(mapped)


def _field_name(name: str, where: str) -> str:
    if name not in FIELDS:
        raise UsageError(f"{where}: unknown field {name!r}: map one of {', '.join(FIELDS)}")
    return name
