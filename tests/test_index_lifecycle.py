"""The index life cycle on real on-disk indexes and real processes.

Incremental updates against full rebuilds, generations and the ``CURRENT``
swap, a rebuild killed with SIGKILL, the writer lock (held, contended, stale),
searching while a rebuild runs, outdated indexes, malformed input, ``stats``
and ``--optimize``.

A corpus of a few thousand generated articles (big enough for a rebuild to take
seconds and to run Whoosh's multiprocess writer) is written and indexed once
per module; the tests that need it work on a copy of that index.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import (
    MARKER,
    article,
    child_pids,
    finish,
    generated_articles,
    kill_group,
    one_error_line,
    run_cli,
    spawn,
    wait_for,
    write_jsonl,
)

from searchkit.analysis import ANALYSIS_VERSION
from searchkit.engine.whoosh_engine import PARALLEL_THRESHOLD
from searchkit.generations import CURRENT_FILE, META_FILE, SCHEMA_VERSION, current_generation
from searchkit.indexing import build_index
from searchkit.lock import LOCK_FILE, writer_lock
from searchkit.search import SearchOptions, search
from searchkit.signatures import RECORD_FILE
from searchkit.stats import index_stats

# --- helpers -------------------------------------------------------------------

BIG_ARTICLES = 3000
MARKED = [f"g{i:05d}" for i in range(BIG_ARTICLES) if i % 97 == 0]


def hits(index_dir: Path, query: str) -> list[tuple[str, float]]:
    return [(h.id, round(h.score, 4)) for h in search(index_dir, query, SearchOptions(limit=50)).hits]


def ids(index_dir: Path, query: str, limit: int = 50) -> list[str]:
    return [h.id for h in search(index_dir, query, SearchOptions(limit=limit)).hits]


def current_name(index_dir: Path) -> str:
    return (index_dir / CURRENT_FILE).read_text().strip()


def generations(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.glob("gen-*") if p.is_dir()}


def file_snapshot(folder: Path, exclude: tuple[str, ...] = ()) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file() and p.name not in exclude}


# --- the big corpus, indexed once ------------------------------------------------


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[Path, Path]:
    """(corpus file, pristine index) of BIG_ARTICLES generated articles, built by the CLI."""
    root = tmp_path_factory.mktemp("big")
    corpus = write_jsonl(root / "big.jsonl", generated_articles(BIG_ARTICLES))
    index_dir = root / "index"
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--json", timeout=180)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["mode"] == "rebuild" and report["documents"] == BIG_ARTICLES
    assert BIG_ARTICLES >= PARALLEL_THRESHOLD  # the multiprocess writer path
    return corpus, index_dir


@pytest.fixture
def big_copy(big, tmp_path) -> tuple[Path, Path]:
    corpus, pristine = big
    index_dir = tmp_path / "index"
    shutil.copytree(pristine, index_dir)
    return corpus, index_dir


# --- a small corpus, as JSON Lines or as a folder with native files -------------------


def news() -> list[dict]:
    sources = ("Le Monde", "Libération", "Wikinews")
    texts = [
        ("Réforme des retraites", "Le gouvernement présente la réforme des retraites devant l’Assemblée nationale."),
        ("Grève dans les transports", "Les syndicats appellent à la grève : trains et métros à l’arrêt à Paris."),
        ("Budget 2023", "Le ministre de l’Économie défend un budget de rigueur et une baisse de la dette."),
        ("Sommet à Bruxelles", "Les dirigeants européens négocient un plafond du prix du gaz russe."),
        ("Choïgou à Moscou", "Sergueï Choïgou a présidé une réunion de l’état-major à Moscou."),
        ("Shoigu visits the front", "Sergei Shoigu, le ministre russe de la Défense, inspecte les troupes."),
        ("Sécheresse historique", "Les agriculteurs du Sud-Ouest redoutent une récolte catastrophique."),
        ("Conseil de sécurité", "Le Conseil de sécurité de l’ONU se réunit en urgence sur l’Ukraine."),
        ("Inflation record", "L’inflation atteint 6 % sur un an, portée par l’énergie et l’alimentation."),
        ("Festival d’Avignon", "Le festival de théâtre s’ouvre dans la cour d’honneur du palais des papes."),
        ("Kyiv sous les bombes", "Des frappes russes visent les centrales électriques autour de Kiev."),
        ("Coupe du monde", "L’équipe de France de football se qualifie pour la finale au Qatar."),
    ]
    return [
        article(
            f"{700 + i}",
            body + " " + "Les retraites et la grève dominent l’actualité. " * (i % 3),
            title=title,
            date=f"2022-{1 + i:02d}-{10 + i:02d}",
            source=sources[i % 3],
        )
        for i, (title, body) in enumerate(texts)
    ]


QUERIES = [
    "retraites",
    "grève",
    "réforme retraites",
    '"conseil de sécurité"',
    "choïgou",
    "ministre OR gouvernement",
    "russe -ukraine",
    "title:budget",
    "électri*",
    "source:monde",
    "kyiv",
    "retraites date:2022-01..2022-06",
]


def edited_news(articles: list[dict]) -> list[dict]:
    """One article edited, one deleted, one added."""
    edited = [dict(a) for a in articles]
    edited[1]["body"] += " Nouvelle journée de grève générale et de manifestations contre la réforme."
    del edited[4]
    edited.append(
        article(
            "799",
            "Une grève générale paralyse les transports ; le gouvernement maintient la réforme des retraites.",
            title="Grève générale",
            date="2022-12-20",
            source="Le Monde",
        )
    )
    return edited


def write_native(path: Path, item: dict) -> Path:
    path.write_text(f"{item['title']}\n\n{item['id']}\n\n{item['body']}\n", encoding="utf-8")
    return path


def make_corpus(kind: str, root: Path, articles: list[dict]) -> Path:
    """Writes ``articles`` as one JSON Lines file, or as a folder (native .txt files plus a .jsonl)."""
    if kind == "jsonl":
        return write_jsonl(root / "news.jsonl", articles)
    folder = root / "news"
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "2022").mkdir(parents=True)
    native = [a for i, a in enumerate(articles) if i % 2 == 0 or a["id"] == "799"]
    for item in native:
        write_native(folder / "2022" / f"{item['id']}.txt", item)
    write_jsonl(folder / "more.jsonl", [a for a in articles if a not in native])
    return folder


@pytest.fixture(params=["jsonl", "folder"])
def updated_and_rebuilt(request, tmp_path):
    """An index built, then updated after an edit, an addition and a deletion; and a
    full rebuild of the edited corpus in another folder."""
    kind = request.param
    original = news()
    corpus = make_corpus(kind, tmp_path, original)
    updated = tmp_path / "updated"
    first = build_index([corpus], updated)
    assert first.mode == "rebuild" and first.documents == len(original)
    if kind == "folder":
        # The edited, deleted and added articles are native files.
        assert (corpus / "2022" / "702.txt").exists() and (corpus / "2022" / "704.txt").exists()
        edited = [dict(a) for a in original]
        edited[2]["body"] += " Le ministre annonce une grève des dépenses et une nouvelle réforme."
        del edited[4]
        edited.append(article("799", "Une grève générale paralyse les transports.", title="Grève générale"))
        write_native(corpus / "2022" / "702.txt", edited[2])
        (corpus / "2022" / "704.txt").unlink()
        write_native(corpus / "2022" / "799.txt", edited[-1])
    else:
        edited = edited_news(original)
        make_corpus(kind, tmp_path, edited)
    report = build_index([corpus], updated)
    rebuilt = tmp_path / "rebuilt"
    full = build_index([corpus], rebuilt, rebuild=True)
    return report, full, updated, rebuilt, len(edited)


# --- 1. incremental updates --------------------------------------------------------


def test_update_is_the_default_and_counts_each_change(updated_and_rebuilt):
    report, full, updated, _, total = updated_and_rebuilt
    assert report.mode == "update"
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, total - 2)
    assert report.rejected == []
    assert report.documents == total == full.documents
    assert full.mode == "rebuild" and full.added == total
    assert current_name(updated) == "gen-000001" and generations(updated) == {"gen-000001"}


def test_update_finds_the_same_articles_as_a_rebuild(updated_and_rebuilt):
    _, _, updated, rebuilt, _ = updated_and_rebuilt
    assert ids(updated, "id:799") == ["799"]
    assert ids(updated, "id:704") == []
    for query in QUERIES:
        from_update = {hit for hit, _ in hits(updated, query)}
        from_rebuild = {hit for hit, _ in hits(rebuilt, query)}
        assert from_update == from_rebuild, query
    assert sum(bool(hits(rebuilt, q)) for q in QUERIES) >= len(QUERIES) - 1


def test_update_ranks_like_a_rebuild(updated_and_rebuilt):
    # Scores are close, not identical: like Lucene, Whoosh keeps replaced and
    # deleted articles in its collection statistics (document count, field
    # lengths), so two articles whose scores differ by a hair may swap.
    _, _, updated, rebuilt, _ = updated_and_rebuilt
    for query in QUERIES:
        from_update, from_rebuild = dict(hits(updated, query)), dict(hits(rebuilt, query))
        assert from_update.keys() == from_rebuild.keys(), query
        for id, score in from_rebuild.items():
            assert from_update[id] == pytest.approx(score, rel=0.1), (query, id)
        for a, b in itertools.combinations(from_rebuild, 2):
            if from_rebuild[a] > 1.2 * from_rebuild[b]:
                assert from_update[a] > from_update[b], (query, a, b)


def test_update_with_only_additions_ranks_exactly_like_a_rebuild(tmp_path):
    original = news()
    corpus = write_jsonl(tmp_path / "news.jsonl", original)
    build_index([corpus], tmp_path / "updated")
    more = [*original, article("799", "Une grève générale paralyse les transports.", title="Grève générale")]
    write_jsonl(corpus, more)
    report = build_index([corpus], tmp_path / "updated")
    assert (report.mode, report.added, report.unchanged) == ("update", 1, len(original))
    build_index([corpus], tmp_path / "rebuilt", rebuild=True)
    for query in QUERIES:
        assert hits(tmp_path / "updated", query) == hits(tmp_path / "rebuilt", query), query


def nothing_changed(tmp_path: Path):
    corpus = write_jsonl(tmp_path / "news.jsonl", news())
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    return corpus, index_dir, current_generation(index_dir)


def test_update_with_nothing_changed_commits_no_segment(tmp_path):
    corpus, index_dir, generation = nothing_changed(tmp_path)

    def segment_files() -> dict[str, int]:
        return {name: mtime for name, mtime in file_snapshot(generation).items() if name.endswith((".toc", ".seg"))}

    before, segments = segment_files(), index_stats(index_dir).segments
    assert any(name.endswith(".toc") for name in before)
    time.sleep(0.02)
    report = build_index([corpus], index_dir)
    assert report.mode == "update"
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, len(news()))
    assert report.documents == len(news())
    assert segment_files() == before
    assert index_stats(index_dir).segments == segments
    assert current_name(index_dir) == generation.name and generations(index_dir) == {generation.name}


def test_update_with_nothing_changed_leaves_the_index_files_alone(tmp_path):
    corpus, index_dir, generation = nothing_changed(tmp_path)
    rewritten = (RECORD_FILE,)  # rewritten while the corpus is younger than the racy window (test_updates.py)
    before = file_snapshot(generation, rewritten)
    time.sleep(0.02)
    sizes = [build_index([corpus], index_dir).index_bytes for _ in range(2)]
    assert file_snapshot(generation, rewritten) == before
    assert sizes[0] == sizes[1]


# --- 2. generations ------------------------------------------------------------------


def test_rebuild_swaps_current_and_keeps_only_the_previous_generation(tmp_path):
    corpus = write_jsonl(tmp_path / "news.jsonl", news())
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    assert current_name(index_dir) == "gen-000001" and generations(index_dir) == {"gen-000001"}
    expected = hits(index_dir, "retraites")
    for number in (2, 3, 4):
        done = run_cli("index", str(corpus), "--index", str(index_dir), "--rebuild", "--json", timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["mode"] == "rebuild"
        assert current_name(index_dir) == f"gen-{number:06d}"
        assert generations(index_dir) == {f"gen-{number - 1:06d}", f"gen-{number:06d}"}
        assert hits(index_dir, "retraites") == expected
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--json", timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["mode"] == "update"
    assert current_name(index_dir) == "gen-000004"
    assert generations(index_dir) == {"gen-000003", "gen-000004"}
    assert not (index_dir / f".{CURRENT_FILE}.tmp").exists()


# --- 3. a rebuild killed mid-way ------------------------------------------------------


def test_rebuild_killed_with_sigkill_leaves_the_live_index_intact(big_copy):
    corpus, index_dir = big_copy
    old = current_name(index_dir)
    before_gens = generations(index_dir)
    expected = hits(index_dir, MARKER)
    assert sorted(h for h, _ in expected) == MARKED
    proc = spawn("index", str(corpus), "--index", str(index_dir), "--rebuild")
    try:
        new = wait_for(lambda: generations(index_dir) - before_gens, 60, "the rebuild's new generation")
        # The multiprocess writer has started its writer processes: kill in the middle of it.
        wait_for(lambda: child_pids(proc.pid), 60, "the writer processes")
        time.sleep(0.3)
        assert proc.poll() is None, "the rebuild finished before it could be killed: make the corpus bigger"
        os.killpg(proc.pid, signal.SIGKILL)
        finish(proc, 30)
    finally:
        kill_group(proc)
        finish(proc, 30)
    assert proc.returncode == -signal.SIGKILL
    (leftover,) = new
    assert (index_dir / leftover).is_dir()
    assert current_name(index_dir) == old
    assert hits(index_dir, MARKER) == expected
    done = run_cli("search", MARKER, "--index", str(index_dir), "--json", "--limit", "50", timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(h["id"] for h in json.loads(done.stdout)["hits"]) == MARKED
    # The next run is not blocked by the dead writer's lock, and clears its leftover.
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--json", "--wait", "5", timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["mode"], report["unchanged"], report["documents"]) == ("update", BIG_ARTICLES, BIG_ARTICLES)
    assert generations(index_dir) == before_gens
    assert current_name(index_dir) == old
    assert hits(index_dir, MARKER) == expected


# --- 4. concurrent writers -------------------------------------------------------------


def test_index_fails_fast_while_another_process_holds_the_lock(tmp_path):
    corpus = write_jsonl(tmp_path / "news.jsonl", news())
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    with writer_lock(index_dir, wait=0):
        started = time.monotonic()
        done = run_cli("index", str(corpus), "--index", str(index_dir), "--wait", "0.5", timeout=60)
        waited = time.monotonic() - started
    assert done.returncode == 4, done.stderr
    assert done.stdout == ""
    line = one_error_line(done.stderr)
    assert f"pid {os.getpid()} " in line and "locked" in line
    assert waited >= 0.5
    # Once released, the same command goes through.
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--wait", "0.5", "--quiet", timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("rebuild", [False, True], ids=["update", "rebuild"])
def test_two_writers_at_once_both_finish_with_every_article_once(tmp_path, rebuild):
    articles = generated_articles(40, seed=5)
    corpus = write_jsonl(tmp_path / "news.jsonl", articles)
    index_dir = tmp_path / "index"
    args = ["index", str(corpus), "--index", str(index_dir), "--wait", "60", "--json"]
    if rebuild:
        args.append("--rebuild")
    procs = [spawn(*args) for _ in range(2)]
    try:
        outputs = [finish(proc, 120) for proc in procs]
    finally:
        for proc in procs:
            kill_group(proc)
            finish(proc, 30)
    for proc, (_, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, stderr
    modes = sorted(json.loads(stdout)["mode"] for stdout, _ in outputs)
    assert modes == (["rebuild", "rebuild"] if rebuild else ["rebuild", "update"])
    stats = index_stats(index_dir)
    assert stats.documents == len(articles)
    for item in articles:
        assert ids(index_dir, f"id:{item['id']}") == [item["id"]]
    assert len(ids(index_dir, "gouvernement OR ministre OR le", limit=1000)) <= len(articles)


WRITER_LOOP = """
import json, sys
from pathlib import Path
from searchkit.indexing import build_index
corpus, index_dir, rounds = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
for i in range(rounds):
    with corpus.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"id": f"added-{i}", "title": "Ajout", "body": f"Le gouvernement, ajout {i}."}) + "\\n")
    build_index([corpus], index_dir)
