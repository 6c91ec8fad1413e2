"""Every query does bounded work and fails in one line when it is over a cap.

The caps (``searchkit.query.MAX_*``, ``searchkit.engine.whoosh_expansions.MAX_EXPANSIONS``,
``searchkit.suggest.MAX_LOOKUPS``) are asserted by counts: how many terms a
query expands to, how many vocabulary lookups it makes, that an error is
raised; never by the clock.  Also: output in an encoding that cannot show the
text, reversed date ranges, and a query that starts with ``-``.
"""

from __future__ import annotations

import inspect
import json
import shlex
import string
import sys
from itertools import product

import pytest
from helpers import Indexed, article, one_error_line, open_live, run_cli
from whoosh import index as whoosh_index

from searchkit.engine.whoosh_engine import WhooshIndex, build_schema
from searchkit.engine.whoosh_expansions import MAX_EXPANSIONS
from searchkit.engine.whoosh_query import compile_query, matched_terms
from searchkit.errors import QueryError
from searchkit.names.table import Variants
from searchkit.query import (
    MAX_DEPTH,
    MAX_FUZZY_WORDS,
    MAX_PREFIXES,
    MAX_QUERY_CHARS,
    MAX_WORD_LETTERS,
    MAX_WORDS,
    parse,
)
from searchkit.search import SearchOptions, search
from searchkit.suggest import MAX_LOOKUPS

#: 60 four-letter words starting "de" (no stop word, too short to be stemmed):
#: the first 50 are in two articles each, the last 10 in one.
DE_WORDS = ["de" + a + b for a, b in product(string.ascii_lowercase[:3], string.ascii_lowercase)][:60]
FREQUENT, RARE = DE_WORDS[:MAX_EXPANSIONS], DE_WORDS[MAX_EXPANSIONS:]
#: 100 words one edit from "zorbo" (first letter kept): fuzzy "zorbo~" reaches them all.
NEAR_ZORBO = sorted(
    {"zorbo"[:i] + c + "zorbo"[i + 1 :] for i in range(1, 5) for c in string.ascii_lowercase} - {"zorbo"}
)

ARTICLES = [
    article("choigou", "Sergueï Choïgou a rencontré Vladimir Poutine à Moscou.", title="Choïgou à Moscou"),
    article("gaza", "Les combats continuent à Gaza.", title="Proche-Orient"),
    article("iran", "L’Iran et la Russie ont signé un accord.", title="Accord", date="2022-03-01"),
    article("frequent-1", " ".join(FREQUENT), title="Mots"),
    article("frequent-2", " ".join(FREQUENT), title="Mots"),
    *[article(f"rare-{word}", f"Le mot {word} seul.", title="Mot rare") for word in RARE],
    article("zorbo", " ".join(NEAR_ZORBO), title="Mots proches"),
]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Indexed:
    return Indexed(tmp_path_factory.mktemp("bounds"), ARTICLES)


def cli_search(indexed: Indexed, *args: str, env: dict | None = None):
    return run_cli("search", *args, "--index", str(indexed.dir), env=env)


# --- 1. caps on the query: one line, exit 2, never a RecursionError ---------------------


@pytest.mark.parametrize(
    ("query", "says"),
    [
        pytest.param("(" * 300 + "iran" + ")" * 300, f"nested too deep: more than {MAX_DEPTH}", id="300 nested ("),
        pytest.param("(" * 1000 + "iran", "at column 21: nested too deep", id="1000 unclosed ("),
        pytest.param("NOT " * 300 + "iran", "nested too deep", id="300 NOT"),
        pytest.param("iran " + "-" * 300 + "gaza", "at column 26: nested too deep", id="300 minus"),
        pytest.param(
            " ".join(["iran"] * 1300), f"query too long: 6,499 characters, at most {MAX_QUERY_CHARS:,}", id="1300 words"
        ),
        pytest.param(" ".join(["iran"] * 300), f"too many words: a query may have at most {MAX_WORDS}", id="300 words"),
        pytest.param(" OR ".join(f"mot{i}" for i in range(150)), "too many words", id="150 words OR"),
        pytest.param('"' + " ".join(["guerre"] * 100) + '"', "too many words", id="100-word phrase"),
        pytest.param("-".join(["guerre"] * 100), "too many words", id="100 hyphenated words"),
        pytest.param("source:" + "-".join(["afp"] * 300), "too many words", id="300-word source"),
    ],
)
def test_a_query_over_a_cap_is_one_line_exit_2(indexed, query, says):
    result = cli_search(indexed, query)
    assert result.returncode == 2, result.stderr[-2000:]
    assert says in one_error_line(result.stderr)
    assert result.stdout == ""


