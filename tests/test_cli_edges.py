"""The command line's rough edges (issue 22), each as a user meets it: output
to a file or a pipe, a reader that goes away, the pager, the output options
every listing shares, numbers and words, help text, ids in a concordance.

Each runs the real CLI: Typer's CliRunner, a subprocess, or a subprocess on
a pseudo-terminal where a terminal is what the behaviour is about.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer
from helpers import article, invoke, on_terminal, one_error_line, run_cli, write_jsonl

from searchkit.cli import app
from searchkit.indexing import build_index

WIKINEWS_ID = "wikinews-2022_09_21-0042"  #: an id as long as the real corpora's
LONG_TITLE = "Le ministre Choïgou " + " ".join(f"mot{n}" for n in range(40))
LONG_BODY = " ".join(["La mobilisation partielle annoncée par Choïgou se poursuit dans les régions."] * 60)
ARTICLES = [
    article("long-1", LONG_BODY, title=LONG_TITLE, date="2022-09-21", source="Le Monde"),
    article("court", "Choïgou parle.", title="Court", date="2022-09-22", source="AFP"),
    article(WIKINEWS_ID, "Au Kremlin, le ministre de la Défense Choïgou a reçu les chefs.", date="2022-09-21"),
    *(
        article(f"n{n}", f"Choïgou et le budget numéro {n}.", date=f"2022-03-{n:02d}", source="AFP")
        for n in range(1, 13)
    ),
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No colour, width, pager or index settings leak in from the developer's shell."""
    for name in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "COLUMNS", "LINES", "SEARCHKIT_INDEX"):
        monkeypatch.delenv(name, raising=False)
    for name in ("PAGER", "SEARCHKIT_PAGER", "LESS", "LV"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("edges")
    build_index([write_jsonl(root / "news.jsonl", ARTICLES)], root / "index")
    return root / "index"


# --- 2. a file, a pipe or a log gets whole lines ---------------------------------------------


def test_search_into_a_file_keeps_each_line_whole(index_dir, tmp_path):
    with open(tmp_path / "f.txt", "w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "searchkit", "search", "choïgou", "--index", str(index_dir), "-n", "1"],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "f.txt").read_text().splitlines()
    assert f"  1. {LONG_TITLE}" in lines  # the title on one line, not folded
    (facts,) = [line for line in lines if "id long-1" in line]
    assert "· score " in facts and facts.rstrip()[-1].isdigit()  # "score" beside its value
    assert max(len(line) for line in lines) > 200  # the snippet whole, not cut either


def test_show_into_a_pipe_is_the_article_unboxed_and_unwrapped(index_dir):
    done = run_cli("show", "long-1", "--index", str(index_dir))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == LONG_TITLE
    assert LONG_BODY in lines
    assert "│" not in done.stdout and "╭" not in done.stdout


def test_the_index_summary_in_a_log_is_one_line(tmp_path):
    corpus = write_jsonl(tmp_path / "news.jsonl", ARTICLES)
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 4, "index")
    done = run_cli("index", str(corpus), "--index", str(deep))
    assert done.returncode == 0, done.stderr
    (summary,) = done.stderr.splitlines()
    assert summary.startswith("rebuild: ") and f"in {deep} (" in summary


# --- 1. show pages as git does -------------------------------------------------------------


@pytest.fixture
def recording_pager(tmp_path) -> tuple[str, Path]:
    """A pager command that writes down LESS and LV as it found them, and what it was given."""
    return f'printf "%s|%s" "$LESS" "$LV" > {tmp_path}/env; cat > {tmp_path}/paged', tmp_path


def test_show_pages_a_long_article_with_less_showing_styles(index_dir, recording_pager):
    command, where = recording_pager
    code, shown = on_terminal("show", "long-1", "--index", str(index_dir), env={"SEARCHKIT_PAGER": command})
    assert code == 0
    assert (where / "env").read_text() == "FRX|-c"
    paged = (where / "paged").read_bytes()
    assert b"\x1b[" in paged and b"mobilisation partielle" in paged  # styled, for less -R
    assert b"mobilisation partielle" not in shown


def test_show_keeps_the_users_less_options(index_dir, recording_pager):
    command, where = recording_pager
    env = {"PAGER": command, "LESS": "-S", "LV": "-x"}
    assert on_terminal("show", "long-1", "--index", str(index_dir), env=env)[0] == 0
    assert (where / "env").read_text() == "-S|-x"


def test_show_writes_an_article_that_fits_the_screen_without_a_pager(index_dir, recording_pager):
    command, where = recording_pager
    code, shown = on_terminal("show", "court", "--index", str(index_dir), env={"SEARCHKIT_PAGER": command})
    assert code == 0 and "Choïgou parle.".encode() in shown
    assert not (where / "env").exists()


def test_show_into_a_pipe_never_pages(index_dir, recording_pager):
    command, where = recording_pager
    done = run_cli("show", "long-1", "--index", str(index_dir), env={"SEARCHKIT_PAGER": command})
    assert done.returncode == 0 and LONG_BODY in done.stdout
    assert not (where / "env").exists()


def test_a_pager_that_cannot_be_run_leaves_the_article_on_the_terminal(index_dir):
    code, shown = on_terminal("show", "long-1", "--index", str(index_dir), env={"PAGER": "no-such-pager-here"})
    assert code == 0 and b"mobilisation partielle" in shown


@pytest.mark.skipif(shutil.which("less") is None, reason="no less installed")
def test_less_shows_the_styles_not_their_escape_codes(index_dir):
    """The reporter's fresh clone: LESS unset, less paged the article with ESC[1m shown as text."""
    code, shown = on_terminal("show", "long-1", "--index", str(index_dir), env={}, keys=b"q")
    assert code == 0
    assert b"ESC[" not in shown and b"mobilisation partielle" in shown


# --- 5. words, numbers, values, pages, errors --------------------------------------------------


@pytest.mark.parametrize("command", ["show", "similar"])
def test_an_unknown_article_id_is_not_found_exit_1(index_dir, command):
    done = invoke(command, "no-such-id", "--index", str(index_dir))
    assert done.exit_code == 1
    assert "no article with id 'no-such-id'" in one_error_line(done.stderr)


def test_no_index_says_which_folder_and_the_way_out(tmp_path):
    nothing = run_cli("search", "choïgou", cwd=tmp_path)
    assert nothing.returncode == 4
    assert one_error_line(nothing.stderr) == (
        "searchkit: error: no index at ./index and no ./corpus to build one from "
        "(run `searchkit index CORPUS`, or pass --index FOLDER)"
    )
    elsewhere = run_cli("stats", "--index", "archive", cwd=tmp_path)
    assert "no index at ./archive (run `searchkit index CORPUS`" in one_error_line(elsewhere.stderr)


def test_counts_are_singular_for_one_and_thousands_are_separated(tmp_path):
    one = write_jsonl(tmp_path / "one.jsonl", ARTICLES[1:2])
    first = run_cli("index", str(one), "--index", str(tmp_path / "one"))
    assert "; 1 article in " in first.stderr, first.stderr
    found = run_cli("search", "choïgou", "--index", str(tmp_path / "one"))
    assert found.stdout.startswith("1 article for 'choïgou'")
    many = write_jsonl(tmp_path / "many.jsonl", [article(f"m{n}", "Le budget.") for n in range(1000)])
    built = run_cli("index", str(many), "--index", str(tmp_path / "many"))
    assert "rebuild: 1,000 added" in built.stderr and "; 1,000 articles in " in built.stderr, built.stderr
    listed = run_cli("search", "budget", "--index", str(tmp_path / "many"), "--jsonl", "-n", "1")
    assert '"rank": 1' in listed.stdout and "1,000" in listed.stderr  # the note is for people; the JSON stays plain


def test_csv_and_fields_write_booleans_as_json_does(index_dir):
    rows = invoke("search", "choïgou", "--index", str(index_dir), "--csv").stdout.splitlines()
    partial = rows[0].split(",").index("partial")
    assert {row.split(",")[partial] for row in rows[1:] if row.count(",") == rows[0].count(",")} == {"false"}
    tsv = invoke("search", "choïgou", "--index", str(index_dir), "--fields", "id,partial,url").stdout
    assert "long-1\tfalse\t" in tsv.splitlines()  # and null is an empty cell, as in the CSV
    assert "False" not in tsv and "None" not in tsv


def test_a_page_past_the_last_says_which_pages_there_are(index_dir):
    done = invoke("search", "choïgou", "--index", str(index_dir), "--page", "999", "-n", "5")
    assert done.exit_code == 1
    assert one_error_line(done.stderr) == "searchkit: page 999 of 3: 15 articles, 5 a page (--page 1 to 3)"


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*path, name))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*path, name)))
    return found


