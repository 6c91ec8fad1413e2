"""Spellings learned from the corpus (searchkit.names.learning), the alias file, ``searchkit names``,
``=`` exact spellings and ``--explain`` naming where a variant comes from.

Each corpus is written for the case it shows: the evidence learning reads is
the first name written before a surname (Mouammar Kadhafi, Mouammar Khadafi).
"""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import pytest
from helpers import article, open_live, run_cli, write_jsonl

from searchkit.analysis import fold
from searchkit.errors import UsageError
from searchkit.indexing import build_index
from searchkit.names.aliases import find_aliases, load_aliases
from searchkit.names.keys import skeleton
from searchkit.names.learning import edit_distance
from searchkit.names.table import Variants, table_facts
from searchkit.search import SearchOptions, search


def _articles() -> list[dict]:
    """Le Monde-like sentences: one person under two spellings with the same first name,
    pairs of distinct people whose names look alike, and given names."""
    texts = []
    texts += ["Le dirigeant libyen Mouammar Kadhafi a reçu une délégation à Tripoli."] * 8
    texts += ["Selon la presse, Mouammar Khadafi aurait quitté Tripoli."] * 3
    texts += ["Le guide suprême, l’ayatollah Ali Khamenei, a parlé à Téhéran."] * 6
    texts += ["La révolution de l’ayatollah Rouhollah Khomeini a changé l’Iran en 1979."] * 4
    texts += ["Le porte-parole du Kremlin, Dmitri Peskov, a démenti."] * 5
    texts += ["Le premier ministre bulgare, Kiril Petkov, a démissionné."] * 3
    texts += ["Le président ukrainien, Volodymyr Zelensky, a parlé."] * 6
    texts += ["La première dame, Olena Zelenska, était à Paris."] * 3
    texts += ["Le premier ministre hongrois, Viktor Orban, a gagné les élections."] * 5
    texts += ["Le dirigeant Victor Orban a rencontré la presse à Budapest."] * 2
    texts += ["Victor Hugo écrivait à Guernesey."] * 4
    texts += ["Le footballeur Denis Bouanga a marqué. Denis Bouanga célèbre."] * 3
    texts += ["La chanteuse Deniz Tek est en tournée. Deniz Tek chante."] * 3
    texts += ["Le Fatah et le Hamas à Gaza ; Gazprom et la Russie."] * 2
    texts += ["Le général Abdel Fattah Al-Sissi au Caire."] * 2
    texts += ["Sergueï Choïgou et Sergei Shoigu, le même ministre."] * 2
    return [article(str(i), text) for i, text in enumerate(texts, 1)]


