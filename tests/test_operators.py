"""The operators of professional news search: NEAR/N, PRE/N, NEAR/s, NEAR/p, atleastN, lead:.

Each is checked against matches computed here from the articles' text, by
rules written independently of searchkit's: words are split by a plain
regular expression and compared folded, sentences are cut by hand-written rules.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata

import pytest
from helpers import BUNDLED_CORPUS, Indexed, article, open_live, run_cli, write_jsonl

from searchkit.errors import QueryError
from searchkit.indexing import build_index
from searchkit.names.table import Variants
from searchkit.query import parse
from searchkit.search import Searcher, SearchOptions
from searchkit.sentences import boundaries

FILLER = "un deux trois quatre cinq six sept huit neuf dix onze douze"

ARTICLES = [
    article("n1", "Vladimir Poutine a reçu Emmanuel Macron au Kremlin.", title="Sommet"),
    article("n2", f"Poutine parle. {FILLER} Macron arrive.", title="Loin"),
    article("n3", "Macron répond à Poutine hier.", title="Ordre inverse"),
    article("n4", "Le ministre Choïgou évoque sa démission. M. Macron répond à Poutine.", title="Défense"),
    article("n5", "Choïgou est resté. La démission de son adjoint est refusée.\n\nPoutine se tait.", title="Ministre"),
    article("n6", "M. Choïgou a parlé à J.-L. Mélenchon de la démission.", title="Abréviations"),
    article("n7", "Shoigu, Dr. Watson et la démission: le taux est 3.5 pour Shoigu.", title="Variante"),
    article("n8", "Choïgou parle.\n\nPlus loin, la démission.", title="Paragraphes"),
    article("u1", "L'Ukraine résiste. L'armée de l'Ukraine avance en Ukraine.", title="Guerre"),
    article("u2", "Kiev tient. L'Ukraine aussi.", title="Ukraine"),
    article("u3", "Une fois l'Ukraine.", title="Autre sujet"),
    article("l1", "L'inflation monte en France.\n\nLe gouvernement réagit.", title="Économie"),
    article("l2", "Le gouvernement réagit.\n\nL'inflation monte en France.", title="Politique"),
    article("l3", "Rien ici.", title="Inflation record"),
    article("c1", "Le Conseil de sécurité a réuni la Russie et la Chine.", title="ONU"),
    article(
        "c2",
        "Le Conseil de sécurité se réunit. Un deux trois quatre cinq six sept huit neuf dix la Chine.",
        title="ONU",
    ),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Indexed:
    return Indexed(tmp_path_factory.mktemp("operators"), ARTICLES)


def ids(index: Indexed, text: str) -> set[str]:
    return {hit.id for hit in index.search(text, limit=100, match_all=True).hits}


# --- an independent reading of the articles ------------------------------------------------


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    """The article's words, folded, elided articles stripped: position i is word i."""
    return [re.sub(r"^(l|d|qu)['’]", "", _fold(w)) for w in re.findall(r"\w+(?:['’]\w+)*", text)]


def _positions(text: str, forms: set[str]) -> list[int]:
    return [i for i, w in enumerate(_words(text)) if w in forms]


def _near(text: str, a: set[str], b: set[str], distance: int, ordered: bool = False) -> bool:
    return any(
        (pb > pa if ordered else pa != pb) and abs(pb - pa) <= distance
        for pa in _positions(text, a)
        for pb in _positions(text, b)
    )


def _expected_near(a: set[str], b: set[str], distance: int, ordered: bool = False) -> set[str]:
    return {
        x["id"]
        for x in ARTICLES
        if _near(x["title"], a, b, distance, ordered) or _near(x["body"], a, b, distance, ordered)
    }


#: Sentences cut by hand: the rules of the issue, on the fixtures above.
SENTENCES = {
    "n4": ["Le ministre Choïgou évoque sa démission.", "M. Macron répond à Poutine."],
    "n5": ["Choïgou est resté.", "La démission de son adjoint est refusée.", "Poutine se tait."],
    "n6": ["M. Choïgou a parlé à J.-L. Mélenchon de la démission."],
    "n7": ["Shoigu, Dr. Watson et la démission: le taux est 3.5 pour Shoigu."],
    "n8": ["Choïgou parle.", "Plus loin, la démission."],
}


