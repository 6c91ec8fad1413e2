"""On real news: the first 3,000 Le Monde 2022 articles from ../shared (skipped without it)."""

from __future__ import annotations

import gzip
import itertools
import re
from pathlib import Path

import pytest
from helpers import requires_shared

from searchkit.indexing import build_index
from searchkit.search import SearchOptions, search

ARTICLES = 3000


@pytest.fixture(scope="module")
def lemonde(tmp_path_factory) -> tuple[Path, str]:
    source = requires_shared("corpora", "lemonde-2022.jsonl.gz")
    folder = tmp_path_factory.mktemp("lemonde")
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        lines = list(itertools.islice(handle, ARTICLES))
    corpus = folder / "lemonde.jsonl"
    corpus.write_text("".join(lines), encoding="utf-8")
    report = build_index([corpus], folder / "index")
    assert report.documents == ARTICLES and not report.rejected
    return folder / "index", corpus.read_text(encoding="utf-8")


def articles_with(text: str, word: str) -> int:
    return len({line for line in text.splitlines() if re.search(rf"\b{word}\b", line)})


@pytest.mark.parametrize(("query", "spellings"), [("Shoigu", ("Choïgou",)), ("Zelenski", ("Zelensky",))])
def test_a_spelling_finds_the_articles_of_the_others(lemonde, query, spellings):
    index_dir, text = lemonde
    expected = sum(articles_with(text, s) for s in spellings)
    assert expected > 0
    result = search(index_dir, query, SearchOptions(limit=500, match_all=True))
    assert result.total >= expected
    shown = {body_text(h) for h in result.hits}
    assert any(s in t for t in shown for s in spellings)


def body_text(hit) -> str:
    return hit.title + " ".join(s.text for s in hit.snippets)


@pytest.mark.parametrize(
    ("misspelt", "expected"),
    [
        ("negotiation", r"négociations?"),  # the form the articles use most, accents included
        ("title:Macorn", r"title:Macron"),
        ('"conseil de sécurté"', r'"conseil de sécurité"'),
    ],
)
def test_suggestions_are_shown_with_the_accents_of_the_articles(lemonde, misspelt, expected):
    index_dir, _ = lemonde
    result = search(index_dir, misspelt, SearchOptions(match_all=True))
    assert result.total == 0
    [suggestion] = result.suggestions
    assert re.fullmatch(expected, suggestion.query), suggestion.query
    assert suggestion.hits == search(index_dir, suggestion.query, SearchOptions(match_all=True)).total > 0


def test_highlights_fall_on_whole_words_of_the_article(lemonde):
    index_dir, _ = lemonde
    for hit in search(index_dir, "Poutine", SearchOptions(limit=20)).hits:
        for snippet in hit.snippets:
            for start, end in snippet.highlights:
                word = snippet.text[start - snippet.start : end - snippet.start]
                assert word.casefold() in {"poutine", "putin"}, word


#: Queries of two and three words, a union, names: the kinds whose top N Whoosh's
#: quality replacements cut short (a hit of --limit 20 missing from --limit 40).
TOP_QUERIES = [
    "réforme des retraites",
    "élection présidentielle",
    "guerre en Ukraine",
    "prix de l'énergie",
    "Macron Zelensky",
    "gaz russe",
    "climat OR énergie",
    "Biden OR Trump",
    "pouvoir d'achat",
    "assemblée nationale",
    "covid vaccin",
    "inflation salaires",
    "élections législatives",  # lost its 5th hit of 40 to Whoosh's "and maybe" (its optional side left behind)
]


def test_a_longer_page_starts_with_the_shorter_one(lemonde):
    """The top N is the top N: the first hits of ``--limit 40`` are those of
    ``--limit 5``, 10 and 20, in the same order, for every query."""
    index_dir, _ = lemonde
    for query in TOP_QUERIES:
        longest = [hit.id for hit in search(index_dir, query, SearchOptions(limit=200)).hits]
        for limit in (5, 10, 20, 40):
            shown = [hit.id for hit in search(index_dir, query, SearchOptions(limit=limit)).hits]
            assert shown == longest[:limit], (query, limit)
