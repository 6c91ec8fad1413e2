"""Name keys: the transliteration rules that give the spellings of one foreign name one key.

Rules, not a list of names, so names never seen before fold the same way
(Choïgou, Choïgu, Shoigu → ``choigu``); a short exonym table supplements them
for the few names no rule reaches.  A shared key only *proposes* that two
spellings are one name: ``searchkit.names.decision`` decides it from the
articles.  ``skeleton`` and ``learning.edit_distance`` propose what the keys miss.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

#: Names that no transliteration rule reaches: exonyms (a place whose French
#: name changed spelling, Kiev → Kyiv, or whose English, local or historical
#: name differs from the French in more than transliteration) and the
#: romanisations of Mohammed, whose vowels differ (merging vowels would merge
#: Khamenei and Khomeini).  Maps a folded spelling to a folded spelling of the
#: other name; rules apply after.  Only places with one referent: not Moskva
#: (the cruiser sunk in 2022), Stalingrad (the battle), Hollande or Canton, nor
#: names mostly written in those of teams and institutions (Astana Qazaqstan,
#: the London School of Economics, the Geneva Center for Security Policy).
NAME_ALIASES = {
    # Ukrainian places: the Russian spelling (g for the Ukrainian h, i for y) beside the Ukrainian
    "kiev": "kyiv",
    "kharkov": "kharkiv",
    "lougansk": "louhansk",
    "lugansk": "louhansk",
    "nikolaiev": "mykolaiv",
    "tchernigov": "tchernihiv",
    "lvov": "lviv",
    "lemberg": "lviv",
    "energodar": "enerhodar",
    "zaporojie": "zaporijia",
    "zaporozhye": "zaporijia",
    "dniepropetrovsk": "dnipro",
    "dnipropetrovsk": "dnipro",
    "artemovsk": "bakhmout",
    "artiomovsk": "bakhmout",
    "kirovograd": "kropyvnytskyi",
    "kirovohrad": "kropyvnytskyi",
    "rovno": "rivne",
    "vinnitsa": "vinnytsia",
    "krementchoug": "krementchouk",
    "kremenchug": "krementchouk",
    "slaviansk": "sloviansk",
    "slavyansk": "sloviansk",
    "oujgorod": "oujhorod",
    "uzhgorod": "oujhorod",
    "sebastopol": "sevastopol",
    "crimea": "crimee",
    # renamed, historical and local names of one place
    "kichinev": "chisinau",
    "dantzig": "gdansk",
    "danzig": "gdansk",
    "breslau": "wroclaw",
    "rangoun": "yangon",
    "rangoon": "yangon",
    "bombay": "mumbai",
    "madras": "chennai",
    "calcutta": "kolkata",
    "benares": "varanasi",
    "nankin": "nanjing",
    "makale": "mekele",
    "ndjamena": "djamena",
    "khouzestan": "khouzistan",
    "swaziland": "eswatini",
    "turkiye": "turquie",
    "czechia": "tchequie",
    "moldova": "moldavie",
    "kyrgyzstan": "kirghizistan",
    "kirghizstan": "kirghizistan",
    "chechnya": "tchetchenie",
    # English (or the country's own) names of places beside the French
    "moscow": "moscou",
    "beijing": "pekin",
    "belarus": "bielorussie",
    "myanmar": "birmanie",
    "bahrain": "bahrein",
    "greenland": "groenland",
    "tehran": "teheran",
    "beirut": "beyrouth",
    "damascus": "damas",
    "algiers": "alger",
    "punjab": "pendjab",
    "kashmir": "cachemire",
    "warsaw": "varsovie",
    "warszawa": "varsovie",
    "praha": "prague",
    "koln": "cologne",
    # romanisations of Mohammed
    "mohammad": "mohamed",
    "mohamad": "mohamed",
    "muhammad": "mohamed",
    "muhammed": "mohamed",
}

# Transliteration rules, applied in order to a folded word.  French and English
# spell the same foreign sounds differently; each rule maps both spellings to
# one: English sh and French ch, English ch and French tch, English zh and
# French j, English j and French dj, English u and French ou, y and i, and so on.
_LETTER_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"x", "ks"),  # Alexeï, Aleksei
        (r"w", "v"),  # Wolodymyr, Volodymyr
        (r"ph", "f"),
        (r"dzh|dj", "j"),  # Azerbaïdjan, Azerbaijan
        (r"zh", "j"),  # Prigozhin, Prigojine
        (r"tch", "ch"),  # Gorbatchev, Gorbachev
        (r"sh", "ch"),  # Shoigu, Choïgou
        (r"gh", "g"),  # Ouïghours, Ouïgours
        (r"ou", "u"),  # Choïgou, Choigu
        (r"ee", "i"),  # Jazeera, Jazira
        (r"gu(?=[eiy])", "g"),  # Sergueï, Sergei
        (r"y", "i"),  # Zelensky, Zelenski
        (r"ii+", "i"),  # Raïssi's doubled i, and Aliyev's y beside an i (Aliev), before the ie rules
        (r"^ie", "e"),  # Yevgeny, Evgueni (a Russian initial Е)
        (r"(?<=[^aeiou])ie(?=[^aeiou])", "e"),  # Sievierodonetsk, Severodonetsk
        (r"ck|q", "k"),
    )
)
#: The rules, applied last, that rewrite a name's ending: ``spelled_alike`` leaves them out.
_ENDING_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"([^aeiou])\1+", r"\1"),  # doubled consonants: Raïssi, Zelenskyy; doubled vowels stay: Shaanxi
        (r"(?<=[aeiou])h$", ""),  # silent final h: Jeddah, Djedda
        (r"(?<=...[^aeiou])e$", ""),  # silent final e: Poutine, Putin
    )
)
_NAME_RULES = _LETTER_RULES + _ENDING_RULES


@lru_cache(maxsize=200_000)
def name_key(folded: str) -> str:
    """The key shared by the transliterations of a name: ``choigou`` → ``choigu``.

    Rules, not a list of names, so names never seen before fold the same way;
    applied to a folded word, and only ever compared with other keys;
    ``NAME_ALIASES`` supplements them for the few names no rule can reach.
    """
    known = _KNOWN.get(folded)
    return known if known is not None else rule_key(NAME_ALIASES.get(folded, folded))


def spellings_by_key(spellings: Iterable[str]) -> dict[str, list[str]]:
    """Name key → its spellings among ``spellings``, in their order: grouped once a run for
    the variant table, learning and proposing alike (each pass over the 92,000 spellings of
    300,000 articles takes a tenth of a second)."""
    by_key: dict[str, list[str]] = {}
    known = _KNOWN  # name_key's first look-up, inlined: a third of the pass
    for spelling in spellings:
        key = known.get(spelling)
        by_key.setdefault(name_key(spelling) if key is None else key, []).append(spelling)
    return by_key


#: Keys computed before, by these rules (``know_keys``): the rules cost some twenty regular
#: expressions a spelling, and an update meets the same 100,000 spellings again.
_KNOWN: dict[str, str] = {}


#: The skeletons of keys computed before (``know_keys``).
_SHAPES: dict[str, str] = {}


def know_keys(known: list[tuple[str, str, str]]) -> None:
    """Takes the keys and skeletons of ``known`` (spelling, its key, the key's skeleton) as
    computed: they were, by rules of the same ``key_rules`` digest (``searchkit.names.table``
    keeps them with the table)."""
    for spelling, key, shape in known:
        _KNOWN[spelling] = key
        _SHAPES[key] = shape


@lru_cache(maxsize=200_000)
def rule_key(folded: str) -> str:
    """``name_key`` by the transliteration rules alone, ``NAME_ALIASES`` left out:
    tells a spelling the rules reach from one only the table reaches."""
    key = folded
    for pattern, replacement in _NAME_RULES:
        key = pattern.sub(replacement, key)
    return key


def spelled_alike(folded: str) -> str:
    """``folded`` transliterated as ``rule_key`` does, its ending left as written: Mishelle
    reads michelle, which an ending tells from Michel (``endings.gendered``)."""
    for pattern, replacement in _LETTER_RULES:
        folded = pattern.sub(replacement, folded)
    return folded


@lru_cache(maxsize=1)
def key_rules() -> str:
    """What the keys and skeletons of spellings depend on: keys kept with a table of another
    digest are computed again."""
    import hashlib

    rules = [(pattern.pattern, replacement) for pattern, replacement in _NAME_RULES]
    shape = (skeleton.__code__.co_code, skeleton.__code__.co_consts)
    return hashlib.sha256(repr((rules, sorted(NAME_ALIASES.items()), shape)).encode()).hexdigest()[:16]


def key_edits(one: str, other: str, most: int) -> int:
    """How many edits (Levenshtein) apart the name keys of spellings ``one`` and ``other`` lie,
    counted up to ``most`` (``most + 1``: farther)."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(name_key(one), name_key(other), score_cutoff=most)


def skeleton(key: str) -> str:
    """A name key's consonants, read coarsely: ``kadhafi`` and ``gadafi`` → ``kdf``, ``zavahiri`` → ``svr``."""
    known = _SHAPES.get(key)
    if known is not None:
        return known
    reduced = re.sub(r"[cqg]", "k", key).replace("z", "s")
    reduced = re.sub(r"[aeiouyhw]", "", reduced)
    return re.sub(r"(.)\1+", r"\1", reduced)