def test_the_column_shows_where_the_cap_was_passed():
    with pytest.raises(QueryError) as raised:
        parse(" ".join(f"mot{i}" for i in range(MAX_WORDS + 10)))
    assert raised.value.column == len(" ".join(f"mot{i}" for i in range(MAX_WORDS))) + 2  # the first word too many
    with pytest.raises(QueryError) as raised:
        parse("iran " + "(" * (MAX_DEPTH + 1) + "irak" + ")" * (MAX_DEPTH + 1))
    assert raised.value.column == 6 + MAX_DEPTH


@pytest.mark.parametrize(
    "query",
    [" ".join(["mot"] * 800), " ".join(["mot"] * 800)[:MAX_QUERY_CHARS], " OR ".join(["mot"] * 1000)],
    ids=["800 pasted words", "the same cut to the length cap", "1000 words OR"],
)
def test_pasted_text_is_refused_when_parsed(query):
    with pytest.raises(QueryError, match=r"too long|too many words"):
        parse(query)


WORDS_AT_CAP = [f"mot{i}" for i in range(MAX_WORDS)]
AT_THE_CAPS = {
    "and": " ".join(WORDS_AT_CAP),
    "or": " OR ".join(WORDS_AT_CAP),
    "phrase": '"' + " ".join(WORDS_AT_CAP) + '"',
    "title phrase": 'title:"' + " ".join(WORDS_AT_CAP) + '"',
    "hyphenated": "-".join(WORDS_AT_CAP),
    "names phrase": '"' + " ".join(["Poutine", "Choïgou"] * (MAX_WORDS // 2)) + '"',
    "nested": "(" * MAX_DEPTH + " ".join(WORDS_AT_CAP[:-1]) + ")" * MAX_DEPTH,
    "negations": "(NOT " * (MAX_DEPTH // 2) + "gaza" + ")" * (MAX_DEPTH // 2),
    "expanding": " ".join(["de*"] * MAX_PREFIXES + ["zorbo~"] * MAX_FUZZY_WORDS + WORDS_AT_CAP[:-9]),
    "longest": "a" * MAX_QUERY_CHARS,
}


@pytest.mark.parametrize("query", AT_THE_CAPS.values(), ids=AT_THE_CAPS.keys())
def test_a_query_at_the_caps_needs_a_shallow_stack(indexed, query):
    """At every cap at once a search (with --explain) still runs with 300
    frames of stack to spare: Python's default limit leaves a wide margin."""
    assert parse(query) is not None
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 300)
    try:
        search(indexed.dir, query, SearchOptions(explain=True, limit=5))
    finally:
        sys.setrecursionlimit(limit)


# --- 2. bounded work: expansions, fuzzy words, suggestions ---------------------------------


def test_a_prefix_searches_highlights_and_explains_only_its_most_common_words(indexed):
    with open_live(indexed.dir) as index:
        assert index.matched_terms(index.compile(parse("de*"), Variants(index))) == set(FREQUENT)  # not the rarer
    # the two articles are one text: near-duplicates, listed apart here
    result = indexed.search("de*", limit=100, explain=True, collapse=False)
    assert {hit.id for hit in result.hits} == {"frequent-1", "frequent-2"}
    hit = result.hits[0]
    highlighted = {s.text[a - s.start : b - s.start] for s in hit.snippets for a, b in s.highlights}
    assert highlighted and highlighted <= set(FREQUENT)
    explained = {match.word for part in hit.explanation for match in part.matches}
    assert explained == set(FREQUENT)


def test_a_prefix_capped_in_title_and_body_gets_one_note_with_the_wider_field(make_index):
    titled = make_index(
        [
            article("titles", " ".join(DE_WORDS), title=" ".join(DE_WORDS[:55])),
            article("plain", "Rien à voir."),
        ]
    )
    assert titled.search("de*").notes == [
        f"de*: searched the {MAX_EXPANSIONS} most common of {len(DE_WORDS)} words starting 'de'"
    ]


def test_a_capped_prefix_or_fuzzy_word_says_so_and_an_uncapped_one_does_not(indexed):
    capped = indexed.search("de*").notes
    assert capped == [f"de*: searched the {MAX_EXPANSIONS} most common of {len(DE_WORDS)} words starting 'de'"]
    fuzzy = indexed.search("zorbo~1").notes
    assert fuzzy == [f"zorbo~1: searched the {MAX_EXPANSIONS} most common of {len(NEAR_ZORBO)} words within 1 edit(s)"]
    assert indexed.search(f"{FREQUENT[0]}*").notes == []
    shown = run_cli("search", "de*", "--index", str(indexed.dir), "--color", "never")
    assert capped[0] in shown.stdout


def test_a_fuzzy_word_expands_to_at_most_the_cap(indexed):
    with open_live(indexed.dir) as index:
        terms = index.matched_terms(index.compile(parse("zorbo~"), Variants(index)))
    assert len(NEAR_ZORBO) > MAX_EXPANSIONS
    assert len(terms) == MAX_EXPANSIONS and terms <= set(NEAR_ZORBO)
    (hit,) = indexed.search("zorbo~", explain=True).hits
    assert len({match.word for part in hit.explanation for match in part.matches}) == MAX_EXPANSIONS


class _NoVariants:
    """No name has another spelling: a plain Whoosh index has no variant table."""

    def spellings(self, folded: str) -> set[str]:
        return {folded}


def test_a_prefix_chooses_the_same_words_in_every_segment(tmp_path):
    """On an index of two segments, the second holding only the rare words,
    each segment still searches the words chosen on the whole index."""
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    with ix.writer() as writer:
        for number in range(2):
            writer.add_document(id=f"frequent-{number}", title="titre", body=" ".join(FREQUENT))
    writer = ix.writer()
    for word in RARE:
        writer.add_document(id=f"rare-{word}", title="titre", body=f"le mot {word}")
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) > 1
        query = compile_query(parse("de*"), _NoVariants())
        found = {hit["id"] for hit in searcher.search(query, limit=None)}
        assert found == {"frequent-0", "frequent-1"}
        assert matched_terms(query, searcher.reader()) == set(FREQUENT)


def test_fuzzy_words_are_capped_in_number_and_length():
    parse(" ".join(f"mot{i}~" for i in range(MAX_FUZZY_WORDS)))
    with pytest.raises(QueryError, match=f"too many fuzzy words.*at most {MAX_FUZZY_WORDS}"):
        parse(" ".join(f"mot{i}~" for i in range(MAX_FUZZY_WORDS + 1)))
    parse("a" * MAX_WORD_LETTERS + "~")
    with pytest.raises(QueryError, match=f"fuzzy word too long: {MAX_WORD_LETTERS + 1} letters") as raised:
        parse("iran " + "a" * (MAX_WORD_LETTERS + 1) + "~")
    assert raised.value.column == 6


def test_prefixes_are_capped_in_number():
    parse(" ".join(["ukrain*"] * MAX_PREFIXES))
    with pytest.raises(QueryError, match=f"too many prefixes.*at most {MAX_PREFIXES}"):
        parse(" ".join(["ukrain*"] * (MAX_PREFIXES + 1)))


@pytest.fixture
def lookups(monkeypatch) -> list[str]:
    """The words "did you mean" looks up by edit distance, in order."""
    looked_up: list[str] = []
    neighbours = WhooshIndex.neighbours

    def counting(self, term, maxdist, prefix):
        if term.startswith("^"):  # a word is looked up as a stem and as a spelling: count it once
            looked_up.append(term[1:])
        return neighbours(self, term, maxdist, prefix)

    monkeypatch.setattr(WhooshIndex, "neighbours", counting)
    return looked_up


def test_did_you_mean_never_looks_up_a_word_longer_than_any_french_word(indexed, lookups):
    indexed.search("a" * 1000)
    indexed.search("x" * (MAX_WORD_LETTERS + 1))
    assert lookups == []
    indexed.search("x" * MAX_WORD_LETTERS)
    assert lookups == ["x" * MAX_WORD_LETTERS]


def test_did_you_mean_looks_up_a_bounded_number_of_words(indexed, lookups):
    words = [f"inconnu{letter}" for letter in string.ascii_lowercase[:20]]
    indexed.search(" ".join(words))
    assert lookups == words[:MAX_LOOKUPS]


def test_did_you_mean_still_corrects_a_misspelt_word(indexed):
    assert [s.query for s in indexed.search("Choïgouu").suggestions] == ["Choïgou"]


# --- 3. output in an encoding that cannot show the text -------------------------------

ASCII_ENVIRONMENTS = {
    "PYTHONIOENCODING=ascii": {"PYTHONIOENCODING": "ascii"},
    "LC_ALL=C PYTHONUTF8=0": {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""},
}


@pytest.mark.parametrize("env", ASCII_ENVIRONMENTS.values(), ids=ASCII_ENVIRONMENTS.keys())
@pytest.mark.parametrize("query", ["Choïgou", "poutine"])
def test_json_is_ascii_escaped_with_the_same_data(indexed, env, query):
    result = cli_search(indexed, query, "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.isascii() and "\\u00ef" in result.stdout
    document = json.loads(result.stdout)
    assert document["query"] == query  # in the C locale too, the argument is read as UTF-8
    assert document["hits"][0]["title"] == "Choïgou à Moscou"
    assert {h["text"] for s in document["hits"][0]["snippets"] for h in s["highlights"]} >= {query.capitalize()}


@pytest.mark.parametrize("env", ASCII_ENVIRONMENTS.values(), ids=ASCII_ENVIRONMENTS.keys())
def test_jsonl_is_ascii_escaped_with_the_same_data(indexed, env):
    result = cli_search(indexed, "Choïgou", "--jsonl", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.isascii()
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == ["Choïgou à Moscou"]


@pytest.mark.parametrize("env", ASCII_ENVIRONMENTS.values(), ids=ASCII_ENVIRONMENTS.keys())
@pytest.mark.parametrize("options", [[], ["--explain"], ["--fields", "id,title"]], ids=" ".join)
def test_text_output_replaces_what_the_encoding_cannot_show(indexed, env, options):
    result = cli_search(indexed, "Choïgou", *options, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Cho?gou ? Moscou" in result.stdout and "choigou" in result.stdout


@pytest.mark.parametrize("env", ASCII_ENVIRONMENTS.values(), ids=ASCII_ENVIRONMENTS.keys())
def test_error_messages_replace_what_the_encoding_cannot_show(indexed, env):
    result = cli_search(indexed, "date:2022é", env=env)
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert "bad date '2022?'" in line  # replaced like stdout, not an encoding error or a backslash escape


# --- 4. messages: reversed ranges, a query starting with - --------------------------------


@pytest.mark.parametrize(
    ("query", "right"),
    [
        ("date:2022-06-30..2022-01-01", "2022-01-01..2022-06-30"),
        ("date:2022-06..2022-03", "2022-03..2022-06"),
        ("date:2023..2022", "2022..2023"),
    ],
)
def test_a_reversed_date_range_is_a_bad_query_showing_the_right_order(query, right):
    with pytest.raises(QueryError, match="reversed") as raised:
        parse(query)
    assert right in str(raised.value)
    assert raised.value.column == 6


@pytest.mark.parametrize("query", ["date:2022-06..2022-06", "date:2022..2022-03", "date:2022-03-31..2022-03"])
def test_a_range_within_one_period_is_not_reversed(query):
    assert parse(query).high is not None


def test_since_after_until_is_a_bad_query_not_zero_hits(indexed):
    result = cli_search(indexed, "iran", "--since", "2022-06-30", "--until", "2022-01-01")
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert "--since 2022-06-30 comes after --until 2022-01-01" in line


def test_a_query_starting_with_minus_says_how_to_write_it(indexed):
    result = cli_search(indexed, "-gaza")
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    after_dashes = f"searchkit search --index {shlex.quote(str(indexed.dir))} -- -gaza"
    assert after_dashes in line and "'NOT gaza'" in line
    fixed = run_cli(*shlex.split(after_dashes)[1:])  # as suggested
    assert fixed.returncode == 0, fixed.stderr
    assert "Choïgou à Moscou" in fixed.stdout and "Proche-Orient" not in fixed.stdout


@pytest.mark.parametrize("args", [["iran", "--nope"], ["iran", "-z"]], ids=" ".join)
def test_other_unknown_options_keep_clicks_message(indexed, args):
    result = cli_search(indexed, *args)
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert f"No such option: {args[1]}" in line and "see `searchkit --help`" in line and "NOT" not in line
