"""The command line, in process (Typer's CliRunner) and as a real ``python -m searchkit`` subprocess.

What the README promises a user: the quick start, exit codes, one-line errors,
the ``--json``/``--jsonl``/``--fields`` formats, ``--explain``, "did you mean",
colour only on a terminal, and article text that can never drive the terminal.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import BUNDLED_CORPUS, REPO, article, invoke, on_terminal, one_error_line, run_cli, write_jsonl

from searchkit.indexing import build_index

SEED_ID = "347229279346511"

NEWS = [
    article(
        "choigou-1",
        "Sergueï Choïgou a parlé de la mobilisation à Moscou. La mobilisation continue.",
        title="Choïgou à Moscou",
        date="2022-09-21",
        source="Le Monde",
    ),
    article(
        "choigou-2",
        "Le ministre Choïgou a signé le décret de mobilisation partielle.",
        title="Décret signé",
        date="2022-09-22",
        source="AFP",
    ),
    article(
        "choigou-3",
        "Choïgou a inspecté les troupes ; la mobilisation se poursuit.",
        title="Inspection des troupes",
        date="2022-10-01",
        source="AFP",
    ),
    article(
        "choigou-plain",
        "Le ministre Choigou était absent de la réunion des présidents.",
        title="Absence remarquée",
        date="2022-10-05",
        source="Wikinews",
    ),
    article(
        "shoigu", "Sergei Shoigu met the press in Moscow.", title="Shoigu speaks", date="2023-01-10", source="Wikinews"
    ),
    article(
        "conseil",
        "Le Conseil de sécurité de l’ONU s’est réuni sur l’Ukraine. Zelensky a parlé.",
        title="Zelensky à New York",
        date="2022-03-02",
        source="Le Monde",
    ),
    article("sport", "Le match de football s’est joué à guichets fermés.", title="Football", date="2021-01-10"),
]
BY_ID = {a["id"]: a for a in NEWS}

HOSTILE_TITLE = "kremlin \x1b[2J [bold red]oops[/] \u202etitre\x07"
HOSTILE_BODY = "Le kremlin \x1b[2J efface [bold red]oops[/] \u202eelbisivni\u202c cloche\x07 et \x9b31m fin."
#: Byte sequences that must never reach a terminal: clear screen, bell, right-to-left
#: override, and the one-byte C1 CSI (U+009B) as UTF-8.
TERMINAL_CONTROLS = (b"\x1b[2J", b"\x07", "\u202e".encode(), "\u009b".encode())


# --- helpers ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No colour or index settings leak in from the developer's shell."""
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "SEARCHKIT_INDEX"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def news_index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("news")
    index_dir = root / "index"
    build_index([write_jsonl(root / "news.jsonl", NEWS)], index_dir)
    return index_dir


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    index_dir = root / "index"
    rows = [article("hostile", HOSTILE_BODY, title=HOSTILE_TITLE, source="src\x1b[31m")]
    build_index([write_jsonl(root / "hostile.jsonl", rows)], index_dir)
    return index_dir


def search_json(index_dir: Path, query: str, *options: str) -> dict:
    result = invoke("search", query, "--index", str(index_dir), "--json", *options)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def hit_ids(document: dict) -> list[str]:
    return [hit["id"] for hit in document["hits"]]


def match_kinds(document: dict) -> dict[str, str]:
    """Article word -> kind of match, over every hit's --explain."""
    return {
        match["word"]: match["kind"]
        for hit in document["hits"]
        for part in hit["explanation"]
        for match in part["matches"]
    }


