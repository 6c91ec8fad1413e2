"""Engine adapters for the benchmark, all behind one small interface.

    engine.build(corpus, workdir, marks) -> BuildStats   index the articles of a JSONL file
    engine.open(workdir)                          get ready to search what build wrote
    engine.search(query, limit, snippets=True)    -> [(article id, snippet text), ...]
    engine.close()

``build`` runs in a child process (see ``python bench/engines.py build``), so
its peak memory can be measured on its own; ``open``/``search`` run in the
benchmark process.  ``python bench/engines.py search`` is one cold search in a
fresh process, for the engines that have no command line of their own.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from searchkit.corpus import Article, read_file
from searchkit.errors import QueryError

# The fresh processes these benchmarks time are fresh: a `searchkit serve` the user runs answers none of them.
os.environ["SEARCHKIT_NO_SERVER"] = "1"


@dataclass
class BuildStats:
    docs: int
    seconds: float
    index_bytes: int
    note: str = ""
    peak_rss_bytes: int = 0  #: filled in by ``main``
    marks: list[tuple[int, float]] = field(default_factory=list)  #: (articles read, seconds), every ``Marks.every``


class Marks:
    """When each multiple of ``every`` articles was read since the build began: the slope of a build.

    searchkit reports its progress through ``build_index``'s callback; the other
    engines read the articles through ``counted``.
    """

    def __init__(self, every: int) -> None:
        self.every, self.started, self.marks = every, time.perf_counter(), []

    def __call__(self, count: int) -> None:
        if self.every and count % self.every == 0:
            self.marks.append((count, round(time.perf_counter() - self.started, 2)))

    def counted(self, items: Iterable) -> Iterator:
        for count, item in enumerate(items, 1):
            self(count)
            yield item


def peak_rss() -> int:
    """Peak resident memory of this process (VmHWM), or of its largest child process.

    Not ``ru_maxrss`` of the benchmark's RUSAGE_CHILDREN: Python starts children with
    vfork, and the kernel then counts the parent's resident memory in the child's peak.
    """
    status = Path("/proc/self/status").read_text()
    own = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) * 1024


def articles(corpus: Path) -> Iterator[Article]:
    """The articles of a JSONL file, streamed; a rejected line stops the benchmark."""

    def reject(rejection) -> None:
        raise SystemExit(f"bench: cannot read {rejection}")

    return read_file(corpus, reject)


def folder_bytes(path: Path) -> int:
    """Apparent size of every file under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def words(query: str) -> list[str]:
    return re.findall(r"\w+", query)


def is_phrase(query: str) -> bool:
    return len(query) > 1 and query[0] == query[-1] == '"'


# --- searchkit ---------------------------------------------------------------------


class Searchkit:
    """searchkit's own API: ``build_index`` on the JSONL file, ``search`` per query."""

    name = "searchkit"
    folder = "searchkit"

    def build(self, corpus: Path, workdir: Path, marks: Marks) -> BuildStats:
        from searchkit.engine.whoosh_engine import MAX_PROCS, PARALLEL_THRESHOLD
        from searchkit.indexing import build_index

        report = build_index([corpus], workdir / self.folder, rebuild=True, on_progress=marks)
        parallel = report.added >= PARALLEL_THRESHOLD and MAX_PROCS > 1
        note = "multi-process" if parallel else ""
        return BuildStats(report.added, report.seconds, report.index_bytes, note, marks=marks.marks)

    def open(self, workdir: Path) -> None:
        from searchkit.search import Searcher, SearchOptions

        self.errors: list[str] = []
        self._searcher, self._options = Searcher(workdir / self.folder), SearchOptions

    def search(self, query: str, limit: int, snippets: bool = True) -> list[tuple[str, str]]:
        # The public API always makes snippets; without them (quality runs), did-you-mean
        # is turned off too: it never changes the hits.  The exact count of all matches
        # (the CLI's "N articles") is off: no other engine here counts.
        options = self._options(limit=limit, count=False, suggest=snippets)
        try:
            result = self._searcher.search(query, options)
        except QueryError as error:  # e.g. only stop words: counted, no hits
            self.errors.append(f"{query}: {error}")
            return []
        return [(hit.id, " … ".join(s.text for s in hit.snippets)) for hit in result.hits]

    def close(self) -> None:
        self._searcher.close()

    def cold_command(self, workdir: Path, query: str) -> list[str]:
        return [sys.executable, "-m", "searchkit", "search", query, "--index", str(workdir / self.folder)]


# --- plain Whoosh ------------------------------------------------------------------


