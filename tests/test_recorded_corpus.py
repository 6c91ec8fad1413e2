"""The index remembers its corpus: the paths (and field mapping) it was built from.

``searchkit index`` with no PATH re-reads those, never whatever ``./corpus`` the
shell is in; naming another path adds it; a recorded path that is gone is
refused in one line.  Real indexes of small corpora the tests write; one CLI
run for the scenario of the issue.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import article, one_error_line, run_cli, write_jsonl

from searchkit.errors import UsageError
from searchkit.generations import current_generation, read_meta
from searchkit.indexing import build_index
from searchkit.readers.fields import FieldMap
from searchkit.recorded import corpus_to_read, merged_paths, recorded_fields, recorded_paths
from searchkit.stats import index_stats


def corpus(folder: Path, *ids: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(folder / "news.jsonl", [article(i, f"texte de l'article {i}") for i in ids])
    return folder


def meta(index_dir: Path) -> dict:
    return read_meta(current_generation(index_dir))


def test_a_build_records_absolute_paths_and_an_update_adds_the_paths_it_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    corpus(tmp_path / "a", "1", "2")
    corpus(tmp_path / "b", "3")
    index_dir = tmp_path / "index"
    build_index([Path("a")], index_dir)
    assert recorded_paths(meta(index_dir)) == [str(tmp_path / "a")], "absolute, whatever the folder it ran from"

    report = build_index([Path("b")], index_dir)
    assert (report.added, report.removed, report.kept, report.not_named) == (1, 0, 2, 2), (
        "the articles of the recorded path not named are kept, and said to be kept for that reason"
    )
    assert recorded_paths(meta(index_dir)) == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert index_stats(index_dir).corpus == [str(tmp_path / "a"), str(tmp_path / "b")]

    (tmp_path / "a" / "news.jsonl").unlink()  # a deletion in a recorded folder, seen when it is read again
    report = build_index(corpus_to_read(index_dir, None, None), index_dir, allow_shrink=True)
    assert (report.removed, report.kept, report.documents) == (2, 0, 1)


def test_a_rebuild_records_the_paths_it_read_alone(tmp_path):
    index_dir = tmp_path / "index"
    build_index([corpus(tmp_path / "a", "1"), corpus(tmp_path / "b", "2")], index_dir)
    build_index([tmp_path / "b"], index_dir, rebuild=True, allow_shrink=True)
    assert recorded_paths(meta(index_dir)) == [str(tmp_path / "b")]


def test_merged_paths_record_a_folder_once_and_drop_paths_relative_to_an_unknown_folder(tmp_path):
    outer, inner = tmp_path / "corpus", tmp_path / "corpus" / "2022"
    assert merged_paths([str(outer)], [inner]) == [str(outer)], "inside a recorded folder: nothing new"
    assert merged_paths([str(inner), "old/relative"], [outer]) == [str(outer)]
    assert merged_paths([str(outer)], [outer, outer]) == [str(outer)]


def test_which_paths_an_index_run_without_path_reads(tmp_path):
    default = tmp_path / "corpus"
    new = tmp_path / "new-index"
    assert corpus_to_read(new, [Path("x")], default) == [Path("x")], "paths named are read as named"
    assert corpus_to_read(new, None, default) == [default], "./corpus for the default index never built"
    with pytest.raises(UsageError, match="no corpus to read"):
        corpus_to_read(new, None, None)  # an index named with --index reads no ./corpus

    index_dir = tmp_path / "index"
    build_index([corpus(tmp_path / "a", "1")], index_dir)
    assert corpus_to_read(index_dir, None, default) == [tmp_path / "a"], "never ./corpus once built"


def test_an_index_recorded_by_an_older_searchkit_asks_for_its_paths_once(tmp_path):
    index_dir = tmp_path / "index"
    build_index([corpus(tmp_path / "a", "1")], index_dir)
    facts_file = current_generation(index_dir) / "searchkit.json"
    facts = json.loads(facts_file.read_text())
    facts_file.write_text(json.dumps({**facts, "corpus": ["a"]}))
    with pytest.raises(UsageError, match="relative to a folder it did not record"):
        corpus_to_read(index_dir, None, tmp_path / "corpus")


def test_the_field_mapping_is_recorded_and_kept_until_another_is_given(tmp_path):
    """A mapping given (``--map``) is recorded; a run given none (and no
    fields.toml) keeps it, a rebuild too, so the same records read the same."""
    index_dir = tmp_path / "index"
    source = corpus(tmp_path / "a", "1")
    mapped = {"body": "text", "date": "publish_date"}
    build_index([source], index_dir, fields=FieldMap(mapped))
    corpus(tmp_path / "a", "1", "2")
    build_index([source], index_dir)
    assert recorded_fields(index_dir) == mapped
    build_index([source], index_dir, rebuild=True)
    assert recorded_fields(index_dir) == mapped
    build_index([source], index_dir, fields=FieldMap({"title": "headline"}))
    assert recorded_fields(index_dir) == {"title": "headline"}


def test_index_without_path_rereads_its_corpus_never_the_folder_it_runs_in(tmp_path):
    """The issue's case: run from a folder holding another ./corpus, an update merged it into the index."""
    news = corpus(tmp_path / "news", "1", "2")
    elsewhere = tmp_path / "elsewhere"
    corpus(elsewhere / "corpus", "intrus")
    index_dir = tmp_path / "index"
    assert run_cli("index", str(news), "--index", str(index_dir), "--quiet").returncode == 0

    done = run_cli("index", "--index", str(index_dir), "--json", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["added"], report["unchanged"], report["documents"]) == (0, 2, 2), "./corpus was not read"

    stats = json.loads(run_cli("stats", "--index", str(index_dir), "--json").stdout)
    assert stats["corpus"] == [str(news)]

    os.rename(news, tmp_path / "moved")
    gone = run_cli("index", "--index", str(index_dir), cwd=elsewhere)
    assert gone.returncode == 2
    line = one_error_line(gone.stderr)
    assert str(news) in line and "no longer exists" in line and "--rebuild" in line
    assert json.loads(run_cli("stats", "--index", str(index_dir), "--json").stdout)["documents"] == 2
    shown = run_cli("stats", "--index", str(index_dir)).stdout
    assert f"{news} (missing)" in shown
