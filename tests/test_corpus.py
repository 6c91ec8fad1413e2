"""Corpus readers: the native format, JSON Lines (plain and gzip'd), folders, bad input, the CLI, real data.

Every corpus here is written by the test into ``tmp_path``, except the seed
article (bundled) and the shared corpora (skipped when ``../shared`` is absent).
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import SEED, article, requires_shared, run_cli, write_jsonl

from searchkit.corpus import (
    Article,
    Rejection,
    corpus_files,
    normalize_text,
    read_corpus,
    read_file,
    read_jsonl,
    read_native,
)
from searchkit.indexing import build_index
from searchkit.search import SearchOptions, search

SEED_ID = "347229279346511"
SEED_TITLE = (
    "Le secrétaire du Conseil de sécurité de la Russie lors des réunions "
    "avec les présidents de l’Azerbaïdjan et de l’Iran"
)
SEED_PARAGRAPHS = 10

# --- helpers ---------------------------------------------------------------------


def read_paths(*paths: Path) -> tuple[list[Article], list[Rejection]]:
    """Everything ``read_corpus`` yields for ``paths``, and what it rejected."""
    rejections: list[Rejection] = []
    articles = list(read_corpus(list(paths), rejections.append))
    return articles, rejections


def read_one(path: Path) -> tuple[list[Article], list[Rejection]]:
    """Everything ``read_file`` yields for one file, and what it rejected."""
    rejections: list[Rejection] = []
    articles = list(read_file(path, rejections.append))
    return articles, rejections


def ids(articles: list[Article]) -> list[str]:
    return [a.id for a in articles]


def native_text(title: str, article_id: str | int, body: str) -> str:
    return f"{title}\n\n{article_id}\n\n{body}\n"


def write_native(path: Path, title: str, article_id: str | int, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(native_text(title, article_id, body), encoding="utf-8")
    return path


def jsonl_bytes(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def write_records(path: Path, records: list[dict]) -> Path:
    """A JSONL file, gzip'd when its name ends in ``.gz``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = jsonl_bytes(records)
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def write_lines(path: Path, lines: list[bytes]) -> Path:
    """A JSONL file from raw lines, for lines that are not valid JSON or UTF-8."""
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def the_one_rejection(rejections: list[Rejection]) -> Rejection:
    assert len(rejections) == 1, f"expected exactly one rejection, got {[str(r) for r in rejections]}"
    return rejections[0]


def has_traceback(result) -> bool:
    return "Traceback" in result.stdout or "Traceback" in result.stderr


# --- the native format -------------------------------------------------------------


def test_seed_article_reads_with_its_id_title_and_paragraphs():
    rejections: list[Rejection] = []
    seed = read_native(SEED, rejections.append)

    assert rejections == []
    assert seed is not None
    assert seed.id == SEED_ID
    assert seed.title == SEED_TITLE
    assert seed.body.startswith("Le 6 août, le président azerbaïdjanais Ilham Aliyev a reçu")
    assert seed.body.endswith("aux journalistes.")
    assert len(seed.body.split("\n\n")) == SEED_PARAGRAPHS
    assert SEED_ID not in seed.body and SEED_TITLE not in seed.body
    assert "\u00a0" in seed.body, "no-break spaces (before » etc.) are kept"
    assert (seed.date, seed.source, seed.url) == (None, None, None)
    assert seed.origin == str(SEED)


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


SEED_VARIANTS = {
    "nfd": lambda text: _nfd(text).encode(),
    "crlf": lambda text: _crlf(text).encode(),
    "old-mac-cr": lambda text: text.replace("\n", "\r").encode(),
    "bom": lambda text: b"\xef\xbb\xbf" + text.encode(),
    "trailing-blank-lines": lambda text: (text + "\n\n   \n").encode(),
    "bom-nfd-crlf": lambda text: b"\xef\xbb\xbf" + _crlf(_nfd(text)).encode(),
}


@pytest.mark.parametrize("variant", SEED_VARIANTS)
def test_seed_written_another_way_reads_the_same(tmp_path, variant):
    original = SEED.read_bytes()
    data = SEED_VARIANTS[variant](original.decode("utf-8"))
    assert data != original, "the variant must change the bytes, or the test proves nothing"
    copy = tmp_path / "seed.txt"
    copy.write_bytes(data)

    [article_read], rejections = read_one(copy)
    expected = read_native(SEED, pytest.fail)

    assert rejections == []
    assert (article_read.id, article_read.title, article_read.body) == (expected.id, expected.title, expected.body)
    assert "\r" not in article_read.body and "\ufeff" not in article_read.title
    assert unicodedata.is_normalized("NFC", article_read.title + article_read.body)


