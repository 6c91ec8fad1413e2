"""Import speed of each reader, in articles read a second, beside the JSON Lines reader.

    python bench/importers.py [--corpus PATH] [--n N] [--pages N]

The first N articles of the corpus (Le Monde 2022 by default) are written,
in a temporary folder, in each format: JSON Lines, CSV, Europresse HTML (in
files of 1,000 articles, as Europresse exports them), an RSS feed, saved web
pages and a web archive (the first ``--pages`` articles, one page each: the
page readers are slower by far).  Each is then read by ``read_file`` alone,
with no indexing: the table is what each reader adds to an ``index`` run.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import html
import json
import sys
import tempfile
import time
from collections.abc import Callable
from email.utils import format_datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from searchkit.corpus import read_file  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "lemonde-2022.jsonl.gz"


def first_records(corpus: Path, n: int) -> list[dict]:
    opener = gzip.open if corpus.name.endswith(".gz") else open
    with opener(corpus, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for _, line in zip(range(n), handle, strict=False)]
    return [r for r in records if r.get("body")]


def _paragraphs(body: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n") if p.strip())


def _french(day: str | None) -> str:
    months = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
    if not day:
        return ""
    year, month, date = day.split("-")
    return f"{int(date)} {months[int(month) - 1]} {year}"


def write_jsonl(records: list[dict], folder: Path) -> list[Path]:
    path = folder / "corpus.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return [path]


def write_csv(records: list[dict], folder: Path) -> list[Path]:
    path = folder / "corpus.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "publish_date", "media_name", "title", "url", "text"])
        for r in records:
            writer.writerow(
                [r["id"], r.get("date") or "", r.get("source") or "", r["title"], r.get("url") or "", r["body"]]
            )
    return [path]


def write_europresse(records: list[dict], folder: Path) -> list[Path]:
    paths = []
    for start in range(0, len(records), 1000):
        blocks = []
        for r in records[start : start + 1000]:
            blocks.append(
                '<article><header><div class="rdp__DocPublicationName"><span class="DocPublicationName">'
                f"{html.escape(r.get('source') or 'Le Monde')}, no. 23995</span></div>"
                f'<span class="DocHeader">International, {_french(r.get("date"))} 900 mots, p. 3</span>'
                '<div class="titreArticle"><p class="titreArticleVisu rdp__articletitle">'
                f"{html.escape(r['title'])}</p></div>"
                '</header><section><div class="DocText clearfix"><div class="docOcurrContainer">'
                f"{_paragraphs(r['body'])}</div></div></section>"
                f"<footer><small>© 2022</small><p>Numéro de document : news·{r['id']}</p></footer></article>"
            )
        path = folder / f"europresse-{start // 1000:03d}.html"
        path.write_text(f"<html><body>{''.join(blocks)}</body></html>", encoding="utf-8")
        paths.append(path)
    return paths


def write_feed(records: list[dict], folder: Path) -> list[Path]:
    from datetime import datetime, timedelta, timezone

    items = []
    for r in records:
        day = datetime.fromisoformat(r["date"] or "2022-01-01").replace(hour=10, tzinfo=timezone(timedelta(hours=1)))
        items.append(
            f"<item><title>{html.escape(r['title'])}</title><link>{html.escape(r.get('url') or '')}</link>"
            f"<guid>{r['id']}</guid><pubDate>{format_datetime(day)}</pubDate>"
            f"<description>{html.escape(_paragraphs(r['body']))}</description></item>"
        )
    path = folder / "feed.rss"
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Le Monde</title>{"".join(items)}'
        "</channel></rss>",
        encoding="utf-8",
    )
    return [path]


def _page(r: dict) -> bytes:
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{html.escape(r['title'])}</title>"
        f'<meta property="article:published_time" content="{r.get("date") or ""}">'
        '<meta property="og:site_name" content="Le Monde">'
        f'<link rel="canonical" href="{html.escape(r.get("url") or "https://example.org/" + r["id"])}"></head>'
        "<body><nav><a href='/'>Accueil</a> <a href='/international'>International</a></nav>"
        f"<article><h1>{html.escape(r['title'])}</h1>{_paragraphs(r['body'])}</article>"
        "<footer>Mentions légales</footer></body></html>"
    ).encode()


def write_pages(records: list[dict], folder: Path) -> list[Path]:
    paths = []
    for r in records:
        path = folder / f"page-{r['id']}.html"
        path.write_bytes(_page(r))
        paths.append(path)
    return paths


def write_warc(records: list[dict], folder: Path) -> list[Path]:
    path = folder / "crawl.warc.gz"
    with open(path, "wb") as out:
        for n, r in enumerate(records):
            body = _page(r)
            block = (
                f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            head = (
                f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://example.org/{r['id']}\r\n"
                f"WARC-Date: 2022-03-02T09:15:00Z\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-{n:012d}>\r\n"
                f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(block)}\r\n\r\n"
            ).encode()
            out.write(gzip.compress(head + block + b"\r\n\r\n"))
    return [path]


FORMATS: list[tuple[str, Callable[[list[dict], Path], list[Path]], bool]] = [
    ("JSON Lines", write_jsonl, False),
    ("CSV", write_csv, False),
    ("Europresse HTML", write_europresse, False),
    ("RSS feed", write_feed, False),
    ("saved web pages", write_pages, True),
    ("web archive (.warc.gz)", write_warc, True),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--n", type=int, default=5000, help="articles for the fast readers")
    parser.add_argument("--pages", type=int, default=300, help="articles for the page readers (trafilatura)")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"no corpus at {args.corpus}: give one with --corpus")
    records = first_records(args.corpus, max(args.n, args.pages))
    table = Table(title=f"Import speed ({args.corpus.name}; read only, no indexing)")
    for column in ("reader", "articles", "files", "MB", "seconds", "articles/s", "× JSON Lines"):
        table.add_column(column, justify="left" if column == "reader" else "right")
    baseline = None
    with tempfile.TemporaryDirectory(prefix="searchkit-importers-") as tmp:
        for name, write, slow in FORMATS:
            folder = Path(tmp) / name.split()[0].lower()
            folder.mkdir()
            chosen = records[: args.pages] if slow else records[: args.n]
            paths = write(chosen, folder)
            size = sum(p.stat().st_size for p in paths)
            rejected: list = []
            seconds = float("inf")
            for _ in range(1 if slow else 2):  # the best of two: the first also pays for imports and a cold cache
                rejected.clear()
                started = time.perf_counter()
                read = sum(1 for path in paths for _ in read_file(path, rejected.append))
                seconds = min(seconds, time.perf_counter() - started)
            rate = read / seconds if seconds else 0.0
            baseline = baseline or rate
            table.add_row(
                name,
                f"{read:,}",
                f"{len(paths):,}",
                f"{size / 1e6:.1f}",
                f"{seconds:.2f}",
                f"{rate:,.0f}",
                f"{rate / baseline:.3f}",
            )
            if rejected:
                print(f"{name}: {len(rejected)} rejected, first: {rejected[0]}", file=sys.stderr)
    Console().print(table)


if __name__ == "__main__":
    main()
