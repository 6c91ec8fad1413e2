"""``searchkit names``: the spellings a name query searches, where each comes from, and why.

For each word of a query, the spellings it searches (``searchkit.names.table``),
each with its article count, the way the articles write it, and its source:
``query`` (the word itself), ``rule`` (the transliteration rules), ``alias``
(the built-in exonyms or the user's alias file) or ``learned`` (from the
corpus, with the evidence: shared first names, titles, counts).
"""

from __future__ import annotations

from .. import query as q
from ..analysis import SPELLING_MARK, WORDS, query_terms
from ..engine import NameSpellings as Spellings
from ..engine import OpenIndex
from ..errors import QueryError
from ..models import NameSpelling, NameSpellings, NameWord, SpellingCount


def name_spellings(searcher, text: str, rejected: bool = False) -> NameSpellings:
    """The spellings each word of ``text`` searches in the index ``searcher`` has open; with
    ``rejected``, also the candidates decided apart from it, with the reason."""
    folded = [t.folded for t in query_terms(text.lstrip("="))]
    if not folded:
        raise QueryError(f"no word to look up in {text!r}")
    exact = text.startswith("=")
    words = []
    with searcher.opened() as (index, variants):
        for i, word in enumerate(folded):
            surname = folded[i + 1] if i + 1 < len(folded) else None
            sources = {word: ("query", [])} if exact else variants.sources(word, surname)
            rows = []
            for spelling, (source, links) in sources.items():
                docs = index.doc_set(index.term_query(SPELLING_MARK + spelling))
                rows.append(
                    NameSpelling(spelling, written_form(index, docs, spelling), len(docs), source, tuple(links))
                )
            rows.sort(key=lambda r: (r.source != "query", -r.articles, r.spelling))
            apart = tuple(d for d in variants.decisions(word) if not d["merged"]) if rejected else ()
            left_out = () if exact else tuple(_counted(index, s) for s in sorted(variants.stem_left_out(word)))
            read = not exact and variants.stem_apart(word) is not None
            words.append(NameWord(word, variants.is_name(word), tuple(rows), apart, left_out, read))
    return NameSpellings(text, exact, words)


def _counted(index: OpenIndex, spelling: str) -> tuple[str, int]:
    """(``spelling`` as the articles write it, how many hold it)."""
    docs = index.doc_set(index.term_query(SPELLING_MARK + spelling))
    return written_form(index, docs, spelling) or spelling, len(docs)


def written_form(index, docs: set[int], spelling: str) -> str | None:
    """How the first article holding ``spelling`` writes it (accents and case as written)."""
    if not docs:
        return None
    stored = index.stored(min(docs))
    for field in ("title", "body"):
        text = stored.get(field) or ""
        for start, end, term in WORDS.spellings(text):
            if term == SPELLING_MARK + spelling:
                return text[start:end]
    return None


def spelling_counts(index: OpenIndex, variants: Spellings, node: q.Node, docs: set[int] | None) -> list[SpellingCount]:
    """Where a count comes from: for each word of ``node`` that searches several spellings,
    how many of the articles ``docs`` hold each ("1,580 articles: 4 Sheen, 1,553 Chine");
    ``docs`` None when ``node`` is that word alone, unrestricted: every article holding a
    spelling matches, and the matching set need not be read."""
    found = []
    for leaf in q.leaves(node):
        if not isinstance(leaf, q.Word) or leaf.kind != "word" or docs == set():
            continue
        for term in query_terms(leaf.text):
            spellings = variants.spellings(term.folded)
            if len(spellings) < 2:
                continue
            counts = []
            for spelling in spellings:
                holding = index.doc_set(index.term_query(SPELLING_MARK + spelling))
                holding = holding if docs is None else holding & docs
                if holding:
                    counts.append((written_form(index, holding, spelling) or spelling, len(holding)))
            counts.sort(key=lambda c: (-c[1], c[0]))
            found.append(SpellingCount(term.folded, tuple(counts)))
    return found


def spelling_note(counts: SpellingCount) -> str:
    """``poutine by spelling: 1,710 Poutine, 13 Putin``."""
    return f"{counts.word} by spelling: " + ", ".join(f"{n:,} {spelling}" for spelling, n in counts.counts)
