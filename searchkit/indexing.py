"""Building and updating an index from a corpus, under the writer lock.

What can go wrong, and what is left (the README states these guarantees):

- a writer killed at any instant: the live index answers as before or as
  after; a rebuild's unfinished generation and an update's unreferenced
  segment files are removed by the next run;
- a full disk or a read-only file system: one ``cannot write`` line, the
  live index as it was, and nothing of the failed run left to fill the disk;
- a damaged index: ``IndexDamaged`` (exit 4), never a silent rebuild; an
  update refuses to touch it, ``--rebuild`` replaces it;
- unreadable input: articles of a file that was not read whole are kept,
  and an update that would remove most of the index is refused.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path

from . import generations as g
from .corpus import Article, Rejection, corpus_file_names, corpus_files, read_corpus
from .duplicates import PhaseProgress, SignatureChanges, duplicates_current, minhash, write_duplicates
from .engine import Engine, OpenIndex, default_engine
from .errors import (
    WRITE_ERRNOS,
    IndexDamaged,
    IndexOutdated,
    IndexUnavailable,
    ResourceShortage,
    ShrinkRefused,
    UsageError,
    resource_shortage,
)
from .lock import DEFAULT_LOCK_WAIT, check_wait, describe_os_error, now, writer_lock
from .models import IndexReport
from .names.aliases import NO_ALIASES, Aliases, find_aliases, load_aliases
from .names.learning import PairChanges
from .names.table import decided_by_other_rules, table_facts, variants_current, write_variants
from .readers import estimate
from .readers.fields import NO_MAP, FieldMap, find_fields, load_fields
from .recorded import CORPUS_KEY, FIELDS_KEY, merged_paths, recorded_fields, recorded_paths
from .signatures import (
    End,
    FileRecord,
    Signature,
    file_key,
    read_record,
    settled,
    signature,
    tail_hash,
    write_record,
)
from .vocabulary import vocabulary_current, write_vocabulary

#: An update may remove at most this share of the index's articles (unless --allow-shrink).
MAX_SHRINK = 0.5

ProgressHandler = Callable[[int], None]


def build_index(
    paths: Iterable[Path],
    index_dir: Path,
    *,
    rebuild: bool = False,
    optimize: bool = False,
    allow_shrink: bool = False,
    only_if_missing: bool = False,
    wait: float = DEFAULT_LOCK_WAIT,
    on_reject: Callable[[Rejection], None] | None = None,
    on_truncate: Callable[[Rejection], None] | None = None,
    on_warning: Callable[[Rejection], None] | None = None,
    on_progress: ProgressHandler | None = None,
    on_reading: Callable[[list[Path]], None] | None = None,
    on_phase: PhaseProgress | None = None,
    engine: Engine | None = None,
    only: Iterable[Path] | None = None,
    gone: Iterable[Path] = (),
    aliases: Path | None = None,
    fields: FieldMap | None = None,
) -> IndexReport:
    """Brings the index in line with the corpus at ``paths``.

    By default an update: only new, changed (by content hash) and removed
    articles are written.  A full rebuild happens with ``rebuild``, on the first
    run, and when the index was built by another analysis version.

    An article leaves the index only when the file it came from was read
    whole and no longer holds it (or is gone from a folder that was read); an
    update that would remove most of the index is refused (``ShrinkRefused``)
    unless ``allow_shrink``.  A damaged index is refused unless ``rebuild``.
    With ``only_if_missing``, nothing is done when an index exists by the time
    the lock is taken (a first search racing a first build).

    ``only`` (files or folders under ``paths``) makes an update read those
    alone, as a watcher does: the other files keep their articles, except the
    files of ``gone``, deleted since, whose articles leave.  A full build
    ignores both and reads ``paths``.

    Every article written gets the commit's ``indexed`` stamp; an unchanged
    article keeps its own, across updates and rebuilds (carried over by id
    and content hash from the generation a rebuild replaces).

    ``on_reading`` hears, before any is read, which files will be read (an
    update skips those unchanged since the last run), for a progress bar's total.
    ``on_phase`` hears each phase after the reading and writing of articles
    (``merging segments``, ``vocabulary``, ``names``, ``duplicates: ...``) as
    (phase, done, total or None when it cannot be counted), as it starts and
    as it goes on.

    Near-duplicate articles are grouped after each commit (``searchkit.duplicates``):
    the signatures of the articles written are computed as they are written.

    ``aliases`` is the user's alias file (``searchkit.names.aliases``); by default
    ``aliases.toml`` beside the corpus, when there is one.  A changed file is
    applied by an update even when no article changed.

    ``fields`` names the keys of records (JSON, CSV) that hold each article
    field, over ``fields.toml`` beside the corpus (``searchkit.readers.fields``);
    with neither, the mapping recorded by the last run stands.  A changed
    mapping makes an update read every file again.  ``on_warning`` hears of
    what an article was read without (a date that could not be read), and of
    a guess (a CSV's encoding).

    The build facts record ``paths`` (``searchkit.recorded``): a build those
    alone, an update those added to the ones recorded; and the field mapping.
    """
    engine = engine or default_engine()
    paths = [Path(p) for p in paths]
    only = None if only is None else [Path(p) for p in only]
    gone = [Path(p) for p in gone]
    check_wait(wait)
    engine.check_settings()
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        # Refused before the lock is taken: an update from a mistyped path
        # would otherwise remove every article of the index.
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    alias_table = load_aliases(find_aliases(paths, Path(aliases) if aliases is not None else None))
    field_file = find_fields(paths)
    if fields is None and field_file is None:
        field_map = FieldMap(recorded_fields(index_dir))
    else:
        field_map = load_fields(field_file).merged(fields or NO_MAP)
    started = time.perf_counter()
    with writer_lock(index_dir, wait), _writing(index_dir):
        g.remove_stale_generations(index_dir)
        if only_if_missing and g.current_generation(index_dir) is not None:
            return IndexReport(index_dir=str(index_dir), mode="none")
        live, outdated = _live_for_writing(index_dir, engine, rebuild)
        report = IndexReport(index_dir=str(index_dir), mode="rebuild" if live is None else "update")

        told: set[Rejection] = set()  # a file read again (see _Untrusted) is not reported twice

        def reject(rejection: Rejection) -> None:
            report.rejected.append(rejection)
            if on_reject is not None and rejection not in told:
                told.add(rejection)
                on_reject(rejection)

        def noting(kept: str, handler: Callable[[Rejection], None] | None) -> Callable[[Rejection], None]:
            """A handler that keeps a warning in the report's list ``kept``, and tells it once."""

            def note(warning: Rejection) -> None:
                getattr(report, kept).append(warning)
                if handler is not None and warning not in told:
                    told.add(warning)
                    handler(warning)

            return note

        truncate, warn = noting("truncated", on_truncate), noting("warnings", on_warning)
        reading = paths if live is None or only is None else only
        scan = _scan(reading)
        lines: dict[str, int] = {}  # JSON Lines file → lines it held, when read to its end

        def ended(path: Path, count: int) -> None:
            lines[file_key(path)] = count

        def read(chosen: list[Path], starts: dict[str, tuple[int, int]] | None = None) -> Iterator[Article]:
            if on_reading is not None:
                on_reading(chosen)
            return read_corpus(chosen, reject, truncate, warn, field_map, starts, ended)

        if live is None:
            held = None if rebuild or allow_shrink or outdated is None else _held_documents(engine, outdated)
            carried, newest = _carried_stamps(engine, index_dir, outdated)
            generation = g.new_generation(index_dir)
            try:
                seen: dict[str, str] = {}
                signed = SignatureChanges(None)
                articles = _noted(read([Path(p) for p, _ in scan.files]), seen)
                pairs = _rebuild(
                    engine, generation, articles, report, on_progress, carried, indexing_stamp(newest), signed, on_phase
                )
                if held is not None:
                    _refuse_shrink(held, max(held - report.documents, 0), index_dir)
                commit = _finish_generation(
                    engine,
                    generation,
                    paths,
                    changed=True,
                    stamp=report.stamp,
                    aliases=alias_table,
                    pairs=pairs,
                    fields=field_map,
                    signed=signed,
                    on_phase=on_phase,
                )
                signatures = _read_signatures(scan, report, {})
                write_record(generation, commit, seen, signatures, _ends(scan, lines, {}))
            except BaseException:
                shutil.rmtree(generation, ignore_errors=True)
                raise
            g.publish(index_dir, generation)
            g.remove_stale_generations(index_dir)
        else:
            generation = live
            with engine.reading(index_dir):
                engine.remove_leftovers(generation)
                # With the file record first; an article it places in a skipped file is read again by a full comparison.
                # A changed field mapping changes articles of files that did not change: each is read again.
                mapping_kept = g.read_meta(generation).get(FIELDS_KEY, {}) == field_map.mapped
                for trusted in (True, False) if mapping_kept else (False,):
                    report = IndexReport(index_dir=str(index_dir), mode="update")
                    files: list[Path] = []
                    kept_because = _removal_rule(reading, files, report, [] if only is None else gone)
                    # Reading some files only, ``kept`` counts the articles those files kept, not the rest of the index.
                    scope = None if only is None else _read_here(files, gone)
                    try:
                        result = _update(
                            engine,
                            generation,
                            scan,
                            lambda chosen, starts, files=files: read(_listed(chosen, files), starts),
                            report,
                            on_progress,
                            optimize,
                            kept_because,
                            allow_shrink,
                            scope,
                            trusted,
                            lines,
                            on_phase,
                        )
                    except _Untrusted:
                        continue
                    break
                changed = bool(report.added or report.updated or report.removed)
                commit = _finish_generation(
                    engine,
                    generation,
                    paths,
                    changed=changed,
                    stamp=report.stamp,
                    aliases=alias_table,
                    pairs=result.pairs,
                    fields=field_map,
                    signed=result.signed,
                    on_phase=on_phase,
                )
                if result.stale:
                    write_record(generation, commit, result.owners, result.signatures, result.ends)
        report.index_bytes = g.folder_size(generation)
        report.unknown = scan.unknown
    report.seconds = time.perf_counter() - started
    return report


def commit_point(index_dir: Path, engine: Engine | None = None) -> tuple[str, int] | None:
    """Where the index stands: its live generation and that generation's
    latest commit; None without one.  Compared before and after a run that
    was interrupted, it says whether the run's commit (or swap) happened."""
    engine = engine or default_engine()
    try:
        generation = g.current_generation(index_dir)
        return None if generation is None else (generation.name, engine.latest_commit(generation))
    except (IndexUnavailable, OSError):
        return None


@contextmanager
def _writing(index_dir: Path) -> Iterator[None]:
    """Turns a failed write (full disk, read-only file system, no permission) into one line."""
    try:
        yield
    except (OSError, MemoryError) as error:
        shortage = resource_shortage(error)
        if shortage is not None:
            raise ResourceShortage(
                f"cannot write index {index_dir}: {shortage}; the index was left as it was"
            ) from None
        if error.errno not in WRITE_ERRNOS:
            raise
        raise IndexUnavailable(
            f"cannot write index {index_dir}: {describe_os_error(error)}; the index was left as it was"
        ) from None


def _live_for_writing(index_dir: Path, engine: Engine, rebuild: bool) -> tuple[Path | None, Path | None]:
    """(the live generation to update, or None for a full build; the outdated
    generation a full build replaces, if any)."""
    try:
        live = g.check_live(index_dir, engine)
    except IndexOutdated:
        return None, g.current_generation(index_dir)
    except IndexDamaged:
        if rebuild:
            return None, None
        raise
    if rebuild or live is None:
        return None, live
    return live, None


def indexing_stamp(*floors: int | None) -> int:
    """The ``indexed`` stamp of a commit: now, in nanoseconds since 1970, and
    above every stamp given (the newest of the index), so that stamps never
    go back even if the clock does."""
    return max([time.time_ns(), *(floor + 1 for floor in floors if isinstance(floor, int))])


def _carried_stamps(
    engine: Engine, index_dir: Path, previous: Path | None
) -> tuple[dict[str, tuple[bytes, int]], int | None]:
    """What a rebuild carries over from the generation it replaces (the live
    one, else whatever ``CURRENT`` names): article id → (content hash, indexed
    stamp), and its newest stamp.  Nothing from a generation that cannot be
    read or has no stamps (built before they existed)."""
    try:
        previous = previous or g.current_generation(index_dir)
        if previous is None:
            return {}, None
        newest = g.read_meta(previous).get("newest_indexed")
        with engine.open(previous) as index:
            carried = {i: (h, s) for i, h, s in index.live_values("id", "hash", "indexed") if i and h and s}
    except Exception:  # a damaged or foreign generation: its stamps are lost, never its replacement
        return {}, None
    stamps = [s for _, s in carried.values()]
    if isinstance(newest, int):
        stamps.append(newest)
    return carried, max(stamps, default=None)


def _held_documents(engine: Engine, generation: Path) -> int | None:
    try:
        with engine.open(generation) as index:
            return index.doc_count()
    except Exception:  # an index this version cannot read holds nothing it can count
        return None


def _refuse_shrink(held: int, removed: int, index_dir: Path) -> None:
    if removed and (removed == held or removed > held * MAX_SHRINK):
        raise ShrinkRefused(
            f"refused: this update would remove {removed:,} of the {held:,} articles of {index_dir} "
            f"(more than {MAX_SHRINK:.0%}); check the corpus path, or pass --allow-shrink (or --rebuild) "
            "if that is what you want"
        )


@dataclass
class _Scan:
    """The corpus files to consider, each with its signature (None when it
    cannot be stat'ed), stat'ed in one pass before any is read, from ``at``."""

    files: list[tuple[str, Signature | None]]
    at: int
    unknown: list[str]  #: files of the folders of no format searchkit reads, skipped


def _scan(paths: list[Path]) -> _Scan:
    at = time.time_ns()
    unknown: list[str] = []
    files = [(file, signature(file)) for file in corpus_file_names(paths, unknown.append)]
    return _Scan(files, at, unknown)


def _listed(chosen: list[Path], files: list[Path]) -> list[Path]:
    """``chosen``, also appended to ``files`` (the files read, for ``_removal_rule``)."""
    files.extend(chosen)
    return chosen


def _noted(articles: Iterable[Article], seen: dict[str, str]) -> Iterator[Article]:
    """``articles``, each noted in ``seen`` (id → its file, as the file record names it) as it passes."""
    for article in articles:
        seen[article.id] = file_key(article.origin_file)
        yield article


#: Why an article the corpus no longer holds is kept (``_removal_rule``).
NOT_READ_WHOLE = "not read whole"  #: its file had a rejected line or was cut short
NOT_NAMED = "not named"  #: its file is outside the paths read this time


def _removal_rule(
    paths: list[Path], files: list[Path], report: IndexReport, gone: list[Path]
) -> Callable[[str], str | None]:
    """Why an article stored with ``origin`` is kept when the corpus no longer
    holds it, or None when it may be removed: its file was read and nothing in
    it was rejected, or the file is in a folder that was read and is gone (or
    no longer a corpus file), or it is one of the ``gone`` files and still
    missing.  Consulted after the whole corpus was read, so ``files`` and the
    rejections are complete by then.  A file that was not read this time keeps
    its articles (``NOT_NAMED``), and so does one not read whole (``NOT_READ_WHOLE``)."""
    folders = [p.resolve() for p in paths if p.is_dir()]
    deleted = {p.resolve() for p in gone if not p.exists()}
    known: dict[str, set[Path]] = {}  # filled at the first call, once the corpus was read

    def kept_because(origin: str) -> str | None:
        if not known:
            known["rejected"] = {Path(r.path).resolve() for r in report.rejected}
            known["read"] = {f.resolve() for f in files}
        path = Path(_origin_file(origin)).resolve()
        if path in deleted:
            return None
        if path in known["rejected"]:
            return NOT_READ_WHOLE
        if path in known["read"] or any(path.is_relative_to(folder) for folder in folders):
            return None
        return NOT_NAMED

    return kept_because


def _read_here(files: list[Path], gone: list[Path]) -> Callable[[str], bool]:
    """Whether an article stored with ``origin`` came from one of ``files`` or ``gone``."""

    read: set[Path] = set()

    def here(origin: str) -> bool:
        if not read:  # the files are all known by the time articles are counted
            read.update(p.resolve() for p in [*files, *gone])
        return Path(_origin_file(origin)).resolve() in read

    return here


def _origin_file(origin: str) -> str:
    path, _, line = origin.rpartition(":")
    return path if path and line.isdigit() else origin


def _finish_generation(
    engine: Engine,
    generation: Path,
    paths: list[Path],
    *,
    changed: bool,
    stamp: int | None = None,
    aliases: Aliases = NO_ALIASES,
    pairs: PairChanges | None = None,
    fields: FieldMap = NO_MAP,
    signed: SignatureChanges | None = None,
    on_phase: PhaseProgress | None = None,
) -> int:
    """Writes the build facts; the vocabulary file when the articles changed or
    it is stale; and, when the articles changed, it is stale, or the alias file
    changed, the name-variant table (learning again only when the articles
    changed or the table is stale, from the ``pairs`` of names the run added
    and removed); and the near-duplicate groups when the articles changed or
    they are stale (from the ``signed`` changes: the signatures of the articles
    written, the ids removed; and those the file kept).  Returns the commit.

    ``newest_indexed`` is the newest stamp ever given in this index (``stamp``
    when this run wrote articles), so that a later one is above it even when
    the article that had it was removed.  ``corpus`` adds ``paths`` to the
    paths recorded (``searchkit.recorded``), and ``fields`` is recorded as the
    field mapping.  Facts that still hold are not rewritten:
    ``updated`` says when the index last changed."""
    previous = g.read_meta(generation)
    facts = engine.commit_facts(generation, previous)
    recorded = {CORPUS_KEY: merged_paths(recorded_paths(previous), paths), FIELDS_KEY: fields.mapped}
    if changed or any(previous.get(k) != v for k, v in (recorded | facts).items()):
        newest = [s for s in (previous.get("newest_indexed"), stamp if changed else None) if isinstance(s, int)]
        g.write_meta(
            generation,
            {
                **g.versions(),
                "created": previous.get("created") or now(),
                "updated": now(),
                **recorded,
                "newest_indexed": max(newest, default=None),
                **facts,
            },
        )
    with engine.open(generation) as index:
        # The vocabulary first: the variant table reads the name spellings from it.
        if changed or not vocabulary_current(index):
            _phase(on_phase, "vocabulary")
            write_vocabulary(index)
        if changed or not variants_current(index):
            _phase(on_phase, "names")
            write_variants(index, aliases, changes=pairs)
        elif decided_by_other_rules(index):
            _phase(on_phase, "names")
            write_variants(index, aliases, changes=PairChanges(index.commit_id()))
        elif table_facts(index).get("aliases_digest") != aliases.digest:
            _phase(on_phase, "names")
            write_variants(index, aliases, relearn=False)
        if changed or not duplicates_current(index):
            _phase(on_phase, "duplicates")
            write_duplicates(index, signed, on_phase)
    return facts["commit"]


def _phase(on_phase: PhaseProgress | None, name: str) -> None:
    """Tells ``on_phase`` that phase ``name`` starts, its progress not counted."""
    if on_phase is not None:
        on_phase(name, 0, None)


def _signed(article: Article) -> tuple[bytes, bytes | None]:
    """(content hash, near-duplicate signature) of an article written, for ``write_duplicates``."""
    return article.content_hash.encode(), minhash(article.body)


def _read_signatures(scan: _Scan, report: IndexReport, kept: dict[str, Signature]) -> dict[str, Signature]:
    """The signatures of the next file record: those ``kept`` from the record
    before, and those of the files of ``scan`` read whole that had settled
    (see ``signatures.settled``)."""
    partial = {file_key(r.path) for r in chain(report.rejected, report.truncated)}
    signatures = dict(kept)
    for path, sig in scan.files:
        key = file_key(path)
        if key not in signatures and sig is not None and key not in partial and settled(sig, scan.at):
            signatures[key] = sig
    return signatures


def _ends(scan: _Scan, lines: dict[str, int], kept: dict[str, End]) -> dict[str, End]:
    """The ends of the next file record (``searchkit.signatures``): those ``kept``
    from the record before, of files still there, and those of the JSON Lines
    files of ``scan`` read to their end this time, still as the scan found them
    (settled or not: an end is checked by content, not by the ``stat``)."""
    scanned = {file_key(path): sig for path, sig in scan.files if sig is not None}
    ends = {key: end for key, end in kept.items() if key in scanned}
    for key, count in lines.items():
        sig = scanned.get(key)
        if sig is not None and signature(key) == sig:
            tail = tail_hash(key, sig[0])
            if tail is not None:
                ends[key] = (sig[0], count, tail, sig[3])
    return ends


def _rebuild(
    engine: Engine,
    generation: Path,
    articles: Iterable[Article],
    report: IndexReport,
    on_progress: ProgressHandler | None,
    carried: dict[str, tuple[bytes, int]],
    stamp: int,
    signed: SignatureChanges,
    on_phase: PhaseProgress | None = None,
) -> PairChanges:
    """Writes ``articles`` into the new ``generation``; returns their pairs of
    names, and puts their near-duplicate signatures in ``signed``."""
    report.stamp = stamp
    pairs = PairChanges(None)
    articles = iter(articles)
    head = list(islice(articles, engine.parallel_threshold))
    writer = engine.create(generation, parallel=len(head) == engine.parallel_threshold)
    try:
        for article in chain(head, articles):
            before = carried.get(article.id)
            kept = before is not None and before[0] == article.content_hash.encode()
            writer.add(article, before[1] if kept else stamp)
            pairs.add(article.title, article.body)
            signed.written[article.id] = _signed(article)
            report.added += 1
            if on_progress is not None:
                on_progress(report.added)
        _phase(on_phase, "merging segments")
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    with engine.open(generation) as index:
        report.documents = index.doc_count()
    if report.documents != report.added:
        raise IndexUnavailable(
            f"the new index holds {report.documents} articles of the {report.added} written; "
            "the live index was left as it was"
        )
    return pairs


class _Untrusted(Exception):
    """An article read from a changed file is held by a file the record says is
    unchanged (an id in two files, the first kept by the corpus order), or the
    record and the index disagree on whether it is held: the update starts
    again, comparing every article."""


@dataclass
class _Updated:
    """What an update leaves for the files' record and the names table."""

    owners: dict[str, str]  #: article id → file, after the update
    signatures: dict[str, Signature]  #: of the files that may be skipped next time
    stale: bool  #: whether the file record must be written anew
    pairs: PairChanges  #: the pairs of names of the articles written, less those of the articles removed
    signed: SignatureChanges  #: the signatures of the articles written, the ids removed
    ends: dict[str, End] = field(default_factory=dict)  #: of the JSON Lines files an update may read from their end


class _Stored:
    """What the live commit holds, as far as an update needs it: the stored
    hash of each article read, and the articles not read, by file.

    Without a file record, from every live document; with one, from the
    record and one lookup an article read (all hashes at once when the files
    read held more than ``MAX_LOOKUPS`` articles, or once that many lookups
    were made), each checked against the record."""

    MAX_LOOKUPS = 2_000

    def __init__(
        self,
        index: OpenIndex,
        record: FileRecord | None,
        skipped: set[str],
        reading: set[str],
        appended: Iterable[str] = (),
    ) -> None:
        self.index = index
        self.record = record
        self.skipped = skipped
        self.appended = set(appended)
        self.lookups = 0
        # of an appended file only the new end is read: its articles before it are not looked up
        looked_up = reading.difference(self.appended)
        held = None if record is None else sum(len(record.ids.get(key, ())) for key in looked_up)
        self.known = index.article_hashes() if held is None or held > self.MAX_LOOKUPS else None
        if record is not None and reading and len(record.owners) != index.doc_count():
            raise _Untrusted  # an article named twice

    def hash(self, article_id: str) -> bytes | None:
        if self.record is None:
            previous = self.known.get(article_id)
            return None if previous is None else previous[1]
        owner = self.record.owners.get(article_id)
        if owner in self.skipped:
            raise _Untrusted
        if self.known is None and self.lookups < self.MAX_LOOKUPS:
            self.lookups += 1
            found = self.index.article_hash(article_id)
        else:
            if self.known is None:
                self.known = self.index.article_hashes()
            previous = self.known.get(article_id)
            found = None if previous is None else previous[1]
        if (found is None) != (owner is None):
            raise _Untrusted  # the record and the index disagree on whether the index holds it
        return found

    def unseen(self, seen: dict[str, str]) -> dict[str, list[str]]:
        """File (as its articles' origin names it) → ids of its articles not read this time
        (none of a file skipped, nor of one appended to: those before its end are kept)."""
        by_file: dict[str, list[str]] = {}
        if self.record is not None:
            for key, ids in self.record.ids.items():
                if key not in self.skipped and key not in self.appended:
                    by_file[key] = [i for i in ids if i not in seen]
            return by_file
        known = {i: docnum for i, (docnum, _) in self.known.items() if i not in seen}
        # The file of each article not seen, from a column: reading stored articles would decompress them all.
        origins = {i: f.decode() for i, f in self.index.live_values("id", "origin_file") if i in known and f}
        for article_id, docnum in known.items():
            origin = origins.get(article_id) or _origin_file(self.index.stored(docnum).get("origin", ""))
            by_file.setdefault(origin, []).append(article_id)
        return by_file


def _update(
    engine: Engine,
    generation: Path,
    scan: _Scan,
    read: Callable[[list[Path], dict[str, tuple[int, int]]], Iterable[Article]],
    report: IndexReport,
    on_progress: ProgressHandler | None,
    optimize: bool,
    kept_because: Callable[[str], str | None],
    allow_shrink: bool,
    scope: Callable[[str], bool] | None,
    trusted: bool,
    lines: dict[str, int],
    on_phase: PhaseProgress | None = None,
) -> _Updated:
    """Brings the live generation in line with the files of ``scan``, reading
    only those the file record (when ``trusted`` and valid) does not know
    unchanged, and of a JSON Lines file only appended to, its new end.  An
    article there whose id the index holds (an edit sent as an append) makes
    the update compare every file whole, as without the record: the first of
    two articles with one id is kept, and that may be the earlier one."""
    writer = None  # opened at the first change

    def open_writer():
        nonlocal writer
        if writer is None:
            meta_newest = g.read_meta(generation).get("newest_indexed")
            report.stamp = indexing_stamp(index.newest_indexed(), meta_newest)
            writer = engine.writer(generation)
        return writer

    with engine.open(generation) as index:
        held = index.doc_count()
        record = read_record(generation, index.commit_id(), held) if trusted else None
        keys = [(path, file_key(path), sig) for path, sig in scan.files]
        skipped = set() if record is None else {key for _, key, sig in keys if record.unchanged(key, sig)}
        chosen = [Path(path) for path, key, _ in keys if key not in skipped]
        read_keys = {key for _, key, _ in keys if key not in skipped}
        appended: dict[str, End] = {}
        if record is not None:
            for path, key, sig in keys:
                end = None if key in skipped else record.appended(path, sig)
                if end is not None:
                    appended[key] = end
        stored = _Stored(index, record, skipped, read_keys, appended.keys())
        report.skipped = len(skipped)
        report.unchanged = sum(len(record.ids.get(key, ())) for key in skipped) if record is not None else 0
        seen: dict[str, str] = {}
        for key in appended:  # the articles before an appended end are as they were: kept, not listed again
            report.unchanged += len(record.ids.get(key, ()))
        starts = {key: (end[0], end[1]) for key, end in appended.items()}
        pairs = PairChanges(index.commit_id())
        signed = SignatureChanges(index.commit_id())

        def forget(article_id: str) -> None:
            """Subtracts the pairs of the stored article ``article_id``, about to be replaced or removed."""
            docnum = index.docnum_of(article_id)
            if docnum is not None:
                old = index.stored(docnum)
                pairs.add(old.get("title") or "", old.get("body") or "", -1)

        try:
            for done, article in enumerate(_noted(read(chosen, starts), seen), 1):
                previous = stored.hash(article.id)
                if previous is not None and appended and file_key(article.origin_file) in appended:
                    raise _Untrusted  # an id appended again: which one stands is the whole file's to say
                if previous == article.content_hash.encode():
                    report.unchanged += 1
                elif previous is None:
                    open_writer().add(article, report.stamp)
                    pairs.add(article.title, article.body)
                    signed.written[article.id] = _signed(article)
                    report.added += 1
                else:
                    forget(article.id)
                    open_writer().replace(article, report.stamp)
                    pairs.add(article.title, article.body)
                    signed.written[article.id] = _signed(article)
                    report.updated += 1
                if on_progress is not None:
                    on_progress(done)
            unseen = stored.unseen(seen)
            gone: list[str] = []
            for origin, ids in unseen.items():
                why = kept_because(origin)
                if why is None:
                    gone.extend(ids)
                elif scope is None or scope(origin):
                    report.kept += len(ids)
                    report.not_named += len(ids) if why == NOT_NAMED else 0
            if not allow_shrink:
                _refuse_shrink(held, len(gone), Path(report.index_dir))
            for article_id in gone:
                forget(article_id)
                open_writer().delete(article_id)
                signed.removed.add(article_id)
                report.removed += 1
            if optimize:
                open_writer()
            if writer is not None:
                _phase(on_phase, "merging segments")
                writer.commit(optimize=optimize)
        except BaseException:
            if writer is not None:
                writer.cancel()
                with suppress(Exception):  # the error that stopped the update is the one to report
                    engine.remove_leftovers(generation)
            raise
        if record is not None and not chosen and writer is None:
            report.documents = held
            return _Updated(
                {}, {}, stale=False, pairs=pairs, signed=signed
            )  # nothing read, nothing written: the record holds
        if record is not None:
            owners = dict(record.owners)
        else:
            owners = {i: file_key(origin) for origin, ids in unseen.items() for i in ids}
        owners.update(seen)
        for article_id in gone:
            owners.pop(article_id, None)
        still = set(owners.values()) | skipped
        kept = {
            key: sig
            for key, sig in (record.signatures.items() if record is not None else ())
            if key not in read_keys and key in still
        }
        signatures = _read_signatures(scan, report, kept)
        ends = _ends(
            scan, lines, {} if record is None else {k: e for k, e in record.ends.items() if k not in read_keys}
        )
        # A file read again with nothing new (one with a rejected line) leaves the record as it is.
        moved = record is None or any(record.owners.get(i) != key for i, key in seen.items())
        stale = moved or writer is not None or signatures != record.signatures or ends != record.ends
    with engine.open(generation) as index:
        report.documents = index.doc_count()
    return _Updated(owners, signatures, stale, pairs, signed, ends)


def count_articles(paths: Iterable[Path]) -> int:
    """A quick count of the articles under ``paths`` (lines of JSON Lines and
    CSV files, blocks of Europresse exports and feeds, one a page), for a
    progress bar's total; bad lines count too."""
    return sum(estimate(path) for path in corpus_files(Path(p) for p in paths) if path.is_file())
