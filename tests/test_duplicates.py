"""Near-duplicate articles (wire copies, pages of a live blog, articles published again), through the
CLI on real indexes the tests write: one hit a group with its copies named, --all-copies, --unique in
timeline, cooccur and facets, groups kept right by updates, an index built before groups existed,
and the build's phases named on a terminal."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from helpers import article, generated_articles, on_terminal, open_live, run_cli, write_jsonl
from typer.testing import CliRunner

from searchkit.cli import app
from searchkit.duplicates import (
    DUPLICATES_FILE,
    MAX_BUCKET,
    MAX_WORDS,
    MIN_WORDS,
    duplicates_current,
    group,
    group_touching,
    matrix_path,
    minhash,
    opened_groups,
)
from searchkit.generations import current_generation
from searchkit.indexing import build_index

#: A wire story of about 130 words; its copies below are what a user would call the same article.
STORY = (
    "Le port de Zanzibar a rouvert lundi matin après trois jours de fermeture provoquée par une tempête "
    "tropicale d'une violence rare dans l'océan Indien. Les autorités portuaires ont annoncé que les "
    "ferries reliant l'archipel au continent reprendraient leurs rotations habituelles dès mardi, tandis "
    "que les pêcheurs de Stone Town évaluaient les dégâts subis par leurs embarcations. Selon le ministère "
    "des transports, plusieurs quais ont été endommagés et des conteneurs ont été emportés par les vagues. "
    "Le gouvernement régional a débloqué une aide d'urgence pour les familles dont les maisons ont été "
    "inondées dans les quartiers bas de la ville. Les touristes bloqués à l'aéroport ont pu embarquer sur "
    "les premiers vols dimanche soir, a précisé la compagnie nationale. Les météorologues prévoient un "
    "retour au calme pour la fin de la semaine, mais recommandent la prudence aux navigateurs."
)
UPDATE = " Mise à jour : un deuxième ferry a repris la mer dans l'après-midi."
#: Shares the story's first sentence, and nothing else: another article, never grouped with it.
OTHER = (
    "Le port de Zanzibar a rouvert lundi matin après trois jours de fermeture provoquée par une tempête "
    "tropicale d'une violence rare dans l'océan Indien. Mais c'est une autre histoire que racontent les "
    "habitants de Pemba, l'île voisine, où la récolte de clous de girofle a été perdue pour la deuxième "
    "année de suite. Les coopératives agricoles réclament une indemnisation et accusent les négociants "
    "de profiter de la pénurie pour imposer leurs prix. Une délégation doit être reçue à Dodoma par le "
    "ministre de l'agriculture à la fin du mois, et les syndicats menacent de bloquer les exportations "
    "si aucune réponse ne leur est donnée avant la saison des pluies."
)

WIRE = [
    article("wire-1", STORY, title="Zanzibar rouvre son port", date="2022-03-01", source="AFP"),
    article("wire-2", STORY, title="Zanzibar rouvre son port après la tempête", date="2022-03-02",
            source="Le Monde"),
    article("wire-3", STORY + UPDATE, title="Zanzibar rouvre son port", date="2022-03-02", source="Libération"),
    article("other", OTHER, title="À Pemba, la récolte perdue", date="2022-03-03", source="Le Monde"),
]  # fmt: skip
#: Dated apart from the wire story, in the months of the generated articles.
FILLER = generated_articles(60)


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def cli_json(*args: str) -> dict:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    """(corpus file, index folder) of the wire story, its copies, another article and filler."""
    path = write_jsonl(tmp_path / "corpus.jsonl", [*WIRE, *FILLER])
    index_dir = tmp_path / "index"
    build_index([path], index_dir)
    return path, index_dir


def test_search_shows_a_group_of_copies_once_with_the_copies_named(corpus):
    _, index_dir = corpus
    document = cli_json("search", "zanzibar", "--index", str(index_dir))
    ids = [hit["id"] for hit in document["hits"]]
    # The three copies are one hit; the article sharing one sentence stays apart.
    assert sorted(ids) in (["other", "wire-1"], ["other", "wire-2"], ["other", "wire-3"]), ids
    (wire,) = [hit for hit in document["hits"] if hit["id"].startswith("wire")]
    assert sorted([wire["id"], *wire["copies"]]) == ["wire-1", "wire-2", "wire-3"]
    assert "copies" not in next(hit for hit in document["hits"] if hit["id"] == "other")
    assert document["total"] == 4 and document["collapsed_total"] == 2

    shown = invoke("search", "zanzibar", "--index", str(index_dir), "--color", "never")
    assert shown.exit_code == 0, shown.stderr
    assert "4 articles (2 after collapsing copies) for 'zanzibar'" in shown.stdout
    assert "+2 copies" in shown.stdout
    assert shown.stdout.count("Zanzibar rouvre son port") == 1


def test_all_copies_lists_each_article(corpus):
    _, index_dir = corpus
    document = cli_json("search", "zanzibar", "--index", str(index_dir), "--all-copies")
    assert sorted(hit["id"] for hit in document["hits"]) == ["other", "wire-1", "wire-2", "wire-3"]
    assert "collapsed_total" not in document
    assert all("copies" not in hit for hit in document["hits"])


def test_a_page_of_hits_is_filled_after_copies_are_collapsed(tmp_path):
    # Ten copies ranked first would leave a page of three nearly empty without more hits ranked.
    copies = [article(f"c{i}", STORY + " Zanzibar" * 5, date="2022-03-01") for i in range(10)]
    others = [article(f"o{i}", f"Zanzibar, épisode {i}. " + FILLER[i]["body"], date="2022-03-02") for i in range(5)]
    path = write_jsonl(tmp_path / "corpus.jsonl", copies + others)
    build_index([path], tmp_path / "index")
    document = cli_json("search", "zanzibar", "--index", str(tmp_path / "index"), "-n", "3")
    assert len(document["hits"]) == 3
    assert len(document["hits"][0]["copies"]) == 9
    assert [hit["id"][0] for hit in document["hits"]] == ["c", "o", "o"]
    assert document["total"] == 15 and document["collapsed_total"] == 6


def test_unique_counts_each_group_once_in_timeline_facets_and_cooccur(corpus):
    _, index_dir = corpus
    index = ("--index", str(index_dir))
    every = cli_json("timeline", "zanzibar", *index, "--by", "month")
    unique = cli_json("timeline", "zanzibar", *index, "--by", "month", "--unique")
    assert every["queries"][0]["total"] == 4
    assert unique["queries"][0]["total"] == 2  # the story once, the other article once

    facets = cli_json("search", "zanzibar", *index, "--facets", "source")["facets"]
    counted = {row["value"]: row["count"] for row in facets["source"]}
    assert counted == {"AFP": 1, "Le Monde": 2, "Libération": 1}
    facets = cli_json("search", "zanzibar", *index, "--facets", "source", "--unique")["facets"]
    counted = {row["value"]: row["count"] for row in facets["source"]}
    # The group counted once, at its earliest article (the AFP dispatch of March 1st).
    assert counted == {"AFP": 1, "Le Monde": 1}

    names = cli_json("cooccur", "zanzibar", *index, "--min-articles", "1")
    assert names["articles"] == 4
    stone = {n["name"]: n["articles"] for n in names["names"]}
    assert stone["Stone Town"] == 3
    names = cli_json("cooccur", "zanzibar", *index, "--min-articles", "1", "--unique")
    assert names["articles"] == 2
    assert {n["name"]: n["articles"] for n in names["names"]}["Stone Town"] == 1


def test_updates_keep_the_groups_right(corpus):
    path, index_dir = corpus
    index = ("--index", str(index_dir))

    def group_of(query: str) -> list[str]:
        (hit,) = [h for h in cli_json("search", query, *index, "--all")["hits"] if h["id"].startswith("wire")]
        return sorted([hit["id"], *hit.get("copies", [])])

    # an added copy joins the group
    write_jsonl(path, [*WIRE, article("wire-4", STORY, date="2022-03-05"), *FILLER])
    assert build_index([path], index_dir).added == 1
    assert group_of("zanzibar port") == ["wire-1", "wire-2", "wire-3", "wire-4"]

    # a copy rewritten into another article leaves it
    rewritten = article("wire-2", OTHER.replace("Pemba", "Mafia"), date="2022-03-02")
    write_jsonl(path, [WIRE[0], rewritten, *WIRE[2:], article("wire-4", STORY, date="2022-03-05"), *FILLER])
    assert build_index([path], index_dir).updated == 1
    assert group_of("stone town") == ["wire-1", "wire-3", "wire-4"]

    # a removed copy leaves it; the last two stay together
    write_jsonl(path, [WIRE[0], rewritten, WIRE[3], *FILLER, article("wire-4", STORY, date="2022-03-05")])
    assert build_index([path], index_dir).removed == 1
    assert group_of("stone town") == ["wire-1", "wire-4"]

    # and once only one is left, nothing is collapsed
    write_jsonl(path, [WIRE[0], rewritten, WIRE[3], *FILLER])
    assert build_index([path], index_dir, allow_shrink=True).removed == 1
    document = cli_json("search", "stone town", *index, "--all")
    assert [hit["id"] for hit in document["hits"]] == ["wire-1"]
    assert "copies" not in document["hits"][0]


def test_an_index_without_groups_is_searched_and_unique_says_how_to_get_them(corpus):
    path, index_dir = corpus
    # As an index built before groups existed: no duplicates file.
    (current_generation(index_dir) / DUPLICATES_FILE).unlink()
    document = cli_json("search", "zanzibar", "--index", str(index_dir))
    assert len(document["hits"]) == 4 and "collapsed_total" not in document

    refused = run_cli("timeline", "zanzibar", "--index", str(index_dir), "--unique")
    assert refused.returncode == 2
    assert "searchkit index" in refused.stderr and "near-duplicates" in refused.stderr
    assert refused.stdout == ""

    # An update with nothing new writes the groups, from the stored articles; no rebuild.
    report = build_index([path], index_dir)
    assert (report.mode, report.added, report.updated) == ("update", 0, 0)
    assert cli_json("timeline", "zanzibar", "--index", str(index_dir), "--unique")["queries"][0]["total"] == 2
    assert cli_json("search", "zanzibar", "--index", str(index_dir))["collapsed_total"] == 2


def _groups_table(index_dir: Path, *statements: str) -> None:
    with closing(sqlite3.connect(current_generation(index_dir) / DUPLICATES_FILE)) as db, db:
        for statement in statements:
            db.execute(statement)


def test_a_groups_file_written_before_the_article_numbers_were_kept_is_read_then_written_again(corpus):
    path, index_dir = corpus
    _groups_table(
        index_dir,
        "CREATE TABLE old (id TEXT PRIMARY KEY, grp TEXT NOT NULL) WITHOUT ROWID",
        "INSERT INTO old SELECT id, grp FROM groups",
        "DROP TABLE groups",
        "ALTER TABLE old RENAME TO groups",
    )
    assert cli_json("search", "zanzibar", "--index", str(index_dir))["collapsed_total"] == 2

    build_index([path], index_dir)  # an update with nothing new: the groups keep their numbers now
    with closing(sqlite3.connect(current_generation(index_dir) / DUPLICATES_FILE)) as db:
        assert db.execute("SELECT count(docnum) FROM groups").fetchone() == (3,)
    assert cli_json("search", "zanzibar", "--index", str(index_dir))["collapsed_total"] == 2


def test_groups_whose_article_numbers_do_not_name_their_articles_are_not_trusted(corpus):
    _, index_dir = corpus
    _groups_table(index_dir, "UPDATE groups SET docnum = docnum + 1 WHERE id = 'wire-3'")

    document = cli_json("search", "zanzibar", "--index", str(index_dir))
    assert len(document["hits"]) == 4 and "collapsed_total" not in document
    refused = run_cli("timeline", "zanzibar", "--index", str(index_dir), "--unique")
    assert refused.returncode == 2 and "searchkit index" in refused.stderr


def test_pages_of_a_live_blog_with_new_headlines_are_one_group(tmp_path):
    # A live blog's page keeps its lead and changes its headline through the day; the lead is what is compared.
    lead = (
        "Les forces russes maintiennent leur pression sur les régions de l'est et du sud de l'Ukraine, "
        "particulièrement autour de Kharkiv, où des explosions ont été entendues dans la nuit, alors que Kiev "
        "revendique plusieurs victoires."
    )
    pages = [
        article("live-1", lead, title="Guerre en Ukraine, en direct : la piste de l'aéroport d'Odessa détruite",
                date="2022-04-30"),
        article("live-2", lead, title="Guerre en Ukraine, en direct : les combats se concentrent sur le Sud et "
                "l'Est, Zelensky reçoit la présidente de la Chambre des représentants", date="2022-05-01"),
    ]  # fmt: skip
    path = write_jsonl(tmp_path / "corpus.jsonl", [*pages, *FILLER])
    build_index([path], tmp_path / "index")
    document = cli_json("search", "kharkiv", "--index", str(tmp_path / "index"))
    assert [(hit["id"], hit["copies"]) for hit in document["hits"]] in (
        [("live-1", ["live-2"])],
        [("live-2", ["live-1"])],
    )


def test_short_articles_are_never_grouped_and_long_ones_cost_their_first_words():
    brief = "Le conseil municipal se réunira jeudi à Zanzibar."
    assert len(brief.split()) < MIN_WORDS
    assert minhash(brief) is None  # two identical two-line briefs stay two hits

    words = [f"mot{i}" for i in range(MAX_WORDS + 500)]
    one = " ".join(words)
    other = " ".join(words[:MAX_WORDS] + ["autre"] * 500)
    assert minhash(one) == minhash(other)  # what lies past MAX_WORDS is never read
    assert minhash(one) != minhash(" ".join(words[1000:]))


@pytest.mark.parametrize("seed", range(5))
def test_an_update_pairs_the_articles_it_wrote_as_grouping_everything_again_does(seed):
    """An update of a few articles looks up their bands alone and keeps the pairs found before
    among the others: the pairs and groups are those of grouping every signature again."""
    import random

    import numpy as np

    rng = random.Random(seed)
    texts = [" ".join(f"mot{rng.randrange(5000)}" for _ in range(200)) for _ in range(400)]
    for _ in range(60):  # copies, some edited a little, some of copies: groups of two and more
        words = rng.choice(texts).split()
        for _ in range(rng.randrange(4)):
            words[rng.randrange(len(words))] = f"autre{rng.randrange(100)}"
        texts.append(" ".join(words))
    rng.shuffle(texts)
    matrix = np.frombuffer(b"".join(minhash(t) for t in texts), dtype="<u2").reshape(len(texts), -1)
    whole = group(matrix)
    assert len(whole.pairs) >= 40 and any(len(g) > 2 for g in whole.groups)
    written = rng.sample(range(len(texts)), 30)
    kept = [p for p in whole.pairs if p[0] not in written and p[1] not in written]
    touching = group_touching(matrix, written, kept)
    assert touching.pairs == whole.pairs and touching.groups == whole.groups
    assert touching.compared < whole.compared


@pytest.mark.parametrize("seed", range(3))
def test_rows_left_out_of_the_look_ups_pair_as_the_matrix_without_them(seed):
    """The rows of articles gone or changed, kept in the matrix of an update changed in place,
    are never a holder of a band: the pairs and groups are those of the matrix without them."""
    import random

    import numpy as np

    rng = random.Random(seed)
    texts = [" ".join(f"mot{rng.randrange(5000)}" for _ in range(200)) for _ in range(300)]
    texts += [rng.choice(texts) for _ in range(60)]  # copies: some of the dead rows' articles too
    matrix = np.frombuffer(b"".join(minhash(t) for t in texts), dtype="<u2").reshape(len(texts), -1)
    live = np.ones(len(texts), dtype=bool)
    live[rng.sample(range(len(texts) - 20), 40)] = False
    rows = np.flatnonzero(live)  # the live rows, in order: the matrix written whole again
    whole = group(matrix[rows])
    written = list(range(len(texts) - 20, len(texts)))  # the newest rows: an update's
    kept = [(rows[i], rows[j], s) for i, j, s in whole.pairs if rows[i] not in written and rows[j] not in written]
    touching = group_touching(matrix, written, kept, live=live)
    assert [(rows[i], rows[j], s) for i, j, s in whole.pairs] == touching.pairs
    assert any(not live[i] for i, j, _ in group(matrix).pairs) and whole.pairs  # dead rows had copies


def _pairs_and_groups(index_dir: Path) -> tuple[list, list, dict]:
    """The pairs and groups of an index's duplicates file, by id, and its facts; each grouped
    article's number in the file that of its live document (a search reads it, not the id)."""
    with closing(sqlite3.connect(current_generation(index_dir) / DUPLICATES_FILE)) as db:
        pairs = sorted((*sorted((a, b)), round(s, 6)) for a, b, s in db.execute("SELECT a, b, similarity FROM pairs"))
        groups = sorted(db.execute("SELECT id, grp FROM groups").fetchall())
        docnums = dict(db.execute("SELECT id, docnum FROM groups"))
        facts = {k: json.loads(v) for k, v in db.execute("SELECT name, value FROM facts")}
    with open_live(index_dir) as index:
        assert docnums == {i: index.docnum_of(i) for i in docnums}
    return pairs, groups, facts