def test_native_nfd_text_is_read_as_nfc(tmp_path):
    title, body = "L’Élysée répond", "Le café de Téhéran.\n\nDeuxième paragraphe, à Noël."
    path = tmp_path / "nfd.txt"
    path.write_text(native_text(_nfd(title), 42, _nfd(body)), encoding="utf-8")
    assert _nfd(body) != body

    [read], _ = read_one(path)

    assert read.title == title
    assert read.body == body


def test_native_body_keeps_paragraphs_and_line_breaks(tmp_path):
    body = "Premier paragraphe.\n\nDeuxième,\nsur deux lignes.\n\n« Troisième »."
    [read], rejections = read_one(write_native(tmp_path / "a.txt", "  Titre  ", " 7 ", body))

    assert rejections == []
    assert (read.id, read.title, read.body) == ("7", "Titre", body)


def test_native_article_with_an_id_and_no_body_is_kept(tmp_path):
    path = tmp_path / "court.txt"
    path.write_text("Une brève\n\n12\n", encoding="utf-8")

    [read], rejections = read_one(path)

    assert rejections == []
    assert (read.id, read.title, read.body) == ("12", "Une brève", "")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("\ufeffTitre", "Titre", id="bom"),
        pytest.param("a\r\nb\rc\n", "a\nb\nc\n", id="line-ends"),
        pytest.param(_nfd("Téhéran"), "Téhéran", id="nfd"),
        pytest.param("« 3+3\u00a0»", "« 3+3\u00a0»", id="no-break-space-kept"),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


# --- JSON Lines ----------------------------------------------------------------------

FULL_RECORD = {
    "id": 7,
    "title": "Poutine et Choïgou",
    "body": "Premier.\n\nSecond.",
    "date": "2022-03-01",
    "source": "Le Monde",
    "url": "https://example.org/7",
}
BARE_RECORD = {"id": "8", "title": "Sans date", "body": "Rien d’autre."}


@pytest.mark.parametrize("name", ["articles.jsonl", "articles.ndjson", "articles.jsonl.gz"])
def test_jsonl_fields(tmp_path, name):
    path = write_records(tmp_path / name, [FULL_RECORD, BARE_RECORD, {**BARE_RECORD, "id": "9", "url": None}])

    articles, rejections = read_one(path)

    assert rejections == []
    assert articles == [
        Article(
            id="7",
            title="Poutine et Choïgou",
            body="Premier.\n\nSecond.",
            date="2022-03-01",
            source="Le Monde",
            url="https://example.org/7",
            origin=f"{path}:1",
        ),
        Article(id="8", title="Sans date", body="Rien d’autre.", origin=f"{path}:2"),
        Article(id="9", title="Sans date", body="Rien d’autre.", origin=f"{path}:3"),
    ]
    assert all(isinstance(a.id, str) for a in articles)


def test_jsonl_text_is_nfc_and_unix_lines(tmp_path):
    path = write_records(tmp_path / "a.jsonl", [article("1", _nfd("À Téhéran,\r\nle café."), title=_nfd("Élysée"))])

    [read], _ = read_one(path)

    assert (read.title, read.body) == ("Élysée", "À Téhéran,\nle café.")


def test_jsonl_crlf_and_blank_lines_are_fine_and_lines_keep_their_numbers(tmp_path):
    path = tmp_path / "a.jsonl"
    first, second = (json.dumps(article(i, f"texte {i}")).encode() for i in ("1", "2"))
    path.write_bytes(first + b"\r\n\r\n   \r\n" + second + b"\r\n")

    articles, rejections = read_one(path)

    assert rejections == []
    assert [(a.id, a.origin) for a in articles] == [("1", f"{path}:1"), ("2", f"{path}:4")]


def test_read_jsonl_directly(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [article("1", "un"), article("2", "deux")])
    assert ids(list(read_jsonl(path, pytest.fail))) == ["1", "2"]


def test_jsonl_with_a_byte_order_mark_keeps_its_first_article(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + jsonl_bytes([article("1", "un"), article("2", "deux")]))

    articles, rejections = read_one(path)

    assert rejections == []
    assert ids(articles) == ["1", "2"]


# --- folders ---------------------------------------------------------------------------


