"""The research views (timeline, kwic, cooccur, search --facets) and =spellings, through the CLI
on real indexes: every number checked against counts made here from the articles the test wrote."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from itertools import islice

import pytest
from helpers import BUNDLED_CORPUS, article, cli_json, one_error_line, run_cli

from searchkit import query as q
from searchkit.analysis import SPELLING_MARK, WORDS
from searchkit.corpus import read_file

TITLE = "le point du jour"  #: four words, none of them a name

ARTICLES = [
    article("a1", "Les bombardements sur Kiev continuent. Zorglub et Kiev. Les États-Unis observent.",
            title="Kiev sous le feu", date="2022-01-10", source="Le Monde"),
    article("a2", "À Kyiv, Volodymyr Zelensky reçoit Emmanuel Macron. zorglub", title=TITLE,
            date="2022-01-25", source="Libération"),
    article("a3", "Sergueï Choïgou à Kiev ; le Conseil de sécurité de l’ONU se réunit. zorglub zorglub",
            title=TITLE, date="2022-03-03", source="Le Monde"),
    article("a4", "Sergei Shoigu et Volodymyr Zelensky. Le conseil a parlé de sécurité.", title=TITLE,
            date="2022-03-15", source="Wikinews"),
    article("a5", "Rien à voir : football et cinéma.", title=TITLE, date="2022-03-20", source="Le Monde"),
    article("a6", "Kyiv et Kiev, zorglub. Emmanuel Macron appelle Volodymyr Zelensky.", title=TITLE,
            date="2022-06-01", source="Le Monde"),
    article("a7", "Zorglub sans date, à Kyiv avec Sergueï Choïgou. Les États-Unis aussi.", title=TITLE),
    article("a8", "Une autre note sans rapport.", title=TITLE, date="2022-06-30", source="Libération"),
]  # fmt: skip


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    from helpers import Indexed

    return Indexed(tmp_path_factory.mktemp("views"), ARTICLES)


def text_of(a: dict) -> str:
    return f"{a['title']}\n{a['body']}"


def having(pattern: str, flags: int = re.IGNORECASE) -> list[dict]:
    """The test's own articles whose title or body holds ``pattern`` as a word."""
    return [a for a in ARTICLES if re.search(rf"(?<!\w){pattern}(?!\w)", text_of(a), flags)]


# --- timeline --------------------------------------------------------------------------------


def test_timeline_counts_each_month_empty_ones_and_undated_apart(news):
    found = cli_json("timeline", "zorglub", "--by", "month", "--index", str(news.dir), "--json")
    matching = having("zorglub")
    expected = Counter(a["date"][:7] for a in matching if a.get("date"))
    months = [f"2022-{m:02d}" for m in range(1, 7)]  # the first to the last matching month
    assert [(r["bucket"], r["count"]) for r in found["rows"] if r["bucket"] != "undated"] == [
        (m, expected[m]) for m in months
    ]
    assert {m for m in months if not expected[m]} == {"2022-02", "2022-04", "2022-05"}  # shown, not skipped
    undated = sum(1 for a in matching if not a.get("date"))
    assert undated == 1
    assert next(r for r in found["rows"] if r["bucket"] == "undated")["count"] == undated
    assert found["queries"] == [
        {
            "query": "zorglub",
            "name": None,
            "total": len(matching),
            "undated": undated,
            "trimmed": 0,
            "spellings": [],
            "peak": {"bucket": "2022-01", "count": 2, "of_query": round(2 / len(matching), 6), "of_bucket": 1.0},
        }
    ]


def test_timeline_share_divides_by_every_article_of_the_bucket(news):
    found = cli_json("timeline", "zorglub", "--by", "month", "--share", "--index", str(news.dir), "--json")
    everything = Counter(a["date"][:7] for a in ARTICLES if a.get("date"))
    for row in found["rows"]:
        if row["bucket"] == "undated":
            continue
        assert row["articles"] == everything[row["bucket"]]
        assert row["share"] == (round(row["count"] / row["articles"], 6) if row["articles"] else None)
    assert found["share"] is True


