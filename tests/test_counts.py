"""The count of a search: exact when cheap, otherwise estimated from a sample and shown as "about N".

The thresholds are lowered here (``monkeypatch``) so that a 2,000-article
index behaves as a large archive does with the real ones; the last test keeps
the real thresholds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import MARKER, generated_articles, open_live, write_jsonl
from typer.testing import CliRunner
from whoosh import query as wq

from searchkit.cli import app
from searchkit.engine import whoosh_counts
from searchkit.indexing import build_index
from searchkit.search import SearchOptions, search

ARTICLES = 2000


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("counts")
    index_dir = root / "index"
    build_index([write_jsonl(root / "corpus.jsonl", generated_articles(ARTICLES))], index_dir)
    return index_dir


@pytest.fixture
def small_budget(monkeypatch):
    """Counts over 1,000 postings are estimated, from samples of about 600."""
    monkeypatch.setattr(whoosh_counts, "EXACT_COUNT_POSTINGS", 1_000)
    monkeypatch.setattr(whoosh_counts, "SAMPLE_POSTINGS", 600)
    monkeypatch.setattr(whoosh_counts, "MIN_SAMPLED_MATCHES", 100)


def counted(index_dir: Path, query: str, **options) -> tuple[int, bool]:
    found = search(index_dir, query, SearchOptions(**options))
    return found.total, found.total_estimated


@pytest.mark.parametrize(
    "query, options",
    [
        ("gouv*", {}),
        ("gouvernement", {"since": "2022-07-01"}),
        ("grève OR syndicat", {"since": "2022-07-01"}),
        ("gouvernement date:2022-01..2022-06", {}),
    ],
)
def test_a_costly_count_is_an_estimate_close_to_the_exact_count(archive, small_budget, query, options):
    exact, exact_estimated = counted(archive, query, exact_count=True, **options)
    estimate, estimated = counted(archive, query, **options)
    assert not exact_estimated and estimated
    assert abs(estimate - exact) <= 0.1 * exact, (estimate, exact)


@pytest.mark.parametrize(
    "query, options",
    [
        ("grève OR syndicat", {}),
        (f"gouvernement -{MARKER}", {}),
        ("électricité nucléaire", {"match_all": True}),
        ("gouvernement", {}),
    ],
)
def test_a_count_whose_articles_the_ranking_read_whole_is_exact(archive, small_budget, query, options):
    """A word, or an OR or an AND of words, is ranked by summing its postings over the articles
    it matches, read whole: its count is then exact, at no cost, however many postings it holds."""
    exact = counted(archive, query, exact_count=True, **options)
    assert counted(archive, query, **options) == exact and exact[0] > 100


def test_an_estimate_keeps_three_significant_figures():
    assert [whoosh_counts.about(n) for n in (96_852.4, 1_234.5, 999.6, 15_849, 1_000_499)] == [
        96_900,
        1_230,
        1_000,
        15_800,
        1_000_000,
    ]


def test_a_rare_combination_of_frequent_words_is_counted_exactly_not_as_about_zero(archive, small_budget):
    exact, _ = counted(archive, f"gouvernement {MARKER}", match_all=True, exact_count=True)
    assert 0 < exact < 100
    assert counted(archive, f"gouvernement {MARKER}", match_all=True) == (exact, False)


def test_a_phrase_is_never_estimated(archive, small_budget):
    total, estimated = counted(archive, '"conseil municipal"')
    assert not estimated
    assert total == counted(archive, '"conseil municipal"', exact_count=True)[0]


def test_the_cli_says_about_and_exact_count_counts_everything(archive, small_budget):
    runner = CliRunner()
    shown = runner.invoke(app, ["search", "gouv*", "--index", str(archive)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    estimate = json.loads(runner.invoke(app, ["search", "gouv*", "--index", str(archive), "--json"]).stdout)
    assert estimate["total_estimated"] is True
    assert shown.output.splitlines()[0].startswith(f"about {estimate['total']:,} articles for 'gouv*'")
    exact_args = ["search", "gouv*", "--index", str(archive), "--json", "--exact-count"]
    exact = json.loads(runner.invoke(app, exact_args).stdout)
    assert exact["total_estimated"] is False
    assert exact["total"] == counted(archive, "gouv*", exact_count=True)[0] != estimate["total"]


def test_with_the_real_budget_a_small_archive_is_counted_exactly(archive):
    for query in ("gouvernement", "grève OR syndicat", "gouv*"):
        assert counted(archive, query) == counted(archive, query, exact_count=True)
        assert counted(archive, query)[1] is False


def test_a_word_less_the_names_decided_apart_is_counted_by_posting_sets(archive):
    """A name's stem less the names decided apart from it (Sainte less Saint) is an AndNot:
    counted by set operations, as its words are, not by Whoosh's matcher over every article."""
    with open_live(archive) as index:
        searcher = index._searcher
        (_, common), (_, other) = searcher.reader().most_frequent_terms("body", 2)
        query = wq.AndNot(wq.Term("body", common), wq.Term("body", other))

        found = whoosh_counts.matching(query, searcher)

        assert found == set(searcher.docs_for_query(query)) and found
        reader = searcher.reader()
        assert whoosh_counts.postings_cost(query, reader) == sum(
            reader.doc_frequency("body", term) for term in (common, other)
        )


@pytest.mark.parametrize(
    "query",
    ['"conseil municipal" gouvernement', f'"conseil municipal" gouvernement -{MARKER}', "Jean-Marc grève syndicat"],
)
def test_a_phrase_beside_words_is_checked_only_where_the_words_are_and_matches_as_whoosh_does(archive, query):
    """The articles of a phrase AND words: the words' articles by posting sets, the phrase's
    positions read in those alone, segment by segment; the same articles as Whoosh's matcher."""
    from searchkit.names.table import Variants
    from searchkit.query import parse

    with open_live(archive) as index:
        searcher = index._searcher
        assert len(searcher.leaf_searchers()) > 1, "the archive is written in several segments"
        variants = Variants(index)
        compiled = index.compile(parse(query), variants)
        variants.close()
        found = whoosh_counts.matching(compiled, searcher)
        assert found is not None and found == set(searcher.docs_for_query(compiled))
        if "Jean" not in query:
            assert found
