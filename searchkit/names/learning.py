"""Spellings learned from the corpus: names that no transliteration rule reaches.

The rules of ``searchkit.names.keys.name_key`` stop where merging would be
wrong in general: a rule merging vowels would merge Khamenei and Khomeini.  The
corpus itself can tell more, one name at a time.  After each commit (a build,
an update), this module reads the count of every pair of names written one
after the other (``Mouammar Kadhafi``, across a particle: ``Ayman
Al-Zawahiri``) and merges two name keys
when both of these hold:

1. **Close in form**: the same consonant skeleton (``skeleton``: vowels, h,
   w and y dropped, c/q/g read as k, z as s, doubled letters single: Kadhafi
   and Khadafi) within two edits, or one edit apart on keys of six letters or
   more (the press's typos: Darmanin, Darmain).  Keys under five letters are
   never merged (Iran and Irak, Mali and Malte).
2. **Written after the same first names**: a first name is an *anchor* of
   the surname it precedes most often (at least ``ANCHOR_SHARE`` of its
   uses); the rarer spelling's first names, each weighed by that share, must
   point at the other spelling (``MIN_SUPPORT`` in all, ``AGREEMENT`` of its
   first names).  "Jean" or "Selon" anchor nothing; "Mouammar" anchors
   Kadhafi.

Against a merge: different first names (Ali Khamenei, Rouhollah Khomeini;
Dmitri Peskov, Kiril Petkov: the rarer one's first names point elsewhere), a
spelling that is mostly a *given name* itself (written before another name:
Denis, Deniz, Victor, Viktor, Raïssa), and the two named together in most of
the rarer one's articles with first names that do not all agree (Volodymyr
Zelensky and Olena Zelenska).  Titles before a name (ayatollah, président)
are left out: distinct people share them.

Given names are learned only beside one surname: ``Viktor Orban`` =
``Victor Orban`` (a phrase ``"Viktor Orban"`` then finds ``Victor Orban``),
never Viktor = Victor.  Every merge keeps its evidence (``Merge``), which
``searchkit names`` shows; the user's alias file (``searchkit.names.aliases``)
overrides them.  The pairs are counted as articles are written (``PairChanges``:
a rebuild counts all, an update those it adds less those it replaces or
removes), so learning costs a pass over the pairs, not a read of every stored
article (``gather``, when the counts kept are not those of the commit before);
an update reads from the table only the pairs around the keys its articles
write (``StoredContexts``, ``Kept.anchors``).  ``bench/names.py`` measures it.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from ..analysis import FRENCH_STOP_WORDS, SPELLING_MARK, capitals, fold, light_stem
from ..engine import OpenIndex
from .keys import name_key, skeleton, spellings_by_key

#: A key shorter than this is never merged by learning: short names differ by one letter (Iran, Irak).
MIN_KEY = 5
#: Keys one edit apart (a typo) must be at least this long.
MIN_EDIT_KEY = 6
#: A name is an *anchor* of the key written beside it most often when that key has this share of it.
ANCHOR_SHARE = 0.3
#: The rarer spelling's first names, each weighed by the share of its uses before the other
#: spelling: at least this much in all (an occurrence before a first name used only for the other)...
MIN_SUPPORT = 0.5
#: ...and this share of the rarer spelling's first names.
AGREEMENT = 0.5
#: Two spellings named together in most of the rarer one's articles (a typo beside the right
#: spelling, or two people: Volodymyr Zelensky and Olena Zelenska) need first names this unanimous.
TOGETHER_AGREEMENT = 0.8
#: A spelling followed by another name this often is a given name: merged only beside one surname.
GIVEN_NAME_SHARE = 0.5
#: Particles between a first name and a surname, skipped: Ayman Al-Zawahiri, Charles de Gaulle.
PARTICLES = frozenset("al el ben bin ibn abou abu abd abdel von van der den de da di du le la bou ould".split())


@dataclass
class Contexts:
    """The pairs of adjacent names of the whole corpus, by name key: what learning reads."""

    before: dict[str, Counter] = field(default_factory=dict)  #: key → keys of the names written just before it
    after: dict[str, Counter] = field(default_factory=dict)  #: key → keys of the names written just after it
    written: dict[str, Counter] = field(default_factory=dict)  #: key → its spellings as written
    #: folded spelling → keys of the names written just before it: spellings of one key apart (Sheen, Chine)
    before_spelling: dict[str, Counter] = field(default_factory=dict)
    #: folded spelling → how often a name is written just after it
    followed: Counter = field(default_factory=Counter)
    #: folded spelling → keys of the names written just after it
    after_spelling: dict[str, Counter] = field(default_factory=dict)

    def add(self, first: str, second: str, count: int) -> None:
        folded = folded_pair(first, second)
        if folded is None:
            return
        one, two = folded
        key_one, key_two = name_key(one), name_key(two)
        for table, key, item in (
            (self.before, key_two, key_one),
            (self.after, key_one, key_two),
            (self.written, key_two, second),
            (self.written, key_one, first),
            (self.before_spelling, two, key_one),
            (self.after_spelling, one, key_two),
        ):
            counts = table.get(key)
            if counts is None:
                # Counter's __init__ (a Python call) skipped: an update's learning makes 177,000 of
                # them at 100,000 articles, and setdefault made one for each of 560,000 counts
                counts = table[key] = Counter.__new__(Counter)
            counts[item] = counts.get(item, 0) + count
        self.followed[one] += count


def folded_pair(first: str, second: str) -> tuple[str, str] | None:
    """The two names of a pair, folded; None for a pair learning leaves out: one of them a
    stop word written with a capital ("Le Monde", "De Gaulle")."""
    one, two = fold(first), fold(second)
    if not one or not two or one in FRENCH_STOP_WORDS or two in FRENCH_STOP_WORDS:
        return None
    return one, two


class StoredContexts:
    """The ``Contexts`` of the pairs a names table keeps (``searchkit.names.table``),
    read from it an entry at a time, as learning and the decision ask for them: an
    update reads those around the names its articles write, not the 95,680 pairs of
    300,000 articles (1.2 s to tally whole).  Each entry holds what ``contexts_of``
    gives it, in the same order: the table's rows carry each name's folded spelling
    and key, and are read in the order of the pairs.  Not iterable: learning reads
    it around the keys an update touched (``learn``'s ``kept``)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self.before = _Read(lambda key: self._tally("first_key", "second_key = ?", key))
        self.after = _Read(lambda key: self._tally("second_key", "first_key = ?", key))
        self.written = _Read(self._written)
        self.before_spelling = _Read(lambda two: self._tally("first_key", _SECOND_IS, name_key(two), two))
        self.after_spelling = _Read(lambda one: self._tally("second_key", _FIRST_IS, name_key(one), one))
        self.followed = _Read(self._followed, missing=0)

    def _tally(self, column: str, where: str, *values: str) -> Counter | None:
        found = Counter.__new__(Counter)
        for name, count in self._db.execute(f"SELECT {column}, count FROM pairs WHERE {where} {_IN_ORDER}", values):
            found[name] = found.get(name, 0) + count
        return found or None

    def _written(self, key: str) -> Counter | None:
        found = Counter.__new__(Counter)
        rows = self._db.execute(
            f"SELECT first, second, first_key, second_key, count FROM pairs "
            f"WHERE first_key = ?1 OR second_key = ?1 {_IN_ORDER}",
            (key,),
        )
        for first, second, key_one, key_two, count in rows:
            for written, its_key in ((second, key_two), (first, key_one)):  # as ``Contexts.add`` counts them
                if its_key == key:
                    found[written] = found.get(written, 0) + count
        return found or None

    def _followed(self, one: str) -> int | None:
        (count,) = self._db.execute(f"SELECT sum(count) FROM pairs WHERE {_FIRST_IS}", (name_key(one), one)).fetchone()
        return count


_FIRST_IS = "first_key = ? AND first_folded = ?"
_SECOND_IS = "second_key = ? AND second_folded = ?"
#: The order ``contexts_of`` adds the pairs in, which breaks the ties of ``most_common``.
_IN_ORDER = "ORDER BY first, second"


class _Read(Mapping):
    """One table of ``StoredContexts``: an entry read when first asked for, then kept."""

    def __init__(self, read: Callable[[str], object], missing: object = None) -> None:
        self._read = read
        self._missing = missing
        self._found: dict[str, object] = {}

    def __getitem__(self, name: str):
        if name not in self._found:
            self._found[name] = self._read(name)
        found = self._found[name]
        if found is None:
            if self._missing is None:
                raise KeyError(name)
            return self._missing
        return found

    def __iter__(self) -> Iterator[str]:
        raise TypeError("stored contexts are read an entry at a time")

    def __len__(self) -> int:
        raise TypeError("stored contexts are read an entry at a time")


def pairs_in(title: str, body: str) -> Counter:
    """The pairs of names written one after the other in an article (``Mouammar
    Kadhafi``; across a particle: ``Ayman Al-Zawahiri``), each with its count."""
    return Counter(_PAIR.findall(title)) + Counter(_PAIR.findall(body))


def gather(index: OpenIndex) -> Counter:
    """The pairs of names of every stored article: one pass over their titles and bodies."""
    pairs: Counter = Counter()
    for docnum in sorted(index.doc_set(None)):
        stored = index.stored(docnum)
        for text in (stored.get("title") or "", stored.get("body") or ""):
            pairs.update(_PAIR.findall(text))
    return pairs


def contexts_of(pairs: Counter) -> Contexts:
    """The contexts of ``pairs``, added in the order of the pairs (not of the
    articles), so that the same counts, gathered in one pass or kept up to date
    across updates, give the same merges: ties are broken by that order."""
    found = Contexts()
    for (first, second), count in sorted(pairs.items()):
        found.add(first, second, count)
    return found


@dataclass
class PairChanges:
    """How an update changed the pair counts: ``delta`` (the added articles'
    pairs less the removed ones') applies to the counts of commit ``since``;
    ``since`` None (a rebuild) when ``delta`` holds every article's pairs."""

    since: int | None
    delta: Counter = field(default_factory=Counter)
    #: the names (folded) the articles added and removed write: an update decides again only
    #: the pairs they touch (``searchkit.names.table``); not gathered for a rebuild
    written: set[str] = field(default_factory=set)
    articles: int = 0  #: how many articles were added or removed (a replaced one counts twice)

    def add(self, title: str, body: str, sign: int = 1) -> None:
        for pair, count in pairs_in(title, body).items():
            self.delta[pair] += sign * count
        self.articles += 1
        if self.since is not None:
            self.written.update(fold(name) for text in (title, body) for name in _NAME.findall(text))


_UPPER = capitals().pattern
_LETTER = r"[^\W\d_]"
_PARTICLES_RE = "|".join(sorted({p.capitalize() for p in PARTICLES} | PARTICLES, key=len, reverse=True))
#: A name, then (looking ahead, so the second is the next match's first) the name written after it.
#: Its capital comes before the look-behind that checks no letter precedes it: a pattern opening
#: with a look-behind is tried at every character of the text, three times slower.
_PAIR = re.compile(
    rf"({_UPPER}(?<!{_LETTER}{_UPPER}){_LETTER}+)"
    rf"(?=[ \u00a0\u202f]+(?:(?:{_PARTICLES_RE})[ \u00a0\u202f\-‑]+)?({_UPPER}{_LETTER}+)(?!{_LETTER}))"
)


#: A capitalised word: a name's spelling, as the analysis marks it (``NameSpellingFilter``).
_NAME = re.compile(rf"{_UPPER}(?<!{_LETTER}{_UPPER}){_LETTER}*")


@dataclass(frozen=True)
class Merge:
    """A learned merge of two name keys, with its evidence (what ``searchkit names`` shows)."""

    a: str  #: spelling (folded) of the first key: the more frequent
    b: str  #: spelling of the second
    key_a: str
    key_b: str
    evidence: dict
    surname: str | None = None  #: for given names: the name key of the surname they were seen beside


class Kept:
    """What an update keeps of the merges learned before it: those of the candidate pairs
    of keys that no added or removed article writes (``PairChanges.written``), the rest
    of the corpus having moved by less than the table allows (``searchkit.names.table``)."""

    def __init__(self, merges: list[Merge], touched: set[str]) -> None:
        self.touched = touched
        self._merges: dict[tuple[str, str, bool], list[Merge]] = {}
        for merge in merges:
            self._merges.setdefault((merge.key_a, merge.key_b, merge.surname is not None), []).append(merge)

    def untouched(self, *keys: str) -> bool:
        return self.touched.isdisjoint(keys)

    def anchors(self, beside: Mapping[str, Counter], given: bool) -> list[str]:
        """The anchors whose pairs of keys an update must look at (``beside``: the names
        written before each key for surnames, after it for given names): those of the keys it
        touched, which judge every pair holding one of them, whole; the touched keys
        themselves, whose neighbours changed; and those of the merges it may hand on, to
        know whether each is still a candidate.  A pair of keys is one only beside an anchor
        written beside both, so no other anchor can change what learning gives."""
        keys = self.touched | {key_b for (_, key_b, is_given) in self._merges if is_given == given}
        return sorted(self.touched.union(*(beside.get(key, ()) for key in keys)))

    def merges(self, key_a: str, key_b: str, given: bool) -> list[Merge]:
        return self._merges.get((key_a, key_b, given), [])


@dataclass
class Learned:
    """The merges learned from the pairs of names, and what finding them looked at and took."""

    merges: list[Merge]
    candidates: int  #: the pairs of keys looked at (by an update: those around the keys it touched)
    seconds: float
    gather_seconds: float = 0.0


def learn(
    index: OpenIndex,
    by_key: dict[str, list[str]] | None = None,
    pairs: Counter | None = None,
    *,
    contexts: Contexts | StoredContexts | None = None,
    kept: Kept | None = None,
) -> Learned:
    """The merges the articles of ``index`` support (see the module's doc), from their
    ``contexts`` (else from their ``pairs`` of names, else gathered from the stored
    articles), between the keys of its spellings (``by_key``: by default, read from
    the index).  ``kept``: what an update keeps of the merges learned before, for the
    candidates no changed article touches; only the anchors around those it touches
    are then read (``Kept.anchors``), which ``StoredContexts`` needs."""
    started = time.perf_counter()
    if contexts is None:
        contexts = contexts_of(gather(index) if pairs is None else pairs)
    gathered = time.perf_counter()
    letters = _Letters(by_key if by_key is not None else spellings_by_key(sorted(set(index.spellings()))))
    judge = _Judge(index, contexts, letters)
    surnames = _anchored(contexts.after, kept.anchors(contexts.before, False) if kept else None, letters, MIN_KEY)
    merges = []
    for (a, b), shared in sorted(surnames.items()):
        if (b, a) in surnames and b < a:
            continue  # as often one as the other: judged once
        if kept is not None and kept.untouched(a, b):
            merges += kept.merges(a, b, given=False)
            continue
        merge = judge.surname(a, b, shared)
        if merge is not None:
            merges.append(merge)
    given = _anchored(contexts.before, kept.anchors(contexts.after, True) if kept else None, letters, 4)
    for (a, b), shared in sorted(given.items()):
        if kept is not None and kept.untouched(a, b, *shared):
            merges += kept.merges(a, b, given=True)
            continue
        merges += judge.given_names(a, b, shared)
    return Learned(merges, len(surnames) + len(given), time.perf_counter() - started, gathered - started)


class _Letters:
    """The spellings of a key made of letters alone (those learning merges), picked from all of
    them when first asked for."""

    def __init__(self, by_key: dict[str, list[str]]) -> None:
        self._by_key = by_key
        self._found: dict[str, list[str]] = {}

    def __call__(self, key: str) -> list[str]:
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = [s for s in self._by_key.get(key, ()) if s.isalpha()]
        return found


def _anchored(
    beside: Mapping[str, Counter], anchors: list[str] | None, letters: _Letters, min_key: int
) -> dict[tuple[str, str], dict]:
    """Pairs of keys close in form written beside one *anchor*: a name most often
    written beside one of them (Mouammar before Kadhafi; Orban after Viktor).

    ``beside`` maps each anchor to the keys written beside it; the pair's first
    key is one of the anchor's two most frequent (at least ``ANCHOR_SHARE`` of
    it), the second any other close in form.  Returns, for each pair, the
    anchors that support it, in key order: anchor → [count of the first, count of the
    second, share of the first beside the anchor].  ``anchors``: those to read (by
    default every one), so that an update reads those around what it changed."""
    pairs: dict[tuple[str, str], dict] = {}
    for anchor in sorted(beside) if anchors is None else anchors:
        keys = beside.get(anchor)
        if keys is None:
            continue
        total = sum(keys.values())
        if total < 2:
            continue
        for top, count in keys.most_common(2):
            share = count / total
            if share < ANCHOR_SHARE or len(top) < min_key or not letters(top):
                continue
            shape = skeleton(top)
            for other, other_count in keys.items():
                if other == top or len(other) < min_key or not letters(other) or other_count > count:
                    continue
                if _close(top, other, shape):
                    pairs.setdefault((top, other), {})[anchor] = [count, other_count, round(share, 2)]
    return pairs


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance (a swap of two letters is one edit), capped at
    ``limit + 1``: rapidfuzz's, in C, since candidate generation asks it of every pair.
    Here, not in ``keys``, which every search imports: only learning and the decision
    (index time) compare spellings this way."""
    return OSA.distance(a, b, score_cutoff=limit)


def _close(a: str, b: str, shape: str) -> bool:
    """Close in form: the same skeleton and at most two edits, or one edit (long keys)."""
    distance = edit_distance(a, b, 2)
    if distance <= 1 and min(len(a), len(b)) >= MIN_EDIT_KEY:
        return True
    return distance <= 2 and len(shape) >= 3 and skeleton(b) == shape


class _Judge:
    """Weighs the evidence for and against merging two keys."""

    def __init__(self, index: OpenIndex, contexts: Contexts | StoredContexts, letters: _Letters) -> None:
        self._index = index
        self._contexts = contexts
        self._letters = letters
        self._names: dict[str, bool] = {}
        self._docs: dict[str, set[int]] = {}

    def is_name(self, spelling: str) -> bool:
        """Whether the index holds ``spelling`` as a name: capitalised in at least half of its articles."""
        if spelling not in self._names:
            capitalised = self._index.doc_frequency(SPELLING_MARK + spelling)
            self._names[spelling] = capitalised > 0 and 2 * capitalised >= self._index.doc_frequency(
                light_stem(spelling)
            )
        return self._names[spelling]

    def key_is_name(self, key: str) -> bool:
        return any(self.is_name(s) for s in self._letters(key) or [key])

    def docs(self, key: str) -> set[int]:
        """The articles holding a spelling of ``key``."""
        if key not in self._docs:
            found: set[int] = set()
            for spelling in self._letters(key):
                found |= self._index.doc_set(self._index.term_query(SPELLING_MARK + spelling))
            self._docs[key] = found
        return self._docs[key]

    def given_name(self, key: str) -> bool:
        """Mostly written before another name: a given name (Viktor, Denis, Raïssa)."""
        followed = sum(self._contexts.after.get(key, Counter()).values())
        preceded = sum(self._contexts.before.get(key, Counter()).values())
        return (
            followed >= 2
            and followed >= GIVEN_NAME_SHARE * (followed + preceded)
            and followed * 4 >= len(self.docs(key))
        )

    def _first_names(self, key: str) -> Counter:
        """The first names written before ``key``: names themselves, not a capitalised sentence start (Selon)."""
        before = self._contexts.before.get(key, Counter())
        return Counter({f: n for f, n in before.items() if self.key_is_name(f)})

    def _written(self, key: str) -> str:
        written = self._contexts.written.get(key)
        return written.most_common(1)[0][0] if written else key

    def surname(self, a: str, b: str, anchors: dict) -> Merge | None:
        """``a`` (the more frequent) and ``b``, surnames written after the same first names."""
        if not (self.key_is_name(a) and self.key_is_name(b)) or self.given_name(a) or self.given_name(b):
            return None
        first_b = self._contexts.before.get(b, Counter())
        total_b = sum(first_b.values())
        # how many of b's first names point at a: each weighed by how often that first name precedes a
        support = sum(first_b[f] * share for f, (_, _, share) in anchors.items())
        if total_b == 0 or support < MIN_SUPPORT or support / total_b < AGREEMENT:
            return None
        docs_a, docs_b = self.docs(a), self.docs(b)
        together = len(docs_a & docs_b)
        if together * 2 >= max(len(docs_b), 1) and support / total_b < TOGETHER_AGREEMENT:
            return None  # named together in most of its articles, with other first names: two people
        evidence = {
            "first_names": {f: [x, y] for f, (x, y, _) in anchors.items()},
            "agreement": round(support / total_b, 2),
            "articles": [len(docs_a), len(docs_b)],
            "together": together,
            "written": [self._written(a), self._written(b)],
        }
        return Merge(_top(self._letters(a), a), _top(self._letters(b), b), a, b, evidence)

    def given_names(self, a: str, b: str, anchors: dict) -> list[Merge]:
        """Given names learned beside one surname: Viktor and Victor before Orban."""
        merges = []
        for surname, (x, y, _) in sorted(anchors.items()):
            if len(surname) < 3 or not (self.key_is_name(surname) and self.key_is_name(a) and self.key_is_name(b)):
                continue
            evidence = {"surname": surname, "before_surname": [x, y], "written": [self._written(a), self._written(b)]}
            merges.append(Merge(_top(self._letters(a), a), _top(self._letters(b), b), a, b, evidence, surname))
        return merges


def _top(spellings: list[str], key: str) -> str:
    return key if key in spellings else min(spellings)
