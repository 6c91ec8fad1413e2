"""What searchkit answers, as typed values: hits, articles, index reports, index statistics.

The library returns these; ``searchkit.wire`` turns them into JSON (one shape
for each, spans always ``{"start", "end", "text"}``) and ``searchkit.printers``
shows them in each output format.  Nothing here knows the engine or the output.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .articles import Rejection

#: A matched word: character offsets ``[start, end)`` into the stored title or body.
Span = tuple[int, int]

#: A place in the order articles were indexed, by their ``indexed`` stamp, then their id: past every
#: article of an earlier stamp and, of this stamp, those up to this id (None: all of them).
Position = tuple[int, str | None]


@dataclass(frozen=True)
class SpellingCount:
    """Where a count comes from: the articles of a result holding each spelling a query word searched
    (an article may hold several)."""

    word: str  #: the query word, folded
    counts: tuple[tuple[str, int], ...]  #: (spelling as the articles write it, articles), most first
    #: the articles holding any of the spellings, counted for a word searched alone (else None)
    held: int | None = None


@dataclass(frozen=True)
class Snippet:
    """A passage of the body, ``body[start:end]``, with the spans matched in it."""

    start: int
    end: int
    text: str
    highlights: tuple[Span, ...]


@dataclass(frozen=True)
class WordMatch:
    """How one word of an article matched a query word: as written, and how (``--explain``)."""

    word: str  #: the article's word, as written
    kind: str  #: exact, accents, stemmed, variant, fuzzy or prefix
    count: int
    source: str | None = None  #: for a variant: rule, alias or learned (see ``searchkit names``)


@dataclass(frozen=True)
class PartExplanation:
    """How one query word or phrase matched one hit."""

    part: str  #: the query word or phrase
    score: float
    matches: tuple[WordMatch, ...]


@dataclass(frozen=True)
class Suggestion:
    """A query spelled as the articles write its words, offered when a query finds little."""

    query: str  #: the corrected query, words shown as the articles write them
    hits: int  #: how many articles it finds with every word


@dataclass(frozen=True)
class Hit:
    """One ranked article of a result: its fields, score, snippets and how its words matched."""

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
    #: for ``similar``: the telling words of the article it started from that this one holds too, most telling first
    shared: tuple[str, ...] = ()
    #: the ids of the other articles of its group of near-duplicates, hidden from the list (``searchkit.duplicates``)
    copies: tuple[str, ...] = ()


@dataclass
class SearchResult:
    """A ranked list: the hits of a query, or the articles most like one article."""

    query: str | None  #: None for ``similar``
    total: int | None  #: articles matching every word (or, with partial matches, some); None if not counted
    total_estimated: bool = False  #: ``total`` estimated from a sample (``--exact-count`` to count it exactly)
    hits: list[Hit] = field(default_factory=list)
    offset: int = 0
    suggestions: list[Suggestion] = field(default_factory=list)
    similar_to: str | None = None  #: the article ``similar`` started from
    notes: list[str] = field(default_factory=list)  #: what was capped or left out, for the reader
    facets: list[Facet] | None = None  #: counts over the whole result set, when asked for (``--facets``)
    #: for each query word searching several spellings, the articles of the result each spelling brings
    spellings: list[SpellingCount] = field(default_factory=list)
    #: sorted by indexing: the position of the last hit, after which a next page starts (None: no hit)
    reached: Position | None = None
    #: ``total`` with each group of near-duplicates counted once; None when not collapsed or not counted
    collapsed_total: int | None = None


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
    not_named: int = 0  #: of ``kept``, those whose file is outside the paths read this time
    skipped: int = 0  #: files not opened: unchanged since the index last read them (their articles count as unchanged)
    rejected: list[Rejection] = field(default_factory=list)
    truncated: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)  #: articles read without something (a date), or guessed
    unknown: list[str] = field(default_factory=list)  #: files of the corpus folders of no known format, skipped
    seconds: float = 0.0
    documents: int = 0
    index_bytes: int = 0
    stamp: int | None = None  #: the ``indexed`` stamp of the articles this run wrote

    @property
    def docs_per_second(self) -> float:
        indexed = self.added + self.updated
        return indexed / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class AnalysisFacts:
    """The analysis an index was built with, for ``searchkit stats``."""

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


# --- research views: timeline, concordance, co-occurring names, facets ----------------------


@dataclass(frozen=True)
class Bucket:
    """A stretch of time: a day, an ISO week, a month or a year."""

    label: str  #: ``2022-03-01``, ``2022-W09``, ``2022-03`` or ``2022``
    start: str  #: its first day, YYYY-MM-DD
    end: str  #: its last day


@dataclass(frozen=True)
class Series:
    """One query of a timeline: matching articles per bucket."""

    query: str
    counts: tuple[int, ...]  #: one a bucket, in bucket order
    undated: int  #: matching articles with no date, counted apart
    total: int  #: every matching article, dated or not (within --since/--until when given)
    #: for each word searching several spellings, the matching articles each brings
    spellings: tuple[SpellingCount, ...] = ()
    name: str | None = None  #: its name in a query set (``--queries``)
    trimmed: int = 0  #: dated matching articles outside the drawn range (``--range auto`` left out lone dates)

    @property
    def label(self) -> str:
        """What the series is called: its name in a query set, else its query."""
        return self.name or self.query


@dataclass
class Timeline:
    """Matching articles per bucket of time, for one or several queries side by side."""

    unit: str  #: "day", "week", "month" or "year"
    buckets: list[Bucket]
    series: list[Series]
    articles: tuple[int, ...]  #: all articles in each bucket (within --source), what a share divides by
    share: bool = False  #: show shares (count / articles) rather than counts
    notes: list[str] = field(default_factory=list)
    corpus: str = ""  #: what was counted in: sources, articles, dates (a plot's caption says it)
    #: the stretches ``--range auto`` left out, each (first day, last day, dated matching articles)
    trimmed: list[tuple[str, str, int]] = field(default_factory=list)

    def shares(self, series: Series) -> list[float | None]:
        """``series``' count over all articles, bucket by bucket (None for a bucket with none)."""
        return [count / total if total else None for count, total in zip(series.counts, self.articles, strict=True)]

    def peak(self, series: Series) -> tuple[Bucket, int] | None:
        """The first bucket with the most articles (by share with ``share``); None when all are empty."""
        if not any(series.counts):
            return None
        values = self.shares(series) if self.share else series.counts
        best = max(range(len(values)), key=lambda i: (values[i] or 0, -i))
        return self.buckets[best], series.counts[best]


