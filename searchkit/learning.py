"""Spellings learned from the corpus: names that no transliteration rule reaches.

The rules of ``searchkit.analysis.name_key`` stop where merging would be
wrong in general: a rule merging vowels would merge Khamenei and Khomeini.  The
corpus itself can tell more, one name at a time.  After each commit, this
module looks for *pairs of name keys* that are close in form and used in the
same way, and merges them when the evidence is strong enough:

1. **Close in form** (the candidates, from the index's vocabulary of name
   spellings alone): the same consonant skeleton (``skeleton``: vowels, h, w
   and y dropped, c/q/g read as k, z as s, doubled letters single: Zawahiri
   and Zaouahiri, Kadhafi and Gaddafi), or one edit apart on keys of six
   letters or more (the press's typos: Zelenksy).  Keys under five letters
   are never candidates (Iran and Irak, Mali and Malte).
2. **Used in the same way** (the evidence, read from the articles holding the
   rarer spelling and up to ``SAMPLE`` of the other's): the *first names*
   written before each (``Mouammar Kadhafi``, ``Mouammar Khadafi``; across a
   particle such as Al-, Ben, von or de), which must agree, and the titles
   (``ayatollah``, ``président``), which are shown but never enough alone.
3. **Against**: different first names (Ali Khamenei, Rouhollah Khomeini;
   Dmitri Peskov, Kiril Petkov), a spelling that is mostly a *given name*
   itself (followed by another name: Denis, Deniz, Victor, Viktor, Raïssa),
   and the two spellings named together in one article under different first
   names (Volodymyr Zelensky and Olena Zelenska).

A pair is merged when its rarer spelling's first names agree with the
other's (``AGREEMENT``), at least ``MIN_SHARED`` occurrences share a first
name, and no evidence is against it.  Given names are learned only beside
one surname: ``Viktor Orban`` = ``Victor Orban`` is learned (a phrase
``Viktor Orban`` then also finds ``Victor Orban``), never Viktor = Victor.

Everything learned is kept with its evidence (``Merge``), shown by
``searchkit names``, and can be overridden by the user's alias file
(``searchkit.aliases``).  The work is bounded: at most ``SAMPLE`` articles are
read for a spelling and ``MAX_READS`` in all.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field

from .analysis import FRENCH_STOP_WORDS, SPELLING_MARK, fold, light_stem, name_key, strip_elision
from .engine import OpenIndex

#: A key shorter than this is never merged by learning: short names differ by one letter (Iran, Irak).
MIN_KEY = 5
#: Keys one edit apart (a typo) must be at least this long.
MIN_EDIT_KEY = 6
#: Articles read for each spelling, at most, and in all.
SAMPLE = 40
MAX_READS = 60_000
#: The share of the rarer spelling's first names that the other spelling has too.
AGREEMENT = 0.6
#: Occurrences with a first name shared by both spellings, at least.
MIN_SHARED = 1
#: A spelling followed by another name this often is a given name: merged only beside one surname.
GIVEN_NAME_SHARE = 0.5
#: Particles between a first name and a surname, skipped: Ayman Al-Zawahiri, Charles de Gaulle.
PARTICLES = frozenset("al el ben bin ibn abou abu abd abdel von van der den de da di du le la bou ould".split())

_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+(?:['’ʼ](?:[^\W_]|[\u0300-\u036f])+)*")
_JOINS = frozenset((" ", "\u00a0", "\u202f", "-", "‑"))


def skeleton(key: str) -> str:
    """A name key's consonants, read coarsely: ``zavahiri`` → ``zvr``, ``kadhafi`` and ``gadafi`` → ``kdf``."""
    reduced = re.sub(r"[cqg]", "k", key).replace("z", "s")
    reduced = re.sub(r"[aeiouyhw]", "", reduced)
    return re.sub(r"(.)\1+", r"\1", reduced)


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance (a swap of two letters is one edit), capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


@dataclass
class Context:
    """How the articles use one spelling, from the ones read."""

    articles: int = 0  #: articles read
    occurrences: int = 0
    first_names: Counter = field(default_factory=Counter)  #: name key of the first name before it → count
    titles: Counter = field(default_factory=Counter)  #: the lower-case word before it (président) → count
    followed: int = 0  #: occurrences followed by another name (a given name is)
    surnames: Counter = field(default_factory=Counter)  #: name key of the name after it → count
    written: Counter = field(default_factory=Counter)  #: the spelling as written → count
    docs: set = field(default_factory=set)

    @property
    def given_name(self) -> bool:
        return self.occurrences > 0 and self.followed >= GIVEN_NAME_SHARE * self.occurrences


