"""The Whoosh engine: a generation is a Whoosh index folder.

Holds every Whoosh call of searchkit outside the analysis chain and the query
compiler (``whoosh_query``): the schema, reading and scoring with BM25F,
vocabulary statistics, and what damaged Whoosh files raise.  The writers are
``whoosh_writing``'s, imported when an index is written: Whoosh's writers
(multiprocessing under them) are no part of a search.
"""

from __future__ import annotations

import heapq
import marshal
import os
import re
import shutil
import zlib
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from whoosh import collectors, columns, fields, formats, index, scoring
from whoosh import query as wq
from whoosh.analysis import RegexTokenizer
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.matching import AndMaybeMatcher, Matcher, ReadTooFar, UnionMatcher, WrappingMatcher
from whoosh.matching.combo import ArrayUnionMatcher
from whoosh.reading import SegmentReader, TermNotFound

from ..analysis import SPELLING_MARK, WORD_PATTERN, FoldFilter, PerWordCache, word_analyzer
from ..articles import Article
from ..errors import (
    FILES_EXHAUSTED,
    WRITE_ERRNOS,
    IndexDamaged,
    ResourceShortage,
    SearchkitError,
    UsageError,
    descriptors_exhausted,
    resource_shortage,
)
from ..generations import REPAIR, read_meta
from ..lock import describe_os_error
from ..models import Position
from ..query import Node
from ..vocabulary import VOCABULARY_FILE, Vocabulary
from . import TEXT_FIELDS, Compiled, ContentCheck, Ranked, Satisfied
from . import whoosh_checksums as wq_checksums
from . import whoosh_counts as wq_counts
from . import whoosh_expansions as wq_expansions
from . import whoosh_operators as wq_operators
from . import whoosh_postings as wq_postings
from . import whoosh_query as wq_compile

if TYPE_CHECKING:
    from .whoosh_writing import Writer

INDEX_NAME = "MAIN"  #: Whoosh's name for the index in a folder, which its file names start with
#: A rebuild of at least this many articles runs on several processes.
PARALLEL_THRESHOLD = 2000
MAX_PROCS = 4
#: Memory for the writers' posting buffers, all processes together, unless
#: ``$SEARCHKIT_WRITER_MB`` says otherwise (see ``writer_mb``).
WRITER_MB = 768
WRITER_MB_RANGE = (16, 65536)
# Segments are written as separate files, not Whoosh's default compound file:
# opening a compound segment copies each of its parts into memory (BytesIO over
# the mmap), which made every fresh `searchkit search` read the whole index.

#: BM25F as Whoosh implements it; titles are short, so their length matters
#: less.  K1 below the usual 1.2 saturates repeated words sooner, which ranked
#: the PIAF questions' passages better (nDCG@10 0.795 → 0.799).  On issue 23's
#: judged news set, B 0.6 and 0.9, K1 0.5, 1.0 and 1.2, title_B 0.2 and 0.7 and
#: Robertson's idf in place of Whoosh's each lost on at least one half
#: (bench/README.md, *Ranking changes*).
WEIGHTING = scoring.BM25F(B=0.75, K1=0.75, title_B=0.4)
#: The sets of articles an open index keeps, the last ones asked for (``WhooshIndex._docs``): a few
#: megabytes each at 100,000 articles, tens at a million.
KEPT_DOC_SETS = 2
#: ``docnums_of`` looks this many ids up one by one (0.3 ms each at 300,000 articles), more by
#: reading the id columns whole (80 ms there).
LOOKED_UP_IDS = 64

_TOC_TEMP = re.compile(r"^_\w+_\d+\.toc\.")
#: A writer process's term counts (``term_counts_file``), whole or half-written.
_TERM_COUNTS = re.compile(r"^\.\w+\.terms(\.tmp)?$")
_WHOOSH_CODE = str(Path(index.__file__).parent)


def build_schema() -> fields.Schema:
    """The fields of an article.

    ``title`` and ``body`` hold word terms and name spellings with positions
    (for phrases); ``hash`` is a column, read in one go by an incremental
    update to find changed articles; ``indexed`` (a column too, and range
    searchable) is when the article, as it reads now, was first indexed: the
    stamp of that commit (``searchkit.indexing.indexing_stamp``); ``structure``
    (a column) holds where the article's sentences and paragraphs start
    (``searchkit.sentences``), for ``NEAR/s``, ``NEAR/p`` and ``lead:``.
    ``date`` (YYYY-MM-DD) is kept for display, ``--sort date`` and the
    views; date filters search ``day`` instead, the date as the number
    YYYYMMDD, which Whoosh also indexes in blocks of 16, 256... values: a
    year is some twenty terms rather than its 366 days.
    """
    words = word_analyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        title=_text(words),
        body=_text(words),
        date=fields.ID(stored=True, sortable=True),
        # Signed, as Whoosh's default: its range splitting loses the ends of
        # ranges on an unsigned field (``date:..2016`` matched every article).
        day=fields.NUMERIC(int, bits=32, signed=True, shift_step=4),
        source=fields.TEXT(analyzer=RegexTokenizer(WORD_PATTERN) | FoldFilter(), stored=True, phrase=False),
        source_name=fields.COLUMN(),
        url=fields.STORED(),
        origin=fields.STORED(),
        hash=fields.COLUMN(),
        indexed=fields.NUMERIC(int, bits=64, sortable=True),
        origin_file=fields.COLUMN(),
        structure=fields.COLUMN(),
    )


def term_counts_file(segment: str) -> str:
    """The file a rebuild's writer process leaves beside ``segment``: its text terms
    with their article counts.  Hidden (a dot first), so that neither Whoosh's
    clean-up nor the commit's list of files takes it for a segment file."""
    return f".{segment}.terms"