@pytest.mark.parametrize("looked_up", [64, 0])
def test_updates_change_the_file_in_place_and_group_as_a_rebuild_does(tmp_path, monkeypatch, looked_up):
    """An update of a few articles adds the signatures it writes as new rows of the file's matrix;
    those of the articles it replaces or removes are dead rows no look-up finds.  After each
    update the pairs and groups are a rebuild's; past ``MAX_DEAD_SHARE`` the file is written
    whole again, without its dead rows.  Each grouped article's number is its live document's,
    where the commit merged and renumbered segments: the file's numbers checked, the others
    looked up one by one or (``looked_up`` 0) in the id columns read whole."""
    import random

    from searchkit.duplicates import MAX_DEAD_SHARE
    from searchkit.engine import whoosh_engine

    monkeypatch.setattr(whoosh_engine, "LOOKED_UP_IDS", looked_up)

    rng = random.Random(7)
    texts = [" ".join(f"mot{rng.randrange(3000)}" for _ in range(150)) for _ in range(120)]
    articles = [article(f"a{i:03d}", text, date=f"2022-01-{1 + i % 28:02d}") for i, text in enumerate(texts)]
    articles += [article(f"c{i:03d}", texts[i], date="2022-02-01") for i in range(0, 40, 2)]  # copies
    corpus, index_dir = tmp_path / "corpus.jsonl", tmp_path / "index"

    def updated(step: list[dict]) -> dict:
        write_jsonl(corpus, step)
        build_index([corpus], index_dir, allow_shrink=True)
        build_index([corpus], tmp_path / "rebuilt", rebuild=True)
        here, rebuilt = _pairs_and_groups(index_dir), _pairs_and_groups(tmp_path / "rebuilt")
        assert here[:2] == rebuilt[:2]
        return here[2]

    write_jsonl(corpus, articles)
    build_index([corpus], index_dir)
    rows = _pairs_and_groups(index_dir)[2]["rows"]
    # copies of copies added, one new article
    added = [article(f"n{i}", texts[i], date="2022-03-01") for i in (0, 2, 41)]
    added.append(article("new", " ".join(reversed(texts[100].split())), date="2022-03-02"))
    facts = updated([*articles, *added])
    assert (facts["rows"], facts["dead"]) == (rows + 4, 0)
    # a grouped article rewritten leaves its group; a copy removed
    articles[0] = {**articles[0], "body": texts[99]}
    facts = updated([a for a in [*articles, *added] if a["id"] != "c002"])
    assert (facts["rows"], facts["dead"]) == (rows + 5, 2) and facts["groups"] >= 15
    # the articles of many groups removed at once: past the share of dead rows, written whole
    kept = [a for a in [*articles, *added] if a["id"] not in {f"c{i:03d}" for i in range(4, 40, 2)}]
    facts = updated(kept)
    assert MAX_DEAD_SHARE * facts["rows"] < 18
    assert facts["dead"] == 0 and facts["rows"] == facts["signed"] == len(kept)


