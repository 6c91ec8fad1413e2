"""The French analysis cases of ../shared/analysis-cases.md, as a user sees them.

Every case goes through a real on-disk index built from articles written here
(``make_index``) or from the bundled corpus (``seed_index``), and checks what a
search shows: which articles are found, in which order, and which words are
highlighted.
"""

from __future__ import annotations

import unicodedata

import pytest
from helpers import BUNDLED_CORPUS, SEED, article

from searchkit.analysis import word_analyzer
from searchkit.corpus import read_corpus, read_native
from searchkit.errors import QueryError
from searchkit.search import Hit, SearchOptions, search

SEED_ID = SEED.stem


# --- helpers -----------------------------------------------------------------


def sentence(word: str) -> str:
    """A plain French news sentence mentioning ``word`` once, and nothing else that matches."""
    return f"Hier soir, la question de {word} a été longuement discutée par les diplomates réunis à Genève."


def one_article_per_form(forms: list[str] | tuple[str, ...]) -> list[dict]:
    """One article per form (ids f0, f1, ...), plus a distractor (id ``other``) that matches none."""
    articles = [article(f"f{i}", sentence(form)) for i, form in enumerate(forms)]
    articles.append(article("other", "Le ministre des Finances a présenté le budget devant les députés."))
    return articles


def highlighted(hit: Hit, body: str) -> list[str]:
    """The texts of the body highlighted in the hit's snippets, in order."""
    return [body[start:end] for snippet in hit.snippets for start, end in snippet.highlights]


def is_whole_word(text: str, start: int, end: int) -> bool:
    """No letter (nor combining accent) glued to the span on either side."""

    def letter(char: str) -> bool:
        return char.isalnum() or unicodedata.combining(char) != 0

    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not letter(before) and not letter(after) and letter(text[start]) and letter(text[end - 1])


def terms(analyzer, text: str) -> list[tuple[str, int]]:
    return [(t.text, t.pos) for t in analyzer(text, positions=True)]


# --- accents, case, Unicode ------------------------------------------------------

ACCENT_GROUPS = [
    ("ecole", "École", "ÉCOLE", "école"),
    ("Téhéran", "teheran"),
    ("Azerbaïdjan", "azerbaidjan"),
    ("œuvre", "oeuvre"),
    ("Noël", "noel"),
]


def assert_forms_find_each_other(make_index, forms):
    """One article per form; a query for any form finds them all."""
    indexed = make_index(one_article_per_form(forms))
    every_form = {f"f{i}" for i in range(len(forms))}
    for query in forms:
        assert set(indexed.ids(query)) == every_form, f"query {query!r}"


@pytest.mark.parametrize("forms", ACCENT_GROUPS, ids=lambda forms: "/".join(forms))
def test_accents_and_case_find_each_other(make_index, forms):
    assert_forms_find_each_other(make_index, forms)


def test_nfd_article_is_found_by_nfc_query_and_vice_versa(make_index):
    nfc = "Les élèves de l’école de Téhéran ont reçu Sergueï à Noël."
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    indexed = make_index([article("nfd", nfd), article("nfc", nfc), article("other", sentence("Genève"))])
    for word in ("école", "Téhéran", "Sergueï", "Noël", "élèves"):
        for query in (unicodedata.normalize("NFC", word), unicodedata.normalize("NFD", word)):
            assert set(indexed.ids(query)) == {"nfd", "nfc"}, f"query {query!r} ({len(query)} code points)"


def test_nfd_article_highlights_whole_words(make_index):
    nfd = unicodedata.normalize("NFD", "Les élèves de l’école de Téhéran.")
    hit = make_index([article("nfd", nfd)]).search("ecole").hits[0]
    assert hit.snippets[0].text == unicodedata.normalize("NFC", nfd)
    assert highlighted(hit, hit.snippets[0].text) == ["école"]


def test_analyzer_gives_same_terms_for_nfd_and_nfc():
    nfc = "Le président iranien a reçu Sergueï Choïgou à Téhéran, dans l’Azerbaïdjan, à Noël ; œuvre élève."
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    expected = terms(word_analyzer(), nfc)
    assert ("^choigou", 6) in expected and ("president", 1) in expected  # words and name spellings alike
    assert terms(word_analyzer(), nfd) == expected


