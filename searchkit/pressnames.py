"""Names as the press writes them: ``Marine Le Pen``, ``Jean-Luc Mélenchon``, ``New York``, one name each.

A name is a run of capitalised words (the index's own name spellings,
``WORDS.spellings``) written one after the other:

- words joined by a hyphen are one word (``Jean-Luc``, ``États-Unis``,
  ``Charles-de-Gaulle``, ``Kim Jong-un``);
- particles may stand inside a name: a capitalised article (``Marine Le Pen``,
  ``Bruno Le Maire``), a foreign particle (``Ursula von der Leyen``,
  ``Oussama ben Laden``, ``Bachar al-Assad``, ``Lula da Silva``), and the
  French ``de``/``du``/``des``/``d’`` (``Charles de Gaulle``, ``Valéry Giscard
  d’Estaing``), except after an article (``la Russie de Poutine``: two names);
- a capitalised particle just before a name belongs to it (``Le Pen``, ``Al-Qaida``);
- a title before a name is not part of it (``M.``, ``Mme``, ``Dr``, ``Mgr``);
- a capital at the start of a sentence is no evidence: a sentence-initial
  word is kept only when the index holds it as a name (capitalised in most
  of its articles: ``Selon`` is not, ``Macron`` is) or the same text writes
  it capitalised mid-sentence; a sentence-initial ``Le``/``La`` likewise.

Each name gets a key: its words' name keys (``searchkit.names.keys``: the
transliterations of a word fold together, ``Choïgou``/``Shoigu``), particles
folded, joined by spaces.  ``Sergueï Choïgou`` and ``Sergei Shoigu`` share one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from unidecode import unidecode

from .analysis import SPELLING_MARK, WORDS
from .names.keys import name_key

#: Capitalised particles that stand inside a name, or just before one (``Le Pen``).
CAPITAL_PARTICLES = frozenset(
    "Le La Les De Du Des Da Di Do Dos Del Della Van Von Der Den Ter Al El Ben Bin Ibn Abu Ould".split()
)
#: Lower-case particles of other languages, inside a name only.
FOREIGN_PARTICLES = frozenset("von van der den ter zu bin ben ibn al el di da do dos das del della".split())
#: French particles: inside a name unless the name follows an article (``la Russie de Poutine``).
FRENCH_PARTICLES = frozenset(("de", "du", "des"))
#: Place names' hyphenated particles: ``Charles-de-Gaulle``, ``Boulogne-sur-Mer``.
_HYPHENATED = re.compile(r"-(?:de|du|des|sur|sous|le|la|les|lès|en|et|aux?|d[’'])-")
#: Titles written before a name, never part of it (folded, without their dot).
TITLES = frozenset("m mm mme mmes mlle mlles mgr dr pr me sir lord".split())
#: Words that are no name on their own, as particles folded.
PARTICLE_KEYS = frozenset(p.lower() for p in CAPITAL_PARTICLES) | FOREIGN_PARTICLES | {"d", "la", "le"}
#: Articles written capitalised: before a name at the start of a sentence, only when seen mid-sentence there too.
_ARTICLES = frozenset(("Le", "La", "Les"))

_APOSTROPHES = "’'"
_SPACES = " \u00a0\u202f"
#: What ends a sentence before a word (quotes and dashes skipped): the next capital is no evidence.
_SENTENCE_END = re.compile(r"(?:[.!?…:;\n]|«|—|–|\(|\"|“)[\s«»\"“”'’()—–-]*$")
#: A lower-case article just before a name: ``de`` after it does not join (``la Russie de Poutine``).
_ARTICLE_BEFORE = re.compile(r"(?:^|[\s(«“\"])(?:[Ll]a|[Ll]e|[Ll]es|[Ll][’']|[Dd]u|[Aa]ux?|[Dd]es)[ \u00a0\u202f]*$")
#: A capitalised particle just before a name: ``Le Pen``, ``Al-Assad``.
_LEAD = re.compile(r"(?:^|(?<=[\s(«“\"]))(?:([A-Z][a-z]{1,3})[ \u00a0\u202f]|([AE]l)-)$")
_GAP_SPLIT = re.compile(r"[\s\u00a0\u202f-]+")
_SPACE_RUN = re.compile(r"[\s\u00a0\u202f]+")
#: A word's lower-case hyphenated tail (``Jong-un``) is part of it.
_LOWER_TAIL = re.compile(r"-[a-zà-ÿ]{1,6}(?![\w-])")


@dataclass(frozen=True)
class PressName:
    """A person's name as a text writes it, with where it stands."""

    written: str  #: as the text writes it, particles in: ``Marine Le Pen``
    key: str  #: its words' name keys and its particles, folded, joined by spaces: ``marine le pen``
    start: int
    end: int
    #: undecided (``press_names`` with no ``is_name``): the key of a sentence-initial first word
    #: not seen mid-sentence in the text, and the name without that word (None: there is none)
    doubtful: str | None = None
    rest: PressName | None = None
    doubtful_spellings: tuple[str, ...] = ()  #: the doubtful word's folded spellings, for ``is_name``

    @property
    def words(self) -> tuple[str, ...]:
        """Its key's words, particles out: ``marine le pen`` → (marine, pen)."""
        return key_words(self.key)


