"""Fast unit tests of the engine seam and the pure parts around it, on small temporary indexes:
compiling, ranking and counting, vocabulary, snippets, explanations, corrections, the Searcher."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import BUNDLED_CORPUS, article, open_live, write_jsonl

from searchkit.engine import TEXT_FIELDS
from searchkit.explain import explain_hit, query_parts
from searchkit.highlight import make_snippets
from searchkit.indexing import build_index
from searchkit.models import Snippet
from searchkit.names.table import Variants
from searchkit.query import parse
from searchkit.search import Searcher, SearchOptions
from searchkit.suggest import corrected_query

NEWS = [
    article(
        "a1",
        "Le conseil de sécurité de l’ONU s’est réuni. Sergueï Choïgou était absent.",
        title="Réunion du Conseil de sécurité",
        date="2022-03-01",
        source="Le Monde",
    ),
    article(
        "a2",
        "Un conseil sécurité informel. Le ministre Shoigu a parlé aux présidents.",
        title="Conseil informel",
        date="2022-05-10",
        source="Libération",
    ),
    article(
        "a3",
        "La présidente a reçu Choïgu à Téhéran.",
        title="Visite de Choïgu",
        date="2021-12-24",
        source="Wikinews Monde",
    ),
    article("a4", "Le match de football s’est joué.", title="Football", date="2022-07-14"),
]


@pytest.fixture(scope="module")
def news_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("news")
    build_index([write_jsonl(root / "news.jsonl", NEWS)], root / "index")
    return root / "index"


@pytest.fixture
def news(news_dir):
    with open_live(news_dir) as index:
        variants = Variants(index)
        yield index, variants
        variants.close()


def ids(index, compiled, limit: int = 100, restriction=None) -> list[str]:
    return [index.stored(r.docnum)["id"] for r in index.ranked(compiled, limit, restriction)]


def compiled(news, text: str, **flags):
    index, variants = news
    return index.compile(parse(text), variants, **flags)


# --- compiling ----------------------------------------------------------------------------------


def test_phrase_keeps_the_stop_word_gap(news):
    index, _ = news
    assert ids(index, compiled(news, '"conseil de sécurité"')) == ["a1"]
    assert ids(index, compiled(news, '"conseil sécurité"')) == ["a2"]
    assert sorted(ids(index, compiled(news, "conseil sécurité"))) == ["a1", "a2"]


def test_phrase_in_title_only(news):
    index, _ = news
    assert ids(index, compiled(news, 'title:"Conseil de sécurité"')) == ["a1"]
    assert ids(index, compiled(news, 'title:"conseil sécurité"')) == []


def test_names_match_every_spelling_and_exact_names_only_the_query_s(news):
    index, _ = news
    assert sorted(ids(index, compiled(news, "Choïgou"))) == ["a1", "a2", "a3"]
    assert ids(index, compiled(news, "Choïgou", exact_names=True)) == ["a1"]
    assert ids(index, compiled(news, "Shoigu", exact_names=True)) == ["a2"]
    assert sorted(ids(index, compiled(news, "choigu", exact_names=True))) == ["a3"]


def test_positive_only_drops_negations_and_filters(news):
    index, _ = news
    full = compiled(news, "conseil -informel date:2022")
    assert ids(index, full) == ["a1"]
    assert sorted(ids(index, compiled(news, "conseil -informel date:2021", positive_only=True))) == ["a1", "a2"]
    assert sorted(ids(index, compiled(news, "conseil source:wikinews", positive_only=True))) == ["a1", "a2"]
    assert compiled(news, "-conseil", positive_only=True) is None
    assert compiled(news, "date:2022 source:monde", positive_only=True) is None


def test_a_negation_alone_matches_every_other_article(news):
    index, _ = news
    assert sorted(ids(index, compiled(news, "-football"))) == ["a1", "a2", "a3"]
    assert sorted(ids(index, compiled(news, "NOT conseil"))) == ["a3", "a4"]
    assert sorted(ids(index, compiled(news, "-conseil -football"))) == ["a3"]
    # a name's negation leaves out every spelling of it
    assert ids(index, compiled(news, "-shoigu")) == ["a4"]


def test_only_stop_words_compile_to_nothing(news):
    assert compiled(news, "le de la") is None


# --- ranking and counting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["conseil", "Choïgou", "-football", "conseil OR football", "présid*", '"conseil de sécurité"']
)
def test_count_is_the_number_of_ranked_hits(news, text):
    index, _ = news
    query = compiled(news, text)
    expected = {"conseil": 2, "Choïgou": 3, "-football": 3, "conseil OR football": 3, "présid*": 2}
    assert index.count(query) == len(index.ranked(query, 1000)) == expected.get(text, 1)
    since_2022 = index.restriction("2022", None, None)
    assert index.count(query, since_2022) == len(index.ranked(query, 1000, since_2022))


@pytest.mark.parametrize("text, count", [('"conseil de sécurité"', 1), ("conseil", 2)])
def test_a_query_s_articles_asked_again_are_the_same_whatever_was_done_with_them(news, text, count):
    """An open index keeps the last sets of articles it made (a phrase's by Whoosh's matchers,
    a word's by posting sets): what a caller does with one it was handed is not what the next
    caller gets."""
    index, _ = news
    query = compiled(news, text)
    first = index.doc_set(query)
    first.clear()
    again = index.doc_set(compiled(news, text))  # compiled anew, equal
    assert len(again) == index.count(query) == count
    since_2030 = index.restriction("2030", None, None)
    assert index.doc_set(query, since_2030) == set() and len(index.doc_set(query)) == count


def test_restriction_by_date_and_source(news):
    index, _ = news
    query = compiled(news, "Choïgou")
    since_2022 = index.restriction("2022", None, None)
    assert sorted(ids(index, query, restriction=since_2022)) == ["a1", "a2"]
    assert index.count(query, since_2022) == 2
    until_march = index.restriction(None, "2022-03", None)
    assert sorted(ids(index, query, restriction=until_march)) == ["a1", "a3"]
    assert index.count(query, until_march) == 2
    monde = index.restriction(None, None, "monde")
    assert sorted(ids(index, query, restriction=monde)) == ["a1", "a3"]
    both = index.restriction("2022-01-01", "2022-12-31", "monde")
    assert ids(index, query, restriction=both) == ["a1"]
    assert index.count(query, both) == 1
    assert index.restriction(None, None, None) is None


def test_ranked_limit_scores_and_date_order(news):
    index, _ = news
    query = compiled(news, "Choïgou")
    ranked = index.ranked(query, 2)
    assert len(ranked) == 2
    assert ranked[0].score >= ranked[1].score > 0
    by_date = index.ranked(query, 10, order="date")
    assert [index.stored(r.docnum)["id"] for r in by_date] == ["a2", "a1", "a3"]
    assert all(r.score is None for r in by_date)


def test_title_word_outranks_body_word(news):
    index, _ = news
    # "conseil" is in a1's and a2's title and body; "sécurité" too for a1 only
    assert ids(index, compiled(news, "sécurité")) == ["a1", "a2"]


# --- vocabulary -----------------------------------------------------------------------------------


def test_matched_terms(news):
    index, _ = news
    assert index.matched_terms(compiled(news, "Choïgou", positive_only=True)) == {
        "choigou",
        "^choigou",
        "^choigu",
        "^shoigu",
    }
    assert index.matched_terms(compiled(news, '"conseil de sécurité"', positive_only=True)) == {"conseil", "securit"}
    assert index.matched_terms(compiled(news, "présid*", positive_only=True)) == {"president"}
    # a word the index lacks matches no term
    assert index.matched_terms(compiled(news, "conseil zorglub", positive_only=True)) == {"conseil"}
    assert index.matched_terms(None) == set()


def test_doc_frequency_counts_title_and_body_apart(news):
    index, _ = news
    assert index.doc_frequency("conseil") == 4  # a1 and a2, title and body each
    assert index.doc_frequency("president") == 2  # a2 présidents, a3 présidente
    assert index.doc_frequency("^choigu") == 2  # a3, title and body
    assert index.doc_frequency("zorglub") == 0


def test_spellings_are_the_capitalised_words_once_a_field(news):
    index, _ = news
    title = ["reunion", "conseil", "visite", "choigu", "football"]
    body = ["onu", "serguei", "choigou", "shoigu", "choigu", "teheran"]
    assert Counter(index.spellings()) == Counter(title + body)


def test_neighbours(news):
    index, _ = news
    assert index.neighbours("consel", 1, prefix=1) == {"conseil"}
    assert index.neighbours("^choigu", 1, prefix=2) == {"^choigou"}
    assert index.neighbours("^choigu", 1, prefix=1) == {"^choigou", "^shoigu"}
    assert index.neighbours("conseil", 1, prefix=1) == set()  # never the word itself


def test_stored_and_docnum(news):
    index, _ = news
    docnum = index.docnum_of("a3")
    assert index.stored(docnum)["title"] == "Visite de Choïgu"
    assert index.docnum_of("nope") is None
    assert index.doc_count() == 4


# --- snippets ---------------------------------------------------------------------------------------


def test_snippets_lead_of_the_text_when_nothing_matched():
    text = " ".join(["alpha"] * 60)
    assert make_snippets(text, []) == [Snippet(0, 215, " ".join(["alpha"] * 36), ())]
    assert make_snippets("Court.", []) == [Snippet(0, 6, "Court.", ())]
    assert make_snippets("", [(0, 1)]) == []


def _spread_text() -> tuple[str, list[tuple[int, int]]]:
    filler = " ".join(["mot"] * 80)  # 319 characters: no two parts fit one snippet
    parts = ["Alpha seul.", "Beta seul.", "Alpha puis Beta.", "Alpha encore."]
    text = (" " + filler + ". ").join(parts)
    spans = []
    for word in ("Alpha", "Beta"):
        at = text.find(word)
        while at >= 0:
            spans.append((at, at + len(word)))
            at = text.find(word, at + 1)
    return text, sorted(spans)


def test_snippets_count_choice_and_order():
    text, spans = _spread_text()
    three = make_snippets(text, spans, count=3)
    assert len(three) == 3
    assert [s.start for s in three] == sorted(s.start for s in three)
    # the passage with both words comes first in choice, but is shown in text order
    two = make_snippets(text, spans, count=2)
    texts = [s.text for s in two]
    assert texts[0].startswith("Alpha seul.") and "Alpha puis Beta." in texts[1]
    assert "Beta seul." not in " ".join(texts)
    for snippet in three:
        assert snippet.text == text[snippet.start : snippet.end]
        assert snippet.highlights == tuple(s for s in spans if snippet.start <= s[0] and s[1] <= snippet.end)
        assert all(text[a:b] in ("Alpha", "Beta") for a, b in snippet.highlights)
    assert sum(len(s.highlights) for s in make_snippets(text, spans, count=10)) == len(spans) == 5


def test_snippet_never_cuts_a_match():
    text = " ".join(["mot"] * 100) + " " + "x" * 400 + " fin"
    match = (400, 800)
    assert text[match[0] - 1] == " " and text[match[1]] == " "
    (snippet,) = make_snippets(text, [match])
    assert snippet.start <= 400 and snippet.end >= 800
    assert snippet.text == text[snippet.start : snippet.end]
    assert snippet.highlights == (match,)


def test_snippet_ends_at_a_word_end():
    text = "Le conseil " + " ".join(["sécurité"] * 40)
    (snippet,) = make_snippets(text, [(3, 10)])
    assert snippet.start == 0
    assert snippet.end < len(text) and text[snippet.end] == " "
    assert snippet.text.endswith("sécurité")


# --- explanations -------------------------------------------------------------------------------

EXPLAINED = [
    article(
        "e1",
        "Le ministre Choïgou a rencontré le président. Choïgou est reparti.",
        title="Choïgou limogé",
    ),
    article("e2", "Sergueï Shoigu parle aux présidents.", title="Discours"),
    article("e3", "La présidente a reçu Choïgu.", title="Visite"),
]


@pytest.fixture(scope="module")
def explained_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("explained")
    build_index([write_jsonl(root / "e.jsonl", EXPLAINED)], root / "index")
    return root / "index"


def explain(index_dir: Path, text: str) -> dict[str, list[tuple[str, list[tuple[str, str, int]]]]]:
    """Article id → [(part, [(word, kind, count)])] for the articles where ``text`` explains something."""
    found = {}
    with open_live(index_dir) as index:
        variants = Variants(index)
        parts = query_parts(parse(text), variants, index)
        for article_id in ("e1", "e2", "e3"):
            docnum = index.docnum_of(article_id)
            stored = index.stored(docnum)
            explained = explain_hit(parts, index, docnum, stored["title"], stored["body"])
            if explained:
                assert all(part.score > 0 for part in explained)
                found[article_id] = [
                    (part.part, [(m.word, m.kind, m.count) for m in part.matches]) for part in explained
                ]
        variants.close()
    return found


def test_explain_exact_and_variant(explained_dir):
    assert explain(explained_dir, "Choïgou") == {
        "e1": [("Choïgou", [("Choïgou", "exact", 3)])],
        "e2": [("Choïgou", [("Shoigu", "variant", 1)])],
        "e3": [("Choïgou", [("Choïgu", "variant", 1)])],
    }


def test_explain_accents(explained_dir):
    assert explain(explained_dir, "choigou")["e1"] == [("choigou", [("Choïgou", "accents", 3)])]


def test_explain_stemmed(explained_dir):
    assert explain(explained_dir, "présidents") == {
        "e1": [("présidents", [("président", "stemmed", 1)])],
        "e2": [("présidents", [("présidents", "exact", 1)])],
        "e3": [("présidents", [("présidente", "stemmed", 1)])],
    }


def test_explain_prefix_and_fuzzy(explained_dir):
    # the part is named as the query wrote it
    assert explain(explained_dir, "présid*")["e3"] == [("présid*", [("présidente", "prefix", 1)])]
    assert explain(explained_dir, "presidant~1")["e1"] == [("presidant~1", [("président", "fuzzy", 1)])]
    assert explain(explained_dir, "presidant~1")["e2"] == [("presidant~1", [("présidents", "fuzzy", 1)])]


def test_explain_parts_of_a_query(explained_dir):
    explained = explain(explained_dir, "Choïgou présidente -football")
    assert explained["e3"] == [
        ("Choïgou", [("Choïgu", "variant", 1)]),
        ("présidente", [("présidente", "exact", 1)]),
    ]
    # a part that does not match an article is left out of its explanation
    assert explained["e2"] == [
        ("Choïgou", [("Shoigu", "variant", 1)]),
        ("présidente", [("présidents", "stemmed", 1)]),
    ]
    with open_live(explained_dir) as index:
        variants = Variants(index)
        parts = query_parts(parse("Choïgou présid* -football date:2022"), variants, index)
        variants.close()
    assert [(p.text, p.kind) for p in parts] == [("Choïgou", "word"), ("présid", "prefix")]


# --- did you mean ------------------------------------------------------------------------------------

WAR = [
    article("s1", "La guerre en Ukraine dure. Evgueni Prigojine menace.", title="Ukraine : la guerre continue"),
    article("s2", "Prigojine et Wagner en Ukraine.", title="Wagner"),
    article("s3", "La guerre en Ukraine et les négociations.", title="Diplomatie"),
]


def _index_of(tmp_path_factory, name: str, articles: list[dict]) -> Path:
    root = tmp_path_factory.mktemp(name)
    build_index([write_jsonl(root / f"{name}.jsonl", articles)], root / "index")
    return root / "index"


@pytest.fixture(scope="module")
def war_dir(tmp_path_factory) -> Path:
    return _index_of(tmp_path_factory, "war", WAR)


@pytest.mark.parametrize(
    "text, corrected",
    [
        ("Ukrane", "Ukraine"),
        ('"guerre en Ukrane"', '"guerre en Ukraine"'),
        ("« guerre en Ukrane »", "« guerre en Ukraine »"),
        ("title:Prigojne", "title:Prigojine"),
        ('title:Prigojne  "guerre en Ukrane" date:2022-03', 'title:Prigojine  "guerre en Ukraine" date:2022-03'),
        ("guerre -Prigojne", "guerre -Prigojine"),
        ("negotiations", "négociations"),
        ("body:Ukrane", "body:Ukraine"),
        ("(Ukrane OR Prigojne) -Wagnr", "(Ukraine OR Prigojine) -Wagner"),
        ("Ukrane~ Prigojne", "Ukrane~ Prigojine"),
        ("id:Ukrane source:Prigojne Wagnr", "id:Ukrane source:Prigojne Wagner"),
        ("Ukrane* Prigojne~", None),
        ("Ukraine guerre", None),
        ("date:2022-03 source:ukrane guerre", None),
    ],
)
def test_corrected_query(war_dir, text, corrected):
    with open_live(war_dir) as index:
        assert corrected_query(text, parse(text), index) == corrected


def test_corrected_query_keeps_an_elided_article(war_dir):
    with open_live(war_dir) as index:
        assert corrected_query("l’Ukrane", parse("l’Ukrane"), index) == "l’Ukraine"
        text = '"guerre en l\'Ukrane"'
        assert corrected_query(text, parse(text), index) == '"guerre en l\'Ukraine"'


#: Rare words some articles hold beside common ones close in form: a slip, a name, a word of its own.
HELD = (
    [article(f"c{i}", f"L’Allemagne et le renard : il croyait à la bonne foi ({i}).") for i in range(30)]
    + [article("slip", "Des ventes en Allmagne, en Autriche et en Suisse.")]
    + [article("poet", "Ronsard et Barne lisaient ; Lise les côtoyait.")]
)


@pytest.fixture(scope="module")
def held_dir(tmp_path_factory) -> Path:
    return _index_of(tmp_path_factory, "held", HELD)


@pytest.mark.parametrize(
    "text, corrected",
    [
        ("Allmagne", "Allemagne"),  # a slip: one edit, a name for a name
        ("Ronsard", None),  # two edits from renard
        ("côtoyait", None),  # two edits from croyait
        ("Barne", None),  # a name is not bonne
    ],
)
def test_a_word_some_articles_hold_is_corrected_only_as_a_slip(held_dir, text, corrected):
    with open_live(held_dir) as index:
        assert corrected_query(text, parse(text), index) == corrected


# --- the Searcher ------------------------------------------------------------------------------------


def _open_files_under(folder: Path) -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            count += 1
    return count


def test_searcher_answers_several_searches_then_closes(news_dir):
    before = _open_files_under(news_dir)
    with Searcher(news_dir) as searcher:
        first = searcher.search("Choïgou")
        # the query's own spelling first, then the title match, then the body match
        assert [h.id for h in first.hits] == ["a1", "a3", "a2"]
        assert first.total == 3
        assert [h.id for h in searcher.search('"conseil de sécurité"').hits] == ["a1"]
        dated = searcher.search("Choïgou", SearchOptions(sort="date"))
        assert [h.id for h in dated.hits] == ["a2", "a1", "a3"]
        assert searcher.search("zorglub").hits == []
        view = searcher.show("a3", "Choïgou")
        assert [view.body[a:b] for a, b in view.body_highlights] == ["Choïgu"]
        assert [view.title[a:b] for a, b in view.title_highlights] == ["Choïgu"]
        similar = searcher.similar("a1", limit=3)
        assert similar.similar_to == "a1" and similar.query is None
        assert "a1" not in [h.id for h in similar.hits]
        assert _open_files_under(news_dir) > before
    assert _open_files_under(news_dir) == before


def test_searcher_sees_a_commit_made_meanwhile(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", NEWS[:2])
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    with Searcher(index_dir) as searcher:
        assert searcher.search("football").hits == []
        write_jsonl(corpus, NEWS)
        build_index([corpus], index_dir)
        assert [h.id for h in searcher.search("football").hits] == ["a4"]
        assert searcher.search("Choïgou").total == 3


# --- ranking by Whoosh's matchers, pruned -------------------------------------------------------


def test_the_top_of_an_or_of_three_words_is_the_top_of_every_article_scored(tmp_path):
    """Whoosh bounds an OR of three parts or more, in a segment of at most 5,000 articles, by
    its largest part's bound, though it scores the sum: once the top held articles of the first
    segment, the pruning dropped better ones of an appended segment, which no part alone lifts
    into the top (a name's stem and spellings together do)."""
    from whoosh import query as wq

    first = [
        article(f"old{i}", f"Le Kremlin {'et la Douma ' * (i % 7 + 20)} : alpha beta gamma, dit-on ({i}).")
        for i in range(40)
    ]
    build_index([write_jsonl(tmp_path / "old.jsonl", first)], tmp_path / "index")
    fresh = [article(f"new{i}", f"Au Kremlin : alpha beta gamma {'ici ' * i}({i}).") for i in range(3)]
    build_index([write_jsonl(tmp_path / "new.jsonl", fresh)], tmp_path / "index")
    with open_live(tmp_path / "index") as index:
        assert len(index._searcher.leaf_searchers()) > 1, "the appended articles are a segment of their own"
        words = wq.Or([wq.Term("body", w) for w in ("alpha", "beta", "gamma")])
        query = wq.And([words, wq.Term("body", "kremlin")])
        every = [hit.docnum for hit in index._searcher.search(query, limit=None)]
        top = [index.stored(r.docnum)["id"] for r in index.ranked(query, 3)]
        assert top == [index.stored(docnum)["id"] for docnum in every[:3]] == ["new0", "new1", "new2"]


class _Blocks:
    """A leaf matcher of one document a block, of the given qualities, skipping by quality as
    Whoosh's leaves do: past every block whose quality is at most the bound asked."""

    def __init__(self, qualities: list[float]) -> None:
        self._qualities = qualities
        self._at = 0
        self.skips = 0

    def is_active(self) -> bool:
        return self._at < len(self._qualities)

    def children(self) -> list:
        return []

    def id(self) -> int:
        return self._at

    def block_quality(self) -> float:
        return self._qualities[self._at] if self.is_active() else 0.0

    def skip_to_quality(self, minquality: float) -> int:
        self.skips += 1
        if self.skips > 1_000:
            raise AssertionError("skipping by quality spun")
        skipped = 0
        while self.is_active() and self._qualities[self._at] <= minquality:
            self._at += 1
            skipped += 1
        return skipped


@pytest.mark.parametrize("joined", ["union", "and maybe"])
def test_skipping_by_quality_ends_where_two_blocks_add_up_to_the_top_score_exactly(joined):
    """Two copies of an article tie the top score; the next blocks of its title and body
    words, the copy's, add up to it exactly, and the top score less one of them falls a
    rounding step below the other, which then skips nothing: Whoosh's loop spun for ever (a
    search that never ended: ``Choïgou --limit 1`` at 300,000 articles, these qualities)."""
    from whoosh.matching import AndMaybeMatcher, UnionMatcher

    from searchkit.engine.whoosh_engine import _fixed

    title, body = 12.23180161730239, 9.890586467687477
    top = title + body
    assert top - body < title  # the rounding step

    def joining(a: _Blocks, b: _Blocks):
        return UnionMatcher(a, b) if joined == "union" else AndMaybeMatcher(a, b)

    with pytest.raises(AssertionError, match="spun"):
        joining(_Blocks([title, 30.0]), _Blocks([body, 30.0])).skip_to_quality(top)
    a, b = _Blocks([title, 30.0]), _Blocks([body, 30.0])
    _fixed(joining(a, b)).skip_to_quality(top)
    assert a.skips + b.skips <= 2 and (a.id(), b.id()) == (0, 0)  # the tie is scored, not skipped


@pytest.fixture(params=["dictionary", "arrays"])
def summing(request, monkeypatch) -> Callable[..., None]:
    """Sums kept in a dictionary (few postings) or in numpy's arrays (many), whichever the
    test's postings number: what holds below holds both ways.  Gives the check that they were."""
    from searchkit.engine import whoosh_postings

    arrays = request.param == "arrays"
    beyond = 0 if arrays else 10**12
    monkeypatch.setattr(whoosh_postings, "DENSE_POSTINGS", beyond)
    monkeypatch.setattr(whoosh_postings, "DENSE_POSTINGS_IMPORTED", beyond)
    added: list[int] = []
    add = whoosh_postings.DenseScores.add
    monkeypatch.setattr(whoosh_postings.DenseScores, "add", lambda self, *args: added.append(1) or add(self, *args))

    def check(summed: bool = True) -> None:
        assert bool(added) == (arrays and summed), f"summed in {'arrays' if added else 'a dictionary'}"

    return check


@pytest.mark.parametrize(
    "text", ["alpha OR beta OR gamma", "Choïgou", "kremlin OR douma", "kremlin beta", "kremlin -douma -gamma",
             "(alpha OR douma) Choïgou -beta", "id:old3 OR douma", "kremlin -id:old4", "kremlin", "douma", "=Shoigu"]
)  # fmt: skip
def test_an_or_of_terms_summed_from_the_postings_ranks_as_whoosh_scores_every_article(tmp_path, text, summing):
    """An OR of terms (several words, a name and its spellings, a word alone in title and body),
    or an AND of them beside NOTs, is ranked by summing each term's BM25F score read from the
    posting lists: the same articles, scores and order (ties by document number: the 33
    articles have nine texts) as Whoosh's search of every article, within a restriction too."""
    first = [
        article(f"old{i}", f"Le Kremlin {'et la Douma ' * (i % 5)}: alpha, {'beta ' * (i % 3)}dit Choïgou.",
                date=f"2021-0{i % 9 + 1}-01")
        for i in range(30)
    ]  # fmt: skip
    build_index([write_jsonl(tmp_path / "old.jsonl", first)], tmp_path / "index")
    fresh = [article(f"new{i}", f"Au Kremlin, gamma et Shoigu ({i}).", date="2022-01-01") for i in range(3)]
    build_index([write_jsonl(tmp_path / "new.jsonl", fresh)], tmp_path / "index")
    with open_live(tmp_path / "index") as index:
        variants = Variants(index)
        query = index.compile(parse(text), variants)
        variants.close()
        for restriction in (None, index.restriction("2021-03-01", None, None)):
            allowed = None if restriction is None else index.doc_set(restriction)
            every = [
                (hit.docnum, hit.score)
                for hit in index._searcher.search(query, limit=None)
                if allowed is None or hit.docnum in allowed
            ]
            every.sort(key=lambda hit: (-round(hit[1], 9), hit[0]))
            ranked = [(r.docnum, r.score) for r in index.ranked(query, 7, restriction)]
            assert [d for d, _ in ranked] == [d for d, _ in every[:7]] and len(ranked) == min(7, len(every)) > 1
            assert all(abs(a - b) < 1e-9 for (_, a), (_, b) in zip(ranked, every, strict=False))
    summing(summed=not text.startswith("id:"))  # Whoosh scores an id's term by its weight


# --- posting lists read a block at a time ---------------------------------------------------------


@pytest.fixture(scope="module")
def postings_index(tmp_path_factory):
    """1,300 articles, then some replaced and removed (deletions in the first segment): a word
    in every article (blocks of one-byte gaps), one in every 7th, one every 300th (gaps of two
    bytes), their counts varying."""
    root = tmp_path_factory.mktemp("postings")

    def body(i: int, edited: bool = False) -> str:
        words = ["alpha " * (i % 4 + 1)]
        words += ["beta " * (i % 3 + 1)] if i % 7 == 0 else []
        words += ["gamma"] if i % 300 == 0 else []
        words += ["remplissage " * (i % 11)] + (["delta alpha"] if edited else [])
        return "".join(words) + f" ({i})."

    corpus = root / "c.jsonl"
    write_jsonl(corpus, [article(f"a{i:04}", body(i)) for i in range(1300)])
    build_index([corpus], root / "index")
    kept = [i for i in range(1300) if i % 50 != 3]
    write_jsonl(corpus, [article(f"a{i:04}", body(i, edited=i % 33 == 0)) for i in kept])
    build_index([corpus], root / "index")
    return root / "index"


def test_postings_read_a_block_at_a_time_are_whooshs_own(postings_index):
    """Each block's ids and weights, read from the start of its stream where the layout allows
    (one-byte gaps after the block's first document), are those Whoosh unpickles; the blocks of
    other layouts (wider gaps, three postings or fewer) are unpickled whole."""
    from itertools import accumulate

    from searchkit.engine.whoosh_postings import _ids_and_weights

    paths = Counter()
    with open_live(postings_index) as index:
        for segment, _ in index._reader.leaf_readers():
            for fieldname, term in segment.all_terms():
                matcher = segment.postings(fieldname, term)
                matcher = getattr(matcher, "child", matcher)
                while hasattr(matcher, "_read_data") and matcher.is_active():
                    ids, weights = _ids_and_weights(matcher)
                    matcher._read_data()
                    whole_ids, whole_weights = matcher._data[:2]
                    assert list(accumulate(ids)) == list(accumulate(whole_ids))
                    assert weights == whole_weights or list(weights) == list(whole_weights)
                    short = len(whole_ids) > 3 and max(whole_ids[1:]) < 256
                    paths[short, isinstance(ids, list)] += 1  # the start read alone makes a list
                    matcher._next_block()
    assert set(paths) == {(True, True), (False, False)}
    assert paths[False, False] >= 10 and paths[True, True] >= 10


@pytest.mark.parametrize("text", ["alpha OR beta OR gamma", "beta OR delta", "alpha OR gamma", "alpha beta -delta"])
def test_sums_and_counts_read_from_blocks_leave_out_deleted_articles(postings_index, text, summing):
    """Ranked by the sum read from the postings, and counted from them: the same articles,
    scores and order as Whoosh's search of every live article, none of those replaced or removed."""
    from searchkit.engine.whoosh_postings import live_ids

    with open_live(postings_index) as index:
        assert any(segment.has_deletions() for segment, _ in index._reader.leaf_readers())
        variants = Variants(index)
        query = index.compile(parse(text), variants)
        every = sorted((-hit.score, hit.docnum) for hit in index._searcher.search(query, limit=None))
        ranked = index.ranked(query, 25)
        assert [r.docnum for r in ranked] == [d for _, d in every[:25]]
        assert all(abs(r.score + s) < 1e-9 for r, (s, _) in zip(ranked, every, strict=False))
        assert index.count(query) == len(every)
        for word in text.replace(" OR ", " ").replace("-", "").split():
            held = {hit.docnum for hit in index._searcher.search(index.compile(parse(word), variants), limit=None)}
            assert live_ids(index._reader, "body", word) == held
        variants.close()
    summing()


@pytest.mark.parametrize("dense", [False, True])
def test_a_word_s_articles_are_read_once_while_few_enough_are_kept(postings_index, monkeypatch, dense):
    """A search reads a name's spellings to rank, to count and to count each spelling: the ids a
    sum read are kept for the counts, the words read last, up to ``KEPT_IDS`` a segment; a word
    with more, or one pushed out, is read again.  Each time the live articles, none removed."""
    from searchkit.engine import whoosh_postings

    monkeypatch.setattr(whoosh_postings, "KEPT_IDS", 1_000)  # alpha (in 1,274 articles) is never kept
    monkeypatch.setattr(whoosh_postings, "DENSE_POSTINGS", 0 if dense else 10**12)
    monkeypatch.setattr(whoosh_postings, "DENSE_POSTINGS_IMPORTED", 0 if dense else 10**12)
    decoded = Counter()
    blocks = whoosh_postings.blocks

    def counted_blocks(segment, fieldname, text, *args):
        decoded[text] += 1
        return blocks(segment, fieldname, text, *args)

    monkeypatch.setattr(whoosh_postings, "blocks", counted_blocks)
    with open_live(postings_index) as index:
        variants = Variants(index)

        def held(word: str) -> set[int]:
            query = index.compile(parse(word), variants)
            return {hit.docnum for hit in index._searcher.search(query, limit=None)}

        truth = {word: held(word) for word in ("alpha", "beta", "gamma", "delta")}
        index.ranked(index.compile(parse("alpha OR beta OR gamma"), variants), 10)
        decoded.clear()
        for word in ("beta", "gamma"):
            assert whoosh_postings.live_ids(index._reader, "body", word) == truth[word]
        assert not decoded  # kept from the sum
        assert whoosh_postings.live_ids(index._reader, "body", "alpha") == truth["alpha"] and decoded["alpha"]
        assert whoosh_postings.live_ids(index._reader, "body", "delta") == truth["delta"]  # read, kept
        decoded.clear()
        assert whoosh_postings.live_ids(index._reader, "body", "delta") == truth["delta"] and not decoded
        # beta, kept first (186 articles), pushed out by one more word once fewer are kept: read again
        monkeypatch.setattr(whoosh_postings, "KEPT_IDS", 150)
        assert whoosh_postings.live_ids(index._reader, "body", "600") == held("600")
        assert whoosh_postings.live_ids(index._reader, "body", "beta") == truth["beta"] and decoded["beta"]
        variants.close()


@pytest.mark.parametrize("text", ["alph* OR gamma", "rempl*", "del* beta", "alpha OR beta -gamma"])
def test_sums_kept_in_arrays_rank_as_those_kept_in_a_dictionary(postings_index, monkeypatch, text):
    """Prefixes, ORs and ``similar``'s sums, within a restriction and leaving articles out: the same
    articles and the very same scores whichever way the sums are kept."""
    from searchkit.engine import whoosh_postings

    found = {}
    for way, beyond in (("dictionary", 10**12), ("arrays", 0)):
        monkeypatch.setattr(whoosh_postings, "DENSE_POSTINGS", beyond)
        monkeypatch.setattr(whoosh_postings, "DENSE_POSTINGS_IMPORTED", beyond)
        with open_live(postings_index) as index:
            variants = Variants(index)
            query = index.compile(parse(text), variants)
            within = index.compile(parse("remplissage OR gamma"), variants)
            variants.close()
            words = [(("alpha",), 1.0), (("beta", "delta"), 2.5)]
            found[way] = (
                [(r.docnum, r.score) for r in index.ranked(query, 60)],
                index.count_about(query),
                [(r.docnum, r.score) for r in index.like(words, 60, within, left_out=set(range(0, 1300, 3)))],
            )
    assert found["dictionary"] == found["arrays"]
    ranked, (count, estimated), like = found["arrays"]
    assert len(like) == 60 and count >= len(ranked) > 1 and not estimated


def test_postings_within_stretches_are_those_of_the_whole_list_there(postings_index):
    """A sample's count reads a word's postings only within its stretches of ids, skipping the
    blocks between them: the same articles as the whole list cut to the stretches."""
    from searchkit.engine.whoosh_postings import live_ids

    with open_live(postings_index) as index:
        size = index.doc_count_all()
        for word in ("alpha", "beta", "gamma"):
            every = live_ids(index._reader, "body", word)
            for spans in ([(0, 5)], [(100, 130), (700, 701), (size - 40, size)], [(300, 301), (600, 900)]):
                inside = {d for d in every if any(start <= d < end for start, end in spans)}
                assert live_ids(index._reader, "body", word, spans) == inside


def _written_segment(folder: Path, schema, writer_class):
    """(index, segment) of one segment written by ``writer_class`` from the bundled corpus."""
    from whoosh import index as whoosh_index

    from searchkit.corpus import read_corpus
    from searchkit.engine.whoosh_writing import _analysed, _document

    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema)
    writer = writer_class(ix, compound=False)
    for item in read_corpus([BUNDLED_CORPUS], print):
        writer.add_document(**_analysed(_document(item, 1)))
    return ix, writer._finalize_segment()


def _segment_files(ix, segment) -> dict[str, bytes]:
    """The files of ``segment`` by their name less the segment's (random) id."""
    name = segment.segment_id()
    folder = Path(ix.storage.folder)
    return {p.name.replace(name, "S"): p.read_bytes() for p in folder.iterdir() if p.name.startswith(name)}


def _whoosh_schema():
    """searchkit's schema with Whoosh's own positions format for its text fields."""
    from whoosh import formats

    from searchkit.engine.whoosh_engine import WordPositions, build_schema

    schema = build_schema()
    for name in TEXT_FIELDS:
        assert type(schema[name].format) is WordPositions
        schema[name].format = formats.Positions(field_boost=schema[name].format.field_boost)
    return schema


def test_the_writers_shortcuts_write_the_segment_whoosh_writes(tmp_path, monkeypatch):
    """searchkit's writers ask the analyzer for each article's terms and positions at
    once (``WordPositions``), buffer postings by field and write a term's posting
    blocks at once: with every block compressed, the segment they write is Whoosh's
    own, byte for byte, also for terms whose postings take several blocks."""
    from whoosh.reading import SegmentReader
    from whoosh.writing import SegmentWriter

    from searchkit.engine import whoosh_writing
    from searchkit.engine.whoosh_engine import build_schema

    whoosh_s = _segment_files(*_written_segment(tmp_path / "whoosh", _whoosh_schema(), SegmentWriter))
    monkeypatch.setattr(whoosh_writing, "COMPRESSED_FROM", 0)
    ix, segment = _written_segment(tmp_path / "ours", build_schema(), whoosh_writing.TermCountingWriter)
    with SegmentReader(ix.storage, ix.schema, segment) as reader:
        assert max(reader.doc_frequency(*term) for term in reader.all_terms()) > 3 * 128  # blocks of 128
    ours = _segment_files(ix, segment)
    assert ours.keys() == whoosh_s.keys() and "S.pst" in ours
    assert [name for name in ours if ours[name] != whoosh_s[name]] == []


def test_a_rebuild_writers_pool_counts_and_sorts_postings_as_whoosh_pool_does(tmp_path):
    """A rebuild writer's pool (a list a field) counts its size as Whoosh's pool does, so
    a run is written at the same fill, whether an article's postings come at once or one
    at a time (as Whoosh's merge of a reader adds them); and it gives them back by field,
    then term, then article, as Whoosh's sorted pool does."""
    from whoosh.filedb.filestore import RamStorage
    from whoosh.writing import PostingPool

    from searchkit.engine.whoosh_writing import _TermPool

    articles = {
        0: [(b"paix", 1, 1.0, b"\x01"), (b"guerre", 2, 2.0, b"\x02\x03")],
        1: [(b"guerre", 1, 1.0, b""), (b"accord", 3, 3.0, None)],
    }
    at_once, one_by_one = _TermPool(RamStorage(), None, 2**20), _TermPool(RamStorage(), None, 2**20)
    whoosh = PostingPool(RamStorage(), None, limitmb=1)
    for docnum, items in articles.items():
        for fieldname in ("body", "title"):
            at_once.add_field(fieldname, docnum, items, 1.5)
            for term, _, weight, value in items:
                one_by_one.add((fieldname, term, docnum, weight * 1.5, value))
                whoosh.add((fieldname, term, docnum, weight * 1.5, value))
    assert at_once.currentsize == one_by_one.currentsize == whoosh.currentsize
    flat = [posting for _, _, postings in at_once.terms() for posting in postings]
    assert flat == [posting for _, _, postings in one_by_one.terms() for posting in postings]
    assert flat == list(whoosh.iter_postings())
    assert not at_once.empty() and _TermPool(RamStorage(), None, 2**20).empty()


def test_small_posting_blocks_are_stored_uncompressed_and_read_the_same(tmp_path):
    """A rebuild's posting blocks under ``COMPRESSED_FROM`` bytes are stored uncompressed
    (zlib makes them larger): Whoosh reads every term's statistics and postings
    as from its own segment, whose postings file is larger; the other files are the same."""
    from whoosh.reading import SegmentReader
    from whoosh.writing import SegmentWriter

    from searchkit.engine.whoosh_engine import build_schema
    from searchkit.engine.whoosh_writing import TermCountingWriter

    theirs = _written_segment(tmp_path / "whoosh", _whoosh_schema(), SegmentWriter)
    ours = _written_segment(tmp_path / "ours", build_schema(), TermCountingWriter)
    their_files, our_files = _segment_files(*theirs), _segment_files(*ours)
    assert {n for n in our_files if our_files[n] != their_files[n]} == {"S.pst", "S.trm"}
    assert len(our_files["S.pst"]) < len(their_files["S.pst"])
    with (
        SegmentReader(ours[0].storage, ours[0].schema, ours[1]) as mine,
        SegmentReader(theirs[0].storage, theirs[0].schema, theirs[1]) as whoosh,
    ):
        terms = list(whoosh.all_terms())
        assert list(mine.all_terms()) == terms

        def term(reader, fieldname, text):
            info = reader.term_info(fieldname, text)
            statistics = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length())
            return statistics, info.max_weight(), list(reader.postings(fieldname, text).all_items())

        assert [t for t in terms if term(mine, *t) != term(whoosh, *t)] == []
        compressed = {mine.postings(*t)._compression for t in terms}
    assert compressed == {0, 3}


