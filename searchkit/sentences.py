"""Sentences and paragraphs of an article, as word positions: what ``NEAR/s``, ``NEAR/p`` and ``lead:`` check.

Positions are those of the index: every word of a field counted from 0, stop
words too (``analysis.WORD_PATTERN``).  Positions are never renumbered at a
boundary, so word distances stay true; instead each article keeps, beside its
words, the position where each of its sentences and paragraphs starts
(``encode``), and an operator checks the positions it matched against them.

A sentence ends at ``.``, ``?``, ``!`` or ``…`` followed by a space (closing
quotes and brackets may come between), and at a line break.  A full stop does
not end one after an abbreviation (``M.``, ``Mme``, ``Dr``…), an initial
(``J.-L. Mélenchon``), nor when the next word starts in lower case; a decimal
(``3.5``) has no space after its point.  A paragraph ends at a line break.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import ClassVar

from .analysis import WORD_PATTERN

_WORD = re.compile(WORD_PATTERN)
#: Punctuation that may end a sentence, closing quotes or brackets after it, then a space.
_END = re.compile(r"(\.\.\.|[.?!…])[\s\u00a0\u202f]*[»”\")\]]?(?=[\s\u00a0\u202f])")
_LINE = re.compile(r"\n")
_PARAGRAPH = re.compile(r"\n[\s\u00a0\u202f]*")
#: Words (folded to lower case) after which a full stop abbreviates rather than ends.
ABBREVIATIONS = frozenset(
    """m mm mme mmes mlle mlles dr drs pr me mgr st ste cf etc av apr jc vol art al ex env min max
    no nos p pp chap fig gén gal col cdt lt sgt cap adj dir sen rép hab km
    """.split()
)
_NEXT = re.compile(r"[\s\u00a0\u202f]*(\S)")
_LONGEST_WORD = 100  #: an abbreviation or an initial is far shorter


def _ends(text: str) -> list[int]:
    """Character offsets where a sentence ends (just past its punctuation)."""
    found = [m.start() for m in _LINE.finditer(text)]
    for match in _END.finditer(text):
        after = _NEXT.match(text, match.end())
        if after is not None and after.group(1).islower():
            continue  # « Pourquoi ? » a-t-il demandé ; environ 3 km. et
        if match.group(1) == ".":
            letters = _word_before(text, match.start())
            if letters.lower() in ABBREVIATIONS or (len(letters) == 1 and letters.isupper()):
                continue  # M. Macron, Mme Borne, J.-L. Mélenchon
        found.append(match.end())
    return sorted(found)


def _word_before(text: str, end: int) -> str:
    """The letters (``WORD_PATTERN``'s, apostrophes apart) just before ``end``, at most
    ``_LONGEST_WORD`` of them: read backwards, where a regular expression searching the
    characters before ``end`` tried each start in turn (a fifth of the sentence scan)."""
    start = end
    while start > 0 and end - start < _LONGEST_WORD and _in_word(text[start - 1]):
        start -= 1
    return text[start:end]


def _in_word(char: str) -> bool:
    return char.isalnum() or "\u0300" <= char <= "\u036f"


def _starts(text: str, ends: list[int], words: list[int]) -> list[int]:
    """The positions of the first word after each end, ascending, none at 0 or past the last word."""
    starts = sorted({bisect_left(words, end) for end in ends})
    return [s for s in starts if 0 < s < len(words)]


def boundaries(text: str) -> tuple[list[int], list[int]]:
    """(sentence starts, paragraph starts) of ``text``: the position of the first
    word of each sentence and paragraph but the first."""
    words = [m.start() for m in _WORD.finditer(text)]
    paragraphs = _starts(text, [m.start() for m in _PARAGRAPH.finditer(text)], words)
    return _starts(text, _ends(text), words), paragraphs


def encode(title: str, body: str) -> bytes:
    """The sentence and paragraph starts of an article, as the index stores them:
    ``title sentences;body sentences;body paragraphs``, each a comma-separated list."""
    title_sentences, _ = boundaries(title)
    sentences, paragraphs = boundaries(body)
    return ";".join(",".join(map(str, starts)) for starts in (title_sentences, sentences, paragraphs)).encode()


class Structure:
    """An article's sentences and paragraphs, decoded from ``encode``'s bytes."""

    _PARTS: ClassVar[dict[tuple[str, str], int]] = {
        ("title", "sentence"): 0,
        ("body", "sentence"): 1,
        ("body", "paragraph"): 2,
    }

    def __init__(self, data: bytes | None) -> None:
        self._parts = (data or b"").split(b";")
        self._starts: dict[tuple[str, str], list[int]] = {("title", "paragraph"): []}  # a title is one paragraph

    def starts(self, field: str, unit: str) -> list[int]:
        """Where each sentence or paragraph of ``field`` but the first starts; decoded when first asked."""
        found = self._starts.get((field, unit))
        if found is None:
            at = self._PARTS[(field, unit)]
            part = self._parts[at] if at < len(self._parts) else b""
            found = self._starts[(field, unit)] = [int(p) for p in part.split(b",") if p]
        return found

    def unit(self, field: str, unit: str, position: int) -> int:
        """Which sentence or paragraph (counted from 0) of ``field`` holds ``position``."""
        return bisect_right(self.starts(field, unit), position)

    def lead_end(self) -> int | None:
        """The position of the body's second paragraph's first word; None when it has one paragraph."""
        paragraphs = self.starts("body", "paragraph")
        return paragraphs[0] if paragraphs else None
