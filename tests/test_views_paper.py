"""Views a paper can use (issue 22): timelines whose numbers say what they are, drawn to
SVG or PNG; query sets (quanteda's YAML dictionaries, `name: query` lists) for timeline,
kwic, cooccur and the watchlist; `similar` within filters, saying why. Through the real
CLI on real indexes of articles the tests write."""

from __future__ import annotations

import csv
import io
import json
import os
import re

import pytest
from helpers import article, cli_json, invoke, one_error_line, run_cli

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


# --- cooccur: names as the press writes them --------------------------------------------------

PRESS = "Le Monde (RSS politique)"
NEUTRAL = "le point politique"  #: a title naming no one
# "selon" is written in lower case in most articles: the index does not hold "Selon" as a name.
POLITICS = [
    article("p1", "Jean-Luc Mélenchon a reçu Marine Le Pen à New York. Selon Mélenchon, Le Pen hésite. "
            "Le Monde l’a appris.", title="Mélenchon à New York", date="2022-01-03", source=PRESS),
    article("p2", "Jean-Luc Mélenchon et Emmanuel Macron, selon un proche. M. Macron répond ; Mme Le Pen se tait. "
            "Le Monde a interrogé Charles de Gaulle (un homonyme).", title=NEUTRAL, date="2022-01-04", source=PRESS),
    article("p3", "Jean-Luc Mélenchon critique la Russie de Poutine et Emmanuel Macron à New York, selon lui.",
            title=NEUTRAL, date="2022-01-05", source=PRESS),
    article("p4", "Jean-Luc Mélenchon, Marine Le Pen et Emmanuel Macron débattent. Macron gagne, selon eux.",
            title=NEUTRAL, date="2022-01-06", source=PRESS),
    article("p5", "Emmanuel Macron à New York, sans Mélenchon. Selon le Monde, rien.", title=NEUTRAL,
            date="2022-01-07", source=PRESS),
    article("q1", "Marine Le Pen à Paris, selon la presse. Macron absent.", title=NEUTRAL, date="2022-01-08",
            source=PRESS),
    article("q2", "New York sous la neige ; Paris aussi, selon la météo.", title=NEUTRAL, date="2022-01-09",
            source=PRESS),
    article("q3", "Emmanuel Macron et Charles de Gaulle, un parallèle selon certains.", title=NEUTRAL,
            date="2022-01-10", source=PRESS),
]  # fmt: skip


@pytest.fixture(scope="module")
def politics(tmp_path_factory):
    from helpers import Indexed

    return Indexed(tmp_path_factory.mktemp("politics"), POLITICS)


def naming(pattern: str, articles: list[dict]) -> list[str]:
    return [a["id"] for a in articles if re.search(rf"(?<!\w){pattern}(?!\w)", f"{a['title']}\n{a['body']}")]


def test_cooccur_lists_names_as_the_press_writes_them(politics):
    found = cli_json("cooccur", "Mélenchon", "--min-articles", "1", "--index", str(politics.dir), "--json")
    names = {n["name"]: n for n in found["names"]}
    matching = naming("Mélenchon", POLITICS)
    assert found["articles"] == len(matching) == 5
    # One name each, not Marine + Pen, New + York, Emmanuel + Macron, Charles + Gaulle.
    assert {"Marine Le Pen", "New York", "Emmanuel Macron", "Charles de Gaulle", "Russie", "Poutine"} <= set(names)
    assert not {"Marine", "Pen", "New", "York", "Emmanuel", "Charles", "Gaulle"} & set(names)
    # Not names: a sentence-initial capital (Selon), a title (M., Mme), the source (Le Monde, Monde),
    # the query's own name and its parts (Jean-Luc Mélenchon, Jean-Luc, Mélenchon).
    assert not {"Selon", "M", "Mme", "Monde", "Le Monde", "Jean-Luc Mélenchon", "Jean-Luc", "Mélenchon"} & set(names)
    assert any("own name" in note and "Jean-Luc Mélenchon" in note for note in found["notes"])
    assert any("source's own name" in note and "Monde" in note for note in found["notes"])
    # A surname alone counts with the full name beside it: Macron (p5 writes "Emmanuel Macron", q1 "Macron").
    macron = names["Emmanuel Macron"]
    assert macron["articles"] == len(naming("Macron", [a for a in POLITICS if a["id"] in matching]))
    assert {s["spelling"] for s in macron["spellings"]} == {"Emmanuel Macron", "Macron"}
    # Counts agree with search: the index count of a name is what a search for it finds.
    for name, searched in (("Emmanuel Macron", "Macron"), ("New York", '"New York"'), ("Marine Le Pen", "Pen")):
        total = cli_json("search", searched, "--all", "--index", str(politics.dir), "--json")["total"]
        assert names[name]["corpus_articles"] == total, name
        whole = len(naming(searched.strip('"'), POLITICS))
        assert total == whole
    pen = names["Marine Le Pen"]
    assert pen["articles"] == len(naming("Pen", [a for a in POLITICS if a["id"] in matching])) == 3
    assert pen["lift"] == round((3 / 5) / (len(naming("Pen", POLITICS)) / len(POLITICS)), 3)


