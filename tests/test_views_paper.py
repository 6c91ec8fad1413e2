"""Views a paper can use (issue 22): timelines whose numbers say what they are, drawn to
SVG or PNG; query sets (quanteda's YAML dictionaries, `name: query` lists) for timeline,
kwic, cooccur and the watchlist; `similar` within filters, saying why. Through the real
CLI on real indexes of articles the tests write."""

from __future__ import annotations

import csv
import io
import json

import pytest
from helpers import article, one_error_line, run_cli

# Twelve dated articles in 2022, four naming "zorglub"; one stray article dated 1970
# (a bad date in a source) names it too; one undated.
ARTICLES = [
    article("m01", "zorglub à Paris. Marine Le Pen et Jean-Luc Mélenchon.", date="2022-01-05", source="Le Monde"),
    article("m02", "Rien ici.", date="2022-01-20", source="Le Monde"),
    article("m03", "Rien non plus.", date="2022-02-03", source="Le Monde"),
    article("m04", "zorglub encore, et zorglub.", date="2022-03-10", source="Le Monde"),
    article("m05", "zorglub au marché.", date="2022-03-11", source="Le Monde"),
    article("m06", "Le marché de Lyon.", date="2022-03-12", source="Le Monde"),
    article("m07", "Un festival.", date="2022-04-01", source="Le Monde"),
    article("m08", "Un autre festival.", date="2022-05-01", source="Le Monde"),
    article("m09", "zorglub en juin.", date="2022-06-01", source="Le Monde"),
    article("m10", "Des élections.", date="2022-06-15", source="Le Monde"),
    article("stray", "zorglub, daté de 1970 par erreur.", date="1970-01-01", source="Le Monde"),
    article("nodate", "zorglub sans date.", source="Le Monde"),
]  # fmt: skip


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    from helpers import Indexed

    return Indexed(tmp_path_factory.mktemp("paper"), ARTICLES)


def cli_json(*args: str) -> dict:
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --- timeline -------------------------------------------------------------------------------


def test_timeline_peak_says_what_its_percentages_are_shares_of(paper):
    done = run_cli("timeline", "zorglub", "--by", "month", "--index", str(paper.dir))
    assert done.returncode == 0, done.stderr
    # March: 2 of the query's 6 articles, and 2 of the 3 articles of March.
    assert "peak 2022-03: 2 articles, 33.3% of the query's 6 and 66.7% of all 3 articles that month" in " ".join(
        done.stdout.split()
    )
    peak = cli_json("timeline", "zorglub", "--by", "month", "--index", str(paper.dir), "--json")["queries"][0]["peak"]
    assert peak == {"bucket": "2022-03", "count": 2, "of_query": round(2 / 6, 6), "of_bucket": round(2 / 3, 6)}


def test_timeline_range_auto_leaves_a_stray_date_out_and_says_so_all_keeps_it(paper):
    trimmed = cli_json("timeline", "zorglub", "--by", "month", "--index", str(paper.dir), "--json")
    months = [r["bucket"] for r in trimmed["rows"] if r["bucket"] != "undated"]
    assert months == [f"2022-{m:02d}" for m in range(1, 7)]  # not 631 months from 1970
    assert trimmed["trimmed"] == [{"first": "1970-01-01", "last": "1970-01-01", "articles": 1}]
    assert any("1970-01-01" in note and "--range all" in note for note in trimmed["notes"])
    series = trimmed["queries"][0]
    assert (series["total"], series["undated"], series["trimmed"]) == (6, 1, 1)
    shown = run_cli("timeline", "zorglub", "--by", "month", "--index", str(paper.dir)).stdout
    assert "1 outside the chart's range (not drawn)" in shown and "1970-01-01" in shown
    everything = cli_json("timeline", "zorglub", "--by", "year", "--range", "all", "--index", str(paper.dir), "--json")
    years = [r["bucket"] for r in everything["rows"] if r["bucket"] != "undated"]
    assert years[0] == "1970" and years[-1] == "2022" and len(years) == 53
    assert everything["trimmed"] == [] and everything["queries"][0]["trimmed"] == 0
    # An explicit --since/--until is the user's range: nothing is trimmed from it.
    given = cli_json("timeline", "zorglub", "--since", "1960", "--by", "year", "--index", str(paper.dir), "--json")
    assert given["trimmed"] == [] and given["rows"][0]["bucket"] == "1960"
    bad = run_cli("timeline", "zorglub", "--range", "some", "--index", str(paper.dir))
    assert bad.returncode == 2 and "--range 'some'" in one_error_line(bad.stderr)


