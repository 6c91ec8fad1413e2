"""Prefixes and fuzzy words: ordinary ones rank by their words' scores, broad
ones (``de*``, whose words fill most of the archive) score alike.

An ordinary prefix's ranking is compared with Whoosh's own scoring of the same
words on the bundled corpus; the broad path is reached on the same corpus by
lowering ``MAX_SCORED_POSTINGS`` (``de*`` holds 3,697 postings there, 558,126 at
100,000 articles).
"""

from __future__ import annotations

import pytest
from helpers import open_live
from whoosh import index as whoosh_index
from whoosh import query as wq

from searchkit.analysis import fold
from searchkit.engine import TEXT_FIELDS, whoosh_expansions
from searchkit.engine.whoosh_engine import WEIGHTING, WhooshIndex, build_schema
from searchkit.engine.whoosh_query import TITLE_BOOST, compile_query
from searchkit.generations import current_generation
from searchkit.query import parse
from searchkit.search import Searcher, SearchOptions

#: Below every ordinary prefix of the bundled corpus, above ``de*``'s postings there.
LOWERED_BUDGET = 1_000


@pytest.fixture
def broad(monkeypatch):
    monkeypatch.setattr(whoosh_expansions, "MAX_SCORED_POSTINGS", LOWERED_BUDGET)


@pytest.mark.parametrize("prefix", ["ukrain", "présiden", "zelensk"])
def test_an_ordinary_prefix_ranks_as_whoosh_scores_its_words(seed_index, prefix):
    with Searcher(seed_index) as searcher:
        result = searcher.search(f"{prefix}*", SearchOptions(limit=10))
    assert result.notes == []  # fewer than 50 words: Whoosh's own Prefix expands to the same ones
    ix = whoosh_index.open_dir(str(current_generation(seed_index)))
    folded = prefix.replace("é", "e")
    with ix.searcher(weighting=WEIGHTING) as whoosh:
        # An OR of the words' terms: Whoosh's Prefix(constantscore=False) loses hits to block-quality pruning.
        query = wq.Or(
            [
                wq.Term(field, word, boost=TITLE_BOOST if field == "title" else 1.0)
                for field in TEXT_FIELDS
                for word in whoosh.reader().expand_prefix(field, folded)
            ]
        )
        expected = [(hit["id"], hit.score) for hit in whoosh.search(query, limit=10)]
    assert len(expected) >= 3
    assert [hit.id for hit in result.hits] == [article_id for article_id, _ in expected]
    assert [hit.score for hit in result.hits] == pytest.approx([score for _, score in expected])


def test_a_lone_broad_prefix_lists_its_articles_in_the_index_order_and_says_so(seed_index, broad):
    with Searcher(seed_index) as searcher:
        result = searcher.search("de*", SearchOptions(limit=10, snippets=2))
        whole = searcher.search("de*", SearchOptions(limit=2_000))
    with open_live(seed_index) as index:
        docnums = [index.docnum_of(hit.id) for hit in result.hits]
    assert len(result.hits) == 10
    assert docnums == sorted(docnums)
    assert len({hit.score for hit in result.hits}) == 1
    assert [hit.id for hit in whole.hits[:10]] == [hit.id for hit in result.hits]
    assert result.notes[-1] == (
        f"de*: its words fill 3,697 title and body fields, over the {LOWERED_BUDGET:,} scored: every article "
        "holding one scores alike (ranked by the other words, then in the index's order)"
    )
    marked = [
        {fold(s.text[a - s.start : b - s.start]) for s in hit.snippets for a, b in s.highlights} for hit in result.hits
    ]
    assert sum(1 for words in marked if words) >= 8  # the others hold a word in their title only
    assert all(word.startswith("de") for words in marked for word in words)


def test_a_broad_prefix_matches_the_same_articles_as_when_scored(seed_index, monkeypatch):
    with Searcher(seed_index) as searcher:
        scored = searcher.search("de*", SearchOptions(limit=2_000))
        monkeypatch.setattr(whoosh_expansions, "MAX_SCORED_POSTINGS", LOWERED_BUDGET)
        alike = searcher.search("de*", SearchOptions(limit=2_000))
    assert len(scored.hits) > 1_000
    assert alike.total == scored.total
    assert {hit.id for hit in alike.hits} == {hit.id for hit in scored.hits}
    assert not any("scores alike" in note for note in scored.notes)


def test_the_other_words_of_the_query_rank_the_articles_of_a_broad_prefix(seed_index, broad):
    with Searcher(seed_index) as searcher:
        holding = {hit.id for hit in searcher.search("de*", SearchOptions(limit=2_000)).hits}
        alone = [hit.id for hit in searcher.search("guerre", SearchOptions(limit=2_000)).hits]
        both = searcher.search("guerre de*", SearchOptions(limit=10, match_all=True))
    expected = [article_id for article_id in alone if article_id in holding][:10]
    assert len(expected) == 10 and expected != alone[:10]
    assert [hit.id for hit in both.hits] == expected


def test_a_lone_broad_prefix_reads_the_articles_of_one_segment_of_many(tmp_path, broad, monkeypatch):
    """The later segments cannot rank above the first's ten articles: they are not read."""
    read = []
    articles = whoosh_expansions._articles
    monkeypatch.setattr(
        whoosh_expansions, "_articles", lambda reader, key: read.append(reader) or articles(reader, key)
    )
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    for segment in range(3):
        writer = ix.writer()
        for number in range(400):
            writer.add_document(id=f"{segment}-{number}", title="titre", body="le débat de la dette des députés")
        writer.commit(merge=False)
    query = compile_query(parse("de*"), _NoVariants())
    with WhooshIndex(tmp_path) as index:
        found = [index.stored(ranked.docnum)["id"] for ranked in index.ranked(query, 10)]
        assert len(read) == 1  # the first segment
        assert index.count(query) == 1_200  # every segment, when all are asked for
    assert found == [f"0-{number}" for number in range(10)]
    assert len({id(reader) for reader in read}) == 3


class _NoVariants:
    """No name has another spelling: a plain Whoosh index has no variant table."""

    def spellings(self, folded: str) -> set[str]:
        return {folded}
