"""French analysis: the chain of Whoosh filters that turns article text into terms.

One analyzer serves the ``title`` and ``body`` fields, the queries and the
highlighter.  It splits words, removes elision, folds accents and case, drops
stop words and stems lightly.  For a capitalised word (a name) it also emits,
at the same position, the word's *spelling*: folded but not stemmed, marked
with ``^`` (``^choigou``), as Whoosh's DoubleMetaphoneFilter emits its codes
beside the words.  Spellings let the exact spelling of a name be told from its
variants: ``name_key`` reduces a spelling by transliteration rules so that the
spellings of one foreign name (Choïgou, Choïgu, Shoigu) share one key, the
index keeps a table from each key to the spellings it holds
(``searchkit.names.table``), and a query for a name searches all of them, the
exact one weighing more.  Only capitalised words get a spelling: the rules that
merge Choïgou and Shoigu would also merge common words (roue and rue).

Every filter keeps ``startchar``/``endchar`` of the original text, so highlights
land on the words as written, accents and case kept.  Per-word work is cached
in module-level functions: the vocabulary of a corpus is small next to its
running text, and the analyzer objects themselves are pickled into the index
schema, where a cache does not belong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from unidecode import unidecode
from whoosh.analysis import Filter, RegexTokenizer, Token
from whoosh.analysis.analyzers import Analyzer, CompositeAnalyzer

#: Bumped whenever a change here changes the terms an article produces; an
#: index built with another version must be rebuilt, never mixed.
ANALYSIS_VERSION = 5

#: A word: letters and digits (with combining accents, for decomposed Unicode),
#: possibly joined by apostrophes as in ``l’Iran`` or ``aujourd’hui``.  Hyphens,
#: spaces, no-break spaces (U+00A0, U+202F) and punctuation separate words.
WORD_PATTERN = r"(?:[^\W_]|[\u0300-\u036f])+(?:['’ʼ](?!s\b)(?:[^\W_]|[\u0300-\u036f])+)*"

#: Elided articles, pronouns and conjunctions that French glues to the next
#: word with an apostrophe (folded, lower case).
ELIDED_PREFIXES = frozenset("l d j m n s t c qu jusqu lorsqu puisqu quoiqu quelqu presqu".split())

#: A complete French stop list, on folded forms: articles, prepositions,
#: pronouns, conjunctions, and the forms of *être* and *avoir* used as
#: auxiliaries.  Words that also carry meaning in news (été, pas de deux,
#: état, fait, etc.) are left out on purpose.
FRENCH_STOP_WORDS = frozenset(
    """
    a ai aie aient aies ait as au aucun aucune aupres aur aura aurai auraient
    aurais aurait auras aurez auriez aurions aurons auront aussi autre autres aux
    avaient avais avait avant avec avez aviez avions avoir avons ayant ayez ayons
    c ca car ce ceci cela celle celles celui cependant certain certaine certains
    ces cet cette ceux chacun chacune chaque chez ci comme comment d dans de des
    donc dont du elle elles en encore entre es est et etaient etais etait etant
    etes etiez etions eu eue eues eumes eurent eus eusse eussent eusses eussiez
    eussions eut eutes eux fumes furent fus fusse fussent fusses fussiez fussions
    fut futes ici il ils j je jusqu l la laquelle le lequel les lesquelles
    lesquels leur leurs lorsqu lui m ma mais me meme memes mes moi mon n ne ni
    nos notre nous on ont or ou par parce pas peu plus pour pourquoi puis
    puisqu qu quand que quel quelle quelles quels qui quoi s sa sans se sera
    serai seraient serais serait seras serez seriez serions serons seront ses si
    soi soient sois soit sommes son sont soyez soyons suis sur t ta te tes toi
    ton tous tout toute toutes tres tu un une unes uns vers via voici voila vos
    votre vous y
    """.split()
)

#: Letters and digits kept in a folded word; unidecode may emit apostrophes
#: (for the Cyrillic soft sign), spaces (between Chinese syllables) or symbols.
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """ASCII, lower case, accents and ligatures folded: ``Œuvre`` → ``oeuvre``.

    Applied per word, never to the raw text, so character offsets stay those of
    the original.
    """
    if word.isascii():
        folded = word.lower()
        return folded if folded.isalnum() else _NOT_ALNUM.sub("", folded)
    return _NOT_ALNUM.sub("", unidecode(word).lower())


@lru_cache(maxsize=200_000)
def light_stem(word: str) -> str:
    """Savoy's minimal French stemmer: plural and feminine endings only.

    It merges président/présidents and iranien/iranienne/iraniens, but keeps
    words under six letters whole so short names survive (Hamas is not Hama,
    Mali is not mal), and never touches endings such as -a or -y that would
    merge Zelensky and Zelenska.  A Snowball stemmer merges all of those.
    """
    if len(word) < 6 or not word.isalpha():
        return word
    if word.endswith("x"):
        return word[:-2] + "l" if word.endswith("aux") else word[:-1]
    stem = word.removesuffix("s")
    if stem.endswith("er"):  # infinitives: parler → parle → parl; not Bachar
        stem = stem[:-1]
    for _ in range(2):  # the second e is a folded é: parlée → parl
        stem = stem.removesuffix("e")
    if stem != word and stem[-1] == stem[-2]:  # iranienne → iranienn → iranien
        stem = stem[:-1]
    return stem


def stemmed_from(stem: str) -> set[str]:
    """Every word ``light_stem`` turns into ``stem``: its plural, feminine and infinitive
    endings, a doubled last letter (iranienne), -aux for -al; checked against ``light_stem``."""
    found = {stem, stem + "x"}
    if stem.endswith("l"):
        found.add(stem[:-1] + "ux")  # généraux → général
    for doubled in {stem, stem + stem[-1:]}:
        for es in ("", "e", "ee"):
            for r in ("", "r"):
                for s in ("", "s"):
                    found.add(doubled + es + r + s)
    return {word for word in found if light_stem(word) == stem}


class ElisionFilter(Filter):
    """Drops an elided article glued to a word: ``l’Iran`` → ``Iran``, ``jusqu’à`` → ``à``.

    Straight and curly apostrophes alike; the token's ``startchar`` moves past
    the apostrophe so a highlight covers the word alone.
    """

    def __call__(self, tokens):
        for t in tokens:
            skip = _elided_length(t.text)
            if skip:
                if t.chars:
                    t.startchar += skip
                t.text = t.text[skip:]
            yield t


_ELISION = re.compile(r"^([^\W_]+)['’ʼ]")


def strip_elision(word: str) -> str:
    """``word`` without an elided prefix: ``l’Ukraine`` → ``Ukraine``."""
    return word[_elided_length(word) :]


@lru_cache(maxsize=200_000)
def _elided_length(word: str) -> int:
    """How many characters of ``word`` are an elided prefix and its apostrophe."""
    match = _ELISION.match(word)
    return match.end() if match and fold(match.group(1)) in ELIDED_PREFIXES else 0


#: Marks a name's spelling among the word terms; folded words never hold it.
SPELLING_MARK = "^"


class FoldFilter(Filter):
    """Folds accents, ligatures and case with unidecode; drops words that fold to nothing.

    Sets ``capitalised`` on each token, for ``NameSpellingFilter``, and keeps
    the folded word in ``folded``, which a query needs besides its stem.
    """

    def __call__(self, tokens):
        for t in tokens:
            t.capitalised = t.text[:1].isupper()
            t.text = t.folded = fold(t.text)
            if t.text:
                yield t


class FrenchStopFilter(Filter):
    """Drops French stop words, keeping the positions of the words around them.

    Positions are not renumbered, so the phrase ``"Conseil de sécurité"`` still
    requires ``securite`` two positions after ``conseil``.
    """

    def __call__(self, tokens):
        for t in tokens:
            if t.text not in FRENCH_STOP_WORDS:
                yield t
            elif not t.removestops:
                t.stopped = True
                yield t


class NameSpellingFilter(Filter):
    """Before each capitalised word, emits its spelling ``^folded`` at the same position.

    Only when indexing and highlighting: a query looks up the spellings of its
    words in the variant table instead.
    """

    def __call__(self, tokens):
        for t in tokens:
            if t.capitalised and t.mode != "query":
                folded = t.text
                t.text = SPELLING_MARK + folded
                yield t
                t.text = folded
            yield t


class LightStemFilter(Filter):
    """Applies ``light_stem`` to each folded word, leaving spellings whole."""

    def __call__(self, tokens):
        for t in tokens:
            if not t.text.startswith(SPELLING_MARK):
                t.text = light_stem(t.text)
            yield t


class PerWordCache(Analyzer):
    """Runs an analyzer chain once per distinct word, then replays the result.

    The chain stays the definition of the analysis; this wrapper only saves
    repeating it: in news, a word is seen a hundred times for each time it is
    new.  It is exact because every filter here looks at one word at a time,
    never at its neighbours.  The cache lives in the instance and is neither
    pickled into the index schema nor compared.
    """

    MAX_WORDS = 500_000  #: the cache is emptied when it grows past this

    def __init__(self, chain: CompositeAnalyzer) -> None:
        self.chain = chain
        self._expression = chain.items[0].expression
        self._cache: dict[tuple[str, str, bool], tuple] = {}
        self._spellings: dict[str, tuple] = {}  #: word → its name spellings, for ``spellings``
        self._indexed: dict[str, tuple[str, ...]] = {}  #: word → the terms it is indexed under, for ``positions``

    def __getstate__(self) -> dict:
        return {"chain": self.chain}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["chain"])

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.chain == self.chain

    __hash__ = None

    def _analysed(self, word: str, mode: str, removestops: bool) -> tuple:
        key = (word, mode, removestops)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) > self.MAX_WORDS:
                self._cache.clear()
            found = self._cache[key] = tuple(
                (t.text, t.startchar, t.endchar, t.folded, t.stopped)
                for t in self.chain(word, chars=True, mode=mode, removestops=removestops)
            )
        return found

    def find(self, text: str, terms) -> list[tuple[int, int, str]]:
        """(start, end, term) of every word of ``text`` that gives one of ``terms``;
        what highlighting needs, without building a token for every word.

        A word not analysed yet is first checked by ``_may_give``: in a fresh
        process (a search, a server's child) the chain would otherwise run for
        each of the thousands of distinct words of ten articles, to find a few."""
        found = []
        cache = self._cache
        openings = _openings(terms)
        for match in self._expression.finditer(text):
            word = match.group()
            analysed = cache.get((word, "index", True))
            if analysed is None:
                if not _may_give(word, openings):
                    continue
                analysed = self._analysed(word, "index", True)
            for term, start, end, _, _ in analysed:
                if term in terms:
                    found.append((match.start() + start, match.start() + end, term))
        return found

    def find_at(self, text: str, terms) -> list[tuple[int, int, int, str]]:
        """(position, start, end, term) of every word of ``text`` that gives one
        of ``terms``; positions count every word from 0, stop words too, as the index does."""
        found = []
        for position, match in enumerate(self._expression.finditer(text)):
            for term, start, end, _, _ in self._analysed(match.group(), "index", True):
                if term in terms:
                    found.append((position, match.start() + start, match.start() + end, term))
        return found

    def positions(self, text: str) -> dict[str, list[int]]:
        """Each term of ``text`` as the index writes it, with its positions, in the
        order of its first use: what Whoosh's positions format builds from the
        tokens of ``__call__`` (``whoosh_engine.WordPositions``), without a token a word."""
        found: dict[str, list[int]] = {}
        indexed = self._indexed
        for position, word in enumerate(self._expression.findall(text)):
            terms = indexed.get(word)
            if terms is None:
                if len(indexed) > self.MAX_WORDS:
                    indexed.clear()
                terms = indexed[word] = tuple(
                    t for t, _, _, _, stopped in self._analysed(word, "index", True) if not stopped
                )
            for term in terms:
                found.setdefault(term, []).append(position)
        return found

    def spellings(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, ``^spelling``) of every name of ``text`` (a capitalised word).

        Only the words with a capital at their start (or after an elided
        article: ``l’Iran``) are analysed, found from their capitals, which
        skips nine words in ten; the analysis still decides, so the spellings
        are the index's own.
        """
        found = []
        done = 0  #: where the last word analysed ends (``L’Iran`` has two capitals, ``ONU`` three)
        for capital in capitals().finditer(text):
            at = capital.start()
            if at < done:
                continue
            start = _word_start(text, at)
            if start is None:
                continue
            word = self._expression.match(text, start)
            done = word.end()
            for begin, end, term in self._names(word.group()):
                found.append((start + begin, start + end, term))
        return found

    def _names(self, word: str) -> tuple[tuple[int, int, str], ...]:
        """The ``^spelling`` terms of one word with their offsets in it (none for most words)."""
        names = self._spellings.get(word)
        if names is None:
            if len(self._spellings) > self.MAX_WORDS:
                self._spellings.clear()
            analysed = self._analysed(word, "index", True)
            names = tuple((b, e, t) for t, b, e, _, _ in analysed if t.startswith(SPELLING_MARK))
            self._spellings[word] = names
        return names

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        if not tokenize:
            yield from self.chain(value, positions=positions, chars=chars, tokenize=False, mode=mode, **kwargs)
            return
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, match in enumerate(self._expression.finditer(value), start_pos):
            offset = start_char + match.start()
            for text, start, end, folded, stopped in self._analysed(match.group(), mode, removestops):
                t.text, t.folded, t.stopped, t.boost = text, folded, stopped, 1.0
                if keeporiginal:
                    t.original = text
                t.pos = pos
                t.startchar, t.endchar = offset + start, offset + end
                yield t


@lru_cache(maxsize=1)
def capitals() -> re.Pattern:
    """A capital letter of the Basic Multilingual Plane: made when first needed (7 ms), not at import."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in range(0x10000) if chr(c).isupper()) + "]")


_APOSTROPHES = "'’ʼ"
_IN_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])")


def _word_start(text: str, capital: int) -> int | None:
    """Where the word holding the capital at ``capital`` starts, when the
    capital opens it or follows its elided article (``l’Iran``); None when the
    capital is inside a word (``McDonald``) or after a second apostrophe."""
    if capital == 0:
        return 0
    before = text[capital - 1]
    if before not in _APOSTROPHES:
        return None if _IN_WORD.match(before) else capital
    start = capital - 1
    while start > 0 and _IN_WORD.match(text[start - 1]):
        start -= 1
    if start == capital - 1:
        return capital  # no word before the apostrophe: a quote, not an elision
    return None if start > 0 and text[start - 1] in _APOSTROPHES else start


def _openings(terms) -> tuple[frozenset[str], frozenset[str]]:
    """The first two letters of ``terms`` (a name's spelling without its ``^``), and the terms of one letter."""
    bare = [term.removeprefix(SPELLING_MARK) for term in terms]
    return frozenset(b[:2] for b in bare if len(b) > 1), frozenset(b for b in bare if len(b) == 1)


def _may_give(word: str, openings: tuple[frozenset[str], frozenset[str]]) -> bool:
    """Whether ``word`` may give a term of ``openings`` (``_openings``).  False is
    certain: the chain gives a word's terms from its folded form without its
    elided article, as that form's spelling (``^`` + the form) or its
    ``light_stem``, which drops endings only (-aux becomes -al) and keeps the
    first letter at least, so a term opens with the form's first two letters,
    or is the form's first letter alone."""
    form = fold(strip_elision(word))
    two, one = openings
    return form[:2] in two or form[:1] in one


def word_analyzer() -> PerWordCache:
    """The analyzer of the ``title`` and ``body`` fields, of queries and of highlights."""
    return PerWordCache(
        RegexTokenizer(WORD_PATTERN)
        | ElisionFilter()
        | FoldFilter()
        | FrenchStopFilter()
        | NameSpellingFilter()
        | LightStemFilter()
    )


#: The one analyzer of queries and highlights (the index schema pickles its own).
WORDS = word_analyzer()


@dataclass(frozen=True)
class QueryTerm:
    """A word of a query text, as the index holds it."""

    stem: str  #: the term its articles are indexed under
    folded: str  #: folded, not stemmed: a name's spelling without the mark
    pos: int  #: its position in the text, stop words counted


def query_terms(text: str) -> list[QueryTerm]:
    """The terms of a query word or phrase: what matching, explanations and suggestions look up."""
    return [QueryTerm(t.text, t.folded, t.pos) for t in WORDS(text, positions=True, mode="query")]
