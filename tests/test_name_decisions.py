"""Every spelling merge decided on the articles (``searchkit.names.decision``), as a user sees it.

Each kind of evidence, for and against, on a small corpus written here: which
articles a search finds, what ``searchkit names --all`` says of the candidates,
and where a search's count comes from.  The French analysis cases (one article
per spelling, nothing else to go on) are in ``test_analysis_cases.py``: there a
transliteration rule stands.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest
from helpers import article, run_cli, write_jsonl

from searchkit.analysis import fold
from searchkit.generations import current_generation
from searchkit.indexing import build_index
from searchkit.search import Searcher, SearchOptions


def china(n: int) -> list[dict]:
    """Articles about China: Pékin, Xi Jinping, Taïwan, never a first name before Chine."""
    return [
        article(f"chine{i}", f"La Chine a réagi. À Pékin, Xi Jinping a parlé de Taïwan et de Shanghaï ({i}).")
        for i in range(n)
    ]


def ids(indexed, query: str, **options) -> set[str]:
    return set(indexed.ids(query, limit=100, **options))


def names_json(indexed, query: str) -> dict:
    done = run_cli("names", query, "--all", "--index", str(indexed.dir), "--json")
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def merged_reason(indexed, query: str, spelling: str) -> str:
    """Why the query's word searches ``spelling`` too, as ``searchkit names --all`` says."""
    spellings = names_json(indexed, query)["words"][0]["spellings"]
    return next(s for s in spellings if s["spelling"] == spelling)["links"][0]["evidence"]["reason"]


def rejected_reasons(indexed, query: str) -> dict[str, str]:
    """Spelling decided apart from the query's word → the reason given."""
    word = names_json(indexed, query)["words"][0]
    return {next(s for s in d["spellings"] if s != word["word"]): d["reason"] for d in word["rejected"]}


# --- against a merge ------------------------------------------------------------------------


def test_a_rare_spelling_beside_a_frequent_different_name_is_not_swamped(make_index):
    indexed = make_index(
        [
            *china(8),
            article("sheen1", "L’acteur Martin Sheen a tourné à Hollywood avec Emilio Estevez."),
            article("sheen2", "Michael Sheen joue Tony Blair ; Martin Sheen était à Hollywood."),
        ]
    )
    assert ids(indexed, "Sheen") == {"sheen1", "sheen2"}
    assert ids(indexed, "Chine") == {f"chine{i}" for i in range(8)}
    assert "first name" in rejected_reasons(indexed, "Sheen")["chine"]


def test_masculine_and_feminine_given_names_stay_apart(make_index):
    indexed = make_index(
        [
            *(article(f"m{i}", f"François Hollande et François Bayrou ont parlé ({i}).") for i in range(3)),
            *(article(f"f{i}", f"Françoise Nyssen et Françoise Hardy étaient là ({i}).") for i in range(2)),
        ]
    )
    assert ids(indexed, "François") == {"m0", "m1", "m2"}
    assert ids(indexed, "Françoise") == {"f0", "f1"}
    assert "gender" in rejected_reasons(indexed, "François")["francoise"]


def test_a_given_name_in_a_phrase_searches_its_transliterations_not_its_feminine(make_index):
    """Beside a surname a given name is one person's: "Sergei Lavrov" finds Sergueï Lavrov, and
    shows where it matched and where its count comes from; "François Martin" is not Françoise
    Martin, nor "Michel Mercier" Michèle Mercier, nor "Michel Escobar" Mishelle Escobar."""
    indexed = make_index(
        [
            *(article(f"ru{i}", f"Le ministre Sergueï Lavrov est à Pékin ({i}).") for i in range(3)),
            article("en", "Foreign minister Sergei Lavrov met the press."),
            *(article(f"m{i}", f"Le maire François Martin a parlé ({i}).") for i in range(2)),
            article("f", "La chanteuse Françoise Martin a parlé."),
            *(article(f"mm{i}", f"Le sénateur Michel Mercier a voté ({i}).") for i in range(2)),
            article("mf", "L’actrice Michèle Mercier a tourné."),
            article("me", "Le juge Michel Escobar a tranché."),
            article("mi", "La députée Paola Mishelle Escobar a voté."),  # feminine, transliterated
        ]
    )
    assert ids(indexed, '"Michel Escobar"') == {"me"}
    assert ids(indexed, '"Sergei Lavrov"') == {"ru0", "ru1", "ru2", "en"}
    assert ids(indexed, '"François Martin"') == {"m0", "m1"}
    assert ids(indexed, '"Michel Mercier"') == {"mm0", "mm1"}
    found = json.loads(run_cli("search", '"Sergei Lavrov"', "--index", str(indexed.dir), "--json").stdout)
    assert found["spellings"] == [{"word": "sergei", "articles": {"Sergueï": 3, "Sergei": 1}}]
    twice = json.loads(run_cli("search", '"Sergei Lavrov" OR Sergei', "--index", str(indexed.dir), "--json").stdout)
    assert twice["spellings"] == found["spellings"], "a word written twice is listed once"
    for hit in found["hits"]:
        text = hit["snippets"][0]["text"]
        highlighted = {text[h["start"] : h["end"]] for h in hit["snippets"][0]["highlights"]}
        assert highlighted in ({"Sergueï Lavrov"}, {"Sergei Lavrov"}), (hit["id"], highlighted)  # the phrase whole
    lines = run_cli("kwic", '"Sergei Lavrov"', "--index", str(indexed.dir), "--json")
    assert sorted(line["keyword"] for line in json.loads(lines.stdout)["lines"]) == [
        "Sergei Lavrov",
        *["Sergueï Lavrov"] * 3,
    ]


