"""What the articles say about name spellings: the evidence every merge is decided on.

Read once per table write from the open index, never from the decision's own
output: how often a spelling is written as a name and as an ordinary word,
which articles hold it, and its *context*: the telling words written around
it (``profile``).  Two spellings of one name are written among the same
words (Choïgou and Choïgu: armée, défense, Guérassimov); two entities that a
rule folds together are not (Sheen: acteur, Blair; Chine: Pékin, Taïwan).

Bounded work: a spelling's context is read from at most ``SAMPLE`` of its
articles, spread evenly over the index, and only around the spelling.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from ..analysis import FRENCH_STOP_WORDS, SPELLING_MARK, fold, light_stem, stemmed_from
from ..engine import OpenIndex

#: Articles read for a spelling's context, spread evenly over those that hold it.
SAMPLE = 8
#: Articles whose words are kept for the next spelling they hold (oldest dropped first).
TOKENS_KEPT = 2_000
#: Words each side of an occurrence that make its context.
WINDOW = 30
#: A context name held by fewer articles cannot be shared: it is left out.
MIN_ARTICLES = 2
#: Context names kept for a spelling: the most telling ones (each costs a posting read).
CONTEXT_NAMES = 8
#: A context name in more than this share of the index tells little and costs a long posting read
#: (France, Paris, Macron): left out.
MAX_SHARE = 0.02
#: ...but a name in this many articles is always kept (a small corpus has few names).
MIN_MOST = 200
#: A context name is shared when the other spelling's articles hold it this many times more often
#: than the whole index does...
LIFT = 3.0
#: ...and in this many of them at least (one shared article counts half).
MIN_SHARED = 2
#: Shortest context word: shorter ones (ans, été, dit) tell nothing about a name.
MIN_WORD = 4
#: Articles of the usual spelling read for its phrases (``phrase_share``), spread evenly.
PHRASE_SAMPLE = 20
#: Words read each side of a use for the nearest telling word of its phrase (``guerre en l’Ukraine``).
PHRASE_REACH = 3

_WORD = re.compile(r"[^\W\d_]+")
#: What ends a phrase between two words: a sentence's end, a clause's.
_PHRASE_BREAK = re.compile(r"[.!?;:\n]")
#: What joins the words of a hyphenated name: a hyphen, a non-breaking one.
_HYPHENS = frozenset({"-", "\u2011"})
#: What separates two words of one name: those, spaces, a dash between spaces (Moët Hennessy - Louis Vuitton).
_JOIN = re.compile("[ \u00a0\\-\u2011\u2013]{1,3}")


class Evidence:
    """The facts about the spellings of one open index, each read once and cached."""

    def __init__(self, index: OpenIndex) -> None:
        self._index = index
        self.total = max(index.doc_count(), 1)
        self._most = max(self.total * MAX_SHARE, MIN_MOST)
        self._docs: dict[str, frozenset[int]] = {}
        self._frequency: dict[str, int] = {}
        self._spellings: dict[str, int] = {}
        self._profiles: dict[tuple[str, int], dict[str, float]] = {}
        self._stem_spellings: dict[str, list[str]] = {}
        self._tokens: dict[int, tuple[list[str], list[str]]] = {}
        self._compounds: dict[str, tuple[float, set[str], set[str]]] = {}

    def know_spellings(self, counts: dict[str, int]) -> None:
        """Every name spelling of the index with its article count (title and body counted
        apart), to tell a word's own lower-case uses from another spelling's: a stem's
        spellings are the few words ``light_stem`` turns into it that ``counts`` holds,
        looked up when asked (stemming the 92,000 spellings of 300,000 articles at every
        update took 0.2 s)."""
        self._spellings = counts

    def know_frequencies(self, frequencies: dict[str, int]) -> None:
        """Article counts of words read beforehand (from the vocabulary file), so as not to ask the index."""
        self._frequency.update(frequencies)

    def articles(self, spelling: str) -> frozenset[int]:
        """The articles that write ``spelling`` as a name."""
        if spelling not in self._docs:
            self._docs[spelling] = frozenset(self._index.doc_set(self._index.term_query(SPELLING_MARK + spelling)))
        return self._docs[spelling]

    def frequency(self, term: str) -> int:
        if term not in self._frequency:
            self._frequency[term] = self._index.doc_frequency(term)
        return self._frequency[term]

    def count(self, spelling: str) -> int:
        """How many articles write ``spelling`` as a name (title and body counted apart)."""
        known = self._spellings.get(spelling)
        return known if known is not None else self.frequency(SPELLING_MARK + spelling)

    def lower_uses(self, spelling: str) -> int:
        """About how many articles use ``spelling`` as an ordinary word: those holding its stem
        less those holding a capitalised spelling with that stem (François is not *françoise*)."""
        stem = light_stem(spelling)
        siblings = self._stem_spellings.get(stem)
        if siblings is None:
            siblings = self._stem_spellings[stem] = [s for s in stemmed_from(stem) if s in self._spellings]
        return max(self.frequency(stem) - sum(self.count(s) for s in siblings or [spelling]), 0)

    def is_name(self, spelling: str) -> bool:
        """Written with a capital in at least as many articles as in lower case."""
        count = self.count(spelling)
        return count > 0 and count >= self.lower_uses(spelling)

    def idf(self, stem: str) -> float:
        return math.log(self.total / (1 + self.frequency(stem)))

    def contexts(self, spelling: str, sample: int = SAMPLE) -> dict[str, float]:
        """The words written around ``spelling``: each word's share of the sampled articles
        (at most ``sample``, spread evenly) whose windows around the spelling hold it."""
        key = (spelling, sample)
        if key not in self._profiles:
            sampled = self._sampled(spelling, sample)
            seen: Counter = Counter()
            for docnum in sampled:
                seen.update(_window_words(*self._words(docnum), spelling))
            self._profiles[key] = {w: n / len(sampled) for w, n in seen.items()} if sampled else {}
        return self._profiles[key]

    def _words(self, docnum: int) -> tuple[list[str], list[str]]:
        """An article's words and their folded forms, kept for the next spelling it holds."""
        if docnum not in self._tokens:
            if len(self._tokens) >= TOKENS_KEPT:
                self._tokens.pop(next(iter(self._tokens)))
            words = _WORD.findall(self._text(docnum))
            self._tokens[docnum] = (words, [fold(w) for w in words])
        return self._tokens[docnum]

    def compounds(self, spelling: str) -> tuple[float, set[str], set[str]]:
        """The share of ``spelling``'s uses (in the articles ``contexts`` samples) written
        inside a hyphenated name (La Roche-Chalais, Lamotte-Beuvron), the words (folded)
        it is joined to there, and the words written next to it anywhere (Moët Hennessy
        Louis Vuitton)."""
        if spelling not in self._compounds:
            uses = joined = 0
            partners: set[str] = set()
            neighbours: set[str] = set()
            for docnum in self._sampled(spelling):
                text, words, written = self._uses(docnum, spelling)
                for i in written:
                    uses += 1
                    beside = _beside(text, words, i)
                    neighbours.update(fold(w) for w, _ in beside)
                    hyphened = [fold(w) for w, gap in beside if gap in _HYPHENS]
                    if hyphened:
                        joined += 1
                        partners.update(hyphened)
            self._compounds[spelling] = (joined / uses if uses else 0.0, partners, neighbours)
        return self._compounds[spelling]

    def phrase_share(self, rare: str, frequent: str) -> float | None:
        """The largest share of ``frequent``'s articles (``PHRASE_SAMPLE`` read) that write it in one
        of the phrases ``rare`` is written in: the words from the nearest telling word before or
        after it (``guerre en`` Urkraine, Rassemblemant ``national``).  A slip is written in its
        word's set phrases; another name one letter away is not.  None when ``rare`` is written
        in no such phrase."""
        wanted = set().union(*(self._phrases(docnum, rare) for docnum in self.articles(rare)))
        if not wanted:
            return None
        sampled = self._sampled(frequent, PHRASE_SAMPLE)
        seen: Counter = Counter()
        for docnum in sampled:
            seen.update(self._phrases(docnum, frequent) & wanted)
        return max(seen.values(), default=0) / len(sampled) if sampled else None

    def _phrases(self, docnum: int, spelling: str) -> set[tuple[str, ...]]:
        """The phrases of the capitalised uses of ``spelling`` in article ``docnum``: the folded
        words from the nearest telling word (``MIN_WORD`` letters, not a stop word) within
        ``PHRASE_REACH`` words, up to the use, with the side (``<`` before, ``>`` after)."""
        text, words, written = self._uses(docnum, spelling)
        found: set[tuple[str, ...]] = set()
        for i in written:
            for side, step in (("<", -1), (">", 1)):
                phrase = [side]
                at, near = i, i + step
                while 0 <= near < len(words) and abs(near - i) <= PHRASE_REACH:
                    gap = text[min(words[at].end(), words[near].end()) : max(words[at].start(), words[near].start())]
                    if _PHRASE_BREAK.search(gap):
                        break
                    folded = fold(words[near].group())
                    phrase.append(folded)
                    if len(folded) >= MIN_WORD and folded not in FRENCH_STOP_WORDS:
                        found.add(tuple(phrase))
                        break
                    at, near = near, near + step
        return found

    def _text(self, docnum: int) -> str:
        stored = self._index.stored(docnum)
        return f"{stored.get('title') or ''}\n{stored.get('body') or ''}"

    def _uses(self, docnum: int, spelling: str) -> tuple[str, list[re.Match], list[int]]:
        """Article ``docnum``'s text, its words, and where among them ``spelling`` is written capitalised."""
        text = self._text(docnum)
        words = list(_WORD.finditer(text))
        written = [i for i, word in enumerate(words) if word.group()[:1].isupper() and fold(word.group()) == spelling]
        return text, words, written

    def _sampled(self, spelling: str, sample: int = SAMPLE) -> list[int]:
        """At most ``sample`` of the articles writing ``spelling``, spread evenly over them."""
        docs = sorted(self.articles(spelling))
        step = max(len(docs) / sample, 1.0)
        return [docs[int(i * step)] for i in range(min(sample, len(docs)))]

    def telling(self, spelling: str, own: set[str]) -> list[tuple[str, float]]:
        """The ``CONTEXT_NAMES`` names near ``spelling`` that tell most: share of its articles
        times rarity in the index; ``own`` (the pair's spellings), one-off names and the most
        frequent ones left out: beyond ``MAX_SHARE`` of the index, or (in a small one) in nearly
        every article, whose rarity is nil (a negative weight would count as evidence)."""
        weighed = [
            (word, share * self.idf(SPELLING_MARK + word))
            for word, share in self.contexts(spelling).items()
            if word not in own and MIN_ARTICLES <= self.count(word) <= self._most
        ]
        return sorted([kv for kv in weighed if kv[1] > 0], key=lambda kv: (-kv[1], kv[0]))[:CONTEXT_NAMES]

    def similarity(self, rare: str, frequent: str) -> float | None:
        """How much of what is written around ``rare`` is written in the articles of
        ``frequent`` too (0 to 1): the names near ``rare``, each weighed by its rarity in
        the index, counted in full when ``frequent``'s articles hold it at three times
        the rate of the whole index (and two of them at least).  None when no name
        near ``rare`` is held by another article: no evidence either way."""
        own = {rare, frequent}
        docs = self.articles(frequent)
        if not docs:
            return None
        total = found = 0.0
        for word, weight in self.telling(rare, own):
            total += weight
            rate = len(docs & self.articles(word)) / len(docs)
            expected = min(max(LIFT * self.count(word) / self.total, MIN_SHARED / len(docs)), 1.0)
            found += weight * min(1.0, rate / expected)
        return found / total if total else None


def _window_words(words: list[str], folded: list[str], spelling: str) -> set[str]:
    """The names (folded) within ``WINDOW`` words of a capitalised ``spelling`` among ``words``."""
    found: set[str] = set()
    for i, word in enumerate(words):
        if folded[i] == spelling and word[:1].isupper():
            for j in range(max(i - WINDOW, 0), min(i + WINDOW + 1, len(words))):
                f = folded[j]
                if j != i and words[j][:1].isupper() and len(f) >= MIN_WORD and f not in FRENCH_STOP_WORDS:
                    found.add(f)
    return found


def _beside(text: str, words: list[re.Match], i: int) -> list[tuple[str, str]]:
    """The words of ``text`` right before and after its word ``words[i]`` (across a space
    or a hyphen, not a stop), each with what separates them."""
    found = []
    for before, after in ((i - 1, i), (i, i + 1)):
        if before >= 0 and after < len(words):
            gap = text[words[before].end() : words[after].start()]
            if _JOIN.fullmatch(gap):
                other = words[before] if after == i else words[after]
                found.append((other.group(), gap))
    return found