# --- elision -----------------------------------------------------------------------

ELIDED = ["l", "d", "qu", "n", "s", "c", "j", "m", "t", "jusqu", "lorsqu", "puisqu", "quoiqu"]
APOSTROPHES = {"curly": "’", "straight": "'"}


@pytest.mark.parametrize("apostrophe", APOSTROPHES.values(), ids=APOSTROPHES.keys())
@pytest.mark.parametrize("prefix", ELIDED)
def test_elided_word_is_the_bare_word(make_index, prefix, apostrophe):
    elided = f"{prefix}{apostrophe}Iran"
    body = f"Le débat porte sur {elided} depuis des semaines."
    indexed = make_index(
        [article("elided", body), article("bare", sentence("Iran")), article("other", sentence("Irak"))]
    )
    for query in ("Iran", "iran", elided, f"{prefix}’Iran", f"{prefix}'Iran"):
        assert set(indexed.ids(query)) == {"elided", "bare"}, f"query {query!r}"
    hit = next(h for h in indexed.search("Iran").hits if h.id == "elided")
    assert highlighted(hit, body) == ["Iran"]


# --- no-break spaces -----------------------------------------------------------------

NO_BREAK_SPACES = {"U+00A0": "\u00a0", "U+202F": "\u202f"}


@pytest.mark.parametrize("space", NO_BREAK_SPACES.values(), ids=NO_BREAK_SPACES.keys())
def test_no_break_space_separates_words(make_index, space):
    body = f"Le président{space}Poutine a parlé du conflit{space}armé{space}: « Nous{space}verrons. »"
    indexed = make_index([article("nbsp", body), article("other", sentence("Genève"))])
    for query in ("Poutine", "président", "conflit", "armé", "verrons", f'"conflit{space}armé"'):
        assert indexed.ids(query) == ["nbsp"], f"query {query!r}"
    assert indexed.ids(f"président{space}Poutine") == ["nbsp"]  # two words, like a space
    hit = indexed.search("poutine").hits[0]
    assert highlighted(hit, body) == ["Poutine"]


# --- French words ----------------------------------------------------------------------

INFLECTION_GROUPS = [
    ("président", "présidents"),
    ("iranien", "iranienne", "iraniens"),
    ("négociation", "négociations"),
]


@pytest.mark.parametrize("forms", INFLECTION_GROUPS, ids=lambda forms: "/".join(forms))
def test_singular_plural_masculine_feminine_find_each_other(make_index, forms):
    assert_forms_find_each_other(make_index, forms)


STOP_ONLY_QUERIES = ["le", "la les", "de des du", "et que qui", "Le", "L’", '"de la"', "le OR la"]


@pytest.mark.parametrize("query", STOP_ONLY_QUERIES)
def test_stop_words_alone_are_rejected_not_matching_everything(make_index, query):
    indexed = make_index([article("a", "Le conflit et la paix."), article("b", "La vie de tous les jours.")])
    with pytest.raises(QueryError):
        indexed.search(query)


def test_stop_word_does_not_widen_a_query(make_index):
    indexed = make_index(
        [
            article("c1", "Le conflit dure depuis des mois."),
            article("c2", "Les diplomates cherchent une issue au conflit."),
            article("x1", "Le ministre et la presse de la région."),
            article("x2", "Les élections ont lieu le mois prochain."),
            article("x3", "La vie de tous les jours."),
        ]
    )
    assert set(indexed.ids("le conflit")) == {"c1", "c2"}
    assert set(indexed.ids("conflit")) == {"c1", "c2"}


def test_phrase_with_stop_word_keeps_its_gap(make_index):
    indexed = make_index(
        [
            article("phrase", "Le Conseil de sécurité de l’ONU s’est réuni hier."),
            article("lower", "Une réunion du conseil de sécurité nationale a eu lieu."),
            article("far", "Le conseil municipal a longuement parlé de la sécurité routière."),
            article("la", "Le conseil de la sécurité intérieure a été dissous."),
            article("adjacent", "Un conseil sécurité a été publié."),
            article("reversed", "La sécurité de ce conseil est en jeu."),
        ]
    )
    assert set(indexed.ids('"Conseil de sécurité"')) == {"phrase", "lower"}
    assert set(indexed.ids("« conseil de securite »")) == {"phrase", "lower"}
    # the words alone still find all of them
    assert set(indexed.ids("conseil sécurité")) == {"phrase", "lower", "far", "la", "adjacent", "reversed"}