def test_names_decided_apart_are_not_joined_again_by_their_stem(make_index):
    """Adrien and Adrienne share a stem (a feminine e), decided apart: each finds its own people."""
    indexed = make_index(
        [
            *(article(f"m{i}", f"Adrien Quatennens et Adrien Taquet ont parlé ({i}).") for i in range(3)),
            *(article(f"f{i}", f"Adrienne Rich et Adrienne Lecouvreur étaient là ({i}).") for i in range(2)),
            *(article(f"y{i}", f"Le New Yorker publie une enquête ({i}).") for i in range(2)),
            *(article(f"n{i}", f"À New York, les enquêtes ont repris ({i}).") for i in range(3)),
        ]
    )
    assert ids(indexed, "Adrienne") == {"f0", "f1"}
    assert ids(indexed, "Adrien") == {"m0", "m1", "m2"}
    assert ids(indexed, '"Adrienne Rich"') == {"f0", "f1"}
    assert "gender" in rejected_reasons(indexed, "Adrien")["adrienne"]
    # names says so: Adrienne is never a word, so its spelling alone is searched
    stem = names_json(indexed, "Adrienne")["words"][0]["stem"]
    assert stem == {"read": False, "left_out": [{"written": "Adrien", "articles": 3}]}
    # never proposed as one name, but one stem: Yorker (the magazine) is not York
    assert ids(indexed, "Yorker") == {"y0", "y1"}
    # the stem still reads the ordinary uses of a word: enquêtes for enquête
    assert ids(indexed, "enquête") == {"y0", "y1", "n0", "n1", "n2"}


def test_a_name_and_its_plural_are_one_name(make_index):
    """Kennedys is Kennedy's plural: the stem joins them, as it joins a word's."""
    indexed = make_index(
        [
            *(article(f"k{i}", f"John Kennedy a parlé à Dallas ({i}).") for i in range(3)),
            *(article(f"p{i}", f"Les Kennedys sont à Boston ({i}).") for i in range(2)),
        ]
    )
    assert ids(indexed, "Kennedys") == ids(indexed, "Kennedy") == {"k0", "k1", "k2", "p0", "p1"}


def test_exact_names_search_a_names_spelling_not_its_stem(make_index):
    """Prigojine and Prigojin are one man (merged); --exact-names reads the query's spelling only."""
    indexed = make_index(
        [
            *(article(f"e{i}", f"Evgueni Prigojine dirige Wagner ({i}).") for i in range(3)),
            article("n", "Evgueni Prigojin dirige Wagner."),
        ]
    )
    assert ids(indexed, "Prigojine") == {"e0", "e1", "e2", "n"}
    assert ids(indexed, "Prigojine", exact_names=True) == {"e0", "e1", "e2"}


def test_two_people_with_other_first_names_stay_apart(make_index):
    indexed = make_index(
        [
            *(article(f"o{i}", f"Le joueur Oleg Lyssenko a marqué à Kharkiv ({i}).") for i in range(3)),
            article("p1", "Le physicien Pavel Lysenko a publié à Novossibirsk."),
            article("p2", "Pavel Lysenko enseigne la physique à Novossibirsk."),
        ]
    )
    assert ids(indexed, "Lysenko") == {"p1", "p2"}
    assert ids(indexed, "Lyssenko") == {"o0", "o1", "o2"}
    assert "other first names" in rejected_reasons(indexed, "Lysenko")["lyssenko"]


def test_given_names_of_other_people_are_not_merged(make_index):
    indexed = make_index(
        [
            article("fr1", "Maxime Dupont et Maxime Leroy ont gagné à Lyon."),
            article("fr2", "Maxime Durand a joué à Lille ; Maxime Leroy aussi."),
            article("fr3", "Maxime Dupont a perdu à Lyon."),
            article("ua1", "Maksym Butkevych, défenseur des droits humains, est détenu."),
            article("ua2", "Maksym Kozytskyi, gouverneur de Lviv, et Maksym Butkevych ont parlé."),
        ]
    )
    assert ids(indexed, "Maxime") == {"fr1", "fr2", "fr3"}
    assert ids(indexed, "Maksym") == {"ua1", "ua2"}
    assert "given names" in rejected_reasons(indexed, "Maxime")["maksym"]


def test_a_name_is_not_merged_with_an_ordinary_word(make_index):
    indexed = make_index(
        [
            *(article(f"b{i}", f"Rodney Marsh a joué à Brisbane ({i}).") for i in range(3)),
            article("word", "Marche ou crève : la marche reprend."),
            *(article(f"w{i}", f"Le gouvernement est en marche, la marche continue ({i}).") for i in range(4)),
        ]
    )
    assert ids(indexed, "Marsh") == {"b0", "b1", "b2"}
    assert "ordinary word" in rejected_reasons(indexed, "Marsh")["marche"]


def test_spellings_written_among_other_names_stay_apart(make_index):
    indexed = make_index(
        [
            *(article(f"tx{i}", f"À Houston, au Texas, la NASA prépare Artemis ({i}).") for i in range(4)),
            article("film1", "Huston tournait alors à Hollywood pour la Warner."),
            article("film2", "Le cinéma de Huston : Hollywood, la Warner, les westerns."),
        ]
    )
    assert ids(indexed, "Houston") == {f"tx{i}" for i in range(4)}
    assert ids(indexed, "Huston") == {"film1", "film2"}
    assert "other names" in rejected_reasons(indexed, "Houston")["huston"]


# --- for a merge ------------------------------------------------------------------------------


def test_spellings_after_the_same_first_names_are_one_name(make_index):
    indexed = make_index(
        [
            *(article(f"p{i}", f"Vladimir Poutine a reçu des émissaires au Kremlin ({i}).") for i in range(3)),
            article("en", "Vladimir Putin met the press in Moscow."),
            *china(2),
        ]
    )
    assert ids(indexed, "Poutine") == {"p0", "p1", "p2", "en"}
    assert ids(indexed, "Putin") == {"p0", "p1", "p2", "en"}
    assert merged_reason(indexed, "Putin", "poutine") == "written after the same first names"


def andriys(n: int) -> list[dict]:
    """Andriy before many surnames: a first name too common to join two spellings by itself."""
    return [article(f"a{i}", f"Andriy Kostin{'abcdefghij'[i]} a parlé à Kiev ({i}).") for i in range(n)]


