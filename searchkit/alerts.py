"""Saved searches (the watchlist) and their alerts: what each found among the articles indexed since it last ran.

The watchlist is ``watchlist.json`` in the index folder, beside the
generations, so it survives rebuilds (which replace generations, not the
folder).  It is written whole to a temporary file, flushed, and renamed over
the old one, under its own lock (``.watchlist.lock``, not the writer lock: an
alerts run never waits for an indexer).

**What is new.** Every article carries the ``indexed`` stamp of the commit
that first held it as it reads now (``searchkit.indexing``): an article added,
or changed (its title, body, date, source or url), gets a new stamp; one that
is unchanged keeps its stamp through updates and rebuilds.  Articles are
ordered by stamp, then by id: a commit gives one stamp to all it writes, and
the id tells them apart.  Each entry keeps a *mark*, a position in that order
(``models.Position``) up to which it has reported: a stamp, and the id of the
last article reported among those of that stamp (none: all of them).  An
alerts run reads the index's newest stamp N and lists for each entry the
articles past its mark, of stamp <= N, that its query finds (every word
required, its filters applied).  Once they are printed, the entry's mark moves
to N, or, when ``--limit`` cut the list, to the last article listed: the list
is the first ones in that order, so the next run starts with the rest, even in
the middle of one commit's articles.

The file keeps the mark as ``mark`` (the stamp) and ``mark_id`` (the id, null
for a whole stamp), so a watchlist written before ``mark_id`` existed reads
as marks of whole stamps, which it was.

**At least once.** The marks are saved only after the alerts were printed and
flushed: a run killed, or whose output could not be written, between printing
and saving has saved nothing, so the next run prints the same articles again.
An alert can repeat; it is never lost, and a ``--limit`` only defers the rest
to the next runs.  Articles indexed while a run works are above N, so they are
the next run's.
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import os
import re
import stat
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from . import generations as g
from . import query as q
from .atomic import write_atomically
from .engine import Engine, default_engine
from .errors import IndexUnavailable, NoIndex, QueryError, SearchkitError, UsageError
from .lock import describe_os_error, file_lock, now
from .models import Alert, Hit, Position, SearchResult, WatchEntry
from .search import Searcher, SearchOptions
from .wording import counted

WATCHLIST_FILE = "watchlist.json"
WATCHLIST_LOCK = ".watchlist.lock"
FORMAT_VERSION = 1
NAME_PATTERN = re.compile(r"[\w][\w.-]{0,63}")
MAX_ENTRIES = 1000
DEFAULT_LIMIT = 50  #: hits an alert lists at most; a note counts the rest
LOCK_WAIT = 10.0
#: Stamps are nanoseconds since 1970 in a signed 64-bit field: a mark beyond is no stamp (and no date).
MAX_STAMP = 2**63 - 1
#: A watchlist of MAX_ENTRIES searches of the longest query is some 3 MB; a bigger file is not one.
MAX_FILE_BYTES = 16 << 20
#: For tests: when set, an alerts run dies (as by ``kill -9``) after printing, before saving its marks.
CRASH_BEFORE_SAVE = "SEARCHKIT_TEST_CRASH_BEFORE_SAVE"


# --- the watchlist file --------------------------------------------------------------------


def _locked(index_dir: Path):
    """The watchlist's own lock: a saved search is added or an alert saved by one process at a time.

    Only in an index folder that exists: a mistyped ``--index`` must be an
    error, not a new folder (``file_lock`` creates none for it either)."""
    _require_index(index_dir)
    return file_lock(index_dir / WATCHLIST_LOCK, LOCK_WAIT, f"the watchlist of {index_dir}")


def _require_index(index_dir: Path) -> None:
    """``IndexUnavailable`` unless ``index_dir`` holds an index (usable or not):
    the watchlist lives in an index folder, as every other command needs one."""
    if not g.index_exists(index_dir):
        raise NoIndex(index_dir, ": the watchlist lives in an index")


def watchlist_path(index_dir: Path) -> Path:
    return index_dir / WATCHLIST_FILE


def load(index_dir: Path) -> list[WatchEntry]:
    """The saved searches of the index at ``index_dir``, in the order they were added.

    ``IndexUnavailable`` naming the file and what is wrong with it when it is
    not a watchlist this searchkit can read: it is a file of the index folder,
    and a hand edit must be one clear line, not a crash later on."""
    _require_index(index_dir)
    path = watchlist_path(index_dir)
    try:
        text = _read(path)
        if text is None:
            return []
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as error:  # RecursionError: nested deeper than the parser goes
            raise _Wrong(f"is not JSON ({_clipped(str(error), 120)})") from None
        return _entries(data)
    except _Wrong as wrong:
        raise IndexUnavailable(f"the watchlist {path} {wrong}: fix or remove it") from None


class _Wrong(Exception):
    """What is wrong with a watchlist file, said after its path (``is not JSON (...)``)."""


def _read(path: Path) -> str | None:
    """The text of the watchlist file, None when there is none.

    A symbolic link is refused rather than followed: a save replaces the
    file, so the link would be silently dropped.  ``O_NONBLOCK`` lets a FIFO
    be opened (and refused) without waiting for a writer."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _Wrong("is a symbolic link, which searchkit does not follow") from None
        raise _Wrong(f"cannot be read ({describe_os_error(error)})") from None
    kind = os.fstat(fd).st_mode
    if not stat.S_ISREG(kind):
        os.close(fd)
        raise _Wrong("is a folder, not a file" if stat.S_ISDIR(kind) else "is not a regular file")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise _Wrong(f"cannot be read ({describe_os_error(error)})") from None
    if len(data) > MAX_FILE_BYTES:
        raise _Wrong(f"is larger than {MAX_FILE_BYTES >> 20} MiB, far more than any watchlist searchkit writes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Wrong(f"is not UTF-8 (byte {data[error.start]:#04x} at offset {error.start})") from None


def _entries(data: object) -> list[WatchEntry]:
    """The entries of a parsed watchlist; ``_Wrong`` saying the first thing wrong with its shape."""
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise _Wrong('is not a JSON object with a list of "entries"')
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise _Wrong(f"has format version {_clipped(repr(version))}; this searchkit reads version {FORMAT_VERSION}")
    entries = [_entry(number, item) for number, item in enumerate(data["entries"], 1)]
    seen: set[str] = set()
    for entry in entries:
        if entry.name in seen:
            raise _Wrong(f"holds two saved searches named {entry.name!r}")
        seen.add(entry.name)
    return entries


def _entry(number: int, item: object) -> WatchEntry:
    if not isinstance(item, dict):
        raise _Wrong(f"has an entry {number} that is not a JSON object")
    named = f" ({_clipped(repr(item['name']))})" if isinstance(item.get("name"), str) else ""
    where = f"entry {number}{named}"

    def text(key: str, required: bool = False) -> str | None:
        value = item.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str):
            wrong = "is missing" if value is None else f"{_clipped(repr(value))} is not a string"
            raise _Wrong(f"is damaged: {where}: {key} {wrong}")
        return value

    name = text("name", required=True)
    if not NAME_PATTERN.fullmatch(name):
        raise _Wrong(f"is damaged: {where}: the name is not a watchlist name (letters, digits, '_', '.', '-')")
    for key in ("since", "until"):
        date = text(key)
        if date is not None and not _is_date(date):
            raise _Wrong(f"is damaged: {where}: {key} {_clipped(repr(date))} is not a date")
    mark = item.get("mark")
    if mark is not None and (type(mark) is not int or not 0 <= mark <= MAX_STAMP):
        raise _Wrong(
            f"is damaged: {where}: mark {_clipped(repr(mark))} is not an indexing stamp "
            f"(a whole number of nanoseconds since 1970, from 0 to {MAX_STAMP})"
        )
    mark_id = text("mark_id")  # absent in files written before alerts could stop inside a commit
    if mark_id == "" or (mark_id is not None and mark is None):
        raise _Wrong(f"is damaged: {where}: mark_id {_clipped(repr(mark_id))} needs a mark, and an article id")
    return WatchEntry(
        name=name,
        query=text("query", required=True),
        since=text("since"),
        until=text("until"),
        source=text("source"),
        created=text("created") or "",
        mark=None if mark is None else (mark, mark_id),
        checked=text("checked"),
    )


def _is_date(text: str) -> bool:
    """Whether ``text`` is a date as ``watchlist add --since/--until`` takes one."""
    try:
        q.parse_date_range(text)
    except QueryError:
        return False
    return True


def _clipped(text: str, most: int = 40) -> str:
    """A value of a hand-edited file, short enough for a one-line error."""
    return text if len(text) <= most else text[: most - 1] + "…"


def _save(index_dir: Path, entries: list[WatchEntry]) -> None:
    """Replaces the watchlist atomically: a reader sees the old one or the new one, whole."""
    path = watchlist_path(index_dir)
    document = {
        "version": FORMAT_VERSION,
        "entries": [
            {
                "name": e.name,
                "query": e.query,
                "since": e.since,
                "until": e.until,
                "source": e.source,
                "created": e.created,
                "mark": e.mark[0] if e.mark else None,
                "mark_id": e.mark[1] if e.mark else None,
                "mark_time": stamp_time(e.mark[0]) if e.mark else None,  # for people reading the file
                "checked": e.checked,
            }
            for e in entries
        ],
    }
    try:
        write_atomically(path, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode(), durable=True)
    except OSError as error:
        raise IndexUnavailable(
            f"cannot write the watchlist {path}: {describe_os_error(error)}; it was left as it was"
        ) from None


# --- stamps and times ------------------------------------------------------------------------


def stamp_time(stamp: int | None) -> str | None:
    """An ``indexed`` stamp as an ISO 8601 UTC time, to the second."""
    if stamp is None:
        return None
    return _dt.datetime.fromtimestamp(stamp / 1e9, _dt.UTC).isoformat(timespec="seconds")


def time_stamp(text: str) -> int:
    """The stamp of the first instant of ``text``: YYYY, YYYY-MM, YYYY-MM-DD or an
    ISO 8601 time (UTC unless it names its zone)."""
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}", value):
            moment = _dt.datetime(int(value), 1, 1)
        elif re.fullmatch(r"\d{4}-\d{2}", value):
            moment = _dt.datetime(int(value[:4]), int(value[5:]), 1)
        else:
            moment = _dt.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--since {text!r} is not a date: use YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


# --- the watchlist -------------------------------------------------------------------------


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise UsageError(
            f"{name!r} is not a watchlist name: use up to 64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    return name


def add(
    index_dir: Path,
    name: str,
    query: str,
    *,
    since: str | None = None,
    until: str | None = None,
    source: str | None = None,
    replace_existing: bool = False,
    engine: Engine | None = None,
) -> WatchEntry:
    """Saves a search; its alerts start with the articles indexed from now on.

    ``UsageError`` for a bad name, a name taken (unless ``replace_existing``)
    or a full watchlist; ``QueryError`` for a query that cannot be parsed.
    """
    return add_all(
        index_dir, [(name, query)], since=since, until=until, source=source,
        replace_existing=replace_existing, engine=engine,
    )[0]  # fmt: skip


def add_all(
    index_dir: Path,
    named: list[tuple[str, str]],
    *,
    since: str | None = None,
    until: str | None = None,
    source: str | None = None,
    replace_existing: bool = False,
    engine: Engine | None = None,
) -> list[WatchEntry]:
    """Saves several searches, (name, query) each (a query set: ``watchlist add --queries``),
    all or none: every name and query is checked before the watchlist is written once."""
    for name, _ in named:
        check_name(name)
    mark = (_checked_mark(index_dir, engine, [query for _, query in named]), None)
    created = _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")  # tells a re-added entry apart
    added = [WatchEntry(name, query, since, until, source, created, mark) for name, query in named]
    with _locked(index_dir):
        entries = load(index_dir)
        held = {e.name for e in entries}
        taken = [entry.name for entry in added if entry.name in held]
        if taken and not replace_existing:
            raise UsageError(
                f"the watchlist already has {', '.join(map(repr, taken))}: remove it first, or add it with --replace"
            )
        if len(held | {entry.name for entry in added}) > MAX_ENTRIES:
            raise UsageError(f"the watchlist holds {MAX_ENTRIES} searches, its most: remove some first")
        fresh = {entry.name: entry for entry in added}
        entries = [fresh.pop(e.name, e) for e in entries] + list(fresh.values())
        _save(index_dir, entries)
    return added


def remove(index_dir: Path, names: Iterable[str]) -> list[WatchEntry]:
    """Removes saved searches by name; ``UsageError`` naming those it does not hold (nothing is removed then)."""
    names = list(dict.fromkeys(names))
    with _locked(index_dir):
        entries = load(index_dir)
        unknown = [n for n in names if n not in {e.name for e in entries}]
        if unknown:
            raise UsageError(f"no saved search named {', '.join(map(repr, unknown))} in {watchlist_path(index_dir)}")
        removed = [e for e in entries if e.name in names]
        _save(index_dir, [e for e in entries if e.name not in names])
    return removed


#: What checking a saved search runs: the query compiled and one hit looked for, nothing counted.
_CHECK = SearchOptions(limit=1, count=False, suggest=False)


def _checked_mark(index_dir: Path, engine: Engine | None, queries: list[str]) -> int:
    """The mark of new entries: the index's newest stamp (or now, when a damaged index cannot
    tell), read in the one opening of the index that checks their queries: ``QueryError`` for
    one that ``search`` refuses (``le la``, only stop words), so that no alert of it fails later."""
    for query in queries:
        q.parse(query)
    engine = engine or default_engine()
    try:
        if g.check_live(index_dir, engine) is not None:
            with Searcher(index_dir, engine) as searcher:
                for query in queries:
                    searcher.search(query, _CHECK)
                newest = searcher.newest_indexed()
                if newest is not None:
                    return newest
    except QueryError:
        raise
    except SearchkitError:
        pass  # a damaged index: the queries are checked at their first alert
    return time.time_ns()


# --- alerts ----------------------------------------------------------------------------------


class AlertRun:
    """What one ``searchkit alerts`` run found: an ``Alert`` an entry, and the marks to save once printed."""

    def __init__(self, index_dir: Path, alerts: list[Alert], marks: dict[tuple[str, str], Position]) -> None:
        self.index_dir = index_dir
        self.alerts = alerts
        self._marks = marks  #: (name, created) → new mark

    @property
    def news(self) -> bool:
        return any(a.result.hits for a in self.alerts)

    def save(self) -> None:
        """Saves each entry's new mark (never moving one back); entries removed or
        replaced meanwhile are left alone.  Call once the alerts are printed."""
        if os.environ.get(CRASH_BEFORE_SAVE):
            os._exit(137)
        if not self._marks:
            return
        with _locked(self.index_dir):
            entries = load(self.index_dir)
            checked = now()
            updated = []
            for entry in entries:
                mark = self._marks.get((entry.name, entry.created))
                if mark is not None:
                    later = mark if entry.mark is None else max(mark, entry.mark, key=_order)
                    entry = replace(entry, mark=later, checked=checked)
                updated.append(entry)
            _save(self.index_dir, updated)


def _order(position: Position) -> tuple[int, bool, str]:
    """Positions in indexing order: by stamp, then by id, a whole stamp (id None) after all its ids."""
    stamp, last = position
    return stamp, last is None, last or ""


def check(
    index_dir: Path,
    names: Iterable[str] = (),
    *,
    since: str | None = None,
    limit: int = DEFAULT_LIMIT,
    engine: Engine | None = None,
) -> AlertRun:
    """The articles each saved search (those named, else all) finds among the
    articles indexed past its mark, or since ``since`` (a replay: nothing
    is saved then, see ``AlertRun.save``).  Every word required.

    At most ``limit`` hits an entry, a note counting the rest: the first
    indexed (by stamp, then id), shown newest first; its new mark is the
    last of them, so the next run starts with the rest (at least once)."""
    entries = load(index_dir)
    names = list(dict.fromkeys(names))
    if names:
        unknown = [n for n in names if n not in {e.name for e in entries}]
        if unknown:
            raise UsageError(f"no saved search named {', '.join(map(repr, unknown))} in {watchlist_path(index_dir)}")
        entries = [e for e in entries if e.name in names]
    replay_after = (time_stamp(since) - 1, None) if since is not None else None
    alerts: list[Alert] = []
    marks: dict[tuple[str, str], Position] = {}
    with Searcher(index_dir, engine) as searcher:
        # Articles indexed from here on have later stamps: they are the next run's.
        newest = searcher.newest_indexed()
        for entry in entries:
            after = replay_after if since is not None else entry.mark
            alert, reached = _alert(searcher, entry, after, newest, limit, replay=since is not None)
            alerts.append(alert)
            if since is None and alert.error is None and reached is not None:
                marks[(entry.name, entry.created)] = reached
    return AlertRun(index_dir, alerts, marks)


def _alert(
    searcher: Searcher, entry: WatchEntry, after: Position | None, newest: int | None, limit: int, replay: bool
) -> tuple[Alert, Position | None]:
    """The alert of ``entry`` for the articles past ``after`` up to stamp
    ``newest``, and the position it reached: the last hit listed when
    ``limit`` cut the list, else all of ``newest``."""
    since = stamp_time(after[0]) if after is not None else None
    alert = Alert(name=entry.name, since=since, until=stamp_time(newest), result=SearchResult(entry.query, total=0))
    if newest is None:
        return alert, None  # an index of no article
    whole = (newest, None)
    if after is not None and _order(after) >= _order(whole):
        try:  # nothing indexed since; a query that cannot run (a hand-edited watchlist) says so now
            searcher.search(entry.query, _CHECK)
        except QueryError as error:
            alert.error = str(error)
            return alert, None
        return alert, whole
    options = SearchOptions(
        limit=limit,
        match_all=True,
        since=entry.since,
        until=entry.until,
        source=entry.source,
        sort="indexed",
        suggest=False,
        exact_count=True,  # "12 new articles": a figure a cron job acts on
        indexed_after=after,
        indexed_upto=newest,
    )
    try:
        result = searcher.search(entry.query, options)
    except QueryError as error:
        alert.error = str(error)
        return alert, None
    reached = whole
    if result.total is not None and result.total > len(result.hits) and result.reached is not None:
        reached = result.reached
        alert.until = stamp_time(reached[0])
        more = result.total - len(result.hits)
        after_this = "" if replay else ": the next run starts with them"
        result.notes.append(f"{counted(more, 'more new article')} not shown (--limit {limit}){after_this}")
    result.hits = _newest_first(result.hits)
    alert.result = result
    return alert, reached


def _newest_first(hits: list[Hit]) -> list[Hit]:
    """The hits of an alert as ``search --sort date`` lists them: newest first,
    the same date by id, ranked anew (they were chosen in indexing order)."""
    ordered = sorted(sorted(hits, key=lambda hit: hit.id), key=lambda hit: hit.date or "", reverse=True)
    return [replace(hit, rank=rank) for rank, hit in enumerate(ordered, 1)]
