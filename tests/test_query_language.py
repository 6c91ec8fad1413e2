"""The query language: what each form parses to, how malformed queries are reported,
what each form finds in a real index, and that no input can crash the parser or a search."""

from __future__ import annotations

import contextlib
import unicodedata
from pathlib import Path

import pytest
from helpers import article, write_jsonl
from hypothesis import example, given, settings
from hypothesis import strategies as st

from searchkit.errors import QueryError, SearchkitError
from searchkit.indexing import build_index
from searchkit.query import And, Filter, Not, Or, Phrase, Word, parse
from searchkit.search import SearchOptions, SearchResult, search

# --- parsing -------------------------------------------------------------------------


def word(text: str, field: str | None = None) -> Word:
    return Word(text, field)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("iran", word("iran")),
        ("iran irak", And((word("iran"), word("irak")))),
        ("iran OR irak", Or((word("iran"), word("irak")))),
        ("iran OU irak", Or((word("iran"), word("irak")))),
        ("-gaza", Not(word("gaza"))),
        ("NOT gaza", Not(word("gaza"))),
        ("SAUF gaza", Not(word("gaza"))),
        ("iran -gaza", And((word("iran"), Not(word("gaza"))))),
        ('"conseil de sécurité"', Phrase("conseil de sécurité")),
        ("title:zelensky", word("zelensky", "title")),
        ('title:"guerre en Ukraine"', Phrase("guerre en Ukraine", "title")),
        ("ukrain*", Word("ukrain", None, "prefix")),
        ("choigu~", Word("choigu", None, "fuzzy", 2)),
        ("choigu~1", Word("choigu", None, "fuzzy", 1)),
        ("date:2022", Filter("date", "2022")),
        ("date:2022-03", Filter("date", "2022-03")),
        ("date:2022-03-01", Filter("date", "2022-03-01")),
        ("date:2022-03-01..2022-06-30", Filter("date", "2022-03-01", "2022-06-30")),
        ("date:2022-03..2022-06", Filter("date", "2022-03-01", "2022-06-30")),
        ("date:2024-02..2024-02", Filter("date", "2024-02-01", "2024-02-29")),  # leap year
        ("source:wikinews", Filter("source", "wikinews")),
        (
            "(kiev OR kyiv) -russie",
            And((Or((word("kiev"), word("kyiv"))), Not(word("russie")))),
        ),
        ("NOT (iran OR irak)", Not(Or((word("iran"), word("irak"))))),
        # a field before a group is the field of every word inside it
        ("title:(kiev OR kyiv)", Or((word("kiev", "title"), word("kyiv", "title")))),
        ("lead:(Macron OR Poutine)", Or((word("Macron", "lead"), word("Poutine", "lead")))),
        ('title:(kiev -"mer noire")', And((word("kiev", "title"), Not(Phrase("mer noire", "title"))))),
        ("title:(title:kiev)", word("kiev", "title")),
        ("date:(2020 OR 2022)", Or((Filter("date", "2020"), Filter("date", "2022")))),
        ("source:(monde OR afp)", Or((Filter("source", "monde"), Filter("source", "afp")))),
    ],
)
def test_each_form_parses_to_its_tree(query, tree):
    assert parse(query) == tree


def test_guillemets_are_a_phrase_like_straight_quotes():
    node = parse("« conseil de sécurité »")
    assert isinstance(node, Phrase) and node.field is None
    assert node.text.strip() == "conseil de sécurité"


def test_no_break_spaces_separate_words():
    assert parse("iran\u00a0OR\u202firak") == parse("iran OR irak")


def test_decomposed_accents_parse_like_composed_ones():
    assert parse("Cho\u0069\u0308gou") == parse("Choïgou")


