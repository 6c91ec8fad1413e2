"""Importers: Europresse exports, CSV/TSV, JSON, feeds, saved pages and web
archives, read from fixtures written in each format's real structure; field
mapping; dates as the press writes them; unknown files named, never skipped
silently."""

from __future__ import annotations

import codecs
import gzip
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from helpers import article, one_error_line, run_cli, write_jsonl

from searchkit.corpus import Article, Rejection, corpus_files, read_corpus, read_file
from searchkit.dates import find_day, parse_day
from searchkit.errors import UsageError
from searchkit.indexing import build_index
from searchkit.readers import EUROPRESSE, FEED, JSON, JSONL, WARC, WEB_PAGE, format_of
from searchkit.readers.fields import FieldMap, parse_map
from searchkit.search import SearchOptions, search

FIXTURES = Path(__file__).parent / "fixtures" / "importers"


def read(path: Path, fields: FieldMap | None = None) -> tuple[list[Article], list[Rejection], list[Rejection]]:
    """(articles, rejections, warnings) of one file."""
    rejections: list[Rejection] = []
    warnings: list[Rejection] = []
    articles = list(read_file(path, rejections.append, on_warning=warnings.append, fields=fields or FieldMap()))
    return articles, rejections, warnings


def fixture(name: str, tmp_path: Path, as_name: str | None = None) -> Path:
    """A fixture copied under ``tmp_path`` (as ``as_name``), so that a test may name or move it."""
    target = tmp_path / (as_name or name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / name, target)
    return target


# --- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2022-03-12", "2022-03-12"),
        ("2022-03-12T10:00:00+01:00", "2022-03-12"),
        ("2022-03-12 08:30:00.125000", "2022-03-12"),  # Media Cloud
        ("2022-03-12T23:30:00-05:00", "2022-03-12"),  # the publisher's day, not Paris's
        ("2022/03/12", "2022-03-12"),
        ("12/03/2022", "2022-03-12"),  # French order: day first
        ("1/3/2022", "2022-03-01"),
        ("12.03.2022", "2022-03-12"),
        ("12-03-2022 10:30", "2022-03-12"),
        ("12 mars 2022", "2022-03-12"),
        ("mardi 12 mars 2022", "2022-03-12"),
        ("Mardi 1er mars 2022", "2022-03-01"),
        ("1er mars 2022", "2022-03-01"),
        ("12 mars 2022 à 10h30", "2022-03-12"),
        ("12 janv. 2022", "2022-01-12"),
        ("3 aout 2022", "2022-08-03"),
        ("25 décembre 2021", "2021-12-25"),
        ("Sat, 12 Mar 2022 23:30:00 -0500", "2022-03-12"),  # RFC 822, as feeds write it
        ("Tue, 01 Mar 2022 10:23:00 GMT", "2022-03-01"),
    ],
)
def test_dates_as_the_press_writes_them(written, day):
    assert parse_day(written) == day


@pytest.mark.parametrize(
    "written",
    [
        "03/13/2022",
        "12/03/22",
        "31 février 2022",
        "32 mars 2022",
        "mars 2022",
        "2022",
        "hier",
        "12 mars 2022 en soirée",
    ],
)
def test_ambiguous_or_impossible_dates_are_not_read(written):
    assert parse_day(written) is None


def test_a_french_date_is_found_in_a_header_line():
    assert find_day("Le Figaro, no. 24103, lundi 14 mars 2022 - 10:23 UTC +01:00 550 mots, p. 24") == "2022-03-14"
    assert find_day("International, 612 mots") is None


# --- Europresse --------------------------------------------------------------------------