def run_cli_bytes(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Like ``run_cli``, but stdout and stderr as the raw bytes a terminal would receive."""
    return subprocess.run(
        [sys.executable, "-m", "searchkit", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


# --- the README quick start -------------------------------------------------------


def test_quick_start_builds_the_index_from_corpus_on_the_first_search_only(tmp_path):
    shutil.copytree(BUNDLED_CORPUS, tmp_path / "corpus")

    first = run_cli("search", "choigu", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "building it from corpus/" in first.stderr
    assert SEED_ID in first.stdout
    assert "Choïgu" in first.stdout
    assert (tmp_path / "index").is_dir()

    for query in ("Shoigu", "Choïgou", "choigu"):
        again = run_cli("search", query, "--json", cwd=tmp_path)
        assert again.returncode == 0, (query, again.stderr)
        assert "building" not in again.stderr, query
        document = json.loads(again.stdout)
        assert SEED_ID in hit_ids(document), query
        (seed,) = [hit for hit in document["hits"] if hit["id"] == SEED_ID]
        highlighted = {h["text"] for snippet in seed["snippets"] for h in snippet["highlights"]}
        assert {"Choïgu", "Choïgou"} <= highlighted, (query, highlighted)


# --- exit codes and one-line errors -------------------------------------------------


def test_exit_code_0_with_hits_and_1_without(news_index):
    found = run_cli("search", "choigou", "--index", str(news_index))
    assert found.returncode == 0 and "choigou-1" in found.stdout and found.stderr == ""
    nothing = run_cli("search", "hippopotame", "--index", str(news_index))
    assert nothing.returncode == 1, nothing.stderr
    assert "0 articles" in nothing.stdout and nothing.stderr == ""


def run_with_closed_stdout(*args: str) -> subprocess.CompletedProcess:
    """``searchkit ARGS | head -0``: stdout a pipe whose reader is already gone."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [sys.executable, "-m", "searchkit", *args],
            stdout=writer,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=120,
        )
    finally:
        os.close(writer)


@pytest.mark.parametrize("output", [[], ["--jsonl"]], ids=["plain", "jsonl"])
def test_a_reader_that_went_away_keeps_the_exit_code_of_the_search(news_index, output):
    """`search X | head -1` is not "no hits": Rich's own handling of the closed pipe exited 1."""
    found = run_with_closed_stdout("search", "choigou", "--index", str(news_index), *output)
    assert (found.returncode, found.stderr) == (0, "")
    nothing = run_with_closed_stdout("search", "hippopotame", "--index", str(news_index))
    assert (nothing.returncode, nothing.stderr) == (1, "")


@pytest.mark.parametrize("args", [["--help"], ["search", "--help"], ["cooccur", "--help"]], ids=" ".join)
def test_help_whose_reader_went_away_exits_0(args):
    """`searchkit --help | head -1`: Click's own handling of the closed pipe exited 1."""
    done = run_with_closed_stdout(*args)
    assert (done.returncode, done.stderr) == (0, "")


def test_a_watcher_whose_reader_went_away_stops_cleanly(tmp_path):
    corpus = write_jsonl(tmp_path / "news.jsonl", NEWS[:1])
    done = run_with_closed_stdout("index", str(corpus), "--index", str(tmp_path / "index"), "--watch", "--json")
    assert done.returncode == 0, done.stderr
    assert "stopped watching (the output's reader went away) after 1 batch" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize(("query", "code"), [("choigou (", 2), ("choigou", 4)], ids=["bad-query", "no-index"])
def test_an_error_line_that_cannot_be_written_keeps_the_exit_code(news_index, tmp_path, query, code):
    index_dir = news_index if code == 2 else tmp_path / "nowhere"
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "searchkit", "search", query, "--index", str(index_dir)],
            stdout=subprocess.PIPE,
            stderr=full,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=120,
        )
    assert done.returncode == code


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (['"choigou'], "column 1"),
        (['choigou "moscou'], "column 9"),
        (["(choigou OR shoigu"], "parenthesis"),
        (["choigou)"], "parenthesis"),
        (["foo:bar"], "unknown field"),
        (["date:2022-13"], "bad date"),
        (["le la de"], "only stop words"),
        (["choigou", "--sort", "foo"], "--sort"),
        (["choigou", "--color", "bar"], "--color"),
        (["choigou", "--since", "2022-13-45"], "--since"),
        (["choigou", "--until", "2022-02-30"], "--until"),
        (["choigou", "--fields", "nope"], "nope"),
        (["choigou", "--json", "--jsonl"], "--jsonl"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_exit_code_2_for_a_bad_query_or_option_is_one_line_on_stderr(news_index, args, says):
    result = run_cli("search", *args, "--index", str(news_index))
    assert result.returncode == 2, result.stderr
    one_error_line(result.stderr)
    assert says in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["--limit", "0"], ["--page", "0"], ["--no-such-option"]])