def make_mixed_folder(root: Path) -> Path:
    """Articles in every format at several depths, plus files that are not articles.

    Written out of order, so a stable order cannot come from creation order.
    """
    corpus = root / "corpus"
    write_records(corpus / "sub" / "deeper" / "d.ndjson", [article("40", "quarante")])
    write_records(corpus / "sub" / "c.jsonl.gz", [article("30", "trente"), article("31", "trente et un")])
    write_records(corpus / "b.jsonl", [article("20", "vingt"), article("21", "vingt et un")])
    write_native(corpus / "a.txt", "Dix", 10, "dix")
    # not articles: another format, hidden files and folders, a gzip of another format
    (corpus / "README.md").write_text("# Le corpus\n\nLisez-moi.\n", encoding="utf-8")
    (corpus / "notes.docx").write_bytes(b"PK\x03\x04 a word-processor file")
    write_native(corpus / ".hidden.txt", "Caché", 99, "caché")
    write_native(corpus / ".git" / "e.txt", "Caché aussi", 97, "caché")
    (corpus / "sub" / "archive.txt.gz").write_bytes(gzip.compress(native_text("Zip", 96, "zip").encode()))
    return corpus


FOLDER_FILES = ["a.txt", "b.jsonl", "sub/c.jsonl.gz", "sub/deeper/d.ndjson"]
FOLDER_IDS = ["10", "20", "21", "30", "31", "40"]


def test_folder_is_read_recursively_in_every_format(tmp_path):
    corpus = make_mixed_folder(tmp_path)

    articles, rejections = read_paths(corpus)

    assert rejections == []
    assert ids(articles) == FOLDER_IDS


def test_folder_skips_non_corpus_and_hidden_files_in_a_stable_order(tmp_path):
    corpus = make_mixed_folder(tmp_path)

    unknown: list[str] = []
    listed = [p.relative_to(corpus).as_posix() for p in corpus_files([corpus], unknown.append)]

    assert listed == FOLDER_FILES
    skipped = [Path(p).relative_to(corpus).as_posix() for p in unknown]
    assert skipped == ["notes.docx", "sub/archive.txt.gz"]  # README.md is the folder's notes on itself
    assert [p.relative_to(corpus).as_posix() for p in corpus_files([corpus])] == listed


def test_paths_are_read_in_the_order_given(tmp_path):
    corpus = make_mixed_folder(tmp_path)

    articles, _ = read_paths(corpus / "sub", corpus / "a.txt")

    assert ids(articles) == ["30", "31", "40", "10"]


def test_a_file_found_by_several_names_is_read_once_under_the_first(tmp_path):
    corpus = make_mixed_folder(tmp_path)
    (corpus / "sub" / "link.jsonl").symlink_to(corpus / "b.jsonl")
    (tmp_path / "alias").symlink_to(corpus / "sub", target_is_directory=True)

    named = [corpus / "b.jsonl", corpus, corpus / "sub" / ".." / "b.jsonl", tmp_path / "alias", corpus / "b.jsonl"]
    articles, rejections = read_paths(*named)

    assert rejections == [], [str(r) for r in rejections]
    assert ids(articles) == ["20", "21", "10", "30", "31", "40"]
    assert articles[0].origin == f"{corpus / 'b.jsonl'}:1"


def test_a_file_named_explicitly_is_read_whatever_its_suffix(tmp_path):
    path = write_native(tmp_path / "article.md", "Titre", 5, "Corps.")

    articles, rejections = read_paths(path)

    assert rejections == []
    assert ids(articles) == ["5"]


# --- bad input: one rejection naming the file, the good articles beside it still read -----

GOOD_IDS = ["1", "2", "3"]


def write_good_neighbours(folder: Path) -> None:
    """Good articles in both formats, sorted around the bad file (``b...``)."""
    write_records(folder / "a-good.jsonl", [article("1", "un"), article("2", "deux")])
    write_native(folder / "z-good.txt", "Trois", 3, "trois")


# Each writer puts one bad file in the folder and returns (path, line, reason fragment).
BadFileWriter = Callable[[Path], tuple[Path, int | None, str]]


def _native_invalid_utf8(folder: Path):
    path = folder / "bad.txt"
    path.write_bytes(b"Titre\n\n100\n\nLe caf\xe9 de T\xe9h\xe9ran.\n")
    return path, 5, "not valid UTF-8"