def test_cooccur_sort_by_lift_and_count(politics):
    by_count = cli_json("cooccur", "Mélenchon", "--min-articles", "1", "--index", str(politics.dir), "--json")
    by_lift = cli_json("cooccur", "Mélenchon", "--min-articles", "1", "--sort", "lift", "--index", str(politics.dir),
                       "--json")  # fmt: skip
    assert by_lift["sort"] == "lift" and by_count["sort"] == "count"
    lifts = [n["lift"] for n in by_lift["names"]]
    assert lifts == sorted(lifts, reverse=True)
    counts = [n["articles"] for n in by_count["names"]]
    assert counts == sorted(counts, reverse=True)
    assert {n["name"] for n in by_lift["names"]} == {n["name"] for n in by_count["names"]}
    assert [n["name"] for n in by_lift["names"]] != [n["name"] for n in by_count["names"]]
    bad = run_cli("cooccur", "Mélenchon", "--sort", "score", "--index", str(politics.dir))
    assert bad.returncode == 2 and "--sort 'score'" in one_error_line(bad.stderr)


def test_cooccur_edges_as_csv_and_gexf_weigh_the_articles_naming_both(politics, tmp_path):
    found = cli_json("cooccur", "Mélenchon", "--min-articles", "1", "--index", str(politics.dir), "--json")
    listed = [n["name"] for n in found["names"]]
    matching = [a for a in POLITICS if a["id"] in naming("Mélenchon", POLITICS)]
    pattern = {"Emmanuel Macron": "Macron", "Marine Le Pen": "Pen"}
    expected = {}
    for a, b in ((a, b) for i, a in enumerate(listed) for b in listed[i + 1 :]):
        both = set(naming(pattern.get(a, a), matching)) & set(naming(pattern.get(b, b), matching))
        if both:
            expected[(a, b)] = len(both)
    target = tmp_path / "net.csv"
    done = run_cli("cooccur", "Mélenchon", "--min-articles", "1", "--edges", str(target), "--index",
                   str(politics.dir), "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["edges"]
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["source", "target", "weight"]
    assert {(r["source"], r["target"]): int(r["weight"]) for r in rows} == expected
    assert f"wrote {len(expected)} edges" in done.stderr
    gexf = tmp_path / "net.gexf"
    assert run_cli("cooccur", "Mélenchon", "--min-articles", "1", "--edges", str(gexf), "--index",
                   str(politics.dir)).returncode == 0  # fmt: skip
    import xml.etree.ElementTree as ET

    ns = {"g": "http://gexf.net/1.3"}
    graph = ET.parse(gexf).getroot().find("g:graph", ns)
    labels = {n.get("id"): n.get("label") for n in graph.iterfind("g:nodes/g:node", ns)}
    assert sorted(labels.values()) == sorted(listed)
    edges = {(labels[e.get("source")], labels[e.get("target")]): int(e.get("weight"))
             for e in graph.iterfind("g:edges/g:edge", ns)}  # fmt: skip
    assert edges == expected
    for bad, message in ((tmp_path / "net.json", "extension"), (tmp_path / "no" / "net.csv", "no folder")):
        done = run_cli("cooccur", "Mélenchon", "--edges", str(bad), "--index", str(politics.dir))
        assert done.returncode == 2 and message in one_error_line(done.stderr)


# --- query sets -----------------------------------------------------------------------------

QUANTEDA = """\
# quanteda's YAML dictionary: keys, nested, holding lists of patterns
gauche:
  - Mélenchon
  - insoumis*
droite:
  extreme:
    - Le Pen
    - "marine le pen"
  centre: [Macron]
lieux:
  ville: New York
"""


def test_query_set_quanteda_yaml_draws_a_series_a_key_agreeing_with_search(politics, tmp_path):
    dictionary = tmp_path / "parties.yml"
    dictionary.write_text(QUANTEDA, encoding="utf-8")
    found = cli_json("timeline", "--queries", str(dictionary), "--by", "year", "--index", str(politics.dir), "--json")
    queries = {s["name"]: s for s in found["queries"]}
    assert list(queries) == ["gauche", "droite.extreme", "droite.centre", "lieux.ville"]
    assert queries["gauche"]["query"] == "Mélenchon OR insoumis*"
    assert queries["droite.extreme"]["query"] == '"Le Pen" OR "marine le pen"'  # words with spaces: a phrase
    assert queries["lieux.ville"]["query"] == "New York"  # a string: a searchkit query as written
    for series in found["queries"]:
        searched = cli_json("search", series["query"], "--all", "--index", str(politics.dir), "--json")["total"]
        assert series["total"] == searched, series["name"]
    assert {r["name"] for r in found["rows"]} == set(queries)
    shown = run_cli("timeline", "--queries", str(dictionary), "--by", "year", "--index", str(politics.dir)).stdout
    assert f"droite.extreme: {len(naming('Le Pen', POLITICS))} articles" in " ".join(shown.split())


def test_query_set_plain_list_for_kwic_cooccur_and_the_watchlist(politics, tmp_path):
    plain = tmp_path / "names.txt"
    plain.write_text('# a name: query a line\nmacron: Macron -Mélenchon\nny: "New York"\n\n', encoding="utf-8")
    lines = list(csv.DictReader(io.StringIO(run_cli("kwic", "--queries", str(plain), "--csv", "--index",
                                                    str(politics.dir)).stdout)))  # fmt: skip
    assert {line["pattern"] for line in lines} == {"macron", "ny"}  # quanteda's pattern column: the key
    assert {line["keyword"] for line in lines if line["pattern"] == "ny"} == {"New York"}
    found = cli_json("cooccur", "--queries", str(plain), "--min-articles", "1", "--index", str(politics.dir), "--json")
    assert [q["name"] for q in found["queries"]] == ["macron", "ny"]
    assert found["queries"][0]["query"] == "Macron -Mélenchon"
    rows = list(csv.DictReader(io.StringIO(run_cli("cooccur", "--queries", str(plain), "--min-articles", "1",
                                                   "--csv", "--index", str(politics.dir)).stdout)))  # fmt: skip
    assert {r["query"] for r in rows} == {"macron", "ny"}
    index = tmp_path / "watched"
    import shutil

    shutil.copytree(politics.dir, index)
    added = run_cli("watchlist", "add", "--queries", str(plain), "--index", str(index), "--json")
    assert added.returncode == 0, added.stderr
    listed = cli_json("watchlist", "list", "--index", str(index), "--json")["watchlist"]
    assert [(e["name"], e["query"]) for e in listed] == [("macron", "Macron -Mélenchon"), ("ny", '"New York"')]
    again = run_cli("watchlist", "add", "--queries", str(plain), "--index", str(index))
    assert again.returncode == 2 and "already has 'macron', 'ny'" in one_error_line(again.stderr)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.yml", "gauche: [Mélenchon\n", "line"),
        ("glob.yml", "gauche:\n  - insou?is\n", "'?' globs"),
        ("inner.yml", "gauche:\n  - in*soumis\n", "at a word's end"),
        ("empty.yml", "", "expected keys holding lists of patterns"),
        ("list.txt", "gauche Mélenchon\n", "line 1"),
        ("twice.txt", "a: x\na: y\n", "given twice"),
        ("query.txt", "a: (Macron\n", "query set"),
        ("missing.yml", None, "cannot read"),
    ],
)
def test_bad_query_sets_are_one_line_and_exit_2(politics, tmp_path, name, text, message):
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    for command in ("timeline", "kwic", "cooccur"):
        done = invoke(command, "--queries", str(path), "--index", str(politics.dir))
        assert done.exit_code == 2, (command, done.stderr)
        assert message in one_error_line(done.stderr) and str(path) in done.stderr