@pytest.mark.parametrize("width", [80, 100, 120])
def test_help_paragraphs_break_only_where_the_width_does(width):
    """A prose line of any command's help ends because the next word would not fit, never mid-phrase."""
    for command in [(), *_commands(typer.main.get_command(app))]:
        shown = invoke(*command, "--help", env={"COLUMNS": str(width), "TERMINAL_WIDTH": None})
        assert shown.exit_code == 0, command
        lines = shown.stdout.splitlines()
        assert max(len(line) for line in lines) <= width, command
        for line, after in itertools.pairwise(lines):
            prose = line.startswith(" ") and not line.startswith("  ")
            if prose and after.startswith(" ") and not after.startswith("  ") and after.strip():
                next_word = after.split()[0]
                assert len(line.rstrip()) + 1 + len(next_word) > width - 2, (command, line, after)


def test_the_query_language_table_never_folds_back_to_the_margin():
    for width in (80, 100, 120):
        lines = invoke("search", "--help", env={"COLUMNS": str(width)}).stdout.splitlines()
        table = lines[lines.index(next(x for x in lines if "Query language" in x)) + 1 :]
        table = table[: table.index(next(x for x in table if not x.strip()))]
        assert len(table) > 15 and all(line.startswith("   ") for line in table), width


def test_by_completes_the_bucket_units():
    done = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv[0] = 'searchkit'; from searchkit.cli import main; main()"],
        env={**os.environ, "_SEARCHKIT_COMPLETE": "complete_bash", "COMP_WORDS": "searchkit timeline x --by m"}
        | {"COMP_CWORD": "4"},
        capture_output=True,
        text=True,
    )
    assert done.stdout.split() == ["month"], done.stderr