def test_timeline_with_no_match_prints_zero_counts_as_json_and_csv_with_exit_1(paper):
    as_json = run_cli("timeline", "introuvable", "--by", "month", "--index", str(paper.dir), "--json")
    assert as_json.returncode == 1
    found = json.loads(as_json.stdout)
    assert found["queries"][0]["total"] == 0 and found["queries"][0]["peak"] is None
    assert [r["count"] for r in found["rows"]] == [0] * 6  # the corpus's months, stray 1970 left out
    assert "no article matches 'introuvable'" in found["notes"]
    as_csv = run_cli("timeline", "introuvable", "--by", "year", "--index", str(paper.dir), "--csv")
    assert as_csv.returncode == 1
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["bucket"], r["count"], r["articles"]) for r in rows] == [("2022", "0", "10")]
    for_people = run_cli("timeline", "introuvable", "--index", str(paper.dir))
    assert for_people.returncode == 1 and for_people.stdout == ""
    assert "no article matches 'introuvable'" in one_error_line(for_people.stderr)


@pytest.mark.parametrize("kind", ["svg", "png"])
def test_timeline_plot_draws_the_chart_with_queries_bucket_and_corpus_in_its_caption(paper, tmp_path, kind):
    target = tmp_path / f"chart.{kind}"
    done = run_cli("timeline", "zorglub", "marché", "--by", "month", "--plot", str(target), "--index", str(paper.dir))
    assert done.returncode == 0, done.stderr
    assert "Articles a month" in done.stdout  # the chart for people is still printed
    data = target.read_bytes()
    if kind == "png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    else:
        text = data.decode("utf-8")
        assert text.lstrip().startswith("<?xml") and "</svg>" in text
        for words in ("Queries: zorglub; marché.", "Counted: matching articles a month.", "Corpus: Le Monde: 12"):
            assert words in text  # text, not glyph paths: searchable, editable


@pytest.mark.parametrize(
    ("path", "message"),
    [("chart.pdf", "extension"), ("missing/chart.png", "no folder")],
)
def test_timeline_plot_bad_path_is_one_line_and_exit_2_before_any_work(paper, tmp_path, path, message):
    done = run_cli("timeline", "zorglub", "--plot", str(tmp_path / path), "--index", str(paper.dir))
    assert done.returncode == 2
    assert message in one_error_line(done.stderr)
    assert done.stdout == ""


# --- similar --------------------------------------------------------------------------------

SPY = "L’espion Litvinenko empoisonné au polonium à Londres ; le Kremlin nie, l’enquête accuse le FSB."
SIMILAR = [
    article("spy", SPY + " Les enquêteurs britanniques suivent la piste du polonium.", date="2022-02-01",
            source="Le Monde"),
    article("old", "Polonium et espion : le FSB et le Kremlin mis en cause pour Litvinenko.", date="2021-05-01",
            source="Le Monde"),
    article("new", "Litvinenko : l’enquête sur le polonium relancée à Londres, le FSB visé.", date="2022-09-01",
            source="Libération"),
    article("other", "Le Kremlin et le FSB renforcent la censure.", date="2022-10-01", source="Le Monde"),
    article("far", "Football : la victoire à Londres.", date="2022-03-01", source="Le Monde"),
]  # fmt: skip


@pytest.fixture(scope="module")
def spies(tmp_path_factory):
    from helpers import Indexed

    return Indexed(tmp_path_factory.mktemp("similar"), SIMILAR)


def test_similar_says_which_telling_words_each_hit_shares(spies):
    found = cli_json("similar", "spy", "--index", str(spies.dir), "--json")
    hits = {h["id"]: h for h in found["hits"]}
    assert set(hits) >= {"old", "new", "other"} and "spy" not in hits
    by_id = {a["id"]: f"{a['title']} {a['body']}".casefold() for a in SIMILAR}
    for hit_id, hit in hits.items():
        assert hit["shared_words"], hit_id
        for word in hit["shared_words"]:  # each shared word is written in both articles
            assert word.casefold() in by_id["spy"] and word.casefold() in by_id[hit_id], (hit_id, word)
    assert {"Litvinenko", "polonium"} <= set(hits["new"]["shared_words"])
    assert not {"Litvinenko", "polonium"} & set(hits["other"]["shared_words"])
    assert any(note.startswith("the telling words of spy: ") and "Litvinenko" in note for note in found["notes"])
    shown = run_cli("similar", "spy", "--index", str(spies.dir), "--color", "never").stdout
    assert "shares: " in shown and "Litvinenko" in shown.split("shares: ", 1)[1]


def test_similar_takes_since_until_and_source_as_search_does(spies):
    def ids(*options: str) -> set[str]:
        return {h["id"] for h in cli_json("similar", "spy", *options, "--index", str(spies.dir), "--json")["hits"]}

    everything = ids()
    assert {"old", "new"} <= everything
    assert ids("--since", "2022") == everything - {"old"}
    assert ids("--until", "2022-06") == {"old", "far"} & everything
    assert ids("--source", "Libération") == {"new"}
    none = run_cli("similar", "spy", "--since", "2030", "--index", str(spies.dir), "--json")
    assert none.returncode == 1 and json.loads(none.stdout)["hits"] == []
    bad = run_cli("similar", "spy", "--since", "2022-13", "--index", str(spies.dir))
    assert bad.returncode == 2 and "No such option" not in bad.stderr
    one_error_line(bad.stderr)