class Whoosh:
    """Whoosh as its docs suggest for French: LanguageAnalyzer("fr") plus accent folding,
    one writer process, MultifieldParser over title and body."""

    folder = "whoosh"

    def __init__(self, group: str = "or") -> None:
        self.group = group
        self.name = f"whoosh {group.upper()}"

    @staticmethod
    def schema():
        from whoosh.analysis import CharsetFilter, LanguageAnalyzer
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.support.charset import accent_map

        analyzer = LanguageAnalyzer("fr") | CharsetFilter(accent_map)
        return Schema(
            id=ID(stored=True, unique=True),
            title=TEXT(stored=True, analyzer=analyzer, field_boost=2.0),
            body=TEXT(stored=True, analyzer=analyzer),
        )

    def build(self, corpus: Path, workdir: Path, marks: Marks) -> BuildStats:
        from whoosh import index

        folder = workdir / self.folder
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        ix = index.create_in(str(folder), self.schema())
        writer = ix.writer(limitmb=256)
        count = 0
        for article in marks.counted(articles(corpus)):
            writer.add_document(id=article.id, title=article.title, body=article.body)
            count += 1
        writer.commit()
        return BuildStats(count, time.perf_counter() - started, folder_bytes(folder), marks=marks.marks)

    def open(self, workdir: Path) -> None:
        from whoosh import index
        from whoosh.qparser import AndGroup, MultifieldParser, OrGroup

        self.ix = index.open_dir(str(workdir / self.folder))
        self.searcher = self.ix.searcher()
        group = OrGroup if self.group == "or" else AndGroup
        self.parser = MultifieldParser(["title", "body"], self.ix.schema, group=group)

    def search(self, query: str, limit: int, snippets: bool = True) -> list[tuple[str, str]]:
        results = self.searcher.search(self.parser.parse(query), limit=limit)
        return [(hit["id"], hit.highlights("body") if snippets else "") for hit in results]

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()


# --- SQLite FTS5 -------------------------------------------------------------------


class Fts5:
    """SQLite FTS5, unicode61 tokenizer with diacritics removed, bm25 with the title ×2."""

    name = "fts5 OR"
    folder = "fts5"
    RANKED = (
        "SELECT id, {snippet} FROM docs WHERE docs MATCH ? AND rank MATCH 'bm25(0, 2.0, 1.0)' ORDER BY rank LIMIT ?"
    )
    SNIPPET = "snippet(docs, 2, '[', ']', '…', 12)"

    def build(self, corpus: Path, workdir: Path, marks: Marks) -> BuildStats:
        folder = workdir / self.folder
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        db = sqlite3.connect(folder / "docs.sqlite")
        db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        with db:
            rows = ((a.id, a.title, a.body) for a in marks.counted(articles(corpus)))
            db.executemany("INSERT INTO docs VALUES (?, ?, ?)", rows)
        count = db.execute("SELECT count(*) FROM docs").fetchone()[0]
        db.close()
        return BuildStats(count, time.perf_counter() - started, folder_bytes(folder), marks=marks.marks)

    def open(self, workdir: Path) -> None:
        self.db = sqlite3.connect(f"file:{workdir / self.folder / 'docs.sqlite'}?mode=ro", uri=True)

    @staticmethod
    def match(query: str) -> str:
        """The words OR'd, each quoted (FTS5 syntax never fails); a quoted query stays a phrase."""
        tokens = words(query)
        if is_phrase(query):
            return '"' + " ".join(tokens) + '"'
        return " OR ".join(f'"{t}"' for t in tokens)

    def search(self, query: str, limit: int, snippets: bool = True) -> list[tuple[str, str]]:
        # ``ORDER BY rank`` with ``rank MATCH 'bm25(...)'`` is bm25(docs, 0, 2.0, 1.0), and
        # lets FTS5 sort before SQLite evaluates snippet(), so only the top rows get one.
        if not words(query):
            return []
        sql = self.RANKED.format(snippet=self.SNIPPET if snippets else "''")
        return self.db.execute(sql, (self.match(query), limit)).fetchall()

    def close(self) -> None:
        self.db.close()


# --- grep --------------------------------------------------------------------------


class Grep:
    """One file an article, searched by ripgrep (else grep): no ranking, no snippets."""

    folder = "grep"

    def __init__(self) -> None:
        self.tool = "rg" if shutil.which("rg") else "grep"
        self.name = f"grep ({self.tool})"

    def build(self, corpus: Path, workdir: Path, marks: Marks) -> BuildStats:
        folder = workdir / self.folder
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        count = 0
        for article in marks.counted(articles(corpus)):
            (folder / f"{article.id}.txt").write_text(f"{article.title}\n\n{article.body}\n")
            count += 1
        return BuildStats(count, time.perf_counter() - started, folder_bytes(folder), "article files", marks.marks)

    def open(self, workdir: Path) -> None:
        self.dir = workdir / self.folder

    def command(self, query: str) -> list[str]:
        """Files with any of the query's words (or its phrase), case-insensitive, whole words."""
        patterns = [" ".join(words(query))] if is_phrase(query) else words(query)
        flags = ["rg", "-l", "-i", "-F", "-w"] if self.tool == "rg" else ["grep", "-rilwF"]
        return [*flags, *(arg for p in patterns for arg in ("-e", p)), str(self.dir)]

    def search(self, query: str, limit: int, snippets: bool = True) -> list[tuple[str, str]]:
        out = subprocess.run(self.command(query), capture_output=True, text=True).stdout
        return [(Path(line).stem, "") for line in out.splitlines()[:limit]]

    def close(self) -> None:
        pass

    def cold_command(self, workdir: Path, query: str) -> list[str]:
        self.open(workdir)
        return self.command(query)