def key_words(key: str) -> tuple[str, ...]:
    """A name key's words, particles out: ``charles de gaulle`` → (charles, gaulle)."""
    return tuple(w for w in key.split(" ") if w not in PARTICLE_KEYS)


@dataclass
class _Word:
    """A capitalised word of a text, with the name keys and spellings of its hyphenated parts."""

    start: int
    end: int
    keys: list[str]  #: name keys of its hyphenated parts
    folded: list[str]  #: folded spellings of those parts

    @property
    def key(self) -> str:
        return "-".join(self.keys)


@lru_cache(maxsize=4096)
def _fold(word: str) -> str:
    return unidecode(word).lower().strip(_APOSTROPHES + "-")


@lru_cache(maxsize=4096)
def _particles(gap: str) -> tuple[str, ...]:
    """The particles of the text between two words of a name, folded: `` Le `` → (le,)."""
    return tuple(bare for particle in _GAP_SPLIT.split(gap) if (bare := _fold(particle)))


def _words(text: str) -> list[_Word]:
    """The capitalised words of ``text``, hyphenated ones joined (``Jean-Luc``, ``Jong-un``)."""
    found: list[_Word] = []
    for start, end, spelling in WORDS.spellings(text):
        folded = spelling[len(SPELLING_MARK) :]
        if found and start >= found[-1].end and text[found[-1].end : start] == "-":
            found[-1].end = end
            found[-1].keys.append(name_key(folded))
            found[-1].folded.append(folded)
        elif found and start < found[-1].end:
            continue  # inside a lower-case tail already taken
        else:
            found.append(_Word(start, end, [name_key(folded)], [folded]))
        tail = _LOWER_TAIL.match(text, found[-1].end)
        if tail:
            found[-1].end = tail.end()
            found[-1].keys.append(_fold(tail.group()))
    return found


_OPENERS = _SPACES + "«“\"'(—–-"


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 12) : start]
    if _SENTENCE_END.search(before) is not None:
        return True
    return not before.strip(_OPENERS) and not text[:start].strip(_OPENERS)  # the text's first word


def press_names(text: str, is_name: Callable[[str], bool] | None, evidence: set[str] | None = None) -> list[PressName]:
    """The names of ``text`` in order, as the press writes them (see the module).

    ``is_name(folded spelling)`` says whether the index holds a word as a name:
    a sentence-initial word not written mid-sentence in ``text`` is kept when it
    does.  With ``is_name`` None, such a name is returned undecided
    (``PressName.doubtful`` and ``rest``), for the caller to decide with the
    evidence of many texts (``decided``), which ``evidence`` gathers: the keys of the
    words ``text`` writes capitalised mid-sentence are added to it."""
    words = _words(text)
    initial = {w.start: _sentence_initial(text, w.start) for w in words}
    runs: list[list[_Word]] = []
    for word in words:
        if runs and _joins(text, text[runs[-1][-1].end : word.start], runs[-1][0].start):
            runs[-1].append(word)
        else:
            runs.append([word])
    # Mid-sentence capitals are evidence: a sentence-initial word written mid-sentence elsewhere is a name.
    seen = {w.key for w in words if not initial[w.start]}
    if evidence is not None:
        evidence |= seen
    kept: list[tuple[list[_Word], _Word | None]] = []  #: (words, the doubtful first word)
    for run in runs:
        while run and len(run[0].keys) == 1 and run[0].keys[0] in TITLES:
            run = run[1:]
        doubtful = None
        if run and initial[run[0].start] and run[0].key not in seen:
            if is_name is None:
                doubtful = run[0]
            elif not all(is_name(f) for f in run[0].folded):
                run = run[1:]
        if run:
            kept.append((run, doubtful))
    placed = [(_placed(text, run), doubtful) for run, doubtful in kept]
    # ``Le Pen`` at the start of a sentence when ``Le Pen`` is written mid-sentence too; ``La Commission`` not.
    suffixes = set()
    for (_, _, tentative, key), _ in placed:
        if not tentative:
            parts = key.split(" ")
            suffixes.update(" ".join(parts[i:]) for i in range(len(parts)))
    found = []
    for (run, start, tentative, key), doubtful in placed:
        name = _name(text, run, start, tentative, key, suffixes)
        if doubtful is not None:
            rest = _name(text, *_placed(text, run[1:]), suffixes) if len(run) > 1 else None
            name = PressName(name.written, name.key, name.start, name.end, doubtful.key, rest, tuple(doubtful.folded))
        found.append(name)
    return found


