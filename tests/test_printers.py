"""Each output format on hand-made results (no index): Rich, JSON, JSON Lines, CSV, TSV, and the output options."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from helpers import one_error_line, run_cli

from searchkit.errors import UsageError
from searchkit.models import (
    AnalysisFacts,
    ArticleView,
    Hit,
    IndexReport,
    IndexStats,
    PartExplanation,
    SearchResult,
    Snippet,
    SpellingCount,
    Suggestion,
    WordMatch,
)
from searchkit.printers import Output, output, printer
from searchkit.printers.people import RichPrinter, make_console
from searchkit.printers.scripts import CsvPrinter, JsonlPrinter, JsonPrinter, TsvPrinter

# --- hand-made values ------------------------------------------------------------------------

BODY = "Le ministre Sergueï Choïgou a parlé. Puis il est parti."
#        0         1         2         3
#        0123456789012345678901234567890123456789
# "Choïgou" is body[20:27]; the first sentence is body[0:36].


def make_hit(rank: int = 1, **changes) -> Hit:
    values = dict(
        rank=rank,
        id="a1",
        title="Choïgou limogé",
        date="2022-03-01",
        source="Le Monde",
        url="https://exemple.fr/a1",
        origin="corpus.jsonl",
        score=3.14159,
        partial=False,
        title_highlights=((0, 7),),
        snippets=(Snippet(0, 36, BODY[0:36], ((20, 27),)),),
        body_length=len(BODY),
    )
    values.update(changes)
    return Hit(**values)


def result_of(*hits: Hit, **changes) -> SearchResult:
    values = dict(query="choïgou", total=len(hits), hits=list(hits))
    values.update(changes)
    return SearchResult(**values)


def view(**changes) -> ArticleView:
    values = dict(
        id="a1",
        title="Choïgou limogé",
        body=BODY,
        date="2022-03-01",
        source="Le Monde",
        url=None,
        origin="corpus.jsonl",
        title_highlights=((0, 7),),
        body_highlights=((20, 27),),
    )
    values.update(changes)
    return ArticleView(**values)


def report() -> IndexReport:
    return IndexReport(index_dir="/tmp/ix", mode="update", added=3, updated=1, removed=2, unchanged=10, seconds=2.0)


def stats() -> IndexStats:
    return IndexStats(
        index="/tmp/ix",
        generation="gen-1",
        documents=12,
        dated=10,
        first_date="2021-01-01",
        last_date="2022-12-31",
        sources={"Le Monde": 7, "Wikinews": 3},
        bytes=2_500_000,
        segments=2,
        created="2022-01-01T00:00:00",
        updated="2022-02-01T00:00:00",
        corpus=["corpus"],
        analysis=AnalysisFacts(version=7, schema_version=3, stop_words=500, stemmer="light", name_variants="rules"),
    )


def rich_output(color: str, show, monkeypatch) -> str:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    stream = io.StringIO()
    show(RichPrinter(make_console(color, stream)))
    return stream.getvalue()


_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def styled_runs(text: str, code: str) -> list[str]:
    """The runs of ``text`` printed while SGR parameter ``code`` was on (43: yellow background)."""
    runs, current, on, last = [], "", False, 0
    for match in _SGR.finditer(text):
        if on:
            current += text[last : match.start()]
        params = match.group(1).split(";")
        now = code in params
        if on and not now and current:
            runs.append(current)
            current = ""
        on, last = now, match.end()
    return runs


# --- Rich, for people ------------------------------------------------------------------------


def test_rich_never_is_plain_text_with_every_fact(monkeypatch):
    hit = make_hit(
        partial=True,
        explanation=(PartExplanation("choïgou", 1.5, (WordMatch("Choïgou", "exact", 2),)),),
    )
    found = result_of(hit, suggestions=[Suggestion("Choïgou", 5)], notes=["only the first 50 words were searched"])
    out = rich_output("never", lambda p: p.results(found), monkeypatch)
    assert "\x1b" not in out
    assert out.splitlines() == [
        "1 article for 'choïgou', showing 1–1",
        "only the first 50 words were searched",
        "Did you mean Choïgou? (5 articles)",
        "",
        "  1. Choïgou limogé",
        "     2022-03-01 · Le Monde · id a1 · score 3.14 · partial match",
        "     Le ministre Sergueï Choïgou a parlé. …",
        "     why choïgou → Choïgou exact ×2  +1.50",
    ]


def test_rich_similar_result_says_which_article(monkeypatch):
    found = result_of(make_hit(score=None), query=None, similar_to="a0", total=1)
    out = rich_output("never", lambda p: p.results(found), monkeypatch)
    assert out.splitlines()[0] == "1 article like article a0, showing 1–1"
    assert "score" not in out


def test_rich_always_styles_exactly_the_highlighted_words(monkeypatch):
    out = rich_output("always", lambda p: p.results(result_of(make_hit())), monkeypatch)
    assert styled_runs(out, "43") == ["Choïgou", "Choïgou"]  # the title's and the snippet's
    assert _SGR.sub("", out).splitlines()[2] == "  1. Choïgou limogé"


def test_rich_always_styles_the_whole_article_view(monkeypatch):
    out = rich_output("always", lambda p: p.article(view()), monkeypatch)
    assert styled_runs(out, "43") == ["Choïgou", "Choïgou"]


def test_rich_always_styles_even_when_term_is_dumb(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "dumb")
    stream = io.StringIO()
    RichPrinter(make_console("always", stream)).results(result_of(make_hit()))
    assert "\x1b[" in stream.getvalue()


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rich_auto_styles_a_terminal_unless_no_color(monkeypatch):
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = FakeTerminal()
    RichPrinter(make_console("auto", terminal)).results(result_of(make_hit()))
    assert styled_runs(terminal.getvalue(), "43") == ["Choïgou", "Choïgou"]
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = FakeTerminal()
    RichPrinter(make_console("auto", terminal)).results(result_of(make_hit()))
    assert "\x1b" not in terminal.getvalue()
    assert "Choïgou limogé" in terminal.getvalue()
    monkeypatch.delenv("NO_COLOR")
    not_a_terminal = io.StringIO()
    RichPrinter(make_console("auto", not_a_terminal)).results(result_of(make_hit()))
    assert "\x1b" not in not_a_terminal.getvalue()


HOSTILE_TITLE = "Titre\x1b[31m rouge [bold red]gras[/bold red] \u202egnp.exe"
HOSTILE_BODY = "Avant\x1b]0;pwned\x07 puis\x9b2J Choïgou\u2066 fin\u200f.\x00"


@pytest.mark.parametrize("color", ["never", "always"])
def test_rich_article_text_never_controls_the_terminal(color, monkeypatch):
    start = HOSTILE_BODY.index("Choïgou")
    article = view(
        title=HOSTILE_TITLE,
        body=HOSTILE_BODY,
        title_highlights=(),
        body_highlights=((start, start + 7),),
    )
    hit = make_hit(
        title=HOSTILE_TITLE,
        title_highlights=((0, 5),),
        source="Le\x1b[2J Monde",
        snippets=(Snippet(0, len(HOSTILE_BODY), HOSTILE_BODY, ((start, start + 7),)),),
        body_length=len(HOSTILE_BODY),
    )
    for show in (lambda p: p.article(article), lambda p: p.results(result_of(hit))):
        out = rich_output(color, show, monkeypatch)
        # the only escape sequences left are Rich's own styles (SGR), none with "never"
        assert "\x1b" not in _SGR.sub("", out)
        if color == "never":
            assert "\x1b" not in out
        for bad in ("\x07", "\x9b", "\u202e", "\u2066", "\u200f", "\x00"):
            assert bad not in out
        plain = _SGR.sub("", out)
        assert "Titre\ufffd[31m rouge [bold red]gras[/bold red] \ufffdgnp.exe" in plain
        assert "Avant\ufffd]0;pwned\ufffd puis\ufffd2J Choïgou\ufffd fin\ufffd.\ufffd" in plain
        if color == "always":  # the replacement is one for one: the highlight still falls on the word
            assert "Choïgou" in styled_runs(out, "43")
    assert "Le\ufffd[2J Monde" in _SGR.sub("", out)


def test_rich_report_and_stats(monkeypatch):
    out = rich_output("never", lambda p: p.report(report()), monkeypatch)
    assert out.startswith("update: 3 added, 1 updated, 2 removed, 10 unchanged, 0 rejected; 0 articles in /tmp/ix")
    out = rich_output("never", lambda p: p.stats(stats()), monkeypatch)
    assert "articles  12 (10 dated)" in out.splitlines()
    assert "dates     2021-01-01 to 2022-12-31" in out.splitlines()


# --- JSON ------------------------------------------------------------------------------------------

SPAN = {"start": 20, "end": 27, "text": "Choïgou"}
TITLE_SPAN = {"start": 0, "end": 7, "text": "Choïgou"}


def printed(printer_class, show, fields=None, stream=None, header=True) -> str:
    stream = stream or io.StringIO()
    show(printer_class(stream, fields, header))
    if isinstance(stream, io.TextIOWrapper):
        stream.flush()
        return stream.buffer.getvalue().decode("ascii")
    return stream.getvalue()


def test_json_search_result_is_one_document_with_the_span_shape():
    hit = make_hit(explanation=(PartExplanation("choïgou", 1.23456, (WordMatch("Choïgou", "exact", 2),)),))
    found = result_of(
        hit,
        suggestions=[Suggestion("Choïgou", 5)],
        offset=10,
        notes=["capped"],
        spellings=[SpellingCount("choigou", (("Choïgou", 1), ("Shoigu", 1)))],
    )
    document = json.loads(printed(JsonPrinter, lambda p: p.results(found)))
    assert document == {
        "query": "choïgou",
        "similar_to": None,
        "total": 1,
        "total_estimated": False,
        "offset": 10,
        "suggestions": [{"query": "Choïgou", "hits": 5}],
        "notes": ["capped"],
        "spellings": [{"word": "choigou", "articles": {"Choïgou": 1, "Shoigu": 1}}],
        "hits": [
            {
                "rank": 1,
                "id": "a1",
                "title": "Choïgou limogé",
                "date": "2022-03-01",
                "source": "Le Monde",
                "url": "https://exemple.fr/a1",
                "origin": "corpus.jsonl",
                "score": 3.1416,
                "partial": False,
                "title_highlights": [TITLE_SPAN],
                "snippets": [
                    {"text": "Le ministre Sergueï Choïgou a parlé.", "start": 0, "end": 36, "highlights": [SPAN]}
                ],
                "explanation": [
                    {"part": "choïgou", "score": 1.2346, "matches": [{"word": "Choïgou", "kind": "exact", "count": 2}]}
                ],
            }
        ],
    }


def test_json_snippet_spans_are_offsets_into_the_body():
    # a snippet that does not start the body: its highlights still index the body
    body = "Premier paragraphe sans rien.\nEnsuite Choïgou parle."
    hit = make_hit(snippets=(Snippet(30, 52, body[30:52], ((38, 45),)),), body_length=len(body))
    document = json.loads(printed(JsonPrinter, lambda p: p.results(result_of(hit))))
    (snippet,) = document["hits"][0]["snippets"]
    assert snippet == {
        "text": "Ensuite Choïgou parle.",
        "start": 30,
        "end": 52,
        "highlights": [{"start": 38, "end": 45, "text": "Choïgou"}],
    }
    assert body[snippet["start"] : snippet["end"]] == snippet["text"]


def test_json_show_uses_the_same_span_shape():
    document = json.loads(printed(JsonPrinter, lambda p: p.article(view())))
    assert document["title_highlights"] == [TITLE_SPAN]
    assert document["body_highlights"] == [SPAN]
    assert document["body"] == BODY
    assert set(document) == {
        "id",
        "title",
        "date",
        "source",
        "url",
        "origin",
        "body",
        "title_highlights",
        "body_highlights",
    }


def test_json_similar_result_has_similar_to_and_no_query():
    found = result_of(make_hit(score=None), query=None, similar_to="a0")
    document = json.loads(printed(JsonPrinter, lambda p: p.results(found)))
    assert document["query"] is None
    assert document["similar_to"] == "a0"
    assert document["hits"][0]["score"] is None


def test_json_fields_keep_only_those_hit_fields():
    document = json.loads(printed(JsonPrinter, lambda p: p.results(result_of(make_hit())), fields=("id", "score")))
    assert document["hits"] == [{"id": "a1", "score": 3.1416}]


def test_json_report_and_stats():
    document = json.loads(printed(JsonPrinter, lambda p: p.report(report())))
    assert (document["added"], document["updated"], document["removed"], document["docs_per_second"]) == (3, 1, 2, 2.0)
    document = json.loads(printed(JsonPrinter, lambda p: p.stats(stats())))
    assert document["sources"] == {"Le Monde": 7, "Wikinews": 3}
    assert document["analysis"]["stemmer"] == "light"


def test_json_on_an_ascii_stream_is_valid_and_equal():
    title = "Choïgou\u202e « limogé » \u00a0€ 中文 😀"
    hit = make_hit(title=title, title_highlights=((0, 7),))
    found = result_of(hit)
    utf8 = printed(JsonPrinter, lambda p: p.results(found))
    ascii_text = printed(
        JsonPrinter, lambda p: p.results(found), stream=io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    )
    assert ascii_text.isascii()
    assert json.loads(ascii_text) == json.loads(utf8)
    assert json.loads(ascii_text)["hits"][0]["title"] == title
    # even on UTF-8, a bidirectional override is written as an escape, never raw
    assert "\u202e" not in utf8 and "\\u202e" in utf8
    assert "中文" in utf8


def test_jsonl_on_an_ascii_stream_is_valid():
    found = result_of(make_hit(title="Zélensky"), make_hit(2, id="b2"))
    text = printed(JsonlPrinter, lambda p: p.results(found), stream=io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    assert [json.loads(line)["title"] for line in text.splitlines()] == ["Zélensky", "Choïgou limogé"]


# --- JSON Lines ------------------------------------------------------------------------------------


def test_jsonl_is_one_hit_a_line():
    found = result_of(make_hit(1), make_hit(2, id="b2", title="Deux\nlignes", title_highlights=()))
    text = printed(JsonlPrinter, lambda p: p.results(found))
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == 3
    first, second = (json.loads(line) for line in lines[:2])
    assert (first["rank"], first["id"], first["title_highlights"]) == (1, "a1", [TITLE_SPAN])
    assert (second["rank"], second["id"], second["title"]) == (2, "b2", "Deux\nlignes")
    assert "query" not in first


def test_jsonl_fields_and_no_hits():
    found = result_of(make_hit(1), make_hit(2, id="b2"))
    text = printed(JsonlPrinter, lambda p: p.results(found), fields=("rank", "id"))
    assert text == '{"rank": 1, "id": "a1"}\n{"rank": 2, "id": "b2"}\n'
    assert printed(JsonlPrinter, lambda p: p.results(result_of(total=0))) == ""


# --- CSV -------------------------------------------------------------------------------------------


def test_csv_reads_back_as_the_hits():
    tricky = 'Guerre, paix et "négociations"\nsuite'
    hits = [
        make_hit(1),
        make_hit(2, id="b,2", title=tricky, title_highlights=(), date=None, url=None, score=1.5, partial=True),
    ]
    text = printed(CsvPrinter, lambda p: p.results(result_of(*hits)))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [
        ["rank", "id", "title", "date", "source", "url", "origin", "score", "partial", "snippets"],
        [
            "1",
            "a1",
            "Choïgou limogé",
            "2022-03-01",
            "Le Monde",
            "https://exemple.fr/a1",
            "corpus.jsonl",
            "3.1416",
            "false",
            "Le ministre Sergueï Choïgou a parlé.",
        ],
        ["2", "b,2", tricky, "", "Le Monde", "", "corpus.jsonl", "1.5", "true", "Le ministre Sergueï Choïgou a parlé."],
    ]


def test_csv_line_ends_are_crlf_and_fields_choose_columns():
    text = printed(CsvPrinter, lambda p: p.results(result_of(make_hit(1), make_hit(2, id="b2"))), fields=("rank", "id"))
    assert text == "rank,id\r\n1,a1\r\n2,b2\r\n"


def test_csv_quotes_a_field_with_a_line_break_and_keeps_crlf_between_records():
    hit = make_hit(title='a "b"\nc', snippets=(Snippet(0, 3, "x,y", ()), Snippet(10, 12, "zz", ())))
    text = printed(CsvPrinter, lambda p: p.results(result_of(hit)), fields=("title", "snippets"))
    assert text == 'title,snippets\r\n"a ""b""\nc","x,y … zz"\r\n'


def test_csv_nested_fields_are_json():
    text = printed(CsvPrinter, lambda p: p.results(result_of(make_hit())), fields=("id", "title_highlights"))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert json.loads(rows[1][1]) == [TITLE_SPAN]


def test_csv_without_hits_is_the_header_alone():
    text = printed(CsvPrinter, lambda p: p.results(result_of(total=0)), fields=("id",))
    assert text == "id\r\n"


# --- TSV -------------------------------------------------------------------------------------------


def test_tsv_is_the_fields_tab_separated_after_a_header_unless_none_is_asked():
    hits = [make_hit(1), make_hit(2, id="b2", title="Titre\tavec\ntabulation", date=None)]
    rows = "1\ta1\tChoïgou limogé\t2022-03-01\n2\tb2\tTitre avec tabulation\t\n"
    fields = ("rank", "id", "title", "date")
    text = printed(TsvPrinter, lambda p: p.results(result_of(*hits)), fields=fields)
    assert text == "rank\tid\ttitle\tdate\n" + rows
    assert printed(TsvPrinter, lambda p: p.results(result_of(*hits)), fields=fields, header=False) == rows


def test_tsv_flattens_control_characters():
    hit = make_hit(title="a\x1b[2Jb\u202ec\rd")
    text = printed(TsvPrinter, lambda p: p.results(result_of(hit)), fields=("title",), header=False)
    assert text == "a\ufffd[2Jb\ufffdc\ufffdd\n"


@pytest.mark.parametrize("printer_class", [CsvPrinter, TsvPrinter])
def test_tables_refuse_one_thing(printer_class):
    with pytest.raises(UsageError):
        printer_class(io.StringIO()).article(view())


# --- the output options ------------------------------------------------------------------------------


def test_output_choices():
    assert output() == Output("rich", None, "auto")
    assert output(json_output=True, color="never") == Output("json", None, "never")
    assert output(jsonl=True, fields="id, title") == Output("jsonl", ("id", "title"), "auto")
    assert output(csv_output=True) == Output("csv", None, "auto")
    assert output(fields="id,score") == Output("tsv", ("id", "score"), "auto")
    assert output(json_output=True, tabular=False) == Output("json", None, "auto")


def test_printer_for_each_format():
    stream = io.StringIO()
    kinds = {
        "json": JsonPrinter,
        "jsonl": JsonlPrinter,
        "csv": CsvPrinter,
        "tsv": TsvPrinter,
        "rich": RichPrinter,
    }
    for form, kind in kinds.items():
        assert type(printer(Output(form, ("id",) if form == "tsv" else None), stream)) is kind


@pytest.mark.parametrize(
    "options, named",
    [
        (dict(json_output=True, jsonl=True), "--json and --jsonl"),
        (dict(json_output=True, csv_output=True), "--json and --csv"),
        (dict(jsonl=True, csv_output=True), "--jsonl and --csv"),
    ],
)
def test_output_formats_exclude_each_other(options, named):
    with pytest.raises(UsageError, match=named):
        output(**options)


def test_output_unknown_field_is_named():
    with pytest.raises(UsageError, match=r"unknown field.* nope") as raised:
        output(fields="id,nope")
    assert "title" in str(raised.value)  # says what can be chosen
    with pytest.raises(UsageError, match="none given"):
        output(fields=" , ")


@pytest.mark.parametrize(
    "options, named",
    [(dict(csv_output=True), "--csv"), (dict(jsonl=True), "--jsonl"), (dict(fields="id"), "--fields")],
)
def test_output_tabular_options_only_for_lists(options, named):
    with pytest.raises(UsageError, match=named):
        output(tabular=False, **options)


@pytest.mark.parametrize(
    "args, named",
    [(("--json", "--jsonl"), "--json and --jsonl"), (("--fields", "nope"), "nope")],
)
def test_cli_checks_output_options_before_opening_the_index(tmp_path, args, named):
    missing = tmp_path / "missing"
    done = run_cli("search", "x", *args, "--index", str(missing))
    assert done.returncode == 2, done.stderr
    assert named in one_error_line(done.stderr)
    assert done.stdout == ""
    assert not missing.exists()