def _jsonl_invalid_utf8(folder: Path):
    return write_lines(folder / "bad.jsonl", [b'{"id": "100", "title": "caf\xe9", "body": "x"}']), 1, "not valid UTF-8"


def _native_empty(folder: Path):
    path = folder / "bad.txt"
    path.write_bytes(b"")
    return path, None, "empty file"


def _native_blank(folder: Path):
    path = folder / "bad.txt"
    path.write_text("\n  \n\t\n", encoding="utf-8")
    return path, None, "empty file"


def _jsonl_empty(folder: Path):
    path = folder / "bad.jsonl"
    path.write_bytes(b"")
    return path, None, "empty file"


def _native_no_id(folder: Path):
    path = folder / "bad.txt"
    path.write_text("Titre\n\nLe corps commence ici, sans identifiant.\n", encoding="utf-8")
    return path, 3, "missing id"


def _native_title_only(folder: Path):
    path = folder / "bad.txt"
    path.write_text("Un titre seul\n", encoding="utf-8")
    return path, None, "missing id"


def _native_no_title(folder: Path):
    path = folder / "bad.txt"
    path.write_text("\n\n100\n\nUn corps sans titre.\n", encoding="utf-8")
    return path, 1, "missing title"


def _gzip_that_is_not(folder: Path):
    path = folder / "bad.jsonl.gz"
    path.write_bytes(jsonl_bytes([article("100", "pas compressé")]))
    return path, None, "unreadable"


def _dangling_symlink(folder: Path):
    path = folder / "bad.txt"
    path.symlink_to(folder / "nowhere.txt")
    return path, None, "no such file"


@pytest.mark.parametrize(
    "write_bad",
    [
        pytest.param(_native_invalid_utf8, id="native-invalid-utf8"),
        pytest.param(_jsonl_invalid_utf8, id="jsonl-invalid-utf8"),
        pytest.param(_native_empty, id="native-empty"),
        pytest.param(_native_blank, id="native-only-blank-lines"),
        pytest.param(_jsonl_empty, id="jsonl-empty"),
        pytest.param(_native_no_id, id="native-no-id"),
        pytest.param(_native_title_only, id="native-title-only"),
        pytest.param(_native_no_title, id="native-no-title"),
        pytest.param(_gzip_that_is_not, id="gz-not-gzip"),
        pytest.param(_dangling_symlink, id="dangling-symlink"),
    ],
)
def test_bad_file_in_a_folder_is_one_rejection(tmp_path, write_bad: BadFileWriter):
    write_good_neighbours(tmp_path)
    bad, line, reason = write_bad(tmp_path)

    articles, rejections = read_paths(tmp_path)

    rejection = the_one_rejection(rejections)
    assert (rejection.path, rejection.line) == (str(bad), line)
    assert reason in rejection.reason
    assert str(bad) in str(rejection)
    assert ids(articles) == GOOD_IDS


@pytest.mark.parametrize(
    "bad_id",
    [
        pytest.param("12a", id="letters"),
        pytest.param("abc", id="word"),
        pytest.param("-12", id="negative"),
        pytest.param("1 2", id="space"),
        pytest.param("²³", id="superscript-digits"),
        pytest.param("١٢٣", id="arabic-indic-digits"),
    ],
)
def test_native_non_numeric_id_is_rejected(tmp_path, bad_id):
    write_good_neighbours(tmp_path)
    bad = write_native(tmp_path / "bad.txt", "Titre", bad_id, "Un corps.")

    articles, rejections = read_paths(tmp_path)

    rejection = the_one_rejection(rejections)
    assert (rejection.path, rejection.line) == (str(bad), 3)
    assert "numeric id" in rejection.reason
    assert ids(articles) == GOOD_IDS


@pytest.mark.parametrize("name", ["bad.txt", "bad.jsonl", "bad.jsonl.gz"])
def test_folder_named_like_a_file_is_unreadable_for_read_file(tmp_path, name):
    bad = tmp_path / name
    bad.mkdir()

    articles, rejections = read_one(bad)

    assert articles == []
    rejection = the_one_rejection(rejections)
    assert (rejection.path, rejection.line) == (str(bad), None)
    assert rejection.reason.startswith("unreadable")
    assert "directory" in rejection.reason.lower()


