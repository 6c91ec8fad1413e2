"""The ``searchkit`` command line: option parsing, then calls into the library.

Library modules are imported inside the commands, so ``searchkit --help`` and
a search do not pay for what they do not use.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from typer.core import TyperGroup

from .errors import (
    EXIT_INTERNAL_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NO_HITS,
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_TERMINATED,
    SearchkitError,
    Terminated,
)


class _OneLineUsageErrors(TyperGroup):
    """Reports usage errors that Click catches (unknown option, value out of
    range) in one ``searchkit:`` line, like every other error, instead of
    Typer's usage box."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except Exception as error:
            if not (hasattr(error, "format_message") and hasattr(error, "exit_code")):
                raise  # not a Click error: a bug, keep its traceback
            if type(error).__name__ == "NoArgsIsHelpError":
                error.show()  # `searchkit` alone prints the help
            else:
                hint = self._negated_word_hint(error, sys.argv[1:] if args is None else list(args))
                _err(f"error: {error.format_message()} ({hint or 'see `searchkit --help`'})")
            code = error.exit_code
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)

    @staticmethod
    def _negated_word_hint(error, args: list[str]) -> str | None:
        """For ``searchkit search -gaza``, which Click reads as an option ``-g``:
        how to write a query that starts with a negated word."""
        import shlex

        option = getattr(error, "option_name", None) or ""
        ctx = getattr(error, "ctx", None)
        if type(error).__name__ != "NoSuchOption" or ctx is None or ctx.command.name != "search":
            return None
        if len(option) != 2 or not option[1].isalnum():
            return None  # --long-option, or not a word
        at = next((i for i, a in enumerate(args) if a.startswith(option) and len(a) > 2 and a[1] != "-"), None)
        if at is None:
            return None
        query, before, after = args[at], args[:at], args[at + 1 :]
        word = (query[1:].split() or [query[1:]])[0]
        after_dashes = shlex.join(["searchkit", *before, *after, "--", query])
        with_not = shlex.join(["searchkit", *before, f"NOT {query[1:]}", *after])
        return f"to search without {word!r}: `{after_dashes}` or `{with_not}`"


