"""Date and source filters: every date form, open ranges and their ends, the
undated article, filters that restrict without scoring, the views, bad dates,
and an index built before the numeric day field."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from helpers import article, one_error_line, run_cli, write_jsonl
from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit.errors import QueryError
from searchkit.generations import META_FILE, SCHEMA_VERSION, current_generation
from searchkit.indexing import build_index
from searchkit.query import parse_date_range
from searchkit.search import Searcher, SearchOptions, search

#: Days at the ends of years and months, a leap day, and dates far from the rest.
DATES = [
    "1871-03-18",
    "2021-12-31",
    "2022-01-01",
    "2022-02-28",
    "2022-03-01",
    "2022-03-05",
    "2022-03-31",
    "2022-04-01",
    "2022-12-31",
    "2023-01-01",
    "2024-02-29",
    "2099-12-31",
]
SOURCES = ("Le Monde", "Libération", "Le Monde diplomatique")


def _articles() -> list[dict]:
    """One article a date (its id), and one undated; every one says *gouvernement*,
    one, two or three times, so that some scores differ and some tie."""
    found = []
    for i, date in enumerate([*DATES, None]):
        body = " ".join(["Le gouvernement présente sa réforme."] * (1 + i % 3))
        extra = {"date": date} if date else {}
        found.append(article(date or "undated", body, title="Conseil des ministres", source=SOURCES[i % 3], **extra))
    return found


@pytest.fixture(scope="module")
def dated(tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("dates") / "index"
    build_index([write_jsonl(index_dir.parent / "news.jsonl", _articles())], index_dir)
    return index_dir


def _between(low: str, high: str) -> set[str]:
    return {d for d in DATES if low <= d <= high}


def cli_ids(index_dir: Path, *args: str) -> tuple[list[str], int]:
    done = run_cli("search", *args, "--index", str(index_dir), "--json", "--limit", "100")
    assert done.returncode in (0, 1), done.stderr
    found = json.loads(done.stdout)
    return [hit["id"] for hit in found["hits"]], found["total"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["date:2022"], _between("2022-01-01", "2022-12-31")),
        (["date:2022-03"], {"2022-03-01", "2022-03-05", "2022-03-31"}),
        (["date:2022-03-05"], {"2022-03-05"}),
        (["date:2024-02-29"], {"2024-02-29"}),
        (["date:2022-02..2022-03"], {"2022-02-28", "2022-03-01", "2022-03-05", "2022-03-31"}),
        (["date:2022-02-28..2022-03-01"], {"2022-02-28", "2022-03-01"}),
        (["date:2021..2023"], _between("2021-01-01", "2023-12-31")),
        (["date:..2021"], {"1871-03-18", "2021-12-31"}),
        (["date:2023.."], {"2023-01-01", "2024-02-29", "2099-12-31"}),
        (["date:..2200"], set(DATES)),
        (["date:1000.."], set(DATES)),
        (["date:2030"], set()),
        (["--since", "2022-03"], _between("2022-03-01", "9999")),
        (["--until", "2021"], {"1871-03-18", "2021-12-31"}),
        (["--since", "2022-03-05", "--until", "2022-04"], {"2022-03-05", "2022-03-31", "2022-04-01"}),
        (["date:2022", "--since", "2022-03", "--until", "2023"], _between("2022-03-01", "2022-12-31")),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_every_date_form_finds_the_articles_of_its_days_and_never_an_undated_one(dated, args, expected):
    query, options = (args[0], args[1:]) if not args[0].startswith("--") else ("", args)
    # Alone (all but --since and --until, which need words), and beside a word every article holds.
    forms = [[query, *options]] if query else []
    forms.append([f"{query} gouvernement".strip(), *options])
    for form in forms:
        ids, total = cli_ids(dated, *form)
        assert set(ids) == expected, form
        assert total == len(expected), form


def test_a_filter_changes_no_score_and_no_order(dated):
    every = search(dated, "gouvernement réforme", SearchOptions(limit=100, suggest=False)).hits
    scores = {hit.id: hit.score for hit in every}
    assert len(set(scores.values())) == 3  # three scores, each shared by several articles
    for text, options in [
        ("date:2022 gouvernement réforme", {}),
        ("gouvernement date:..2022-03 réforme", {}),
        ("gouvernement réforme", {"since": "2022", "until": "2022"}),
        ("gouvernement réforme source:monde", {}),
        ("source:diplomatique gouvernement date:2020.. réforme", {}),
        ("(date:2021 OR date:2023..2024) gouvernement réforme", {}),
        ("gouvernement réforme (source:monde OR (date:2020 OR date:2022-03))", {}),
    ]:
        hits = [
            (hit.id, hit.score) for hit in search(dated, text, SearchOptions(limit=100, suggest=False, **options)).hits
        ]
        kept = {found for found, _ in hits}
        # The scores of the search without the filter, in its order, ties included.
        assert hits and hits == [(hit.id, hit.score) for hit in every if hit.id in kept], text


def test_a_query_of_filters_alone_lists_its_articles_and_sorts_by_date(dated):
    ids, total = cli_ids(dated, "date:2022 source:monde")
    expected = {a["id"] for a in _articles() if a.get("date", "").startswith("2022") and "Monde" in a["source"]}
    assert set(ids) == expected and total == len(expected)
    ids, _ = cli_ids(dated, "date:2022", "--sort", "date")
    assert ids == sorted(_between("2022-01-01", "2022-12-31"), reverse=True)
    ids, _ = cli_ids(dated, "date:2022-03 le")  # stop words beside a filter: the filter alone
    assert set(ids) == {"2022-03-01", "2022-03-05", "2022-03-31"}


def test_a_negated_or_grouped_date_keeps_exactly_its_articles(dated):
    ids, _ = cli_ids(dated, "gouvernement -date:2022")
    assert set(ids) == set(DATES) - _between("2022-01-01", "2022-12-31") | {"undated"}
    ids, _ = cli_ids(dated, "gouvernement (date:2021 OR date:2023..2024)", "--all")
    assert set(ids) == {"2021-12-31", "2023-01-01", "2024-02-29"}


def test_views_count_the_articles_of_a_date_filter(dated):
    done = run_cli("timeline", "gouvernement date:2022-02..2022-04", "--by", "month", "--index", str(dated), "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    assert [(r["bucket"], r["count"]) for r in rows] == [("2022-02", 1), ("2022-03", 3), ("2022-04", 1)]
    done = run_cli("search", "gouvernement date:2022", "--facets", "month", "--index", str(dated), "--json")
    assert done.returncode == 0, done.stderr
    months = {f["value"]: f["count"] for f in json.loads(done.stdout)["facets"]["month"]}
    assert months == {"2022-01": 1, "2022-02": 1, "2022-03": 3, "2022-04": 1, "2022-12": 1}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["date:2022-02-29 gouvernement"], "bad date '2022-02-29'"),
        (["gouvernement date:2022-13"], "bad date '2022-13'"),
        (["gouvernement date:2023..2022"], "reversed"),
        (["gouvernement date:.."], "start or an end"),
        (["gouvernement", "--since", "2022-02-30"], "--since"),
        (["gouvernement", "--since", "2023", "--until", "2022"], "comes after"),
        (["gouvernement", "--since", "2022..2023"], "--since '2022..2023' is not a date"),
        (["gouvernement", "--until", "..2023"], "--until '..2023' is not a date"),
        (["gouvernement", "--since", "2022.."], "--since '2022..' is not a date"),
        (["gouvernement", "--since", ""], "--since '' is not a date"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_a_bad_date_is_one_line_and_exit_2(dated, args, says):
    done = run_cli("search", *args, "--index", str(dated))
    assert done.returncode == 2
    assert done.stdout == ""
    assert says in one_error_line(done.stderr)


# --- any range, against the dates compared as text --------------------------------------------

_RNG = random.Random(10)
#: Dates over four centuries, crowded around 2000 where tiers of the numeric field meet.
MANY_DATES = sorted(
    {(dt.date(1850, 1, 1) + dt.timedelta(days=_RNG.randrange(365 * 400))).isoformat() for _ in range(60)}
    | {(dt.date(1999, 11, 1) + dt.timedelta(days=_RNG.randrange(120))).isoformat() for _ in range(40)}
)


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("many") / "index"
    articles = [article(d, "Le gouvernement présente sa réforme.", date=d) for d in MANY_DATES]
    articles.append(article("undated", "Le gouvernement présente sa réforme."))
    build_index([write_jsonl(index_dir.parent / "news.jsonl", articles)], index_dir)
    return index_dir


_DAYS = st.dates(dt.date(1800, 1, 1), dt.date(2300, 12, 31))
_WRITTEN = st.tuples(_DAYS, st.sampled_from([4, 7, 10])).map(lambda t: t[0].isoformat()[: t[1]])


def _a_range(ends: tuple[str, str]) -> bool:
    """Whether ``low..high`` is a range the language takes (not reversed, not ``..``)."""
    try:
        parse_date_range("..".join(ends))
    except QueryError:
        return False
    return True


_ENDS = st.tuples(st.one_of(st.just(""), _WRITTEN), st.one_of(st.just(""), _WRITTEN)).filter(_a_range)


@settings(max_examples=60, deadline=None)
@given(ends=_ENDS)
def test_any_range_finds_exactly_the_dates_within_it(many, ends):
    low, high = ends
    first, last = parse_date_range(f"{low}..{high}")
    expected = {d for d in MANY_DATES if first <= d <= last}
    with Searcher(many) as searcher:
        for text, options in [
            (f"date:{low}..{high}", {}),  # ranked by Whoosh, the range in the query
            (f"gouvernement date:{low}..{high}", {}),  # a restriction, counted from posting lists
            ("gouvernement", {"since": low or None, "until": high or None}),
        ]:
            result = searcher.search(text, SearchOptions(limit=1000, suggest=False, **options))
            assert {hit.id for hit in result.hits} == expected, text
            assert result.total == len(expected), text
        # Negated, the range stays in the scored query: every other article, the undated one too.
        result = searcher.search(f"gouvernement -date:{low}..{high}", SearchOptions(limit=1000, suggest=False))
        assert {hit.id for hit in result.hits} == set(MANY_DATES) - expected | {"undated"}


# --- an index built before the numeric day field ------------------------------------------------


def test_an_index_of_the_previous_schema_asks_for_a_rebuild_then_filters_dates(tmp_path):
    corpus = write_jsonl(tmp_path / "news.jsonl", _articles())
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    meta_path = current_generation(index_dir) / META_FILE
    meta = json.loads(meta_path.read_text())
    meta["schema_version"] = SCHEMA_VERSION - 1
    meta_path.write_text(json.dumps(meta))
    done = run_cli("search", "gouvernement date:2022", "--index", str(index_dir))
    assert done.returncode == 4
    assert "`searchkit index --rebuild`" in one_error_line(done.stderr)
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--rebuild", "--quiet")
    assert done.returncode == 0, done.stderr
    ids, total = cli_ids(index_dir, "gouvernement date:2022")
    assert set(ids) == _between("2022-01-01", "2022-12-31") and total == 7


def test_dates_outside_the_years_searchkit_dates_leave_the_article_undated_with_a_warning(tmp_path):
    """9999-12-31 and 0001-01-01 are placeholders; their weeks and months have
    no neighbours in the calendar, and crashed the timeline's buckets.  The
    article is kept, undated: it is still found by its words."""
    extremes = ["9999-12-31", "0001-01-01", "0999-12-31", "3000-01-01T00:00:00"]
    corpus = write_jsonl(
        tmp_path / "c.jsonl",
        [
            article("ok", "Le budget de la ville.", date="2022-03-01"),
            article("edge", "Le budget du royaume.", date="1000-01-01"),
            *(article(f"x{n}", "Le budget ailleurs.", date=d) for n, d in enumerate(extremes)),
        ],
    )
    index_dir = tmp_path / "index"
    done = run_cli("index", str(corpus), "--index", str(index_dir))
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if line.startswith("searchkit: warning:")]
    assert len(warned) == len(extremes), done.stderr
    assert all("outside the years 1000 to 2999" in line and "indexed undated" in line for line in warned)
    found = run_cli("search", "budget", "--json", "--limit", "10", "--index", str(index_dir))
    assert {hit["id"]: hit["date"] for hit in json.loads(found.stdout)["hits"]} == {
        "ok": "2022-03-01",
        "edge": "1000-01-01",
        **{f"x{n}": None for n in range(len(extremes))},
    }
    shown = run_cli("timeline", "budget", "--by", "year", "--json", "--index", str(index_dir))
    assert shown.returncode == 0, shown.stderr
    counted = json.loads(shown.stdout)["queries"][0]
    assert (counted["total"], counted["undated"]) == (6, 4)
    for unit in ("day", "week", "month"):  # the first week and month of the calendar searchkit dates in
        shown = run_cli("timeline", "budget", "--by", unit, "--until", "1000-02", "--index", str(index_dir))
        assert shown.returncode == 0, (unit, shown.stderr)