def test_timeline_by_week_uses_iso_weeks_and_buckets_dates_right(news):
    found = cli_json("timeline", "zorglub", "--by", "week", "--index", str(news.dir), "--json")
    weeks = Counter()
    for a in having("zorglub"):
        if a.get("date"):
            year, week, _ = dt.date.fromisoformat(a["date"]).isocalendar()
            weeks[f"{year}-W{week:02d}"] += 1
    rows = [r for r in found["rows"] if r["bucket"] != "undated"]
    assert {r["bucket"]: r["count"] for r in rows if r["count"]} == dict(weeks)
    assert len(rows) == 21  # 2022-W02 to 2022-W22, empty weeks included
    for r in rows:
        start, end = dt.date.fromisoformat(r["start"]), dt.date.fromisoformat(r["end"])
        assert start.weekday() == 0 and (end - start).days == 6


def test_timeline_default_bucket_gives_at_most_sixty_and_queries_side_by_side(news):
    found = cli_json("timeline", "zorglub", "Zelensky", "--index", str(news.dir), "--json")
    assert found["unit"] == "week"  # January to June: 21 weeks (and 150 days)
    assert [q["query"] for q in found["queries"]] == ["zorglub", "Zelensky"]
    assert [q["total"] for q in found["queries"]] == [len(having("zorglub")), len(having("zelensky"))]


def test_timeline_since_until_and_source_filter_as_search_does(news):
    found = cli_json(
        "timeline", "zorglub", "--by", "month", "--since", "2022-03", "--until", "2022-06",
        "--source", "monde", "--index", str(news.dir), "--json",
    )  # fmt: skip
    expected = Counter(
        a["date"][:7]
        for a in having("zorglub")
        if a.get("date") and "2022-03" <= a["date"][:7] <= "2022-06" and a.get("source") == "Le Monde"
    )
    assert {r["bucket"]: r["count"] for r in found["rows"]} == {
        f"2022-{m:02d}": expected[f"2022-{m:02d}"] for m in (3, 4, 5, 6)
    }
    monde = Counter(a["date"][:7] for a in ARTICLES if a.get("source") == "Le Monde")
    assert {r["bucket"]: r["articles"] for r in found["rows"]}["2022-03"] == monde["2022-03"]


def test_exact_spellings_against_the_name_and_its_variants(news):
    found = cli_json("timeline", "=Kiev", "=Kyiv", "Kiev", "--by", "year", "--index", str(news.dir), "--json")
    totals = {q["query"]: q["total"] for q in found["queries"]}
    # =Kiev: the word Kiev written with a capital, in that spelling only; Kiev alone: every spelling.
    assert totals["=Kiev"] == len(having("Kiev", 0))
    assert totals["=Kyiv"] == len(having("Kyiv", 0))
    assert totals["Kiev"] == len({a["id"] for a in having("Kiev", 0) + having("Kyiv", 0)})
    assert totals["=Kiev"] < totals["Kiev"] > totals["=Kyiv"]


def test_exact_spelling_in_search_highlights_and_explains_that_spelling_only(news):
    found = cli_json("search", "=kyiv", "--explain", "--limit", "10", "--index", str(news.dir), "--json")
    assert {h["id"] for h in found["hits"]} == {a["id"] for a in having("Kyiv", 0)}
    marked = {m["text"] for h in found["hits"] for s in h["snippets"] for m in s["highlights"]}
    assert marked == {"Kyiv"}
    parts = {e["part"] for h in found["hits"] for e in h["explanation"]}
    assert parts == {"=kyiv"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("=Kiev", [("Kiev", 1)]),
        ("guerre title:=Kyiv", [("guerre", 0), ("Kyiv", 14)]),
        ("(=Kiev OR =Kyiv) -Russie", [("Kiev", 2), ("Kyiv", 11), ("Russie", 18)]),
    ],
)
def test_exact_spellings_parse_with_their_place_in_the_query(text, words):
    leaves = list(q.leaves(q.parse(text), negated=True))
    assert [(leaf.text, leaf.start) for leaf in leaves] == words
    assert all(text[leaf.start : leaf.start + len(leaf.text)] == leaf.text for leaf in leaves)
    assert [leaf.kind for leaf in leaves if leaf.text in ("Kiev", "Kyiv")] == ["exact"] * sum(
        1 for w, _ in words if w in ("Kiev", "Kyiv")
    )