@pytest.fixture(scope="module")
def learned(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("learned")
    write_jsonl(root / "corpus.jsonl", _articles())
    build_index([root / "corpus.jsonl"], root / "index")
    return root / "index"


def _spellings(index_dir: Path, word: str, surname: str | None = None) -> set[str]:
    with open_live(index_dir) as index:
        variants = Variants(index)
        try:
            return variants.spellings_before(fold(word), fold(surname)) if surname else variants.spellings(fold(word))
        finally:
            variants.close()


def _ids(index_dir: Path, query: str) -> set[str]:
    return {hit.id for hit in search(index_dir, query, SearchOptions(limit=100, match_all=True)).hits}


def test_shared_first_names_merge_spellings_no_rule_reaches(learned: Path) -> None:
    assert "khadafi" in _spellings(learned, "Kadhafi")
    assert "kadhafi" in _spellings(learned, "Khadafi")
    assert _ids(learned, "Khadafi") == {str(i) for i in range(1, 12)}  # the 8 Kadhafi and the 3 Khadafi


@pytest.mark.parametrize(
    ("a", "b"),
    [("Khamenei", "Khomeini"), ("Peskov", "Petkov"), ("Zelensky", "Zelenska")],
)
def test_different_first_names_or_distinct_names_stay_apart(learned: Path, a: str, b: str) -> None:
    assert fold(b) not in _spellings(learned, a)
    assert fold(a) not in _spellings(learned, b)


def test_distinct_pairs_of_the_analysis_cases_stay_apart(learned: Path) -> None:
    for a, b in [("Iran", "Irak"), ("Gaza", "Gazprom"), ("Khamenei", "Khomeini")]:
        assert fold(b) not in _spellings(learned, a), (a, b)


def test_given_names_are_learned_beside_one_surname_only(learned: Path) -> None:
    assert "victor" in _spellings(learned, "Viktor", "Orban")  # Viktor Orban = Victor Orban
    assert "victor" not in _spellings(learned, "Viktor")  # never Viktor = Victor
    assert "deniz" not in _spellings(learned, "Denis") and "denis" not in _spellings(learned, "Deniz")
    orban = _ids(learned, '"Viktor Orban"')
    assert len(orban) == 7  # the 5 Viktor Orban and the 2 Victor Orban…
    assert not orban & _ids(learned, '"Victor Hugo"')  # …and no Victor Hugo


def test_learning_is_stamped_with_its_evidence_and_cost(learned: Path) -> None:
    with open_live(learned) as index:
        facts = table_facts(index)
        variants = Variants(index)
        sources = variants.sources("khadafi")
        variants.close()
    assert facts["merges"] >= 1 and facts["learning_seconds"] >= 0
    source, links = sources["kadhafi"]
    assert source == "learned"
    assert links[0]["evidence"]["first_names"] == {"muamar": [8, 3]}


def test_close_keys() -> None:
    assert skeleton("kadhafi") == "kdf"
    assert edit_distance("zavahiri", "zauahiri") == 1  # Zawahiri, Zaouahiri
    assert skeleton("kadhafi") == skeleton("gadafi")
    assert edit_distance("zelenksi", "zelenski") == 1  # a swap is one edit
    assert edit_distance("kadhafi", "khadafi") == 2


def _corpus(tmp_path: Path, aliases: str | None) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    write_jsonl(folder / "articles.jsonl", _articles())
    if aliases is not None:
        (folder / "aliases.toml").write_text(aliases, encoding="utf-8")
    return folder


def test_alias_file_adds_and_splits_merges_and_an_update_applies_it(tmp_path: Path) -> None:
    folder = _corpus(
        tmp_path, 'merge = [["Tripoli", "Caire"]]\nsplit = [["Kadhafi", "Khadafi"], ["Choïgou", "Shoigu"]]\n'
    )
    index_dir = tmp_path / "index"
    build_index([folder], index_dir)
    assert "caire" in _spellings(index_dir, "Tripoli")  # added
    assert "khadafi" not in _spellings(index_dir, "Kadhafi")  # a learned merge split
    assert "shoigu" not in _spellings(index_dir, "Choïgou")  # a rule's merge split: the file wins
    (folder / "aliases.toml").write_text("# no aliases any more\n", encoding="utf-8")
    report = build_index([folder], index_dir)  # no article changed: the table alone is rewritten
    assert report.mode == "update" and report.added == report.updated == report.removed == 0
    assert "khadafi" in _spellings(index_dir, "Kadhafi")
    assert "caire" not in _spellings(index_dir, "Tripoli")
    assert "shoigu" in _spellings(index_dir, "Choïgou")


def test_alias_file_given_on_the_command_line_and_its_errors(tmp_path: Path) -> None:
    folder = _corpus(tmp_path, None)
    aliases = tmp_path / "mine.toml"
    aliases.write_text('merge = [["Petkov", "Peskov"]]\n', encoding="utf-8")
    done = run_cli("index", str(folder), "--index", str(tmp_path / "index"), "--aliases", str(aliases), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "petkov" in _spellings(tmp_path / "index", "Peskov")
    aliases.write_text('merge = [["Petkov Peskov"]]\n', encoding="utf-8")
    bad = run_cli("index", str(folder), "--index", str(tmp_path / "index"), "--aliases", str(aliases))
    assert bad.returncode == 2 and "alias file" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ('merge = [["Trump", 5]]', "merge entry 1 holds 5, which is not a string: quote each spelling"),
        ('split = [["Fatah", true]]', "split entry 1 holds true, which is not a string"),
        ('merge = [["Trump", ["Donald"]]]', "merge entry 1 holds a list, which is not a string"),
        (
            'merge = [["Kadhafi", "Gaddafi"], "Trump"]',
            'merge entry 2 must be a list of spellings (["Kadhafi", "Gaddafi"]), not \'Trump\'',
        ),
        ('merge = [["Trump"]]', "merge entry 1 must list two spellings or more, not 1"),
        ('merge = [["Trump", "TRUMP"]]', "merge entry 1: Trump, TRUMP are one spelling once accents and case"),
        ('merge = "Trump"', "merge must be a list of lists of spellings"),
        ('merge = [["Petkov Peskov"]]', "merge entry 1: 'Petkov Peskov' is not one word"),
    ],
)
def test_alias_file_errors_say_what_is_wrong_in_the_entry(tmp_path: Path, written: str, says: str) -> None:
    aliases = tmp_path / "aliases.toml"
    aliases.write_text(written + "\n", encoding="utf-8")
    with pytest.raises(UsageError) as raised:
        load_aliases(aliases)
    assert says in str(raised.value)
    assert str(raised.value).startswith(f"alias file {aliases}: ")


