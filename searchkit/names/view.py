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
from ..engine import OpenIndex, spellings_in_turn
from ..errors import QueryError
from ..models import NameSpelling, NameSpellings, NameWord, SpellingCount


def name_spellings(searcher, text: str, rejected: bool = False) -> NameSpellings:
    """The spellings each word of the query ``text`` searches in the index ``searcher`` has
    open; with ``rejected``, also the candidates decided apart from it, with the reason.

    ``text`` is read as ``search`` reads it, so that what this lists is what a search for it
    looks up: ``Viktor Orban`` is two words, each in its own spellings; the phrase ``"Viktor
    Orban"`` also gets the given name's spellings written beside that surname; ``=Kiev`` one
    spelling; a word under ``NOT`` the spellings it excludes; operators are not words.
    Prefixes and fuzzy words search no name spellings and are left out."""
    words = []
    every = list(q.leaves(q.parse(text), negated=True))
    leaves = [leaf for leaf in every if q.searches_names(leaf)]
    with searcher.opened() as (index, variants):
        for leaf in leaves:
            exact = isinstance(leaf, q.Word) and leaf.kind == "exact"
            folded = [t.folded for t in query_terms(leaf.text)]
            compiled = index.compile(leaf, variants)
            matched = index.doc_set(compiled) if compiled is not None else set()
            for i, word in enumerate(folded):
                surname = folded[i + 1] if i + 1 < len(folded) else None
                words.append(_name_word(index, variants, word, surname, exact, rejected, matched, len(folded) > 1))
    if not words:
        why = " (prefixes and fuzzy words search no name spellings)" if len(leaves) < len(every) else ""
        raise QueryError(f"no name to look up in {text!r}{why}")
    return NameSpellings(text, all(w.exact for w in words), words)


def _name_word(
    index: OpenIndex,
    variants,
    word: str,
    surname: str | None,
    exact: bool,
    rejected: bool,
    matched: set[int],
    in_phrase: bool,
) -> NameWord:
    """What one folded query word searches: its spellings (beside ``surname`` in a phrase), each
    counted in the whole index and, in a phrase, in the articles the phrase matches; ``matched``,
    the articles the word or its phrase matches, also tells what a word's spellings leave unexplained."""
    sources = {word: ("query", [])} if exact else variants.sources(word, surname)
    rows = []
    named: set[int] = set()
    for spelling, (source, links) in sources.items():
        docs = index.doc_set(index.term_query(SPELLING_MARK + spelling))
        named |= docs
        written, within = written_form(index, docs, spelling), len(docs & matched) if in_phrase else None
        rows.append(NameSpelling(spelling, written, len(docs), source, tuple(links), within))
    rows.sort(key=lambda r: (r.source != "query", -(r.articles if r.in_phrase is None else r.in_phrase), r.spelling))
    apart = tuple(d for d in variants.decisions(word) if not d["merged"]) if rejected else ()
    left_out = () if exact else tuple(_counted(index, s) for s in sorted(variants.stem_left_out(word)))
    read = not exact and variants.stem_apart(word) is not None
    unnamed = 0 if in_phrase else len(matched - named)
    return NameWord(word, variants.is_name(word), tuple(rows), apart, left_out, read, exact, len(matched), unnamed)


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
    """Where a count comes from: for each word of ``node`` (in a phrase too) that searches
    several spellings, how many of the articles ``docs`` hold each ("1,580 articles: 4 Sheen,
    1,553 Chine"); ``docs`` None when ``node`` is that one word alone, unrestricted: every
    article holding a spelling matches, and the matching set need not be read."""
    searched: dict[str, set[str]] = {}  # a word written twice ("Sergueï Choïgou" OR "Sergueï Lavrov"): once
    for leaf in q.leaves(node):
        if (isinstance(leaf, q.Word) and leaf.kind != "word") or docs == set():
            continue
        words = [term.folded for term in query_terms(leaf.text)]
        for word, spellings in zip(words, spellings_in_turn(words, variants), strict=True):
            searched.setdefault(word, set()).update(spellings)
    found = []
    for word, spellings in searched.items():
        if len(spellings) < 2:
            continue
        counts = []
        held: set[int] = set()
        for spelling in spellings:
            holding = index.doc_set(index.term_query(SPELLING_MARK + spelling))
            holding = holding if docs is None else holding & docs
            if holding:
                counts.append((written_form(index, holding, spelling) or spelling, len(holding)))
                held |= holding
        counts.sort(key=lambda c: (-c[1], c[0]))
        found.append(SpellingCount(word, tuple(counts), len(held) if docs is None else None))
    return found


def spelling_note(counts: SpellingCount) -> str:
    """``poutine by spelling: 1,710 Poutine, 13 Putin``."""
    return f"{counts.word} by spelling: " + ", ".join(f"{n:,} {spelling}" for spelling, n in counts.counts)