def _one_segment(folder: Path, run_every: int, limitmb: float = 128):
    """The segment a rebuild's writer writes from the bundled corpus with a buffer of
    ``limitmb``, written out as a run every ``run_every`` articles too (never: 0); and its runs."""
    from whoosh import index as whoosh_index
    from whoosh.reading import SegmentReader

    from searchkit.corpus import read_corpus
    from searchkit.engine.whoosh_engine import build_schema
    from searchkit.engine.whoosh_writing import TermCountingWriter, _analysed, _document

    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = TermCountingWriter(ix, compound=False, limitmb=limitmb)
    for n, item in enumerate(read_corpus([BUNDLED_CORPUS], print), 1):
        writer.add_document(**_analysed(_document(item, 1)))
        if run_every and n % run_every == 0:
            writer.write_run()
    segment = writer._finalize_segment()
    return SegmentReader(ix.storage, ix.schema, segment), len(writer._runs)


def test_a_segment_written_in_runs_holds_what_one_buffer_would(tmp_path):
    """A rebuild's writer process writes its buffer out as a run each time it fills and
    makes its one segment from the runs' blocks: every term's postings (articles,
    frequencies, positions), its statistics (those that bound a block's best score
    among them) and article count for the vocabulary are those of the segment
    written from one buffer, and no run is left behind."""
    from searchkit.engine.whoosh_engine import read_term_counts, term_counts_file

    whole, _ = _one_segment(tmp_path / "whole", 0)
    in_runs, runs = _one_segment(tmp_path / "runs", 7)
    filled, filled_runs = _one_segment(tmp_path / "filled", 0, limitmb=2)  # its buffer fills: runs of its own
    try:
        assert runs > 100 and filled_runs > 2
        terms = list(whole.all_terms())
        assert list(in_runs.all_terms()) == list(filled.all_terms()) == terms and len(terms) > 10_000

        def term(reader, fieldname, text):
            info = reader.term_info(fieldname, text)
            statistics = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(), info.max_weight())
            return statistics, (info.min_id(), info.max_id()), list(reader.postings(fieldname, text).all_items())

        assert [t for t in terms if term(in_runs, *t) != term(whole, *t)] == []
        assert [t for t in terms[::50] if term(filled, *t) != term(whole, *t)] == []
        for fieldname in ("title", "body"):
            lengths = [whole.doc_field_length(d, fieldname) for d in range(whole.doc_count_all())]
            assert [in_runs.doc_field_length(d, fieldname) for d in range(in_runs.doc_count_all())] == lengths
        counts = {}
        for name, reader in (("whole", whole), ("runs", in_runs)):
            counts[name] = read_term_counts(tmp_path / name / term_counts_file(reader.segment().segment_id()))
        assert counts["runs"] == counts["whole"] and counts["whole"]
    finally:
        for reader in (whole, in_runs, filled):
            reader.close()
    assert list((tmp_path / "runs" / "MAIN.tmp").glob("run_*")) == []