def test_a_band_shared_by_many_articles_pairs_a_new_one_with_its_first_holder_only():
    import numpy as np

    rows = np.zeros((MAX_BUCKET + 5, 128), dtype="<u2")  # every band shared by all: boilerplate
    rows[:, 4:] = np.arange(len(rows), dtype="<u2")[:, None]  # agreeing on one band of 32 only
    found = group_touching(rows, [len(rows) - 1], [])
    assert found.compared == 1  # the new article against the band's first holder, not the 54 others
    assert group_touching(rows, [0], []).compared == len(rows) - 1  # the first holder pairs with all


def _on_terminal(*args: str) -> tuple[int, str]:
    """``python -m searchkit ARGS`` with stderr on a 150-column terminal; (exit code, its text unstyled)."""
    code, written = on_terminal(*args, columns=150, timeout=120, streams=("stderr",), env={"COLUMNS": "150"})
    return code, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", written.decode(errors="replace"))


def test_the_build_names_its_phases_on_a_terminal(tmp_path):
    path = write_jsonl(tmp_path / "corpus.jsonl", [*WIRE, *FILLER])
    code, shown = _on_terminal("index", str(path), "--index", str(tmp_path / "index"))
    assert code == 0, shown
    for phase in ("reading and writing articles", "merging segments", "vocabulary", "names", "duplicates"):
        assert phase in shown, (phase, shown[-2000:])
    # the last phase reached its end before the summary line
    assert "rebuild: 64 added" in shown

    # An update with nothing to write names no phase after the reading.
    shutil.copy(path, tmp_path / "again.jsonl")
    code, shown = _on_terminal("index", str(path), "--index", str(tmp_path / "index"))
    assert code == 0, shown
    assert "merging segments" not in shown and "duplicates" not in shown