def _sentence_match(sentences: dict[str, list[str]], a: set[str], b: set[str]) -> set[str]:
    return {
        key for key, parts in sentences.items() if any(_positions(part, a) and _positions(part, b) for part in parts)
    }


# --- proximity ----------------------------------------------------------------------------------


@pytest.mark.parametrize("distance", [1, 3, 4, 5, 13, 14, 20])
def test_near_matches_the_distances_counted_in_the_text(index, distance):
    expected = _expected_near({"poutine"}, {"macron"}, distance)
    assert ids(index, f"poutine NEAR/{distance} macron") == expected
    assert index.search(f"poutine NEAR/{distance} macron", match_all=True).total == len(expected)
    assert ids(index, f"poutine w/{distance} macron") == expected


@pytest.mark.parametrize("distance", [3, 5, 14])
def test_pre_keeps_the_order(index, distance):
    forward = _expected_near({"poutine"}, {"macron"}, distance, ordered=True)
    backward = _expected_near({"macron"}, {"poutine"}, distance, ordered=True)
    assert ids(index, f"poutine PRE/{distance} macron") == forward
    assert ids(index, f"macron pre/{distance} poutine") == backward
    assert forward != backward


def test_stop_words_count_in_the_distance(index):
    # n1: Poutine(1) a(2) reçu(3) Emmanuel(4) Macron(5): four words apart, "a" counted.
    assert "n1" in ids(index, "poutine NEAR/4 macron")
    assert "n1" not in ids(index, "poutine NEAR/3 macron")


def test_a_phrase_and_an_or_group_as_operands(index):
    # From the phrase's last word to the other word, as counted in the text.
    def expected(others: set[str], distance: int) -> set[str]:
        return {
            x["id"]
            for x in ARTICLES
            if x["id"].startswith("c")
            and any(
                abs(b - a) <= distance
                for a in _positions(x["body"], {"securite"})
                for b in _positions(x["body"], others)
            )
        }

    assert expected({"russie", "chine"}, 10) == {"c1"}
    assert ids(index, '"conseil de sécurité" NEAR/10 (russie OR chine)') == expected({"russie", "chine"}, 10)
    assert expected({"chine"}, 14) == {"c1", "c2"}
    assert ids(index, '"conseil de sécurité" NEAR/14 chine') == {"c1", "c2"}
    assert ids(index, '"conseil de sécurité" NEAR/13 chine') == expected({"chine"}, 13) == {"c1"}


def test_name_variants_and_exact_spellings_as_operands(index):
    # choïgou finds Shoigu too (n7); =Shoigu only that spelling.
    assert "n7" in ids(index, "choïgou NEAR/5 démission")
    assert ids(index, "=Shoigu NEAR/5 démission") == {"n7"}
    assert "n7" not in ids(index, "=Choïgou NEAR/5 démission")


def test_prefix_and_fuzzy_operands(index):
    assert ids(index, "pout* NEAR/4 macron") == ids(index, "poutine NEAR/4 macron")
    assert ids(index, "poutin~ NEAR/4 macron") == ids(index, "poutine NEAR/4 macron")


def test_no_distance_across_the_title_and_the_body(tmp_path):
    found = Indexed(tmp_path, [article("t", "Macron parle.", title="Poutine")])
    assert not found.ids("poutine NEAR/5 macron", match_all=True)
    assert found.ids("poutine macron", match_all=True) == ["t"]


# --- sentences and paragraphs ---------------------------------------------------------------------


def test_sentence_rules():
    text = "M. Macron a vu J.-L. Mélenchon. Le taux est de 3.5 %. Mme Borne aussi ! « Pourquoi ? » a-t-il dit.\n\nFin."
    words = re.findall(r"\w+", text)
    sentences, paragraphs = boundaries(text)
    assert [words[s] for s in sentences] == ["Le", "Mme", "Pourquoi", "Fin"]
    assert [words[p] for p in paragraphs] == ["Fin"]