def test_click_usage_errors_exit_2(news_index, args):
    result = invoke("search", "choigou", "--index", str(news_index), *args)
    assert result.exit_code == 2
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["--limit", "0"], ["--no-such-option"]])
def test_click_usage_errors_are_one_searchkit_line(news_index, args):
    result = invoke("search", "choigou", "--index", str(news_index), *args)
    one_error_line(result.stderr)


def test_exit_code_4_when_there_is_no_index_and_no_corpus_to_build_one(tmp_path):
    empty_index = tmp_path / "empty-index"
    empty_index.mkdir()
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    result = run_cli("search", "choigou", "--index", str(empty_index), cwd=workdir)
    assert result.returncode == 4, result.stderr
    one_error_line(result.stderr)
    assert "no index" in result.stderr
    assert result.stdout == ""
    assert list(empty_index.iterdir()) == [] and list(workdir.iterdir()) == []


def test_searchkit_index_environment_variable_names_the_index(news_index, tmp_path):
    result = run_cli("search", "choigou", "--fields", "id", cwd=tmp_path, env={"SEARCHKIT_INDEX": str(news_index)})
    assert result.returncode == 0, result.stderr
    assert "choigou-1" in result.stdout.split()


def test_a_source_filter_with_no_letters_is_never_a_traceback(news_index):
    result = run_cli("search", "choigou source:_", "--index", str(news_index))
    assert "Traceback" not in result.stderr
    assert result.returncode in (1, 2)


def test_source_option_with_no_words_is_a_usage_error(news_index):
    # It used to filter nothing while the total counted everything: "5 articles", none listed.
    result = invoke("search", "choigou", "--source", "!!!", "--limit", "2", "--index", str(news_index))
    assert result.exit_code == 2
    one_error_line(result.stderr)
    assert "source" in result.stderr


# --- JSON, JSON Lines and --fields ----------------------------------------------------

TOP_KEYS = {"query", "similar_to", "total", "total_estimated", "offset", "suggestions", "notes", "spellings", "hits"}
HIT_KEYS = {
    "rank",
    "id",
    "title",
    "date",
    "source",
    "url",
    "origin",
    "score",
    "partial",
    "title_highlights",
    "snippets",
}