def test_folder_named_like_a_file_inside_a_corpus_is_walked_not_rejected(tmp_path):
    write_good_neighbours(tmp_path)
    write_native(tmp_path / "b-folder.txt" / "inside.txt", "Dedans", 4, "dedans")

    articles, rejections = read_paths(tmp_path)

    assert rejections == []
    assert ids(articles) == ["1", "2", "3", "4"], "a folder's files come before its subfolders"


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: chmod 000 does not stop root from reading")
@pytest.mark.parametrize("name", ["bad.txt", "bad.jsonl"])
def test_file_without_read_permission_is_unreadable(tmp_path, name):
    write_good_neighbours(tmp_path)
    bad = tmp_path / name
    bad.write_bytes(jsonl_bytes([article("100", "x")]) if name.endswith(".jsonl") else b"T\n\n100\n\nx\n")
    bad.chmod(0)
    try:
        articles, rejections = read_paths(tmp_path)
    finally:
        bad.chmod(0o644)

    rejection = the_one_rejection(rejections)
    assert (rejection.path, rejection.line) == (str(bad), None)
    assert "unreadable" in rejection.reason and "ermission" in rejection.reason
    assert ids(articles) == GOOD_IDS


def test_missing_path_is_one_rejection(tmp_path):
    write_good_neighbours(tmp_path / "corpus")
    missing = tmp_path / "nope"

    articles, rejections = read_paths(tmp_path / "corpus", missing)

    rejection = the_one_rejection(rejections)
    assert (rejection.path, rejection.line, rejection.reason) == (str(missing), None, "no such file or folder")
    assert ids(articles) == GOOD_IDS


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        pytest.param(b'{"title": "Sans id", "body": "x"}', "missing id", id="no-id"),
        pytest.param(b'{"id": null, "title": "t", "body": "x"}', "missing id", id="null-id"),
        pytest.param(b'{"id": "  ", "title": "t", "body": "x"}', "missing id: the id is blank", id="blank-id"),
        pytest.param(
            b'{"id": true, "title": "t", "body": "x"}', "id must be a string or an integer, got true", id="bool-id"
        ),
        pytest.param(
            b'{"id": 1.5, "title": "t", "body": "x"}', "id must be a string or an integer, got 1.5", id="float-id"
        ),
        pytest.param(
            b'{"id": 9.0, "title": "t", "body": "x"}', "id must be a string or an integer, got 9.0", id="whole-float"
        ),
        pytest.param(
            b'{"id": ["9"], "title": "t", "body": "x"}', "id must be a string or an integer, got a list", id="list-id"
        ),
        pytest.param(b'{"id": {"n": 9}, "title": "t", "body": "x"}', "got an object", id="object-id"),
        pytest.param(b'{"id": " 9 ", "title": "t", "body": "x"}', "id ' 9 ' has spaces around it", id="padded-id"),
        pytest.param(b'{"id": "9\\t", "title": "t", "body": "x"}', "has spaces around it", id="tab-after-id"),
        pytest.param(
            b'{"id": "9\\n10", "title": "t", "body": "x"}', "id '9\\n10' holds a control character", id="newline-in-id"
        ),
        pytest.param(b'{"id": "9", "title": "coup', "not valid JSON", id="truncated-json"),
        pytest.param(b"{id: 9}", "not valid JSON", id="unquoted-key"),
        pytest.param(b'["9", "t", "x"]', "not a JSON object", id="array"),
        pytest.param(b'"un article"', "not a JSON object", id="string"),
        pytest.param(b"42", "not a JSON object", id="number"),
        pytest.param(b"null", "not a JSON object", id="null"),
        pytest.param(b'{"id": "9", "title": "caf\xe9", "body": "x"}', "not valid UTF-8", id="latin-1"),
        pytest.param(b'{"id": "9", "title": "", "body": ""}', "empty article", id="empty-strings"),
        pytest.param(b'{"id": "9"}', "no body: none of the keys body, text, content", id="only-id"),
        pytest.param(b'{"id": "9", "title": "t", "story": "x"}', "(the record has id, title, story)", id="no-body"),
        pytest.param(b'{"id": "9", "title": "  ", "body": "\\n\\t"}', "empty article", id="whitespace"),
        pytest.param(b'{"id": "9", "title": 5, "body": "x"}', "title must be a string, got 5", id="numeric-title"),
        pytest.param(b'{"id": "9", "title": "t", "body": ["x"]}', "body must be a string, got a list", id="list-body"),
        pytest.param(
            b'{"id": "9", "title": "t", "body": "", "source": false}',
            "source must be a string, got false",
            id="bool-source",
        ),
    ],
)
def test_bad_jsonl_line_is_one_rejection_with_its_line(tmp_path, line, reason):
    good = [json.dumps(article(i, f"texte {i}")).encode() for i in ("1", "2", "3")]
    path = write_lines(tmp_path / "mixed.jsonl", [good[0], b"", line, good[1], good[2]])

    articles, rejections = read_paths(path)

    rejection = the_one_rejection(rejections)
    assert (rejection.path, rejection.line) == (str(path), 3)
    assert reason in rejection.reason
    assert str(rejection).startswith(f"{path}:3: ")
    assert ids(articles) == GOOD_IDS