@pytest.mark.parametrize("text", ["=", "= Kiev", "=Kiev*", "=kiev~"])
def test_a_bad_exact_spelling_is_a_bad_query(news, text):
    done = run_cli("timeline", text, "--index", str(news.dir))
    assert done.returncode == 2
    assert "bad query" in one_error_line(done.stderr)


# --- kwic --------------------------------------------------------------------------------------

_TEST_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def positions(a: dict, start: int, field: str) -> int:
    """The 1-based position of the word at ``start`` of ``field``: the title's words first."""
    before = len(_TEST_WORD.findall(a["title"])) if field == "body" else 0
    return before + len(_TEST_WORD.findall(a[field][:start])) + 1


def test_kwic_lists_every_spelling_as_written_with_positions_and_context(news):
    found = cli_json("kwic", "Choïgou", "--limit", "0", "--width", "20", "--index", str(news.dir), "--json")
    expected = []
    for a in ARTICLES:
        for m in re.finditer(r"Choïgou|Shoigu", a["body"]):
            expected.append((a["id"], m.group(), positions(a, m.start(), "body")))
    assert sorted((r["docname"], r["keyword"], r["from"]) for r in found["lines"]) == sorted(expected)
    assert all(r["from"] == r["to"] for r in found["lines"])
    assert found["complete"] is True and found["articles"] == 3 and found["read"] == 3
    a3 = next(r for r in found["lines"] if r["docname"] == "a3")
    assert (a3["pre"], a3["post"]) == ("Sergueï", "à Kiev ; le Conseil")
    body = next(a for a in ARTICLES if a["id"] == "a3")["body"]
    assert body[a3["start"] : a3["end"]] == "Choïgou" and a3["field"] == "body"


def test_kwic_phrase_is_one_keyword_and_stray_words_are_not(news):
    found = cli_json("kwic", '"conseil de sécurité"', "--index", str(news.dir), "--json")
    assert [(r["docname"], r["keyword"], r["to"] - r["from"]) for r in found["lines"]] == [
        ("a3", "Conseil de sécurité", 2)
    ]


def test_kwic_reads_a_hyphenated_name_as_one_keyword_as_search_does(make_index):
    """`kwic Jean-Marc` listed every Jean and every Marc (and a pair of jeans), where the search
    it shows reads Jean-Marc as a phrase."""
    indexed = make_index(
        [
            article("jm", "Jean-Marc Ayrault a parlé, puis Jean-Marc Ayrault est parti."),
            article("two", "Jean Dupont et Marc Martin ; un ingénieur en jean. Jean-Marc Ayrault aussi."),
        ]
    )
    found = cli_json("kwic", "Jean-Marc", "--index", str(indexed.dir), "--json")
    assert sorted((line["docname"], line["keyword"]) for line in found["lines"]) == [
        ("jm", "Jean-Marc"),
        ("jm", "Jean-Marc"),
        ("two", "Jean-Marc"),
    ]