def test_json_is_one_document_with_the_documented_schema(news_index):
    result = invoke("search", "choigou OR zelensky", "--index", str(news_index), "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)  # the whole stdout is one JSON document
    assert set(document) == TOP_KEYS
    assert document["query"] == "choigou OR zelensky"
    assert document["offset"] == 0 and document["suggestions"] == []
    assert document["total"] == len(document["hits"]) == 6
    assert [hit["rank"] for hit in document["hits"]] == list(range(1, 7))
    for hit in document["hits"]:
        assert set(hit) == HIT_KEYS
        stored = BY_ID[hit["id"]]
        assert (hit["title"], hit["date"], hit["source"]) == (stored["title"], stored["date"], stored["source"])
        assert isinstance(hit["score"], float) and hit["score"] > 0
        assert hit["partial"] is False
        for snippet in hit["snippets"]:
            assert set(snippet) == {"text", "start", "end", "highlights"}
            for highlight in snippet["highlights"]:
                assert set(highlight) == {"start", "end", "text"}


def test_json_highlights_are_offsets_into_the_stored_title_and_body(news_index):
    document = search_json(news_index, "shoigu mobilisation")
    assert document["hits"]
    for hit in document["hits"]:
        shown = invoke("show", hit["id"], "--index", str(news_index), "--json")
        article_json = json.loads(shown.stdout)
        title, body = article_json["title"], article_json["body"]
        for highlight in hit["title_highlights"]:
            assert title[highlight["start"] : highlight["end"]] == highlight["text"]
        assert hit["snippets"], hit["id"]
        for snippet in hit["snippets"]:
            assert body[snippet["start"] : snippet["end"]] == snippet["text"]
            for highlight in snippet["highlights"]:
                relative = slice(highlight["start"] - snippet["start"], highlight["end"] - snippet["start"])
                assert snippet["text"][relative] == highlight["text"]
                assert body[highlight["start"] : highlight["end"]] == highlight["text"]
                assert snippet["start"] <= highlight["start"] < highlight["end"] <= snippet["end"]


def test_json_highlights_show_each_spelling_as_the_article_wrote_it(news_index):
    document = search_json(news_index, "shoigu")
    highlighted = {
        hit["id"]: {h["text"] for snippet in hit["snippets"] for h in snippet["highlights"]} for hit in document["hits"]
    }
    assert highlighted["shoigu"] == {"Shoigu"}
    assert highlighted["choigou-1"] == {"Choïgou"}
    assert highlighted["choigou-plain"] == {"Choigou"}
    (first,) = [hit for hit in document["hits"] if hit["id"] == "choigou-1"]
    assert [h["text"] for h in first["title_highlights"]] == ["Choïgou"]


def test_jsonl_is_one_object_a_line_a_hit(news_index):
    expected = hit_ids(search_json(news_index, "mobilisation"))
    result = invoke("search", "mobilisation", "--index", str(news_index), "--jsonl")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(expected) == 3
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == expected
    assert all(set(r) == HIT_KEYS for r in records)


def test_jsonl_with_no_hits_prints_nothing(news_index):
    result = invoke("search", "hippopotame", "--index", str(news_index), "--jsonl")
    assert result.exit_code == 1 and result.stdout == ""


def test_fields_prints_tab_separated_lines(news_index):
    expected = hit_ids(search_json(news_index, "mobilisation"))
    result = invoke("search", "mobilisation", "--index", str(news_index), "--fields", "id,title")
    assert result.exit_code == 0
    header, *rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert header == ["id", "title"]
    assert [row[0] for row in rows] == expected
    assert all(len(row) == 2 and row[1] == BY_ID[row[0]]["title"] for row in rows)


@pytest.mark.parametrize("output", ["--json", "--jsonl"])
def test_fields_with_json_keeps_only_those_keys(news_index, output):
    result = invoke("search", "mobilisation", "--index", str(news_index), output, "--fields", "id, title")
    assert result.exit_code == 0
    if output == "--json":
        hits = json.loads(result.stdout)["hits"]
    else:
        hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(hits) == 3
    assert all(set(hit) == {"id", "title"} for hit in hits)


def test_pages_are_offsets_of_limit_hits(news_index):
    everything = hit_ids(search_json(news_index, "choigou OR zelensky"))
    page = search_json(news_index, "choigou OR zelensky", "--limit", "2", "--page", "2")
    assert page["offset"] == 2
    assert [hit["rank"] for hit in page["hits"]] == [3, 4]
    assert hit_ids(page) == everything[2:4]


def test_date_and_source_options_filter(news_index):
    window = search_json(news_index, "choigou", "--since", "2022-09-22", "--until", "2022-10")
    assert set(hit_ids(window)) == {"choigou-2", "choigou-3", "choigou-plain"}
    wikinews = search_json(news_index, "choigou", "--source", "wikinews", "--limit", "1")
    assert wikinews["total"] == 2 and hit_ids(wikinews)[0] in {"choigou-plain", "shoigu"}


@pytest.mark.parametrize("output", [[], ["--json"]], ids=["plain", "json"])
def test_sort_by_date_lists_newest_first(news_index, output):
    result = invoke("search", "choigou", "--sort", "date", "--index", str(news_index), *output)
    assert result.exit_code == 0, result.exception
    if output:
        hits = json.loads(result.stdout)["hits"]
        dates = [hit["date"] for hit in hits]
        assert dates == sorted(dates, reverse=True) and len(dates) == 5
        assert all(hit["score"] is None for hit in hits)  # ordered by date, not relevance


def test_all_drops_partial_matches(news_index):
    relaxed = search_json(news_index, "zelensky mobilisation")
    assert relaxed["hits"] and all(hit["partial"] for hit in relaxed["hits"])
    strict = invoke("search", "zelensky mobilisation", "--index", str(news_index), "--all", "--json")
    assert strict.exit_code == 1
    assert json.loads(strict.stdout)["hits"] == []


# --- --explain ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("choïgou", {"Choïgou": "exact", "Choigou": "accents", "Shoigu": "variant"}),
        ("président", {"présidents": "stemmed"}),
        ("mobilsation~", {"mobilisation": "fuzzy"}),
        ("mobilis*", {"mobilisation": "prefix"}),
    ],
)
def test_explain_names_the_kind_of_each_match(news_index, query, expected):
    document = search_json(news_index, query, "--explain")
    assert document["hits"]
    for hit in document["hits"]:
        assert hit["explanation"], hit["id"]
        for part in hit["explanation"]:
            assert set(part) == {"part", "score", "matches"}
            assert isinstance(part["score"], (int, float))
            for match in part["matches"]:
                shape = {"word", "kind", "count"} | ({"source"} if match["kind"] == "variant" else set())
                assert set(match) == shape and match["count"] >= 1
    kinds = match_kinds(document)
    assert {word: kinds.get(word) for word in expected} == expected