@pytest.mark.parametrize(
    ("written", "read"),
    [
        pytest.param(15, "15", id="integer"),
        pytest.param(0, "0", id="zero"),
        pytest.param(-3, "-3", id="negative"),
        pytest.param(347229279346511, "347229279346511", id="wikinews-sized"),
        pytest.param("a b", "a b", id="inner-space-kept"),
    ],
)
def test_jsonl_integer_ids_read_as_their_digits_and_strings_as_written(tmp_path, written, read):
    path = write_jsonl(tmp_path / "a.jsonl", [article(written, "x")])

    articles, rejections = read_one(path)

    assert rejections == []
    assert ids(articles) == [read]


@pytest.mark.parametrize(
    "written",
    [
        "2022-03-01T10:00:00",
        "2022-03-01T10:00",
        "2022-03-01 10:00:00",
        "2022-03-01T10:00:00Z",
        "2022-03-01T10:00:00.250+01:00",
        "2022-03-01T23:30:00-05:00",  # 2 March in Paris: the day as the publisher wrote it is kept
        "  2022-03-01  ",
    ],
)
def test_jsonl_iso_date_and_time_keeps_the_day_as_written(tmp_path, written):
    path = write_jsonl(tmp_path / "a.jsonl", [article("1", "x", date=written)])

    articles, rejections = read_one(path)

    assert rejections == []
    assert [a.date for a in articles] == ["2022-03-01"]


@pytest.mark.parametrize("blank", ["", "   "])
def test_jsonl_blank_date_is_undated(tmp_path, blank):
    path = write_jsonl(tmp_path / "a.jsonl", [article("1", "x", date=blank)])

    articles, rejections = read_one(path)

    assert rejections == []
    assert [a.date for a in articles] == [None]


@pytest.mark.parametrize(
    ("date", "why"),
    [
        pytest.param("2022-13-01", "is not a date", id="month-13"),
        pytest.param("2022-02-30", "is not a date", id="february-30"),
        pytest.param("20220301", "is not a date", id="no-dashes"),
        pytest.param("hier", "is not a date", id="word"),
        pytest.param("2022-03-01abc", "is not a date", id="tail"),
        pytest.param("2022-03-01T25:00", "is not a date", id="hour-25"),
        pytest.param("2022-03-01/02", "is not a date", id="slash-tail"),
        pytest.param("03/13/2022", "is not a date", id="american-order"),
        pytest.param(20220301, "is not a date", id="numeric-date"),
        pytest.param("9999-12-31", "is outside the years 1000 to 2999", id="placeholder"),
    ],
)
def test_an_unreadable_date_leaves_the_article_undated_with_a_warning(tmp_path, date, why):
    path = write_jsonl(tmp_path / "a.jsonl", [article("1", "x"), article("9", "texte", date=date)])
    rejections, warnings = [], []

    articles = list(read_file(path, rejections.append, on_warning=warnings.append))

    assert rejections == []
    assert [(a.id, a.date) for a in articles] == [("1", None), ("9", None)]
    warning = the_one_rejection(warnings)
    assert (warning.path, warning.line) == (str(path), 2)
    assert str(date) in warning.reason and why in warning.reason and "indexed undated" in warning.reason


def _as_native(folder: Path, name: str, article_id: str, title: str) -> tuple[Path, str, int | None]:
    path = write_native(folder / f"{name}.txt", title, article_id, "corps")
    return path, str(path), None


def _as_jsonl(folder: Path, name: str, article_id: str, title: str) -> tuple[Path, str, int | None]:
    records = [article(f"{name}-other", "autre"), article(article_id, "corps", title=title)]
    path = write_records(folder / f"{name}.jsonl", records)
    return path, f"{path}:2", 2