# --- malformed queries -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "column", "says"),
    [
        ('iran "conseil de sécurité', 6, "unbalanced quote"),
        ("« conseil de sécurité", 1, "unbalanced quote"),
        ('title:"guerre en Ukraine', 7, "unbalanced quote"),
        ("conseil »", 9, "no opening quote"),
        ("(kiev OR kyiv", 1, "unbalanced parenthesis"),
        ("kiev OR kyiv)", 13, "unbalanced parenthesis"),
        ("foo:bar", 1, "unknown field 'foo'"),
        ("iran date:2022-13", 11, "bad date '2022-13'"),
        ("date:2022-02-30", 6, "bad date '2022-02-30'"),
        ("date:2023-02-29", 6, "bad date"),
        ("date:2022-03-01..2022-13", 6, "bad date '2022-13'"),
        ("date:..", 6, "start or an end"),
        ("title:", 1, "nothing after title:"),
        ("lead: inflation", 1, 'write lead:word, lead:"a phrase" or lead:(a OR b), with no space'),
        ("source:((", 9, "unbalanced parenthesis: ( with no )"),
        ("iran (", 6, "unbalanced parenthesis: ( with no )"),
        ("title:(kiev", 1, "unbalanced parenthesis: title:( with no )"),
        ("iran ()", 6, "() holds nothing"),
        ("source:()", 1, "source:() holds nothing"),
        ("title:(lead:kiev)", 13, "lead: inside title:( … ): one field at a time"),
        ("title:(a body:(b))", 10, "body:( inside title:( … ): one field at a time"),
        ("atleast3 (ukraine)", 1, "atleast3: no space before its parenthesis"),
        ("OR", 1, "OR"),
        ("iran OR", 6, "OR"),
        ("NOT", 1, "NOT needs a word"),
        ("kiev SAUF", 6, "SAUF needs a word after it"),
        ("ET kiev", 1, "ET needs a word before it"),
        ("kiev OU", 6, "expected a word near 'OU'"),
        ("a*", 1, "too short"),
        ("~", 1, "needs a word"),
        ("ukr*ne", 1, "* stands only at the end of a word"),
        ("iran a*b", 6, "* stands only at the end of a word"),
        ("*:x", 1, "* stands only at the end of a word"),
        ("kiev~-1", 1, "~ ends a fuzzy word"),
        ("kiev~1.5", 1, "~ ends a fuzzy word"),
        ("a~b", 1, "~ ends a fuzzy word"),
        ("title:atleast1(macron)", 1, "the field goes inside: atleast1(title:…)"),
        ("iran lead:atleast2(a b)", 6, "the field goes inside: atleast2(lead:…)"),
        ("title:title:macron", 1, "title:title:macron: one field at a time"),
        ("=title:macron", 1, "the field comes first: title:=macron"),
    ],
)
def test_malformed_query_says_what_and_where(query, column, says):
    with pytest.raises(QueryError) as raised:
        parse(query)
    assert raised.value.column == column
    assert says in str(raised.value)
    assert f"at column {column}" in str(raised.value)
    assert isinstance(raised.value, SearchkitError) and raised.value.exit_code == 2


def test_a_fuzzy_distance_of_several_digits_is_the_largest_one_as_a_single_digit_is():
    assert parse("kiev~99") == parse("kiev~9") == parse("kiev~2")
    assert parse("kiev~0").distance == 0


@pytest.mark.parametrize("query", ["", "   ", "\u00a0"])
def test_empty_query_is_an_error(query):
    with pytest.raises(QueryError, match="empty query"):
        parse(query)


# --- each form against a real index ----------------------------------------------------

ARTICLES = [
    article(
        "choigou",
        "Sergueï Choïgou est arrivé à Moscou pour la réunion.",
        title="Sergueï Choïgou à Moscou",
        date="2022-03-01",
        source="Le Monde",
    ),
    article("choigu", "Le ministre Choïgu a signé le décret.", title="Décret", date="2022-04-15", source="AFP"),
    article(
        "shoigu", "Sergei Shoigu met the press in Moscow.", title="Shoigu speaks", date="2022-06-30", source="Wikinews"
    ),
    article(
        "ukraine",
        "La guerre en Ukraine continue ; les ukrainiens résistent à l’armée.",
        title="Guerre en Ukraine",
        date="2022-07-01",
        source="Wikinews",
    ),
    article(
        "kyiv",
        "À Kyiv, les sirènes. Zelensky a parlé de l’Ukraine au Conseil de sécurité.",
        title="Zelensky à Kyiv",
        date="2022-02-28",
        source="AFP",
    ),
    article("kiev-russie", "À Kiev, la Russie a frappé.", title="Frappes sur Kiev", date="2021-12-01", source="AFP"),
    article(
        "teheran",
        "L’Iran et l’Irak ont signé un accord à Téhéran.",
        title="Accord",
        date="2024-02-29",
        source="Échantillon searchkit",
    ),
    article("conseil-sans", "Le conseil et la sécurité : rien à voir.", title="Autre sujet", date="2023-01-11"),
    article("gaza", "Les combats à Gaza et en Iran.", title="Proche-Orient", date="2023-10-10"),
]
ALL_IDS = {a["id"] for a in ARTICLES}
CHOIGU_SPELLINGS = {"choigou", "choigu", "shoigu"}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    """One small index for the whole module (the property tests run hundreds of searches on it)."""
    root = tmp_path_factory.mktemp("query-language")
    build_index([write_jsonl(root / "articles.jsonl", ARTICLES)], root / "index")
    return root / "index"