def test_explain_in_plain_output(news_index):
    result = invoke("search", "choïgou", "--index", str(news_index), "--explain")
    assert result.exit_code == 0
    assert "why choïgou" in result.stdout
    assert "Shoigu variant" in result.stdout and "Choigou accents" in result.stdout


# --- did you mean -------------------------------------------------------------------------


def test_did_you_mean_a_misspelt_word(news_index):
    result = invoke("search", "mobilsation", "--index", str(news_index), "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["hits"] == []
    assert {"query": "mobilisation", "hits": 3} in document["suggestions"]

    plain = invoke("search", "mobilsation", "--index", str(news_index))
    assert plain.exit_code == 1
    assert "Did you mean mobilisation?" in plain.stdout


@pytest.mark.parametrize("misspelt", ["Choïgau", "choigau"])
def test_did_you_mean_shows_the_spelling_the_articles_use(news_index, misspelt):
    document = search_json(news_index, misspelt)
    assert document["hits"] == []
    suggested = [s["query"] for s in document["suggestions"] if s["hits"] > 0]
    assert suggested == ["Choïgou"]
    plain = invoke("search", misspelt, "--index", str(news_index))
    assert plain.exit_code == 1 and "Did you mean Choïgou?" in plain.stdout


def test_did_you_mean_inside_a_phrase_keeps_the_quotes(news_index):
    document = search_json(news_index, '"conseil de sécurtié"')
    assert document["hits"] == []
    assert {"query": '"conseil de sécurité"', "hits": 1} in document["suggestions"]


def test_did_you_mean_leaves_field_values_alone(news_index):
    # suggest.corrected_query documents that field values are not corrected; whatever
    # is suggested, it must still search the title only.
    result = invoke("search", "title:zelenksy", "--index", str(news_index), "--json")
    assert result.exit_code == 1
    for suggestion in json.loads(result.stdout)["suggestions"]:
        assert suggestion["query"].startswith("title:")


# --- colour and terminal safety -----------------------------------------------------------


def test_no_escape_codes_when_stdout_is_not_a_terminal(news_index):
    result = run_cli_bytes("search", "choigou", "--explain", "--index", str(news_index))
    assert result.returncode == 0
    assert b"Choigou" in result.stdout and b"\x1b" not in result.stdout


def test_color_always_styles_even_a_pipe(news_index):
    result = run_cli_bytes("search", "choigou", "--color", "always", "--index", str(news_index))
    assert result.returncode == 0
    assert b"\x1b[" in result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize(
    ("options", "env", "styled"),
    [
        ([], {}, True),
        ([], {"NO_COLOR": "1"}, False),
        (["--color", "never"], {}, False),
    ],
    ids=["terminal", "NO_COLOR", "color-never"],
)
def test_color_on_a_terminal(news_index, options, env, styled):
    code, output = on_terminal("search", "choigou", "--index", str(news_index), *options, env=env, streams=("stdout",))
    assert code == 0
    assert b"choigou-1" in output
    assert (b"\x1b" in output) is styled


@pytest.mark.parametrize(
    "command",
    [
        ["search", "kremlin", "--color", "always"],
        ["search", "kremlin", "--color", "never"],
        ["search", "kremlin", "--fields", "id,title,source,snippets"],
        ["show", "hostile", "--color", "always", "--no-pager"],
        ["show", "hostile", "--query", "kremlin", "--color", "always", "--no-pager"],
    ],
    ids=" ".join,
)
def test_article_text_never_drives_the_terminal(hostile_index, command):
    result = run_cli_bytes(*command, "--index", str(hostile_index))
    assert result.returncode == 0, result.stderr
    for control in TERMINAL_CONTROLS:
        assert control not in result.stdout, control
    assert b"[bold red]oops[/]" in result.stdout  # Rich markup in an article is text
    assert "\ufffd[2J".encode() in result.stdout  # the escape shown as �


@pytest.mark.parametrize(
    "command",
    [["search", "kremlin", "--json"], ["search", "kremlin", "--jsonl"], ["show", "hostile", "--json"]],
    ids=" ".join,
)
def test_json_escapes_control_characters_but_keeps_the_text(hostile_index, command):
    result = run_cli_bytes(*command, "--index", str(hostile_index))
    assert result.returncode == 0, result.stderr
    for control in (*TERMINAL_CONTROLS, b"\x1b"):
        assert control not in result.stdout, control
    assert b"\\u202e" in result.stdout
    documents = [json.loads(line) for line in result.stdout.splitlines()] if "--jsonl" in command else []
    if not documents:
        document = json.loads(result.stdout)
        documents = document.get("hits", [document])
    assert [d["title"] for d in documents] == [HOSTILE_TITLE]  # the data itself is intact


def test_error_messages_are_made_safe_too(news_index):
    result = invoke("show", "\x1b[2J\u202e", "--index", str(news_index))
    assert result.exit_code == 1
    one_error_line(result.stderr)
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr


# --- snippets a person reads --------------------------------------------------------------


def test_a_match_inside_a_long_url_is_shown_highlighted(make_index):
    url = "https://www.kremlin.ru/events/president/news/" + "/".join(["transcripts-" + "x" * 20] * 8)
    indexed = make_index([article("url", f"Le texte intégral a été publié. Source : {url} consulté lundi.")])
    (hit,) = search_json(indexed.dir, "kremlin")["hits"]
    assert all(s["start"] <= s["end"] for s in hit["snippets"])
    assert [h["text"] for s in hit["snippets"] for h in s["highlights"]] == ["kremlin"]


def test_every_match_inside_a_snippet_is_highlighted(make_index):
    body = "texte " * 25 + "Kremlin texte texte Kremlin " + "texte " * 22 + "Poutine " + "texte " * 60
    indexed = make_index([article("a", body)])
    (hit,) = search_json(indexed.dir, "kremlin poutine")["hits"]
    view = json.loads(invoke("show", "a", "--query", "kremlin poutine", "--index", str(indexed.dir), "--json").stdout)
    for snippet in hit["snippets"]:
        shown = [h for h in view["body_highlights"] if snippet["start"] <= h["start"] and h["end"] <= snippet["end"]]
        assert snippet["highlights"] == shown


# --- show, similar, stats -----------------------------------------------------------------


def test_show_prints_title_date_and_body(news_index):
    result = invoke("show", "choigou-1", "--index", str(news_index), "--no-pager", "--color", "never")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.replace("│", " ").split())
    stored = BY_ID["choigou-1"]
    assert stored["title"] in text and stored["date"] in text and "id choigou-1" in text
    assert " ".join(stored["body"].split()) in text