def test_kwic_limit_says_what_it_cut_and_csv_reads_back_as_the_jsonl(news):
    base = ("kwic", "zorglub", "--limit", "3", "--sort", "date", "--index", str(news.dir))
    as_json = cli_json(*base, "--json")
    assert as_json["complete"] is False and len(as_json["lines"]) == 3
    assert as_json["notes"] and "--limit" in as_json["notes"][0]
    dates = [r["date"] for r in as_json["lines"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    done = run_cli(*base, "--csv")
    assert done.returncode == 0
    assert "--limit cut the list" in one_error_line(done.stderr)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    jsonl = [json.loads(line) for line in run_cli(*base, "--jsonl").stdout.splitlines()]
    assert len(rows) == len(jsonl) == 3
    assert rows == [{k: "" if v is None else str(v) for k, v in r.items()} for r in jsonl]
    assert list(rows[0]) == [
        "docname",
        "date",
        "from",
        "to",
        "pre",
        "keyword",
        "post",
        "pattern",
        "field",
        "start",
        "end",
    ]
    every = cli_json("kwic", "zorglub", "--limit", "0", "--index", str(news.dir), "--json")
    occurrences = sum(len(re.findall(r"(?<!\w)zorglub(?!\w)", text_of(a), re.I)) for a in ARTICLES)
    assert len(every["lines"]) == occurrences and every["complete"] is True and not every["notes"]


# --- cooccur ---------------------------------------------------------------------------------

#: Spellings of one name, as the test reads them: a name of several words is one name (Emmanuel Macron).
GROUPS = {
    "Kiev": ("Kiev", "Kyiv"),
    "Sergueï Choïgou": ("Sergueï Choïgou", "Sergei Shoigu"),
    "Volodymyr Zelensky": ("Volodymyr Zelensky",),
    "Emmanuel Macron": ("Emmanuel Macron",),
    "États-Unis": ("États-Unis",),  # one name: capitalised words joined by a hyphen
}


def test_cooccur_counts_names_by_group_with_lift(news):
    found = cli_json("cooccur", "zorglub", "--index", str(news.dir), "--json")
    matching = having("zorglub")
    expected = {}
    for shown, spellings in GROUPS.items():
        pattern = "|".join(spellings)
        inside = [a for a in matching if re.search(rf"(?<!\w)(?:{pattern})(?!\w)", text_of(a))]
        everywhere = [a for a in ARTICLES if re.search(rf"(?<!\w)(?:{pattern})(?!\w)", text_of(a))]
        if len(inside) >= 2:
            lift = (len(inside) / len(matching)) / (len(everywhere) / len(ARTICLES))
            expected[shown] = (len(inside), len(everywhere), round(lift, 3))
    names = {n["name"]: (n["articles"], n["corpus_articles"], n["lift"]) for n in found["names"]}
    assert names == expected
    assert found["articles"] == len(matching) and found["corpus"] == len(ARTICLES)
    kiev = next(n for n in found["names"] if n["name"] == "Kiev")
    assert {s["spelling"]: s["count"] for s in kiev["spellings"]} == {
        s: sum(len(re.findall(rf"(?<!\w){s}(?!\w)", text_of(a))) for a in matching) for s in ("Kiev", "Kyiv")
    }
    counts = [n["articles"] for n in found["names"]]
    assert counts == sorted(counts, reverse=True)


def test_cooccur_reads_an_even_sample_of_many_matching_articles_and_says_so(news):
    whole = cli_json("cooccur", "zorglub", "--min-articles", "1", "--index", str(news.dir), "--json")
    assert whole["read"] == whole["articles"] == len(having("zorglub"))
    sampled = cli_json("cooccur", "zorglub", "--sample", "2", "--min-articles", "1", "--index", str(news.dir), "--json")
    assert sampled["read"] == 2 and sampled["articles"] == whole["articles"]
    assert any("even sample of 2 of the 5 matching articles" in note for note in sampled["notes"])
    assert all(n["articles"] <= 2 and n["share"] == round(n["articles"] / 2, 6) for n in sampled["names"])
    assert {n["name"] for n in sampled["names"]} < {n["name"] for n in whole["names"]}


def test_cooccur_with_no_name_reaching_the_threshold_exits_1_and_says_so(news):
    """A script reading the table must tell "nothing listed" from a list: exit 1, not 0 and an empty table."""
    whole = cli_json("cooccur", "zorglub", "--min-articles", "1", "--index", str(news.dir), "--json")
    beyond = max(n["articles"] for n in whole["names"]) + 1
    done = run_cli("cooccur", "zorglub", "--min-articles", str(beyond), "--index", str(news.dir), "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["names"] == []
    assert done.stderr == f"searchkit: no name is named in at least {beyond} of the articles read\n"


def test_cooccur_estimates_the_index_counts_of_frequent_names(make_index, monkeypatch):
    from searchkit import cooccur as co
    from searchkit.engine import whoosh_counts
    from searchkit.search import Searcher

    named = [
        article(
            f"n{i:04d}",
            " ".join(
                part
                for part, every in (("Emmanuel Macron parle.", 2), ("Les États-Unis répondent.", 3), ("zorglub", 7))
                if i % every == 0
            )
            or "Rien.",
            title=TITLE,
        )
        for i in range(1500)
    ]
    archive = make_index(named)
    with Searcher(archive.dir) as searcher:
        exact = {n.name: n.corpus_articles for n in co.cooccur(searcher, "zorglub").names}
    assert exact == {"Emmanuel Macron": 750, "États-Unis": 500}
    monkeypatch.setattr(co, "NAME_COUNT_POSTINGS", 400)
    monkeypatch.setattr(whoosh_counts, "SAMPLE_POSTINGS", 100_000)  # half the budget: 200 postings
    monkeypatch.setattr(whoosh_counts, "MIN_SAMPLED_MATCHES", 50)
    with Searcher(archive.dir) as searcher:
        found = co.cooccur(searcher, "zorglub")
    assert {n.name for n in found.names} == set(exact)
    for name in found.names:
        assert name.corpus_estimated
        assert abs(name.corpus_articles - exact[name.name]) <= 0.1 * exact[name.name], name


def test_cooccur_leaves_out_the_query_names_and_says_when_the_limit_cut(news):
    found = cli_json("cooccur", "Zelensky", "--limit", "1", "--min-articles", "1", "--index", str(news.dir), "--json")
    assert "Zelensky" not in {n["name"] for n in found["names"]}
    assert len(found["names"]) == 1
    assert any("--limit" in note for note in found["notes"])
    done = run_cli("cooccur", "Zelensky", "--limit", "1", "--index", str(news.dir), "--csv")
    notes = done.stderr.splitlines()
    assert all(line.startswith("searchkit: note: ") for line in notes)
    assert any("--limit cut the list" in line for line in notes)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["name"] for r in rows] == [n["name"] for n in found["names"]]
    assert json.loads(rows[0]["spellings"]) == found["names"][0]["spellings"]


# --- facets ------------------------------------------------------------------------------------


def test_search_facets_count_the_whole_result_set(news):
    found = cli_json(
        "search", "zorglub", "--limit", "1", "--facets", "source,month", "--index", str(news.dir), "--json"
    )
    matching = having("zorglub")
    assert found["total"] == len(matching) and len(found["hits"]) == 1
    sources = Counter(a.get("source") for a in matching)
    months = Counter(a["date"][:7] if a.get("date") else None for a in matching)
    assert {f["value"]: f["count"] for f in found["facets"]["source"]} == dict(sources)
    assert {f["value"]: f["count"] for f in found["facets"]["month"]} == dict(months)
    assert found["facets"]["source"][-1]["value"] is None  # articles without a source last
    done = run_cli("search", "zorglub", "--facets", "source", "--index", str(news.dir), "--csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert rows == [
        {"facet": "source", "value": f["value"] or "", "count": str(f["count"])} for f in found["facets"]["source"]
    ]
    shown = run_cli("search", "zorglub", "--facets", "month", "--index", str(news.dir)).stdout
    assert "By month" in shown and "2022-01" in shown


def test_search_csv_says_when_its_page_is_not_every_hit(news):
    done = run_cli("search", "zorglub", "--limit", "2", "--index", str(news.dir), "--csv")
    assert done.returncode == 0
    assert f"of {len(having('zorglub'))} written" in one_error_line(done.stderr)
    assert len(list(csv.DictReader(io.StringIO(done.stdout)))) == 2


# --- errors and output options -------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("timeline", "zorglub", "--by", "fortnight"),
        ("search", "zorglub", "--facets", "colour"),
        ("timeline", "zorglub", "--json", "--csv"),
        ("kwic", "zorglub", "--fields", "id"),
        ("timeline", "zorglub", "--since", "2022-13"),
    ],
)
def test_usage_errors_are_one_line_exit_2_before_any_index_opens(tmp_path, args):
    done = run_cli(*args, "--index", str(tmp_path / "no-index"))
    assert done.returncode == 2, done.stderr
    one_error_line(done.stderr)