def test_a_rules_spellings_after_one_common_first_name_only_are_one_person(make_index):
    """Written among other names (Bruxelles, Borrell; Kiev), but after Andriy alone, each."""
    indexed = make_index(
        [
            *andriys(10),
            *(article(f"y{i}", f"Andriy Yermak, le chef de cabinet, a parlé à Kiev ({i}).") for i in range(4)),
            *(article(f"i{i}", f"Andriy Iermak, reçu à Bruxelles par Borrell ({i}).") for i in range(2)),
        ]
    )
    assert ids(indexed, "Iermak") == {"y0", "y1", "y2", "y3", "i0", "i1"}


def test_a_rules_spelling_after_the_first_name_of_a_minority_stays_apart(make_index):
    """Melnik written after Andriy only, but Melnyk mostly after Marie: another person's spelling."""
    indexed = make_index(
        [
            *andriys(10),
            *(article(f"m{i}", f"Marie Melnyk, députée, parle à l’Assemblée à Paris ({i}).") for i in range(4)),
            article("am", "Andriy Melnyk parle à l’Assemblée à Paris."),
            *(article(f"k{i}", f"Andriy Melnik a parlé à Kiev avec Zelensky ({i}).") for i in range(2)),
        ]
    )
    assert ids(indexed, "Melnik") == {"k0", "k1"}


def writers(first: str, surname: str, prefix: str, n: int) -> list[dict]:
    """``n`` articles about the writer ``first surname``, among the same names: Gallimard, Paris."""
    return [
        article(f"{prefix}{i}", f"{first} {surname} publie chez Gallimard un roman lu à Paris ({i}).") for i in range(n)
    ]


def test_a_typo_of_a_name_several_people_bear_stays_apart(make_index):
    """Morrison names Scott, Jim and Toni: Toni Morisson's article is not every Morrison's."""
    indexed = make_index(
        [
            *writers("Scott", "Morrison", "s", 6),
            *writers("Jim", "Morrison", "j", 3),
            *writers("Toni", "Morrison", "t", 2),
            article("typo", "Toni Morisson publie chez Gallimard un roman lu à Paris."),
        ]
    )
    assert ids(indexed, "Morisson") == {"typo"}
    assert "typo" not in ids(indexed, "Morrison")
    assert "several people" in rejected_reasons(indexed, "Morisson")["morrison"]


def test_a_spelling_of_a_name_two_people_bear_goes_with_its_own_person(make_index):
    """Hamdane is mostly Firas, once Mohamed; Hamdan mostly Mohamed: two people, not one's spellings."""
    indexed = make_index(
        [
            *writers("Mohamed", "Hamdan", "mh", 5),
            *writers("Firas", "Hamdan", "fh", 1),
            *writers("Firas", "Hamdane", "fe", 3),
            *writers("Mohamed", "Hamdane", "me", 1),
        ]
    )
    assert ids(indexed, "Hamdane") == {"fe0", "fe1", "fe2", "me0"}
    assert "several people" in rejected_reasons(indexed, "Hamdane")["hamdan"]


@pytest.mark.parametrize(
    ("firsts", "typo"),
    [
        ([("Naftali", 8), ("David", 2)], "Naftali Benett"),  # mostly one person's name
        ([("Stan", 5), ("Stanislas", 2)], "Stanislas Benett"),  # one first name, written short and long
    ],
)
def test_a_typo_of_one_persons_name_is_that_name(make_index, firsts, typo):
    people = [a for n, (first, count) in enumerate(firsts) for a in writers(first, "Bennett", f"b{n}-", count)]
    indexed = make_index([*people, article("typo", f"{typo} publie chez Gallimard un roman lu à Paris.")])
    assert ids(indexed, "Benett") == {"typo", *(a["id"] for a in people)}


def test_a_spelling_after_a_name_never_written_before_a_persons_name_stays_apart(make_index):
    """Colette Llaurens (her first name in no other article) among Camille Laurens's names."""
    indexed = make_index(
        [*writers("Camille", "Laurens", "c", 6), article("typo", "Colette Llaurens publie chez Gallimard à Paris.")]
    )
    assert ids(indexed, "Llaurens") == {"typo"}
    assert "another person" in rejected_reasons(indexed, "Llaurens")["laurens"]


def test_a_spelling_that_names_other_people_too_stays_apart(make_index):
    """Alliot is once a typo of Louis Aliot, but mostly Christophe and Pascal Alliot, whom Aliot never names."""

    def deputies(first: str, surname: str, prefix: str, n: int) -> list[dict]:
        said = "a parlé à Perpignan avec Marine Le Pen et Jordan Bardella"
        return [article(f"{prefix}{i}", f"{first} {surname} {said} ({i}).") for i in range(n)]

    indexed = make_index(
        [
            *deputies("Louis", "Aliot", "a", 8),
            *deputies("Christophe", "Alliot", "c", 2),
            *deputies("Pascal", "Alliot", "p", 2),
            *deputies("Louis", "Alliot", "typo", 1),
            *china(60),
        ]
    )
    assert ids(indexed, "Alliot") == {"c0", "c1", "p0", "p1", "typo0"}
    assert "other people" in rejected_reasons(indexed, "Alliot")["aliot"]


def test_a_variant_named_beside_the_usual_spelling_is_one_name(make_index):
    indexed = make_index(
        [
            *(article(f"k{i}", f"Les frappes sur Kharkiv ont repris ({i}).") for i in range(4)),
            article("both1", "À Kharkiv (Kharkov en russe), les sirènes."),
            article("both2", "Kharkov, devenue Kharkiv, se reconstruit."),
            *china(3),
        ]
    )
    assert ids(indexed, "Kharkov") == {"k0", "k1", "k2", "k3", "both1", "both2"}


def test_given_names_are_merged_beside_a_surname_never_alone(make_index):
    indexed = make_index(
        [
            article("fr1", "Sergueï Lavrov et Sergueï Choïgou sont à Moscou."),
            article("fr2", "Sergueï Lavrov a parlé ; Sergueï Sobianine aussi."),
            article("en1", "Sergei Lavrov and Sergei Shoigu met in Moscow."),
            article("en2", "Sergei Lavrov spoke."),
        ]
    )
    assert ids(indexed, '"Sergei Lavrov"') == {"fr1", "fr2", "en1", "en2"}
    assert ids(indexed, "Sergueï") == {"fr1", "fr2"}
    assert ids(indexed, "Sergei") == {"en1", "en2"}
    assert "given names" in rejected_reasons(indexed, "Sergueï")["sergei"]


