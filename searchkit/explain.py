"""Why a hit matched: which query word matched which words of the article, how, and for how much score.

Each query word (or phrase) is one *part*.  For a hit, a part lists the words
of the article it matched with the kind of match, from the most to the least
literal: ``exact``, ``accents`` (same letters once accents and case are
folded), ``stemmed`` (another inflection: plural, feminine), ``variant``
(another spelling of the same name, with its source: ``rule``, ``alias`` or
``learned``), ``fuzzy`` and ``prefix`` (a ``=Kiev`` part matches its own
spelling only: ``exact`` or ``accents``); and the part's share of the score,
from its own Whoosh matcher on that article.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from . import query as q
from .analysis import SPELLING_MARK, fold, light_stem, query_terms
from .engine import Compiled, OpenIndex
from .highlight import matched_words
from .models import PartExplanation, WordMatch

KINDS = ("exact", "accents", "stemmed", "variant", "fuzzy", "prefix")


@dataclass(frozen=True)
class Part:
    """A query word or phrase, compiled, with the terms it can match."""

    text: str
    kind: str  #: the Word kind ("word", "prefix", "fuzzy") or "phrase"
    query: Compiled
    terms: frozenset[str]
    distance: int = 0  #: edits allowed, for a fuzzy word
    field: str | None = None  #: "title" or "body" when the query names one
    sources: tuple[tuple[str, str], ...] = ()  #: (``^spelling``, rule/alias/learned) of its name variants

    @property
    def shown(self) -> str:
        """The part as the query wrote it: ``présid*``, ``choigu~2``, ``=Kiev``."""
        written = {"prefix": f"{self.text}*", "fuzzy": f"{self.text}~{self.distance}", "exact": f"={self.text}"}
        return written.get(self.kind, self.text)


def query_parts(node: q.Node, variants, index: OpenIndex) -> list[Part]:
    """The positive words and phrases of a query, each with its terms expanded."""
    parts = []
    for leaf in q.leaves(node):
        compiled = index.compile(leaf, variants)
        if compiled is None:
            continue
        terms = frozenset(index.matched_terms(compiled))
        kind = "phrase" if isinstance(leaf, q.Phrase) else leaf.kind
        sources = _variant_sources(leaf.text, variants) if kind in ("word", "phrase") else ()
        parts.append(Part(leaf.text, kind, compiled, terms, getattr(leaf, "distance", 0), leaf.field, sources))
    return parts


def _variant_sources(text: str, variants) -> tuple[tuple[str, str], ...]:
    """Where each name variant of the words of ``text`` comes from."""
    words = [t.folded for t in query_terms(text)]
    found = {}
    for i, word in enumerate(words):
        surname = words[i + 1] if i + 1 < len(words) else None
        for spelling, (source, _) in variants.sources(word, surname).items():
            if source != "query":
                found.setdefault(SPELLING_MARK + spelling, source)
    return tuple(found.items())


def explain_hit(parts: list[Part], index: OpenIndex, docnum: int, title: str, body: str) -> list[PartExplanation]:
    """The explanation of one hit, a part at a time, parts that did not match left out."""
    explanations = []
    for part in parts:
        matches = _classify(part, title, body)
        score = index.part_score(part.query, docnum)
        if matches or score:
            explanations.append(PartExplanation(part.shown, score, matches))
    return explanations


def _classify(part: Part, title: str, body: str) -> tuple[WordMatch, ...]:
    query_words = [(t.stem, t.folded) for t in query_terms(part.text)]
    surface_words = {w.casefold() for w in part.text.split()}
    sources = dict(part.sources)
    kinds: dict[tuple[int, int, str], str] = {}
    for origin, text in (("t", title), ("b", body)):
        for start, end, term in matched_words(text, part.terms):
            key = (start, end, origin)
            kind = _kind(text[start:end], term, part.kind, query_words, surface_words)
            if key not in kinds or KINDS.index(kind) < KINDS.index(kinds[key][0]):
                kinds[key] = (kind, sources.get(term, "rule") if kind == "variant" else None)
    counts = Counter((_surface(key, title, body), kind) for key, kind in kinds.items())
    ordered = sorted(counts.items(), key=lambda item: (KINDS.index(item[0][1][0]), -item[1]))
    return tuple(WordMatch(word, kind, count, source) for (word, (kind, source)), count in ordered)


def _surface(key: tuple[int, int, str], title: str, body: str) -> str:
    start, end, origin = key
    return (title if origin == "t" else body)[start:end]


def _kind(surface: str, term: str, part_kind: str, query_words: list[tuple[str, str]], literal: set[str]) -> str:
    if surface.casefold() in literal:
        return "exact"
    folded = fold(surface)
    if any(folded == qf for _, qf in query_words):
        return "accents"
    if term.startswith(SPELLING_MARK):
        return "variant" if part_kind not in ("fuzzy", "prefix") else part_kind
    if any(light_stem(folded) == stem for stem, _ in query_words):
        return "stemmed"
    return part_kind if part_kind in ("fuzzy", "prefix") else "stemmed"