def test_show_json_highlights_the_query_in_every_spelling(news_index):
    result = invoke("show", "choigou-plain", "--query", "shoigu", "--index", str(news_index), "--json")
    assert result.exit_code == 0
    view = json.loads(result.stdout)
    assert view["body"] == BY_ID["choigou-plain"]["body"]
    spans = view["body_highlights"]
    assert [h["text"] for h in spans] == [view["body"][h["start"] : h["end"]] for h in spans] == ["Choigou"]


def test_show_unknown_id_is_exit_1_one_line(news_index):
    result = invoke("show", "no-such-id", "--index", str(news_index), "--no-pager")
    assert result.exit_code == 1
    one_error_line(result.stderr)
    assert "no-such-id" in result.stderr and result.stdout == ""


@pytest.mark.parametrize("article_id", sorted(BY_ID))
def test_similar_lists_other_articles_never_the_article_itself(news_index, article_id):
    result = invoke("similar", article_id, "--index", str(news_index), "--json")
    assert result.exit_code in (0, 1)
    ids = hit_ids(json.loads(result.stdout))
    assert article_id not in ids
    assert set(ids) <= set(BY_ID)


def test_similar_finds_the_related_articles(news_index):
    result = invoke("similar", "choigou-2", "--index", str(news_index), "--fields", "id")
    assert result.exit_code == 0
    ids = result.stdout.split()
    assert ids and "choigou-2" not in ids
    assert {"choigou-1", "choigou-3"} & set(ids)