"""


def test_searches_racing_updates_never_see_a_damaged_index(tmp_path):
    """Each update commits in place: Whoosh writes the new table of contents
    and deletes the old one and merged segments; a search opening the index
    meanwhile must read one commit or the other, never report damage."""
    corpus = write_jsonl(tmp_path / "news.jsonl", generated_articles(30, seed=9))
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    rounds = 25
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER_LOOP, str(corpus), str(index_dir), str(rounds)], stderr=subprocess.PIPE, text=True
    )
    searched = 0
    try:
        while writer.poll() is None:
            assert search(index_dir, "gouvernement", SearchOptions(limit=5)).total >= 1
            searched += 1
    finally:
        writer.kill()
        _, stderr = writer.communicate(timeout=60)
    assert writer.returncode == 0, stderr
    assert searched > rounds
    assert len(ids(index_dir, "ajout", limit=100)) == rounds


# --- 5. stale locks --------------------------------------------------------------------


def test_stale_lock_file_written_by_hand_does_not_block(tmp_path):
    corpus = write_jsonl(tmp_path / "news.jsonl", news())
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    (index_dir / LOCK_FILE).write_text("pid 999999 on elsewhere since 2022-01-01T00:00:00+00:00")
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--wait", "0.5", "--json", timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["mode"] == "update"
    assert (index_dir / LOCK_FILE).read_text() == ""  # released, holder cleared


HOLD_LOCK = """
import sys, time
from pathlib import Path
from searchkit.lock import writer_lock
with writer_lock(Path(sys.argv[1]), wait=0):
    time.sleep(120)
