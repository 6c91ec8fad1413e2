"""What searchkit answers, as typed values: hits, articles, index reports, index statistics.

The library returns these; ``searchkit.wire`` turns them into JSON (one shape
for each, spans always ``{"start", "end", "text"}``) and ``searchkit.printers``
shows them in each output format.  Nothing here knows the engine or the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .corpus import Rejection

#: A matched word: character offsets ``[start, end)`` into the stored title or body.
Span = tuple[int, int]


@dataclass(frozen=True)
class Snippet:
    """A passage of the body, ``body[start:end]``, with the spans matched in it."""

    start: int
    end: int
    text: str
    highlights: tuple[Span, ...]


@dataclass(frozen=True)
class WordMatch:
    word: str  #: the article's word, as written
    kind: str  #: exact, accents, stemmed, variant, fuzzy or prefix
    count: int


@dataclass(frozen=True)
class PartExplanation:
    """How one query word or phrase matched one hit."""

    part: str  #: the query word or phrase
    score: float
    matches: tuple[WordMatch, ...]


@dataclass(frozen=True)
class Suggestion:
    query: str  #: the corrected query, words shown as the articles write them
    hits: int  #: how many articles it finds with every word


@dataclass(frozen=True)
class Hit:
    rank: int
    id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    origin: str | None
    score: float | None  #: None when sorted by date, not by relevance
    partial: bool  #: matched only some of the query's words
    title_highlights: tuple[Span, ...]
    snippets: tuple[Snippet, ...]
    body_length: int
    explanation: tuple[PartExplanation, ...] = ()


@dataclass
class SearchResult:
    """A ranked list: the hits of a query, or the articles most like one article."""

    query: str | None  #: None for ``similar``
    total: int | None  #: articles matching every word (or, with partial matches, some); None if not counted
    hits: list[Hit] = field(default_factory=list)
    offset: int = 0
    suggestions: list[Suggestion] = field(default_factory=list)
    similar_to: str | None = None  #: the article ``similar`` started from
    notes: list[str] = field(default_factory=list)  #: what was capped or left out, for the reader


@dataclass(frozen=True)
class ArticleView:
    """A whole stored article, with the spans a query matched in it."""

    id: str
    title: str
    body: str
    date: str | None
    source: str | None
    url: str | None
    origin: str | None
    title_highlights: tuple[Span, ...]
    body_highlights: tuple[Span, ...]


@dataclass
class IndexReport:
    """What one ``index`` run did, for people and for scripts."""

    index_dir: str
    mode: str  #: "rebuild", "update", or "none" (an index appeared meanwhile)
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    kept: int = 0  #: articles missing from the input but kept: their file was not read whole, or not read
    rejected: list[Rejection] = field(default_factory=list)
    truncated: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0
    documents: int = 0
    index_bytes: int = 0

    @property
    def docs_per_second(self) -> float:
        indexed = self.added + self.updated
        return indexed / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class AnalysisFacts:
    version: int | None
    schema_version: int | None
    stop_words: int
    stemmer: str
    name_variants: str


@dataclass(frozen=True)
class IndexStats:
    """What an index holds and how it was built, for ``searchkit stats``."""

    index: str
    generation: str
    documents: int
    dated: int
    first_date: str | None
    last_date: str | None
    sources: dict[str, int]
    bytes: int
    segments: int
    created: str | None
    updated: str | None
    corpus: list[str]
    analysis: AnalysisFacts