def test_alias_file_given_as_a_folder_says_it_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"is a folder: give the TOML file itself$"):
        find_aliases([], tmp_path)
    (tmp_path / "aliases.toml").write_text("", encoding="utf-8")
    with pytest.raises(UsageError, match=r"is a folder: give the TOML file itself \(--aliases .*aliases.toml\?\)"):
        find_aliases([], tmp_path)
    with pytest.raises(UsageError, match="no such alias file"):
        find_aliases([], tmp_path / "nope.toml")


def test_names_lists_each_spelling_with_its_source_and_evidence(learned: Path) -> None:
    shown = run_cli("names", "Kadhafi", "--index", str(learned))
    assert shown.returncode == 0, shown.stderr
    assert "Kadhafi" in shown.stdout and "Khadafi" in shown.stdout and "learned" in shown.stdout
    assert "muamar 8/3" in shown.stdout
    found = json.loads(run_cli("names", "Kadhafi", "--index", str(learned), "--json").stdout)
    (word,) = found["words"]
    by_spelling = {s["spelling"]: s for s in word["spellings"]}
    assert by_spelling["kadhafi"]["source"] == "query" and by_spelling["kadhafi"]["articles"] == 8
    assert by_spelling["khadafi"]["source"] == "learned" and by_spelling["khadafi"]["written"] == "Khadafi"
    assert by_spelling["khadafi"]["links"][0]["evidence"]["first_names"] == {"muamar": [8, 3]}
    rule = json.loads(run_cli("names", "Choïgou", "--index", str(learned), "--json").stdout)
    assert {s["spelling"]: s["source"] for s in rule["words"][0]["spellings"]} == {"choigou": "query", "shoigu": "rule"}
    nothing = run_cli("names", "Xyzzyq", "--index", str(learned))
    assert nothing.returncode == 1


def _listed(index: Path, query: str) -> dict[str, set[str]]:
    found = json.loads(run_cli("names", query, "--index", str(index), "--json").stdout)
    return {w["word"]: {s["spelling"] for s in w["spellings"]} for w in found["words"]}