"""


def test_lock_of_a_killed_writer_does_not_block(tmp_path):
    corpus = write_jsonl(tmp_path / "news.jsonl", news())
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(index_dir)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        lock = index_dir / LOCK_FILE
        wait_for(lambda: f"pid {holder.pid} " in lock.read_text(), 30, "the holder to take the lock")
        done = run_cli("index", str(corpus), "--index", str(index_dir), "--wait", "0.3", timeout=60)
        assert done.returncode == 4, done.stderr  # really held
        assert f"pid {holder.pid} " in one_error_line(done.stderr)
        os.killpg(holder.pid, signal.SIGKILL)
        finish(holder, 30)
    finally:
        kill_group(holder)
        finish(holder, 30)
    assert f"pid {holder.pid} " in lock.read_text()  # the dead holder's text is still there
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--wait", "0.5", "--json", timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["unchanged"] == len(news())


# --- 6. searching while a rebuild runs ---------------------------------------------------


def test_searches_keep_working_during_a_rebuild(big_copy):
    corpus, index_dir = big_copy
    old = current_name(index_dir)
    before_gens = generations(index_dir)
    searches = 0
    checker = None
    proc = spawn("index", str(corpus), "--index", str(index_dir), "--rebuild", "--json")
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None:
            assert time.monotonic() < deadline, "the rebuild did not finish in 120s"
            assert ids(index_dir, MARKER) and sorted(ids(index_dir, MARKER)) == MARKED
            assert ids(index_dir, "id:g00042") == ["g00042"]
            searches += 1
            if checker is None and generations(index_dir) - before_gens:
                # Another writer meanwhile is refused, naming the rebuild as the holder.
                checker = spawn("index", str(corpus), "--index", str(index_dir), "--wait", "0.5")
        out, err = finish(proc, 60)
        assert checker is not None, "the rebuild's generation never appeared"
        _, checker_err = finish(checker, 60)
    finally:
        for p in (proc, checker):
            if p is not None:
                kill_group(p)
                finish(p, 30)
    assert proc.returncode == 0, err
    assert json.loads(out)["documents"] == BIG_ARTICLES
    assert searches >= 3
    assert checker.returncode == 4, checker_err
    assert f"pid {proc.pid} " in one_error_line(checker_err)
    assert current_name(index_dir) != old
    assert generations(index_dir) == {old, current_name(index_dir)}
    assert sorted(ids(index_dir, MARKER)) == MARKED


# --- 7. outdated index ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["analysis_version", "schema_version"])
def test_outdated_index_is_refused_then_rebuilt_by_a_plain_index_run(tmp_path, key):
    corpus = write_jsonl(tmp_path / "news.jsonl", news())
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    meta_path = current_generation(index_dir) / META_FILE
    meta = json.loads(meta_path.read_text())
    assert meta["analysis_version"] == ANALYSIS_VERSION and meta["schema_version"] == SCHEMA_VERSION
    meta[key] = 999
    meta_path.write_text(json.dumps(meta))
    done = run_cli("search", "retraites", "--index", str(index_dir), timeout=60)
    assert done.returncode == 4
    assert done.stdout == ""
    assert "searchkit index --rebuild" in one_error_line(done.stderr)
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--json", timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["mode"], report["added"], report["documents"]) == ("rebuild", len(news()), len(news()))
    assert current_name(index_dir) == "gen-000002"
    done = run_cli("search", "retraites", "--index", str(index_dir), "--json", timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["hits"]


# --- 8. malformed input and output discipline ---------------------------------------------------


def test_bad_lines_are_rejected_with_file_line_and_reason_and_the_rest_indexed(tmp_path):
    good = news()[:3]
    corpus = tmp_path / "news.jsonl"
    lines = [json.dumps(a, ensure_ascii=False) for a in good]
    lines.insert(1, '{"id": "broken", "title": "Sans fin"')
    lines.insert(3, json.dumps(article("baddate", "Une date impossible.", date="2022-13-45")))
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--json", timeout=60)
    assert done.returncode == 3, done.stderr
    report = json.loads(done.stdout)
    rejected = sorted((r["file"], r["line"]) for r in report["rejected"])
    assert rejected == [(str(corpus), 2)]
    assert "not valid JSON" in report["rejected"][0]["reason"]
    # A date that cannot be read leaves the article undated, with a warning: its text is still searchable.
    assert [(w["line"], "date" in w["reason"]) for w in report["warnings"]] == [(4, True)]
    assert report["added"] == report["documents"] == len(good) + 1
    assert index_stats(index_dir).documents == len(good) + 1
    for item in good:
        assert ids(index_dir, f"id:{item['id']}") == [item["id"]]
    assert ids(index_dir, "id:broken") == [] and ids(index_dir, "id:baddate") == ["baddate"]
    assert "Traceback" not in done.stderr


def test_quiet_prints_nothing_and_plain_output_has_no_escape_codes(tmp_path):
    corpus = write_jsonl(tmp_path / "news.jsonl", generated_articles(300, seed=9))
    done = run_cli("index", str(corpus), "--index", str(tmp_path / "quiet"), "--quiet", timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert index_stats(tmp_path / "quiet").documents == 300
    done = run_cli("index", str(corpus), "--index", str(tmp_path / "plain"), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "\x1b" not in done.stderr and "\r" not in done.stderr
    summary = " ".join(done.stderr.split())  # Rich wraps it at 80 columns off a terminal
    assert summary.startswith("rebuild: 300 added, 0 updated, 0 removed, 0 unchanged, 0 rejected; 300 articles")


# --- 9. stats and optimize -----------------------------------------------------------------------


def test_stats_json_describes_the_index(tmp_path):
    articles = news()
    corpus = write_jsonl(tmp_path / "news.jsonl", [*articles, article("nodate", "Un article sans date ni source.")])
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    done = run_cli("stats", "--index", str(index_dir), "--json", timeout=60)
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    assert stats["documents"] == len(articles) + 1
    assert stats["first_date"] == "2022-01-10" and stats["last_date"] == "2022-12-21"
    assert stats["sources"] == {"Le Monde": 4, "Libération": 4, "Wikinews": 4}
    generation = current_generation(index_dir)
    assert stats["bytes"] == sum(p.stat().st_size for p in generation.rglob("*") if p.is_file()) > 0
    assert stats["segments"] == 1
    assert stats["analysis"]["version"] == ANALYSIS_VERSION
    assert stats["generation"] == generation.name


def test_optimize_after_several_updates_leaves_one_segment(tmp_path):
    articles = news()
    corpus = write_jsonl(tmp_path / "news.jsonl", articles)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    for n in range(3):
        articles.append(
            article(f"80{n}", f"Mise à jour numéro {n} sur la grève.", date=f"2023-01-0{n + 1}", source="Le Monde")
        )
        write_jsonl(corpus, articles)
        assert build_index([corpus], index_dir).added == 1
    assert index_stats(index_dir).segments > 1
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--optimize", "--json", timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["unchanged"] == len(articles)
    done = run_cli("stats", "--index", str(index_dir), "--json", timeout=60)
    stats = json.loads(done.stdout)
    assert (stats["segments"], stats["documents"]) == (1, len(articles))
    assert sorted(ids(index_dir, "mise jour numero", limit=10)) == ["800", "801", "802"]


NATIVE_ARTICLES = [
    {"id": f"10{i}", "title": f"Conseil numéro {i}", "body": f"Le conseil municipal vote le budget {i}."}
    for i in range(3)
]


def test_stats_after_an_update_adding_an_undated_native_article(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_jsonl(folder / "dated.jsonl", news()[:3])
    index_dir = tmp_path / "index"
    build_index([folder], index_dir)
    write_native(folder / "104.txt", {"id": "104", "title": "Sans date", "body": "Un article natif."})
    assert build_index([folder], index_dir).added == 1
    done = run_cli("stats", "--index", str(index_dir), "--json", timeout=60)
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    assert (stats["documents"], stats["dated"]) == (4, 3)


def test_stats_after_an_update_adding_dated_articles_to_an_undated_index(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for item in NATIVE_ARTICLES:
        write_native(folder / f"{item['id']}.txt", item)
    index_dir = tmp_path / "index"
    build_index([folder], index_dir)
    assert index_stats(index_dir).dated == 0
    write_jsonl(folder / "more.jsonl", news()[:3])
    assert build_index([folder], index_dir).added == 3
    stats = index_stats(index_dir)
    assert stats.documents == 6
    assert stats.dated == 3
    assert stats.sources == {"Le Monde": 1, "Libération": 1, "Wikinews": 1}