def read_term_counts(path: Path) -> list[tuple[str, str, int]] | None:
    """The rows ``whoosh_writing.write_term_counts`` left at ``path``, the file removed;
    None when there is none or it is not as written (cut short, garbled: its CRC32,
    written first, does not match), and the index is read instead."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    finally:
        path.unlink(missing_ok=True)
    if len(data) < 4 or int.from_bytes(data[:4], "big") != zlib.crc32(data[4:]):
        return None
    return marshal.loads(data[4:])


def _whole_column(segment: SegmentReader, name: str) -> list:
    """Every value of column ``name`` of ``segment`` (which has it), by document
    number, as Whoosh's reader gives them.

    Whoosh's reader seeks and reads its file once for each value; a column of
    byte strings (ids, hashes, dates) is read here in one read and cut, which
    took the ids, hashes and dates of 300,000 articles from 0.59 s to 0.24 s
    (an update's change detection, its duplicates, every date view)."""
    return _column_values(segment, name, None)


#: From how many documents of one segment their values are read as one stretch of the column file.
SPAN_READ_DOCS = 256


def _column_values(segment: SegmentReader, name: str, docnums: list[int] | None) -> list:
    """The values of column ``name`` of ``segment`` (which has it) at ``docnums``
    (every document when None), as Whoosh's reader gives them.  Past
    ``SPAN_READ_DOCS`` a column of byte strings is read as the one stretch of
    its file that holds them all, and cut: the ids of the 1,849 grouped
    articles of 300,000, checked by every search, took 20 ms a value at a time."""
    raw = segment.column_reader(name, translate=False)
    if not isinstance(raw, columns.VarBytesColumn.Reader) or (docnums is not None and len(docnums) < SPAN_READ_DOCS):
        reader = segment.column_reader(name)
        return list(reader) if docnums is None else [reader[docnum] for docnum in docnums]
    offsets, lengths = raw._offsets, raw._lengths
    if docnums is None:
        first, end, places = 0, sum(lengths), zip(offsets, lengths, strict=True)
    else:
        first = min(offsets[docnum] for docnum in docnums)
        end = max(offsets[docnum] + lengths[docnum] for docnum in docnums)
        places = ((offsets[docnum], lengths[docnum]) for docnum in docnums)
    data = raw._dbfile.get(raw._basepos + first, end - first)
    values = [data[start - first : start - first + length] for start, length in places]
    field = type(segment.schema[name])
    if field.from_column_value is fields.FieldType.from_column_value:
        if field.from_bytes is fields.FieldType.from_bytes:  # text: ids, dates
            return list(map(bytes.decode, values))
        if field.from_bytes is fields.COLUMN.from_bytes:  # bytes as they are: hashes, file names
            return values
    return list(map(segment.schema[name].from_column_value, values))


class WordPositions(formats.Positions):
    """Whoosh's positions format (the same postings, byte for byte), its terms and
    positions asked of ``PerWordCache.positions`` when an article is indexed:
    Whoosh's own builds them from a token a word, a fifth of a writer's time."""

    def word_values(self, value, analyzer, **kwargs):
        if not (isinstance(analyzer, PerWordCache) and isinstance(value, str) and kwargs == {"mode": "index"}):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        yield from self.postings(value, analyzer)

    def postings(self, text: str, analyzer: PerWordCache) -> list[tuple[str, int, float, bytes]]:
        """(term, frequency, weight, encoded positions) of each term of ``text``: what
        ``word_values`` yields, at once (``whoosh_writing.TermCountingWriter.add_document``)."""
        boost, encode = self.field_boost, self.encode
        return [(term, len(at), len(at) * boost, encode(at)) for term, at in analyzer.positions(text).items()]


def _text(analyzer: PerWordCache) -> fields.TEXT:
    """A stored text field with positions (for phrases), written with ``WordPositions``."""
    field = fields.TEXT(analyzer=analyzer, stored=True, phrase=True)
    field.format = WordPositions(field_boost=field.format.field_boost)
    return field


# --- damage --------------------------------------------------------------------------


@contextmanager
def reading(index_dir: Path) -> Iterator[None]:
    """Turns what a damaged index raises while it is read into ``IndexDamaged``.

    Whoosh reports truncated or garbled files with many kinds of exception
    (``Exception("Block tag error")``, ``struct.error``, ``EOFError``…), so
    the test is where it was raised: inside Whoosh's code, or by the file
    system.  An error raised by searchkit's own code is a bug, and stays one.
    """
    try:
        yield
    except SearchkitError:
        raise
    except Exception as error:
        shortage = resource_shortage(error) or (descriptors_exhausted() and FILES_EXHAUSTED)
        if shortage:
            raise ResourceShortage(f"cannot read index {index_dir}: {shortage}; the index is not damaged") from None
        if isinstance(error, OSError) and error.errno in WRITE_ERRNOS:
            raise
        if not (isinstance(error, OSError) or _raised_in_whoosh(error)):
            raise
        detail = describe_os_error(error) if isinstance(error, OSError) else f"{type(error).__name__}: {error}"
        if len(detail) > 160:
            detail = detail[:159] + "…"
        raise IndexDamaged(f"index {index_dir} is damaged ({detail}): {REPAIR}") from None


def _raised_in_whoosh(error: BaseException) -> bool:
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and frame.tb_frame.f_code.co_filename.startswith(_WHOOSH_CODE)


# --- the engine ------------------------------------------------------------------------


class WhooshEngine:
    """Generations as Whoosh index folders (see ``searchkit.engine.Engine``)."""

    parallel_threshold = PARALLEL_THRESHOLD

    def check_settings(self) -> None:
        writer_mb()

    def reading(self, index_dir: Path):
        return reading(index_dir)

    def damage(self, generation: Path, facts: dict) -> str | None:
        """What is wrong with the generation's files, or None.

        Each commit's facts record its files' sizes, so a truncated copy or a
        file cut by a full disk is found here, before Whoosh reads it.  Only
        the commit the facts were written for can be checked: a writer killed
        between its commit and its facts leaves them one commit behind, and the
        next ``index`` run writes them anew.
        """
        # Listing the folder suffices here: a garbled table of contents is
        # found when it is opened, and opening it twice would cost every search.
        latest = self.latest_commit(generation)
        if latest < 0:
            return "its table of contents is missing"
        expected = facts.get("files")
        if isinstance(facts.get("commit"), int) and facts["commit"] > latest:
            # Commits only go forward: the one the facts were written for has lost its table of contents,
            # and an older one left beside it would answer as if the later commits never happened.
            return f"the table of contents of commit {facts['commit']} is missing"
        if facts.get("commit") != latest or not isinstance(expected, dict):
            return None
        for name, size in expected.items():
            try:
                actual = (generation / name).stat().st_size
            except FileNotFoundError:
                return f"{name} is missing"
            if actual != size:
                return f"{name} has {actual:,} bytes, {size:,} expected"
        return None

    def commit_facts(self, generation: Path, previous: dict) -> dict:
        """The latest commit of ``generation``, and the size and checksum of
        each file it is made of (those of the ``previous`` facts reused for
        the files they already held: see ``whoosh_checksums``)."""
        storage = FileStorage(str(generation))
        commit = TOC._latest_generation(storage, INDEX_NAME)
        toc = TOC._filename(INDEX_NAME, commit)
        names = {segment.segment_id() for segment in TOC.read(storage, INDEX_NAME, commit).segments}
        pattern = TOC._segment_pattern(INDEX_NAME)
        sizes = {}
        for entry in os.scandir(generation):
            match = pattern.match(entry.name)
            if entry.name == toc or (match and match.group(1) in names):
                sizes[entry.name] = entry.stat().st_size
        return {"commit": commit, "files": sizes, "checksums": wq_checksums.checksums(generation, sizes, previous)}

    def latest_commit(self, generation: Path) -> int:
        return TOC._latest_generation(FileStorage(str(generation)), INDEX_NAME)

    def verify_files(self, generation: Path, facts: dict, on_file: Callable[[str, int], None]) -> list[str]:
        return wq_checksums.verify_all(generation, facts, on_file)

    def remove_leftovers(self, generation: Path) -> None:
        """Removes what a writer killed mid-commit left: Whoosh's temporary
        folder, a half-written table of contents, segment files that no table
        of contents names, term counts no vocabulary file took.  Only under the writer lock."""
        from .whoosh_writing import clean_files_but_previous

        for leftover in generation.iterdir():
            if leftover.is_dir() and leftover.name.endswith(".tmp"):
                shutil.rmtree(leftover, ignore_errors=True)
            elif _TOC_TEMP.match(leftover.name) or _TERM_COUNTS.match(leftover.name):
                leftover.unlink(missing_ok=True)
        ix = index.open_dir(str(generation))
        clean_files_but_previous(ix.storage, ix.latest_generation(), ix._segments())

    def create(self, generation: Path, parallel: bool) -> Writer:
        from .whoosh_writing import ParallelWriter, TermCountingWriter, Writer

        budget = writer_mb()
        ix = index.create_in(str(generation), build_schema())
        procs = min(os.cpu_count() or 1, MAX_PROCS) if parallel else 1
        if procs > 1:
            # Whoosh's multiprocess writer: each process analyses and writes its
            # own segment (see ``whoosh_writing.WriterTask``).
            per_process = {"limitmb": budget // procs, "compound": False}
            return Writer(ParallelWriter(ix, procs=procs, multisegment=True, subargs=per_process, **per_process))
        return Writer(TermCountingWriter(ix, limitmb=budget, compound=False))

    def writer(self, generation: Path) -> Writer:
        from .whoosh_writing import InPlaceWriter, Writer

        return Writer(InPlaceWriter(index.open_dir(str(generation)), limitmb=writer_mb(), compound=False))

    def open(self, generation: Path) -> WhooshIndex:
        with reading(generation.parent):
            return WhooshIndex(generation)


def writer_mb() -> int:
    """The writers' posting-buffer memory: ``$SEARCHKIT_WRITER_MB``, else ``WRITER_MB``.

    The speed/memory knob of a build: a rebuild's writer processes write a
    run of postings each time their share of it fills, and one segment each
    of their runs, so less memory means more runs (and a little more disk:
    each ends a word's last block early), never more segments.
    """
    value = os.environ.get("SEARCHKIT_WRITER_MB", "").strip()
    if not value:
        return WRITER_MB
    low, high = WRITER_MB_RANGE
    if not value.isdigit() or not low <= int(value) <= high:
        raise UsageError(f"SEARCHKIT_WRITER_MB must be a number of megabytes from {low} to {high:,}, not {value!r}")
    return int(value)


# --- reading -------------------------------------------------------------------------------


class _TopCollector(collectors.TopCollector):
    """Whoosh's top-N collector, told the lowest score that can still enter as
    soon as it holds N articles.  Whoosh's learns it only when an article
    displaces another, so among articles that all score alike (a broad
    prefix, ``whoosh_expansions``) it never skipped a block by quality."""

    def _collect(self, global_docnum: int, score: float):
        key = super()._collect(global_docnum, score)
        if len(self.items) == self.limit:
            self.minscore = self.items[0][0]
        return key

    def set_subsearcher(self, subsearcher, offset) -> None:
        super().set_subsearcher(subsearcher, offset)
        self.matcher = _ExactReplace(_fixed(self.matcher))


class _ExactReplace(WrappingMatcher):
    """A matcher whose ``replace`` drops the parts that cannot reach the top N, exactly.

    Whoosh's collector replaces the query's matcher as the lowest score of its
    top N rises: a union whose one side cannot reach it on its own becomes an
    "and maybe" that walks the other side and only looks the first up, and so
    on down the tree (MaxScore's idea).  ``France OR pays OR monde`` then scores
    a few thousand of its 83,000 articles at 100,000.  Two things made that
    inexact: Whoosh's "and maybe" skipped its optional side to the article asked
    for, not to the one its required side reached, so an article holding both
    scored as holding one (``réforme des retraites --limit 40`` lost its 12th
    hit; ``_AndMaybe`` skips right); and a matcher that cannot bound its score
    (spans, operators) has no quality to compare: a tree holding one is
    replaced by structure only (parts that are finished)."""

    def replace(self, minquality=0):
        bounded = minquality if self.child.supports_block_quality() else 0
        replaced = _fixed(self.child.replace(bounded))
        if replaced is self.child:
            return self
        return _ExactReplace(replaced) if replaced.is_active() else replaced


class _AndMaybe(AndMaybeMatcher):
    """Whoosh's "and maybe", its optional side brought to where the required side
    lands after a skip (to an article, or past blocks by quality)."""

    def skip_to(self, id):
        if not self.a.is_active():
            raise ReadTooFar
        return self.a.skip_to(id) or self._catch_up()

    def skip_to_quality(self, minquality):
        if not self.a.is_active():
            raise ReadTooFar
        if self.b.is_active():
            skipped = _skip_by_quality(self.a, self.b, minquality)
        else:
            skipped = self.a.skip_to_quality(minquality)
        self._catch_up()
        return skipped

    def _catch_up(self) -> bool:
        if self.a.is_active() and self.b.is_active() and self.b.id() < self.a.id():
            return bool(self.b.skip_to(self.a.id()))
        return False


class _Union(UnionMatcher):
    """Whoosh's union of two parts, skipping by quality without spinning (``_skip_by_quality``)."""

    def skip_to_quality(self, minquality):
        self._id = None
        if not (self.a.is_active() or self.b.is_active()):
            raise ReadTooFar
        if not self.a.is_active():
            return self.b.skip_to_quality(minquality)
        if not self.b.is_active():
            return self.a.skip_to_quality(minquality)
        return _skip_by_quality(self.a, self.b, minquality)


def _skip_by_quality(a: Matcher, b: Matcher, minquality: float) -> int:
    """Whoosh's skipping of two matchers whose scores add up (a union, an "and maybe"): the
    side of lower block quality skips the blocks that cannot reach what the other leaves of
    the bound; ended as soon as a side skips nothing.  Where the two qualities add up to the
    bound exactly, the bound less one of them can fall a rounding step below the other, which
    then skips nothing, and Whoosh's own loop spun for ever: two copies of an article tying
    the top score, a search never ended (``Choïgou --limit 1`` at 300,000 articles)."""
    skipped = 0
    aq, bq = a.block_quality(), b.block_quality()
    while a.is_active() and b.is_active() and aq + bq <= minquality:
        if aq < bq:
            moved = a.skip_to_quality(minquality - bq)
            aq = a.block_quality()
        else:
            moved = b.skip_to_quality(minquality - aq)
            bq = b.block_quality()
        if not moved:
            break
        skipped += moved
    return skipped


class _ArrayUnion(ArrayUnionMatcher):
    """Whoosh's preloaded union (an OR of three parts or more, in a segment of at most 5,000
    articles), bounded by the sum of its parts' bounds, as its scores are their sum: Whoosh's
    took the largest, so the pruning dropped articles that no part alone lifts into the top,
    a name's stem and spellings together do (the 11 articles appended last to the 100,000,
    `Poutine` in title and body, were missing from the top 12 of ``Poutine``'s ranked list)."""

    def max_quality(self):
        return sum(m.max_quality() for m in self._submatchers) * self._boost


def _fixed(matcher: Matcher) -> Matcher:
    """``matcher``, each Whoosh "and maybe" in its tree made an ``_AndMaybe`` (in place: the
    tree's parents hold them), its optional side caught up: the parents that Whoosh's
    replacement built have already skipped it (an "and maybe" is where its required side is);
    each preloaded union made an ``_ArrayUnion``, bounded right; each union of two a ``_Union``."""
    if type(matcher) is ArrayUnionMatcher:
        matcher.__class__ = _ArrayUnion
    if type(matcher) is UnionMatcher:
        matcher.__class__ = _Union
    if type(matcher) is AndMaybeMatcher:
        matcher.__class__ = _AndMaybe
        matcher._catch_up()
    for child in matcher.children():
        _fixed(child)
    return matcher


class _Summed(NamedTuple):
    """How to rank a query by summing its terms' scores (``_summed_terms``)."""

    terms: list[tuple[str, str, float]]  #: (field, term, boost)
    constrained: bool  #: whether it asks more than holding one of the terms (an AND, a NOT)
    excluded: int  #: its NOTs, each of which Whoosh scores 1 (an ``InverseMatcher``'s weight) where it holds


def _summed_terms(query: Compiled) -> _Summed | None:
    """The terms of ``query`` when its score is the sum of theirs: an OR of terms (ORs nested
    as a name's spellings are), or an AND of such ORs beside NOTs.  Ranked that way, by reading
    every posting once (``whoosh_postings``), rather than by Whoosh's matchers, whose pruning of
    the parts that cannot reach the top removes little from words of like weight (at 100,000
    articles, warm: ``France OR pays OR monde`` 0.8–1.2 s → 0.1 s; a name and its spellings,
    ``Zelensky``, 168 → 41 ms; ``guerre Ukraine``, its articles already found by posting sets to
    count them, 133 → 34 ms)."""
    if type(query) is wq.Term:
        if query.fieldname not in TEXT_FIELDS:
            return None  # Whoosh scores an id's or a source's term by its weight, not by BM25F
        return _Summed([(query.fieldname, query.text, query.boost)], False, 0)
    if type(query) not in (wq.Or, wq.And) or query.boost != 1.0:
        return None
    if type(query) is wq.Or and (query.scale is not None or query.minmatch):
        return None
    terms, constrained, excluded = [], type(query) is wq.And, 0
    for child in query.subqueries:
        if constrained and type(child) is wq.Not:
            excluded += 1
            continue
        summed = _summed_terms(child)
        if summed is None:
            return None
        terms += summed.terms
        constrained, excluded = constrained or summed.constrained, excluded + summed.excluded
    return _Summed(terms, constrained, excluded) if terms else None


def _scored_operators(query: Compiled, reader) -> list[tuple[wq_operators.Operator, list[wq.Term]]] | None:
    """The operators of ``query`` with the terms they score by, when it is an operator or an OR
    of them (``NEAR`` in the title or the body) whose operands are made of words (a prefix's
    chosen on ``reader``, the whole index's); else None."""
    parts = [query] if isinstance(query, wq_operators.Operator) else None
    if type(query) is wq.Or and query.boost == 1.0 and query.scale is None and not query.minmatch:
        parts = list(query.subqueries)
    if not parts or not all(isinstance(p, wq_operators.Operator) for p in parts):
        return None
    scored = [(p, p.scored_terms(reader)) for p in parts]
    return None if any(terms is None for _, terms in scored) else scored


def _verify_postings(segment: SegmentReader, where: str, problems: list[str]) -> int:
    """Reads every posting list of a segment, checking each against its term's
    document frequency and the segment's documents; returns how many postings."""
    count = 0
    documents = segment.doc_count_all()
    for fieldname, term in segment.all_terms():
        ids = list(segment.postings(fieldname, term).all_ids())
        count += len(ids)
        if len(ids) != segment.doc_frequency(fieldname, term) or (ids and not 0 <= ids[0] <= ids[-1] < documents):
            problems.append(f"{where}: the postings of {fieldname}:{term!r} disagree with its term entry")
    return count


def _article_problem(segment: SegmentReader, docnum: int, id_column, hash_column, ids: set[str]) -> str | None:
    """What is wrong with one stored article: its text against its content hash, its id against the id column."""
    stored = segment.stored_fields(docnum)
    text = (stored.get(name) for name in ("id", "title", "body"))
    article = Article(*(value or "" for value in text), stored.get("date"), stored.get("source"), stored.get("url"))
    if article.id in ids:
        return f"id {article.id!r} is held twice"
    ids.add(article.id)
    if hash_column is not None and hash_column[docnum] != article.content_hash.encode():
        return f"the text of {article.id!r} is not the text it was indexed with"
    if id_column is not None and id_column[docnum] != article.id:
        return f"the id column says {id_column[docnum]!r}, the stored article {article.id!r}"
    return None


class WhooshIndex:
    """A generation opened for reading (see ``searchkit.engine.OpenIndex``).

    Opening costs more than a query (reading the table of contents, mapping
    the segment files): a long-lived caller keeps one open across searches and
    closes it when done.
    """

    def __init__(self, generation: Path) -> None:
        self.generation = generation
        recorded = read_meta(generation).get("checksums")
        storage = wq_checksums.VerifyingStorage(generation, recorded if isinstance(recorded, dict) else {})
        self._ix = storage.open_index(INDEX_NAME)
        self._searcher = self._ix.searcher(weighting=WEIGHTING)
        self._reader = self._searcher.reader()
        # An index of no article has no segment, and Whoosh reads it through an
        # EmptyReader, which knows no commit: its table of contents does.
        self._commit: int = self._reader.generation()
        if self._commit is None:
            self._commit = self._ix.latest_generation()
        self._vocabulary = Vocabulary(generation / VOCABULARY_FILE, self._reader.generation())
        wq_expansions.attach_vocabulary(self._reader, self._vocabulary)
        self._columns: dict[str, list[str | None]] = {}  #: column name → value by document number
        self._restricted: tuple[Compiled, set[int]] | None = None  #: the last restriction and its documents
        self._doc_sets: dict[Compiled, frozenset[int]] = {}  #: the last sets of articles made (``_docs``)

    def close(self) -> None:
        self._vocabulary.close()
        self._searcher.close()

    def __enter__(self) -> WhooshIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def is_current(self) -> bool:
        """Whether no commit came after the one this was opened at."""
        return self._ix.latest_generation() == self._commit

    # what a query needs

    def compile(self, node, variants, *, positive_only: bool = False, exact_names: bool = False) -> Compiled | None:
        return wq_compile.compile_query(node, variants, positive_only=positive_only, exact_names=exact_names)

    def restriction(
        self, since: str | None, until: str | None, source: str | None, filters: tuple[Node, ...] = ()
    ) -> Compiled | None:
        return wq_compile.restriction(since, until, source, filters)

    def ranked(
        self, query: Compiled, limit: int, restriction: Compiled | None = None, order: str = "score"
    ) -> list[Ranked]:
        if order in ("date", "indexed"):
            first = self._newest if order == "date" else self._first_indexed
            return [Ranked(docnum, None) for docnum in first(self.doc_set(query, restriction), limit)]
        allowed = self._allowed(restriction) if restriction is not None else None
        if allowed is not None and not allowed:
            return []  # Whoosh takes an empty filter for none
        operators = _scored_operators(query, self._reader)
        if operators is not None:
            return self._ranked_operators(operators, limit, allowed)
        summed = _summed_terms(query) if self._reader.doc_count_all() else None  # (no idf in an empty index)
        if summed is not None:
            # A word alone too: at 300,000 articles its postings summed take a half to a third of
            # Whoosh's pruned search (Zelensky's spelling 27 -> 9 ms, pays 132 -> 85), and keep
            # every tie, which that search can drop (^france: one of two articles at 7.159185).
            if summed.constrained:
                allowed = self._docs(query) if allowed is None else self._docs(query) & allowed
            scores = self._summed(summed.terms, allowed)
            if allowed is None:  # the articles it matches, which its count asks for next: read once
                self._keep_docs(query, scores.docs())
            best = [Ranked(docnum, score) for docnum, score in scores.best(limit)]
            return [Ranked(r.docnum, r.score + summed.excluded) for r in best] if summed.excluded else best
        if limit >= self._searcher.doc_count():
            results = self._searcher.search(query, limit=limit, filter=allowed)
        else:
            top = _TopCollector(limit)
            collector = collectors.FilterCollector(top, allowed) if allowed is not None else top
            self._searcher.search_with_collector(query, collector)
            results = collector.results()
        return [Ranked(hit.docnum, hit.score or 0.0) for hit in results]

    def _ranked_operators(
        self, operators: list[tuple[wq_operators.Operator, list[wq.Term]]], limit: int, allowed: set[int] | None
    ) -> list[Ranked]:
        """The best of the articles that operators match, each scored where it passes by summing
        its operands' words' scores (as their matchers add them up), read from the postings'
        ids and weights: Whoosh's search would move a matcher to each article and decode each
        block of its words whole again, once ``Operator.passing`` has found them."""
        scores = wq_postings.Scores()
        for operator, terms in operators:
            docs = self._docs(operator)
            if allowed is not None:
                docs &= allowed
            if docs:
                scores.include(*self._summed([(t.fieldname, t.text, t.boost) for t in terms], docs).listed())
        return [Ranked(docnum, score) for docnum, score in scores.best(limit)]

    def _newest(self, docnums: set[int], limit: int) -> list[int]:
        """The ``limit`` newest of ``docnums``, undated last, the same date by id.

        From the date column and the matching set (made by posting-set
        operations): Whoosh's sorted search walks its matcher through every
        match, reading each one's date, 0.4 s for ``guerre Ukraine`` at
        100,000 articles.  Ids are read only for the articles that could be
        in the list: those at least as new as the last one."""
        dates = self.column_values("date")
        top = heapq.nlargest(limit, docnums, key=lambda docnum: dates[docnum] or "")
        if not top:
            return []
        last = dates[top[-1]] or ""
        within = [docnum for docnum in docnums if (dates[docnum] or "") >= last]
        ids = self.ids_of(within)
        within.sort(key=ids.__getitem__)
        within.sort(key=lambda docnum: dates[docnum] or "", reverse=True)  # stable: the same date stays by id
        return within[:limit]

    def _first_indexed(self, docnums: set[int], limit: int) -> list[int]:
        """The ``limit`` first indexed of ``docnums``, by stamp then id: the order
        alerts page through, so that a page ends at a position (``Position``)
        and the next one starts after it, even inside one commit's articles.
        Ids are read only for the articles of stamps up to the last one's."""
        stamps = self.column_values("indexed")
        top = heapq.nsmallest(limit, docnums, key=lambda docnum: stamps[docnum] or 0)
        if not top:
            return []
        last = stamps[top[-1]] or 0
        within = [docnum for docnum in docnums if (stamps[docnum] or 0) <= last]
        ids = self.ids_of(within)
        within.sort(key=lambda docnum: (stamps[docnum] or 0, ids[docnum]))
        return within[:limit]

    def ids_of(self, docnums: list[int]) -> dict[int, str]:
        """The ids of a few documents, from each segment's id column."""
        return self._column_of("id", docnums)

    def docnums_of(self, article_ids: set[str], guesses: dict[str, int] | None = None) -> dict[str, int]:
        """The numbers of the live documents of a few ids, from each segment's id column read
        whole (``_whole_column``): an id looked up in every segment took 0.6 s for the 1,760
        grouped articles of 300,000.  ``guesses`` (where ids were at an earlier commit) are
        checked first, by reading those documents' ids alone: an update renumbers only the
        segments it merges, and reading the columns whole took 80 ms at 300,000."""
        found = {}
        if guesses:
            guessed = {guesses[i]: i for i in article_ids if i in guesses and 0 <= guesses[i] < self.doc_count_all()}
            for docnum, article_id in self.ids_of(list(guessed)).items():
                if article_id == guessed[docnum] and not self._reader.is_deleted(docnum):
                    found[article_id] = docnum
        missing = article_ids - found.keys()
        if len(missing) <= LOOKED_UP_IDS:  # the articles an update wrote, say: each looked up in every segment
            found.update((i, docnum) for i in missing if (docnum := self.docnum_of(i)) is not None)
            return found
        for segment, offset in self._reader.leaf_readers():
            if not segment.has_column("id"):
                continue
            deletions = segment.has_deletions()
            for docnum, article_id in enumerate(_whole_column(segment, "id")):
                if article_id in missing and not (deletions and segment.is_deleted(docnum)):
                    found[article_id] = offset + docnum
        return found

    def dates_of(self, docnums: list[int]) -> dict[int, str | None]:
        """The dates of a few documents (``2022-03-05``), None where one has none: from each
        segment's date column, a value a document, where ``column_values`` reads the whole column."""
        return {docnum: value or None for docnum, value in self._column_of("date", docnums).items()}

    def _column_of(self, name: str, docnums: list[int]) -> dict[int, str]:
        """Column ``name`` of a few documents ("" where a segment has no such column)."""
        leaves = self._reader.leaf_readers()
        starts = [offset for _, offset in leaves]
        by_segment: dict[int, list[int]] = {}
        for docnum in docnums:
            by_segment.setdefault(bisect_right(starts, docnum) - 1, []).append(docnum)
        found = {}
        for at, held in by_segment.items():
            segment, offset = leaves[at]
            if not segment.has_column(name):
                found.update(dict.fromkeys(held, ""))
                continue
            values = _column_values(segment, name, [docnum - offset for docnum in held])
            for docnum, value in zip(held, values, strict=True):
                found[docnum] = value.decode("utf-8") if isinstance(value, bytes) else value
        return found

    def count(self, query: Compiled, restriction: Compiled | None = None) -> int:
        """How many articles ``query`` matches, by set operations on posting
        lists where the query is made of terms, ORs, ANDs and operators a search
        checked already; Whoosh counts the rest.

        Whoosh's own count walks its matcher tree a document at a time, which
        costs as much again as the ranked search.
        """
        # Not Whoosh's count of a search: where a matcher cannot skip by block quality
        # (proximities), the collector counts only the documents it scored after pruning
        # the parts that cannot reach the top, fewer than match.
        return len(self.doc_set(query, restriction))

    def count_about(
        self, query: Compiled, restriction: Compiled | None = None, budget: int | None = None
    ) -> tuple[int, bool]:
        """How many articles ``query`` matches, and whether that is an estimate:
        exact unless it would read more than ``budget`` postings (``whoosh_counts``)."""
        allowed = self._allowed(restriction) if restriction is not None else None
        kept = self._kept_docs(query)
        if kept is not None:  # its articles, read whole already (a ranking by sums): the exact count costs nothing
            return len(kept if allowed is None else kept & allowed), False
        estimate = wq_counts.estimated(query, self._searcher, allowed, budget)
        if estimate is not None:
            return estimate, True
        return self.count(query, restriction), False

    def _kept_docs(self, query: Compiled) -> frozenset[int] | None:
        try:
            return self._doc_sets.get(query)
        except TypeError:  # a query Whoosh cannot hash
            return None

    def doc_set(self, query: Compiled | None, restriction: Compiled | None = None) -> set[int]:
        """The numbers of the live documents ``query`` matches (every live
        document when it is None) within ``restriction``; by posting-set
        operations where it can, Whoosh's matchers elsewhere (phrases)."""
        matched = self._docs(query) if query is not None else set(self._reader.all_doc_ids())
        if restriction is not None:
            matched &= self._allowed(restriction)
        return matched

    def _allowed(self, restriction: Compiled) -> set[int]:
        """The documents within ``restriction``, from posting lists, kept for
        the next call: a search asks for them once a tier of hits and again to
        count.  Whoosh's own ``filter=`` walks the range's matchers instead,
        most of a date-filtered search's time."""
        if self._restricted is None or self._restricted[0] is not restriction:
            self._restricted = (restriction, self._read_docs(restriction))
        return self._restricted[1]

    def _docs(self, query: Compiled) -> set[int]:
        """By posting-set operations where it can, else by Whoosh's matchers; the last
        ``KEPT_DOC_SETS`` sets are kept: a search asks for its query's articles to count
        them, to count each spelling's and to list the partial matches, and reading them
        again took 0.11 s each for ``guerre Ukraine`` at 100,000 articles, 0.65 s for a
        phrase of frequent words."""
        kept = self._kept_docs(query)
        if kept is None:
            kept = frozenset(self._read_docs(query))
        self._keep_docs(query, kept)
        return set(kept)

    def _keep_docs(self, query: Compiled, docs: frozenset[int]) -> None:
        """Keeps ``docs`` as the articles ``query`` matches, the most recent last (``_docs``)."""
        try:
            self._doc_sets.pop(query, None)
        except TypeError:  # a query Whoosh cannot hash is not kept
            return
        self._doc_sets[query] = docs
        while len(self._doc_sets) > KEPT_DOC_SETS:
            del self._doc_sets[next(iter(self._doc_sets))]

    def _read_docs(self, query: Compiled) -> set[int]:
        found = wq_counts.matching(query, self._searcher)
        return found if found is not None else set(self._searcher.docs_for_query(query))

    def column_values(self, name: str) -> list[str | None]:
        """Column ``name`` (``date``, ``source`` or ``indexed``, the stamp) of every
        document, by document number: None where the document has none or is
        deleted.  Read once for each open index."""
        if name not in self._columns:
            column = {"date": "date", "source": "source_name", "indexed": "indexed"}[name]
            values: list[str | None] = [None] * self._reader.doc_count_all()
            for segment, offset in self._reader.leaf_readers():
                if not segment.has_column(column):
                    continue
                read = [
                    (v.decode("utf-8") if isinstance(v, bytes) else v) or None for v in _whole_column(segment, column)
                ]
                values[offset : offset + len(read)] = read
                if segment.has_deletions():
                    for docnum in range(len(read)):
                        if segment.is_deleted(docnum):
                            values[offset + docnum] = None
            self._columns[name] = values
        return self._columns[name]

    def matched_terms(self, query: Compiled | None, positional: bool = True) -> set[str]:
        return wq_compile.matched_terms(query, self._reader, positional)

    def positional_matches(self, query: Compiled | None, docnums: list[int]) -> dict[int, list[Satisfied]]:
        """For each of ``docnums``, where each operator of ``query`` (``NEAR``, ``atleastN``, ``lead:``)
        and each of its phrases was satisfied in it."""
        return wq_operators.positional_matches(query, self._searcher, docnums)

    def capped(self, query: Compiled | None) -> list[str]:
        """What the query's prefixes and fuzzy words left out, as notes for the reader."""
        return wq_compile.capped_notes(query, self._reader)

    def part_score(self, query: Compiled, docnum: int) -> float:
        """The score ``query`` alone gives document ``docnum``."""
        matcher = query.matcher(self._searcher, self._searcher.context())
        if matcher.is_active():
            matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                return matcher.score()
        return 0.0

    def term_query(self, *terms: str) -> Compiled:
        """Articles holding any of ``terms`` (stems or ``^spellings``) in any text field."""
        return wq.Or([wq.Term(fieldname, term) for term in terms for fieldname in TEXT_FIELDS])

    def like(
        self, words: list[tuple[tuple[str, ...], float]], limit: int, restriction: Compiled | None, left_out: set[int]
    ) -> list[Ranked]:
        """The articles that best match ``words`` (each: the terms it is searched by, in title
        and body, and its weight), within ``restriction``, none of ``left_out``: each term's BM25F
        score times its word's weight, summed as an OR of them sums it, read straight from the
        posting lists (Whoosh's own search of the OR keeps block-quality books on each posting,
        which cost more than they skip here)."""
        allowed = self._allowed(restriction) if restriction is not None else None
        if not words or (allowed is not None and not allowed):
            return []
        terms = [(fieldname, term, weight) for terms, weight in words for term in terms for fieldname in TEXT_FIELDS]
        scores = self._summed(terms, allowed)
        scores.drop(left_out)
        return [Ranked(docnum, score) for docnum, score in scores.best(limit)]

    def _summed(
        self, terms: list[tuple[str, str, float]], allowed: set[int] | None
    ) -> wq_postings.Scores | wq_postings.DenseScores:
        """Each article's sum of the BM25F scores of ``terms`` (field, term, weight) it holds, each
        times its weight, within ``allowed``: an OR of the terms as Whoosh scores it, read straight
        from the posting lists."""
        size = self._reader.doc_count_all()
        scored = [(fieldname, term, weight, self._bm25(fieldname, term)) for fieldname, term, weight in terms]
        scores = wq_postings.scores_for(sum(bm25.postings(size) for *_, bm25 in scored), size, allowed)
        for fieldname, term, weight, bm25 in scored:
            for segment, offset in self._reader.leaf_readers():
                scores.add(segment, offset, fieldname, term, bm25, weight)
        return scores

    def _bm25(self, fieldname: str, term: str) -> wq_postings.BM25:
        """The BM25F of ``term`` in ``fieldname`` as Whoosh's search scores it (``WEIGHTING``, the
        term's idf and the field's mean length taken over the whole index)."""
        b = WEIGHTING._field_B.get(fieldname, WEIGHTING.B)
        mean_length = self._searcher.avg_field_length(fieldname) or 1
        return wq_postings.BM25.of(self._searcher.idf(fieldname, term), WEIGHTING.K1, b, mean_length)

    def like_scores(
        self, words: list[tuple[tuple[str, ...], float]], docnums: list[int]
    ) -> dict[int, tuple[float, set[str]]]:
        """For each of ``docnums``, the score ``like`` gives it for ``words`` and which of their
        terms it holds (``_postings_at``: a long list of a common word costs its blocks that hold
        them, not a walk over the whole index)."""
        found: dict[int, tuple[float, set[str]]] = {docnum: (0.0, set()) for docnum in docnums}
        for terms, weight in words:
            for docnum, term, score in self._postings_at(terms, docnums):
                total, held = found[docnum]
                held.add(term)
                found[docnum] = (total + weight * score(), held)
        return found

    def terms_held(self, terms: list[str], docnums: list[int]) -> dict[int, set[str]]:
        """For each of ``docnums``, which of ``terms`` its title or body holds, for reranking a few hits."""
        found: dict[int, set[str]] = {docnum: set() for docnum in docnums}
        for docnum, term, _ in self._postings_at(terms, docnums):
            found[docnum].add(term)
        return found

    def _postings_at(self, terms: Iterable[str], docnums: list[int]) -> Iterator[tuple[int, str, Callable[[], float]]]:
        """(document, term, its score there) for each of ``docnums`` whose title or body holds
        each of ``terms``: each term's posting list skipped to those articles only."""
        wanted = sorted(docnums)
        for term in terms:
            for fieldname in TEXT_FIELDS:
                for offset, length, matcher, score in self._scored_postings(fieldname, term):
                    for docnum in wanted[bisect_left(wanted, offset) : bisect_left(wanted, offset + length)]:
                        if matcher.id() < docnum - offset:
                            matcher.skip_to(docnum - offset)
                            if not matcher.is_active():
                                break
                        if matcher.id() == docnum - offset:
                            yield docnum, term, score

    def _scored_postings(self, fieldname: str, term: str) -> Iterator[tuple[int, int, Matcher, Callable[[], float]]]:
        """For each segment holding ``term`` in ``fieldname``: its first document number, its
        length, the term's postings in it and a function giving the score Whoosh's search gives
        the posting the matcher is at (``_bm25``); a segment's term looked up once."""
        bm25 = self._bm25(fieldname, term)
        for segment, offset in self._reader.leaf_readers():
            try:
                matcher = segment.postings(fieldname, term)
            except TermNotFound:
                continue
            if not matcher.is_active():
                continue
            lengths = wq_postings.field_lengths(segment, fieldname)

            def score(matcher: Matcher = matcher, lengths: bytes = lengths) -> float:
                return bm25.score(matcher.weight(), lengths[matcher.id()])

            yield offset, segment.doc_count_all(), matcher, score

    # stored articles

    def stored(self, docnum: int) -> dict:
        return self._reader.stored_fields(docnum)

    def docnum_of(self, article_id: str) -> int | None:
        return self._searcher.document_number(id=article_id)

    def doc_count(self) -> int:
        return self._reader.doc_count()

    def doc_count_all(self) -> int:
        return self._reader.doc_count_all()

    def article_hashes(self) -> dict[str, tuple[int, bytes]]:
        """Article id → (document number, content hash) for every live document, read from columns."""
        return {article_id: (docnum, digest) for docnum, (article_id, digest) in self._live_docs("id", "hash")}

    def article_hash(self, article_id: str) -> bytes | None:
        """The content hash of the live article ``article_id``, None when there is none: one
        lookup, for an update that compares a few articles without reading every hash."""
        docnum = self.docnum_of(article_id)
        if docnum is None:
            return None
        for segment, offset in self._reader.leaf_readers():
            if offset <= docnum < offset + segment.doc_count_all():
                return segment.column_reader("hash")[docnum - offset] if segment.has_column("hash") else None
        return None

    def live_values(self, *columns: str) -> Iterator[tuple]:
        """The values of ``columns`` for every live document, a tuple each (None where absent)."""
        for _, values in self._live_docs(*columns):
            yield values

    def verify_contents(self, on_progress: Callable[[int, int], None] | None = None) -> ContentCheck:
        found = ContentCheck()
        total = self.doc_count()
        ids: set[str] = set()
        for segment, _ in self._reader.leaf_readers():
            where = f"segment {segment.segment().segment_id()}"
            try:
                found.postings += _verify_postings(segment, where, found.problems)
                columns = [segment.column_reader(name) if segment.has_column(name) else None for name in ("id", "hash")]
                for docnum in range(segment.doc_count_all()):
                    if segment.is_deleted(docnum):
                        continue
                    problem = _article_problem(segment, docnum, *columns, ids)
                    if problem:
                        found.problems.append(f"{where}, article {docnum}: {problem}")
                    found.articles += 1
                    if on_progress is not None and found.articles % 1000 == 0:
                        on_progress(found.articles, total)
            except Exception as error:  # whatever a garbled file makes Whoosh raise is what check reports
                found.problems.append(f"{where} cannot be read: {type(error).__name__}: {error}"[:200])
        if found.articles != total:
            found.problems.append(f"{found.articles:,} articles read, the table of contents says {total:,}")
        return found

    def _live_docs(self, *names: str) -> Iterator[tuple[int, tuple]]:
        # Segment by segment: Whoosh 2.7.4's multi-segment column reader skips
        # segments that lack the column but keeps their offsets, pairing
        # documents with other documents' values.  Each column is read whole
        # (``_whole_column``): a value at a time, seeking for each, took 0.5 s at 100,000.
        for segment, offset in self._reader.leaf_readers():
            count = segment.doc_count_all()
            columns = [_whole_column(segment, n) if segment.has_column(n) else [None] * count for n in names]
            deletions = segment.has_deletions()
            for docnum, values in enumerate(zip(*columns, strict=True)):
                if not (deletions and segment.is_deleted(docnum)):
                    yield offset + docnum, values

    # vocabulary

    def commit_id(self) -> int:
        return self._commit

    def doc_frequency(self, term: str, fields: tuple[str, ...] = TEXT_FIELDS) -> int:
        """How many articles hold ``term`` in ``fields``, title and body counted apart."""
        return sum(self._reader.doc_frequency(fieldname, term) for fieldname in fields)

    def rarity(self, term: str) -> float:
        """BM25's idf of ``term`` as the scores weigh it, the smaller of its title and body ones:
        from the statistics the scores come from, replaced and deleted articles included, so that
        reranking by it after an update ranks as after a rebuild (an idf of live articles over
        frequencies that count the deleted ones fell to nothing for a word in every article)."""
        return min(self._searcher.idf(fieldname, term) for fieldname in TEXT_FIELDS)

    def spellings(self) -> Iterator[str]:
        """Every name spelling the index holds (``^``-marked terms, the mark removed), once a field."""
        for fieldname in TEXT_FIELDS:
            for term in self._reader.expand_prefix(fieldname, SPELLING_MARK):
                yield term.decode("utf-8")[len(SPELLING_MARK) :]

    def neighbours(self, term: str, maxdist: int, prefix: int) -> set[str]:
        """Terms of the index within ``maxdist`` edits of ``term``, sharing its first ``prefix`` letters."""
        found = set()
        for fieldname in TEXT_FIELDS:
            found.update(wq_expansions.terms_within(self._reader, fieldname, term, maxdist, prefix))
        found.discard(term)
        return found

    def segments(self) -> list[str]:
        """The names of the commit's segments: each is written once and never changes
        (deleting an article marks it, and its terms keep their counts until a merge
        replaces the segment), so what is computed from one holds while it lives."""
        return [reader.segment().segment_id() for reader in self._segment_readers()]

    def _segment_readers(self) -> list[SegmentReader]:
        # An index of no article is read through an EmptyReader, which has no segment.
        return [reader for reader, _ in self._reader.leaf_readers() if isinstance(reader, SegmentReader)]

    def vocabulary(self, segment: str) -> Iterator[tuple[str, str, int]]:
        """The terms of the text fields in ``segment``: (field, term, number of
        articles holding it, deleted ones too, as ``doc_frequency`` counts them).

        A rebuild's writer process counted them as it wrote the segment and left
        them beside it (``whoosh_writing.write_term_counts``): taken from there
        once, the file then removed, rather than read back through Whoosh (the
        vocabulary file of 3,000 Le Monde articles: 0.62 s → 0.37 s)."""
        counted = read_term_counts(self.generation / term_counts_file(segment))
        if counted is not None:
            yield from counted
            return
        for reader in self._segment_readers():
            if reader.segment().segment_id() == segment:
                for fieldname in sorted(TEXT_FIELDS):  # in the order of the vocabulary file's keys
                    for text, info in reader.iter_field(fieldname):
                        yield fieldname, text.decode("utf-8"), info.doc_frequency()

    def segment_count(self) -> int:
        return len(self._ix._segments())

    # when articles were indexed

    def newest_indexed(self) -> int | None:
        """The latest ``indexed`` stamp the index holds, None when it holds none: from the
        field's terms (one a commit; reading every article's took 0.5 s at 100,000), so an
        article since replaced or removed may hold it, which only raises the next stamp."""
        field = self._ix.schema["indexed"]
        last = deque(field.sortable_terms(self._reader, "indexed"), maxlen=1)  # in order: the last is the latest
        return field.from_bytes(last[0]) if last else None

    def indexed_between(self, after: Position | None, upto: int | None, restriction: Compiled | None) -> Compiled:
        """``restriction`` (if any) and the articles indexed past position
        ``after`` whose stamp is at most ``upto``: a later stamp, or the same
        stamp and a later id (ids are ``ID`` terms, ordered as their text)."""
        stamp, last = after if after is not None else (None, None)
        stamps = wq.NumericRange("indexed", stamp, upto, startexcl=stamp is not None)
        if last is not None and (upto is None or stamp <= upto):
            same_commit = wq.And([wq.NumericRange("indexed", stamp, stamp), wq.TermRange("id", last, None, True)])
            stamps = wq.Or([stamps, same_commit])
        return stamps if restriction is None else wq.And([restriction, stamps])