@dataclass(frozen=True)
class Merge:
    """A learned merge of two name keys, with its evidence (what ``searchkit names`` shows)."""

    a: str  #: spelling (folded) of the first key: the more frequent
    b: str  #: spelling of the second
    key_a: str
    key_b: str
    evidence: dict
    surname: str | None = None  #: for given names: the name key of the surname they were seen beside


@dataclass
class Learned:
    merges: list[Merge]
    candidates: int
    reads: int
    seconds: float


def learn(index: OpenIndex, frequencies: dict[str, int] | None = None) -> Learned:
    """The merges the articles of ``index`` support (see the module's doc)."""
    started = time.perf_counter()
    frequencies = frequencies if frequencies is not None else index.spelling_frequencies()
    by_key: dict[str, dict[str, int]] = {}
    for spelling, count in frequencies.items():
        if spelling.isalpha():
            by_key.setdefault(name_key(spelling), {})[spelling] = count
    key_count = {key: sum(group.values()) for key, group in by_key.items()}
    pairs = _candidates([k for k in by_key if len(k) >= MIN_KEY])
    names = _NameTest(index)
    pairs = [(a, b) for a, b in pairs if names.key_is_name(by_key[a]) and names.key_is_name(by_key[b])]
    reader = _Reader(index, names)
    merges: list[Merge] = []
    surname_pairs: list[tuple[str, str]] = []
    for a, b in sorted(pairs, key=lambda p: -min(key_count[p[0]], key_count[p[1]])):
        if key_count[b] > key_count[a]:
            a, b = b, a
        ca, cb = reader.context(by_key[a]), reader.context(by_key[b])
        if ca is None or cb is None:
            continue  # the reading budget is spent
        if ca.given_name or cb.given_name:
            surname_pairs.append((a, b))
            continue
        evidence = _evidence(ca, cb)
        if evidence is not None:
            merges.append(Merge(_top(by_key[a]), _top(by_key[b]), a, b, evidence))
    merges += _given_names(surname_pairs, reader, by_key)
    return Learned(merges, len(pairs), reader.reads, time.perf_counter() - started)


def _top(group: dict[str, int]) -> str:
    return max(group, key=lambda s: (group[s], s))


def _candidates(keys: list[str]) -> set[tuple[str, str]]:
    """Pairs of keys close in form: the same skeleton, or one edit apart (long keys)."""
    pairs: set[tuple[str, str]] = set()
    by_skeleton: dict[str, list[str]] = {}
    for key in keys:
        shape = skeleton(key)
        if len(shape) >= 3:
            by_skeleton.setdefault(shape, []).append(key)
    for group in by_skeleton.values():
        if 1 < len(group) <= 30:  # a skeleton shared by dozens of names tells nothing
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    if edit_distance(a, b, 3) <= 3 and min(len(a), len(b)) * 3 >= max(len(a), len(b)) * 2:
                        pairs.add((a, b) if a < b else (b, a))
    deletions: dict[str, list[str]] = {}
    for key in keys:
        if len(key) >= MIN_EDIT_KEY:
            for i in range(len(key)):
                deletions.setdefault(key[:i] + key[i + 1 :], []).append(key)
            deletions.setdefault(key, []).append(key)
    for group in deletions.values():
        if 1 < len(group) <= 30:
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    if a != b and edit_distance(a, b, 1) <= 1:
                        pairs.add((a, b) if a < b else (b, a))
    return pairs


class _NameTest:
    """Whether a spelling is written as a name: capitalised in at least half of its articles."""

    def __init__(self, index: OpenIndex) -> None:
        self._index = index
        self._known: dict[str, bool] = {}

    def is_name(self, spelling: str) -> bool:
        if spelling not in self._known:
            capitalised = self._index.doc_frequency(SPELLING_MARK + spelling)
            self._known[spelling] = capitalised > 0 and 2 * capitalised >= self._index.doc_frequency(
                light_stem(spelling)
            )
        return self._known[spelling]

    def key_is_name(self, group: dict[str, int]) -> bool:
        return self.is_name(_top(group))