def test_names_reads_its_query_as_search_does(learned: Path) -> None:
    """Operators are not names, words under NOT are listed as what they exclude, and a given
    name gets the spellings learned beside a surname only in a phrase, as in a search."""
    assert _listed(learned, "NOT Kadhafi") == _listed(learned, "Kadhafi")
    assert _listed(learned, "Kadhafi OR Choïgou") == _listed(learned, "Kadhafi") | _listed(learned, "Choïgou")
    assert "victor" in _listed(learned, '"Viktor Orban"')["viktor"]
    assert "victor" not in _listed(learned, "Viktor Orban")["viktor"]
    assert _ids(learned, "Viktor Orban") == _ids(learned, "Viktor") & _ids(learned, "Orban")
    mixed = json.loads(run_cli("names", "=Khadafi Kadhafi", "--index", str(learned), "--json").stdout)
    assert [(w["word"], w["exact"], len(w["spellings"])) for w in mixed["words"]] == [
        ("khadafi", True, 1),
        ("kadhafi", False, 2),
    ]
    for query, says in [("ukrain*", "prefixes and fuzzy words"), ("le la", "no name to look up"), ("(kadhafi", "")]:
        refused = run_cli("names", query, "--index", str(learned))
        assert refused.returncode == 2 and says in refused.stderr, refused.stderr


def test_exact_spelling_searches_one_spelling_only(learned: Path) -> None:
    assert _ids(learned, "=Khadafi") == {"9", "10", "11"}
    found = json.loads(run_cli("names", "=Khadafi", "--index", str(learned), "--json").stdout)
    assert found["exact"] is True
    assert [s["spelling"] for s in found["words"][0]["spellings"]] == ["khadafi"]


def test_explain_names_the_source_of_a_variant(learned: Path) -> None:
    result = search(learned, "Khadafi", SearchOptions(limit=20, explain=True, match_all=True))
    matches = {(m.word, m.kind, m.source) for hit in result.hits for part in hit.explanation for m in part.matches}
    assert ("Kadhafi", "variant", "learned") in matches
    assert ("Khadafi", "exact", None) in matches
    rule = search(learned, "Choïgou", SearchOptions(limit=5, explain=True))
    assert ("Shoigu", "variant", "rule") in {
        (m.word, m.kind, m.source) for hit in rule.hits for part in hit.explanation for m in part.matches
    }
    shown = run_cli("search", "Khadafi", "--index", str(learned), "--explain", "--all")
    assert "variant (learned)" in shown.stdout


def _learned_tables(index_dir: Path) -> dict[str, list]:
    """The rows of the live variant table's learning: its tables but the run's facts, its stamp,
    the spellings of each key and the key of each spelling (which keep those of removed articles
    until Whoosh merges their segment) and the evidence's counts; the pairs merged and the links."""
    import sqlite3

    from searchkit.generations import current_generation
    from searchkit.names.table import VARIANTS_FILE

    db = sqlite3.connect(current_generation(index_dir) / VARIANTS_FILE)
    try:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {
            name: sorted(db.execute(f"SELECT * FROM {name}").fetchall())
            for name in tables
            if name not in ("facts", "stamp", "variants", "keys", "decisions", "links")
        }
        # what was merged; the evidence's counts hold removed articles until Whoosh merges their segment
        found["merged pairs"] = sorted(db.execute("SELECT a, b, proposed FROM decisions WHERE merged").fetchall())
        found["links"] = sorted(db.execute("SELECT key_a, key_b, source, surname FROM links").fetchall())
        return found
    finally:
        db.close()


