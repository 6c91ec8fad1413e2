"""The name-variant table: from a name key to the spellings of it that the index holds.

The ``title`` and ``body`` fields index names as spellings (``^choigou``,
``^shoigu``); a query for any of them must search all of them.  Computing the key of every spelling at
query time would mean reading the whole field's vocabulary, so the table is
written once after each commit into the index generation, as a small SQLite
file: one row a key that has a spelling other than the key itself.

Beside the rules' groups, the file holds what was merged beyond them, each key
with its *group* and how it joined it: ``learned`` from the corpus
(``searchkit.names.learning``, with the evidence) or from the user's ``alias`` file
(``searchkit.names.aliases``); the file's splits, which win over everything; given
names learned beside one surname (Viktor and Victor before Orban); and facts
about the run (the alias file's digest, the learning step's cost).

Writing the table (and deciding without one) needs the learning, the
decision, the evidence and the alias file, which the functions doing it
import: a search only reads the table, and those modules (rapidfuzz under
them) would be a good part of its cold start.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..analysis import SPELLING_MARK, fold, light_stem, stemmed_from
from ..engine import TEXT_FIELDS, OpenIndex
from ..vocabulary import VOCABULARY_FILE, Vocabulary
from .endings import gendered
from .keys import key_edits, key_rules, know_keys, name_key, skeleton, spelled_alike, spellings_by_key
from .reasons import WANT_OF_EVIDENCE

if TYPE_CHECKING:
    from .aliases import Aliases
    from .decision import Decision, Judge
    from .evidence import Evidence
    from .learning import Merge, PairChanges

VARIANTS_FILE = "variants.sqlite"


def _variant_row(by_key: dict[str, list[str]], key: str) -> str | None:
    """The row of ``variants`` for ``key``: its spellings (sorted, space-separated), None
    unless it has a spelling other than itself."""
    group = by_key.get(key)
    return None if not group or group == [key] else " ".join(sorted(group))


def write_variants(
    index: OpenIndex, aliases: Aliases | None = None, *, relearn: bool = True, changes: PairChanges | None = None
) -> None:
    """Writes the table for the name spellings that ``index`` holds, into its
    generation, with the merges learned from its articles and those of
    ``aliases`` (none by default).  Without ``relearn`` (the articles did
    not change, only the alias file), the merges learned before are kept.

    Learning reads the pairs of names of every article.  The table keeps their
    counts, so that ``changes`` (what an update added and removed, or every
    article's pairs for a rebuild) bring them up to date without reading the
    stored articles again; without them, or when the table holds the counts of
    another commit than the one they apply to, they are gathered from the index.

    An update decides again only the pairs of spellings its articles write (``_Carried``):
    the others keep their decision until the articles changed reach ``DRIFT_SHARE`` of
    the index.  One article appended to 100,000 decides some ten pairs, not 20,611.  It
    changes a copy of the table in place (``_patched``): the pairs' counts, the spellings
    and keys its articles brought or took, the decisions of the keys they touch; and
    learns from the pairs around those keys, read from the copy (``StoredContexts``).

    The table is stamped with the index's commit: a writer killed between its
    commit and this table leaves a stamp that no longer matches, which readers
    detect (and the next ``index`` run repairs).
    """
    from .aliases import NO_ALIASES
    from .evidence import Evidence
    from .learning import PairChanges

    started = time.perf_counter()
    aliases = NO_ALIASES if aliases is None else aliases
    counts = _spellings(index)
    spellings = sorted(counts)
    keys_before = _previous_keys(index)
    know_keys(keys_before)
    by_key = spellings_by_key(spellings)
    # Not relearning, the table is current: its counts and decisions are handed on as they are.
    pair_changes = changes if relearn else PairChanges(index.commit_id())
    temp = index.generation / f".{VARIANTS_FILE}.tmp"
    db = _patched(index, temp, pair_changes, by_key, spellings, keys_before)
    try:
        pairs = _pairs(index, pair_changes) if db is None else None
        evidence = Evidence(index)
        evidence.know_spellings(counts)
        carried = _carried(index, pair_changes)
        if relearn or carried is None:
            merges, decisions, facts = _decide(index, by_key, evidence, carried, db, pairs)
        else:
            merges, decisions, facts = carried.merges, [], carried.facts
        facts |= {
            "key_rules": key_rules(),
            "aliases_path": aliases.path,
            "aliases_digest": aliases.digest,
            "merges": len(merges),
        }
        decided = _Decided(merges, decisions, {s: evidence.is_name(s) for d in decisions for s in (d.a, d.b)})
        if db is not None:
            try:
                with db:
                    _write_decided(db, decided, carried, aliases, facts, started, index.commit_id())
            except sqlite3.Error:  # a damaged page the patch did not read: written whole below
                pairs = _pairs(index, pair_changes)
            else:
                db.close()
                db = None
                temp.replace(index.generation / VARIANTS_FILE)
                return
    finally:
        if db is not None:
            db.close()
            temp.unlink(missing_ok=True)
    if carried is not None:
        carried.hand_on(decided, evidence)
    with closing(sqlite3.connect(temp)) as db, db:
        db.executescript(_SCHEMA)
        db.executemany("INSERT INTO variants VALUES (?, ?)", _variant_rows(by_key, by_key))
        db.executemany(_INSERT_PAIR, _pair_rows(pairs.items()))
        db.executemany("INSERT INTO keys VALUES (?, ?, ?)", _key_rows(spellings))
        _write_decided(db, decided, None, aliases, facts, started, index.commit_id())
    temp.replace(index.generation / VARIANTS_FILE)


def _decide(
    index: OpenIndex,
    by_key: dict[str, list[str]],
    evidence: Evidence,
    carried: _Carried | None,
    db: sqlite3.Connection | None,
    pairs: Counter | None,
) -> tuple[list[Merge], list[Decision], dict]:
    """Learns and decides between the keys of ``by_key``: every pair (a rebuild, or past the
    drift: ``carried`` None), else the pairs an update touches; from the pairs of names of
    ``db`` (the table's copy being patched) or ``pairs``.  Returns the merges learned, the
    decisions taken and their facts."""
    from .decision import DECISION_VERSION, Judge, propose
    from .learning import StoredContexts, contexts_of, learn

    if carried is None:  # every pair weighed: the stems' counts read at once
        evidence.know_frequencies(_stem_counts(index, [s for group in by_key.values() for s in group]))
    gathering = time.perf_counter()
    if db is not None and carried is not None:
        contexts = StoredContexts(db)  # read around what the update touched
    else:
        contexts = contexts_of(_stored_pairs(db) if pairs is None else pairs)
    gathered = time.perf_counter() - gathering
    learned = learn(index, by_key, contexts=contexts, kept=carried and carried.learned)
    judge = Judge(evidence, contexts)
    deciding = time.perf_counter()
    proposed = propose(by_key, evidence) if carried is None else carried.touching(by_key, evidence)
    decisions = [judge.decide(a, b, how) for a, b, how in proposed]
    merges = [m for m in learned.merges if (carried and carried.kept(m)) or judge.keeps(m)]
    facts = {
        "decision_version": DECISION_VERSION,
        "learning_seconds": round(gathered + learned.seconds, 3),
        "gather_seconds": round(gathered, 3),
        "candidates": learned.candidates,
        "decision_seconds": round(time.perf_counter() - deciding, 3),
        # articles added or removed since every pair was last decided
        "drift": 0 if carried is None else carried.drift,
        "decided_again": len(decisions),
    }
    return merges, decisions, facts


@dataclass
class _Decided:
    """What a run writes of the decision: the merges learned, the pairs decided, whether each
    of their spellings is a name; and what it hands on from the table before it (``_Carried``)."""

    merges: list[Merge]
    decisions: list[Decision]
    names: dict[str, bool]
    #: the merged decisions a table patched in place keeps (for the links)
    kept: list[Decision] = field(default_factory=list)


def _write_decided(
    db: sqlite3.Connection,
    decided: _Decided,
    carried: _Carried | None,
    aliases: Aliases,
    facts: dict,
    started: float,
    commit: int,
) -> None:
    """Writes the decision's tables: into a copy of the table before, its decisions and names
    changed where the update touched them (``carried``); else ``decided`` holds all of them.
    Then the merges and links, written whole."""
    if carried is not None:
        carried.patch(db, decided)
    else:  # every pair decided again (past the drift): a copy's decisions go
        db.execute("DELETE FROM decisions")
        db.execute("DELETE FROM names")
    db.executemany(
        "INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?)",
        [(d.a, d.b, d.proposed, int(d.merged), d.reason, json.dumps(d.evidence)) for d in decided.decisions],
    )
    db.executemany("INSERT OR REPLACE INTO names VALUES (?, ?)", sorted(decided.names.items()))
    merged = sorted((d for d in (*decided.kept, *decided.decisions) if d.merged), key=_decision_order)
    links = _links(decided.merges, merged, aliases)
    for table in _REWRITTEN:
        db.execute(f"DELETE FROM {table}")
    db.executemany("INSERT INTO merged VALUES (?, ?, ?)", _groups(links, aliases))
    db.executemany("INSERT INTO links VALUES (?, ?, ?, ?, ?, ?, ?)", links)
    db.executemany(
        "INSERT OR IGNORE INTO splits VALUES (?, ?)",
        [(a, b) for entry in aliases.splits for a in entry for b in entry if a != b],
    )
    facts = facts | {
        "decisions": db.execute("SELECT count(*) FROM decisions").fetchone()[0],
        "write_seconds": round(time.perf_counter() - started, 3),
    }
    db.executemany("INSERT INTO facts VALUES (?, ?)", [(k, json.dumps(v)) for k, v in facts.items()])
    db.execute("INSERT INTO stamp VALUES (?)", (commit,))


def _decision_order(decision: Decision) -> tuple[str, str, str]:
    return decision.a, decision.b, decision.proposed


_SCHEMA = """
CREATE TABLE variants (key TEXT PRIMARY KEY, spellings TEXT NOT NULL) WITHOUT ROWID;
-- each name of a pair with its folded spelling and key, which ``StoredContexts`` reads by
CREATE TABLE pairs (
    first TEXT, second TEXT, count INTEGER NOT NULL,
    first_folded TEXT, second_folded TEXT, first_key TEXT, second_key TEXT,
    PRIMARY KEY (first, second)
) WITHOUT ROWID;
CREATE INDEX pairs_first ON pairs (first_key, first_folded);
CREATE INDEX pairs_second ON pairs (second_key, second_folded);
CREATE TABLE keys (spelling TEXT PRIMARY KEY, key TEXT NOT NULL, shape TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE merged (key TEXT PRIMARY KEY, grp TEXT NOT NULL, source TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX merged_grp ON merged (grp);
CREATE TABLE links (key_a TEXT, key_b TEXT, spelling_a TEXT, spelling_b TEXT, source TEXT, surname TEXT, evidence TEXT);
CREATE TABLE splits (spelling TEXT, other TEXT, PRIMARY KEY (spelling, other)) WITHOUT ROWID;
CREATE TABLE decisions (
    a TEXT, b TEXT, proposed TEXT, merged INTEGER, reason TEXT, evidence TEXT, PRIMARY KEY (a, b, proposed)
) WITHOUT ROWID;
CREATE INDEX decisions_b ON decisions (b);
-- whether each candidate spelling is a name, counted against its own lower-case uses
CREATE TABLE names (spelling TEXT PRIMARY KEY, name INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE facts (name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE stamp (commit_generation INTEGER NOT NULL);
"""
#: The tables written whole at every run; the others follow the spellings and pairs (``_patch``)
#: and the pairs decided (``_Carried.patch``).
_REWRITTEN = ("merged", "links", "splits", "facts", "stamp")


def _patched(
    index: OpenIndex,
    temp: Path,
    changes: PairChanges | None,
    by_key: dict[str, list[str]],
    spellings: list[str],
    keys_before: list[tuple[str, str, str]],
) -> sqlite3.Connection | None:
    """A copy of the table (at ``temp``) whose pair counts ``changes`` apply to, its spellings and
    pairs brought up to date (``_patch``) in a transaction left open; None when the table holds the
    counts of another commit (or none: a rebuild), or keys of other rules, or another layout."""
    if changes is None or changes.since is None or not keys_before:
        return None
    temp.unlink(missing_ok=True)
    db = None
    try:
        shutil.copyfile(index.generation / VARIANTS_FILE, temp)
        db = sqlite3.connect(temp)
        if db.execute("SELECT commit_generation FROM stamp").fetchone() == (changes.since,):
            _patch(db, by_key, spellings, keys_before, changes.delta)
            return db
    except (OSError, sqlite3.Error):
        pass  # damaged, or of another layout: written whole
    if db is not None:
        db.close()
    temp.unlink(missing_ok=True)
    return None


def _patch(
    db: sqlite3.Connection,
    by_key: dict[str, list[str]],
    spellings: list[str],
    keys_before: list[tuple[str, str, str]],
    delta: Counter,
) -> None:
    """Brings a copy of the table whose pair counts and keys this run started from in line
    with ``spellings`` (``by_key``: by key) and the pairs ``delta`` changed: the spellings gone
    and come, the keys they belong to, the pairs' counts.  What it leaves is what writing
    the table whole gives (a test compares them)."""
    before = {spelling for spelling, _, _ in keys_before}
    now = set(spellings)
    gone, come = sorted(before - now), sorted(now - before)
    db.executemany("DELETE FROM keys WHERE spelling = ?", ((s,) for s in gone))
    db.executemany("INSERT INTO keys VALUES (?, ?, ?)", _key_rows(come))
    touched = sorted({name_key(s) for s in (*gone, *come)})
    db.executemany("DELETE FROM variants WHERE key = ?", ((k,) for k in touched))
    db.executemany("INSERT INTO variants VALUES (?, ?)", _variant_rows(by_key, touched))
    changed = sorted((pair, n) for pair, n in delta.items() if n)
    db.executemany(
        f"{_INSERT_PAIR} ON CONFLICT (first, second) DO UPDATE SET count = count + excluded.count",
        _pair_rows(changed),
    )
    db.executemany("DELETE FROM pairs WHERE first = ? AND second = ? AND count <= 0", (pair for pair, _ in changed))


_INSERT_PAIR = "INSERT INTO pairs VALUES (?, ?, ?, ?, ?, ?, ?)"


def _pair_rows(pairs: Iterable[tuple[tuple[str, str], int]]) -> Iterator[tuple]:
    """The rows of ``pairs``: each pair, its count, and its names folded and keyed (none for
    a pair learning leaves out, which no look-up then finds)."""
    from .learning import folded_pair

    for (first, second), count in pairs:
        folded = folded_pair(first, second)
        if folded is None:
            yield first, second, count, None, None, None, None
        else:
            yield first, second, count, *folded, name_key(folded[0]), name_key(folded[1])


def _variant_rows(by_key: dict[str, list[str]], keys: Iterable[str]) -> Iterator[tuple[str, str]]:
    """The rows of ``variants`` for ``keys``: those with a spelling other than the key."""
    for key in keys:
        row = _variant_row(by_key, key)
        if row is not None:
            yield key, row


def _key_rows(spellings: list[str]) -> Iterator[tuple[str, str, str]]:
    """The rows of ``keys``: each spelling, its key and the key's skeleton."""
    for spelling in spellings:
        key = name_key(spelling)
        yield spelling, key, skeleton(key)


def _spellings(index: OpenIndex) -> dict[str, int]:
    """The name spellings of the index with their article counts (title and body counted
    apart), from its vocabulary file when it is current, else from the index."""
    vocabulary = Vocabulary(index.generation / VOCABULARY_FILE, index.commit_id())
    try:
        found = [vocabulary.starting(field, SPELLING_MARK) for field in TEXT_FIELDS]
    finally:
        vocabulary.close()
    if any(terms is None for terms in found):
        return {spelling: index.doc_frequency(SPELLING_MARK + spelling) for spelling in set(index.spellings())}
    counts = dict(found[0])
    for terms in found[1:]:
        for term, articles in terms.items():
            counts[term] = counts.get(term, 0) + articles
    return {term[len(SPELLING_MARK) :]: articles for term, articles in counts.items()}


def _stem_counts(index: OpenIndex, spellings: list[str]) -> dict[str, int]:
    """The article counts of the spellings' stems (the word in any case), from the vocabulary
    file when it is current (one query, not one index look-up a word); else empty."""
    stems = sorted({light_stem(s) for s in spellings})
    vocabulary = Vocabulary(index.generation / VOCABULARY_FILE, index.commit_id())
    try:
        found = [vocabulary.counts(field, stems) for field in TEXT_FIELDS]
    finally:
        vocabulary.close()
    if any(counts is None for counts in found):
        return {}
    return {stem: sum(counts[stem] for counts in found) for stem in stems}


def _pairs(index: OpenIndex, changes: PairChanges | None) -> Counter:
    """The pair counts of the articles of ``index``: ``changes`` applied to the counts the
    table holds for the commit they apply to, or gathered from the stored articles."""
    from .learning import gather

    if changes is not None and changes.since is None:
        return +changes.delta
    previous = None if changes is None else _previous_pairs(index, changes.since)
    if previous is None:
        return gather(index)
    previous.update(changes.delta)
    return +previous


class _Carried:
    """What an update keeps of the table before it: the decisions and learned merges
    of the pairs no article it added or removed writes (``PairChanges.written``: the
    spellings, or another spelling of their keys), and whether each spelling of those
    decisions is a name.  The rest reads the index as a whole (rarities, the first
    names' status, a word's lower-case uses) and moves with it: every pair is decided
    again once the articles changed since then reach ``DRIFT_SHARE`` of the index.

    Its decisions are not read whole: a copy of the table patched in place loses the
    rows the update touches (``patch``); one written whole reads the others (``hand_on``)."""

    def __init__(self, table: Path, merges: list[Merge], written: set[str], facts: dict, drift: int) -> None:
        from .learning import Kept

        self.drift = drift
        self.facts = facts
        self.merges = merges
        self._table = table
        self._keys = {name_key(s) for s in written}
        self._merges = {id(merge) for merge in merges}
        self.learned = Kept(merges, self._keys)

    def kept(self, merge: Merge) -> bool:
        """Whether ``merge`` is one learned and kept before (``Judge.keeps``) that the update
        hands on untouched: kept again without reading its articles (its compounds: 0.35 s
        of a one-article append at 100,000)."""
        return id(merge) in self._merges

    def touching(self, by_key: dict[str, list[str]], evidence: Evidence) -> list[tuple[str, str, str]]:
        """The pairs to decide again: those ``propose`` makes of the keys the update touches."""
        from .decision import propose_touching

        return propose_touching(self._keys, by_key, evidence)

    def patch(self, db: sqlite3.Connection, decided: _Decided) -> None:
        """Drops from ``db`` (the copy of the table before) the decisions the update touches,
        and the names of spellings no decision holds any more; keeps in ``decided`` the merged
        ones it hands on, for the links."""
        touched = [row for row in db.execute("SELECT a, b, proposed FROM decisions") if self._touches(*row[:2])]
        db.executemany("DELETE FROM decisions WHERE a = ? AND b = ? AND proposed = ?", touched)
        held = "SELECT a FROM decisions UNION ALL SELECT b FROM decisions"
        db.execute(f"DELETE FROM names WHERE spelling NOT IN ({held})")
        decided.kept = self._decisions(db, "WHERE merged")

    def hand_on(self, decided: _Decided, evidence: Evidence) -> None:
        """Adds to ``decided``, to be written whole, the decisions the update does not touch,
        and whether each of their spellings is a name, from the table before it."""
        with closing(sqlite3.connect(f"file:{self._table}?mode=ro", uri=True)) as db:
            kept = self._decisions(db, "")
            names = dict(db.execute("SELECT spelling, name FROM names"))
        decided.decisions = decided.decisions + kept
        decided.kept = []  # a patch that failed had kept the merged ones: they are among the decisions now
        spellings = {s for d in kept for s in (d.a, d.b)} - set(decided.names)
        decided.names |= {s: bool(names[s]) if s in names else evidence.is_name(s) for s in spellings}

    def _decisions(self, db: sqlite3.Connection, where: str) -> list[Decision]:
        from .decision import Decision

        rows = db.execute(f"SELECT a, b, proposed, merged, reason, evidence FROM decisions {where}")
        return [
            Decision(a, b, how, bool(m), r, json.loads(e)) for a, b, how, m, r, e in rows if not self._touches(a, b)
        ]

    def _touches(self, a: str, b: str) -> bool:
        return name_key(a) in self._keys or name_key(b) in self._keys


#: Articles added or removed since every pair was decided, as a share of the index, beyond which
#: an update decides every pair again rather than only those its articles touch.
DRIFT_SHARE = 0.05


def _carried(index: OpenIndex, changes: PairChanges | None) -> _Carried | None:
    """What an update may keep of the table of the commit it applies to: None for a
    rebuild, without a table of that commit decided by these rules, or past the drift."""
    from .decision import DECISION_VERSION
    from .learning import Merge

    if changes is None or changes.since is None:
        return None
    path = index.generation / VARIANTS_FILE
    if not path.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            if db.execute("SELECT commit_generation FROM stamp").fetchone() != (changes.since,):
                return None
            rows = db.execute(
                "SELECT spelling_a, spelling_b, surname, evidence FROM links WHERE source = 'learned'"
            ).fetchall()
            facts = {k: json.loads(v) for k, v in db.execute("SELECT name, value FROM facts")}
            db.execute("SELECT spelling, name FROM names LIMIT 1")
    except sqlite3.Error:
        return None
    drift = facts.get("drift", 0) + changes.articles
    if facts.get("decision_version") != DECISION_VERSION or drift > DRIFT_SHARE * index.doc_count():
        return None
    merges = [Merge(a, b, name_key(a), name_key(b), json.loads(e), surname=s) for a, b, s, e in rows]
    kept = ("learning_seconds", "gather_seconds", "candidates", "decision_seconds", "drift", "decision_version")
    facts = {k: v for k, v in facts.items() if k in kept} | {"decided_again": 0}
    return _Carried(path, merges, changes.written, facts, drift)


def _previous_keys(index: OpenIndex) -> list[tuple[str, str, str]]:
    """(spelling, key, the key's skeleton) of every spelling of the generation's table, of
    whatever commit, when computed by these rules (``key_rules``); else none."""
    path = index.generation / VARIANTS_FILE
    if not path.is_file():
        return []
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            rules = db.execute("SELECT value FROM facts WHERE name = 'key_rules'").fetchone()
            if rules is None or json.loads(rules[0]) != key_rules():
                return []
            return db.execute("SELECT spelling, key, shape FROM keys").fetchall()
    except sqlite3.Error:  # damaged, or written before the keys were kept
        return []


def _previous_pairs(index: OpenIndex, commit: int) -> Counter | None:
    """The pair counts of the generation's table when it was written for ``commit``; else None."""
    path = index.generation / VARIANTS_FILE
    if not path.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            stamp = db.execute("SELECT commit_generation FROM stamp").fetchone()
            if stamp is None or stamp[0] != commit:
                return None
            return _stored_pairs(db)
    except sqlite3.Error:  # damaged, or written before the pairs were kept
        return None


def _stored_pairs(db: sqlite3.Connection) -> Counter:
    return Counter({(a, b): n for a, b, n in db.execute("SELECT first, second, count FROM pairs")})


def _links(merges: list[Merge], decisions: list[Decision], aliases: Aliases) -> list[tuple]:
    """The rows of ``links``, between spellings: every learned merge (those the alias file
    splits too: a later file may not), every merge decided, and the file's merges."""
    rows = [(m.a, m.b, m.a, m.b, "learned", m.surname, json.dumps(m.evidence, ensure_ascii=False)) for m in merges]
    rows += [
        (d.a, d.b, d.a, d.b, d.proposed, None, json.dumps(d.evidence | {"reason": d.reason}, ensure_ascii=False))
        for d in decisions
        if d.merged
    ]
    for entry in aliases.merges:
        first = fold(entry[0])
        rows += [(first, fold(other), entry[0], other, "alias", None, None) for other in entry[1:]]
    return rows


def _groups(links: list[tuple], aliases: Aliases) -> list[tuple[str, str, str]]:
    """(spelling, group, source) of every spelling merged with another (given names apart):
    union-find over the links, less those the alias file splits."""
    split = {(fold(a), fold(b)) for entry in aliases.splits for a in entry for b in entry if a != b}
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    source: dict[str, str] = {}
    for key_a, key_b, _, _, how, surname, _ in links:
        if surname is not None or key_a == key_b or (how != "alias" and (key_a, key_b) in split):
            continue
        parent[root(key_b)] = root(key_a)
        for key in (key_a, key_b):
            if source.get(key) != "alias":
                source[key] = how
    return [(key, root(key), source[key]) for key in parent if key in source]


def table_facts(index: OpenIndex) -> dict:
    """The facts the generation's table was written with (the alias file's digest, the learning's cost);
    empty when it is missing, damaged or stale."""
    db = _open_table(index)
    if db is None:
        return {}
    try:
        return {k: json.loads(v) for k, v in db.execute("SELECT name, value FROM facts")}
    except sqlite3.Error:
        return {}
    finally:
        db.close()


def decided_by_other_rules(index: OpenIndex) -> bool:
    """Whether the generation's table was decided by other rules than these (written by an
    earlier searchkit): its merges are decided again, from the pair counts it keeps."""
    from .decision import DECISION_VERSION

    return table_facts(index).get("decision_version") != DECISION_VERSION


def variants_current(index: OpenIndex) -> bool:
    """Whether the generation's table was written for the commit ``index`` reads."""
    db = _open_table(index)
    if db is None:
        return False
    db.close()
    return True


def _open_table(index: OpenIndex) -> sqlite3.Connection | None:
    """The index's table when it is whole and stamped for its commit; else None."""
    path = index.generation / VARIANTS_FILE
    if not path.is_file():
        return None
    db = None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        stamp = db.execute("SELECT commit_generation FROM stamp").fetchone()
        # a table written before learning, or before the decision: not trusted, rewritten by the next run
        db.execute("SELECT name FROM facts LIMIT 1")
        db.execute("SELECT spelling FROM names LIMIT 1")
        if stamp is not None and stamp[0] == index.commit_id():
            return db
    except sqlite3.Error:
        pass
    if db is not None:
        db.close()
    return None


#: Shorter words are not read for the names sharing their stem: a prefix of so few letters begins too many.
MIN_STEM_APART = 3


#: How far, in edits, the key of a name another spelling may have meant lies from its own (``shaped_like``):
#: Gaddafi's key ``gadafi`` is two from Kadhafi's.
SHAPED_EDITS = 2


#: The other names sharing a name's stem are left out of its search when they would add at least this
#: share of its own articles (Adrien to Adrienne); below it the stem is read whole, as it is faster.
STEM_APART_SHARE = 0.1


class Variants:
    """Looks up the spellings a query word searches, in one open index: those the
    decision merged with it (``searchkit.names.decision``), learned, or named together
    by the user's alias file.  A spelling the index does not hold at all gets its rule
    variants (Choïgou over an archive that writes only Choïgu).

    A table that is missing, damaged or stamped for another commit is not
    trusted: a word's rule spellings are then decided in memory, from the index
    itself (slower, and without the learned and alias merges, until the next
    ``index`` run repairs the table).
    """

    def __init__(self, index: OpenIndex) -> None:
        self._index = index
        self._db = _open_table(index)
        self._known: dict[str, set[str]] = {}  # a query compiles a word several times
        self._apart: dict[str, tuple[frozenset[str], bool]] = {}
        self._vocabulary = Vocabulary(index.generation / VOCABULARY_FILE, index.commit_id())
        self._fallback: tuple[dict[str, list[str]], Judge] | None = None

    def spellings(self, folded: str, held: bool = False) -> set[str]:
        """``folded`` and the spellings searched with it; ``held``: a live article is known to
        hold ``folded`` (a word of an indexed article), so the index is not asked whether one does."""
        if folded not in self._known:
            self._known[folded] = self._lookup(folded, held)
        return set(self._known[folded])

    def _lookup(self, folded: str, held: bool) -> set[str]:
        if self._db is None:
            return self._decided_now(folded, held)
        found = self.merged(folded)
        if found == {folded} and not (held or self._held(folded)):
            # a spelling the corpus does not hold: the spellings of its key that are names
            found |= self.rule_variants(folded)
        return found - self.split_from(folded)

    def _decided_now(self, folded: str, held: bool) -> set[str]:
        """Without a table: the spellings of ``folded``'s key decided with it, from the index."""
        from .decision import Judge, propose
        from .evidence import Evidence
        from .learning import contexts_of, gather

        if self._fallback is None:
            counts = _spellings(self._index)
            evidence = Evidence(self._index)
            evidence.know_spellings(counts)
            self._fallback = (spellings_by_key(sorted(counts)), Judge(evidence, contexts_of(gather(self._index))))
        by_key, judge = self._fallback
        key = name_key(folded)
        live = [s for s in (_variant_row(by_key, key) or "").split() if judge.evidence.articles(s)]
        if folded not in live:
            return {folded} | (set() if held or self._held(folded) else {s for s in live if self.is_name(s)})
        decisions = [judge.decide(a, b, how) for a, b, how in propose({key: live}, judge.evidence)]
        if not decisions:
            return {folded}
        members = {decisions[0].a} | {d.b for d in decisions if d.merged}
        return members if folded in members else {folded}

    def _held(self, folded: str) -> bool:
        """Whether a live article holds ``folded``, as a name or as a word.  Its postings are
        read only when no more articles hold it in a field than were ever deleted (reading
        them took 200 ms for France at 100,000 articles, on every first query)."""
        terms = (SPELLING_MARK + folded, light_stem(folded))
        most = max(self._index.doc_frequency(term, (fieldname,)) for term in terms for fieldname in TEXT_FIELDS)
        if most == 0:
            return False
        if most > self._index.doc_count_all() - self._index.doc_count():
            return True  # some holder of it was never deleted
        return bool(self._index.doc_set(self._index.term_query(*terms)))

    def merged(self, folded: str) -> set[str]:
        """``folded`` and the spellings merged with it (decided, learned or by the alias file)."""
        if self._db is None:
            return {folded}
        row = self._db.execute("SELECT grp FROM merged WHERE key = ?", (folded,)).fetchone()
        if row is None:
            return {folded}
        return {k for (k,) in self._db.execute("SELECT key FROM merged WHERE grp = ?", (row[0],))}

    def stem_apart(self, folded: str) -> set[str] | None:
        """The other names that share ``folded``'s stem and are not searched with it (Adrien
        and Adrienne, a gender ending; York and Yorker): a search for a name counts its own
        spellings and the word's ordinary uses, not theirs.  None when the word has no
        ordinary uses (every article of its stem writes one of those names): its spellings
        alone are searched, fewer postings to read than the stem's."""
        left_out, read = self._stem(folded)
        return set(left_out) if read else None

    def stem_left_out(self, folded: str) -> set[str]:
        """The names sharing ``folded``'s stem that a search for it leaves out (``searchkit names``)."""
        return set(self._stem(folded)[0])

    def _stem(self, folded: str) -> tuple[frozenset[str], bool]:
        if folded not in self._apart:
            self._apart[folded] = self._stem_apart(folded)
        return self._apart[folded]

    def _stem_apart(self, folded: str) -> tuple[frozenset[str], bool]:
        """(the names sharing the stem left out, whether the stem is read for the word's ordinary uses)."""
        if len(folded) < MIN_STEM_APART or not self.is_name(folded):
            return frozenset(), True
        stem, searched = light_stem(folded), self.spellings(folded)
        mates = self._stem_spellings(stem)
        apart = {other for other in mates - searched if self.is_name(other) and not self._plural(folded, other)}
        if not apart:
            return frozenset(), True
        held = self._frequencies([SPELLING_MARK + s for s in apart | searched])
        others, own = (sum(held[SPELLING_MARK + s] for s in group) for group in (apart, searched))
        if others < STEM_APART_SHARE * own:
            return frozenset(), True  # a few articles more (France, Frances): not worth reading the others' postings
        return frozenset(apart), self._lower_uses(stem, mates | {folded}) > 0

    def _plural(self, one: str, other: str) -> bool:
        """Whether ``one`` and ``other`` are a name and its plural (Kennedy, Kennedys; Museum,
        Museums), which its stem joins unless the decision found evidence against them."""
        if one + "s" != other and other + "s" != one:
            return False
        if self._db is None:
            return True
        rows = self._db.execute(
            "SELECT reason FROM decisions WHERE merged = 0 AND ((a = ? AND b = ?) OR (a = ? AND b = ?))",
            (one, other, other, one),
        ).fetchall()
        return all(reason in WANT_OF_EVIDENCE for (reason,) in rows)

    def _lower_uses(self, stem: str, spellings: set[str]) -> int:
        """About how many articles write ``stem`` in lower case: its articles less those of
        the capitalised ``spellings`` sharing it (as ``Evidence.lower_uses``)."""
        counts = self._frequencies([stem, *(SPELLING_MARK + s for s in spellings)])
        return max(counts[stem] - sum(counts[SPELLING_MARK + s] for s in spellings), 0)

    def _frequencies(self, terms: list[str]) -> dict[str, int]:
        """How many articles hold each of ``terms``, title and body counted apart (as
        ``OpenIndex.doc_frequency``): one lookup of the vocabulary file a field, where
        the index's own would look each term up in every segment."""
        found: Counter = Counter()
        for fieldname in TEXT_FIELDS:
            counts = self._vocabulary.counts(fieldname, terms)
            if counts is None:
                return {term: self._index.doc_frequency(term) for term in terms}
            found.update(counts)
        return {term: found[term] for term in terms}

    def _stem_spellings(self, stem: str) -> set[str]:
        """The name spellings of the index whose stem is ``stem`` (Yorker and York: ``york``):
        the few words ``light_stem`` turns into it, looked up at once (reading the terms of
        a prefix in every segment took tens of milliseconds a word at 100,000 articles)."""
        forms = sorted(stemmed_from(stem))
        counts = self._frequencies([SPELLING_MARK + s for s in forms])
        return {s for s in forms if counts[SPELLING_MARK + s]}

    def spellings_before(self, folded: str, surname: str) -> set[str]:
        """The spellings of the given name ``folded`` learned beside ``surname``
        (Victor for Viktor before Orban), besides its own, and its transliterations
        (Sergei for Sergueï before Choïgou): beside a surname, one person's.  Not
        those a gender or language ending makes another name of, as written or
        transliterated: Françoise Martin is not François Martin, nor Mishelle
        Escobar Michel Escobar."""
        found = self.spellings(folded)
        if self._db is None:
            return found
        alike = spelled_alike(folded)
        variants = {
            v
            for v in self.rule_variants(folded)
            if not (gendered(folded, v, given=True) or gendered(alike, spelled_alike(v), given=True))
        }
        found |= variants - self.split_from(folded)
        rows = self._db.execute(
            "SELECT key_a, key_b FROM links WHERE surname = ? AND (key_a = ? OR key_b = ?)",
            (name_key(surname), folded, folded),
        ).fetchall()
        for key_a, key_b in rows:
            other = key_b if key_a == folded else key_a
            found |= self.merged(other) - self.split_from(folded)
        return found

    def rule_variants(self, folded: str) -> set[str]:
        """The spellings of ``folded``'s name key that the index holds as names."""
        return {s for s in self.group(name_key(folded)) if self.is_name(s)}

    def split_from(self, folded: str) -> set[str]:
        """The spellings the alias file keeps apart from ``folded``."""
        if self._db is None:
            return set()
        return {other for (other,) in self._db.execute("SELECT other FROM splits WHERE spelling = ?", (folded,))}

    def decisions(self, folded: str) -> list[dict]:
        """Every decision taken on a pair holding ``folded``, merged or not, with its evidence."""
        if self._db is None:
            return []
        rows = self._db.execute(
            "SELECT a, b, proposed, merged, reason, evidence FROM decisions WHERE a = ? OR b = ?", (folded, folded)
        ).fetchall()
        return [
            {"spellings": [a, b], "proposed": how, "merged": bool(m), "reason": r, "evidence": json.loads(e)}
            for a, b, how, m, r, e in rows
        ]

    def sources(self, folded: str, surname: str | None = None) -> dict[str, tuple[str, list[dict]]]:
        """For each spelling ``folded`` searches (beside ``surname``, for a given
        name): where it comes from, ``query`` (itself), ``rule``, ``exonym`` or
        ``form`` (proposed so, then decided on the articles), ``learned`` or
        ``alias``, and the evidence of the links that brought it."""
        spellings = self.spellings_before(folded, surname) if surname else self.spellings(folded)
        found: dict[str, tuple[str, list[dict]]] = {}
        for spelling in spellings:
            if spelling == folded:
                found[spelling] = ("query", [])
            else:
                found[spelling] = self._link_source(spelling, folded, surname)
        return found

    def _link_source(self, spelling: str, query: str, surname: str | None) -> tuple[str, list[dict]]:
        if self._db is None:
            return "rule", []
        rows = self._db.execute(
            "SELECT key_a, key_b, spelling_a, spelling_b, source, surname, evidence FROM links "
            "WHERE key_a = ? OR key_b = ?",
            (spelling, spelling),
        ).fetchall()
        beside = name_key(surname) if surname else None
        links = []
        for key_a, key_b, a, b, how, linked_surname, evidence in rows:
            if linked_surname is not None and linked_surname != beside:
                continue
            links.append(
                {
                    "source": how,
                    "spellings": [a, b],
                    "surname": linked_surname,
                    "evidence": json.loads(evidence) if evidence else None,
                    "direct": query in (key_a, key_b),
                }
            )
        if not links:  # not in the corpus's table: a rule variant of a spelling the corpus lacks
            return "rule", []
        links.sort(key=lambda link: (not link["direct"], link["source"] != "alias"))
        return links[0]["source"], links

    def group(self, key: str) -> set[str]:
        """The name key ``key`` and the spellings of it that the index holds, names or not."""
        found = {key}
        if self._db is not None:
            row = self._db.execute("SELECT spellings FROM variants WHERE key = ?", (key,)).fetchone()
            if row:
                found.update(row[0].split())
        return found

    def shaped_like(self, folded: str) -> dict[str, int]:
        """The names of the index whose key has the skeleton of ``folded``'s and lies at most
        ``SHAPED_EDITS`` edits from it, with those edits: what a spelling the corpus does not hold
        may have meant, another transliteration no rule joins (Gaddafi: Kadhafi, Qaddafi).  Read
        from the keys the table keeps (none without them)."""
        if self._db is None:
            return {}
        try:
            rows = self._db.execute("SELECT spelling FROM keys WHERE shape = ?", (skeleton(name_key(folded)),))
            edits = {spelling: key_edits(folded, spelling, SHAPED_EDITS) for (spelling,) in rows}
        except sqlite3.Error:  # a table written before the keys were kept
            return {}
        return {spelling: n for spelling, n in edits.items() if n <= SHAPED_EDITS and self.is_name(spelling)}

    def is_name(self, spelling: str) -> bool:
        """Whether the index holds ``spelling`` as a name: capitalised in at least as many
        articles as the word itself is written in lower case (the table's answer for every
        candidate spelling, ``Evidence.is_name``; else counted the same way from the index)."""
        if self._db is not None:
            row = self._db.execute("SELECT name FROM names WHERE spelling = ?", (spelling,)).fetchone()
            if row is not None:
                return bool(row[0])
        capitalised = self._index.doc_frequency(SPELLING_MARK + spelling)
        if capitalised == 0:
            return False
        stem = light_stem(spelling)
        return capitalised >= self._lower_uses(stem, self._stem_spellings(stem) | {spelling})

    def close(self) -> None:
        self._vocabulary.close()
        if self._db is not None:
            self._db.close()


class OwnSpelling:
    """Names searched in the query's own spelling only, by neither their merges nor their
    stem: merging turned off (``--exact-names``), as ``=Name`` does for one word."""

    def __init__(self, variants: Variants) -> None:
        self._variants = variants

    def spellings(self, folded: str) -> set[str]:
        return {folded}

    def spellings_before(self, folded: str, surname: str) -> set[str]:
        return {folded}

    def stem_apart(self, folded: str) -> set[str] | None:
        return None if self._variants.is_name(folded) else set()

    def is_name(self, spelling: str) -> bool:
        return self._variants.is_name(spelling)

    def shaped_like(self, folded: str) -> dict[str, int]:
        """What ``folded`` may have meant: a suggestion, not a merge, so merging off keeps it."""
        return self._variants.shaped_like(folded)

    def sources(self, folded: str, surname: str | None = None) -> dict[str, tuple[str, list[dict]]]:
        return {folded: ("query", [])}