class _Reader:
    """Reads articles holding spellings, within the budget, and the contexts of those spellings."""

    def __init__(self, index: OpenIndex, names: _NameTest) -> None:
        self._index = index
        self._names = names
        self._contexts: dict[str, Context | None] = {}
        self.reads = 0

    def context(self, group: dict[str, int]) -> Context | None:
        key = name_key(_top(group))
        if key not in self._contexts:
            self._contexts[key] = self._read(set(group))
        return self._contexts[key]

    def _read(self, spellings: set[str]) -> Context | None:
        docs: set[int] = set()
        for spelling in spellings:
            docs |= self._index.doc_set(self._index.term_query(SPELLING_MARK + spelling))
        sample = sorted(docs)[:SAMPLE]
        if self.reads + len(sample) > MAX_READS:
            return None
        self.reads += len(sample)
        found = Context(docs=docs)
        for docnum in sample:
            stored = self._index.stored(docnum)
            found.articles += 1
            for text in (stored.get("title") or "", stored.get("body") or ""):
                self._scan(text, spellings, found)
        return found

    def _scan(self, text: str, spellings: set[str], found: Context) -> None:
        words = list(_WORD.finditer(text))
        for i, match in enumerate(words):
            word = strip_elision(match.group())
            if not word[:1].isupper() or fold(word) not in spellings:
                continue
            found.occurrences += 1
            found.written[word] += 1
            before = self._before(text, words, i)
            if before is not None:
                if before[:1].isupper():
                    if self._names.is_name(fold(before)):
                        found.first_names[name_key(fold(before))] += 1
                elif fold(before) not in FRENCH_STOP_WORDS and len(before) > 2:
                    found.titles[fold(before)] += 1
            if i + 1 < len(words):
                after = words[i + 1]
                if text[match.end() : after.start()] in _JOINS and after.group()[:1].isupper():
                    following = fold(after.group())
                    if following not in FRENCH_STOP_WORDS and self._names.is_name(following):
                        found.followed += 1
                        found.surnames[name_key(following)] += 1

    @staticmethod
    def _before(text: str, words: list, i: int) -> str | None:
        """The word before words[i], across particles (Al-, de), when only a space or hyphen separates them."""
        j = i
        while j > 0:
            previous = words[j - 1]
            if text[previous.end() : words[j].start()] not in _JOINS:
                return None
            word = previous.group()
            if fold(word) in PARTICLES and j - 1 > 0:
                j -= 1
                continue
            return word
        return None


def _evidence(ca: Context, cb: Context) -> dict | None:
    """The evidence that spellings with contexts ``ca`` (the more frequent) and ``cb`` name one
    person, or None when it is too weak or contradicted."""
    shared = {f: [ca.first_names[f], cb.first_names[f]] for f in cb.first_names if f in ca.first_names}
    shared_count = sum(min(x, y) for x, y in shared.values())
    b_total = sum(cb.first_names.values())
    if not b_total or shared_count < MIN_SHARED:
        return None
    agreement = sum(cb.first_names[f] for f in shared) / b_total
    a_total = sum(ca.first_names.values())
    a_agreement = sum(ca.first_names[f] for f in shared) / a_total if a_total else 0.0
    if agreement < AGREEMENT or a_agreement < 0.25:
        return None
    together = len(ca.docs & cb.docs)
    if together and together * 2 >= len(cb.docs) and agreement < 0.9:
        return None  # named together in most of its articles, with other first names: two people
    titles = {t: [ca.titles[t], cb.titles[t]] for t in cb.titles if t in ca.titles}
    return {
        "first_names": shared,
        "agreement": round(agreement, 2),
        "titles": titles,
        "articles": [len(ca.docs), len(cb.docs)],
        "together": together,
        "written": [ca.written.most_common(1)[0][0], cb.written.most_common(1)[0][0]],
    }


def _given_names(pairs: list[tuple[str, str]], reader: _Reader, by_key: dict[str, dict[str, int]]) -> list[Merge]:
    """Given names learned beside one surname: Viktor and Victor before Orban."""
    merges = []
    for a, b in pairs:
        ca, cb = reader.context(by_key[a]), reader.context(by_key[b])
        if ca is None or cb is None:
            continue
        for surname in sorted(set(ca.surnames) & set(cb.surnames)):
            if len(surname) < 3:
                continue
            merges.append(
                Merge(
                    _top(by_key[a]),
                    _top(by_key[b]),
                    a,
                    b,
                    {
                        "surname": surname,
                        "before_surname": [ca.surnames[surname], cb.surnames[surname]],
                        "written": [ca.written.most_common(1)[0][0], cb.written.most_common(1)[0][0]],
                    },
                    surname=surname,
                )
            )
    return merges