@dataclass(frozen=True)
class KwicLine:
    """One occurrence of the query in an article, with its context (quanteda's ``kwic`` row)."""

    id: str
    date: str | None
    field: str  #: "title" or "body"
    start: int  #: character offsets of ``keyword`` in the stored field
    end: int
    first: int  #: 1-based positions of its first and last word in the article (title, then body)
    last: int
    pre: str
    keyword: str  #: as the article wrote it
    post: str
    pattern: str  #: the query word or phrase it matched


@dataclass
class Concordance:
    """Keyword in context: the occurrences of a query, article by article."""

    query: str
    articles: int  #: articles matching the query
    read: int  #: articles whose occurrences are listed
    #: a list, or (``searchkit.kwic.streamed``) an iterator finding them as it is read; then
    #: ``read``, ``occurrences``, ``complete`` and the note on what ``limit`` cut are final once it is read
    lines: Iterable[KwicLine]
    limit: int
    complete: bool  #: every occurrence of every matching article is listed
    sort: str = "score"
    notes: list[str] = field(default_factory=list)
    #: for each word searching several spellings, the matching articles each brings
    spellings: list[SpellingCount] = field(default_factory=list)
    occurrences: int = 0  #: lines listed


@dataclass(frozen=True)
class ExportedArticle:
    """An article matching an export's query, whole, with the query's words as it wrote them."""

    id: str
    title: str
    body: str
    date: str | None
    source: str | None
    url: str | None
    #: the spellings of the query's names as the article wrote them, each once, in order of first use
    #: (Choïgou, Shoigu); none for a query of words that are no names
    matched: tuple[str, ...] = ()


@dataclass(frozen=True)
class Edge:
    """Two names of a ``cooccur`` list named in the same matching articles."""

    source: str  #: the name listed first
    target: str
    weight: int  #: matching articles read naming both


@dataclass(frozen=True)
class CoName:
    """A name found in articles matching a query: its spellings grouped by name key."""

    name: str  #: its most frequent spelling there, as written
    key: str  #: the name key its spellings share
    spellings: tuple[tuple[str, int], ...]  #: (spelling as written, occurrences), most frequent first
    articles: int  #: matching articles naming it
    corpus_articles: int  #: articles of the whole index naming it
    corpus_estimated: bool  #: ``corpus_articles`` estimated from a sample of the index (a name in many articles)
    lift: float  #: its share of the matching articles over its share of the whole index