def usual(word: str, n: int) -> list[dict]:
    """``n`` articles writing ``word`` as a name, with nothing else to go on."""
    return [article(f"u{i}", f"Les nouvelles de {word} sont arrivées ce matin ({i}).") for i in range(n)]


def test_a_one_letter_slip_in_articles_that_write_the_word_is_that_word(make_index):
    indexed = make_index(
        [*usual("Washington", 20), article("slip", "À Washngton, la Maison Blanche ; Washington dément.")]
    )
    assert ids(indexed, "Washngton") == {"slip", *(f"u{i}" for i in range(20))}
    assert "slip" in merged_reason(indexed, "Washngton", "washington")


def test_a_slip_of_a_given_name_is_a_given_name(make_index):
    """Merged alone, a slip of William would count every William for the one Wiliam."""
    indexed = make_index(
        [
            *(article(f"w{i}", f"William Shakespeare et William Blake sont relus ({i}).") for i in range(20)),
            article("slip", "Wiliam Vivanco chante à Cuba ; William Vivanco aussi."),
        ]
    )
    assert ids(indexed, "Wiliam") == {"slip"}
    assert "given names" in rejected_reasons(indexed, "Wiliam")["william"]


def test_a_one_letter_neighbour_in_other_articles_stays_apart(make_index):
    """The form alone: Marlis is a person in an article that never writes Marais."""
    indexed = make_index([*usual("Marais", 20), article("other", "La chanteuse Marlis a chanté à Berlin.")])
    assert ids(indexed, "Marlis") == {"other"}
    assert "other" not in ids(indexed, "Marais")


def test_a_slip_beside_a_name_never_beside_the_word_is_that_names(make_index):
    """Millan is one letter off Milan, in an article that writes Milan, but Romain Millan is a person."""
    indexed = make_index(
        [*usual("Milan", 20), article("other", "Le chercheur Romain Millan a parlé de Milan et de la Scala.")]
    )
    assert ids(indexed, "Millan") == {"other"}
    assert "never beside" in rejected_reasons(indexed, "Millan")["milan"]


def test_an_ending_is_no_slip(make_index):
    """A letter changed at the end makes another word, even beside the usual one."""
    indexed = make_index([*usual("Taylor", 20), article("other", "Taylord et Taylor ont signé.")])
    reasons = rejected_reasons(indexed, "Taylor")
    assert "taylord" in reasons and "slip" not in reasons["taylord"]


def test_a_letter_typed_three_times_is_a_slip_wherever_it_is(make_index):
    indexed = make_index([*usual("Russie", 20), article("slip", "La Russsie a répondu aux sanctions.")])
    assert ids(indexed, "Russsie") == {"slip", *(f"u{i}" for i in range(20))}


def test_a_slip_in_three_articles_that_all_write_the_word_is_that_word(make_index):
    slips = [article(f"slip{i}", f"L’invasion de l’Urkaine ; l’Ukraine résiste ({i}).") for i in range(3)]
    indexed = make_index([*usual("Ukraine", 60), *slips])
    assert ids(indexed, "Urkaine") == {f"slip{i}" for i in range(3)} | {f"u{i}" for i in range(60)}


def ukraine_at_war(n: int) -> list[dict]:
    """Articles writing Ukraine in its set phrase (la guerre en Ukraine) and in others."""
    return [
        article(f"u{i}", f"La guerre en Ukraine dure ({i})." if i % 2 else f"Le président visite l’Ukraine ({i}).")
        for i in range(n)
    ]


def test_a_slip_alone_in_its_article_written_in_the_word_s_set_phrase_is_the_word(make_index):
    """Urkraine's one article names no one Ukraine's articles name, but writes "la guerre en Urkraine"."""
    slip = article("slip", "Les prix négociés par Carrefour avant la guerre en Urkraine, selon l’Insee.")
    indexed = make_index([*ukraine_at_war(30), *china(10), slip])
    assert ids(indexed, "Urkraine") == {"slip", *(f"u{i}" for i in range(30))}
    assert "written in its phrases" in merged_reason(indexed, "Urkraine", "ukraine")
    shown = run_cli("names", "Urkraine", "--index", str(indexed.dir)).stdout
    assert "written in its phrases" in shown and "phrase 50%" in shown  # la guerre en Ukraine: half its articles


def test_a_slip_alone_in_phrases_the_word_is_never_written_in_stays_apart(make_index):
    other = article("other", "Le sculpteur Urkraine expose ses bronzes chez Carrefour, selon l’Insee.")
    indexed = make_index([*ukraine_at_war(30), *china(10), other])
    assert ids(indexed, "Urkraine") == {"other"}
    assert "ukraine" in rejected_reasons(indexed, "Urkraine")


@pytest.mark.parametrize(
    ("usual_name", "other_name", "ending"),
    [
        ("Rochette", "Rochet", "feminine doubled t"),  # Thoré-la-Rochette, Marc Rochet
        ("LGBTphobies", "LGBTphobes", "a field and its adjective"),
    ],
)
def test_a_feminine_or_adjective_ending_of_a_name_is_another_name(make_index, usual_name, other_name, ending):
    indexed = make_index(
        [
            *(article(f"u{i}", f"On parle de {usual_name} à Lyon ({i}).") for i in range(6)),
            *(article(f"o{i}", f"On parle de {other_name} à Lyon ({i}).") for i in range(2)),
        ]
    )
    assert ids(indexed, other_name) == {"o0", "o1"}, ending
    assert "ending" in rejected_reasons(indexed, other_name)[fold(usual_name)]