def test_near_s_matches_sentences_cut_by_hand(index):
    expected = _sentence_match(SENTENCES, {"choigou", "shoigu"}, {"demission"})
    assert expected == {"n4", "n6", "n7"}
    assert ids(index, "choïgou NEAR/s démission") == expected
    assert ids(index, "choïgou /s démission") == expected


def test_near_p_matches_paragraphs(index):
    paragraphs = {key: x["body"].split("\n\n") for key, x in ((x["id"], x) for x in ARTICLES) if key in SENTENCES}
    expected = _sentence_match(paragraphs, {"choigou", "shoigu"}, {"demission"})
    assert expected == {"n4", "n5", "n6", "n7"}
    assert ids(index, "choïgou NEAR/p démission") == expected
    assert ids(index, "choïgou w/p démission") == expected


# --- mention counts and the lead ----------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_atleast_counts_title_and_body_together(index, count):
    expected = {
        x["id"]
        for x in ARTICLES
        if len(_positions(x["title"], {"ukraine"}) + _positions(x["body"], {"ukraine"})) >= count
    }
    assert ids(index, f"atleast{count}(ukraine)") == expected


def test_atleast_counts_name_variants_together(index):
    # n7 names Shoigu twice, n4, n5, n6, n8 Choïgou once.
    assert ids(index, "atleast2(choïgou)") == {"n7"}
    assert ids(index, "atleast2(choïgou OR démission)") == {"n4", "n5", "n6", "n7", "n8"}


def test_atleast_counts_two_spellings_written_side_by_side_as_two(make_index):
    """Kiev (Kyiv en ukrainien) names the city twice: the union of the spellings merged
    touching mentions into one, so atleast2(Kiev) missed it."""
    indexed = make_index(
        [
            *(article(f"k{i}", f"À Kiev, les sirènes ont retenti ({i}).") for i in range(6)),
            *(article(f"b{i}", f"À Kiev (Kyiv en ukrainien), le métro est fermé ({i}).") for i in range(3)),
            article("one", "Kiev reste calme ce matin."),
        ]
    )
    assert set(indexed.ids("atleast2(Kiev)")) == {"b0", "b1", "b2"}
    assert set(indexed.ids("atleast3(Kiev)")) == set()
    lines = json.loads(run_cli("kwic", "atleast2(Kiev)", "--index", str(indexed.dir), "--json").stdout)["lines"]
    assert sorted((line["docname"], line["keyword"]) for line in lines) == [
        (f"b{i}", spelling) for i in range(3) for spelling in ("Kiev", "Kyiv")
    ]


def test_lead_is_the_title_or_the_first_paragraph(index):
    expected = {
        x["id"]
        for x in ARTICLES
        if _positions(x["title"], {"inflation"}) or _positions(x["body"].split("\n\n")[0], {"inflation"})
    }
    assert expected == {"l1", "l3"}
    assert ids(index, "lead:inflation") == expected
    assert ids(index, "inflation") >= {"l1", "l2", "l3"}


def test_lead_of_a_group_is_the_lead_of_each_word(index):
    assert ids(index, "lead:(inflation OR gouvernement)") == ids(index, "lead:inflation OR lead:gouvernement")
    assert ids(index, "lead:(inflation OR gouvernement)") == {"l1", "l2", "l3"}
    assert ids(index, 'lead:(inflation -"record")') == {"l1"}


# --- partial matching, highlighting, explanations --------------------------------------------------------


def test_partial_matching_never_drops_an_operator(index):
    hits = index.search("poutine NEAR/4 macron kremlin hier", limit=100).hits
    assert {h.id for h in hits} <= ids(index, "poutine NEAR/4 macron")
    assert any(h.partial for h in hits)
    assert {h.id for h in index.search("atleast3(ukraine) résiste kiev", limit=100).hits} <= {"u1"}
    assert {h.id for h in index.search("lead:inflation france gouvernement", limit=100).hits} <= {"l1", "l3"}