# --- transliterated names ------------------------------------------------------------------

TRANSLITERATION_GROUPS = [
    ("Choïgu", "Choïgou", "Choigou", "Choigu", "Shoigu"),
    ("Sergueï", "Sergei", "Sergey"),
    ("Poutine", "Putin"),
    ("Zelensky", "Zelenski", "Zelenskyy", "Zelenskiy"),
    ("Prigojine", "Prigozhin", "Prigojin"),
    ("Netanyahou", "Netanyahu", "Nétanyahou"),
    ("Gorbatchev", "Gorbachev"),
    ("Pezeshkian", "Pezechkian"),
    ("Ahmadinejad", "Ahmadinedjad"),
    ("Azerbaïdjan", "Azerbaidjan", "Azerbaijan"),
]


def group_cases():
    return [pytest.param(group, query, id=f"{group[0]}-{query}") for group in TRANSLITERATION_GROUPS for query in group]


def fold_accents(word: str) -> str:
    """Accents and case folded, and nothing else: Choïgou and Choigou are the same spelling."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def spelling_of(group: tuple[str, ...]) -> dict[str, str]:
    """Article id → the spelling it uses, for ``one_article_per_form(group)``."""
    return {f"f{i}": form for i, form in enumerate(group)}


@pytest.mark.parametrize(("group", "query"), group_cases())
def test_name_variant_finds_every_spelling(make_index, group, query):
    indexed = make_index(one_article_per_form(group))
    assert set(indexed.ids(query)) == set(spelling_of(group))
    assert set(indexed.ids(query.lower())) == set(spelling_of(group)), "lower-case query"


@pytest.mark.parametrize(("group", "query"), group_cases())
def test_exact_spelling_ranks_above_other_spellings(make_index, group, query):
    spellings = spelling_of(group)
    indexed = make_index(one_article_per_form(group))
    exact = {id for id, form in spellings.items() if fold_accents(form) == fold_accents(query)}
    for text in (query, query.lower()):
        hits = indexed.search(text).hits
        scores = {hit.id: hit.score for hit in hits}
        assert {hit.id for hit in hits[: len(exact)]} == exact, f"query {text!r}: {[h.id for h in hits]}"
        others = [scores[id] for id in spellings if id not in exact]
        assert min(scores[id] for id in exact) > max(others), f"query {text!r}: {scores}"


@pytest.mark.parametrize(("group", "query"), group_cases())
def test_each_article_highlights_its_own_spelling(make_index, group, query):
    spellings = spelling_of(group)
    indexed = make_index(one_article_per_form(group))
    hits = indexed.search(query).hits
    assert len(hits) == len(group)
    for hit in hits:
        assert highlighted(hit, sentence(spellings[hit.id])) == [spellings[hit.id]], hit.id
        assert hit.title_highlights == ()


UNLISTED_NAMES = [
    ("Khrouchtchev", "Khrushchev"),
    ("Soljenitsyne", "Solzhenitsyn"),
    ("Iouchtchenko", "Yushchenko"),
    ("Tchaïkovski", "Tchaikovsky"),
    ("Navalny", "Navalnyi"),
    ("Raïssi", "Raisi"),
    ("Kadyrov", "Kadirov"),
    ("Dmitri", "Dmitry"),
    ("Marioupol", "Mariupol"),
    ("Zaporijjia", "Zaporizhzhia"),
]


@pytest.mark.parametrize("pair", UNLISTED_NAMES, ids="/".join)
def test_names_not_in_the_list_fold_by_the_same_rules(make_index, pair):
    indexed = make_index(one_article_per_form(pair))
    for query in (*pair, *(name.lower() for name in pair)):
        assert set(indexed.ids(query)) == {"f0", "f1"}, f"query {query!r}"
    for hit in indexed.search(pair[0]).hits:
        assert highlighted(hit, sentence(spelling_of(pair)[hit.id])) == [spelling_of(pair)[hit.id]]


# --- distinct names stay distinct ----------------------------------------------------------

DISTINCT_PAIRS = [
    ("Khamenei", "Khomeini"),
    ("Iran", "Irak"),
    ("Liban", "Libye"),
    ("Autriche", "Australie"),
    ("Medvedev", "Medvedtchouk"),
    ("Mali", "Malte"),
    ("Gaza", "Gazprom"),
    ("Hamas", "Hama"),
    ("Zelensky", "Zelenska"),
]


@pytest.mark.parametrize("pair", DISTINCT_PAIRS, ids="/".join)
def test_distinct_names_do_not_find_each_other(make_index, pair):
    left, right = pair
    indexed = make_index([article("left", sentence(left)), article("right", sentence(right))])
    assert indexed.ids(left) == ["left"]
    assert indexed.ids(left.lower()) == ["left"]
    assert indexed.ids(right) == ["right"]
    assert indexed.ids(right.lower()) == ["right"]


# --- highlighting --------------------------------------------------------------------------


def test_seed_article_highlights_both_spellings_of_choigu_as_whole_words(seed_index):
    result = search(seed_index, "choigu", SearchOptions())
    hit = next(h for h in result.hits if h.id == SEED_ID)
    assert hit.rank == 1
    body = read_native(SEED, pytest.fail).body
    spans = [span for snippet in hit.snippets for span in snippet.highlights]
    assert spans
    for snippet in hit.snippets:
        assert body[snippet.start : snippet.end] == snippet.text
    texts = [body[start:end] for start, end in spans]
    assert set(texts) == {"Choïgu", "Choïgou"}
    for start, end in spans:
        assert is_whole_word(body, start, end), body[max(0, start - 5) : end + 5]


def test_long_article_is_highlighted_past_its_first_pages(make_index):
    filler = "Le gouvernement a présenté hier un nouveau budget pour l’année prochaine, sans surprise. "
    body = filler * (200_000 // len(filler)) + "Enfin, Sergueï Choïgou a quitté la salle. " + filler.strip()
    assert len(body.encode()) > 200_000
    hit = make_index([article("long", body), article("short", sentence("Choigu"))]).search("Choïgou").hits[0]
    assert hit.id == "long"
    assert hit.body_length == len(body)
    spans = [span for snippet in hit.snippets for span in snippet.highlights]
    assert [body[start:end] for start, end in spans] == ["Choïgou"]
    start, end = spans[0]
    assert start > 32 * 1024
    snippet = next(s for s in hit.snippets if (start, end) in s.highlights)
    assert snippet.start <= start < end <= snippet.end
    assert "Choïgou" in snippet.text


def test_highlighting_finds_every_word_the_chain_gives_a_term():
    """``find`` skips words not yet analysed whose folded form cannot open a term
    (``_may_give``): what it finds is what running the chain on every word finds,
    for terms of every kind (stems cut short, -aux, names, elided words, one letter)."""
    import random

    texts = [f"{a.title}\n{a.body}" for a in read_corpus([BUNDLED_CORPUS], on_reject=lambda _: None)][:200]
    texts.append("Chevaux, généraux et l’Ukraine : eeeers, xeeers, é, Ëe, d’Hérode, aujourd’hui, Зеленський.")
    every = sorted({term for text in texts for term in word_analyzer().positions(text)})
    odd = ["cheval", "general", "ukrain", "^ukraine", "e", "xe", "aujourdhui", "^zelenskii"]
    assert set(odd) <= set(every), "the odd cases are among the terms"
    chain = word_analyzer()

    def by_chain(text: str, terms: set[str]) -> list[tuple[int, int, str]]:
        found = []
        for match in chain._expression.finditer(text):
            for term, start, end, _, _ in chain._analysed(match.group(), "index", True):
                if term in terms:
                    found.append((match.start() + start, match.start() + end, term))
        return found

    draw = random.Random(7)
    for text in texts:
        for size in (1, 3, 40):
            terms = set(draw.sample(every, size)) | set(odd)
            assert word_analyzer().find(text, terms) == by_chain(text, terms), (text[:80], sorted(terms))