def test_a_slip_of_a_country_s_ending_is_still_a_slip(make_index):
    indexed = make_index([*usual("Mauritanie", 20), article("slip", "En Mauritane, Nouakchott ; la Mauritanie vote.")])
    assert ids(indexed, "Mauritane") == {"slip", *(f"u{i}" for i in range(20))}


def test_a_slip_with_no_names_around_it_is_listed_apart_with_no_context(make_index):
    """Nothing beside Helskinki to compare with Helsinki's articles: apart, and ``names --all`` says so."""
    indexed = make_index(
        among_its_names("À Helsinki, Sauli Niinistö parle de la Finlande", "Il neige à Helskinki.", "u")
    )
    assert ids(indexed, "Helskinki") == {"other"}
    shown = run_cli("names", "Helskinki", "--all", "--index", str(indexed.dir))
    assert shown.returncode == 0, shown.stderr
    assert "helsinki = helskinki" in shown.stdout and "no context to compare" in shown.stdout


def among_its_names(usual: str, other: str, prefix: str) -> list[dict]:
    """Twenty articles writing ``usual`` (numbered ``prefix0``…), ten about China, and one,
    ``other``, that names the same people under another spelling."""
    return [
        *(article(f"{prefix}{i}", f"{usual} ({i}).") for i in range(20)),
        *china(10),
        article("other", other),
    ]


@pytest.mark.parametrize(
    ("usual", "other", "slip", "word", "reason"),
    [
        # Helskinki's one article never writes Helsinki, but its names are those of Helsinki's articles
        (
            "À Helsinki, Sauli Niinistö parle de la Finlande et de la Suède",
            "À Helskinki, Sauli Niinistö dit que la Finlande rejoindra l’OTAN avec la Suède.",
            "Helskinki",
            "helsinki",
            "written among its names",
        ),
        # inside a hyphenated name joined to the same word: Charm El-Cheickh is Charm El-Cheikh
        (
            "À Charm El-Cheikh, Abdel Fattah Al-Sissi reçoit la COP27",
            "À Charm El-Cheickh, Abdel Fattah Al-Sissi ouvre la COP27.",
            "Cheickh",
            "cheikh",
            "written after the same first names",
        ),
    ],
)
def test_a_slip_alone_in_its_article_is_the_word_its_names_point_at(make_index, usual, other, slip, word, reason):
    indexed = make_index(among_its_names(usual, other, "u"))
    assert ids(indexed, slip) == {"other", *(f"u{i}" for i in range(20))}
    assert reason in merged_reason(indexed, slip, word)


def test_a_spelling_written_inside_another_hyphenated_name_stays_apart(make_index):
    """La Roche-Chalais, a village, is not Calais, though its one article names the same people."""
    indexed = make_index(
        among_its_names(
            "À Calais, Natacha Bouchart reçoit Gérald Darmanin et le préfet du Pas-de-Calais",
            "À La Roche-Chalais, Natacha Bouchart parle de Gérald Darmanin.",
            "c",
        )
    )
    assert ids(indexed, "Chalais") == {"other"}
    assert "inside another name" in rejected_reasons(indexed, "Chalais")["calais"]


def test_an_exonym_written_before_one_same_name_is_part_of_that_name(make_index):
    """Bahrain is the exonym table's Bahreïn, but here only the cycling team Bahrain Victorious."""
    indexed = make_index(
        [
            *(article(f"b{i}", f"Le roi de Bahreïn reçoit le prince héritier à Manama ({i}).") for i in range(10)),
            *(article(f"v{i}", f"L’équipe Bahrain Victorious gagne l’étape au sprint ({i}).") for i in range(4)),
            article("kyiv", "Le maire de Kyiv a reçu le roi de Bahreïn à Manama."),
            *(article(f"k{i}", f"À Kiev, le maire reçoit ({i}).") for i in range(6)),
        ]
    )
    assert ids(indexed, "Bahreïn") == {"kyiv", *(f"b{i}" for i in range(10))}
    assert "part of another name" in rejected_reasons(indexed, "Bahreïn")["bahrain"]
    assert "kyiv" in ids(indexed, "Kiev")  # the table's pair stands where nothing says otherwise


# --- where a count comes from, and merging turned off -------------------------------------------


def test_search_says_how_many_articles_each_spelling_brings(make_index):
    indexed = make_index(
        [
            *(article(f"p{i}", f"Vladimir Poutine a reçu des émissaires au Kremlin ({i}).") for i in range(3)),
            article("en", "Vladimir Putin met the press in Moscow."),
        ]
    )
    with Searcher(indexed.dir) as searcher:
        result = searcher.search("Poutine", SearchOptions())
        exact = searcher.search("Poutine", SearchOptions(exact_names=True))
    assert [(c.word, dict(c.counts)) for c in result.spellings] == [("poutine", {"Poutine": 3, "Putin": 1})]
    assert {h.id for h in exact.hits} == {"p0", "p1", "p2"} and exact.spellings == []
    shown = run_cli("search", "Poutine", "--index", str(indexed.dir))
    assert "poutine by spelling: 3 Poutine, 1 Putin" in shown.stdout
    document = json.loads(run_cli("search", "Poutine", "--index", str(indexed.dir), "--json").stdout)
    assert document["spellings"] == [{"word": "poutine", "articles": {"Poutine": 3, "Putin": 1}}]
    plain = json.loads(run_cli("search", "Poutine", "--exact-names", "--index", str(indexed.dir), "--json").stdout)
    assert plain["total"] == 3 and plain["spellings"] == []