def test_europresse_export_is_one_article_a_block(tmp_path):
    articles, rejections, warnings = read(fixture("europresse.html", tmp_path))

    assert rejections == []
    first, second, third = articles
    assert first.id == "news·20220312·QS·3412345"  # Europresse's document number
    assert first.source == "Le Quotidien du Sud"  # without the issue number
    assert first.date == "2022-03-12"
    assert first.title == "À Kyiv, les habitants se préparent au siège"
    assert first.body.split("\n\n")[:3] == [
        "Les civils creusent des tranchées aux portes de la capitale ukrainienne.",
        "Marie Durand",  # the byline: the index has no author field
        "Dans le quartier d’Obolon, au nord de Kyiv, les habitants remplissent des sacs de sable depuis l’aube.",
    ]
    assert "Cet article est paru dans" not in first.body
    assert first.url == "https://www.quotidien-du-sud.example/international/article/2022/03/12/kyiv-siege.html"
    assert first.origin.endswith(":9")  # the line of its <article>
    assert (second.date, second.source) == ("2022-03-01", "L’Écho de l’Ouest")  # "mardi 1er mars 2022 - 10:23 UTC"
    # A header whose date is impossible: kept, undated, said once; no document number: a stable hash.
    assert third.date is None and len(third.id) == 32
    assert [w.line for w in warnings] == [54] and "jeudi 45 mars 2022" in warnings[0].reason
    assert [a.id for a in read(fixture("europresse.html", tmp_path / "again"))[0]] == [a.id for a in articles]


@pytest.mark.parametrize("name", ["export.HTML", "export.htm", "export"])
def test_europresse_is_told_by_its_content_whatever_its_name(tmp_path, name):
    path = fixture("europresse.html", tmp_path, name)

    assert format_of(path) is EUROPRESSE
    assert len(read(path)[0]) == 3


def test_an_html_file_of_no_article_block_is_a_saved_page_not_europresse(tmp_path):
    assert format_of(fixture("page.html", tmp_path)) is WEB_PAGE


# --- CSV and TSV -------------------------------------------------------------------------


def test_media_cloud_csv_with_quoted_newlines(tmp_path):
    articles, rejections, warnings = read(fixture("mediacloud.csv", tmp_path))

    assert rejections == [] and warnings == []
    assert [(a.id, a.date, a.source) for a in articles] == [
        ("a1f3c9e2", "2022-03-12", "lequotidiendusud.example"),
        ("b72d0441", "2022-03-01", "echodelouest.example"),
        ("c0ffee00", None, "hebdodesalpes.example"),
    ]
    assert articles[0].body.endswith("« Nous ne partirons pas », affirme Olena, 54 ans.")
    # Each row's line is the one it starts on, though the first spans three.
    assert [a.origin.rsplit(":", 1)[1] for a in articles] == ["2", "5", "6"]


def _french_excel_csv(bom: bytes = b"", encoding: str = "cp1252") -> bytes:
    """What a French Excel saves as "CSV (séparateur : point-virgule)": ``;``, CRLF, its code page."""
    rows = [
        "Identifiant;Titre;Date;Journal;Texte",
        '1;Réforme des retraites;12/03/2022;L’Écho de l’Ouest;"Le gouvernement présente sa réforme; les syndicats '
        'appellent à la grève."',
        "2;Fête de la musique;21 juin 2022;Hebdo des Alpes;Concerts à Annecy.",
        "3;Brève;hier soir;Hebdo des Alpes;Un texte.",
    ]
    return bom + "\r\n".join(rows).encode(encoding) + b"\r\n"


@pytest.mark.parametrize(
    ("content", "guessed"),
    [
        pytest.param(_french_excel_csv(), True, id="windows-1252"),
        pytest.param(_french_excel_csv(codecs.BOM_UTF8, "utf-8"), False, id="utf-8-bom"),
        pytest.param(_french_excel_csv(codecs.BOM_UTF16_LE, "utf-16-le"), False, id="utf-16"),
    ],
)
def test_spreadsheet_csv_in_french(tmp_path, content, guessed):
    path = tmp_path / "export.csv"
    path.write_bytes(content)

    articles, rejections, warnings = read(
        path, parse_map("id=Identifiant")
    )  # "Identifiant" is recognised too; mapped here

    assert rejections == []
    assert [(a.id, a.title, a.date, a.source) for a in articles] == [
        ("1", "Réforme des retraites", "2022-03-12", "L’Écho de l’Ouest"),
        ("2", "Fête de la musique", "2022-06-21", "Hebdo des Alpes"),
        ("3", "Brève", None, "Hebdo des Alpes"),
    ]
    assert articles[0].body == "Le gouvernement présente sa réforme; les syndicats appellent à la grève."
    reasons = [w.reason for w in warnings]
    assert any("'hier soir' is not a date" in r for r in reasons)
    assert any("read as Windows-1252" in r for r in reasons) is guessed


