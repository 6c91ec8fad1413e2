"""``searchkit export``: every matching article, whole, in JSON Lines, CSV, Iramuteq and TXM XML.

Library-level on one real index of articles written here (each format parsed
back as its reader would), a round trip of the JSON Lines export through
``searchkit index``, and a few CLI runs: a file replaced only once whole, a
reader that goes away, usage errors.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest
from helpers import article, generated_articles, one_error_line, run_cli, write_jsonl

from searchkit.errors import NoResults
from searchkit.export import ExportOptions, exporting, output_file, write_export
from searchkit.indexing import build_index
from searchkit.search import Searcher, SearchOptions, search
from searchkit.writers import modality

ARTICLES = [
    article("k1", "Sergueï Choïgou à Kiev.\n\nLe ministre * parle.\n**** pas une ligne Iramuteq\n-*pas un thème",
            title="Choïgou & <Kiev>", date="2022-03-03", source="Le Monde", url="https://x.fr/a?b=1&c=2"),
    article("k2", "Sergei Shoigu et les États-Unis ; Choïgou encore.", title="Shoigu",
            date="2022-03-15", source="Libération"),
    article("k3", "Choïgou, sans date ni source.\x0b Un caractère de contrôle.", title="Sans date"),
    article("k4", "Football et cinéma.", title="Rien à voir", date="2022-06-01", source="Le Monde"),
    article("k5", "Shoigu à Moscou, les chiffres \"cités\", virgule.", title="Moscou, « dit-il »",
            date="2021-12-31", source="Le Figaro"),
]  # fmt: skip
MATCHING = {"k1", "k2", "k3", "k5"}


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    index_dir = root / "index"
    build_index([write_jsonl(root / "news.jsonl", ARTICLES)], index_dir)
    return index_dir


def exported(index_dir, query: str, form: str, **options) -> str:
    stream = io.StringIO(newline="")
    with Searcher(index_dir) as searcher, exporting(searcher, query, ExportOptions(**options)) as found:
        write_export(found, form, stream)
    return stream.getvalue()


def jsonl(index_dir, query: str, **options) -> list[dict]:
    return [json.loads(line) for line in exported(index_dir, query, "jsonl", **options).splitlines()]


def test_jsonl_holds_every_matching_article_whole_with_the_spellings_it_used(news):
    records = {r["id"]: r for r in jsonl(news, "Choïgou")}
    assert set(records) == MATCHING
    source = {a["id"]: a for a in ARTICLES}
    for record in records.values():
        written = source[record["id"]]
        assert (record["title"], record["body"]) == (written["title"], written["body"].replace("\x0b", "\x0b"))
        assert (record["date"], record["source"]) == (written.get("date"), written.get("source"))
    assert records["k1"]["url"] == "https://x.fr/a?b=1&c=2"
    assert records["k2"]["matched"] == ["Shoigu", "Choïgou"], "as written, each once, in order of first use"
    assert records["k5"]["matched"] == ["Shoigu"]
    assert list(records["k1"]) == ["id", "title", "date", "source", "url", "matched", "body"]
    # a name no other spelling joins is searched by its stem, which names none: Moscou still is one
    assert [r["matched"] for r in jsonl(news, "Moscou")] == [["Moscou"]]
    assert [r["matched"] for r in jsonl(news, "Moscou NEAR/3 Shoigu")] == [["Moscou", "Shoigu"]]  # the title first
    assert [r["matched"] for r in jsonl(news, "chiffres")] == [[]], "an ordinary word: no name"


def test_the_query_filters_limit_and_sort_apply(news):
    assert [r["id"] for r in jsonl(news, "Choïgou", sort="date")] == ["k2", "k1", "k5", "k3"], "newest first"
    assert [r["id"] for r in jsonl(news, "Choïgou", sort="date", limit=2)] == ["k2", "k1"]
    assert len(jsonl(news, "Choïgou", limit=2**63)) == 4, "a limit beyond any count is all"
    assert {r["id"] for r in jsonl(news, "Choïgou", since="2022-01-01")} == {"k1", "k2"}
    assert {r["id"] for r in jsonl(news, "Choïgou", source="monde")} == {"k1"}
    assert {r["id"] for r in jsonl(news, "Choïgou", exact_names=True)} == {"k1", "k2", "k3"}
    assert {r["id"] for r in jsonl(news, "Choïgou date:2022-03")} == {"k1", "k2"}
    scored = [h.id for h in search(news, "Choïgou", SearchOptions(limit=10, match_all=True)).hits]
    assert sorted(r["id"] for r in jsonl(news, "Choïgou")) == sorted(scored)
    with pytest.raises(NoResults):
        exported(news, "introuvable", "jsonl")


def test_jsonl_export_reimports_to_the_same_search_answers(news, tmp_path):
    everything = exported(news, "Choïgou OR football", "jsonl")
    copy = tmp_path / "copy.jsonl"
    copy.write_text(everything, encoding="utf-8")
    again = tmp_path / "again"
    report = build_index([copy], again)
    assert (report.added, report.rejected) == (5, [])
    for query in ("Choïgou", "Kiev", "date:2022-03", "source:monde", '"les États-Unis"'):
        before = [(h.id, round(h.score, 4)) for h in search(news, query).hits]
        after = [(h.id, round(h.score, 4)) for h in search(again, query).hits]
        assert before == after, query


def test_csv_is_rfc4180_with_a_header_and_bodies_whole(news):
    text = exported(news, "Choïgou", "csv", sort="date")
    assert text.startswith("id,title,date,source,url,matched,body\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["id"] for r in rows] == ["k2", "k1", "k5", "k3"]
    k1 = rows[1]
    assert k1["body"] == ARTICLES[0]["body"], "line breaks kept inside the quoted cell"
    assert k1["title"] == "Choïgou & <Kiev>" and k1["matched"] == "Choïgou"
    assert rows[3]["date"] == "" and rows[3]["source"] == ""
    assert rows[2]["title"] == "Moscou, « dit-il »"


def test_iramuteq_texts_lead_with_sanitised_starred_variables(news):
    text = exported(news, "Choïgou", "iramuteq", sort="date")
    lines = text.splitlines()
    stars = [line for line in lines if line.startswith("****")]
    assert stars == [
        "**** *source_liberation *date_2022-03 *year_2022 *day_2022-03-15 *id_k2",
        "**** *source_lemonde *date_2022-03 *year_2022 *day_2022-03-03 *id_k1",
        "**** *source_lefigaro *date_2021-12 *year_2021 *day_2021-12-31 *id_k5",
        "**** *id_k3",
    ]
    texts = text.split("**** ")[1:]
    assert len(texts) == 4
    k1 = texts[1].splitlines()
    assert k1[-1] == "", "a blank line between texts"
    assert k1[1:-1] == ["Choïgou & <Kiev>", "Sergueï Choïgou à Kiev.", "Le ministre  parle.",
                      "pas une ligne Iramuteq", "-pas un thème"]  # fmt: skip
    assert not any(line.startswith(("-*", "*")) for line in lines if not line.startswith("**** "))
    assert "*" not in "".join(t.split("\n", 1)[1] for t in texts), "no star left in the text"
    for line in stars:
        for variable in line.split()[1:]:
            name, value = variable[1:].split("_", 1)
            assert name.isalpha() and value and all(c.isalnum() or c == "-" for c in value), variable


@pytest.mark.parametrize(
    ("value", "shown"),
    [("Le Monde", "LeMonde"), ("Libération", "Liberation"), ("L'Obs_2*", "LObs2"), ("2022-03", "2022-03"), ("", "")],
)
def test_iramuteq_modalities_keep_ascii_letters_digits_and_hyphens(value, shown):
    assert modality(value) == shown


def test_txm_xml_is_well_formed_with_metadata_on_each_text(news):
    text = exported(news, "Choïgou", "txm", sort="date")
    root = ElementTree.fromstring(text.encode("utf-8"))
    assert root.tag == "corpus" and root.get("query") == "Choïgou"
    texts = root.findall("text")
    assert [t.get("id") for t in texts] == ["k2", "k1", "k5", "k3"]
    k1 = texts[1]
    assert k1.attrib == {
        "id": "k1",
        "title": "Choïgou & <Kiev>",
        "date": "2022-03-03",
        "year": "2022",
        "month": "2022-03",
        "source": "Le Monde",
        "url": "https://x.fr/a?b=1&c=2",
        "matched": "Choïgou",
    }
    assert k1.find("head").text == "Choïgou & <Kiev>"
    assert [p.text for p in k1.findall("p")][:2] == ["Sergueï Choïgou à Kiev.", "Le ministre * parle."]
    k3 = texts[3]
    assert (k3.get("date"), k3.get("source")) == ("", ""), "every attribute on every text"
    assert k3.find("p").text == "Choïgou, sans date ni source. Un caractère de contrôle.", "no XML 1.0 control left"


def test_an_export_stopped_half_way_leaves_the_file_as_it_was(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("before")
    with pytest.raises(KeyboardInterrupt), output_file(target) as stream:
        stream.write("half")
        raise KeyboardInterrupt
    assert target.read_text() == "before"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"], "no temporary file left"
    with output_file(target) as stream:
        stream.write("whole")
    assert target.read_text() == "whole"


def test_cli_export_to_a_file_says_what_it_wrote_and_bad_options_are_usage_errors(news, tmp_path):
    target = tmp_path / "out.jsonl"
    done = run_cli("export", "Choïgou", "--index", str(news), "--format", "jsonl", "--output", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "exported 4 of the 4 articles matching" in one_error_line(done.stderr)
    assert {json.loads(line)["id"] for line in target.read_text(encoding="utf-8").splitlines()} == MATCHING

    none = run_cli("export", "introuvable", "--index", str(news), "--format", "csv", "-o", str(tmp_path / "no.csv"))
    assert none.returncode == 1 and not (tmp_path / "no.csv").exists()
    bad = run_cli("export", "Choïgou", "--index", str(news), "--format", "docx")
    assert bad.returncode == 2 and "docx" in one_error_line(bad.stderr)
    nowhere = run_cli("export", "Choïgou", "--index", str(news), "--format", "csv", "-o", str(tmp_path / "no/x.csv"))
    assert nowhere.returncode == 4 and "cannot write" in one_error_line(nowhere.stderr)


def test_cli_export_stops_at_once_when_its_reader_goes_away(tmp_path):
    """Hundreds of articles matching (more than a pipe holds), the reader takes one line and goes:
    the export ends, exit 0, no traceback."""
    index_dir = tmp_path / "index"
    build_index([write_jsonl(tmp_path / "many.jsonl", generated_articles(300))], index_dir)
    proc = subprocess.Popen(
        [sys.executable, "-m", "searchkit", "export", "gouvernement", "--index", str(index_dir), "--format", "jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    first = proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert json.loads(first)["id"]
    assert proc.returncode == 0 and b"Traceback" not in err, err


class _RankingByDepth:
    """An index whose ranking depends on how many hits are asked for, as ties and the
    reranking of a first page make a real one do: the first 64 by one order, all by another."""

    def __init__(self, docs: list[int]) -> None:
        self.docs = docs

    def ranked(self, query, limit: int, restriction):
        from types import SimpleNamespace

        order = self.docs if limit < len(self.docs) else list(reversed(self.docs))
        return [SimpleNamespace(docnum=d) for d in order[:limit]]


def test_every_matching_article_is_given_once_in_score_order_whatever_the_rankings_depth():
    """`export` and `kwic` by score read a first page ranked, then the whole ranking: an article
    of the first page ranked elsewhere in the whole one was written twice, and another never."""
    from searchkit.views import FIRST_BATCH, Matching, ordered

    docs = list(range(FIRST_BATCH * 3))
    found = Matching("x", None, None, set(docs))
    given = list(ordered(_RankingByDepth(docs), found, None, "score"))
    assert given[:FIRST_BATCH] == docs[:FIRST_BATCH]
    assert sorted(given) == docs
