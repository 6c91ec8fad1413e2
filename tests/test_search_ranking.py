"""Coordination (issue 23): among articles holding only some of the query's words,
more of them, weighed by rarity, before fewer."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import article, write_jsonl

from searchkit import ranking
from searchkit.indexing import build_index
from searchkit.search import SearchOptions, search

FILLER = "Le préfet a annoncé le limogeage du directeur après une enquête administrative sur la gestion du service."


@pytest.fixture
def press(make_index):
    return make_index(
        [
            article(
                "commandement",
                "Sergueï Choïgou a reçu le général Valeri Guérassimov au ministère. "
                "La réunion portait sur l'état de l'armée, les munitions, les réserves et la logistique "
                "du front dans le Donbass, où les troupes manquent d'équipement depuis le printemps.",
                title="L'armée russe en difficulté",
            ),
            article(
                "marseille",
                "Limogeage du commissaire : le limogeage, le troisième limogeage de l'année, surprend.",
                title="Limogeage à Marseille",
            ),
            *(article(f"autre{i}", FILLER, title=f"Service {i}") for i in range(6)),
        ]
    )


def test_the_rare_words_together_rank_above_a_common_word_repeated(press):
    hits = press.search("Choïgou Guérassimov limogeage").hits
    assert all(hit.partial for hit in hits)  # no article holds all three words
    assert hits[0].id == "commandement"
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


def test_bm25_alone_would_put_the_repeated_word_first(press, monkeypatch):
    # What coordination changes: without it, the title and the repeats of the common word win.
    monkeypatch.setattr(ranking, "COORDINATION", 0)
    assert press.ids("Choïgou Guérassimov limogeage")[0] == "marseille"


def test_a_page_is_the_same_whatever_the_number_of_hits_asked_for(press):
    every = press.ids("Choïgou Guérassimov limogeage", limit=20)
    assert press.ids("Choïgou Guérassimov limogeage", limit=3) == every[:3]
    assert press.ids("Choïgou Guérassimov limogeage", limit=3, offset=3) == every[3:6]


def test_articles_holding_every_word_keep_their_order_and_come_first(press):
    hits = press.search("limogeage enquête").hits
    assert not any(hit.partial for hit in hits[:6])
    assert {hit.id for hit in hits[:6]} == {f"autre{i}" for i in range(6)}


@pytest.fixture(scope="module")
def titled(tmp_path_factory) -> Path:
    """Articles whose bodies all hold "alpha" and "beta" (a word in every body weighs little),
    a few of whose titles hold them too (a rare title word weighs much): the top of "alpha beta"
    is the articles with both in their titles, ordered by their bodies."""
    articles = []
    for i in range(420):
        title = " ".join(w for w, every in (("alpha", 7), ("beta", 5)) if i % every == 0) or "autre"
        body = "alpha " * (1 + i % 4) + "beta " * (1 + i % 3) + "gamma delta " * (i % 11)
        articles.append(article(f"d{i:03d}", body, title=title))
    root = tmp_path_factory.mktemp("titled")
    write_jsonl(root / "corpus.jsonl", articles)
    build_index([root / "corpus.jsonl"], root / "index")
    return root / "index"


@pytest.mark.parametrize("query", ["alpha beta", "alpha OR beta", "beta alpha gamma", "alpha", "gamma OR delta"])
def test_the_first_page_is_the_top_of_the_whole_ranking(titled, query):
    """Pruning by score bounds (what cannot reach the top N is not scored) never changes the
    top N: each page, and its scores, are those of the ranking of every match."""
    whole = [(hit.id, round(hit.score, 9)) for hit in search(titled, query, SearchOptions(limit=420)).hits]
    assert len(whole) > 20
    for limit in (3, 5, 10):
        page = [(hit.id, round(hit.score, 9)) for hit in search(titled, query, SearchOptions(limit=limit)).hits]
        assert page == whole[:limit], (query, limit)