# --- 6. a concordance shows ids whole ----------------------------------------------------------

ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.mark.parametrize("columns", [60, 80])
def test_kwic_on_a_terminal_shows_ids_whole_and_gives_way_in_the_context(index_dir, columns):
    code, shown = on_terminal("kwic", "kremlin", "--index", str(index_dir), env={}, columns=columns)
    assert code == 0
    lines = ESCAPES.sub(b"", shown).decode().splitlines()
    (line,) = [line for line in lines if "Kremlin" in line]
    assert WIKINEWS_ID in line.split()  # whole, as `show` takes it
    assert len(line) <= columns  # on one line of the terminal


# --- 3. a reader that goes away ------------------------------------------------------------

#: Every command that writes to stdout, in each of its formats.
WRITERS = [
    ["search", "choïgou"],
    ["search", "choïgou", "--json"],
    ["search", "choïgou", "--jsonl"],
    ["search", "choïgou", "--csv"],
    ["search", "choïgou", "--tsv"],
    ["search", "choïgou", "--fields", "id"],
    ["search", "choïgou", "--facets", "month", "--tsv"],
    ["similar", "long-1"],
    ["similar", "long-1", "--csv"],
    ["show", "long-1"],
    ["show", "long-1", "--json"],
    ["stats"],
    ["stats", "--json"],
    ["check"],
    ["names", "choïgou"],
    ["timeline", "choïgou"],
    ["timeline", "choïgou", "--json"],
    ["kwic", "choïgou"],
    ["kwic", "choïgou", "--tsv"],
    ["cooccur", "choïgou", "--min-articles", "1"],
    ["cooccur", "choïgou", "--min-articles", "1", "--jsonl"],
    ["export", "choïgou", "--format", "csv"],
    ["watchlist", "list"],
]