def test_updates_learn_what_a_rebuild_of_the_same_corpus_learns(tmp_path: Path, monkeypatch) -> None:
    """Each update brings the pairs of names up to date from the articles it added,
    changed and removed, never reading the stored articles again, and learns what
    learning from scratch learns: merges created and removed by updates included."""
    import searchkit.names.learning

    base = _articles()
    khadafi = [a for a in base if "Khadafi" in a["body"]]
    orban = [a for a in base if "Victor Orban" in a["body"]]
    changed = {**base[0], "body": "Mouammar Khadafi, dit aussi Mouammar Kadhafi, à Syrte."}
    steps = [
        [a for a in base if a not in khadafi],  # no Khadafi: nothing to merge Kadhafi with
        base,  # the Khadafi articles added: a merge learned
        [changed, *(a for a in base[1:] if a not in orban)],  # one changed, Victor Orban gone
        [a for a in base[1:] if a not in khadafi and a not in orban],  # Khadafi gone: the merge too
    ]
    corpus, index_dir = tmp_path / "corpus.jsonl", tmp_path / "index"
    learned_here = []
    for number, articles in enumerate(steps):
        write_jsonl(corpus, articles)
        if number == 1:

            def no_second_pass(index):
                raise AssertionError("an update read every stored article")

            monkeypatch.setattr(searchkit.names.learning, "gather", no_second_pass)
        build_index([corpus], index_dir, allow_shrink=True)
        rebuilt = tmp_path / f"rebuilt-{number}"
        build_index([corpus], rebuilt)
        assert _learned_tables(index_dir) == _learned_tables(rebuilt), f"step {number}"
        for name in ("Kadhafi", "Viktor", "Orban"):
            here = run_cli("names", name, "--index", str(index_dir), "--json")
            assert here.stdout == run_cli("names", name, "--index", str(rebuilt), "--json").stdout
        learned_here.append("khadafi" in _spellings(index_dir, "Kadhafi"))
        learned_here.append("victor" in _spellings(index_dir, "Viktor", "Orban"))
    # the merges were created and removed by updates, not carried over
    assert learned_here == [False, True, True, True, True, False, False, False]