@pytest.mark.parametrize("first_format", [_as_native, _as_jsonl], ids=["native", "jsonl"])
@pytest.mark.parametrize("second_format", [_as_native, _as_jsonl], ids=["native", "jsonl"])
def test_duplicate_id_across_files_keeps_the_first(tmp_path, first_format, second_format):
    _, first_origin, _ = first_format(tmp_path / "a", "first", "5", "Premier")
    second, _, second_line = second_format(tmp_path / "b", "second", "5", "Second")

    articles, rejections = read_paths(tmp_path / "a", tmp_path / "b")

    assert [a.title for a in articles if a.id == "5"] == ["Premier"]
    rejection = the_one_rejection(rejections)
    assert (rejection.path, rejection.line) == (str(second), second_line)
    assert rejection.reason.startswith("duplicate id 5 ")
    assert first_origin in rejection.reason


def test_duplicate_id_within_one_jsonl_file(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [article("1", "a", title="Premier"), article("1", "b", title="Second")])

    articles, rejections = read_paths(path)

    assert [a.title for a in articles] == ["Premier"]
    rejection = the_one_rejection(rejections)
    assert (rejection.path, rejection.line) == (str(path), 2)
    assert rejection.reason == f"duplicate id 1 (first in {path}:1)"


DAMAGE_ARTICLES = 2000


def _damaged_gzip(kind: str) -> bytes:
    records = [article(str(i), f"mot{i} " * 30) for i in range(DAMAGE_ARTICLES)]
    data = gzip.compress(jsonl_bytes(records))
    half = data[: len(data) // 2]
    return {"truncated": half, "corrupt-tail": half + b"\xff" * 64}[kind]


@pytest.mark.parametrize("kind", ["truncated", "corrupt-tail"])
def test_damaged_gzip_keeps_the_lines_before_the_damage(tmp_path, kind):
    path = tmp_path / "damaged.jsonl.gz"
    path.write_bytes(_damaged_gzip(kind))
    write_native(tmp_path / "z-after.txt", "Après", 9999, "après")

    articles, rejections = read_paths(tmp_path)

    kept = [a for a in articles if a.origin.startswith(str(path))]
    assert 0 < len(kept) < DAMAGE_ARTICLES
    assert ids(kept) == [str(i) for i in range(len(kept))], "a prefix of the file, in order"
    rejection = the_one_rejection(rejections)
    assert rejection.path == str(path)
    assert rejection.line == len(kept) + 1
    assert rejection.reason.startswith("unreadable")
    assert articles[-1].id == "9999", "the file after the damaged one is still read"


def test_rejection_str_names_file_and_line():
    assert str(Rejection("a.jsonl", 4, "missing id")) == "a.jsonl:4: missing id"
    assert str(Rejection("a.txt", None, "empty file")) == "a.txt: empty file"


# --- through the real command line ---------------------------------------------------


def make_cli_corpus(root: Path) -> Path:
    """The seed, good articles in JSONL, and one bad JSONL file with two bad lines."""
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "seed.txt").write_bytes(SEED.read_bytes())
    write_jsonl(
        corpus / "good.jsonl",
        [
            article("101", "Des clémentines de Corse sur les marchés.", title="Agrumes"),
            article("102", "La récolte de clémentines est précoce.", title="Récolte"),
        ],
    )
    write_lines(
        corpus / "bad.jsonl",
        [
            json.dumps(article("103", "Une clémentine de plus.")).encode(),
            b'{"id": "104", "title": "coup',
            json.dumps(article("105", "Encore une clémentine.")).encode(),
            '{"title": "sans id", "body": "clémentine"}'.encode(),
        ],
    )
    return corpus


EXPECTED_CLI_REJECTIONS = ["bad.jsonl:2: not valid JSON", "bad.jsonl:4: missing id"]


def rejection_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("searchkit: rejected ")]


def test_cli_index_reports_each_bad_line_and_indexes_the_rest(tmp_path):
    corpus = make_cli_corpus(tmp_path)
    index_dir = tmp_path / "index"

    result = run_cli("index", str(corpus), "--index", str(index_dir))

    assert result.returncode == 3, result.stderr
    assert not has_traceback(result)
    lines = rejection_lines(result.stderr)
    assert len(lines) == len(EXPECTED_CLI_REJECTIONS), result.stderr
    for line, expected in zip(lines, EXPECTED_CLI_REJECTIONS, strict=True):
        assert f"{corpus}/{expected}" in line

    found = run_cli("search", "clémentine", "--index", str(index_dir), "--json", "--limit", "50")
    assert found.returncode == 0, found.stderr
    assert not has_traceback(found)
    assert sorted(hit["id"] for hit in json.loads(found.stdout)["hits"]) == ["101", "102", "103", "105"]

    seed = run_cli("search", "Choïgou", "--index", str(index_dir), "--json")
    assert [hit["id"] for hit in json.loads(seed.stdout)["hits"]] == [SEED_ID]