def test_an_update_cuts_off_the_rows_a_killed_update_left_and_removes_stray_matrices(tmp_path):
    """An update killed after appending its signatures to the matrix, before the file counting
    them replaced the last, leaves rows past those counted; a matrix written whole, killed
    before the file naming it, leaves a stray file.  The next update cuts the rows off (the
    copies they hold pair with nothing), groups as a rebuild does, and removes the stray."""
    texts = [" ".join(f"mot{(i * 37 + j) % 3000}" for j in range(120)) for i in range(40)]
    articles = [article(f"a{i:02d}", text) for i, text in enumerate(texts)]
    corpus, index_dir = tmp_path / "corpus.jsonl", tmp_path / "index"
    write_jsonl(corpus, articles)
    build_index([corpus], index_dir)
    generation = current_generation(index_dir)
    matrix = matrix_path(generation)
    rows = matrix.stat().st_size // 256
    with open(matrix, "ab") as grown:
        grown.write(minhash(texts[5]) * 3)  # copies of a05 that no article holds
    stray = generation / "duplicates-0123456789abcdef.matrix"
    stray.write_bytes(minhash(texts[6]))
    write_jsonl(corpus, [*articles, article("copy", texts[3])])
    build_index([corpus], index_dir)
    pairs, groups, facts = _pairs_and_groups(index_dir)
    assert [(a, b) for a, b, _ in pairs] == [("a03", "copy")] and groups == [("a03", "a03"), ("copy", "a03")]
    assert facts["computed_from_stored"] == 0 and facts["rows"] == rows + 1
    assert matrix_path(generation) == matrix and matrix.stat().st_size == (rows + 1) * 256
    assert not stray.exists()