def found(index_dir: Path, query: str) -> set[str]:
    result = search(index_dir, query, SearchOptions(limit=100, match_all=True))
    return {hit.id for hit in result.hits}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # names: every spelling finds the others, whatever the case and accents
        ("choigou", CHOIGU_SPELLINGS),
        ("SHOIGU", CHOIGU_SPELLINGS),
        ("Choïgu", CHOIGU_SPELLINGS),
        # OR / OU
        ("IRAN OR irak", {"teheran", "gaza"}),
        ("irak OU ukraine", {"teheran", "ukraine", "kyiv"}),
        ("shoigu OR zelenski", CHOIGU_SPELLINGS | {"kyiv"}),
        # NOT / - / SAUF, with variants folded inside the negation
        ("iran -gaza", {"teheran"}),
        ("iran NOT gaza", {"teheran"}),
        ("iran SAUF gaza", {"teheran"}),
        ("-shoigu", ALL_IDS - CHOIGU_SPELLINGS),
        ("NOT choïgou", ALL_IDS - CHOIGU_SPELLINGS),
        # phrases: stop words are gaps that count; case, accents and names folded
        ('"conseil de sécurité"', {"kyiv"}),
        ("« Conseil de Securite »", {"kyiv"}),
        ('"sergei shoigu"', {"choigou", "shoigu"}),
        # fields
        ("ukraine", {"ukraine", "kyiv"}),
        ("title:ukraine", {"ukraine"}),
        ("title:UKRAÎNE", {"ukraine"}),
        ("title:shoigu", {"choigou", "shoigu"}),
        ('title:"sergei shoigu"', {"choigou"}),
        ('title:"guerre en ukraine"', {"ukraine"}),
        ("title:l’accord", {"teheran"}),
        # elision
        ("l’iran", {"teheran", "gaza"}),
        ("l'Irak", {"teheran"}),
        # prefixes
        ("ukrain*", {"ukraine", "kyiv"}),
        ("UKRAIN*", {"ukraine", "kyiv"}),
        ("téhér*", {"teheran"}),
        ("TEHER*", {"teheran"}),
        ("title:ukrain*", {"ukraine"}),
        # exonyms and grouping
        ("kiev", {"kiev-russie", "kyiv"}),
        ("(kiev OR kyiv) -russie", {"kyiv"}),
        # dates: a year, a month, a day, ranges with both ends included
        ("date:2022", {"choigou", "choigu", "shoigu", "ukraine", "kyiv"}),
        ("date:2022-02", {"kyiv"}),
        ("date:2024-02-29", {"teheran"}),
        ("date:2022-03-01..2022-06-30", {"choigou", "choigu", "shoigu"}),
        ("date:2022-03..2022-06", {"choigou", "choigu", "shoigu"}),
        ("date:..2022-02", {"kyiv", "kiev-russie"}),
        ("date:2023..", {"teheran", "conseil-sans", "gaza"}),
        ("choigou date:2022-04", {"choigu"}),
        # sources: any word of the source, folded
        ("source:wikinews", {"shoigu", "ukraine"}),
        ("source:WikiNews", {"shoigu", "ukraine"}),
        ("source:monde", {"choigou"}),
        ("source:ÉCHANTILLON", {"teheran"}),
        ("source:echantillon", {"teheran"}),
        ("choigou source:afp", {"choigu"}),
        # a field on a group
        ("title:(ukraine OR zelensky)", {"ukraine", "kyiv"}),
        ("title:(kiev OR kyiv) -russie", {"kyiv"}),
        ("(date:2021 OR date:2024) title:(kiev OR accord)", {"kiev-russie", "teheran"}),
        ("date:(2021 OR 2024)", {"kiev-russie", "teheran"}),
        ("source:(monde OR wikinews)", {"choigou", "shoigu", "ukraine"}),
    ],
)
def test_each_form_finds_the_right_articles(index_dir, query, expected):
    assert found(index_dir, query) == expected