def test_cli_index_json_summary(tmp_path):
    corpus = make_cli_corpus(tmp_path)

    result = run_cli("index", str(corpus), "--index", str(tmp_path / "index"), "--json")

    assert result.returncode == 3, result.stderr
    assert not has_traceback(result)
    summary = json.loads(result.stdout)
    required = {"added", "updated", "removed", "unchanged", "rejected", "documents"}
    required |= {"seconds", "docs_per_second", "index_bytes"}
    assert required <= summary.keys()
    assert (summary["added"], summary["updated"], summary["removed"], summary["unchanged"]) == (5, 0, 0, 0)
    assert summary["documents"] == 5
    assert summary["rejected"] == [
        {"file": str(corpus / "bad.jsonl"), "line": 2, "reason": summary["rejected"][0]["reason"]},
        {"file": str(corpus / "bad.jsonl"), "line": 4, "reason": summary["rejected"][1]["reason"]},
    ]
    assert summary["rejected"][1]["reason"].startswith("missing id")
    assert summary["rejected"][0]["reason"].startswith("not valid JSON")
    assert summary["index_bytes"] > 0
    assert summary["seconds"] >= 0 and summary["docs_per_second"] >= 0


def test_cli_index_clean_corpus_exits_zero(tmp_path):
    corpus = tmp_path / "corpus"
    write_good_neighbours(corpus)

    result = run_cli("index", str(corpus), "--index", str(tmp_path / "index"), "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rejected"] == []
    assert rejection_lines(result.stderr) == []


def test_cli_index_of_the_same_file_named_twice_reads_it_once(tmp_path):
    corpus = tmp_path / "corpus"
    write_good_neighbours(corpus)
    named = str(corpus / "a-good.jsonl")

    result = run_cli("index", named, named, str(corpus), "--index", str(tmp_path / "index"), "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["documents"] == len(GOOD_IDS)


def test_cli_index_missing_path_fails_without_traceback(tmp_path):
    missing = tmp_path / "nope"

    result = run_cli("index", str(missing), "--index", str(tmp_path / "index"))

    assert result.returncode != 0
    assert not has_traceback(result)
    assert str(missing) in result.stderr
    assert result.stdout == ""


def test_cli_index_missing_path_is_one_line_and_builds_nothing(tmp_path):
    missing, index_dir = tmp_path / "nope", tmp_path / "index"

    result = run_cli("index", str(missing), "--index", str(index_dir))

    assert result.returncode != 0
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert not (index_dir / "CURRENT").exists()


def test_cli_index_missing_path_leaves_an_existing_index_alone(tmp_path):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    write_good_neighbours(corpus)
    build_index([corpus], index_dir)

    result = run_cli("index", str(tmp_path / "corpuss"), "--index", str(index_dir))

    assert result.returncode != 0
    hits = search(index_dir, "id:1 OR id:2 OR id:3", SearchOptions(limit=10)).hits
    assert sorted(hit.id for hit in hits) == GOOD_IDS


# --- the shared real corpora ------------------------------------------------------------


def test_wikinews_reads_fully_without_rejections():
    path = requires_shared("corpora", "wikinews-fr.jsonl.gz")

    articles, rejections = read_paths(path)

    assert rejections == []
    assert len(articles) == 1191
    assert len(set(ids(articles))) == 1191
    assert all(unicodedata.is_normalized("NFC", a.title + a.body) for a in articles)


def test_piaf_passages_read_without_rejections():
    path = requires_shared("corpora", "piaf", "passages.jsonl")

    articles, rejections = read_paths(path)

    assert rejections == []
    assert len(articles) == 761


def test_lemonde_first_articles_read_without_rejections():
    path = requires_shared("corpora", "lemonde-2022.jsonl.gz")
    rejections: list[Rejection] = []

    articles = list(itertools.islice(read_file(path, rejections.append), 2000))

    assert rejections == []
    assert len(articles) == 2000
    assert all(a.id and (a.title or a.body) for a in articles)
    assert all(a.date is None or len(a.date) == 10 for a in articles)