def test_kwic_of_only_negations_or_filters_is_a_bad_query(news):
    done = run_cli("kwic", "NOT zorglub date:2022", "--index", str(news.dir))
    assert done.returncode == 2
    assert "give a word or a phrase" in one_error_line(done.stderr)
    hint = run_cli("timeline", "-zorglub", "--index", str(news.dir))  # Click reads -z as an option
    assert "to search without 'zorglub'" in one_error_line(hint.stderr)


@pytest.mark.parametrize("command", ["timeline", "kwic", "cooccur"])
def test_no_matching_article_is_exit_1_in_one_line(news, command):
    done = run_cli(command, "introuvable", "--index", str(news.dir))
    assert done.returncode == 1
    assert "no article matches" in one_error_line(done.stderr)
    assert done.stdout == ""


def test_timeline_drawn_for_people_and_as_tsv(news):
    shown = run_cli("timeline", "=Kiev", "=Kyiv", "--by", "month", "--index", str(news.dir))
    assert shown.returncode == 0
    lines = shown.stdout.splitlines()
    assert lines[0] == "Articles a month for '=Kiev' and '=Kyiv'"
    assert [line[:7] for line in lines[2:8]] == [f"2022-{m:02d}" for m in range(1, 7)]
    assert "█" in shown.stdout and "\x1b" not in shown.stdout
    assert "=Kyiv: 3 articles" in shown.stdout and "1 undated" in shown.stdout
    ascii_only = run_cli("timeline", "=Kiev", "--index", str(news.dir), env={"PYTHONIOENCODING": "ascii"})
    assert "#" in ascii_only.stdout and "?" not in ascii_only.stdout
    tsv = run_cli("timeline", "=Kiev", "--by", "year", "--index", str(news.dir), "--tsv").stdout.splitlines()
    assert tsv[0].split("\t") == ["bucket", "start", "end", "query", "count", "articles", "share", "name"]
    assert tsv[1].split("\t")[:5] == ["2022", "2022-01-01", "2022-12-31", "=Kiev", str(len(having("Kiev", 0)))]


