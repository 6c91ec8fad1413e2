"""Who is named alongside: the names most often found in the articles matching a query.

A name is a capitalised word, as the index takes it (``^spelling`` terms,
read again from the stored text by the analysis, ``WORDS.spellings``), or
capitalised words joined by hyphens (États-Unis); its spellings are grouped
by name key (Choïgou, Shoigu), and shown in the spelling the matching
articles use most.  A capitalised word that the index
does not hold as a name (``Selon`` opens sentences) is left out, by the rule
the name-variant table uses.  For each name: the matching articles naming
it, the articles of the whole index naming it (from its spellings' posting
lists), and the lift: how many times more often it is named in the matching
articles than in the whole index.

Names are read from the stored text, a few milliseconds an article: past
``SAMPLE_ARTICLES`` matching articles (``--sample``), an even sample of them
is read (every k-th in index order, so an archive indexed in date order is
sampled across its years), and counts and shares are of the sample.  A
listed name's articles in the whole index are counted exactly up to
``NAME_COUNT_POSTINGS`` postings and estimated from a sample of the index
past it (``searchkit.engine.whoosh_counts``): thirty frequent names at
100,000 articles took seconds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from . import query as q
from .analysis import SPELLING_MARK, WORDS, query_terms
from .engine import OpenIndex
from .models import CoName, Cooccurrence
from .names.keys import name_key
from .names.table import Variants
from .names.view import spelling_note
from .search import Searcher
from .views import Filters, Progress, matched

#: Names are read from at most this many matching articles, an even sample of them when more match.
SAMPLE_ARTICLES = 1_000
#: A listed name's articles in the whole index are counted exactly up to this many postings, estimated past it.
NAME_COUNT_POSTINGS = 20_000


@dataclass(frozen=True)
class CooccurOptions(Filters):
    limit: int = 30  #: names listed; 0 for all
    min_articles: int = 2  #: names in fewer matching articles are left out
    sample: int = SAMPLE_ARTICLES  #: matching articles read at most; 0 for all


def cooccur(
    searcher: Searcher, text: str, options: CooccurOptions = CooccurOptions(), on_progress: Progress | None = None
) -> Cooccurrence:
    """The names found in the articles matching ``text``; ``NoResults`` when none matches.

    Each article's text is read, its names counted and the text let go: what
    is held grows with the names found, not with the articles read, so
    ``--sample 0`` costs time (a few milliseconds an article, then each name
    listed counted in the whole index), not memory."""
    with searcher.opened() as (index, variants):
        found, _ = matched(index, variants, text, options)
        read = _even_sample(found.docs, options.sample)
        articles, written = _names(index, read, on_progress)
        own = {name_key(t.folded) for leaf in q.leaves(found.node) for t in query_terms(leaf.text)}
        ranked = sorted(
            (key for key, count in articles.items() if count >= options.min_articles and key not in own),
            key=lambda key: (-articles[key], key),
        )
        names: list[CoName] = []
        cut = False
        for key in ranked:
            name = written[key].most_common(1)[0][0]
            if not any(variants.is_name(spelling) for spelling in _folded_spellings(name)):
                continue
            if options.limit and len(names) == options.limit:
                cut = True
                break
            names.append(_co_name(index, variants, key, written[key], articles[key], len(read)))
            if on_progress is not None:
                on_progress("counting names in the index", len(names), min(options.limit or len(ranked), len(ranked)))
        notes = []
        if len(read) < len(found.docs):
            notes.append(
                f"names read in an even sample of {len(read):,} of the {len(found.docs):,} matching articles "
                "(--sample 0 reads them all)"
            )
        if own & set(articles):
            notes.append("the query's own names are left out")
        if cut:
            notes.append(f"the first {len(names):,} names: --limit cut the list (--limit 0 lists them all)")
        return Cooccurrence(
            query=text,
            articles=len(found.docs),
            read=len(read),
            corpus=index.doc_count(),
            names=names,
            found=len(articles),
            limit=options.limit,
            min_articles=options.min_articles,
            notes=[*(spelling_note(c) for c in found.spellings), *notes],
            spellings=found.spellings,
        )


def _even_sample(docs: set[int], at_most: int) -> set[int]:
    """``docs``, or ``at_most`` of them evenly spaced in index order when there are more (0: all)."""
    if not at_most or len(docs) <= at_most:
        return docs
    ordered = sorted(docs)
    return {ordered[i * len(ordered) // at_most] for i in range(at_most)}


def _folded_spellings(written: str) -> list[str]:
    """The folded spellings of a name as written: ``Choïgou`` → [choigou], ``États-Unis`` → [etats, unis]."""
    return [spelling[len(SPELLING_MARK) :] for _, _, spelling in WORDS.spellings(written)]


def names_in(text: str) -> list[tuple[str, str]]:
    """(name as written, name key) of each name of ``text``, in order.  Capitalised
    words joined by hyphens are one name (``États-Unis``, ``Jean-Luc``), keyed by
    their keys joined likewise."""
    found: list[tuple[int, int, list[str]]] = []
    for start, end, spelling in WORDS.spellings(text):
        key = name_key(spelling[len(SPELLING_MARK) :])
        if found and text[found[-1][1] : start] == "-":
            found[-1] = (found[-1][0], end, [*found[-1][2], key])
        else:
            found.append((start, end, [key]))
    return [(text[start:end], "-".join(keys)) for start, end, keys in found]


def _names(
    index: OpenIndex, docs: set[int], on_progress: Progress | None = None
) -> tuple[Counter[str], dict[str, Counter[str]]]:
    """For each name key in ``docs``: the articles naming it, and its spellings as written, counted."""
    articles: Counter[str] = Counter()
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for done, docnum in enumerate(sorted(docs), 1):
        if on_progress is not None:
            on_progress("reading names", done, len(docs))
        stored = index.stored(docnum)
        keys = set()
        for field in ("title", "body"):
            for name, key in names_in(stored.get(field) or ""):
                written[key][name] += 1
                keys.add(key)
        articles.update(keys)
    return articles, written


def _co_name(index: OpenIndex, variants: Variants, key: str, written: Counter[str], articles: int, read: int) -> CoName:
    if "-" in key:  # a hyphenated name: each way it was written, as an exact phrase of its spellings
        named = index.compile(q.Or(tuple(q.Word(name, kind="exact") for name in written)), variants)
    else:
        spellings = variants.group(key) | {_folded_spellings(name)[0] for name in written}
        named = index.term_query(*(SPELLING_MARK + spelling for spelling in sorted(spellings)))
    corpus, estimated = index.count_about(named, budget=NAME_COUNT_POSTINGS)
    share, everywhere = articles / read, corpus / max(1, index.doc_count())
    return CoName(
        name=written.most_common(1)[0][0],
        key=key,
        spellings=tuple(written.most_common()),
        articles=articles,
        corpus_articles=corpus,
        corpus_estimated=estimated,
        lift=share / everywhere if everywhere else 0.0,
    )
