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
from .engine import Compiled, OpenIndex, Satisfied
from .highlight import matched_words, word_chars
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
    for leaf in _units(node):
        compiled = index.compile(leaf, variants)
        if compiled is None:
            continue
        terms = frozenset(index.matched_terms(compiled))
        if q.is_operator(leaf):
            written = leaf.shown if isinstance(leaf, (q.Near, q.AtLeast)) else f"lead:{q._shown(q.replace_field(leaf))}"
            parts.append(Part(written, "operator", compiled, terms))
            continue
        kind = "phrase" if isinstance(leaf, q.Phrase) else leaf.kind
        sources = _variant_sources(leaf.text, variants) if kind in ("word", "phrase") else ()
        parts.append(Part(leaf.text, kind, compiled, terms, getattr(leaf, "distance", 0), leaf.field, sources))
    return parts


def _units(node: q.Node):
    """The positive words, phrases and operators (a proximity, a count, ``lead:``) of a query, each operator whole."""
    if q.is_operator(node) or isinstance(node, (q.Word, q.Phrase)):
        yield node
    elif isinstance(node, (q.And, q.Or)):
        for child in node.children:
            yield from _units(child)


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
        if part.kind == "operator":
            matches = _satisfied(index.positional_matches(part.query, [docnum])[docnum], title, body)
        else:
            matches = _classify(part, title, body)
        score = index.part_score(part.query, docnum)
        if matches or score:
            explanations.append(PartExplanation(part.shown, score, matches))
    return explanations


#: Pairs of a proximity shown for a hit, the nearest first.
MAX_PAIRS = 5


def _satisfied(found: list[Satisfied], title: str, body: str) -> tuple[WordMatch, ...]:
    """What satisfied an operator in a hit: for a proximity, the nearest pairs
    of words and their distance; for a count or ``lead:``, the words and where."""
    texts = {"title": title, "body": body}
    words = {field: word_chars(text) for field, text in texts.items()}

    def written(field: str, first: int, last: int) -> str:
        chars = words[field]
        last = min(last, len(chars) - 1)
        return " ".join(texts[field][chars[first][0] : chars[last][1]].split()) if first <= last else "?"

    counts: Counter[tuple[str, str]] = Counter()
    distances: dict[tuple[str, str], int] = {}
    for satisfied in found:
        for field, a1, a2, b1, b2 in satisfied.pairs:
            apart = b1 - a2 if a2 < b1 else a1 - b2
            key = (f"{written(field, a1, a2)} … {written(field, b1, b2)}", f"{apart} word{'s' * (apart > 1)} apart")
            counts[key] += 1
            distances[key] = apart
        if not satisfied.pairs:
            for field, first, last in satisfied.spans:
                counts[(written(field, first, last), "in the title" if field == "title" else "in the body")] += 1
    if distances:
        nearest = sorted(counts, key=lambda key: (distances[key], key))[:MAX_PAIRS]
        return tuple(WordMatch(word, kind, counts[(word, kind)]) for word, kind in nearest)
    total = sum(counts.values())
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    mentions = (WordMatch(f"{total} mention{'s' * (total > 1)}", "in all", 1),) if total else ()
    return mentions + tuple(WordMatch(word, kind, count) for (word, kind), count in ordered)


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