def _whole_table(index_dir: Path) -> dict[str, list]:
    """Every row of every table of the live variant table, in its stored order, but the
    run's timings: what a user's ``names`` and searches may read."""
    import sqlite3

    from searchkit.generations import current_generation
    from searchkit.names.table import VARIANTS_FILE

    timings = {"learning_seconds", "gather_seconds", "decision_seconds", "write_seconds"}
    db = sqlite3.connect(current_generation(index_dir) / VARIANTS_FILE)
    try:
        tables = sorted(name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
        found = {name: db.execute(f"SELECT * FROM {name}").fetchall() for name in tables}
    finally:
        db.close()
    found["facts"] = [row for row in found["facts"] if row[0] not in timings]
    return found


def test_an_update_changes_the_table_in_a_copy_into_the_table_written_whole(tmp_path: Path, monkeypatch) -> None:
    """An update rewrites only the rows of the spellings and pairs its articles added and
    removed, in a copy of the table: after each update (articles added, changed, removed,
    an alias file's merge and split), the table is row for row the one written whole."""
    import sqlite3

    import searchkit.names.table

    base = _articles()
    khadafi = [a for a in base if "Khadafi" in a["body"]]
    changed = {**base[0], "body": "Mouammar Khadafi, dit aussi Mouammar Kadhafi, à Syrte. Zinédine Zidane."}
    steps = [[a for a in base if a not in khadafi], base, [changed, *base[1:]], base[5:], base[5:]]
    patched, whole = tmp_path / "patched", tmp_path / "whole"
    corpus = tmp_path / "corpus.jsonl"
    aliases = tmp_path / "aliases.toml"
    patches, written = [], []
    patch = searchkit.names.table._patch

    def counted(*args) -> None:
        patches.append(True)
        patch(*args)

    def refused(*args) -> None:
        raise sqlite3.OperationalError("written whole for the comparison")

    for number, articles in enumerate(steps):
        write_jsonl(corpus, articles)
        if number == len(steps) - 1:
            aliases.write_text('merge = [["Petkov", "Peskov"]]\nsplit = [["Khamenei", "Khomeini"]]\n')
        for index_dir, how in ((patched, counted), (whole, refused)):
            monkeypatch.setattr(searchkit.names.table, "_patch", how)
            build_index([corpus], index_dir, allow_shrink=True, aliases=aliases if aliases.exists() else None)
        assert _whole_table(patched) == _whole_table(whole), f"step {number}"
        written.append({spelling for spelling, _, _ in _whole_table(patched)["keys"]})
    assert len(patches) == len(steps) - 1  # every update but the first build was a patch
    assert "khadafi" in written[1] - written[0] and "zidane" in written[2] - written[1]  # spellings came


def test_an_update_whose_copy_fails_late_writes_the_table_whole_alike(tmp_path: Path, monkeypatch) -> None:
    """A copy of the table that fails once its decisions are patched (a damaged page the patch
    did not read) is dropped and the table written whole: the same rows as a patch gives, the
    merged decisions handed on once."""
    import sqlite3

    import searchkit.names.table

    base = _articles()
    khadafi = [a for a in base if "Khadafi" in a["body"]]
    corpus = tmp_path / "corpus.jsonl"
    write = searchkit.names.table._write_decided
    failed = []

    def failing(db, decided, carried, *rest) -> None:
        if carried is not None and not failed:
            failed.append(True)
            carried.patch(db, decided)  # what the patch did before the damaged page
            raise sqlite3.DatabaseError("database disk image is malformed")
        write(db, decided, carried, *rest)

    for index_dir in (tmp_path / "patched", tmp_path / "late"):
        write_jsonl(corpus, [a for a in base if a not in khadafi])
        build_index([corpus], index_dir)
        write_jsonl(corpus, base)
        if index_dir.name == "late":
            monkeypatch.setattr(searchkit.names.table, "_write_decided", failing)
        build_index([corpus], index_dir)
    assert failed == [True]
    assert _whole_table(tmp_path / "late") == _whole_table(tmp_path / "patched")
    assert "khadafi" in _spellings(tmp_path / "late", "Kadhafi")


#: People of a generated archive, each a first name (or two) and the spellings of their surname:
#: transliterations, typos, and distinct people whose names look alike.
_PEOPLE = [
    (["Mouammar"], ["Kadhafi", "Khadafi", "Gadafi"]),
    (["Ali"], ["Khamenei"]),
    (["Rouhollah"], ["Khomeini"]),
    (["Dmitri"], ["Peskov"]),
    (["Kiril"], ["Petkov"]),
    (["Volodymyr"], ["Zelensky", "Zelenski"]),
    (["Olena"], ["Zelenska"]),
    (["Viktor", "Victor"], ["Orban"]),
    (["Victor"], ["Hugo"]),
    (["Sergueï", "Sergei"], ["Choïgou", "Choïgu", "Shoigu"]),
    (["Gérald"], ["Darmanin", "Darmain"]),
    (["Sergueï"], ["Lavrov", "Lavrof"]),
    (["Dmitri"], ["Medvedev", "Medvedef"]),
    (["Alexeï", "Alexei"], ["Navalny", "Navalni"]),
]


def _generated(rng, number: int) -> dict:
    sentences = []
    for _ in range(rng.randint(2, 5)):
        firsts, surnames = rng.choice(_PEOPLE)
        name = f"{rng.choice(firsts)} {rng.choice(surnames)}"
        sentences.append(rng.choice([f"{name} a parlé.", f"Selon {name}, rien ne change.", f"Le camp de {name}."]))
    return article(f"g{number}", " ".join(sentences))


def test_an_update_learns_from_the_stored_pairs_around_its_names_what_every_anchor_gives(tmp_path, monkeypatch):
    """An update reads the pairs of names its table keeps around the keys its articles write
    (``StoredContexts``, ``Kept.anchors``), never tallying them all: it learns the merges that
    reading every anchor of every pair gives, and each entry it reads is the one tallied whole."""
    import random
    import sqlite3

    import searchkit.names.learning as learning
    from searchkit.generations import current_generation
    from searchkit.names.keys import spellings_by_key
    from searchkit.names.table import VARIANTS_FILE, _carried, _spellings, _stored_pairs

    class EveryAnchor(learning.Kept):
        def anchors(self, beside, given):
            return None  # every anchor read: what learning did before it read around the update

    rng = random.Random(11)
    removed, changed = article("r1", "Dmitri Peskov a parlé."), article("c1", "Victor Orban a parlé.")
    base = [removed, changed, *(_generated(rng, n) for n in range(400))]
    corpus, index_dir = tmp_path / "corpus.jsonl", tmp_path / "index"
    write_jsonl(corpus, base)
    build_index([corpus], index_dir)
    with open_live(index_dir) as index:
        before = _carried(index, learning.PairChanges(index.commit_id())).merges  # the merges learned
    # the update touches some of the people: the merges of the others are handed on
    added = [
        article("k1", "Mouammar Gadafi et Mouammar Khadafi, Sergei Shoigu et Alexei Navalni."),
        article("k2", "Selon Mouammar Kadhafi, Olena Zelenska a parlé."),
    ]
    edited = {**changed, "body": "Victor Orban et Olena Zelenska ont parlé."}
    write_jsonl(corpus, [edited, *base[2:], *added])
    changes = learning.PairChanges(since=0)
    for one in [*added, changed, edited, removed]:
        changes.add(one["title"], one["body"])
    touched = {learning.name_key(name) for name in changes.written}

    def tallied_whole(pairs):
        raise AssertionError("an update tallied every pair of names")

    monkeypatch.setattr(learning, "contexts_of", tallied_whole)
    build_index([corpus], index_dir, allow_shrink=True)
    monkeypatch.undo()

    def shown(merges):
        return [(m.a, m.b, m.surname, json.dumps(m.evidence)) for m in merges]

    with open_live(index_dir) as index, sqlite3.connect(current_generation(index_dir) / VARIANTS_FILE) as db:
        by_key = spellings_by_key(sorted(_spellings(index)))
        whole = learning.contexts_of(_stored_pairs(db))
        stored = learning.StoredContexts(db)
        read = learning.learn(index, by_key, contexts=stored, kept=learning.Kept(before, touched))
        walked = learning.learn(index, by_key, contexts=whole, kept=EveryAnchor(before, touched))
        assert shown(read.merges) == shown(walked.merges)
        untouched = [m for m in read.merges if touched.isdisjoint({m.key_a, m.key_b, m.surname})]
        assert untouched and len(untouched) < len(read.merges)  # some handed on, some learned again


def test_stored_contexts_read_each_entry_as_tallying_every_pair_gives():
    """Every entry ``StoredContexts`` reads from a table's pairs is the one ``contexts_of`` tallies,
    its names in the same order (which breaks ``most_common``'s ties): pairs drawn at random among
    names of one key in several spellings, adjacent ones of one key, stop words, particles."""
    import random
    import sqlite3
    from collections import Counter

    import searchkit.names.learning as learning
    from searchkit.names.table import _INSERT_PAIR, _SCHEMA, _pair_rows

    names = "Zelenski Zelensky Zelenska Anna Olena Volodymyr Sergei Sergueï Serguei Choïgou Choïgu Shoigu Le Selon"
    names = [*names.split(), "Al-Sissi", "Élysée", "Elysee", "Ali", "Alí"]
    rng = random.Random(5)
    for _ in range(20):
        pairs = Counter({(rng.choice(names), rng.choice(names)): rng.randint(1, 4) for _ in range(60)})
        with closing(sqlite3.connect(":memory:")) as db:
            db.executescript(_SCHEMA)
            db.executemany(_INSERT_PAIR, _pair_rows(sorted(pairs.items(), key=lambda _: rng.random())))
            whole, stored = learning.contexts_of(pairs), learning.StoredContexts(db)
            for table in ("before", "after", "written", "before_spelling", "after_spelling"):
                for name, counts in getattr(whole, table).items():
                    assert list(getattr(stored, table)[name].items()) == list(counts.items()), (table, name)
                assert getattr(stored, table).get("nobody") is None
            assert all(stored.followed[name] == count for name, count in whole.followed.items())
            assert stored.followed["nobody"] == 0