def test_partial_matching_never_drops_a_field_restricted_word(tmp_path):
    fielded = Indexed(
        tmp_path,
        [
            article("t1", "Les prix montent en France.", title="Inflation record"),
            article("t2", "L'inflation et l'énergie en France.", title="Économie"),
            article("t3", "Rien de plus.", title="Inflation et énergie"),
            article("t4", "La France et son énergie.", title="L'inflation"),
        ],
    )
    hits = fielded.search("title:inflation france énergie", limit=100).hits
    # t2 has both words but inflation only in its body: dropping title:inflation would list it.
    assert [(h.id, h.partial) for h in hits][:1] == [("t4", False)]
    assert {h.id: h.partial for h in hits[1:]} == {"t1": True, "t3": True}
    hits = fielded.search('(title:inflation OR title:"taux directeur") france énergie', limit=100).hits
    assert {h.id for h in hits} == {"t1", "t3", "t4"}


# --- each article checked once: what a Searcher reuses -------------------------------------------


def _answers(result) -> tuple:
    return result.total, [(h.id, h.partial, round(h.score or 0, 6)) for h in result.hits]


SEQUENCE = [
    "parle poutine NEAR/5 macron",  # checks only the articles with parle: n4 skipped, unchecked
    "poutine NEAR/5 macron",
    "choïgou NEAR/s démission",
    "shoigu NEAR/s démission",
    "poutine NEAR/5 macron hier reçu",
    "atleast2(ukraine) OR lead:inflation",
    "atleast2(ukraine)",
    "ukraine -atleast3(ukraine)",
]


def test_a_searcher_answers_as_a_fresh_one(index):
    """Checks reused across searches (tiers, counts, an operator searched again,
    alone or beside other words) give the answers of a Searcher that never searched."""
    with Searcher(index.dir) as searcher:
        for text in SEQUENCE + SEQUENCE[::-1]:
            for match_all in (True, False):
                reused = searcher.search(text, SearchOptions(limit=100, match_all=match_all))
                assert _answers(reused) == _answers(index.search(text, limit=100, match_all=match_all)), text
    assert index.search("atleast2(ukraine)", match_all=True).total == 2


def test_the_exact_spelling_ranks_first_whichever_is_searched_first(index):
    # n6 and n4 write Choïgou, n7 Shoigu: each spelling's own articles come first.
    with Searcher(index.dir) as searcher:
        for _ in range(2):
            shoigu = [h.id for h in searcher.search("shoigu NEAR/s démission", SearchOptions(match_all=True)).hits]
            choigou = [h.id for h in searcher.search("choïgou NEAR/s démission", SearchOptions(match_all=True)).hits]
            assert shoigu[0] == "n7" and set(shoigu) == {"n4", "n6", "n7"}
            assert choigou[-1] == "n7" and set(choigou) == {"n4", "n6", "n7"}


def test_a_commit_between_two_searches_is_seen(tmp_path):
    articles = [
        article("a1", "Poutine a reçu Macron."),
        article("a2", "Poutine parle. " + FILLER + " Macron arrive."),
        article("a3", "Rien ici."),
    ]
    changed = Indexed(tmp_path, articles)
    with Searcher(changed.dir) as searcher:
        for text in ("poutine NEAR/3 macron", "atleast2(poutine)"):
            searcher.search(text, SearchOptions(match_all=True))
        assert {h.id for h in searcher.search("poutine NEAR/3 macron", SearchOptions(match_all=True)).hits} == {"a1"}
        articles[0] = article("a1", "Poutine parle. " + FILLER + " Macron arrive.")
        articles[2] = article("a3", "Macron et Poutine, Poutine encore.")
        write_jsonl(changed.corpus, articles)
        build_index([changed.corpus], changed.dir)
        result = searcher.search("poutine NEAR/3 macron", SearchOptions(match_all=True))
        assert ({h.id for h in result.hits}, result.total) == ({"a3"}, 1)
        result = searcher.search("atleast2(poutine)", SearchOptions(match_all=True))
        assert ({h.id for h in result.hits}, result.total) == ({"a3"}, 1)