# --- tantivy -----------------------------------------------------------------------


class Tantivy:
    """tantivy-py: its ``default`` tokenizer (simple split, long tokens dropped, lower case)
    plus ASCII folding, no stemming; BM25 over title (boost 2.0) and body, words OR'd."""

    name = "tantivy OR"
    folder = "tantivy"
    TOKENIZER = "default_folded"

    @classmethod
    def analyzer(cls):
        from tantivy import Filter, TextAnalyzerBuilder, Tokenizer

        builder = TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.remove_long(40))
        return builder.filter(Filter.lowercase()).filter(Filter.ascii_fold()).build()

    @classmethod
    def schema(cls):
        from tantivy import SchemaBuilder

        builder = SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", stored=True, tokenizer_name=cls.TOKENIZER)
        builder.add_text_field("body", stored=False, tokenizer_name=cls.TOKENIZER)
        return builder.build()

    def build(self, corpus: Path, workdir: Path, marks: Marks) -> BuildStats:
        from tantivy import Document, Index

        folder = workdir / self.folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        started = time.perf_counter()
        index = Index(self.schema(), path=str(folder))
        index.register_tokenizer(self.TOKENIZER, self.analyzer())
        writer = index.writer(heap_size=256_000_000, num_threads=1)
        count = 0
        for article in marks.counted(articles(corpus)):
            writer.add_document(Document(id=article.id, title=article.title, body=article.body))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        return BuildStats(count, time.perf_counter() - started, folder_bytes(folder), marks=marks.marks)

    def open(self, workdir: Path) -> None:
        from tantivy import Index

        self.index = Index.open(str(workdir / self.folder))
        self.index.register_tokenizer(self.TOKENIZER, self.analyzer())
        self.searcher = self.index.searcher()

    @staticmethod
    def text(query: str) -> str:
        """The words, each quoted (the query language never fails on them); a quoted query stays a phrase."""
        tokens = words(query)
        if is_phrase(query):
            return '"' + " ".join(tokens) + '"'
        return " ".join(f'"{t}"' for t in tokens)

    def search(self, query: str, limit: int, snippets: bool = True) -> list[tuple[str, str]]:
        if not words(query):
            return []
        parsed = self.index.parse_query(self.text(query), ["title", "body"], field_boosts={"title": 2.0})
        hits = self.searcher.search(parsed, limit).hits
        return [(self.searcher.doc(address)["id"][0], "") for _score, address in hits]

    def close(self) -> None:
        pass


def make(name: str):
    """The adapter for a name of ``--engines`` (``whoosh-and`` shares whoosh's index)."""
    factories = {
        "searchkit": Searchkit,
        "whoosh": lambda: Whoosh("or"),
        "whoosh-and": lambda: Whoosh("and"),
        "fts5": Fts5,
        "grep": Grep,
        "tantivy": Tantivy,
    }
    return factories[name]()


def cold_command(name: str, engine, workdir: Path, query: str) -> list[str]:
    """The command line of one cold search: the engine's own CLI, else this file's ``search``."""
    if hasattr(engine, "cold_command"):
        return engine.cold_command(workdir, query)
    return [sys.executable, __file__, "search", name, str(workdir), query]


def main(argv: list[str]) -> None:
    if len(argv) in (4, 5) and argv[0] == "build":
        name, corpus, workdir = argv[1], Path(argv[2]), Path(argv[3])
        stats = make(name).build(corpus, workdir, Marks(int(argv[4]) if len(argv) == 5 else 0))
        stats.peak_rss_bytes = peak_rss()
        print(json.dumps(asdict(stats)))
    elif len(argv) == 4 and argv[0] == "search":
        engine = make(argv[1])
        engine.open(Path(argv[2]))
        for article_id, snippet in engine.search(argv[3], 10):
            print(article_id, snippet)
        engine.close()
    else:
        raise SystemExit("usage: engines.py build ENGINE CORPUS WORKDIR [MARK_EVERY] | search ENGINE WORKDIR QUERY")


if __name__ == "__main__":
    main(sys.argv[1:])