def test_tsv_and_bad_rows(tmp_path):
    path = tmp_path / "export.tsv"
    path.write_text(
        "id\ttitle\tbody\n1\tUn\tPremier texte\n2\tDeux\tSecond\ttexte en trop\n\n3\tTrois\n4\tQuatre\tQuatrième\n",
        encoding="utf-8",
    )

    articles, rejections, _ = read(path)

    assert [a.id for a in articles] == ["1", "3", "4"]  # a row short of cells has them blank
    assert [(r.line, r.reason) for r in rejections] == [
        (3, "4 cells, the header has 3: a delimiter or a quote is amiss")
    ]


def test_csv_without_a_body_column_is_one_rejection_naming_the_columns(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("id,title,story\n1,Un,Texte\n2,Deux,Texte\n", encoding="utf-8")

    articles, rejections, _ = read(path)

    assert articles == []
    (rejection,) = rejections
    assert rejection.line == 1
    assert "no body column" in rejection.reason and "id, title, story" in rejection.reason
    assert "--map body=COLUMN" in rejection.reason
    assert [a.body for a in read(path, parse_map("body=story"))[0]] == ["Texte", "Texte"]


# --- JSON Lines, JSON, and the field mapping ---------------------------------------------


MEDIA_CLOUD_RECORD = {"id": 3, "title": "T", "text": "Le texte de l’article.", "publish_date": "2022-03-12"}


def test_media_cloud_names_are_recognised_in_json_lines(tmp_path):
    path = write_jsonl(tmp_path / "mc.jsonl", [{**MEDIA_CLOUD_RECORD, "media_name": "lemonde.fr", "link": "https://x"}])

    (found,), rejections, _ = read(path)

    assert rejections == []
    assert (found.id, found.body, found.date, found.source, found.url) == (
        "3",
        "Le texte de l’article.",
        "2022-03-12",
        "lemonde.fr",
        "https://x",
    )


def test_a_record_with_no_body_after_mapping_is_rejected_never_indexed_empty(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": 1, "title": "T", "story": "Texte"}, article("2", "Deux")])

    articles, rejections, _ = read(path)

    assert [a.id for a in articles] == ["2"]
    (rejection,) = rejections
    assert rejection.line == 1 and rejection.reason.startswith("no body: none of the keys body, text, content")
    assert "(the record has id, title, story)" in rejection.reason
    assert [a.body for a in read(path, parse_map("body=story"))[0]] == ["Texte", "Deux"]


def test_a_mapped_field_is_read_from_its_key_first(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": 1, "title": "T", "body": "corps", "chapo": "chapô"}])

    (found,), _, _ = read(path, parse_map(" body = chapo , date=jour"))

    assert found.body == "chapô"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("body", "is not FIELD=KEY"),
        ("author=byline", "unknown field 'author'"),
        ("body=", "is not FIELD=KEY"),
        ("", "maps no field"),
        (" , ", "maps no field"),
    ],
)
def test_a_bad_map_option_is_a_usage_error(option, message):
    with pytest.raises(UsageError, match=message):
        parse_map(option)


def test_json_list_of_records_with_their_lines(tmp_path):
    path = tmp_path / "export.json"
    records = [MEDIA_CLOUD_RECORD, {"id": 4, "title": "Sans texte"}, {**MEDIA_CLOUD_RECORD, "id": 5}]
    path.write_text(json.dumps(records, indent=2, ensure_ascii=False), encoding="utf-8")

    articles, rejections, _ = read(path)

    assert [a.id for a in articles] == ["3", "5"]
    assert [a.origin for a in articles] == [f"{path}:2", f"{path}:12"]
    assert [(r.line, r.reason.split(":")[0]) for r in rejections] == [(8, "no body")]


def test_json_object_holding_a_list_and_json_lines_named_json(tmp_path):
    wrapped = tmp_path / "api.json"
    wrapped.write_text(json.dumps({"count": 2, "stories": [MEDIA_CLOUD_RECORD, {"id": 9}]}), encoding="utf-8")
    lines = write_jsonl(tmp_path / "lines.json", [article("1", "un"), article("2", "deux")])

    articles, rejections, _ = read(wrapped)
    assert [a.id for a in articles] == ["3"]
    assert rejections[0].reason.startswith("record 2 of 'stories': no body")
    assert format_of(lines) is JSONL and [a.id for a in read(lines)[0]] == ["1", "2"]
    assert format_of(wrapped) is JSON


def test_fields_file_beside_the_corpus_and_a_changed_mapping_reads_every_file_again(tmp_path, monkeypatch):
    monkeypatch.setattr("searchkit.signatures.RACY_NS", 0)  # files just written may be skipped when unchanged
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_jsonl(
        corpus / "a.jsonl", [{"id": "1", "title": "Un", "story": "La grève des cheminots.", "day": "12/03/2022"}]
    )
    (corpus / "fields.toml").write_text('# searchkit\nbody = "story"\ndate = "day"\n', encoding="utf-8")
    index_dir = tmp_path / "index"

    report = build_index([corpus], index_dir)

    assert (report.added, report.rejected, report.unknown) == (1, [], [])  # fields.toml is not "unknown"
    hit = search(index_dir, "grève", SearchOptions()).hits[0]
    assert (hit.id, hit.date) == ("1", "2022-03-12")
    assert build_index([corpus], index_dir).skipped == 1  # nothing changed: the file is not read
    # The same file, another mapping: the update reads it again.
    report = build_index([corpus], index_dir, fields=parse_map("body=title"))
    assert (report.updated, report.skipped) == (1, 0)
    assert search(index_dir, "grève", SearchOptions()).hits == []


# --- feeds -------------------------------------------------------------------------------


def test_rss_feed(tmp_path):
    articles, rejections, warnings = read(fixture("feed.rss", tmp_path))

    assert rejections == []
    kyiv, gazole, breve = articles
    assert (kyiv.id, kyiv.date, kyiv.source) == ("qds-3412345", "2022-03-12", "Le Quotidien du Sud - International")
    assert kyiv.body.startswith("Dans le quartier d’Obolon")  # the full content, not the summary
    assert (gazole.id, gazole.body) == (gazole.url, "Les stations-service affichent un litre de gazole à 2,01 €.")
    assert breve.date is None and "'bientôt' is not a date" in warnings[0].reason


def test_atom_feed(tmp_path):
    (entry,), rejections, warnings = read(fixture("feed.atom", tmp_path))

    assert rejections == [] and warnings == []
    assert entry.title == "Marée noire : l’Erika dans les mémoires"
    assert (entry.date, entry.source, entry.url) == (
        "2022-03-02",
        "L’Écho de l’Ouest",
        "https://echodelouest.example/maree",
    )
    assert entry.body.startswith("Vingt-trois ans après le naufrage")


def test_an_empty_feed_entry_is_rejected_naming_its_id_only_when_it_has_one(tmp_path):
    path = tmp_path / "feed.atom"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Echo</title>'
        "<entry><id>urn:echo:7</id></entry><entry></entry>"
        "<entry><id>urn:echo:9</id><title>Un titre</title><summary>Un texte.</summary></entry></feed>",
        encoding="utf-8",
    )

    articles, rejections, _ = read(path)

    assert [a.id for a in articles] == ["urn:echo:9"]
    assert [r.reason for r in rejections] == [
        "entry 1 (urn:echo:7): no title and no text",
        "entry 2: no title and no text",
    ]