def test_snippets_highlight_the_words_that_satisfied_the_operator(index):
    (hit,) = [h for h in index.search("macron NEAR/3 poutine", limit=100, match_all=True).hits if h.id == "n4"]
    words = [s.text[a - s.start : b - s.start] for s in hit.snippets for a, b in s.highlights]
    # "M. Macron répond à Poutine": both, and not Choïgou's sentence.
    assert words == ["Macron", "Poutine"]


def test_a_phrase_operand_is_highlighted_whole(index):
    (hit,) = [h for h in index.search('"conseil de sécurité" NEAR/5 russie', limit=10).hits if h.id == "c1"]
    words = [s.text[a - s.start : b - s.start] for s in hit.snippets for a, b in s.highlights]
    assert words == ["Conseil de sécurité", "Russie"]


def test_explain_gives_the_words_and_their_distance(index):
    (hit,) = [h for h in index.search("poutine NEAR/5 macron", limit=10, explain=True).hits if h.id == "n1"]
    (part,) = hit.explanation
    assert part.part == "poutine NEAR/5 macron"
    assert [(m.word, m.kind) for m in part.matches] == [("Poutine … Macron", "4 words apart")]
    (hit,) = index.search("atleast3(ukraine)", limit=10, explain=True).hits
    assert hit.explanation[0].matches[0].word == "3 mentions"


def test_explain_in_the_cli(index):
    result = run_cli("search", "choïgou NEAR/s démission", "--index", str(index.dir), "--explain", "--all")
    assert result.returncode == 0
    assert "why choïgou NEAR/s démission → Choïgou … démission 3 words apart" in result.stdout


# --- the research views ---------------------------------------------------------------------------


def test_the_views_use_the_operators(index):
    from searchkit.kwic import KwicOptions, kwic
    from searchkit.timeline import TimelineOptions, timeline

    with Searcher(index.dir) as searcher:
        concordance = kwic(searcher, "macron NEAR/3 poutine", KwicOptions(limit=0))
        assert {line.id for line in concordance.lines} == ids(index, "macron NEAR/3 poutine")
        # Only the words that satisfied it: n4's Choïgou sentence has none, n1's Poutine is 4 words away.
        assert sorted((line.id, line.keyword) for line in concordance.lines) == [
            ("n3", "Macron"),
            ("n3", "Poutine"),
            ("n4", "Macron"),
            ("n4", "Poutine"),
        ]
        line = timeline(searcher, ["choïgou NEAR/s démission", "choïgou"], TimelineOptions())
        assert [s.total for s in line.series] == [3, 5]


def test_cooccur_in_the_cli(index):
    result = run_cli("cooccur", "poutine NEAR/5 macron", "--index", str(index.dir), "--min-articles", "1", "--json")
    assert result.returncode == 0, result.stderr
    assert "Kremlin" in result.stdout


# --- errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("poutine NEAR/0 macron", 9, "NEAR/0: words are at least 1 apart"),
        ("poutine NEAR/x macron", 9, "NEAR/x: after the / give a number of words"),
        ("poutine NEAR/1001 macron", 9, "at most 1,000 words apart"),
        ("poutine NEAR/5", 9, "NEAR/5 needs a word before and after it"),
        ("NEAR/5 macron", 1, "NEAR/5 needs a word before and after it"),
        ("(poutine PRE/3) macron", 10, "PRE/3 needs a word before and after it"),
        ("a NEAR/5 b NEAR/5 c", 12, "one proximity at a time"),
        ("poutine NEAR/5 -macron", 9, "not a negation"),
        ("poutine NEAR/5 lead:macron", 9, "not lead:"),
        ("lead:(poutine NEAR/5 macron)", 15, "not lead:"),
        ("atleast(ukraine)", 1, "give the number of mentions"),
        ("atleast0(ukraine)", 1, "from 1 to 1,000"),
        ("kiev atleast3()", 6, "needs a word inside its parentheses"),
    ],
)
def test_errors_say_what_and_where(text, column, message):
    with pytest.raises(QueryError) as error:
        parse(text)
    assert error.value.column == column
    assert message in str(error.value)


