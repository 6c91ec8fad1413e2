"""``similar`` as a reader sees it: the articles about the same things come first.

Each test writes a small corpus, indexes it on disk and asks for the articles like one of them.
"""

from __future__ import annotations

from helpers import article

from searchkit.search import similar

FILLER = [
    article(f"filler-{i}", f"Le conseil municipal de la commune numéro {i} a voté le budget des écoles et des routes.")
    for i in range(12)
]


def ids(index, article_id: str, limit: int = 3) -> list[str]:
    return [hit.id for hit in similar(index.dir, article_id, limit).hits]


def test_a_name_in_another_spelling_counts_before_common_words(make_index):
    index = make_index(
        [
            article(
                "source",
                "Sergueï Choïgou, le ministre russe de la défense, a rencontré ses généraux. Choïgou a promis "
                "des renforts sur le front. Le ministre a parlé longtemps.",
                title="Choïgou promet des renforts",
            ),
            article(
                "shoigu",
                "Sergei Shoigu visited the troops. Shoigu promised reinforcements, Moscow said.",
                title="Shoigu at the front",
            ),
            article(
                "common",
                "Le ministre de l'agriculture a parlé longtemps aux éleveurs, et le ministre a promis des aides.",
                title="Le ministre promet des aides",
            ),
            *FILLER,
        ]
    )
    found = ids(index, "source")
    assert found.index("shoigu") < found.index("common")


def test_the_title_says_what_the_article_is_about(make_index):
    # both candidates share one rare word with the source: the one in its title wins over a passing mention
    index = make_index(
        [
            article(
                "source",
                "Les producteurs bretons manquent de graines cette année. Un voyageur a évoqué un tableau de Vermeer.",
                title="Pénurie de sarrasin en Bretagne",
            ),
            article("buckwheat", "Les crêpiers inquiets pour leur sarrasin, dit-on.", title="Le sarrasin manque"),
            article("painting", "Un tableau de Vermeer exposé. Vermeer encore.", title="Une exposition"),
            *FILLER,
        ]
    )
    found = ids(index, "source")
    assert found[0] == "buckwheat"


def test_a_copy_of_the_article_is_not_listed_as_like_it(make_index):
    body = (
        "La foire Paris Plus remplace la FIAC au Grand Palais éphémère. Clément Delépine dirigera la foire, "
        "épaulé par Virginie Aubert. Les galeries attendent le programme."
    )
    index = make_index(
        [
            article("source", body, title="Clément Delépine dirigera Paris Plus"),
            article("copy", body, title="Clément Delépine dirigera Paris Plus"),
            article("fair", "Les galeries à la foire Paris Plus, qui remplace la FIAC.", title="Paris Plus ouvre"),
            *FILLER,
        ]
    )
    found = ids(index, "source")
    assert "copy" not in found and found[0] == "fair"


def test_each_hit_says_which_telling_words_it_shares_as_written(make_index):
    index = make_index(
        [
            article("source", "Le béluga de la Seine a été aperçu près de Vernon.", title="Le béluga de la Seine"),
            article("other", "Un béluga dans la Seine inquiète.", title="Béluga"),
            *FILLER,
        ]
    )
    hits = similar(index.dir, "source", 3).hits
    assert hits[0].id == "other"
    assert "béluga" in [word.casefold() for word in hits[0].shared] and "Seine" in hits[0].shared


def test_a_name_shared_in_its_other_spelling_is_shown_as_the_hit_writes_it(make_index):
    index = make_index(
        [
            article("source", "Sergueï Choïgou a promis des renforts. Choïgou a parlé.", title="Choïgou promet"),
            article("shoigu", "Sergei Shoigu promised reinforcements.", title="Shoigu at the front"),
            *FILLER,
        ]
    )
    found = similar(index.dir, "source", 3)
    assert found.hits[0].id == "shoigu" and "Shoigu" in found.hits[0].shared
    assert "shoigu" not in found.notes[0]  # the source's words as it writes them: Choïgou


def test_articles_sharing_only_lesser_words_come_when_the_heaviest_find_too_few(make_index, monkeypatch):
    # candidates are gathered by the heaviest telling words; when they find fewer than asked, every word gathers
    monkeypatch.setattr("searchkit.search.GATHER_WORDS", 1)
    index = make_index(
        [
            article(
                "source", "Le sarrasin breton manque. Les crêpiers de Quimper attendent.", title="Pénurie de sarrasin"
            ),
            article("buckwheat", "Le sarrasin manque encore.", title="Sarrasin"),
            article("crepes", "Les crêpiers de Quimper ouvrent leurs portes.", title="Quimper en fête"),
            *FILLER,
        ]
    )
    assert ids(index, "source")[:2] == ["buckwheat", "crepes"]


def test_of_two_articles_alike_the_one_written_at_the_time_of_the_story_comes_first(make_index):
    """The same words a year apart: the sale's follow-up of the next week before last year's bid."""
    story = "Le tribunal de commerce examine la vente du journal La Provence à l’armateur Rodolphe Saadé."
    index = make_index(
        [
            article("source", story, title="La Provence vendue", date="2022-06-20"),
            article("last-year", story, title="La Provence à vendre", date="2021-06-20"),
            article("next-week", story, title="La Provence à vendre", date="2022-06-27"),
            article("undated", story, title="La Provence à vendre"),
            *FILLER,
        ]
    )
    found = ids(index, "source", limit=3)
    assert found[0] == "next-week" and set(found) == {"next-week", "last-year", "undated"}
    assert [hit.id for hit in similar(index.dir, "undated", 2).hits] != []  # an undated article has no time to favour
