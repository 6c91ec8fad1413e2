"""The engine seam: what searchkit asks of a search engine, and the Whoosh engine that answers.

As Whoosh separates ``Index`` from ``Storage``, searchkit separates what it
knows (the French analysis, the query language, ranking tiers, highlighting,
explanations, suggestions, the index folder's life cycle) from the engine that
stores postings and scores them.  Two protocols make the seam:

- ``Engine`` checks, creates and updates one *generation* (a folder holding
  one complete index) and opens it for reading;
- ``OpenIndex`` is a generation opened for reading, which the caller opens and
  closes (``with engine.open(generation) as index: ...``).

Every Whoosh call outside the analysis chain lives in the ``whoosh_*`` modules
here: ``whoosh_engine`` for storage and scoring, ``whoosh_query`` for compiling
the query syntax tree, ``whoosh_expansions`` for prefixes and fuzzy words, and
``whoosh_operators`` for ``NEAR``, ``PRE``, ``atleastN`` and ``lead:``.
``docs/scale-out.md`` describes a second engine on OpenSearch behind the same
protocols.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..articles import Article
from ..models import Position

if TYPE_CHECKING:
    from ..query import Node

#: The fields that hold an article's words: what a query searches by default.
TEXT_FIELDS = ("title", "body")

#: A query compiled by an engine, opaque to the rest of searchkit.
Compiled = Any


@dataclass(frozen=True)
class Ranked:
    """One document of a ranked list: the engine's number for it, and its score
    (None when the list is ordered by date or by indexing)."""

    docnum: int
    score: float | None


@dataclass(frozen=True)
class Satisfied:
    """Where an operator (``NEAR``, ``atleastN``, ``lead:``) or a phrase was satisfied in one
    article, as word positions of a field (counted from 0, stop words too)."""

    #: (field, first position, last position) of each operand occurrence that satisfied it
    spans: tuple[tuple[str, int, int], ...]
    #: for a proximity, the pairs that satisfied it: (field, first, last of one, first, last of the other)
    pairs: tuple[tuple[str, int, int, int, int], ...] = ()


@dataclass
class ContentCheck:
    """What reading a whole generation found (``OpenIndex.verify_contents``)."""

    articles: int = 0
    postings: int = 0
    problems: list[str] = field(default_factory=list)


class NameSpellings(Protocol):
    """The spellings a name query word searches: what the engine is handed, as data,
    by ``searchkit.names`` (which decides them), so that the engine never imports it."""

    def spellings(self, folded: str) -> set[str]: ...
    def spellings_before(self, folded: str, surname: str) -> set[str]: ...
    def stem_apart(self, folded: str) -> set[str] | None:
        """The other names sharing the word's stem (Adrien for Adrienne, York for Yorker): a
        search leaves out what the stem finds through them alone.  None: the stem is not
        searched at all, the word's spellings only (``--exact-names``; a name never written
        in lower case)."""
        ...


def spellings_in_turn(words: list[str], variants: NameSpellings) -> list[set[str]]:
    """The spellings each of ``words`` (folded, the words of one query word or phrase, in
    order) searches: a word followed by another, a given name before its surname, also those
    written beside that surname (Sergueï in "Sergei Lavrov").  What the query matches, and
    what the views that show where it matched and where its count comes from look for."""
    return [
        variants.spellings_before(word, words[i + 1]) if i + 1 < len(words) else variants.spellings(word)
        for i, word in enumerate(words)
    ]


class IndexWriter(Protocol):
    """Adds, replaces and deletes articles of one generation; nothing is seen before ``commit``.

    ``indexed`` is the stamp of the commit that first held the article as it reads now."""

    def add(self, article: Article, indexed: int) -> None: ...
    def replace(self, article: Article, indexed: int) -> None: ...
    def delete(self, article_id: str) -> None: ...
    def commit(self, optimize: bool = False) -> None: ...
    def cancel(self) -> None: ...


class OpenIndex(Protocol):
    """A generation opened for reading."""

    generation: Path

    def close(self) -> None: ...
    def __enter__(self) -> OpenIndex: ...
    def __exit__(self, *exc: object) -> None: ...

    # what a query needs
    def compile(self, node, variants, *, positive_only: bool = False, exact_names: bool = False) -> Compiled | None: ...
    def restriction(
        self, since: str | None, until: str | None, source: str | None, filters: tuple[Node, ...] = ()
    ) -> Compiled | None:
        """What ``--since``, ``--until``, ``--source`` and a query's top-level
        ``filters`` keep: a set of articles that limits hits without scoring them."""

    def ranked(
        self, query: Compiled, limit: int, restriction: Compiled | None = None, order: str = "score"
    ) -> list[Ranked]:
        """The first ``limit`` matches by ``order``: ``score``, ``date`` (newest
        first) or ``indexed`` (first indexed first: by stamp, then id)."""

    def count(self, query: Compiled, restriction: Compiled | None = None) -> int: ...
    def count_about(
        self, query: Compiled, restriction: Compiled | None = None, budget: int | None = None
    ) -> tuple[int, bool]: ...
    def doc_set(self, query: Compiled | None, restriction: Compiled | None = None) -> set[int]: ...
    def column_values(self, name: str) -> list: ...
    def matched_terms(self, query: Compiled | None, positional: bool = True) -> set[str]: ...
    def positional_matches(self, query: Compiled | None, docnums: list[int]) -> dict[int, list[Satisfied]]:
        """For each of ``docnums``, where each operator and each phrase of ``query`` was satisfied
        in it: asked for many articles at once, an engine reads the postings once for them all."""

    def capped(self, query: Compiled | None) -> list[str]: ...
    def part_score(self, query: Compiled, docnum: int) -> float: ...
    def term_query(self, *terms: str) -> Compiled: ...
    def like(
        self, words: list[tuple[tuple[str, ...], float]], limit: int, restriction: Compiled | None, left_out: set[int]
    ) -> list[Ranked]:
        """The articles that best match ``words`` (the terms of each, in any text field, and its weight)."""

    def like_scores(
        self, words: list[tuple[tuple[str, ...], float]], docnums: list[int]
    ) -> dict[int, tuple[float, set[str]]]:
        """For each of ``docnums``, the score ``like`` gives it and the terms of ``words`` it holds,
        from postings read for those only."""

    def terms_held(self, terms: list[str], docnums: list[int]) -> dict[int, set[str]]:
        """For each of ``docnums``, which of ``terms`` its title or body holds, from postings read for those only."""

    # stored articles
    def stored(self, docnum: int) -> dict: ...
    def docnum_of(self, article_id: str) -> int | None: ...
    def ids_of(self, docnums: list[int]) -> dict[int, str]:
        """The ids of a few documents, by number: as many look-ups as documents, not as ids in every segment."""

    def docnums_of(self, article_ids: set[str], guesses: dict[str, int] | None = None) -> dict[str, int]:
        """The numbers of the live documents of a few ids, from the id columns read whole;
        ``guesses`` (numbers they had at an earlier commit) checked first."""

    def dates_of(self, docnums: list[int]) -> dict[int, str | None]:
        """The date of each of a few documents (``2022-03-05``), None where one has none."""

    def doc_count(self) -> int: ...
    def doc_count_all(self) -> int:
        """The documents numbered, deleted ones too (their terms still counted by ``doc_frequency``)."""
        ...

    def article_hashes(self) -> dict[str, tuple[int, bytes]]: ...
    def article_hash(self, article_id: str) -> bytes | None: ...
    def live_values(self, *columns: str) -> Iterator[tuple]: ...
    def verify_contents(self, on_progress: Callable[[int, int], None] | None = None) -> ContentCheck:
        """Reads every article and posting list, comparing each article with its
        content hash; ``on_progress`` hears (articles read, articles)."""

    # vocabulary, for suggestions and the name-variant table
    def commit_id(self) -> int: ...
    def doc_frequency(self, term: str, fields: tuple[str, ...] = TEXT_FIELDS) -> int:
        """How many articles hold ``term`` in ``fields``, each field counted apart."""

    def rarity(self, term: str) -> float:
        """The idf the scores give ``term`` (the smaller of its title and body ones)."""

    def spellings(self) -> Iterator[str]: ...
    def neighbours(self, term: str, maxdist: int, prefix: int) -> set[str]: ...
    def segments(self) -> list[str]: ...
    def vocabulary(self, segment: str) -> Iterator[tuple[str, str, int]]: ...
    def segment_count(self) -> int: ...

    # when articles were indexed (a stamp a commit, in nanoseconds since 1970, never decreasing)
    def newest_indexed(self) -> int | None: ...
    def indexed_between(self, after: Position | None, upto: int | None, restriction: Compiled | None) -> Compiled: ...


class Engine(Protocol):
    """Creates, checks, updates and opens generations."""

    #: From this many articles on, a rebuild may use several processes.
    parallel_threshold: int

    def check_settings(self) -> None:
        """A ``UsageError`` for a bad setting of the engine (an environment
        variable), checked by every ``index`` run before it takes the lock:
        a run with nothing to write would otherwise never read it."""

    def damage(self, generation: Path, facts: dict) -> str | None: ...
    def commit_facts(self, generation: Path, previous: dict) -> dict: ...
    def latest_commit(self, generation: Path) -> int:
        """The number of the generation's latest commit (-1 before its first)."""

    def verify_files(self, generation: Path, facts: dict, on_file: Callable[[str, int], None]) -> list[str]: ...
    def remove_leftovers(self, generation: Path) -> None: ...
    def create(self, generation: Path, parallel: bool) -> IndexWriter: ...
    def writer(self, generation: Path) -> IndexWriter: ...
    def open(self, generation: Path) -> OpenIndex: ...
    def reading(self, index_dir: Path) -> AbstractContextManager[None]: ...


def default_engine() -> Engine:
    """The engine searchkit runs on: Whoosh."""
    from .whoosh_engine import WhooshEngine

    return WhooshEngine()