# --- the bundled corpus ----------------------------------------------------------------------


def test_views_on_the_bundled_corpus_agree_with_search(seed_index):
    total = cli_json("search", "Poutine", "--all", "--index", str(seed_index), "--json")["total"]
    found = cli_json("timeline", "Poutine", "--index", str(seed_index), "--json")
    assert found["queries"][0]["total"] == total
    assert sum(r["count"] for r in found["rows"]) == total
    days = sorted(r["start"] for r in found["rows"] if r["count"] and r["bucket"] != "undated")
    first, last = dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1])
    finer = {  # buckets of the next finer size over the matching range: more than 60, so not chosen
        "year": (last.year - first.year) * 12 + last.month - first.month + 1,
        "month": (last - first).days // 7 + 1,
        "week": (last - first).days + 1,
    }
    assert len({r["bucket"] for r in found["rows"]} - {"undated"}) <= 60
    assert found["unit"] == "day" or finer[found["unit"]] > 60
    facets = cli_json("search", "Poutine", "--all", "--facets", "year,source", "--index", str(seed_index), "--json")
    assert sum(f["count"] for f in facets["facets"]["year"]) == total
    assert sum(f["count"] for f in facets["facets"]["source"]) == total
    lines = cli_json("kwic", "Choïgou", "--limit", "0", "--index", str(seed_index), "--json")["lines"]
    assert {r["keyword"] for r in lines} <= {"Choïgou", "Choïgu", "Shoigu", "Choigu", "Shoïgu"}
    assert (
        len({r["docname"] for r in lines})
        == cli_json("search", "Choïgou", "--all", "--index", str(seed_index), "--json")["total"]
    )
    names = cli_json("cooccur", "Poutine", "--index", str(seed_index), "--json")["names"]
    assert names and all(n["articles"] <= n["corpus_articles"] for n in names)


def test_name_spellings_found_from_capitals_are_the_analysis_own():
    texts = [
        "l’Iran et d’Israël, aujourd’Hui Putin’s McDonald’s E\u0301tienne x’y’Abc ÉTATS-UNIS _Abc ’Abc l’x’Abc L’ONU",
    ]
    for path in sorted(BUNDLED_CORPUS.iterdir()):
        if path.suffix in (".txt", ".jsonl") or path.name.endswith(".jsonl.gz"):
            articles = islice(read_file(path, on_reject=lambda r: None), 300)
            texts += [t for a in articles for t in (a.title, a.body)]
    for text in texts:
        full = [(t.startchar, t.endchar, t.text) for t in WORDS(text, chars=True, mode="index")]
        assert WORDS.spellings(text) == [s for s in full if s[2].startswith(SPELLING_MARK)]
