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
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from itertools import chain, islice
from pathlib import Path

from . import generations as g
from .aliases import NO_ALIASES, Aliases, find_aliases, load_aliases
from .corpus import JSONL_SUFFIXES, Article, Rejection, corpus_files, open_binary, read_corpus
from .engine import Engine, default_engine
from .errors import WRITE_ERRNOS, IndexDamaged, IndexOutdated, IndexUnavailable, ShrinkRefused, UsageError
from .lock import DEFAULT_LOCK_WAIT, check_wait, describe_os_error, now, writer_lock
from .models import IndexReport
from .variants import table_facts, variants_current, write_variants
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
    on_progress: ProgressHandler | None = None,
    engine: Engine | None = None,
    only: Iterable[Path] | None = None,
    gone: Iterable[Path] = (),
    aliases: Path | None = None,
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

    ``aliases`` is the user's alias file (``searchkit.aliases``); by default
    ``aliases.toml`` beside the corpus, when there is one.  A changed file is
    applied by an update even when no article changed.
    """
    engine = engine or default_engine()
    paths = [Path(p) for p in paths]
    only = None if only is None else [Path(p) for p in only]
    gone = [Path(p) for p in gone]
    check_wait(wait)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        # Refused before the lock is taken: an update from a mistyped path
        # would otherwise remove every article of the index.
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    alias_table = load_aliases(find_aliases(paths, Path(aliases) if aliases is not None else None))
    started = time.perf_counter()
    with writer_lock(index_dir, wait), _writing(index_dir):
        g.remove_stale_generations(index_dir)
        if only_if_missing and g.current_generation(index_dir) is not None:
            return IndexReport(index_dir=str(index_dir), mode="none")
        live, outdated = _live_for_writing(index_dir, engine, rebuild)
        report = IndexReport(index_dir=str(index_dir), mode="rebuild" if live is None else "update")

        def reject(rejection: Rejection) -> None:
            report.rejected.append(rejection)
            if on_reject is not None:
                on_reject(rejection)

        def truncate(warning: Rejection) -> None:
            report.truncated.append(warning)
            if on_truncate is not None:
                on_truncate(warning)

        files: list[Path] = []
        reading = paths if live is None or only is None else only
        articles = read_corpus(_recorded(reading, files), reject, truncate)
        if live is None:
            held = None if rebuild or allow_shrink or outdated is None else _held_documents(engine, outdated)
            carried, newest = _carried_stamps(engine, index_dir, outdated)
            generation = g.new_generation(index_dir)
            try:
                _rebuild(engine, generation, articles, report, on_progress, carried, indexing_stamp(newest))
                if held is not None:
                    _refuse_shrink(held, max(held - report.documents, 0), index_dir)
                _finish_generation(engine, generation, paths, changed=True, stamp=report.stamp, aliases=alias_table)
            except BaseException:
                shutil.rmtree(generation, ignore_errors=True)
                raise
            g.publish(index_dir, generation)
            g.remove_stale_generations(index_dir)
        else:
            generation = live
            with engine.reading(index_dir):
                engine.remove_leftovers(generation)
                removable = _removal_rule(reading, files, report, [] if only is None else gone)
                # Reading some files only, ``kept`` counts the articles those files kept, not the rest of the index.
                scope = None if only is None else _read_here(files, gone)
                _update(engine, generation, articles, report, on_progress, optimize, removable, allow_shrink, scope)
                changed = bool(report.added or report.updated or report.removed)
                _finish_generation(engine, generation, paths, changed=changed, stamp=report.stamp, aliases=alias_table)
        report.index_bytes = g.folder_size(generation)
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _writing(index_dir: Path) -> Iterator[None]:
    """Turns a failed write (full disk, read-only file system, no permission) into one line."""
    try:
        yield
    except OSError as error:
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


def _recorded(paths: list[Path], files: list[Path]) -> Iterator[Path]:
    """``paths``, as given; the corpus files found under them are appended to
    ``files`` as they are read (see ``_removal_rule``)."""
    for path in paths:
        for file in corpus_files([path]):
            files.append(file)
            yield file


def _removal_rule(paths: list[Path], files: list[Path], report: IndexReport, gone: list[Path]) -> Callable[[str], bool]:
    """Whether an article stored with ``origin`` may be removed when the corpus
    no longer holds it: its file was read and nothing in it was rejected, or
    the file is in a folder that was read and is gone (or no longer a corpus
    file), or it is one of the ``gone`` files and still missing.  Consulted
    after the whole corpus was read, so ``files`` and the rejections are
    complete by then.  A file that was not read this time keeps its articles."""
    folders = [p.resolve() for p in paths if p.is_dir()]
    deleted = {p.resolve() for p in gone if not p.exists()}
    known: dict[str, set[Path]] = {}  # filled at the first call, once the corpus was read

    def removable(origin: str) -> bool:
        if not known:
            known["rejected"] = {Path(r.path).resolve() for r in report.rejected}
            known["read"] = {f.resolve() for f in files}
        path = Path(_origin_file(origin)).resolve()
        if path in deleted:
            return True
        if path in known["rejected"]:
            return False
        return path in known["read"] or any(path.is_relative_to(folder) for folder in folders)

    return removable


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
) -> None:
    """Writes the build facts and, when the articles changed, it is stale, or
    the alias file changed, the name-variant table (learning again only when
    the articles changed or the table is stale); the vocabulary file when the
    articles changed or it is stale.

    ``newest_indexed`` is the newest stamp ever given in this index (``stamp``
    when this run wrote articles), so that a later one is above it even when
    the article that had it was removed."""
    previous = g.read_meta(generation)
    newest = [s for s in (previous.get("newest_indexed"), stamp if changed else None) if isinstance(s, int)]
    g.write_meta(
        generation,
        {
            **g.versions(),
            "created": previous.get("created") or now(),
            "updated": now(),
            "corpus": [str(p) for p in paths],
            "newest_indexed": max(newest, default=None),
            **engine.commit_facts(generation),
        },
    )
    with engine.open(generation) as index:
        if changed or not variants_current(index):
            write_variants(index, aliases)
        elif table_facts(index).get("aliases_digest") != aliases.digest:
            write_variants(index, aliases, relearn=False)
        if changed or not vocabulary_current(index):
            write_vocabulary(index)


def _rebuild(
    engine: Engine,
    generation: Path,
    articles: Iterable[Article],
    report: IndexReport,
    on_progress: ProgressHandler | None,
    carried: dict[str, tuple[bytes, int]],
    stamp: int,
) -> None:
    report.stamp = stamp
    articles = iter(articles)
    head = list(islice(articles, engine.parallel_threshold))
    writer = engine.create(generation, parallel=len(head) == engine.parallel_threshold)
    try:
        for article in chain(head, articles):
            before = carried.get(article.id)
            kept = before is not None and before[0] == article.content_hash.encode()
            writer.add(article, before[1] if kept else stamp)
            report.added += 1
            if on_progress is not None:
                on_progress(report.added)
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


def _update(
    engine: Engine,
    generation: Path,
    articles: Iterable[Article],
    report: IndexReport,
    on_progress: ProgressHandler | None,
    optimize: bool,
    removable: Callable[[str], bool],
    allow_shrink: bool,
    scope: Callable[[str], bool] | None = None,
) -> None:
    writer = None  # opened at the first change

    def open_writer():
        nonlocal writer
        if writer is None:
            writer = engine.writer(generation)
        return writer

    with engine.open(generation) as index:
        known = index.article_hashes()
        held = len(known)
        stamp = report.stamp = indexing_stamp(index.newest_indexed(), g.read_meta(generation).get("newest_indexed"))
        try:
            for seen, article in enumerate(articles, 1):
                previous = known.pop(article.id, None)
                if previous is not None and previous[1] == article.content_hash.encode():
                    report.unchanged += 1
                elif previous is None:
                    open_writer().add(article, stamp)
                    report.added += 1
                else:
                    open_writer().replace(article, stamp)
                    report.updated += 1
                if on_progress is not None:
                    on_progress(seen)
            # The file of each article not seen, from a column: reading stored articles would decompress them all.
            origins = {i: f.decode() for i, f in index.live_values("id", "origin_file") if i in known and f}
            files_of = {i: origins.get(i) or index.stored(docnum).get("origin", "") for i, (docnum, _) in known.items()}
            gone = [i for i in known if removable(files_of[i])]
            report.kept = len(known) - len(gone)
            if scope is not None:
                removed = set(gone)
                report.kept = sum(1 for i in known if i not in removed and scope(files_of[i]))
            if not allow_shrink:
                _refuse_shrink(held, len(gone), Path(report.index_dir))
            for article_id in gone:
                open_writer().delete(article_id)
                report.removed += 1
            if optimize:
                open_writer()
            if writer is not None:
                writer.commit(optimize=optimize)
        except BaseException:
            if writer is not None:
                writer.cancel()
                with suppress(Exception):  # the error that stopped the update is the one to report
                    engine.remove_leftovers(generation)
            raise
    with engine.open(generation) as index:
        report.documents = index.doc_count()


def count_articles(paths: Iterable[Path]) -> int:
    """A quick count of the articles under ``paths`` (lines of JSON Lines files,
    one a native file), for a progress bar's total; bad lines count too."""
    total = 0
    for path in corpus_files(Path(p) for p in paths):
        if not path.is_file():
            continue  # never open a pipe: it would block
        if not path.name.lower().endswith(JSONL_SUFFIXES):
            total += 1
            continue
        try:
            with open_binary(path) as handle:
                total += sum(chunk.count(b"\n") for chunk in iter(lambda h=handle: h.read(1 << 20), b""))
        except (OSError, EOFError, zlib.error):
            continue
    return total
