"""Searching a real index: ranking, matching strategy, phrases, filters, snippets."""

from __future__ import annotations

import json

import pytest
from helpers import article, write_jsonl

from searchkit.errors import IndexUnavailable, QueryError
from searchkit.indexing import build_index
from searchkit.search import SearchOptions, search, show


@pytest.fixture
def news(make_index):
    return make_index(
        [
            article(
                "kyiv",
                "Le Conseil de sécurité de l’ONU s’est réuni sur l’Ukraine. Sergueï Choïgou était absent.",
                title="Réunion à New York",
                date="2022-03-02",
                source="Le Monde",
            ),
            article(
                "moscou",
                "À Moscou, Sergei Shoigu a présidé une réunion sur la mobilisation et l’Iran.",
                title="Mobilisation en Russie",
                date="2022-09-21",
                source="Wikinews",
            ),
            article(
                "teheran",
                "Téhéran et Moscou ont évoqué le Conseil de sécurité. L’Iran reste prudent.",
                title="Diplomatie iranienne",
                date="2022-06-15",
                source="Le Monde",
            ),
            article("sport", "Le match de football s’est joué à guichets fermés.", title="Football", date="2021-01-10"),
        ]
    )


def test_phrase_combined_with_a_word_in_a_large_or(news):
    # Whoosh 2.7.4's SpanNear2 raised NameError when an Or estimated its size.
    assert news.ids('"conseil de sécurité" iran', match_all=True) == ["teheran"]


def test_name_phrase_matches_other_spellings(news):
    assert set(news.ids('"Sergei Shoigu"')) == {"kyiv", "moscou"}
    assert news.ids('"Sergei Shoigu"')[0] == "moscou"  # the exact spelling first


def test_every_word_required_first_then_partial_matches(news):
    result = news.search("choïgou iran")
    assert [(h.id, h.partial) for h in result.hits][:1] == [("moscou", False)]
    partial = {h.id for h in result.hits if h.partial}
    assert partial == {"kyiv", "teheran"}
    assert all(not h.partial for h in result.hits[:1]) and all(h.partial for h in result.hits[1:])


def test_match_all_drops_partial_matches(news):
    assert news.ids("choïgou iran", match_all=True) == ["moscou"]


def test_or_and_not(news):
    assert set(news.ids("football OR mobilisation")) == {"sport", "moscou"}
    assert news.ids("choigou -iran") == ["kyiv"]
    assert news.ids("choigou NOT iran") == ["kyiv"]
    assert set(news.ids("-choigou")) == {"teheran", "sport"}


def test_title_field_and_prefix(news):
    assert news.ids("title:mobilisation") == ["moscou"]
    assert news.ids("title:choigou") == []
    assert set(news.ids("iran*")) == {"moscou", "teheran"}  # Iran, iranienne


def test_fuzzy_tolerates_a_typo(news):
    assert news.ids("mobilsation") == []
    assert news.ids("mobilsation~") == ["moscou"]


def test_date_filters(news):
    assert set(news.ids("date:2022-06 OR date:2021")) == {"teheran", "sport"}
    assert set(news.ids("conseil", since="2022-03-01", until="2022-06-30")) == {"kyiv", "teheran"}
    assert news.ids("conseil", since="2022-04") == ["teheran"]
    assert set(news.ids("date:2022-03..2022-09 moscou")) == {"moscou", "teheran"}


def test_source_filter(news):
    assert set(news.ids("conseil", source="le monde")) == {"kyiv", "teheran"}
    assert news.ids("source:wikinews") == ["moscou"]


def test_sort_by_date_newest_first(news):
    assert news.ids("moscou OR conseil OR football", sort="date") == ["moscou", "teheran", "kyiv", "sport"]


def test_sort_by_date_puts_the_same_date_in_id_order_and_undated_last_across_updates(make_index):
    def articles(changed: str = "Le conseil a voté.") -> list[dict]:
        same_day = [article(i, changed if i == "c" else "Le conseil a voté.", date="2022-05-01") for i in "mcxa"]
        newer = article("new", "Le conseil a voté.", date="2022-06-01")
        return [*same_day, newer, article("u2", "Le conseil a voté."), article("u1", "Le conseil a voté.")]

    archive = make_index(articles())
    expected = ["new", "a", "c", "m", "x", "u1", "u2"]
    assert archive.ids("conseil", sort="date", limit=20) == expected
    # "c" changed: indexed again, it is now the index's last document, and keeps its place
    write_jsonl(archive.corpus, articles("Le conseil a voté deux fois."))
    assert build_index([archive.corpus], archive.dir).updated == 1
    assert archive.ids("conseil", sort="date", limit=20) == expected
    pages = [archive.ids("conseil", sort="date", limit=3, offset=offset) for offset in (0, 3, 6)]
    assert [i for page in pages for i in page] == expected