def test_similar_unknown_id_is_exit_1(news_index):
    result = invoke("similar", "no-such-id", "--index", str(news_index))
    assert result.exit_code == 1
    one_error_line(result.stderr)


def test_stats_counts_the_articles(news_index):
    plain = invoke("stats", "--index", str(news_index))
    assert plain.exit_code == 0
    (articles,) = [line for line in plain.stdout.splitlines() if line.startswith("articles")]
    assert f"{len(NEWS)} ({len(NEWS)} dated)" in articles
    facts = json.loads(invoke("stats", "--index", str(news_index), "--json").stdout)
    assert facts["documents"] == facts["dated"] == len(NEWS)


# --- in process and as a subprocess ---------------------------------------------------------


def test_cli_runner_and_subprocess_agree(news_index):
    in_process = invoke("search", "choigou OR zelensky", "--index", str(news_index), "--json")
    subprocess_run = run_cli("search", "choigou OR zelensky", "--index", str(news_index), "--json", cwd=REPO)
    assert in_process.exit_code == subprocess_run.returncode == 0
    assert json.loads(in_process.stdout) == json.loads(subprocess_run.stdout)


def test_search_help_documents_the_query_language():
    result = invoke("search", "--help")
    assert result.exit_code == 0
    for token in ("OR", "NOT", "title:", "date:", "source:", "~", "*", '"conseil de sécurité"'):
        assert token in result.stdout, token


def test_top_level_help_lists_the_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("index", "search", "show", "similar", "stats"):
        assert command in result.stdout