def test_where_a_count_comes_from_follows_a_field_and_a_hyphenated_name(make_index):
    """title:Poutine counted where the whole index's Poutine came from, not its own matches; and
    the articles a name's count holds through the word in lower case were counted under no spelling."""
    indexed = make_index(
        [
            article("t", "Le Kremlin a parlé.", title="Poutine à Moscou"),
            *(article(f"p{i}", f"Vladimir Poutine a reçu des émissaires au Kremlin ({i}).") for i in range(3)),
            article("en", "Vladimir Putin met the press in Moscow."),
            article("dish", "Au Québec, une poutine au fromage."),
        ]
    )
    with Searcher(indexed.dir) as searcher:
        titled = searcher.search("title:Poutine", SearchOptions())
        hyphenated = searcher.search("Vladimir-Poutine", SearchOptions())
        alone = searcher.search("Poutine", SearchOptions())
    # the articles that match the word but none of its spellings as a name are said, not left to guess
    assert alone.total == 6 and [dict(c.counts) for c in alone.spellings] == [{"Poutine": 4, "Putin": 1}]
    assert "1 of the 6 articles hold none of these spellings as a name" in " ".join(alone.notes)
    assert titled.total == 1 and [dict(c.counts) for c in titled.spellings] == [{"Poutine": 1}]
    assert hyphenated.total == 4 and [dict(c.counts) for c in hyphenated.spellings] == [{"Poutine": 3, "Putin": 1}]


def test_a_variant_named_beside_the_usual_spelling_shows_how_often(make_index):
    """The evidence of "named together" is how many articles write both: it said "together 0"."""
    indexed = make_index(
        [
            *(article(f"k{i}", f"À Kiev, les sirènes ont retenti ({i}).") for i in range(6)),
            *(article(f"b{i}", f"À Kiev (Kyiv en ukrainien), le métro est fermé ({i}).") for i in range(3)),
        ]
    )
    (word,) = names_json(indexed, "Kyiv")["words"]
    kiev = next(s for s in word["spellings"] if s["spelling"] == "kiev")
    (link,) = kiev["links"]
    assert "named together" in link["evidence"]["reason"] and link["evidence"]["together"] == 3
    assert "together 3" in run_cli("names", "Kyiv", "--index", str(indexed.dir)).stdout


def test_names_all_lists_the_candidates_decided_apart(make_index):
    indexed = make_index(
        [*china(6), article("s1", "Martin Sheen à Hollywood."), article("s2", "Martin Sheen et Charlie Sheen.")]
    )
    shown = run_cli("names", "Sheen", "--all", "--index", str(indexed.dir))
    assert shown.returncode == 0, shown.stderr
    assert "decided apart (1)" in shown.stdout and "chine = sheen" in shown.stdout
    assert "decided apart" not in run_cli("names", "Sheen", "--index", str(indexed.dir)).stdout


def test_a_table_decided_by_other_rules_is_decided_again_by_the_next_index_run(make_index):
    """An upgrade of searchkit changes the decision: ``searchkit index`` over unchanged articles redecides."""
    indexed = make_index(
        [
            *(article(f"p{i}", f"Vladimir Poutine a reçu des émissaires au Kremlin ({i}).") for i in range(3)),
            article("en", "Vladimir Putin met the press in Moscow."),
        ]
    )
    table = current_generation(indexed.dir) / "variants.sqlite"
    with closing(sqlite3.connect(table)) as db, db:  # what an earlier version wrote: other merges
        db.execute("UPDATE facts SET value = '1' WHERE name = 'decision_version'")
        db.execute("DELETE FROM merged")
    assert ids(indexed, "Putin") == {"en"}
    done = run_cli("index", str(indexed.corpus), "--index", str(indexed.dir))
    assert done.returncode == 0, done.stderr
    assert ids(indexed, "Putin") == {"p0", "p1", "p2", "en"}


# --- an update decides again what its articles touch ---------------------------------------------


def merged_groups(index_dir) -> set[frozenset[str]]:
    """The groups of spellings the index's table searches together."""
    with closing(sqlite3.connect(current_generation(index_dir) / "variants.sqlite")) as db:
        groups: dict[str, set[str]] = {}
        for key, group in db.execute("SELECT key, grp FROM merged"):
            groups.setdefault(group, set()).add(key)
    return {frozenset(g) for g in groups.values()}


def table_facts_of(index_dir) -> dict:
    with closing(sqlite3.connect(current_generation(index_dir) / "variants.sqlite")) as db:
        return {name: json.loads(value) for name, value in db.execute("SELECT name, value FROM facts")}


def decided_corpus() -> list[dict]:
    """Seventy-five articles with pairs to decide either way: Kadhafi and Khadafi (one man, learned),
    Poutine and Putin, Kiev and Kyiv, Chine and Sheen."""
    return [
        *(article(f"p{i}", f"Vladimir Poutine a reçu des émissaires à Kiev ({i}).") for i in range(4)),
        article("en", "Vladimir Putin met the press in Kyiv."),
        *china(30),
        *usual("Washington", 30),
        *(article(f"k{i}", f"Le dirigeant libyen Mouammar Kadhafi à Tripoli ({i}).") for i in range(6)),
        *(article(f"kh{i}", f"Selon la presse, Mouammar Khadafi a quitté Tripoli ({i}).") for i in range(2)),
        article("s1", "Martin Sheen à Hollywood."),
        article("s2", "Martin Sheen et Charlie Sheen."),
    ]


def rebuilt_alike(tmp_path, corpus) -> set[frozenset[str]]:
    """The groups a fresh build of ``corpus`` gives."""
    build_index([corpus], tmp_path / "rebuilt", rebuild=True)
    return merged_groups(tmp_path / "rebuilt")


def test_an_update_decides_again_only_the_pairs_its_articles_write_and_merges_as_a_rebuild(make_index, tmp_path):
    """A one-article append to a large archive must not weigh every pair of the table again."""
    articles = decided_corpus()
    indexed = make_index(articles)
    before = table_facts_of(indexed.dir)
    assert before["decided_again"] == before["decisions"] >= 3  # a build decides every pair
    slip = article("slip", "À Washngton, la Maison Blanche ; Washington dément.")
    write_jsonl(indexed.corpus, [*articles, slip])
    done = run_cli("index", str(indexed.corpus), "--index", str(indexed.dir))
    assert done.returncode == 0, done.stderr
    after = table_facts_of(indexed.dir)
    assert after["drift"] == 1 and 1 <= after["decided_again"] < after["decisions"]
    assert ids(indexed, "Washngton") == {"slip", *(f"u{i}" for i in range(30))}
    assert ids(indexed, "Khadafi") == {*(f"k{i}" for i in range(6)), "kh0", "kh1"}  # carried, as decided
    assert "s1" not in ids(indexed, "Chine")
    assert merged_groups(indexed.dir) == rebuilt_alike(tmp_path, indexed.corpus)
    # the pairs proposed, those of the keys the article wrote among them, are the rebuild's
    assert proposed_pairs(indexed.dir) == proposed_pairs(tmp_path / "rebuilt")


