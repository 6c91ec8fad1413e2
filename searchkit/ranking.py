"""Coordination: among a tier's first hits, more of the query's words (weighed by rarity) before fewer.

BM25 adds up each word's score on its own, so among articles holding only
some of the query's words, one holding a common word many times (or in a
short title) can outrank one holding the two rare ones: ``Choïgou Gerasimov
limogeage`` put a Marseille police piece on *limogeage* above the Russian
command.  The engine ranks each tier by BM25; its first ``DEPTH`` hits are
then ranked again, each score multiplied by its *coverage* to the power
``COORDINATION``: the share of the query's words it holds, each word
weighing its rarity (BM25's idf).  Within the tiers of articles holding
every word the coverage is 1 and the order is BM25's.

Only the first ``DEPTH`` hits are reranked, whatever the page asked for, so
that a page's hits are the same however many were asked for; those below are
scaled by the smallest factor of those above, which keeps the scores in order.

Tried on issue 23's judged news set and PIAF and left out (bench/README.md,
*Ranking changes*): a proximity bonus, questions leaving their light words
out of what they require, and a bonus for the query's words in the lead
(title or first paragraph).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import query as q
from .engine import OpenIndex, Ranked
from .names.table import Variants

#: How many of a tier's first hits are reranked: deeper reads more postings, and fetches more hits.
DEPTH = 50
#: The power of the coverage: 0 leaves BM25 alone, higher puts more words ever further before fewer;
#: 1 was best on both halves of the judged news set and of PIAF (0.5 and 2 tried).
COORDINATION = 1.0


@dataclass(frozen=True)
class Part:
    """One word (or phrase, or OR group) of the query, as coordination weighs it."""

    groups: tuple[frozenset[str], ...]  #: an article holds the part when it holds a term of every group
    weight: float  #: its rarity (idf)


def parts_of(node: q.Node, index: OpenIndex, variants: Variants) -> list[Part]:
    """The query's top-level words, phrases and OR groups searching every text field:
    those that partial matching may drop, the others being held by every hit."""
    children = node.children if isinstance(node, q.And) else (node,)
    parts = [_part(child, index, variants) for child in children]
    return [part for part in parts if part is not None]


def _part(node: q.Node, index: OpenIndex, variants: Variants) -> Part | None:
    if isinstance(node, q.Word) and node.field is None:
        groups = [_terms(node, index, variants)]
    elif isinstance(node, q.Phrase) and node.field is None:
        groups = [_terms(q.Word(word), index, variants) for word in node.text.split()]
    elif isinstance(node, q.Or) and all(isinstance(c, (q.Word, q.Phrase)) and c.field is None for c in node.children):
        groups = [frozenset().union(*(_terms(c, index, variants) for c in node.children))]
    else:
        return None
    groups = [group for group in groups if group]
    if not groups:
        return None  # only stop words
    weight = sum(min(index.rarity(t) for t in group) for group in groups) / len(groups)
    return Part(tuple(groups), weight)


def _terms(node: q.Word | q.Phrase, index: OpenIndex, variants: Variants) -> frozenset[str]:
    """The index terms (stems, a name's spellings, a prefix's words) any of which gives ``node``."""
    compiled = index.compile(node, variants)
    return frozenset(index.matched_terms(compiled)) if compiled is not None else frozenset()


def reranked(ranked: list[Ranked], parts: list[Part], index: OpenIndex) -> list[Ranked]:
    """``ranked`` (one tier, by score) with its first ``DEPTH`` hits ranked again by coverage."""
    if len(parts) < 2 or not ranked or COORDINATION == 0:
        return ranked
    head, tail = ranked[:DEPTH], ranked[DEPTH:]
    terms = sorted({t for part in parts for group in part.groups for t in group})
    held = index.terms_held(terms, [r.docnum for r in head])
    total = sum(part.weight for part in parts) or 1.0
    factors = {r.docnum: coverage(parts, held[r.docnum], total) ** COORDINATION for r in head}
    head = sorted(
        (Ranked(r.docnum, (r.score or 0.0) * factors[r.docnum]) for r in head), key=lambda r: r.score, reverse=True
    )
    lowest = min(factors.values())
    return head + [Ranked(r.docnum, (r.score or 0.0) * lowest) for r in tail]


def coverage(parts: list[Part], held: set[str], total: float) -> float:
    """The share of the parts' weight that an article holding the terms ``held`` holds."""
    return sum(part.weight for part in parts if all(group & held for group in part.groups)) / total
