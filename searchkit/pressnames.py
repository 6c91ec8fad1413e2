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
_ARTICLE_BEFORE = re.compile(r"(?:^|[\s(«“\"])(?:la|le|les|l[’']|du|au|aux|des|en|à)[ \u00a0\u202f]*$")
#: A capitalised particle just before a name: ``Le Pen``, ``Al-Assad``.
_LEAD = re.compile(r"(?:^|(?<=[\s(«“\"]))(?:([A-Z][a-z]{1,3})[ \u00a0\u202f]|([AE]l)-)$")
_SPACE_RUN = re.compile(r"[\s\u00a0\u202f]+")
#: A word's lower-case hyphenated tail (``Jong-un``) is part of it.
_LOWER_TAIL = re.compile(r"-[a-zà-ÿ]{1,6}(?![\w-])")


@dataclass(frozen=True)
class PressName:
    written: str  #: as the text writes it, particles in: ``Marine Le Pen``
    key: str  #: its words' name keys and its particles, folded, joined by spaces: ``marine le pen``
    start: int
    end: int

    @property
    def words(self) -> tuple[str, ...]:
        """Its key's words, particles out: ``marine le pen`` → (marine, pen)."""
        return key_words(self.key)


def key_words(key: str) -> tuple[str, ...]:
    """A name key's words, particles out: ``charles de gaulle`` → (charles, gaulle)."""
    return tuple(w for w in key.split(" ") if w not in PARTICLE_KEYS)


@dataclass
class _Word:
    start: int
    end: int
    keys: list[str]  #: name keys of its hyphenated parts
    folded: list[str]  #: folded spellings of those parts

    @property
    def key(self) -> str:
        return "-".join(self.keys)


def _fold(word: str) -> str:
    return unidecode(word).lower().strip(_APOSTROPHES + "-")


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


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 12) : start]
    return not text[:start].strip(_SPACES + "«“\"'(—–-") or _SENTENCE_END.search(before) is not None


def press_names(text: str, is_name: Callable[[str], bool]) -> list[PressName]:
    """The names of ``text`` in order, as the press writes them (see the module).
    ``is_name(folded spelling)`` says whether the index holds a word as a name."""
    runs: list[list[_Word]] = []
    for word in _words(text):
        if runs and _joins(text, text[runs[-1][-1].end : word.start], runs[-1][0].start):
            runs[-1].append(word)
        else:
            runs.append([word])
    # Mid-sentence capitals are evidence: a sentence-initial word written mid-sentence elsewhere is a name.
    seen = {w.key for run in runs for w in run if not _sentence_initial(text, w.start)}
    kept: list[tuple[list[_Word], int, bool]] = []  #: (words, start, whether an initial article leads)
    for run in runs:
        while run and (
            (len(run[0].keys) == 1 and run[0].keys[0] in TITLES)
            or (
                _sentence_initial(text, run[0].start)
                and run[0].key not in seen
                and not all(is_name(f) for f in run[0].folded)
            )
        ):
            run = run[1:]
        if not run:
            continue
        start, tentative = run[0].start, False
        lead = _LEAD.search(text, max(0, start - 5), start)
        if lead and (lead.group(1) in CAPITAL_PARTICLES or lead.group(2)):
            tentative = lead.group(1) in _ARTICLES and _sentence_initial(text, lead.start())
            start = lead.start()
        kept.append((run, start, tentative))
    # ``Le Pen`` at the start of a sentence when ``Le Pen`` is written mid-sentence too; ``La Commission`` not.
    suffixes = {
        _suffix(_key(text, run, start), i)
        for run, start, tentative in kept
        if not tentative
        for i in range(len(run) + 2)
    }
    found = []
    for run, start, tentative in kept:
        if tentative and _key(text, run, start) not in suffixes:
            start = run[0].start
        written = _SPACE_RUN.sub(" ", text[start : run[-1].end])
        found.append(PressName(written, _key(text, run, start), start, run[-1].end))
    return found


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
        between = re.split(r"[\s\u00a0\u202f-]+", text[at : word.start])
        keys.extend(bare for particle in between if (bare := _fold(particle)))
        keys.append(word.key)
        at = word.end
    return " ".join(keys)