def test_an_xml_file_that_is_no_feed_is_rejected(tmp_path):
    path = tmp_path / "corpus.xml"
    path.write_text('<?xml version="1.0"?><TEI><text>Bonjour</text></TEI>', encoding="utf-8")

    articles, rejections, _ = read(path)

    assert format_of(path) is FEED and articles == []
    assert rejections[0].reason.startswith("not an RSS or Atom feed")


# --- web pages and web archives ----------------------------------------------------------


def test_saved_web_page(tmp_path):
    (page,), rejections, _ = read(fixture("page.html", tmp_path))

    assert rejections == []
    assert (page.id, page.url) == ("https://echodelouest.example/economie/gazole",) * 2
    assert (page.title, page.date, page.source) == (
        "Le prix du gazole dépasse deux euros",
        "2022-03-01",
        "L’Écho de l’Ouest",
    )
    assert "transporteurs routiers" in page.body
    assert "Accueil" not in page.body and "Mentions légales" not in page.body and "Lire aussi" not in page.body


def test_a_page_with_no_main_text_is_rejected(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text(
        "<html><head><title>Accueil</title></head><body><img src='logo.png'></body></html>", encoding="utf-8"
    )

    assert read(path)[1][0].reason.startswith("no main text found")


def _warc_record(kind: str, uri: str, block: bytes, number: int, content_type: str, extra: str = "") -> bytes:
    """One WARC/1.0 record, as crawlers (wget, Heritrix) write it."""
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2022-03-02T09:15:{number:02d}Z\r\n"
        f"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-{number:012d}>\r\n{extra}"
        f"Content-Type: {content_type}\r\nContent-Length: {len(block)}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


def _http(status: str, content_type: str, body: bytes) -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


def _warc(path: Path) -> Path:
    """A web archive as a crawler writes it: a request, the page's response, an
    image, a revisit of the page, a 404, and a second page; each record gzip'd
    apart in a ``.warc.gz``, as the format wants."""
    page = (FIXTURES / "page.html").read_bytes()
    other = page.replace("gazole dépasse deux euros".encode(), b"colza flambe").replace(b"/economie/gazole", b"/colza")
    html, gazole = "text/html; charset=utf-8", "https://echodelouest.example/economie/gazole"
    response = "application/http; msgtype=response"
    records = [
        _warc_record(
            "warcinfo", "", b"software: Wget/1.21\r\nformat: WARC File Format 1.0\r\n", 0, "application/warc-fields"
        ),
        _warc_record(
            "request",
            gazole,
            b"GET /economie/gazole HTTP/1.1\r\nHost: echodelouest.example\r\n\r\n",
            1,
            "application/http; msgtype=request",
        ),
        _warc_record("response", gazole, _http("200 OK", html, page), 2, response),
        _warc_record(
            "response", "https://echodelouest.example/logo.png", _http("200 OK", "image/png", b"\x89PNG"), 3, response
        ),
        _warc_record(
            "revisit",
            gazole,
            _http("200 OK", html, b""),
            4,
            response,
            "WARC-Profile: http://netpreserve.org/warc/1.0/revisit/identical-payload-digest\r\n",
        ),
        _warc_record(
            "response", "https://echodelouest.example/absente", _http("404 Not Found", html, b"<p>?</p>"), 5, response
        ),
        _warc_record("response", "https://echodelouest.example/colza", _http("200 OK", html, other), 6, response),
    ]
    if path.name.endswith(".gz"):
        records = [gzip.compress(record) for record in records]
    path.write_bytes(b"".join(records))
    return path


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_web_archive_is_one_article_an_html_response(tmp_path, name):
    path = _warc(tmp_path / name)

    articles, rejections, _ = read(path)

    assert format_of(path) is WARC and rejections == []
    assert [a.id for a in articles] == [
        "https://echodelouest.example/economie/gazole",
        "https://echodelouest.example/colza",
    ]
    assert articles[1].title == "Le prix du colza flambe" and articles[0].date == "2022-03-01"
    assert {a.origin for a in articles} == {str(path)}


def test_a_web_archive_record_warcio_cannot_parse_is_one_line_and_the_rest_is_indexed(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    page = (FIXTURES / "page.html").read_bytes()
    good = _warc_record("response", "https://echodelouest.example/a", _http("200 OK", "text/html", page), 1, "x")
    # a response with no WARC-Target-URI, which warcio fails on
    broken = good.replace(b"WARC-Target-URI: https://echodelouest.example/a\r\n", b"")
    (corpus / "crawl.warc").write_bytes(good + broken)
    write_jsonl(corpus / "news.jsonl", [article("1", "Le gazole et le colza.")])
    index_dir = tmp_path / "index"

    done = run_cli("index", str(corpus), "--index", str(index_dir), "--json")

    assert done.returncode == 3, done.stderr
    (line,) = [line for line in done.stderr.splitlines() if "crawl.warc" in line]
    assert "unreadable web archive" in line and "warcio cannot parse" in line
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert json.loads(done.stdout)["documents"] == 2  # the page before the broken record, and the JSON Lines


def test_a_file_name_that_is_not_utf8_is_one_line_and_the_rest_is_indexed(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_jsonl(corpus / "news.jsonl", [article("1", "Le gazole et le colza.")])
    (Path(os.fsdecode(bytes(corpus))) / os.fsdecode(b"d\xe9p\xeache\n.txt")).write_text(
        "Un titre\n\n2\n\nUn corps.\n", encoding="utf-8"
    )
    index_dir = tmp_path / "index"

    for _ in range(2):  # the build, then an update that finds the file again
        done = run_cli("index", str(corpus), "--index", str(index_dir), "--json")

        assert done.returncode == 3, done.stderr
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr
        (line,) = [line for line in done.stderr.splitlines() if "not UTF-8" in line]
        assert "d\\xe9p\\xeache\\n.txt" in line
        assert json.loads(done.stdout)["documents"] == 1


def test_without_the_web_extra_such_a_file_is_one_line_naming_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # as if not installed: importing it fails
    page = fixture("page.html", tmp_path)

    articles, rejections, _ = read(page)

    assert articles == []
    (rejection,) = rejections
    assert "trafilatura, which is not installed" in rejection.reason
    assert "pip install 'searchkit[web]'" in rejection.reason


# --- unknown files -----------------------------------------------------------------------


def test_a_folders_unknown_files_are_named_in_the_summary(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    write_jsonl(corpus / "a.jsonl", [article("1", "un")])
    for name in ("notes.docx", "sub/scan.pdf", ".DS_Store", "aliases.toml"):
        (corpus / name).write_bytes(b"merge = []\n")
    index_dir = tmp_path / "index"

    report = build_index([corpus], index_dir)

    assert [Path(p).relative_to(corpus).as_posix() for p in report.unknown] == ["notes.docx", "sub/scan.pdf"]
    done = run_cli("index", str(corpus), "--index", str(index_dir), "--json")
    assert done.returncode == 0, done.stderr
    assert [Path(p).name for p in json.loads(done.stdout)["skipped_unknown"]] == ["notes.docx", "scan.pdf"]
    done = run_cli("index", str(corpus), "--index", str(index_dir))
    assert "skipped 2 files of unknown type: " in done.stderr and "notes.docx" in done.stderr


def test_an_unknown_file_named_explicitly_is_one_line_and_exit_3(tmp_path):
    path = tmp_path / "rapport.docx"
    path.write_bytes(b"PK\x03\x04 not an article")

    done = run_cli("index", str(path), "--index", str(tmp_path / "index"), "--quiet")

    assert done.returncode == 3
    assert one_error_line(done.stderr).startswith(f"searchkit: rejected {path}: unknown format: searchkit reads .txt")


def test_index_with_map_option_and_every_format_in_one_folder(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("europresse.html", "mediacloud.csv", "feed.rss", "feed.atom"):
        fixture(name, corpus)
    write_jsonl(corpus / "notes.jsonl", [{"identifiant": "n1", "titre": "Note", "story": "Les cheminots en grève."}])
    index_dir = tmp_path / "index"

    done = run_cli("index", str(corpus), "--index", str(index_dir), "--map", "body=story", "--json")

    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["added"] == 3 + 3 + 3 + 1 + 1
    assert len(summary["warnings"]) == 2  # the Europresse and RSS dates that could not be read
    found = run_cli("search", "cheminots", "--index", str(index_dir), "--json")
    assert [hit["id"] for hit in json.loads(found.stdout)["hits"]] == ["n1"]


def test_a_corpus_in_every_format_reads_in_a_stable_order(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("mediacloud.csv", "feed.atom", "page.html"):
        fixture(name, corpus)
    names = [p.name for p in corpus_files([corpus])]

    assert names == ["feed.atom", "mediacloud.csv", "page.html"]
    assert len(list(read_corpus([corpus], pytest.fail))) == 5


def test_a_corpus_folders_readme_and_licence_are_not_reported_as_unknown(tmp_path):
    """The bundled corpus holds a README.md: listing it as "unknown type" on
    every run would teach users to ignore the line that names real misses."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", [article("1", "Le budget.")])
    for name in ("README.md", "LICENSE", "notice.txt.bak"):
        (folder / name).write_text("notes")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4")
    report = build_index([folder], tmp_path / "index")
    assert [Path(p).name for p in report.unknown] == ["scan.pdf"]