def test_columns_read_whole_are_the_values_whoosh_reads_one_by_one(tmp_path):
    """Columns are read a segment at a time in one read (``_whole_column``): the
    same values as Whoosh's reader, through segments with deletions and articles
    without a date or a source."""
    from searchkit.engine.whoosh_engine import _whole_column

    corpus = write_jsonl(tmp_path / "news.jsonl", NEWS)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    write_jsonl(
        corpus, [NEWS[0], article("a2", "Un autre texte.", title="Changé"), *NEWS[2:], article("a5", "Sans date.")]
    )
    build_index([corpus], index_dir)
    with open_live(index_dir) as index:
        segments = index._reader.leaf_readers()
        assert len(segments) == 2 and any(segment.has_deletions() for segment, _ in segments)
        for segment, _ in segments:
            for name in ("id", "hash", "date", "source_name", "origin_file", "structure", "indexed"):
                if segment.has_column(name):
                    assert _whole_column(segment, name) == list(segment.column_reader(name)), name
        assert index.column_values("date").count(None) == 3  # a2 as changed and as it was (deleted), a5
        assert sorted(index.article_hashes()) == ["a1", "a2", "a3", "a4", "a5"]


def test_many_documents_column_values_read_as_one_stretch_are_those_read_one_by_one(tmp_path, monkeypatch):
    """Past ``SPAN_READ_DOCS`` documents of a segment, ids and dates are cut from one read
    of the column file: the same values, in the order asked, some articles without a date."""
    from searchkit.engine import whoosh_engine

    articles = [
        article(f"id-{i:04d}", f"Texte numéro {i}.", **({"date": f"2021-{1 + i % 12:02d}-01"} if i % 7 else {}))
        for i in range(700)
    ]
    index_dir = tmp_path / "index"
    build_index([write_jsonl(tmp_path / "c.jsonl", articles)], index_dir)
    with open_live(index_dir) as index:
        asked = [*range(index.doc_count() - 1, index.doc_count() - 601, -1), 3, 5]  # backwards, then two early ones
        assert len(asked) > whoosh_engine.SPAN_READ_DOCS
        by_stretch = (index.ids_of(asked), index.dates_of(asked))
        monkeypatch.setattr(whoosh_engine, "SPAN_READ_DOCS", 10**9)
        one_by_one = (index.ids_of(asked), index.dates_of(asked))
        assert all(index.stored(docnum)["id"] == by_stretch[0][docnum] for docnum in asked)
    assert by_stretch == one_by_one
    assert None in by_stretch[1].values() and "2021-02-01" in by_stretch[1].values()