def decided(names: list[PressName], known: set[str], is_name: Callable[[str], bool]) -> list[PressName]:
    """``names`` from ``press_names(text, None)``, each doubtful first word kept when
    ``known`` (the words seen capitalised mid-sentence in the texts read) holds it, or,
    heading a longer name (``Emmanuel Macron`` opening a sentence), when the index holds
    it as a name (``is_name(folded spelling)``): asked only then, it reads the index."""
    found = []
    for name in names:
        if name.doubtful is None or name.doubtful in known:
            found.append(name)
        elif name.rest is not None:
            found.append(name if all(is_name(f) for f in name.doubtful_spellings) else name.rest)
    return found


def _placed(text: str, run: list[_Word]) -> tuple[list[_Word], int, bool, str]:
    """``run`` with where it starts (a capitalised particle before it included: ``Le Pen``),
    whether that start is a sentence-initial article (``La Commission``), and its key."""
    start, tentative = run[0].start, False
    lead = _LEAD.search(text, max(0, start - 5), start)
    if lead and (lead.group(1) in CAPITAL_PARTICLES or lead.group(2)):
        tentative = lead.group(1) in _ARTICLES and _sentence_initial(text, lead.start())
        start = lead.start()
    return run, start, tentative, _key(text, run, start)


def _name(text: str, run: list[_Word], start: int, tentative: bool, key: str, suffixes: set[str]) -> PressName:
    if tentative and key not in suffixes:
        start = run[0].start
        key = _key(text, run, start)
    return PressName(_SPACE_RUN.sub(" ", text[start : run[-1].end]), key, start, run[-1].end)


def _suffix(key: str, i: int) -> str:
    return " ".join(key.split(" ")[i:])


def _joins(text: str, gap: str, run_start: int) -> bool:
    """Whether ``gap`` (a space, or particles) joins two capitalised words into one name."""
    if not gap or len(gap) > 24:
        return False
    if not gap.strip(_SPACES):
        return len(gap) == 1
    if gap[0] == "-":
        return _HYPHENATED.fullmatch(gap) is not None
    if gap[0] not in _SPACES or re.search(r"[^\w’'\- \u00a0\u202f]", gap):
        return False
    particles = gap.strip(_SPACES).split()
    if gap[-1] not in _SPACES + _APOSTROPHES + "-":
        return False
    french = False
    for i, particle in enumerate(particles):
        if particle[-1] in _APOSTROPHES:
            if particle[:-1] != "d" or i != len(particles) - 1:
                return False
            french = True
        elif particle[-1] == "-":
            if particle[:-1].lower() not in ("al", "el") or i != len(particles) - 1:
                return False
        elif particle in FRENCH_PARTICLES:
            french = True
        elif particle in ("la", "le") and i and particles[i - 1] == "de":
            continue
        elif particle not in CAPITAL_PARTICLES and particle not in FOREIGN_PARTICLES:
            return False
    return not (french and _ARTICLE_BEFORE.search(text, max(0, run_start - 8), run_start))


def _key(text: str, run: list[_Word], start: int) -> str:
    """``Marine Le Pen`` → ``marine le pen``: particles folded and the words' name keys, in order."""
    keys: list[str] = []
    at = start
    for word in run:
        if word.start - at > 1:  # more than a space: particles
            keys.extend(_particles(text[at : word.start]))
        keys.append(word.key)
        at = word.end
    return " ".join(keys)