def test_fuzzy_tolerates_typos(index_dir):
    assert {"choigou", "choigu"} <= found(index_dir, "choigu~")
    assert "choigu" in found(index_dir, "chiogu~")  # two letters swapped: two edits
    assert "choigu" in found(index_dir, "CHIOGU~")
    assert "choigu" not in found(index_dir, "chiogu~1")  # one edit is not enough
    assert found(index_dir, "ukrainne~") == {"ukraine", "kyiv"}
    assert found(index_dir, "l’ukrainne~") == {"ukraine", "kyiv"}


@pytest.mark.parametrize("query", ["shoigu~", "choigu~"])
def test_fuzzy_folds_name_variants_like_every_other_form(index_dir, query):
    assert found(index_dir, query) >= CHOIGU_SPELLINGS


def test_prefix_removes_elision_like_every_other_form(index_dir):
    assert found(index_dir, "l’ukrain*") == {"ukraine", "kyiv"}


@pytest.mark.parametrize("query", ["iran source:_", "source:ʼ iran", "iran OR source:_"])
def test_a_source_filter_with_no_letters_is_not_a_crash(index_dir, query):
    with contextlib.suppress(SearchkitError):
        search(index_dir, query)


# --- no input crashes the parser or a search ------------------------------------------

#: Characters the syntax gives a meaning to, and ones that have broken parsers before:
#: quotes of every kind, no-break spaces, combining accents, bidirectional controls,
#: C0 and C1 controls, a non-Latin digit and letters unidecode cannot spell.
SPECIAL_CHARACTERS = [
    *"\"«»“”()-:*~._'’ʼ",
    " ",
    "\u00a0",
    "\u202f",
    "\u0301",
    "\u0308",
    "\u202e",
    "\u200f",
    "\u061c",
    "\x00",
    "\x07",
    "\x1b",
    "\x9b",
    "\n",
    "\t",
    "٣",
    "中",
    "ß",
    "İ",
    "ﬁ",
]
#: Pieces of syntax, ``source:`` with values that fold to nothing included.
SYNTAX_PIECES = [
    " OR ",
    " OU ",
    "NOT ",
    "SAUF ",
    " AND ",
    " ET ",
    "title:",
    "body:",
    "date:",
    "id:",
    "source:",
    "..",
    "2022",
    "-03",
    "-13",
    "~1",
    "l’",
    "d'",
    "le ",
    "de ",
    "choïgou",
    "Shoigu",
    "ukraine",
    "iran",
]

query_texts = st.one_of(
    st.text(alphabet=st.one_of(st.characters(), st.sampled_from(SPECIAL_CHARACTERS))),
    st.lists(
        st.one_of(
            st.sampled_from(SPECIAL_CHARACTERS),
            st.sampled_from(SYNTAX_PIECES),
            st.text(max_size=3),
        ),
        max_size=12,
    ).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(text=query_texts, explain=st.booleans(), match_all=st.booleans(), sort=st.sampled_from(["score", "date"]))
@example(text='title:"', explain=False, match_all=False, sort="score")
@example(text="« ( -", explain=True, match_all=False, sort="score")
@example(text="le la de", explain=False, match_all=False, sort="score")
def test_any_query_ends_in_results_or_a_searchkit_error(index_dir, text, explain, match_all, sort):
    options = SearchOptions(limit=5, explain=explain, match_all=match_all, sort=sort)
    try:
        result = search(index_dir, text, options)
    except SearchkitError:
        return
    assert isinstance(result, SearchResult)
    assert all(hit.id in ALL_IDS for hit in result.hits)


@example(text="\ud800*")  # a lone surrogate: what the CLI makes of a byte that is not UTF-8
@settings(max_examples=1000, deadline=None)
@given(text=st.one_of(query_texts, st.lists(st.sampled_from([*SYNTAX_PIECES, "source:"]), max_size=8).map("".join)))
def test_any_query_parses_or_fails_with_a_column_inside_it(text):
    try:
        node = parse(text)
    except QueryError as error:
        assert str(error).startswith("bad query")
        if error.column is not None:
            assert 1 <= error.column <= len(unicodedata.normalize("NFC", text))
        return
    assert isinstance(node, (Word, Phrase, Filter, Not, And, Or))


@pytest.mark.parametrize("text", ["caf\udce9", "\ud800*", "poutine \udfff~2"])
def test_a_query_that_is_not_text_is_one_error_with_its_column(text):
    with pytest.raises(QueryError, match=r"at column \d+: not valid text"):
        parse(text)