def test_an_operand_of_stop_words_is_an_error(index):
    with pytest.raises(QueryError, match="only stop words"):
        index.search("le NEAR/5 macron")


def test_cli_errors_in_one_line(index):
    result = run_cli("search", "poutine NEAR/0 macron", "--index", str(index.dir))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "column 9" in result.stderr


def test_help_documents_the_operators():
    result = run_cli("search", "--help")
    for written in ("NEAR/5", "PRE/5", "NEAR/s", "NEAR/p", "atleast3(ukraine)", "lead:"):
        assert written in result.stdout


def test_json_highlights(index):
    result = run_cli("search", "lead:inflation", "--index", str(index.dir), "--json")
    hits = json.loads(result.stdout)["hits"]
    assert {h["id"] for h in hits} == {"l1", "l3"}


# --- read from the postings: the same as the walk ----------------------------------------------


@pytest.fixture(scope="module")
def news_segments(tmp_path_factory):
    """The bundled Wikinews articles, then an update that edits some and removes others: two
    segments, deletions in the first."""
    root = tmp_path_factory.mktemp("operator-segments")
    with gzip.open(BUNDLED_CORPUS / "wikinews-fr.jsonl.gz", "rt", encoding="utf-8") as lines:
        articles = [json.loads(line) for line in lines]
    corpus = write_jsonl(root / "news.jsonl", articles)
    build_index([corpus], root / "index")
    edited = [
        a | {"body": a["body"] + " Emmanuel Macron a parlé de la France à Paris."} if i % 17 == 0 else a
        for i, a in enumerate(articles)
        if i % 23 != 5
    ]
    build_index([write_jsonl(corpus, edited)], root / "index")
    return root / "index"


