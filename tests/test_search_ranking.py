"""Coordination (issue 23): among articles holding only some of the query's words,
more of them, weighed by rarity, before fewer."""

from __future__ import annotations

import pytest
from helpers import article

from searchkit import ranking

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
