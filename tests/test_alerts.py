"""Saved searches and alerts: only articles added or changed since the last run
are reported, once; marks survive rebuilds; a crash between printing and
saving repeats an alert rather than losing it (at-least-once)."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from helpers import article, one_error_line, run_cli, write_jsonl

from searchkit import alerts
from searchkit.indexing import build_index

PUTIN = "Vladimir Poutine a parlé au Kremlin."
OTHER = "Le conseil municipal a voté le budget."


@pytest.fixture
def archive(tmp_path: Path):
    """A corpus folder and its index, with helpers to change the one and update the other."""

    class Archive:
        corpus = tmp_path / "corpus"
        index = tmp_path / "index"

        def __init__(self) -> None:
            self.articles: dict[str, dict] = {}

        def put(self, *items: dict, rebuild: bool = False) -> None:
            for item in items:
                self.articles[item["id"]] = item
            write_jsonl(self.corpus / "news.jsonl", self.articles.values())
            build_index([self.corpus], self.index, rebuild=rebuild, allow_shrink=True)

        def cli(self, *args: str, env: dict | None = None):
            return run_cli(*args, "--index", str(self.index), env=env)

        def alerts(self, *args: str, env: dict | None = None) -> tuple[int, dict]:
            done = self.cli("alerts", "--json", *args, env=env)
            assert done.returncode in (0, 1), done.stderr
            return done.returncode, json.loads(done.stdout)

        def new_ids(self, *args: str) -> dict[str, list[str]]:
            code, document = self.alerts(*args)
            found = {a["name"]: [h["id"] for h in a["hits"]] for a in document["alerts"]}
            assert code == (0 if any(found.values()) else 1)
            return found

    tmp_path.joinpath("corpus").mkdir()
    made = Archive()
    made.put(article("p1", PUTIN, date="2024-01-01"), article("o1", OTHER, date="2024-01-01"))
    return made


def test_only_new_and_changed_articles_are_reported_once(archive):
    assert archive.cli("watchlist", "add", "ru", "poutine").returncode == 0
    assert archive.new_ids() == {"ru": []}  # what was there before the search was saved is not news
    archive.put(
        article("p2", PUTIN + " Nouveau.", date="2024-01-02"),  # new, matches
        article("o2", OTHER + " Nouveau.", date="2024-01-02"),  # new, does not match
    )
    assert archive.new_ids() == {"ru": ["p2"]}
    assert archive.new_ids() == {"ru": []}  # once
    archive.put(article("p1", PUTIN + " Mis à jour.", date="2024-01-01"))  # changed
    archive.put(article("o1", OTHER, date="2024-01-01"))  # unchanged: no new stamp
    assert archive.new_ids() == {"ru": ["p1"]}
    assert archive.new_ids() == {"ru": []}


def test_marks_survive_a_rebuild(archive):
    archive.cli("watchlist", "add", "ru", "poutine")
    archive.put(article("p2", PUTIN, date="2024-01-02"))
    assert archive.new_ids() == {"ru": ["p2"]}
    assert archive.cli("index", str(archive.corpus), "--rebuild", "--quiet").returncode == 0
    assert (archive.index / alerts.WATCHLIST_FILE).exists()
    assert archive.new_ids() == {"ru": []}  # a rebuild makes nothing new
    archive.put(article("p3", PUTIN, date="2024-01-03"), rebuild=True)
    assert archive.new_ids() == {"ru": ["p3"]}


def test_a_crash_between_printing_and_saving_repeats_the_alert(archive):
    archive.cli("watchlist", "add", "ru", "poutine")
    archive.put(article("p2", PUTIN, date="2024-01-02"))
    crashed = archive.cli("alerts", "--json", env={alerts.CRASH_BEFORE_SAVE: "1"})
    assert crashed.returncode == 137  # died as by kill -9, after printing
    assert [h["id"] for h in json.loads(crashed.stdout)["alerts"][0]["hits"]] == ["p2"]
    assert archive.new_ids() == {"ru": ["p2"]}  # not lost: printed again
    assert archive.new_ids() == {"ru": []}


def test_output_that_cannot_be_written_saves_nothing(archive, tmp_path):
    archive.cli("watchlist", "add", "ru", "poutine")
    archive.put(article("p2", PUTIN, date="2024-01-02"))
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("no /dev/full")
    import subprocess
    import sys

    with open(full, "w") as sink:
        done = subprocess.run(
            [sys.executable, "-m", "searchkit", "alerts", "--index", str(archive.index)],
            stdout=sink,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert done.returncode != 0
    assert archive.new_ids() == {"ru": ["p2"]}


def test_replay_since_a_date_saves_nothing(archive):
    archive.cli("watchlist", "add", "ru", "poutine")
    archive.put(article("p2", PUTIN, date="2024-01-02"))
    assert archive.new_ids("--since", "2000") == {"ru": ["p2", "p1"]}  # newest article first
    assert archive.new_ids() == {"ru": ["p2"]}  # the replay did not move the mark
    assert archive.new_ids("--since", "2999-01-01") == {"ru": []}
    bad = archive.cli("alerts", "--since", "hier")
    assert bad.returncode == 2 and "--since" in one_error_line(bad.stderr)


def test_filters_and_names(archive):
    archive.cli("watchlist", "add", "ru", "poutine")
    archive.cli("watchlist", "add", "ru-lemonde", "poutine", "--source", "monde")
    archive.cli("watchlist", "add", "budget", "budget", "--since", "2024-02")
    archive.put(
        article("p2", PUTIN, date="2024-02-02", source="Le Monde"),
        article("p3", PUTIN, date="2024-02-03", source="Libération"),
        article("o2", OTHER, date="2024-01-15"),
    )
    assert archive.new_ids("ru-lemonde") == {"ru-lemonde": ["p2"]}
    assert archive.new_ids() == {"ru": ["p3", "p2"], "ru-lemonde": [], "budget": []}
    unknown = archive.cli("alerts", "nope")
    assert unknown.returncode == 2 and "nope" in one_error_line(unknown.stderr)


def test_csv_and_jsonl(archive):
    archive.cli("watchlist", "add", "ru", "poutine")
    archive.cli("watchlist", "add", "budget", "budget")
    archive.put(
        article("p2", PUTIN, title='Un titre, "cité"', date="2024-01-02"), article("o2", OTHER, date="2024-01-02")
    )
    lines = archive.cli("alerts", "--jsonl").stdout.splitlines()
    assert sorted((json.loads(line)["alert"], json.loads(line)["id"]) for line in lines) == [
        ("budget", "o2"),
        ("ru", "p2"),
    ]
    archive.put(article("p3", PUTIN, title='Un titre, "cité"', date="2024-01-03"))
    done = archive.cli("alerts", "--csv")
    assert done.returncode == 0
    rows = list(csv.DictReader(io.StringIO(done.stdout, newline="")))
    assert [(r["alert"], r["id"], r["title"]) for r in rows] == [("ru", "p3", 'Un titre, "cité"')]
    assert "Poutine" in rows[0]["snippets"]
    empty = archive.cli("alerts", "--csv")
    assert empty.returncode == 1
    assert empty.stdout.splitlines() == ["alert,rank,id,title,date,source,url,origin,score,partial,snippets"]


def test_rich_output_lists_new_articles_under_each_search(archive):
    archive.cli("watchlist", "add", "ru", "poutine")
    archive.put(article("p2", PUTIN, title="Le Kremlin répond", date="2024-01-02"))
    done = archive.cli("alerts")
    assert done.returncode == 0
    assert done.stdout.splitlines()[0].startswith("ru: 1 new article for poutine (since ")
    assert "Le Kremlin répond" in done.stdout and "\x1b" not in done.stdout


def test_watchlist_add_list_remove(archive):
    assert archive.cli("watchlist", "list", "--json").stdout.strip() == '{\n  "watchlist": []\n}'
    assert archive.cli("watchlist", "add", "ru", "poutine", "--since", "2024").returncode == 0
    taken = archive.cli("watchlist", "add", "ru", "zelensky")
    assert taken.returncode == 2 and "--replace" in one_error_line(taken.stderr)
    assert archive.cli("watchlist", "add", "ru", "zelensky", "--replace").returncode == 0
    bad_query = archive.cli("watchlist", "add", "q", '"unbalanced')
    assert bad_query.returncode == 2 and "bad query" in one_error_line(bad_query.stderr)
    bad_name = archive.cli("watchlist", "add", "a b/c", "x")
    assert bad_name.returncode == 2 and "name" in one_error_line(bad_name.stderr)
    bad_date = archive.cli("watchlist", "add", "d", "x", "--since", "demain")
    assert bad_date.returncode == 2
    listed = json.loads(archive.cli("watchlist", "list", "--json").stdout)["watchlist"]
    assert [(e["name"], e["query"], e["since"]) for e in listed] == [("ru", "zelensky", None)]
    missing = archive.cli("watchlist", "remove", "ru", "nope")
    assert missing.returncode == 2 and "nope" in one_error_line(missing.stderr)
    assert archive.cli("watchlist", "remove", "ru").returncode == 0
    assert json.loads(archive.cli("watchlist", "list", "--json").stdout) == {"watchlist": []}
    none = archive.cli("alerts")
    assert none.returncode == 1 and "watchlist add" in one_error_line(none.stderr)


def test_a_damaged_watchlist_is_one_error_line(archive):
    archive.cli("watchlist", "add", "ru", "poutine")
    (archive.index / alerts.WATCHLIST_FILE).write_text("{not json")
    done = archive.cli("alerts")
    assert done.returncode == 4 and "watchlist" in one_error_line(done.stderr)


def test_saving_moves_only_the_marks_of_the_searches_run(archive):
    archive.cli("watchlist", "add", "ru", "poutine")
    archive.cli("watchlist", "add", "ru2", "kremlin")
    archive.put(article("p2", PUTIN, date="2024-01-02"))
    assert archive.new_ids("ru") == {"ru": ["p2"]}
    assert archive.new_ids() == {"ru": [], "ru2": ["p2"]}


def test_a_search_removed_and_added_again_meanwhile_keeps_its_new_mark(archive):
    archive.cli("watchlist", "add", "ru", "poutine")
    archive.put(article("p2", PUTIN, date="2024-01-02"))
    run = alerts.check(archive.index)
    alerts.remove(archive.index, ["ru"])
    alerts.add(archive.index, "ru", "poutine")
    run.save()  # the run saw the old entry: the new one is left alone
    (entry,) = alerts.load(archive.index)
    assert entry.checked is None


@pytest.mark.parametrize(
    "command",
    [("watchlist", "add", "ru", "poutine"), ("watchlist", "list"), ("watchlist", "remove", "ru"), ("alerts",)],
)
def test_every_watchlist_command_needs_an_index_and_creates_no_folder(tmp_path, command):
    typo = tmp_path / "typo" / "index"
    not_an_index = tmp_path / "empty"
    not_an_index.mkdir()
    for where in (typo, not_an_index):
        done = run_cli(*command, "--index", str(where))
        line = one_error_line(done.stderr)
        assert done.returncode == 4 and f"no index at {where}" in line
    assert not (tmp_path / "typo").exists()
    assert list(not_an_index.iterdir()) == []


WRONG_SHAPES = [  # (what watchlist.json holds, what the error line says)
    ("[]", 'not a JSON object with a list of "entries"'),
    ('{"entries": {}}', 'not a JSON object with a list of "entries"'),
    ('{"entries": [1]}', "entry 1 that is not a JSON object"),
    ('{"entries": [{"name": "ru"}]}', "entry 1 ('ru'): query is missing"),
    ('{"entries": [{"name": "ru", "query": 5}]}', "query 5 is not a string"),
    ('{"entries": [{"name": ["ru"], "query": "x"}]}', "entry 1: name ['ru'] is not a string"),
    ('{"entries": [{"name": "a/b", "query": "x"}]}', "is not a watchlist name"),
    ('{"entries": [{"name": "ru", "query": "x", "since": "demain"}]}', "since 'demain' is not a date"),
    ('{"entries": [{"name": "ru", "query": "x"}, {"name": "ru", "query": "y"}]}', "two saved searches named 'ru'"),
    ('{"version": 2, "entries": []}', "format version 2"),
    *(
        (f'{{"entries": [{{"name": "ru", "query": "x", "mark": {mark}}}]}}', f"mark {shown} is not an indexing stamp")
        for mark, shown in [("-5", "-5"), ("1e30", "1e+30"), ("1.5", "1.5"), ('"12"', "'12'"), ("true", "True")]
    ),
    ('{"entries": [{"name": "ru", "query": "x", "mark": 99999999999999999999999}]}', "mark 9999999999"),
    ('{"entries": [{"name": "ru", "query": "x", "mark": 5, "mark_id": ""}]}', "mark_id '' needs a mark, and an"),
    ('{"entries": [{"name": "ru", "query": "x", "mark_id": "p1"}]}', "mark_id 'p1' needs a mark"),
    ('{"entries": [{"name": "ru", "query": "x", "mark": 5, "mark_id": 7}]}', "mark_id 7 is not a string"),
    ("", "is not JSON"),
    ("[" * 100_000, "is not JSON"),
    (b"\xff\xfe{}", "is not UTF-8 (byte 0xff at offset 0)"),
]


def test_a_watchlist_of_the_wrong_shape_is_one_error_line_naming_it(archive, tmp_path):
    archive.cli("watchlist", "add", "ru", "poutine")
    path = archive.index / alerts.WATCHLIST_FILE
    good = path.read_bytes()

    def refused(why: str, command: tuple[str, ...] = ("alerts",)) -> None:
        done = archive.cli(*command)
        line = one_error_line(done.stderr)
        assert done.returncode == 4, (why, done.stderr)
        assert f"the watchlist {path} " in line and why in line, line

    for text, why in WRONG_SHAPES:
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        refused(why)
    path.unlink()
    path.mkdir()
    refused("is a folder, not a file", ("watchlist", "add", "ua", "kiev"))
    path.rmdir()
    (tmp_path / "elsewhere.json").write_bytes(good)
    path.symlink_to(tmp_path / "elsewhere.json")  # a save would replace the link with a file
    refused("is a symbolic link")
    path.unlink()
    os.mkfifo(path)  # opening it to read would wait for a writer forever
    refused("is not a regular file", ("watchlist", "list"))
    path.unlink()
    path.write_bytes(good)
    assert archive.new_ids() == {"ru": []}


def test_a_limit_pages_through_runs_and_loses_no_alert(archive):
    """Five new articles of one commit (one stamp), three searches: ``--limit 2``
    shows two a run, and the mark stops inside the commit, after the last one shown."""
    archive.cli("watchlist", "add", "ru", "poutine")
    archive.cli("watchlist", "add", "ru2", "kremlin")
    archive.cli("watchlist", "add", "budget", "budget")
    archive.put(*(article(f"p{n}", PUTIN, date=f"2024-01-0{n}") for n in range(2, 7)))
    code, first = archive.alerts("--limit", "2")
    assert code == 0
    ru, ru2, budget = first["alerts"]
    assert ru["total"] == 5 and [h["id"] for h in ru["hits"]] == ["p3", "p2"]  # the first indexed, newest first
    assert [h["rank"] for h in ru["hits"]] == [1, 2]
    assert ru["notes"] == ["3 more new articles not shown (--limit 2): the next run starts with them"]
    assert [h["id"] for h in ru2["hits"]] == ["p3", "p2"] and budget["hits"] == []
    assert archive.new_ids("ru", "--limit", "2") == {"ru": ["p5", "p4"]}
    archive.put(article("p7", PUTIN, date="2023-12-31"))  # a later commit comes after the rest of the first
    assert archive.new_ids("--limit", "2") == {"ru": ["p6", "p7"], "ru2": ["p5", "p4"], "budget": []}
    assert archive.new_ids("--limit", "2") == {"ru": [], "ru2": ["p6", "p7"], "budget": []}
    assert archive.new_ids() == {"ru": [], "ru2": [], "budget": []}
    (entry, *_) = alerts.load(archive.index)
    assert entry.mark[1] is None  # all shown: the mark covers the whole newest stamp


def test_articles_indexed_while_a_run_works_are_the_next_runs(archive):
    archive.cli("watchlist", "add", "ru", "poutine")
    archive.put(article("p2", PUTIN, date="2024-01-02"), article("p3", PUTIN, date="2024-01-03"))
    run = alerts.check(archive.index, limit=1)
    archive.put(article("p4", PUTIN, date="2024-01-04"))  # while the first run prints
    run.save()
    assert [h.id for h in run.alerts[0].result.hits] == ["p2"]
    assert archive.new_ids() == {"ru": ["p4", "p3"]}


def test_a_watchlist_written_before_marks_held_an_id_reads_as_whole_stamps(archive):
    archive.cli("watchlist", "add", "ru", "poutine")
    archive.put(article("p2", PUTIN, date="2024-01-02"), article("p3", PUTIN, date="2024-01-03"))
    path = archive.index / alerts.WATCHLIST_FILE
    document = json.loads(path.read_text())
    del document["entries"][0]["mark_id"]
    path.write_text(json.dumps(document))
    assert archive.new_ids("--limit", "1") == {"ru": ["p2"]}
    assert archive.new_ids() == {"ru": ["p3"]}
    saved = json.loads(path.read_text())["entries"][0]
    assert isinstance(saved["mark"], int) and saved["mark_id"] is None


def test_a_query_search_refuses_is_never_saved(archive):
    refused = archive.cli("watchlist", "add", "stop", "le la")

    assert refused.returncode == 2
    assert "only stop words" in one_error_line(refused.stderr)
    assert json.loads(archive.cli("watchlist", "list", "--json").stdout) == {"watchlist": []}


def test_a_saved_search_that_cannot_run_is_an_error_even_when_nothing_is_new(archive):
    archive.cli("watchlist", "add", "ru", "poutine")
    archive.cli("watchlist", "add", "stop", "conseil")
    path = archive.index / alerts.WATCHLIST_FILE
    document = json.loads(path.read_text())
    document["entries"][1]["query"] = "le la"  # edited by hand
    path.write_text(json.dumps(document))
    archive.put(article("p2", PUTIN, date="2024-01-02"))

    for news in (True, False):  # an article new for "ru", then nothing new at all
        done = archive.cli("alerts", "--json")

        assert done.returncode == 2, done.stderr
        assert one_error_line(done.stderr).startswith("searchkit: error: saved search stop: ")
        assert "only stop words" in done.stderr
        ru = json.loads(done.stdout)["alerts"][0]
        assert [h["id"] for h in ru["hits"]] == (["p2"] if news else [])