@pytest.mark.parametrize(
    "text",
    [
        "France NEAR/5 Paris",
        "Macron NEAR/10 France",
        "président PRE/3 Trump",
        "Trump PRE/2 président",
        "(Fillon OR Macron) NEAR/s président",
        "Russie NEAR/p Syrie",
        "Emmanuel NEAR/s (Paris OR France)",
        '"Gilets jaunes" NEAR/5 Paris',
        '"Emmanuel Macron" NEAR/s (France OR "Union européenne")',
        'atleast4("gilets jaunes")',
        'atleast2("Donald Trump" OR Trump)',
        "atleast2(France)",
        "atleast3(Trump OR Fillon)",
        "atleast4(gilets)",
        "lead:France",
        "franc* NEAR/5 pari*",
        "gouvern* PRE/4 fran*",
        "atleast3(gilet*)",
        "Macrom~1 NEAR/s président",
        "lead:(burund* OR syri*)",
        "lead:(Macron OR Fillon)",
        'lead:"président de la République"',
    ],
)
def test_operators_read_from_postings_match_and_rank_as_the_walk(news_segments, text, monkeypatch):
    """An operator over words (a name with its spellings, an OR, a prefix's or a fuzzy word's
    words) is checked from its words' postings, a block at a time (``Operator.passing``), and
    ranked by summing their scores, their positions read a batch of candidates at a time:
    in each segment the articles where the matcher's walk through every candidate passes, and
    ranked as Whoosh's own search of them (over a phrase, whose score depends on which of its
    forms matched, by that search)."""
    from searchkit.engine import whoosh_spans
    from searchkit.engine.whoosh_operators import NearOperator, Operator, _Checks, _OperatorMatcher

    # positions read 7 candidates at a time: a word's reader goes on from the block it stopped in
    monkeypatch.setattr(whoosh_spans, "CHECK_BATCH", 7)
    with open_live(news_segments) as index:
        leaves = index._searcher.leaf_searchers()
        assert len(leaves) == 2 and leaves[0][0].reader().has_deletions()
        variants = Variants(index)
        query = index.compile(parse(text), variants)
        operators = [query] if isinstance(query, Operator) else list(query.subqueries)
        walked_all, candidates_all = 0, 0
        for operator in operators:
            for leaf, _ in leaves:
                candidates = operator.candidates(leaf, leaf.context())
                walked = [] if candidates is None else list(_OperatorMatcher(candidates, _Checks()).all_ids())
                walked_all += len(walked)
                candidates_all += 0 if candidates is None else len(list(operator.candidates(leaf).matcher.all_ids()))
                passing = operator.passing(leaf.reader(), index._reader)
                # lead: and atleastN over a phrase are walked; NEAR reads a phrase from its words' postings
                assert passing is None if '"' in text and not isinstance(operator, NearOperator) else passing == walked
        assert 0 < walked_all < candidates_all, "some articles hold the operands and fail the check"
        # the first tier (names in the query's own spelling) is checked among the articles passing with all spellings
        exact = index.compile(parse(text), variants, exact_names=True)
        narrow = [exact] if isinstance(exact, Operator) else list(exact.subqueries)
        for wide, one in zip(operators, narrow, strict=True):
            assert wide.covers(one, index._reader) != ('"' in text)  # phrases: no words to compare
            assert wide == one or not one.covers(wide, index._reader)
            for leaf, _ in leaves:
                top, reader = index._reader, leaf.reader()
                passing = wide.passing(reader, top)
                if passing is not None:
                    assert one.passing(reader, top, set(passing)) == one.passing(reader, top)
        every = sorted((-hit.score, hit.docnum) for hit in index._searcher.search(query, limit=None))
        ranked = index.ranked(query, 20)
        assert [r.docnum for r in ranked] == [d for _, d in every[:20]]
        assert all(abs(r.score + s) < 1e-9 for r, (s, _) in zip(ranked, every, strict=False))
        assert index.count(query) == len(every)
        variants.close()


@pytest.mark.parametrize(
    "operand",
    [
        "Macron",
        "Trump OR Fillon",
        '"Donald Trump" OR Trump',
        '"Emmanuel Macron" OR Macron OR "président de la République"',
        '"gilets jaunes"',
        "franc*",
    ],
)
def test_operand_spans_read_from_postings_are_the_matchers(news_segments, operand, monkeypatch):
    """An operand's spans read from its words' postings (``whoosh_spans``), a batch of articles
    at a time, are those its span matcher gives in every article holding its words: a union's
    overlapping spans merged (a phrase and one of its own words), a phrase's joined at its gaps."""
    from searchkit.engine import whoosh_spans
    from searchkit.engine.whoosh_operators import NearOperator

    monkeypatch.setattr(whoosh_spans, "CHECK_BATCH", 5)
    with open_live(news_segments) as index:
        variants = Variants(index)
        query = index.compile(parse(f"({operand}) NEAR/3 monde"), variants)  # only the first operand is read
        compared = merged = 0
        for near in [q for q in [query, *query.children()] if isinstance(q, NearOperator)]:
            for leaf, _ in index._searcher.leaf_searchers():
                spans = whoosh_spans.operand_spans(near.a, leaf.reader(), index._reader)
                matcher = near.a.matcher(leaf, leaf.context())
                for batch in whoosh_spans.batches(sorted(spans.docs)):
                    found = spans.at(batch)
                    for docid in batch:
                        if matcher.is_active() and matcher.id() < docid:
                            matcher.skip_to(docid)
                        held = matcher.is_active() and matcher.id() == docid
                        expected = [(s.start, s.end) for s in matcher.spans()] if held else []
                        assert [(s.start, s.end) for s in spans.spans(found.get(docid, []))] == expected, docid
                        compared += 1
                        merged += any(end > start for start, end in expected)
        assert compared > 20
        assert merged > 0 or '"' not in operand, "a phrase's spans run over several positions"
        variants.close()
