"""Finding matched words in the original text and cutting snippets around them.

Matching re-runs the index's own analyzers over the stored text, so a word is
highlighted exactly when the index matched it, whichever spelling, accents or
elision it was written with.  The whole text is analysed (Whoosh's highlighter
stops at 32 KiB), so matches deep in long articles are found too.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection

from .analysis import WORD_PATTERN, WORDS, strip_elision
from .models import Snippet, Span

_SENTENCE_END = re.compile(r"[.!?…»]\s+|\n")
_WORD = re.compile(WORD_PATTERN)


def matched_words(text: str, terms: Collection[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) for each word of ``text`` that gives one of ``terms``
    (a stem, or a name's ``^spelling``); a name can appear twice, once a term."""
    if not terms:
        return []
    return WORDS.find(text, terms)


def matched_spans(text: str, terms: Collection[str]) -> list[Span]:
    """Character spans of the words of ``text`` that give one of ``terms``."""
    return sorted({(start, end) for start, end, _ in matched_words(text, terms)})


def word_chars(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word of ``text`` by position, as the index counts them
    (stop words too); an elided article (``l’``) is left out, as highlights leave it."""
    found = []
    for match in _WORD.finditer(text):
        word = match.group()
        found.append((match.start() + len(word) - len(strip_elision(word)), match.end()))
    return found


def spans_at(
    text: str, positions: Collection[tuple[int, int]], words: list[tuple[int, int]] | None = None
) -> list[Span]:
    """Character spans of the words of ``text`` from each (first, last) position
    pair: what a proximity, a count or ``lead:`` matched."""
    words = word_chars(text) if words is None else words
    found = {
        (words[first][0], words[min(last, len(words) - 1)][1]) for first, last in positions if 0 <= first < len(words)
    }
    return sorted(found)


def merged(spans: Collection[Span]) -> list[Span]:
    """``spans`` sorted, those that overlap joined into one."""
    found: list[Span] = []
    for start, end in sorted(spans):
        if found and start < found[-1][1]:
            found[-1] = (found[-1][0], max(end, found[-1][1]))
        else:
            found.append((start, end))
    return found


def make_snippets(text: str, spans: list[Span], count: int = 3, width: int = 220) -> list[Snippet]:
    """Up to ``count`` passages of about ``width`` characters, in text order, chosen
    for the most distinct matched words; the lead of the text when nothing matched."""
    if not text:
        return []
    if not spans:
        start, end = 0, _word_end(text, min(len(text), width))
        return [Snippet(start, end, text[start:end], ())]
    windows = []
    starts = [start for start, _ in spans]
    for anchor, anchor_end in spans:
        start = _window_start(text, anchor)
        # Never cut before the anchor's end, even inside a long URL with no space.
        end = max(_word_end(text, min(len(text), start + width)), anchor_end)
        inside = [s for s in spans[bisect_left(starts, start) : bisect_right(starts, end)] if s[1] <= end]
        distinct = len({text[s:e].casefold() for s, e in inside})
        windows.append((distinct, len(inside), -start, start, end, tuple(inside)))
    windows.sort(reverse=True)
    chosen: list[tuple[int, int, tuple[Span, ...]]] = []
    for *_, start, end, inside in windows:
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, inside))
            if len(chosen) == count:
                break
    return [Snippet(s, e, text[s:e], inside) for s, e, inside in sorted(chosen)]


def _window_start(text: str, anchor: int, lead: int = 70) -> int:
    """Where a passage showing the match at ``anchor`` begins: at a sentence start
    when one is near, else at a word start about ``lead`` characters before."""
    floor = max(0, anchor - lead)
    sentence = None
    for match in _SENTENCE_END.finditer(text, floor, anchor):
        sentence = match.end()
    if sentence is not None:
        return sentence
    if floor == 0:
        return 0
    space = text.find(" ", floor, anchor)
    return space + 1 if space >= 0 else floor


def _word_end(text: str, end: int) -> int:
    """``end`` moved back to the end of a whole word."""
    if end >= len(text) or not text[end].isalnum():
        return end
    space = text.rfind(" ", 0, end)
    return space if space > 0 else end