def test_a_view_needs_a_query_or_a_query_set(politics):
    neither = run_cli("timeline", "--index", str(politics.dir))
    assert neither.returncode == 2 and "--queries FILE" in one_error_line(neither.stderr)


def test_plot_without_matplotlib_is_one_line_naming_the_extra(paper, tmp_path):
    blocker = tmp_path / "blocked" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('no matplotlib here')\n")
    pythonpath = f"{blocker.parent}:{os.environ.get('PYTHONPATH', '')}"
    done = run_cli("timeline", "zorglub", "--plot", str(tmp_path / "c.png"), "--index", str(paper.dir),
                   env={"PYTHONPATH": pythonpath})  # fmt: skip
    assert done.returncode == 2
    assert "searchkit[plot]" in one_error_line(done.stderr)
    assert not (tmp_path / "c.png").exists()


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Selon Marine Le Pen, rien.", ["Marine Le Pen"]),
        ("Il a vu Jean-Luc Mélenchon à New York.", ["Jean-Luc Mélenchon", "New York"]),
        ("Il rend hommage à Charles de Gaulle, à Charles-de-Gaulle.", ["Charles de Gaulle", "Charles-de-Gaulle"]),
        # "de" after an article does not join
        ("Il dénonce la Russie de Poutine. La Chine de Xi.", ["Russie", "Poutine", "Chine", "Xi"]),
        ("Il cite Ursula von der Leyen, Bachar al-Assad et Kim Jong-un.",
         ["Ursula von der Leyen", "Bachar al-Assad", "Kim Jong-un"]),
        ("M. Macron répond à Mme Le Pen.", ["Macron", "Le Pen"]),  # titles are not part of a name
        ("Valéry Giscard d’Estaing parle.", ["Valéry Giscard d’Estaing"]),
        ("Les États-Unis et la France.", ["États-Unis", "France"]),  # a sentence-initial article is not
    ],
)  # fmt: skip
def test_press_names_reads_names_as_the_press_writes_them(text, names):
    from searchkit.pressnames import press_names

    found = press_names(text, lambda spelling: spelling not in ("selon", "il"))
    assert [n.written for n in found] == names
    # one key for the transliterations of a name, particles in
    assert press_names("Sergueï Choïgou", lambda _: True)[0].key == press_names("Sergei Shoigu", lambda _: True)[0].key
