"""Who is named alongside: the names most often found in the articles matching a query.

Names are read as the press writes them (``searchkit.pressnames``): ``Marine
Le Pen``, ``Jean-Luc Mélenchon``, ``New York`` are one name each, not
``Marine``, ``Pen``, ``New`` and ``York``; a sentence-initial capital is no
name unless the index holds the word as one; spellings of a name fold by
name key (``Sergueï Choïgou``, ``Sergei Shoigu``), shown in the spelling the
matching articles use most.  A single capitalised word the index does not
hold as a name (``Selon``) is left out, by the rule the name-variant table uses.

An article names ``Le Pen`` when it writes ``Le Pen`` alone or inside a longer
name (``Marine Le Pen``), as a search for ``"Le Pen"`` finds it; a surname
written alone (``Mélenchon``, ``Le Pen``) is counted with the full name most
of its articles write (``Jean-Luc Mélenchon``, ``Marine Le Pen``) when that
full name is in at least ``SURNAME_SHARE`` of them: the row then counts every
article naming the surname, alone or in full, and its index count is the
surname's, so that its lift compares like with like.

Left out of the list: the query's own name and its parts (``Jean-Luc`` in
``cooccur Mélenchon``: the full name the query's word stands for in at least
``OWN_NAME_SHARE`` of the articles, and each of its words), and the source's
own name (``Le Monde``, in half of every list of a corpus of Le Monde): the
words of the matching articles' ``source`` values, the publication's part of
them (``Le Monde (RSS politique)`` → ``Le Monde``, ``lemonde.fr`` → ``Le Monde``).

For each name: the matching articles naming it, the articles of the whole
index naming it (its spellings' posting lists, phrases for a name of several
words), and the lift: how many times more often it is named in the matching
articles than in the whole index.  ``--sort lift`` ranks by lift the
``LIFT_CANDIDATES`` names most often named (each needs its count in the
whole index); raise ``--min-articles`` for steadier lifts.

``--edges`` gives the names' network over the matching articles read: a pair
of listed names (at most ``EDGE_NAMES``) weighs the articles naming both.

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

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

from unidecode import unidecode

from . import query as q
from .analysis import SPELLING_MARK, WORDS, query_terms
from .engine import OpenIndex
from .errors import NoResults, UsageError
from .models import CoName, Cooccurrence, Edge
from .names.keys import name_key
from .names.table import Variants
from .names.view import spelling_note
from .pressnames import (
    FOREIGN_PARTICLES,
    FRENCH_PARTICLES,
    PARTICLE_KEYS,
    PressName,
    decided,
    key_words,
    press_names,
)
from .search import Searcher
from .views import Filters, Progress, matched

#: Names are read from at most this many matching articles, an even sample of them when more match.
SAMPLE_ARTICLES = 1_000
#: A listed name's articles in the whole index are counted exactly up to this many postings, estimated past it.
NAME_COUNT_POSTINGS = 20_000
#: ``--sort lift`` ranks the lifts of at most this many names, the most often named.
LIFT_CANDIDATES = 200
#: ``--edges``: the network of at most this many names, the first listed.
EDGE_NAMES = 100
#: A surname alone counts with the full name written in at least this share of the articles naming it.
SURNAME_SHARE = 0.5
#: The query's own full name: the name holding the query's word in at least this share of the articles read.
OWN_NAME_SHARE = 0.25
#: ``--sort``: by matching articles, or by lift.
SORTS = ("count", "lift")
#: Written forms of a name searched for its count in the whole index (the most frequent).
COUNTED_FORMS = 8
#: A domain's last part, not a publication's name: ``lemonde.fr``.
_DOMAIN_ENDS = frozenset("fr com org net info eu be ch ca uk co io news".split())
#: Particles that cannot start a surname (``de Gaulle`` is ``Gaulle``); ``Le Pen`` keeps its ``Le``.
_NO_SURNAME_START = FRENCH_PARTICLES | FOREIGN_PARTICLES | {"d"}


@dataclass(frozen=True)
class CooccurOptions(Filters):
    """Which names a co-occurrence list keeps, from how many matching articles, in which order."""

    limit: int = 30  #: names listed; 0 for all
    min_articles: int = 2  #: names in fewer matching articles are left out
    sample: int = SAMPLE_ARTICLES  #: matching articles read at most; 0 for all
    sort: str = "count"  #: "count" or "lift"
    edges: bool = False  #: also the network of the listed names (``Cooccurrence.edges``)


def check_sort(sort: str) -> str:
    if sort not in SORTS:
        raise UsageError(f"--sort {sort!r}: choose count (matching articles) or lift")
    return sort


def cooccur(
    searcher: Searcher,
    text: str,
    options: CooccurOptions = CooccurOptions(),
    on_progress: Progress | None = None,
    name: str | None = None,
) -> Cooccurrence:
    """The names found in the articles matching ``text`` (called ``name`` in a query
    set); ``NoResults`` when none matches.

    Each article's text is read, its names kept as a set of keys and the text
    let go: what is held grows with the names found, not with the text read."""
    check_sort(options.sort)
    with searcher.opened() as (index, variants):
        found, _ = matched(index, variants, text, options)
        read = _even_sample(found.docs, options.sample)
        is_name = _remembered(variants.is_name)
        written, wholes = _articles_first(*_names(index, read, is_name, on_progress))
        present = [frozenset(whole | {s for key in whole for s in suffixes(key)}) for whole in wholes]
        naming = Counter(key for keys in present for key in keys)  #: alone or inside a longer name
        exact = Counter(key for whole in wholes for key in whole)  #: written as a whole name
        absorbed, held_by = _surnames(written, wholes)
        counted = {key: naming[held_by.get(key, key)] for key in written if key not in absorbed}
        own, own_names = _own(found.node, written, exact, len(read))
        sources = _source_names(index, read)
        left_out: dict[str, list[str]] = {"query": [], "source": []}
        ranked = []
        wanted = LIFT_CANDIDATES if options.sort == "lift" else options.limit
        for key in sorted(counted, key=lambda k: (-counted[k], k)):
            if counted[key] < options.min_articles or (wanted and len(ranked) > wanted):
                break  # one more than wanted tells that the list was cut
            shown = written[key].most_common(1)[0][0]
            if _covered(key_words(key), own | own_names):
                left_out["query"].append(shown)
            elif _is_source(key, sources):
                left_out["source"].append(shown)
            elif " " in key or any(is_name(spelling) for spelling in _folded_spellings(shown)):
                ranked.append(key)  # a name of several words passed the capitals' tests already
        # Each listed name is counted in the whole index: by lift, every candidate first.
        candidates = ranked[:LIFT_CANDIDATES] if options.sort == "lift" else ranked[: options.limit or None]
        names: list[CoName] = []
        for done, key in enumerate(candidates, 1):
            forms = written[key] + (written[held_by[key]] if key in held_by else Counter())
            names.append(_co_name(index, variants, key, held_by.get(key, key), forms, counted[key], len(read)))
            if on_progress is not None:
                on_progress("counting names in the index", done, len(candidates))
        if options.sort == "lift":
            names.sort(key=lambda n: (-n.lift, -n.articles, n.key))
            names = names[: options.limit or None]
        cut = bool(options.limit) and len(ranked) > options.limit
        edges = _edges(names[:EDGE_NAMES], present, held_by) if options.edges else []
        notes = []
        if len(read) < len(found.docs):
            notes.append(
                f"names read in an even sample of {len(read):,} of the {len(found.docs):,} matching articles "
                "(--sample 0 reads them all)"
            )
        if left_out["query"]:
            notes.append(f"the query's own name and its parts are left out: {', '.join(left_out['query'][:6])}")
        if left_out["source"]:
            notes.append(f"the source's own name is left out: {', '.join(left_out['source'][:6])}")
        listed = {n.key: n.name for n in names}
        folded = [f"{written[s].most_common(1)[0][0]} in {listed[f]}" for f, s in held_by.items() if f in listed]
        if folded:
            notes.append(f"a surname alone is counted with its full name: {', '.join(folded[:6])}")
        if options.sort == "lift" and len(ranked) > LIFT_CANDIDATES:
            notes.append(f"lifts ranked among the {LIFT_CANDIDATES} names most often named (more were found)")
        if cut:
            notes.append(f"the first {len(names):,} names: --limit cut the list (--limit 0 lists them all)")
        if options.edges and len(names) > EDGE_NAMES:
            notes.append(f"the network holds the first {EDGE_NAMES} names listed, of {len(names):,}")
        return Cooccurrence(
            query=text,
            articles=len(found.docs),
            read=len(read),
            corpus=index.doc_count(),
            names=names,
            found=len(counted),
            limit=options.limit,
            min_articles=options.min_articles,
            notes=[*(spelling_note(c) for c in found.spellings), *notes],
            spellings=found.spellings,
            sort=options.sort,
            name=name,
            edges=edges,
        )


def _remembered(is_name: Callable[[str], bool]) -> Callable[[str], bool]:
    """``is_name``, asked once a spelling: it reads the name table."""
    known: dict[str, bool] = {}

    def remembered(spelling: str) -> bool:
        if spelling not in known:
            known[spelling] = is_name(spelling)
        return known[spelling]

    return remembered


def _even_sample(docs: set[int], at_most: int) -> set[int]:
    """``docs``, or ``at_most`` of them evenly spaced in index order when there are more (0: all)."""
    if not at_most or len(docs) <= at_most:
        return docs
    ordered = sorted(docs)
    return {ordered[i * len(ordered) // at_most] for i in range(at_most)}


def _folded_spellings(written: str) -> list[str]:
    """The folded spellings of a name as written: ``Choïgou`` → [choigou], ``États-Unis`` → [etats, unis]."""
    return [spelling[len(SPELLING_MARK) :] for _, _, spelling in WORDS.spellings(written)]


def suffixes(key: str) -> list[str]:
    """The names a name holds at its end: ``marin le pen`` → [le pen, pen]; ``charles de gaul`` → [gaul]."""
    words = key.split(" ")
    return [
        " ".join(words[i:])
        for i in range(1, len(words))
        if words[i] not in _NO_SURNAME_START and any(w not in PARTICLE_KEYS for w in words[i:])
    ]


def _names(
    index: OpenIndex, docs: set[int], is_name: Callable[[str], bool], on_progress: Progress | None = None
) -> tuple[dict[str, Counter[str]], list[frozenset[str]]]:
    """Each name key's spellings as written, counted; and for each article of ``docs``, the
    keys of the names it writes."""
    known: set[str] = set()  #: words written capitalised mid-sentence in the articles read: names
    undecided: list[list[PressName]] = []
    for done, docnum in enumerate(sorted(docs), 1):
        if on_progress is not None:
            on_progress("reading names", done, len(docs))
        stored = index.stored(docnum)
        names: list[PressName] = []
        for field in ("title", "body"):
            names += press_names(stored.get(field) or "", None, known)
        undecided.append(names)
    # A sentence-initial capital is a name when the articles read write it mid-sentence too (whatever their order).
    written: dict[str, Counter[str]] = defaultdict(Counter)
    wholes: list[frozenset[str]] = []
    for names in undecided:
        whole: set[str] = set()
        for found in decided(names, known, is_name):
            written[found.key][found.written] += 1
            whole.add(found.key)
        wholes.append(frozenset(whole))
    return written, wholes


def _articles_first(
    written: dict[str, Counter[str]], wholes: list[frozenset[str]]
) -> tuple[dict[str, Counter[str]], list[frozenset[str]]]:
    """``La France`` is ``France`` where ``France`` alone is written in more articles; ``Le Pen`` stays
    ``Le Pen`` (``Pen`` alone is rare), as ``Le Havre`` and ``Les Républicains`` do when written so."""
    exact = Counter(key for whole in wholes for key in whole)
    merged = {}
    for key in written:
        first, _, rest = key.partition(" ")
        if first in ("le", "la", "les") and rest in written and exact[rest] > exact[key]:
            merged[key] = rest
    if not merged:
        return written, wholes
    for key, rest in merged.items():
        written[rest].update(written.pop(key))
    return written, [frozenset(merged.get(key, key) for key in whole) for whole in wholes]


def _surnames(written: dict[str, Counter[str]], wholes: list[frozenset[str]]) -> tuple[dict[str, str], dict[str, str]]:
    """Surnames written alone → the full name each is counted with, and full name → the
    surname it counts by.

    The press names a person in full, then by surname: a surname goes with
    the full name ending with it that is written beside it in the most
    articles, when that is at least ``SURNAME_SHARE`` of the articles writing
    the surname alone (``Macron`` beside ``Emmanuel Macron``; ``Union`` of the
    ``Union européenne`` is seldom beside ``Nouvelle Union`` and stays apart).
    A full name counts by its broadest surname (``Pen`` over ``Le Pen``: every
    article naming ``Le Pen`` names ``Pen``)."""
    fulls: dict[str, set[str]] = defaultdict(set)
    for key in written:
        for surname in suffixes(key):
            if surname in written:  # written alone somewhere
                fulls[surname].add(key)
    alone: Counter[str] = Counter()
    beside: dict[str, Counter[str]] = defaultdict(Counter)
    for whole in wholes:
        for surname in whole & fulls.keys():
            alone[surname] += 1
            beside[surname].update(whole & fulls[surname])
    absorbed = {}
    for surname, counts in beside.items():
        best, together = max(counts.items(), key=lambda item: (item[1], item[0]), default=("", 0))
        if together and together >= SURNAME_SHARE * alone[surname]:
            absorbed[surname] = best
    for surname, full in list(absorbed.items()):  # ``Le Pen`` → ``Marine Le Pen`` passes ``Pen`` on
        seen = {surname}
        while full in absorbed and full not in seen:
            seen.add(full)
            full = absorbed[full]
        absorbed[surname] = full
    held_by: dict[str, str] = {}
    for surname, full in absorbed.items():
        if full not in held_by or len(surname) < len(held_by[full]):
            held_by[full] = surname
    return absorbed, held_by


def _own(node: q.Node, written: dict[str, Counter[str]], exact: Counter[str], read: int) -> tuple[set[str], set[str]]:
    """The name keys of the query's words, and the words of the full names they stand
    for (``Jean-Luc Mélenchon`` for ``Mélenchon``): in at least ``OWN_NAME_SHARE`` of the articles read."""
    own: set[str] = set()
    for leaf in q.leaves(node):
        terms = [name_key(t.folded) for t in query_terms(leaf.text)]
        own.update(terms)
        for found in press_names(leaf.text, lambda _: True):
            own.update(key_words(found.key))
    full: set[str] = set()
    for key in written:
        words = key_words(key)
        if len(words) > 1 and own & set(_parts(words)) and exact[key] >= OWN_NAME_SHARE * read:
            full.update(words)
    return own, full


def _parts(words: tuple[str, ...]) -> list[str]:
    return [part for word in words for part in (word, *word.split("-"))]


def _covered(words: tuple[str, ...], allowed: set[str]) -> bool:
    """Whether every word of a name is one of ``allowed`` (a hyphenated word: or each of its parts)."""
    return bool(words) and all(w in allowed or all(p in allowed for p in w.split("-")) for w in words)


def _source_names(index: OpenIndex, docs: set[int]) -> list[tuple[frozenset[str], frozenset[str]]]:
    """For each source of ``docs``: its publication's name keys (``Le Monde (RSS politique)`` →
    {mond}), and its name keys run together, with and without an article (``lemond``, ``mond``),
    for a name written as one word (``LeMonde``, a domain ``lemonde.fr``)."""
    values = Counter(index.column_values("source")[d] for d in docs)
    values.pop(None, None)
    found = set()
    for value in values:
        publication = re.split(r"\s[(\[|–—:-]\s?|\s*[(\[|]", value)[0].strip() or value
        words = [w for w in re.split(r"[^\w]+", unidecode(publication).lower()) if w]
        if len(words) > 1 and words[-1] in _DOMAIN_ENDS:
            words = words[:-1]
        keys = frozenset(name_key(w) for w in words if w not in PARTICLE_KEYS)
        together = {"".join(name_key(w) for w in words), name_key("".join(words))}
        for article in ("le", "la", "les", "l", "the"):
            if words and words[0].startswith(article) and len(words[0]) > len(article) + 2:
                together.add(name_key(words[0][len(article) :]) + "".join(name_key(w) for w in words[1:]))
        found.add((keys, frozenset(together)))
    return list(found)


def _is_source(key: str, sources: list[tuple[frozenset[str], frozenset[str]]]) -> bool:
    words = frozenset(key_words(key))
    joined = key.replace(" ", "").replace("-", "")
    return any((keys and words == keys) or joined in together for keys, together in sources)


def _co_name(
    index: OpenIndex, variants: Variants, key: str, counted_by: str, written: Counter[str], articles: int, read: int
) -> CoName:
    """A listed name; its index count is of ``counted_by``: its own key, or the surname it counts with."""
    forms = [form for form, _ in written.most_common() if name_key_of(form) == counted_by] or [
        form for form, _ in written.most_common()
    ]
    forms = forms[:COUNTED_FORMS]
    if " " in counted_by:  # several words: each way it was written, as a phrase
        named = index.compile(q.Or(tuple(q.Phrase(form) for form in forms)), variants)
    elif "-" in counted_by:  # a hyphenated name: each way it was written, as an exact phrase of its spellings
        named = index.compile(q.Or(tuple(q.Word(form, kind="exact") for form in forms)), variants)
    else:
        spellings = variants.group(counted_by) | {s for form in forms for s in _folded_spellings(form)[:1]}
        named = index.term_query(*(SPELLING_MARK + spelling for spelling in sorted(spellings)))
    corpus, estimated = index.count_about(named, budget=NAME_COUNT_POSTINGS) if named is not None else (0, False)
    share, everywhere = articles / read, corpus / max(1, index.doc_count())
    return CoName(
        name=written.most_common(1)[0][0] if counted_by == key else _full_form(written, key),
        key=key,
        spellings=tuple(written.most_common()),
        articles=articles,
        corpus_articles=corpus,
        corpus_estimated=estimated,
        lift=share / everywhere if everywhere else 0.0,
    )


def name_key_of(written: str) -> str:
    """The key of a name as written (``Marine Le Pen`` → ``marin le pen``)."""
    found = press_names(written, lambda _: True)
    return found[0].key if len(found) == 1 else ""


def _full_form(written: Counter[str], key: str) -> str:
    return next((form for form, _ in written.most_common() if name_key_of(form) == key), written.most_common(1)[0][0])


def _edges(names: list[CoName], present: list[frozenset[str]], held_by: dict[str, str]) -> list[Edge]:
    """Pairs of ``names`` named in the same article read, weighed by those articles, heaviest first."""
    by = {n.key: held_by.get(n.key, n.key) for n in names}
    shown = {n.key: n.name for n in names}
    weights: Counter[tuple[str, str]] = Counter()
    order = {n.key: i for i, n in enumerate(names)}
    for keys in present:
        inside = sorted((k for k, counted in by.items() if counted in keys), key=order.__getitem__)
        weights.update(combinations(inside, 2))
    return [
        Edge(shown[a], shown[b], weight)
        for (a, b), weight in sorted(weights.items(), key=lambda item: (-item[1], order[item[0][0]], order[item[0][1]]))
    ]


def cooccur_set(
    searcher: Searcher,
    named: list[tuple[str, str]],
    options: CooccurOptions = CooccurOptions(),
    on_progress: Progress | None = None,
) -> list[Cooccurrence]:
    """``cooccur`` for each (name, query) of a query set; a query matching nothing
    gives an empty list with a note; ``NoResults`` when none matches."""
    found = []
    for name, text in named:
        try:
            found.append(cooccur(searcher, text, options, on_progress, name))
        except NoResults as error:
            with searcher.opened() as (index, _):
                corpus = index.doc_count()
            found.append(
                Cooccurrence(text, 0, 0, corpus, [], 0, options.limit, options.min_articles, [str(error)], name=name)
            )
    if not any(one.articles for one in found):
        raise NoResults("no article matches " + " or ".join(repr(name) for name, _ in named))
    return found