def test_a_link_in_place_of_the_matrix_is_never_written_through(tmp_path):
    """A link planted where the matrix file was (pointing outside the index): the next update
    neither reads nor appends through it, writes the file whole with a matrix of its own, and
    groups right; the file outside is as it was."""
    texts = [" ".join(f"mot{(i * 37 + j) % 3000}" for j in range(120)) for i in range(40)]
    articles = [article(f"a{i:02d}", text) for i, text in enumerate(texts)]
    corpus, index_dir = tmp_path / "corpus.jsonl", tmp_path / "index"
    write_jsonl(corpus, articles)
    build_index([corpus], index_dir)
    matrix = matrix_path(current_generation(index_dir))
    outside = tmp_path / "outside.bin"
    outside.write_bytes(matrix.read_bytes())
    matrix.unlink()
    matrix.symlink_to(outside)
    write_jsonl(corpus, [*articles, article("copy", texts[3])])
    build_index([corpus], index_dir)
    pairs, _, facts = _pairs_and_groups(index_dir)
    assert [(a, b) for a, b, _ in pairs] == [("a03", "copy")] and facts["rows"] == len(articles) + 1
    assert outside.stat().st_size == len(articles) * 256 and not matrix.is_symlink()
    assert not matrix_path(current_generation(index_dir)).is_symlink()