def test_an_update_hands_on_the_learned_merges_it_does_not_touch_without_judging_them_again(make_index, monkeypatch):
    """Judging whether a learned merge stands reads its spellings' articles: an update hands on
    those whose spellings no article it added writes, as it hands on their decisions, and judges
    again those it touches."""
    from searchkit.names.decision import Judge

    articles = decided_corpus()
    indexed = make_index(articles)
    judged: list[tuple[str, str]] = []
    keeps = Judge.keeps
    monkeypatch.setattr(Judge, "keeps", lambda judge, merge: judged.append((merge.a, merge.b)) or keeps(judge, merge))
    slip = article("slip", "À Washngton, la Maison Blanche ; Washington dément.")
    write_jsonl(indexed.corpus, [*articles, slip])
    build_index([indexed.corpus], indexed.dir)
    assert ("kadhafi", "khadafi") not in judged
    assert ids(indexed, "Khadafi") == {*(f"k{i}" for i in range(6)), "kh0", "kh1"}  # handed on, still merged
    touching = article("kh2", "Mouammar Khadafi et ses fils, selon Tripoli.")
    write_jsonl(indexed.corpus, [*articles, slip, touching])
    build_index([indexed.corpus], indexed.dir)
    assert ("kadhafi", "khadafi") in judged
    assert ids(indexed, "Kadhafi") == {*(f"k{i}" for i in range(6)), "kh0", "kh1", "kh2"}


def test_an_update_computes_again_the_keys_a_table_kept_from_other_rules(make_index):
    """An update takes the keys of the spellings from the table before it, unless that table's
    keys were computed by other rules (an earlier searchkit): a stale key would split a name."""
    articles = decided_corpus()
    indexed = make_index(articles)
    table = current_generation(indexed.dir) / "variants.sqlite"
    with closing(sqlite3.connect(table)) as db, db:
        (key,) = db.execute("SELECT key FROM keys WHERE spelling = 'kyiv'").fetchone()
        db.execute("UPDATE keys SET key = 'zzz', shape = 'zzz' WHERE spelling = 'kyiv'")
        db.execute("UPDATE facts SET value = '\"other rules\"' WHERE name = 'key_rules'")
    write_jsonl(indexed.corpus, [*articles, article("new", "Vladimir Poutine à Moscou.")])
    done = run_cli("index", str(indexed.corpus), "--index", str(indexed.dir))
    assert done.returncode == 0, done.stderr
    with closing(sqlite3.connect(table)) as db:
        assert db.execute("SELECT key FROM keys WHERE spelling = 'kyiv'").fetchone() == (key,)
    assert "en" in ids(indexed, "Kiev")


def proposed_pairs(index_dir) -> list[tuple[str, str, str]]:
    with closing(sqlite3.connect(current_generation(index_dir) / "variants.sqlite")) as db:
        return db.execute("SELECT a, b, proposed FROM decisions").fetchall()


class _Counts:
    """The one thing proposing reads of the evidence: how many articles write each spelling."""

    def __init__(self, counts: dict[str, int]) -> None:
        self._counts = counts

    def count(self, spelling: str) -> int:
        return self._counts.get(spelling, 0)


def test_an_update_proposes_for_the_keys_it_touches_the_pairs_a_full_pass_proposes():
    """``propose_touching`` looks up the shapes of the touched keys alone; whatever the keys
    touched, it must give the pairs of ``propose`` that hold them, in the same order: rule and
    exonym spellings, one skeleton, one deletion, and shapes shared by more keys than
    ``MAX_SHAPE``, which pair none: a skeleton, and a deletion that one key with a doubled
    vowel holds twice (twenty keys, twenty-one entries)."""
    import itertools
    import random

    from searchkit.names.decision import MAX_SHAPE, propose, propose_touching
    from searchkit.names.keys import name_key, skeleton, spellings_by_key

    rng = random.Random(19)
    letters = "abdeiklmnorstuvz"
    spellings = {"kiev", "kyiv", "chernobyl", "tchernobyl", "choigou", "shoigu", "poutine", "putin"}
    for _ in range(60):
        stem = "".join(rng.choice(letters) for _ in range(rng.randint(5, 9)))
        spellings |= {stem, stem + "ov", stem + "ev"}
        for _ in range(4):  # one-letter slips: a letter changed, doubled, dropped
            i = rng.randrange(len(stem))
            spellings |= {stem[:i] + rng.choice(letters) + stem[i + 1 :], stem[:i] + stem[i] + stem[i:]}
            spellings.add(stem[:i] + stem[i + 1 :])
    one_shape = ["k" + a + "l" + b + "m" + c + "n" for a, b, c in itertools.product("aeo", repeat=3)]
    assert len({skeleton(name_key(s)) for s in one_shape}) == 1 and len(one_shape) > MAX_SHAPE
    deletion = "tarimelo"
    inserted = {deletion[:i] + c + deletion[i:] for i in range(1, len(deletion)) for c in "bdt"}
    inserted = sorted(s for s in inserted if name_key(s) == s and "aa" not in s)[: MAX_SHAPE - 1]
    crowded = [*inserted, "taarimelo"]  # taarimelo's deletions of its first and second a are both tarimelo
    assert [name_key(s) for s in crowded] == crowded
    assert (
        len(crowded) == MAX_SHAPE
        and sum(sum(s[:i] + s[i + 1 :] == deletion for i in range(len(s))) for s in crowded) == MAX_SHAPE + 1
    )
    spellings = sorted(spellings | set(one_shape) | set(crowded))
    counts = _Counts({s: rng.choice([1, 2, 3, 15, 40, 400]) for s in spellings})
    full = propose(spellings_by_key(spellings), counts)
    assert {"rule", "exonym", "form"} <= {how for _, _, how in full}

    def holding(keys: set[str]) -> list[tuple[str, str, str]]:
        return [p for p in full if {name_key(p[0]), name_key(p[1])} & keys]

    keys = sorted({name_key(s) for s in spellings})
    for touched in [{"taarimelo"}, {crowded[0]}, {one_shape[0]}, *({k} for k in keys)]:
        assert propose_touching(touched, spellings_by_key(spellings), counts) == holding(touched), touched
    for _ in range(20):
        touched = set(rng.sample(keys, rng.randint(2, 12)))
        assert propose_touching(touched, spellings_by_key(spellings), counts) == holding(touched)