def test_pages_do_not_overlap(news):
    first = news.ids("moscou OR conseil OR football", limit=2)
    second = news.ids("moscou OR conseil OR football", limit=2, offset=2)
    assert len(first) == 2 and len(second) == 2 and not set(first) & set(second)


def test_total_counts_all_matches_not_just_the_page(news):
    assert news.search("moscou OR conseil OR football", limit=1).total == 4


def test_title_weighs_more_than_body(make_index):
    indexed = make_index(
        [
            article("body", "Un long texte qui parle de la négociation parmi bien d’autres sujets du jour."),
            article("title", "Un long texte qui parle de bien d’autres sujets du jour.", title="Négociation"),
        ]
    )
    assert indexed.ids("négociation") == ["title", "body"]


def test_snippets_are_passages_around_each_match_in_text_order(make_index):
    filler = "Une phrase sans rapport avec le sujet du jour. " * 40
    indexed = make_index([article("long", f"{filler}Le Kremlin a parlé. {filler}Le Kremlin a encore parlé. {filler}")])
    body = json.loads(indexed.corpus.read_text())["body"]
    hit = indexed.search("kremlin").hits[0]
    assert len(hit.snippets) == 2
    assert hit.snippets[0].start < hit.snippets[1].start
    for snippet in hit.snippets:
        assert snippet.text == body[snippet.start : snippet.end]
        assert [body[start:end] for start, end in snippet.highlights] == ["Kremlin"]


def test_no_hit_snippet_is_the_lead(make_index):
    indexed = make_index([article("a", "Premier paragraphe.\n\nSecond paragraphe.", title="Kremlin")])
    hit = indexed.search("kremlin").hits[0]
    assert hit.snippets[0].start == 0 and hit.snippets[0].highlights == ()
    assert hit.title_highlights == ((0, 7),)


def test_a_phrase_is_highlighted_where_it_matched_not_its_words_elsewhere(make_index):
    """The François of François Busnel is no match of "François Martin": it was highlighted,
    because a snippet marked every word of the phrase wherever it stood."""
    indexed = make_index(
        [
            article(
                "martin",
                "François Busnel reçoit ce soir. Plus tard, Francois Martin, le maire, et Martine Aubry.",
                title="François Martin répond",
            ),
            article("other", "Le ministre François Dupont a salué Jean Martin.", title="Autre chose"),
        ]
    )
    (hit,) = indexed.search('"François Martin"').hits
    assert [hit.title[a:b] for a, b in hit.title_highlights] == ["François Martin"]
    assert [s.text[a - s.start : b - s.start] for s in hit.snippets for a, b in s.highlights] == ["Francois Martin"]
    # a word searched on its own as well is highlighted wherever it stands
    (hit,) = [h for h in indexed.search('"François Martin" françois').hits if h.id == "martin"]
    marked = [s.text[a - s.start : b - s.start] for s in hit.snippets for a, b in s.highlights]
    assert marked == ["François", "Francois Martin"]


def test_a_phrase_of_names_is_highlighted_in_the_spelling_each_article_used(news):
    (hit,) = [h for h in news.search('"Sergei Shoigu"').hits if h.id == "kyiv"]
    assert [s.text[a - s.start : b - s.start] for s in hit.snippets for a, b in s.highlights] == ["Sergueï Choïgou"]
    shown = show(news.dir, "kyiv", '"Sergei Shoigu"')
    assert [shown.body[a:b] for a, b in shown.body_highlights] == ["Sergueï Choïgou"]


def test_only_stop_words_is_an_error_not_everything(news):
    with pytest.raises(QueryError, match="only stop words"):
        news.search("le la de")


def test_missing_index_is_index_unavailable(tmp_path):
    with pytest.raises(IndexUnavailable, match="no index"):
        search(tmp_path / "nothing", "iran", SearchOptions())


def test_counting_can_be_left_out_without_changing_the_hits(news):
    counted = news.search("moscou OR conseil OR football", limit=2)
    uncounted = news.search("moscou OR conseil OR football", limit=2, count=False)
    assert counted.total == 4 and uncounted.total is None
    assert [h.id for h in uncounted.hits] == [h.id for h in counted.hits]


def test_a_searcher_searches_many_times_and_sees_an_update_made_meanwhile(news):
    from helpers import write_jsonl

    from searchkit.indexing import build_index
    from searchkit.search import Searcher

    with Searcher(news.dir) as searcher:
        before = [hit.id for hit in searcher.search("conseil").hits]
        assert [hit.id for hit in searcher.search("conseil").hits] == before
        write_jsonl(news.corpus, [*json_lines(news.corpus), article("new", "Un nouveau conseil des ministres.")])
        assert build_index([news.corpus], news.dir).added == 1
        assert "new" in [hit.id for hit in searcher.search("conseil").hits]
    assert news.ids("conseil") == [hit.id for hit in search(news.dir, "conseil").hits]


def json_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]