app = typer.Typer(
    name="searchkit",
    cls=_OneLineUsageErrors,
    help="Full-text search for French news, with accent, elision and name-variant folding.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

IndexOption = Annotated[
    Path | None,
    typer.Option(
        "--index",
        envvar="SEARCHKIT_INDEX",
        help="Index folder (default: ./index).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]

QUERY_HELP = """\
Search the index and print ranked, highlighted hits.

\b
Query language (accents, case and name spellings are folded everywhere):
  choïgou poutine         every word (articles matching only some come after, marked partial)
  iran OR irak            either word (also OU)
  -gaza   NOT gaza        without the word (also SAUF)
  "conseil de sécurité"   exact phrase (also « ... »)
  title:zelensky          in the title only
  ukrain*                 words starting with ukrain
  choigu~                 fuzzy: tolerates typos (choigu~1: one edit)
  date:2022-03            a year, month or day; date:2022-03-01..2022-06-30 for a range
  source:wikinews         from that source
  ( ... )                 grouping

Exit codes: 0 hits found, 1 no hits, 2 bad query or usage, 4 no usable index.
"""


def _err(message: str) -> None:
    from .render import safe_text

    print(f"searchkit: {safe_text(message, flat=True)}", file=sys.stderr)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turns the errors a user can cause into one line on stderr and an exit code."""
    try:
        yield
    except SearchkitError as error:
        _err(f"error: {error}")
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        _err("interrupted")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Terminated:
        _err("terminated")
        raise typer.Exit(EXIT_TERMINATED) from None
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (| head): nothing left to say
        raise typer.Exit(EXIT_OK) from None
    except typer.Exit:
        raise
    except Exception as error:
        if os.environ.get("SEARCHKIT_DEBUG"):
            raise
        _err(
            f"internal error: {type(error).__name__}: {error} "
            "(a bug in searchkit: SEARCHKIT_DEBUG=1 shows where; please report it)"
        )
        raise typer.Exit(EXIT_INTERNAL_ERROR) from None


@app.command()
def index(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Corpus files or folders (.txt native articles, .jsonl, .jsonl.gz) (default: ./corpus).",
            show_default=False,
        ),
    ] = None,
    index_dir: IndexOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Rebuild from scratch beside the live index, then swap.")
    ] = False,
    optimize: Annotated[bool, typer.Option("--optimize", help="Merge segments into one after updating.")] = False,
    allow_shrink: Annotated[
        bool,
        typer.Option("--allow-shrink", help="Let an update remove more than half of the index's articles."),
    ] = False,
    wait: Annotated[
        float, typer.Option("--wait", metavar="SECONDS", help="How long to wait for another writer.")
    ] = 30.0,
    json_output: JsonOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Build or update the index from a corpus.

    Exit codes: 0 all indexed, 3 some input rejected (the rest indexed), 2 usage, 4 index locked, damaged
    or not writable (left as it was), 5 update refused: it would remove most of the index.
    """
    from .index import DEFAULT_CORPUS_DIR, resolve_index_dir
    from .lock import check_wait

    with _user_errors():
        check_wait(wait)
        _terminate_on_sigterm()
        options = {"rebuild": rebuild, "optimize": optimize, "allow_shrink": allow_shrink, "wait": wait}
        report = _build(paths or [DEFAULT_CORPUS_DIR], resolve_index_dir(index_dir), options, quiet)
        if json_output:
            from .render import dump_json

            dump_json(report.as_json())
        elif not quiet:
            from .render import make_console, render_index_report

            render_index_report(report, make_console(file=sys.stderr))
    if report.rejected:
        raise typer.Exit(EXIT_REJECTED)


def _terminate_on_sigterm() -> None:
    """SIGTERM stops a writer as Ctrl-C does: its writer processes stopped, its
    unfinished generation or segments removed, the lock released."""
    import signal

    def terminate(signum, frame) -> NoReturn:
        raise Terminated()

    signal.signal(signal.SIGTERM, terminate)


def _build(paths: list[Path], index_dir: Path, options: dict, quiet: bool):
    """Runs the indexer, with a progress bar on stderr when it is a terminal."""
    from .index import build_index

    def report_rejection(rejection) -> None:
        _err(f"rejected {rejection}")

    def report_truncation(warning) -> None:
        _err(f"warning: truncated {warning}")

    if quiet or not sys.stderr.isatty():
        return build_index(paths, index_dir, on_reject=report_rejection, on_truncate=report_truncation, **options)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    from .index import count_articles
    from .render import make_console

    console = make_console(file=sys.stderr)
    columns = (
        TextColumn("indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("index", total=count_articles(paths) or None, rate="")

        def advance(done: int) -> None:
            if done % 100 == 0:
                speed = progress.tasks[0].speed
                progress.update(task, completed=done, rate=f"{speed:,.0f} articles/s" if speed else "")

        return build_index(
            paths,
            index_dir,
            on_reject=lambda r: console.print(f"searchkit: rejected {r}", markup=False, highlight=False),
            on_truncate=lambda w: console.print(f"searchkit: warning: truncated {w}", markup=False, highlight=False),
            on_progress=advance,
            **options,
        )


JsonlOption = Annotated[bool, typer.Option("--jsonl", help="Print one JSON object a hit, a line each.")]
FieldsOption = Annotated[
    str | None,
    typer.Option(
        "--fields",
        metavar="LIST",
        help="Comma-separated hit fields to print (id,title,date,source,url,score,...); "
        "alone, one tab-separated line a hit.",
    ),
]


class Color(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


class Sort(StrEnum):
    score = "score"
    date = "date"


ColorOption = Annotated[Color, typer.Option("--color", help="Styled output: on a terminal only (auto), always, never.")]


@app.command(help=QUERY_HELP)
def search(
    query: Annotated[str, typer.Argument(help="The query (see above).", show_default=False)],
    index_dir: IndexOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=10_000, help="Hits to show.")] = 10,
    page: Annotated[int, typer.Option("--page", min=1, help="Page of --limit hits to show.")] = 1,
    match_all: Annotated[bool, typer.Option("--all", help="Require every word; no partial matches.")] = False,
    since: Annotated[
        str | None, typer.Option("--since", metavar="DATE", help="Only articles on or after DATE (YYYY[-MM[-DD]]).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", metavar="DATE", help="Only articles on or before DATE.")
    ] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only articles whose source has these words.")] = None,
    sort: Annotated[Sort, typer.Option("--sort", help="By relevance, or by date (newest first).")] = Sort.score,
    explain: Annotated[bool, typer.Option("--explain", help="Show why each hit matched.")] = False,
    json_output: JsonOption = False,
    jsonl_output: JsonlOption = False,
    fields: FieldsOption = None,
    color: ColorOption = Color.auto,
) -> None:
    from .search import SearchOptions
    from .search import search as run_search

    with _user_errors():
        for name, value in (("--since", since), ("--until", until)):
            if value is not None:
                _check_date(name, value)
        index_path = _ready_index(index_dir)
        options = SearchOptions(
            limit=limit,
            offset=(page - 1) * limit,
            match_all=match_all,
            since=since,
            until=until,
            source=source,
            sort=sort.value,
            explain=explain,
        )
        _print_hits(run_search(index_path, query, options), json_output, jsonl_output, fields, color)


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article's id.", show_default=False)],
    query: Annotated[str | None, typer.Option("--query", "-q", help="Highlight this query's matches.")] = None,
    index_dir: IndexOption = None,
    json_output: JsonOption = False,
    color: ColorOption = Color.auto,
    pager: Annotated[bool, typer.Option("--pager/--no-pager", help="Page long articles on a terminal.")] = True,
) -> None:
    """Print one article whole, with a query's matches highlighted."""
    from .search import show as show_article

    with _user_errors():
        view = show_article(_ready_index(index_dir), article_id, query)
        if json_output:
            from dataclasses import asdict

            from .render import dump_json

            dump_json(asdict(view))
            return
        from .render import make_console, render_article

        console = make_console(color.value)
        if pager and console.is_terminal:
            with console.pager(styles=True):
                render_article(view, console)
        else:
            render_article(view, console)


@app.command()
def similar(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article's id.", show_default=False)],
    index_dir: IndexOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Hits to show.")] = 10,
    json_output: JsonOption = False,
    jsonl_output: JsonlOption = False,
    fields: FieldsOption = None,
    color: ColorOption = Color.auto,
) -> None:
    """List the articles most like article ID (by its most telling words)."""
    from .search import similar as similar_articles

    with _user_errors():
        _print_hits(
            similar_articles(_ready_index(index_dir), article_id, limit), json_output, jsonl_output, fields, color
        )


@app.command()
def stats(index_dir: IndexOption = None, json_output: JsonOption = False) -> None:
    """What the index holds: articles, dates, sources, size, segments, analysis settings."""
    from .index import index_stats, resolve_index_dir

    with _user_errors():
        facts = index_stats(resolve_index_dir(index_dir))
        if json_output:
            from .render import dump_json

            dump_json(facts)
        else:
            from .render import make_console, render_stats

            render_stats(facts, make_console())


def _print_hits(result, json_output: bool, jsonl_output: bool, fields: str | None, color: Color) -> NoReturn:
    """Prints the hits in the chosen form, then exits as grep does: 0 with hits, 1 without."""
    from .render import HIT_FIELDS

    chosen = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    unknown = [f for f in chosen or [] if f not in HIT_FIELDS]
    if unknown:
        raise SearchkitError(f"unknown field(s) {', '.join(unknown)}: choose from {', '.join(HIT_FIELDS)}")
    if json_output and jsonl_output:
        raise SearchkitError("--json and --jsonl cannot be used together")
    if json_output:
        from .render import dump_json, result_json

        dump_json(result_json(result, chosen))
    elif jsonl_output:
        from .render import dump_jsonl

        dump_jsonl(result, chosen)
    elif chosen:
        from .render import render_fields

        render_fields(result, chosen)
    else:
        from .render import make_console, render_results

        render_results(result, make_console(color.value))
    raise typer.Exit(EXIT_OK if result.hits else EXIT_NO_HITS)


def _check_date(option: str, value: str) -> None:
    from .query import parse_date_range

    try:
        parse_date_range(value)
    except SearchkitError:
        raise SearchkitError(f"{option} {value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD") from None


def _ready_index(index_dir: Path | None) -> Path:
    """The index folder (``--index``, ``$SEARCHKIT_INDEX`` or ./index).

    Only the default ./index is built on the way, from ./corpus, and only when
    nothing was ever built there: a search never writes an index it was
    pointed at, nor one that is damaged or being built by another process.
    """
    from .index import index_exists, resolve_index_dir

    index_path = resolve_index_dir(index_dir)
    if index_dir is None and not index_exists(index_path):
        _build_default(index_path)
    return index_path


def _build_default(index_path: Path) -> None:
    """A first search builds ./index from ./corpus, saying so on stderr; when
    another process is building it, the search waits for that build instead."""
    from .errors import IndexUnavailable
    from .index import DEFAULT_CORPUS_DIR, build_index

    if not DEFAULT_CORPUS_DIR.is_dir():
        raise IndexUnavailable(
            f"no index at {index_path} and no ./{DEFAULT_CORPUS_DIR} to build one from: run `searchkit index PATH`"
        )
    from .lock import is_locked

    if is_locked(index_path):
        _err(f"{index_path}/ is being built by another process: waiting for it")
    else:
        _err(f"no index in {index_path}/ yet: building it from {DEFAULT_CORPUS_DIR}/ first")
    report = build_index(
        [DEFAULT_CORPUS_DIR], index_path, only_if_missing=True, on_reject=lambda r: _err(f"rejected {r}")
    )
    if report.mode != "none":
        _err(f"indexed {report.documents} articles in {report.seconds:.1f}s")


def main() -> None:
    # What the terminal's encoding cannot show (LC_ALL=C, PYTHONIOENCODING=ascii)
    # is replaced rather than fatal; JSON escapes it instead (render.dump_json).
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    # In the C locale, arguments typed in UTF-8 arrive as surrogate escapes.
    from contextlib import suppress

    encoding = sys.getfilesystemencoding()
    for i, arg in enumerate(sys.argv[1:], 1):
        if any("\udc80" <= char <= "\udcff" for char in arg):
            with suppress(UnicodeError):  # not UTF-8 either: left as it came, shown replaced
                sys.argv[i] = arg.encode(encoding, "surrogateescape").decode("utf-8")
    app()