def test_an_update_past_the_drift_share_decides_every_pair_again(make_index):
    """Five articles in eighty move the index's rarities and names: nothing is carried."""
    articles = decided_corpus()
    indexed = make_index(articles)
    more = [article(f"n{i}", f"Mouammar Khadafi et Washington ({i}).") for i in range(5)]
    write_jsonl(indexed.corpus, [*articles, *more])
    done = run_cli("index", str(indexed.corpus), "--index", str(indexed.dir))
    assert done.returncode == 0, done.stderr
    facts = table_facts_of(indexed.dir)
    assert facts["drift"] == 0 and facts["decided_again"] == facts["decisions"]


def test_a_spelling_whose_articles_were_all_removed_searches_its_rule_variants(make_index):
    """Choïgou's one article removed by an update: the archive no longer holds that spelling,
    so a search for it finds the spellings the rules give it (Choïgu), as in any archive."""
    articles = [
        article("ou", "Sergueï Choïgou a parlé à Moscou."),
        *(article(f"u{i}", f"Le ministre Choïgu a parlé à Moscou ({i}).") for i in range(3)),
    ]
    indexed = make_index(articles)
    write_jsonl(indexed.corpus, articles[1:])
    done = run_cli("index", str(indexed.corpus), "--index", str(indexed.dir))
    assert done.returncode == 0, done.stderr
    assert ids(indexed, "Choïgou") == {"u0", "u1", "u2"}


def test_names_counts_a_phrase_s_spellings_in_the_articles_it_matches(make_index):
    """``names '"Jean Marc"'`` listed Jeann (a singer's surname) with its 3 articles, none of which
    the phrase matches: in a phrase, each spelling is counted in the phrase's articles."""
    indexed = make_index(
        [
            *(article(f"jm{i}", f"Jean Marc a présenté son film ({i}).") for i in range(3)),
            *(article(f"jd{i}", f"Jean Dupont a répondu ({i}).") for i in range(2)),
            *(article(f"mj{i}", f"La chanteuse Merryn Jeann jouera ce soir ({i}).") for i in range(2)),
        ]
    )
    (jean, marc) = names_json(indexed, '"Jean Marc"')["words"]
    by_spelling = {s["spelling"]: s for s in jean["spellings"]}
    assert jean["matched"] == marc["matched"] == len(ids(indexed, '"Jean Marc"')) == 3
    assert (by_spelling["jean"]["articles"], by_spelling["jean"]["in_phrase"]) == (5, 3)
    assert (by_spelling["jeann"]["articles"], by_spelling["jeann"]["in_phrase"]) == (2, 0)
    shown = run_cli("names", '"Jean Marc"', "--index", str(indexed.dir)).stdout
    assert "counted in the 3 articles the phrase matches" in shown
    alone = {s["spelling"]: s for s in names_json(indexed, "Jean")["words"][0]["spellings"]}
    assert alone["jean"]["in_phrase"] is None and "jeann" not in alone


def test_names_says_how_many_articles_hold_the_word_but_none_of_its_spellings_as_a_name(make_index):
    """``names Zelenskiy`` said no article held it, while search found 2 (``@zelenskiy_official``)."""
    indexed = make_index(
        [
            *(article(f"z{i}", f"Un message de Volodymyr Zelensky ({i}).") for i in range(3)),
            *(article(f"i{i}", f"Une publication partagée par @zelenskiy_official ({i}).") for i in range(2)),
            *(article(f"p{i}", f"Vladimir Poutine a parlé ({i}).") for i in range(3)),
            article("plat", "La poutine est un plat québécois."),
        ]
    )
    (word,) = names_json(indexed, "Zelenskiy")["words"]
    assert (word["matched"], word["unnamed"]) == (len(ids(indexed, "Zelenskiy")), 2) == (2, 2)
    (word,) = names_json(indexed, "Poutine")["words"]
    assert (word["matched"], word["unnamed"]) == (len(ids(indexed, "Poutine")), 1) == (4, 1)
    shown = run_cli("names", "Poutine", "--index", str(indexed.dir)).stdout
    assert "1 of the 4 articles it matches holds none of these spellings as a name" in shown


def test_a_name_no_article_holds_suggests_the_transliteration_the_articles_use(make_index):
    """``search Gaddafi`` suggested Gaïdaï (one edit nearer) rather than Kadhafi: a capitalised
    word no article holds suggests the name of its consonant shape whose key is nearest."""
    indexed = make_index(
        [
            *(article(f"k{i}", f"Mouammar Kadhafi a parlé à Tripoli ({i}).") for i in range(6)),
            *(article(f"g{i}", f"Le cinéaste Leonid Gaïdaï a tourné une comédie ({i}).") for i in range(2)),
            *(article(f"m{i}", f"Emmanuel Macron a répondu sur l’économie ({i}).") for i in range(4)),
            article("e", "Le magazine Economy Today paraît à Londres."),
        ]
    )

    def suggested(query: str) -> list[str]:
        return [s.query for s in indexed.search(query).suggestions]

    assert suggested("Gaddafi") == suggested("Qaddafi") == ["Kadhafi"]
    assert suggested("Macrom") == ["Macron"]  # a nearer name of another shape is still the one suggested
    assert suggested("econommie") == ["économie"]  # in lower case, a word's slip: not the name Economy
    assert suggested("Gaïdaï") == suggested("Kadhafi") == []