@pytest.mark.parametrize("args", WRITERS, ids=" ".join)
def test_a_reader_that_went_away_leaves_every_command_its_exit_code(index_dir, args):
    """`searchkit ... | head -0`: 0 as with a reader that read it all, never 1 ("no hits") nor 120."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "searchkit", *args, "--index", str(index_dir)],
            stdin=subprocess.DEVNULL,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(writer)
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stderr and "Traceback" not in done.stderr


# --- 4. one set of output options --------------------------------------------------------------

LISTS_AND_TABLES = {
    "search": ["choïgou"],
    "similar": ["long-1"],
    "alerts": [],
    "timeline": ["choïgou"],
    "kwic": ["choïgou"],
    "cooccur": ["choïgou"],
}


@pytest.mark.parametrize("command", sorted(LISTS_AND_TABLES))
def test_every_list_and_table_takes_the_one_set_of_output_options(command):
    shown = invoke(command, "--help", env={"COLUMNS": "200"}).stdout
    for option in ("--json", "--jsonl", "--csv", "--tsv", "--fields", "--no-header", "--color"):
        assert f" {option} " in shown, (command, option)


@pytest.mark.parametrize("command", ["show", "stats", "check", "names"])
def test_every_command_that_prints_one_thing_takes_json_and_color(command):
    shown = invoke(command, "--help", env={"COLUMNS": "200"}).stdout
    assert " --json " in shown and " --color " in shown, command


def test_facets_as_tsv_are_the_facet_rows(index_dir):
    done = invoke("search", "choïgou", "--facets", "month", "--tsv", "--index", str(index_dir))
    assert done.exit_code == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ["facet\tvalue\tcount", "month\t2022-03\t12"]


def test_fields_choose_a_views_columns_in_every_format(index_dir):
    base = ["timeline", "choïgou", "--by", "month", "--index", str(index_dir), "--fields", "bucket,count"]
    assert invoke(*base).stdout.splitlines()[:2] == ["bucket\tcount", "2022-03\t12"]
    assert invoke(*base, "--csv").stdout.splitlines()[:2] == ["bucket,count", "2022-03,12"]
    assert json.loads(invoke(*base, "--jsonl").stdout.splitlines()[0]) == {"bucket": "2022-03", "count": 12}
    assert json.loads(invoke(*base, "--json").stdout)["rows"][0] == {"bucket": "2022-03", "count": 12}
    kwic = invoke("kwic", "kremlin", "--index", str(index_dir), "--fields", "docname,keyword", "--json")
    assert json.loads(kwic.stdout)["lines"] == [{"docname": WIKINEWS_ID, "keyword": "Kremlin"}]
    wrong = invoke("cooccur", "choïgou", "--index", str(index_dir), "--fields", "nope")
    assert wrong.exit_code == 2 and "choose from name, key, articles" in one_error_line(wrong.stderr)


def test_fields_print_a_header_that_no_header_leaves_out(index_dir):
    base = ["search", "choïgou", "--index", str(index_dir), "--fields", "id", "--sort", "date", "-n", "1"]
    assert invoke(*base).stdout.splitlines() == ["id", "court"]
    assert invoke(*base, "--no-header").stdout.splitlines() == ["court"]
    assert invoke(*base, "--csv", "--no-header").stdout.splitlines() == ["court"]
    misplaced = invoke(*base[:4], "--json", "--no-header")
    assert misplaced.exit_code == 2 and "--no-header is for" in one_error_line(misplaced.stderr)


def test_the_watchlist_lists_in_every_format(index_dir, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(index_dir, index)
    assert invoke("watchlist", "add", "kremlin", "kremlin", "--source", "AFP", "--index", str(index)).exit_code == 0
    listed = ["watchlist", "list", "--index", str(index)]
    assert invoke(*listed, "--csv").stdout.splitlines()[0] == "name,query,since,until,source,created,checked"
    assert invoke(*listed, "--fields", "name,source").stdout.splitlines() == ["name\tsource", "kremlin\tAFP"]
    assert json.loads(invoke(*listed, "--jsonl", "--fields", "query").stdout) == {"query": "kremlin"}


@pytest.mark.parametrize(
    "args",
    [["index", "corpus", "--index", ""], ["index", "", "--index", "ix"], ["search", "poutine", "--index", ""]],
    ids=["index --index ''", "index ''", "search --index ''"],
)
def test_an_empty_path_is_a_usage_error_never_the_current_folder(tmp_path, args):
    (tmp_path / "corpus").mkdir()
    write_jsonl(tmp_path / "corpus" / "news.jsonl", [article("1", "Le mot Poutine.")])

    done = run_cli(*args, cwd=tmp_path)

    assert done.returncode == 2
    assert "an empty path names no file or folder" in one_error_line(done.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]


@pytest.mark.parametrize("command", ["search", "similar", "timeline"])
@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_source_is_a_usage_error_never_a_filter_left_out(index_dir, command, value):
    first = "choïgou" if command != "similar" else "1"
    done = invoke(command, first, "--source", value, "--index", str(index_dir))
    assert done.exit_code == 2
    assert "has no word to look for" in one_error_line(done.stderr)


@pytest.mark.parametrize("query", ["", "le la", "  "])
def test_show_refuses_the_queries_search_refuses(index_dir, query):
    article_id = json.loads(invoke("search", "choïgou", "--json", "--index", str(index_dir)).stdout)["hits"][0]["id"]
    assert invoke("search", query, "--index", str(index_dir)).exit_code == 2

    done = invoke("show", article_id, "-q", query, "--index", str(index_dir))

    assert done.exit_code == 2
    assert "bad query" in one_error_line(done.stderr)
    assert invoke("show", article_id, "-q", "NOT choïgou", "--index", str(index_dir)).exit_code == 0, "as search"