def test_a_file_of_the_earlier_layout_is_written_again_from_its_signatures(tmp_path):
    """A duplicates file that keeps its matrix in a table (as written before the matrix had a
    file of its own): searches read its groups as they are; the next update writes it again in
    this layout from the signatures it holds, none computed from the stored articles."""
    texts = [" ".join(f"mot{(i * 37 + j) % 3000}" for j in range(120)) for i in range(40)]
    articles = [article(f"a{i:02d}", text) for i, text in enumerate(texts)]
    articles.append(article("copy", texts[3]))
    corpus, index_dir = tmp_path / "corpus.jsonl", tmp_path / "index"
    write_jsonl(corpus, articles)
    build_index([corpus], index_dir)
    generation = current_generation(index_dir)
    matrix = matrix_path(generation)
    with closing(sqlite3.connect(generation / DUPLICATES_FILE)) as db, db:
        db.execute("DROP TABLE matrix_file")
        db.execute("CREATE TABLE matrix (chunk INTEGER PRIMARY KEY, sigs BLOB NOT NULL)")
        db.execute("INSERT INTO matrix VALUES (0, ?)", (matrix.read_bytes(),))
    matrix.unlink()
    with open_live(index_dir) as index:
        assert duplicates_current(index) and opened_groups(index).of  # its groups read as they are
    write_jsonl(corpus, [*articles, article("other", texts[7])])
    build_index([corpus], index_dir)
    pairs, _, facts = _pairs_and_groups(index_dir)
    assert [(a, b) for a, b, _ in pairs] == [("a03", "copy"), ("a07", "other")]
    assert facts["computed_from_stored"] == 0 and matrix_path(generation).stat().st_size == 42 * 256


def test_an_update_over_a_matrix_cut_short_writes_the_file_whole(tmp_path):
    """A duplicates file whose matrix lost a row (a damaged file) no longer lines its rows up
    with the ids: an update writes the file whole, from the stored articles, and groups right."""
    texts = [" ".join(f"mot{(i * 37 + j) % 3000}" for j in range(120)) for i in range(40)]
    articles = [article(f"a{i:02d}", text) for i, text in enumerate(texts)]
    corpus, index_dir = tmp_path / "corpus.jsonl", tmp_path / "index"
    write_jsonl(corpus, articles)
    build_index([corpus], index_dir)
    with open(matrix_path(current_generation(index_dir)), "r+b") as matrix:
        matrix.truncate(matrix.seek(0, 2) - 256)  # its last row lost
    write_jsonl(corpus, [*articles, article("copy", texts[3])])
    build_index([corpus], index_dir)
    pairs, groups, facts = _pairs_and_groups(index_dir)
    assert [(a, b) for a, b, _ in pairs] == [("a03", "copy")] and groups == [("a03", "a03"), ("copy", "a03")]
    assert facts["computed_from_stored"] == len(articles) and facts["rows"] == len(articles) + 1