@dataclass
class Cooccurrence:
    """The names most often found in the articles matching a query."""

    query: str
    articles: int  #: articles matching the query
    read: int  #: matching articles whose names were read: all, or an even sample of them
    corpus: int  #: articles in the index
    names: list[CoName]
    found: int  #: distinct names (name keys) found in the matching articles
    limit: int
    min_articles: int
    notes: list[str] = field(default_factory=list)
    #: for each word searching several spellings, the matching articles each brings
    spellings: list[SpellingCount] = field(default_factory=list)
    sort: str = "count"  #: names ranked by matching articles ("count") or by lift ("lift")
    name: str | None = None  #: the query's name in a query set (``--queries``)
    edges: list[Edge] = field(default_factory=list)  #: the listed names' network, when asked for (``--edges``)


@dataclass(frozen=True)
class FacetCount:
    """The matching articles of one value of a facet."""

    value: str | None  #: a source or a date bucket; None for articles without one
    count: int


@dataclass(frozen=True)
class Facet:
    """Counts of one facet (``source``, ``year``, ``month``, ``week``, ``day``) over a whole result set."""

    name: str
    counts: tuple[FacetCount, ...]


@dataclass(frozen=True)
class WatchBatch:
    """One batch of ``searchkit index --watch``: what it read and wrote."""

    batch: int  #: 1 for the first full update, then one more a batch
    report: IndexReport
    files: int  #: files read (every file of the corpus for the first)
    gone: int  #: files deleted since the last batch


@dataclass(frozen=True)
class WatchEntry:
    """A saved search of the watchlist, and how far its alerts have reported."""

    name: str
    query: str
    since: str | None  #: article date filters, as ``search --since/--until``
    until: str | None
    source: str | None
    created: str  #: ISO 8601, UTC
    mark: Position | None  #: how far its alerts have reported, in indexing order (None: from the start)
    checked: str | None = None  #: when alerts last saved its mark


@dataclass
class Alert:
    """What one saved search found among the articles indexed from ``since`` to ``until``."""

    name: str
    since: str | None  #: ISO 8601 time after which articles count as new (None: from the start)
    until: str | None  #: the newest article's indexing time: the mark saved once printed
    result: SearchResult
    error: str | None = None  #: the saved query no longer runs (its mark is kept)


@dataclass(frozen=True)
class NameSpelling:
    """A spelling a name query searches."""

    spelling: str  #: folded, as the index holds it
    written: str | None  #: as an article writes it (None when no article holds it)
    articles: int
    source: str  #: query, rule, alias or learned
    links: tuple[dict, ...] = ()  #: for alias and learned: the merges that brought it, with their evidence
    #: in a phrase: how many of the articles the phrase matches hold the spelling (None for a word alone)
    in_phrase: int | None = None


@dataclass(frozen=True)
class NameWord:
    """A query word and the name spellings its search reads (``searchkit names``)."""

    word: str  #: the query word, folded
    name: bool  #: whether the index holds it as a name (capitalised in most of its articles)
    spellings: tuple[NameSpelling, ...]
    #: with ``names --all``: the candidates decided apart, each ``{"spellings", "proposed", "reason", "evidence"}``
    rejected: tuple[dict, ...] = ()
    #: the other names sharing the word's stem that its search leaves out, each (spelling as written, articles)
    stem_left_out: tuple[tuple[str, int], ...] = ()
    stem_read: bool = True  #: whether the stem is searched, for the word's ordinary uses
    exact: bool = False  #: ``=Spelling``: that spelling only
    matched: int = 0  #: the articles the word (or its phrase) matches
    #: of those, how many hold none of its spellings as a name: the word in lower case, or a form
    #: of its stem (``@zelenskiy_official``, the dish for Poutine); 0 for a word in a phrase
    unnamed: int = 0


@dataclass
class NameSpellings:
    """What ``searchkit names`` answers: the spellings of each word of a query."""

    query: str
    exact: bool  #: every word ``=Spelling``: that spelling only
    words: list[NameWord]


@dataclass
class CheckReport:
    """What ``check`` read and what it found wrong."""

    index_dir: str
    generation: str = ""
    deep: bool = False
    files: int = 0
    bytes: int = 0
    articles: int = 0
    postings: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems
