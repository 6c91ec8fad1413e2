"""The ``searchkit`` command line: option parsing, then calls into the library.

Library modules are imported inside the commands, so ``searchkit --help`` and
a search do not pay for what they do not use.
"""

from __future__ import annotations

import errno
import functools
import inspect
import io
import os
import sys
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import click
import typer
from typer.core import TyperGroup

from .errors import (
    EXIT_INTERNAL_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NO_HITS,
    EXIT_OK,
    EXIT_OUTPUT_FAILED,
    EXIT_REJECTED,
    EXIT_TERMINATED,
    EXIT_USAGE,
    NoResults,
    SearchkitError,
    Terminated,
    UsageError,
)

if TYPE_CHECKING:
    from .printers import Output
    from .views import Filters, Progress


class _OneLineUsageErrors(TyperGroup):
    """Reports usage errors that Click catches (unknown option, value out of
    range) in one ``searchkit:`` line, like every other error, instead of
    Typer's usage box; and gives every command's help reflowed paragraphs."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _reflow_help(self)

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
        queried = ("search", "timeline", "kwic", "cooccur")
        if type(error).__name__ != "NoSuchOption" or ctx is None or ctx.command.name not in queried:
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


def _reflow_help(group: click.Group) -> None:
    """Joins the lines of each paragraph of the help of ``group``'s commands (and
    their subcommands): Typer's Rich help keeps a docstring's line breaks, which
    then fall mid-phrase at any width but the source's.  A paragraph led by
    ``\b`` keeps its lines, as Click's own help does, without the ``\b``."""
    for command in group.commands.values():
        if command.help:
            paragraphs = inspect.cleandoc(command.help).split("\n\n")
            command.help = "\n\n".join(
                p.lstrip("\b\n") if p.startswith("\b") else " ".join(p.split()) for p in paragraphs
            )
        if isinstance(command, click.Group):
            _reflow_help(command)


app = typer.Typer(
    name="searchkit",
    cls=_OneLineUsageErrors,
    help="Full-text search for French news, with accent, elision and name-variant folding.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _named_path(text: str) -> Path:
    """A path given on the command line; an empty one is an error, not the current folder
    (``Path("")`` is ``.``: ``--index ''`` wrote an index into the folder the user stood in)."""
    if not text.strip():
        raise typer.BadParameter("an empty path names no file or folder")
    return Path(text)


IndexOption = Annotated[
    Path | None,
    typer.Option(
        "--index",
        parser=_named_path,
        envvar="SEARCHKIT_INDEX",
        help="Index folder (default: ./index).",
        show_default=False,
    ),
]
SinceOption = Annotated[
    str | None, typer.Option("--since", metavar="DATE", help="Only articles dated on or after DATE (YYYY[-MM[-DD]]).")
]
UntilOption = Annotated[
    str | None, typer.Option("--until", metavar="DATE", help="Only articles dated on or before DATE.")
]


def _source_words(text: str) -> str:
    """``--source``'s words; an empty value is an error, as a blank one is, not a filter left out."""
    if not text.strip():
        raise typer.BadParameter(f"{text!r} has no word to look for")
    return text


SourceOption = Annotated[
    str | None,
    typer.Option("--source", parser=_source_words, help="Only articles whose source has these words."),
]
DEFAULT_INDEX_DIR = Path("index")
DEFAULT_CORPUS_DIR = Path("corpus")


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        from . import __version__

        try:
            number = version("searchkit")
        except PackageNotFoundError:  # run from a source tree that was not installed
            number = __version__
        print(f"searchkit {number}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    pass


#: Its lines fit in 78 columns (80, less the help's margins), so that no terminal folds them mid-phrase.
QUERY_HELP = """\
Search the index and print ranked, highlighted hits.

\b
Query language (accents, case and name spellings are folded everywhere):
  choïgou poutine         every word (articles matching only some
                          come after, marked partial)
  iran OR irak            either word (also OU)
  -gaza   NOT gaza        without the word (also SAUF)
  "conseil de sécurité"   exact phrase (also « ... »)
  title:zelensky          in the title only;
                          title:(kiev OR kyiv) for each word of a group
  ukrain*                 words starting with ukrain
  choigu~                 fuzzy: tolerates typos (choigu~1: one edit)
  =Kiev                   that spelling only (accents and case folded):
                          not Kyiv
  date:2022-03            a year, month or day;
                          date:2022-03-01..2022-06-30 for a range
  source:wikinews         from that source
  poutine NEAR/5 macron   at most 5 words apart, either order (also w/5)
  poutine PRE/5 macron    poutine at most 5 words before macron (pre/5)
  choïgou NEAR/s démission
                          same sentence; NEAR/p: same paragraph
  "conseil de sécurité" NEAR/10 (russie OR chine)
                          operands: words, phrases, prefixes, =names,
                          OR groups
  atleast3(ukraine)       named at least 3 times (all spellings counted)
  lead:inflation          in the title or the first paragraph
  ( ... )                 grouping

Exit codes: 0 hits found, 1 no hits (or not that page), 2 bad query or usage, 4 no usable index.
"""


def _err(message: str) -> None:
    """One line on stderr.  A line that cannot be written (stderr on a full
    disk, closed, or a pipe no one reads) is dropped: the exit code still
    says what happened, and is the one the command ends with."""
    from .printers import safe_text

    try:
        print(f"searchkit: {safe_text(message, flat=True)}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        _silence(sys.stderr)


def _silence(stream: typing.TextIO) -> None:
    """Drops what ``stream`` still holds, and is given later: the
    interpreter's last flush would otherwise fail again and end the process
    with 120, whatever the command said."""
    raw = getattr(getattr(stream, "buffer", None), "raw", None)
    if isinstance(raw, _WatchedStdout):
        raw.silenced = True
        return
    try:  # another stream: its descriptor pointed at /dev/null
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor (a test's captured stream): nothing to flush to
        pass


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turns the errors a user can cause into one line on stderr and an exit code.

    A reader that went away (``search X | head -1``) ends the output, not the
    command: the rest of the block is skipped (``alerts`` saves no mark for
    what was not read), and the command exits with the code of what it found
    (0 with hits, 1 without), as it would have had the reader read it all.
    """
    try:
        yield
        sys.stdout.flush()  # a full disk under stdout fails here, inside, not in the interpreter's last flush
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
        _silence(sys.stdout)
    except typer.Exit:
        raise
    except OSError as error:
        if not _output_failed():
            _internal_error(error)
        _silence(sys.stdout)
        _err(f"error: cannot write the output: {error.strerror or error}")
        raise typer.Exit(EXIT_OUTPUT_FAILED) from None
    except Exception as error:
        _internal_error(error)


def _internal_error(error: Exception) -> NoReturn:
    if os.environ.get("SEARCHKIT_DEBUG"):
        raise error
    _err(
        f"internal error: {type(error).__name__}: {error} "
        "(a bug in searchkit: SEARCHKIT_DEBUG=1 shows where; please report it)"
    )
    raise typer.Exit(EXIT_INTERNAL_ERROR) from None


def _output_failed() -> bool:
    """Whether stdout can no longer be written (a full disk, a closed
    descriptor, an I/O error): what an ``OSError`` without a file name,
    raised while printing, came from."""
    raw = getattr(sys.stdout, "buffer", None)
    raw = getattr(raw, "raw", None)
    if isinstance(raw, _WatchedStdout):
        return raw.failure is not None
    try:  # a stream of another kind (a test's): asked by writing what is left
        sys.stdout.flush()
    except (OSError, ValueError):
        return True
    return False


class _WatchedStdout(io.RawIOBase):
    """Descriptor 1 as searchkit writes it: remembers the error a write met,
    so that a failed output is told from a bug, and once ``silenced`` drops
    what it is given, so that the interpreter's last flush does not fail again
    (and end the process with 120, whatever the command said).  ``fd`` None
    stands for a stdout closed when searchkit started (``>&-``)."""

    def __init__(self, fd: int | None) -> None:
        super().__init__()
        self._fd = fd
        self.failure: OSError | None = None
        self.silenced = False

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._fd is not None and os.isatty(self._fd)

    def fileno(self) -> int:
        if self._fd is None:
            raise io.UnsupportedOperation("standard output is closed")
        return self._fd

    def write(self, data) -> int:
        if self.silenced:
            return len(data)
        try:
            if self._fd is None:
                raise OSError(errno.EBADF, "standard output is closed")
            return os.write(self._fd, data)
        except OSError as error:
            self.failure = error
            raise


def _watch_standard_streams() -> None:
    """Puts stdout behind ``_WatchedStdout``, and keeps descriptors 0, 1 and
    2 open: one closed when searchkit started would be reused by the next
    file opened (an index's lock, a segment), and output meant for the
    terminal written into it."""
    closed = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.add(fd)
            devnull = os.open(os.devnull, os.O_RDWR)
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
    if 2 in closed:
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), errors="replace", line_buffering=True)
    raw = _WatchedStdout(None if 1 in closed else 1)
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(raw), encoding=encoding, errors="replace", line_buffering=raw.isatty()
    )


# --- the one set of output options ---------------------------------------------------------


class Color(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


class Sort(StrEnum):
    score = "score"
    date = "date"


JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
JsonlOption = Annotated[bool, typer.Option("--jsonl", help="Print one JSON object a line: a hit, or a row.")]
CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV (RFC 4180, UTF-8): a header, then a row a line.")]
TsvOption = Annotated[bool, typer.Option("--tsv", help="Print tab-separated values: a header, then a row a line.")]
FieldsOption = Annotated[
    str | None,
    typer.Option(
        "--fields",
        metavar="LIST",
        help="Comma-separated fields (columns) to print, in that order (an unknown one lists them); alone, as --tsv.",
    ),
]
NoHeaderOption = Annotated[bool, typer.Option("--no-header", help="With --csv, --tsv or --fields: no header line.")]
ColorOption = Annotated[Color, typer.Option("--color", help="Styled output: on a terminal only (auto), always, never.")]


def _with_options(receives: str, options: tuple[tuple[str, object, object, str], ...], make: Callable[..., object]):
    """A decorator giving a command a set of options, checked before the
    command runs by ``make``, whose answer the command receives as parameter
    ``receives``.  Each option is (parameter, annotation, default, keyword of ``make``).

    As sqlite-utils' ``output_options`` decorator: Typer reads the options from
    the signature, so the wrapper's signature is the command's without
    ``receives``, plus the options.
    """

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        hints = typing.get_type_hints(command, include_extras=True, localns={"Output": object, "Filters": object})
        signature = inspect.signature(command)
        kept = [p.replace(annotation=hints[name]) for name, p in signature.parameters.items() if name != receives]
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
            for name, a, d, _ in options
        ]

        @functools.wraps(command)
        def with_options(*args, **kwargs) -> None:
            given = {keyword: kwargs.pop(name, default) for name, _, default, keyword in options}
            with _user_errors():
                value = make(**given)
            command(*args, **{receives: value}, **kwargs)

        with_options.__signature__ = signature.replace(parameters=kept + added)
        with_options.__annotations__ = {name: hint for name, hint in hints.items() if name != receives} | {
            name: a for name, a, _, _ in options
        }
        return with_options

    return decorate


def _output(columns: str, **given) -> Output:
    """The output asked for, ``--fields`` checked against ``searchkit.wire``'s tuple named ``columns``."""
    from . import wire
    from .printers import output

    return output(columns=getattr(wire, columns), **given)


def _filters(since: str | None, until: str | None, source: str | None, exact_names: bool = False) -> Filters:
    from .views import Filters

    _check_dates(since, until)
    return Filters(since, until, source, exact_names)


#: The one set of output options, on every command that prints a list or a table.
_OUTPUT_OPTIONS = (
    ("json_output", JsonOption, False, "json_output"),
    ("jsonl_output", JsonlOption, False, "jsonl"),
    ("csv_output", CsvOption, False, "csv_output"),
    ("tsv_output", TsvOption, False, "tsv"),
    ("fields", FieldsOption, None, "fields"),
    ("no_header", NoHeaderOption, False, "no_header"),
    ("color", ColorOption, Color.auto, "color"),
)


def _table(columns: str):
    """The output options, for a command whose rows have ``searchkit.wire``'s ``columns``."""
    return _with_options("chosen", _OUTPUT_OPTIONS, functools.partial(_output, columns))


#: The commands that list hits (``search``, ``similar``, ``alerts``).
_listing = _table("HIT_FIELDS")


# --- commands -------------------------------------------------------------------------------


AllowShrinkOption = Annotated[
    bool, typer.Option("--allow-shrink", help="Let an update remove more than half of the index's articles.")
]
WaitOption = Annotated[float, typer.Option("--wait", metavar="SECONDS", help="How long to wait for another writer.")]
WatchOption = Annotated[
    bool, typer.Option("--watch", help="Keep running: index files as they are added, changed or deleted.")
]
EveryOption = Annotated[
    float, typer.Option("--every", metavar="SECONDS", help="With --watch: at most one batch this often.")
]
UniqueOption = Annotated[
    bool,
    typer.Option(
        "--unique", help="Count each group of near-duplicates (wire copies, live-blog pages) once (README, Duplicates)."
    ),
]


@app.command()
def index(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            parser=_named_path,
            help="Corpus files or folders: .txt native articles, .jsonl(.gz), .json, .csv/.tsv, Europresse .html "
            "exports, saved web pages (.html), .warc(.gz), RSS/Atom feeds (.rss, .atom, .xml); added to those the "
            "index recorded (default: the recorded ones; ./corpus for a new ./index).",
            show_default=False,
        ),
    ] = None,
    index_dir: IndexOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Rebuild from scratch beside the live index, then swap.")
    ] = False,
    optimize: Annotated[bool, typer.Option("--optimize", help="Merge segments into one after updating.")] = False,
    allow_shrink: AllowShrinkOption = False,
    wait: WaitOption = 30.0,
    json_output: JsonOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    watch: WatchOption = False,
    every: EveryOption = 2.0,
    aliases: Annotated[
        Path | None,
        typer.Option(
            "--aliases",
            metavar="FILE",
            help="Alias file (TOML: merge = [[...]], split = [[...]]) (default: aliases.toml beside the corpus).",
            show_default=False,
        ),
    ] = None,
    field_map: Annotated[
        str | None,
        typer.Option(
            "--map",
            metavar="FIELD=KEY,...",
            help="Which key of JSON and CSV records holds which field (body=text,date=publish_date); "
            "fields: id, title, body, date, source, url (default: fields.toml beside the corpus, then common names).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Build or update the index from a corpus.

    Exit codes: 0 all indexed, 3 some input rejected (the rest indexed), 2 usage, 4 index locked, damaged
    or not writable (left as it was), 5 update refused: it would remove most of the index.
    With --watch: one line a batch on stderr (--json: one JSON object a batch on stdout), until Ctrl-C or
    SIGTERM stops it (exit 0).
    """
    from .lock import check_wait
    from .printers import Output, printer
    from .readers.fields import parse_map
    from .recorded import corpus_to_read

    with _user_errors():
        check_wait(wait)
        _terminate_on_sigterm()
        # ./corpus only for the default ./index never built: another index re-reads the corpus it recorded.
        paths = corpus_to_read(_index_dir(index_dir), paths, DEFAULT_CORPUS_DIR if index_dir is None else None)
        if watch:
            if optimize:
                raise UsageError("--optimize cannot be used with --watch: run `searchkit index --optimize` apart")
            if aliases is not None:
                raise UsageError("--aliases cannot be used with --watch: put aliases.toml beside the corpus")
            if field_map is not None:
                raise UsageError("--map cannot be used with --watch: put fields.toml beside the corpus")
            _watch(
                paths,
                _index_dir(index_dir),
                every,
                wait,
                rebuild,
                allow_shrink,
                json_output,
                quiet,
            )
            return
        if every != 2.0:
            raise UsageError("--every is for --watch")
        options = {
            "rebuild": rebuild,
            "optimize": optimize,
            "allow_shrink": allow_shrink,
            "wait": wait,
            "aliases": aliases,
            "fields": None if field_map is None else parse_map(field_map),
        }
        with _interrupt_after_commit(_index_dir(index_dir)):
            report = _build(paths, _index_dir(index_dir), options, quiet)
            if json_output:
                printer(Output("json")).report(report)
            elif not quiet:
                printer(Output("rich"), sys.stderr).report(report)
    if report.rejected:
        raise typer.Exit(EXIT_REJECTED)


@contextmanager
def _interrupt_after_commit(index_dir: Path) -> Iterator[None]:
    """A Ctrl-C or SIGTERM that arrives once the run's commit (or swap) is
    done ends the run with 0, not 130: the exit status says what happened to
    the index, and it holds this run's articles.  What the run had left to do
    (removing the previous generations, the vocabulary) the next run does."""
    from .indexing import commit_point

    before = commit_point(index_dir)
    try:
        yield
    except (KeyboardInterrupt, Terminated):
        if commit_point(index_dir) == before:
            raise
        _err("interrupted after the index was committed: it holds this run's articles")
        raise typer.Exit(EXIT_OK) from None


def _watch(
    paths: list[Path],
    index_dir: Path,
    every: float,
    wait: float,
    rebuild: bool,
    allow_shrink: bool,
    json_output: bool,
    quiet: bool,
) -> None:
    """``index --watch``: batches until Ctrl-C or SIGTERM, which stop it cleanly (exit 0)."""
    from .printers import Output, printer
    from .watch import Watcher
    from .wording import counted

    shown = printer(Output("jsonl")) if json_output else None if quiet else printer(Output("rich"), sys.stderr)
    watcher = Watcher(
        paths,
        index_dir,
        every=every,
        wait=wait,
        rebuild=rebuild,
        allow_shrink=allow_shrink,
        on_batch=shown.batch if shown is not None else None,
        on_error=lambda message: _err(f"error: {message}"),
        on_reject=lambda r: _err(f"rejected {r}"),
        on_truncate=lambda w: _err(f"warning: truncated {w}"),
        on_warning=lambda w: _err(f"warning: {w}"),
        on_start=None
        if quiet
        else lambda how: _err(
            f"watching {', '.join(str(p) for p in paths)} ({how}; a batch at most every {every:g}s); "
            "Ctrl-C or SIGTERM stops"
        ),
    )
    try:
        watcher.run()
    except (KeyboardInterrupt, Terminated, BrokenPipeError) as stop:
        # A reader that went away (`--json | head -3`) stops the watcher as a signal does.
        if isinstance(stop, BrokenPipeError):
            _silence(sys.stdout)
        why = {KeyboardInterrupt: "SIGINT", Terminated: "SIGTERM"}.get(type(stop), "the output's reader went away")
        _err(f"stopped watching ({why}) after {counted(watcher.batches, 'batch', 'batches')}")
        raise typer.Exit(EXIT_OK) from None


def _terminate_on_sigterm() -> None:
    """SIGTERM stops a writer as Ctrl-C does: its writer processes stopped, its
    unfinished generation or segments removed, the lock released."""
    import signal

    def terminate(signum, frame) -> NoReturn:
        raise Terminated()

    signal.signal(signal.SIGTERM, terminate)


def _build(paths: list[Path], index_dir: Path, options: dict, quiet: bool):
    """Runs the indexer, with a progress bar on stderr when it is a terminal: one a phase,
    named (reading and writing articles, merging segments, vocabulary, names, duplicates)."""
    from .indexing import build_index

    if quiet or not sys.stderr.isatty():
        return build_index(
            paths,
            index_dir,
            on_reject=lambda r: _err(f"rejected {r}"),
            on_truncate=lambda w: _err(f"warning: truncated {w}"),
            on_warning=lambda w: _err(f"warning: {w}"),
            **options,
        )
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from .indexing import count_articles
    from .printers.people import make_console

    console = make_console(file=sys.stderr)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("reading and writing articles", total=None, rate="")
        phases: dict[str, int] = {}
        written = [0]

        def total(files: list[Path]) -> None:
            progress.update(task, total=count_articles(files) or None)

        def advance(done: int) -> None:
            written[0] = done
            if done % 100 == 0:
                speed = progress.tasks[0].speed
                progress.update(task, completed=done, rate=f"{speed:,.0f} articles/s" if speed else "")

        def phase(name: str, done: int, total: int | None) -> None:
            """A line a phase after the articles are written, the one before it left as it ended."""
            if name not in phases:
                progress.update(task, completed=written[0])
                for earlier in [task, *phases.values()]:
                    progress.stop_task(earlier)
                phases[name] = progress.add_task(name, total=total, rate="")
            progress.update(phases[name], completed=done, total=total)

        return build_index(
            paths,
            index_dir,
            on_reject=lambda r: console.print(f"searchkit: rejected {r}", markup=False, highlight=False),
            on_truncate=lambda w: console.print(f"searchkit: warning: truncated {w}", markup=False, highlight=False),
            on_warning=lambda w: console.print(f"searchkit: warning: {w}", markup=False, highlight=False),
            on_progress=advance,
            on_reading=total,
            on_phase=phase,
            **options,
        )


@app.command(help=QUERY_HELP)
@_listing
def search(
    query: Annotated[str, typer.Argument(help="The query (see above).", show_default=False)],
    index_dir: IndexOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=10_000, help="Hits to show.")] = 10,
    page: Annotated[int, typer.Option("--page", min=1, help="Page of --limit hits to show.")] = 1,
    match_all: Annotated[bool, typer.Option("--all", help="Require every word; no partial matches.")] = False,
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    sort: Annotated[Sort, typer.Option("--sort", help="By relevance, or by date (newest first).")] = Sort.score,
    explain: Annotated[bool, typer.Option("--explain", help="Show why each hit matched.")] = False,
    exact_count: Annotated[
        bool,
        typer.Option(
            "--exact-count",
            help="Count every match exactly, however long it takes. By default, a count that would read "
            "too many postings (README, Limits) is estimated from a sample and shown as 'about N'.",
        ),
    ] = False,
    exact_names: Annotated[
        bool,
        typer.Option(
            "--exact-names",
            help="Search every name in the query's own spelling only: no merged spelling (as =Name does for one).",
        ),
    ] = False,
    facets: Annotated[
        str | None,
        typer.Option(
            "--facets",
            metavar="LIST",
            help="Also count the whole result set by source, year, month, week or day (comma-separated); "
            "with --csv/--jsonl/--tsv, the counts are printed instead of the hits.",
        ),
    ] = None,
    all_copies: Annotated[
        bool,
        typer.Option(
            "--all-copies",
            help="List every near-duplicate as a hit of its own. By default a group of them (wire copies, "
            "live-blog pages) is shown once, at its best-ranked article, marked '+N copies'.",
        ),
    ] = False,
    unique: UniqueOption = False,
    chosen: Output = None,
) -> None:
    from .printers import printer
    from .search import Searcher, SearchOptions
    from .views import check_facets

    with _user_errors():
        _check_dates(since, until)
        facet_names = check_facets(facets)
        if facet_names and chosen.fields and chosen.format in ("jsonl", "csv", "tsv"):
            raise UsageError("--fields chooses hit fields; with --facets, --jsonl, --csv and --tsv print facet rows")
        options = SearchOptions(
            limit=limit,
            offset=(page - 1) * limit,
            match_all=match_all,
            since=since,
            until=until,
            source=source,
            sort=sort.value,
            explain=explain,
            exact_count=exact_count,
            facets=facet_names,
            exact_names=exact_names,
            collapse=not all_copies,
            unique=unique,
        )
        with Searcher(_ready_index(index_dir)) as searcher:
            result = searcher.search(query, options)
        printer(chosen).results(result)
    if not result.hits and result.total and page > 1:
        _err(_past_the_last_page(page, limit, result.total, result.total_estimated))
    raise typer.Exit(EXIT_OK if result.hits else EXIT_NO_HITS)  # as grep: 0 with hits, 1 without


def _past_the_last_page(page: int, limit: int, total: int, estimated: bool) -> str:
    """Why ``--page`` showed nothing although articles match: which pages there are."""
    from .wording import counted

    pages = -(-total // limit)
    about = "about " if estimated else ""
    return f"page {page} of {about}{pages}: {about}{counted(total, 'article')}, {limit:,} a page (--page 1 to {pages})"


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article's id.", show_default=False)],
    query: Annotated[str | None, typer.Option("--query", "-q", help="Highlight this query's matches.")] = None,
    index_dir: IndexOption = None,
    json_output: JsonOption = False,
    color: ColorOption = Color.auto,
    pager: Annotated[
        bool,
        typer.Option(
            "--pager/--no-pager",
            help="Page an article longer than the screen: $SEARCHKIT_PAGER, $PAGER or less (LESS=FRX if unset).",
        ),
    ] = True,
) -> None:
    """Print one article whole, with a query's matches highlighted."""
    from .pager import page
    from .printers import output, printer
    from .printers.people import RichPrinter
    from .search import Searcher

    with _user_errors():
        chosen = output(json_output=json_output, color=color, tabular=False)
        with Searcher(_ready_index(index_dir)) as searcher:
            view = searcher.show(article_id, query)
        shown = printer(chosen)
        if isinstance(shown, RichPrinter) and pager and sys.stdout.isatty():
            with shown.console.capture() as captured:
                shown.article(view)
            page(captured.get(), shown.console.height)
        else:
            shown.article(view)


@app.command()
@_listing
def similar(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article's id.", show_default=False)],
    index_dir: IndexOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Hits to show.")] = 10,
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    chosen: Output = None,
) -> None:
    """List the articles most like article ID (by its most telling words), each with the telling words it shares.

    Exit codes: 0 listed, 1 none within the filters or no article of that ID, 2 usage, 4 no usable index."""
    from .printers import printer
    from .search import Searcher

    with _user_errors():
        filters = _filters(since, until, source)
        with Searcher(_ready_index(index_dir)) as searcher:
            result = searcher.similar(article_id, limit, filters)
        printer(chosen).results(result)
    raise typer.Exit(EXIT_OK if result.hits else EXIT_NO_HITS)


#: The research views' filters, as search's: ``--since``, ``--until``, ``--source``, ``--exact-names``,
#: checked before any index opens.
_filtered = _with_options(
    "filters",
    (
        ("since", SinceOption, None, "since"),
        ("until", UntilOption, None, "until"),
        ("source", SourceOption, None, "source"),
        (
            "exact_names",
            Annotated[
                bool,
                typer.Option("--exact-names", help="Every name in the query's own spelling only: no merged spelling."),
            ],
            False,
            "exact_names",
        ),
    ),
    _filters,
)
QueryArgument = Annotated[str, typer.Argument(help="The query (see `searchkit search --help`).", show_default=False)]
OptionalQueryArgument = Annotated[
    str | None,
    typer.Argument(help="The query (see `searchkit search --help`), or --queries FILE.", show_default=False),
]
QueriesOption = Annotated[
    Path | None,
    typer.Option(
        "--queries",
        metavar="FILE",
        help="A query set: named queries in a quanteda YAML dictionary (.yml) or `name: query` lines (.txt).",
        show_default=False,
    ),
]


def _queries(given: list[str] | None, query_set: Path | None) -> tuple[list[str], list[str] | None]:
    """The queries to run and, from a query set, their names: the queries given, or the set's."""
    if query_set is None:
        if not given:
            raise UsageError("give a query, or --queries FILE")
        return list(given), None
    if given:
        raise UsageError("give queries or --queries FILE, not both")
    from .querysets import load

    named = load(query_set)
    return [n.query for n in named], [n.name for n in named]


def _complete_unit(incomplete: str) -> list[str]:
    """The bucket units ``--by`` takes, for the shell's completion (the list is the library's)."""
    from .views import UNITS

    return [unit for unit in UNITS if unit.startswith(incomplete)]


@app.command()
@_table("TIMELINE_COLUMNS")
@_filtered
def timeline(
    queries: Annotated[
        list[str] | None,
        typer.Argument(metavar="[QUERY]...", help="One or more queries (see `search --help`).", show_default=False),
    ] = None,
    index_dir: IndexOption = None,
    query_set: QueriesOption = None,
    date_range: Annotated[
        str,
        typer.Option(
            "--range",
            metavar="auto|all",
            help="auto: lone outlying dates (a stray 1970) are left out of the chart, in a note; all: drawn.",
        ),
    ] = "auto",
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            metavar="FILE",
            help="Also draw the chart to FILE.svg or FILE.png (needs matplotlib: searchkit[plot]).",
            show_default=False,
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="UNIT",
            help="day, week, month or year (default: one giving 12-60 buckets).",
            autocompletion=_complete_unit,
        ),
    ] = None,
    share: Annotated[
        bool, typer.Option("--share", help="Draw each count as a share of all the articles of its bucket.")
    ] = False,
    unique: UniqueOption = False,
    filters: Filters = None,
    chosen: Output = None,
) -> None:
    """Coverage over time: matching articles per day, week, month or year, queries side by side.

    Empty buckets are shown; undated articles are counted apart. `searchkit timeline =Kiev =Kyiv --by month`
    shows which spelling the paper used, month by month; `--queries parties.yml` draws a series a named query.
    With no matching article, --json/--csv/--tsv still print every bucket at zero. Exit codes: 0 drawn,
    1 no article matches, 2 usage.
    """
    from .timeline import TimelineOptions, check_range
    from .timeline import timeline as count_over_time
    from .views import check_unit

    with _user_errors():
        check_unit(by)
        check_range(date_range)
        texts, names = _queries(queries, query_set)
        if plot is not None:
            from .plot import check_plot_path

            check_plot_path(plot)
    options = TimelineOptions(unit=by, share=share, range=date_range, **(asdict(filters) | {"unique": unique}))
    matched = True

    def drawn(searcher):
        nonlocal matched
        found = count_over_time(searcher, texts, options, names)
        matched = any(series.total for series in found.series)
        if not matched and chosen.format == "rich":  # for people, one line; a table of zeros for scripts
            raise NoResults(found.notes[0])
        if plot is not None:
            from .plot import plot_timeline

            plot_timeline(found, plot)
            _err(f"drew {plot}")
        return found

    _show_view(chosen, index_dir, drawn, "timeline")
    if not matched:
        raise typer.Exit(EXIT_NO_HITS)


@app.command()
@_table("KWIC_COLUMNS")
@_filtered
def kwic(
    query: OptionalQueryArgument = None,
    index_dir: IndexOption = None,
    width: Annotated[
        int, typer.Option("--width", "-w", min=5, max=1000, help="Characters of context either side.")
    ] = 40,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="Occurrences to list; 0 for every one.")] = 100,
    sort: Annotated[
        Sort, typer.Option("--sort", help="Articles by relevance, or by date (newest first).")
    ] = Sort.score,
    query_set: QueriesOption = None,
    filters: Filters = None,
    chosen: Output = None,
) -> None:
    """Keyword in context: every occurrence of the query, a line each, aligned on the matched words.

    Every spelling of a name and every word of a phrase, as the article wrote them. --csv and --jsonl give
    quanteda's kwic columns: docname (the article id), date, from, to (word positions), pre, keyword, post;
    with --queries FILE, each line's pattern is its query's name, as quanteda names a dictionary key.
    Exit codes: 0 listed, 1 no article matches, 2 usage.
    """
    from .kwic import KwicOptions, streamed, streamed_set
    from .printers import printer
    from .search import Searcher

    options = KwicOptions(width=width, limit=limit, sort=sort.value, **asdict(filters))
    with _user_errors():
        texts, names = _queries([query] if query else None, query_set)
    # Lines are written as they are found; a bar on a terminal's stderr only when they go elsewhere.
    with (
        _user_errors(),
        _progress(shown=not sys.stdout.isatty()) as on_progress,
        Searcher(_ready_index(index_dir)) as searcher,
    ):
        if names is None:
            printer(chosen).concordance(streamed(searcher, texts[0], options, on_progress))
        else:
            named = list(zip(names, texts, strict=True))
            printer(chosen).concordance(streamed_set(searcher, named, options, on_progress))


@app.command()
@_table("COOCCUR_COLUMNS")
@_filtered
def cooccur(
    query: OptionalQueryArgument = None,
    index_dir: IndexOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="Names to list; 0 for every one.")] = 30,
    min_articles: Annotated[
        int, typer.Option("--min-articles", min=1, help="Leave out names in fewer matching articles.")
    ] = 2,
    sample: Annotated[
        int,
        typer.Option(
            "--sample",
            min=0,
            help="Read the names of at most this many matching articles, evenly spread; 0 for all of them.",
        ),
    ] = 1000,
    sort: Annotated[
        str,
        typer.Option(
            "--sort", metavar="count|lift", help="Names by matching articles, or by lift (of the 200 most named)."
        ),
    ] = "count",
    edges: Annotated[
        Path | None,
        typer.Option(
            "--edges",
            metavar="FILE",
            help="Also write the listed names' network (at most 100): FILE.csv (source,target,weight) or FILE.gexf.",
            show_default=False,
        ),
    ] = None,
    query_set: QueriesOption = None,
    unique: UniqueOption = False,
    filters: Filters = None,
    chosen: Output = None,
) -> None:
    """Who is named alongside: the names most often found in the matching articles, as the press writes them.

    Marine Le Pen and New York are one name each; spellings of a name are grouped (Choïgou, Shoigu) and shown in
    the most frequent one; a surname alone counts with the full name beside it (Macron, Emmanuel Macron). The
    query's own name and the source's name (Le Monde) are left out. Lift is how many times more often the name is
    found in the matching articles than in the whole index. Exit codes: 0 listed, 1 no article matches or no name
    in them reaches --min-articles, 2 usage.
    """
    from .cooccur import CooccurOptions, check_sort, cooccur_set
    from .cooccur import cooccur as names_alongside
    from .printers import printer
    from .search import Searcher

    with _user_errors():
        check_sort(sort)
        if edges is not None:
            from .network import check_edges_path

            check_edges_path(edges)
            if query_set is not None:
                raise UsageError("--edges draws one query's network: give one query, not --queries")
        texts, names = _queries([query] if query else None, query_set)
        options = CooccurOptions(
            limit=limit,
            min_articles=min_articles,
            sample=sample,
            sort=sort,
            edges=edges is not None,
            **(asdict(filters) | {"unique": unique}),
        )
        with _progress() as on_progress, Searcher(_ready_index(index_dir)) as searcher:
            if names is None:
                found = names_alongside(searcher, texts[0], options, on_progress)
            else:
                many = cooccur_set(searcher, list(zip(names, texts, strict=True)), options, on_progress)
        if names is not None:
            printer(chosen).cooccurrences(many)
            return
        if edges is not None:
            from .network import write_edges

            written = write_edges(found, edges)
            _err(f"wrote {written:,} edges between {len(found.names[:100]):,} names to {edges}")
        printer(chosen).cooccurrence(found)
    if not found.names:
        _err(f"no name is named in at least {found.min_articles:,} of the articles read")
        raise typer.Exit(EXIT_NO_HITS)


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    iramuteq = "iramuteq"
    txm = "txm"


@app.command()
@_filtered
def export(
    query: QueryArgument,
    form: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="jsonl (re-imports), csv (RFC 4180), iramuteq (**** *source_lemonde *date_2022-03 lines) "
            "or txm (XML, metadata on each <text>).",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to FILE, replaced once whole (default: stdout).",
            show_default=False,
        ),
    ] = None,
    index_dir: IndexOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="Articles to write at most; 0 for all.")] = 0,
    sort: Annotated[
        Sort, typer.Option("--sort", help="By relevance, or by date (newest first, undated last).")
    ] = Sort.score,
    filters: Filters = None,
) -> None:
    """Write every article a query matches, whole, with its metadata: for R, Iramuteq, TXM or a re-import.

    Every word of the query is required, as for timeline and kwic. Each article carries id, title, date, source,
    url and matched: the spellings of the query's names as it wrote them (Choïgou; Shoigu). Articles are read one at a
    time: memory stays flat, and a reader that stops (`| head`) or Ctrl-C stops the export at once; a FILE is
    only replaced by a whole export. Exit codes: 0 written, 1 no article matches, 2 usage, 4 no usable index or
    the output cannot be written.
    """
    import time

    from .export import ExportOptions, exporting, output_file, write_export
    from .search import Searcher

    with _user_errors():
        options = ExportOptions(limit=limit, sort=sort.value, **asdict(filters))
        started = time.perf_counter()
        with Searcher(_ready_index(index_dir)) as searcher, exporting(searcher, query, options) as found:
            if output is None or str(output) == "-":
                sys.stdout.reconfigure(encoding="utf-8", newline="", line_buffering=False)  # as a file would be
                written = write_export(found, form.value, sys.stdout)
            else:
                with output_file(output) as stream:
                    written = write_export(found, form.value, stream)
        if output is not None and str(output) != "-":
            seconds = time.perf_counter() - started
            _err(
                f"exported {written:,} of the {found.matching:,} articles matching to {output} ({form.value}) "
                f"in {seconds:.1f}s ({written / max(seconds, 1e-9):,.0f} articles/s)"
            )


def _show_view(chosen: Output, index_dir: Path | None, view: Callable, method: str) -> None:
    """Runs ``view`` on the open index and prints what it found with the
    printer's ``method``; errors in one line, no match exit 1."""
    from .printers import printer
    from .search import Searcher

    with _user_errors():
        with Searcher(_ready_index(index_dir)) as searcher:
            found = view(searcher)
        getattr(printer(chosen), method)(found)


@contextmanager
def _progress(shown: bool = True) -> Iterator[Progress | None]:
    """A bar on stderr while a view reads articles, when stderr is a terminal (never in a
    pipe or a log) and ``shown``; the view is handed ``None`` otherwise."""
    if not shown or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from .printers.people import make_console

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    # Rich would send what is printed to sys.stdout meanwhile to the bar's stderr: the lines stay on stdout.
    bar = Progress(
        *columns, console=make_console(file=sys.stderr), transient=True, redirect_stdout=False, redirect_stderr=False
    )
    with bar as progress:
        task = progress.add_task("", total=None)

        def advance(what: str, done: int, total: int) -> None:
            progress.update(task, description=what, completed=done, total=total)

        yield advance


@app.command()
def names(
    query: Annotated[
        str,
        typer.Argument(
            help='A query as search reads it: a name, words, a phrase ("Viktor Orban"); =Kiev for one spelling.'
        ),
    ],
    index_dir: IndexOption = None,
    every: Annotated[
        bool, typer.Option("--all", help="Also list the candidate spellings decided apart, with the reason.")
    ] = False,
    json_output: JsonOption = False,
    color: ColorOption = Color.auto,
) -> None:
    """The spellings a name query searches: each with its articles and source (query, rule, exonym, form, alias,
    learned).

    Each merged spelling shows the decision that merged it and its evidence: the first names they share, how many
    articles name both, how much context they share; --all lists the candidates decided apart too. An alias file
    (`searchkit index --aliases FILE`, or aliases.toml beside the corpus) adds or splits merges.
    Exit codes: 0 listed, 1 no article holds any of the spellings, 2 usage.
    """
    from .names.view import name_spellings
    from .printers import output, printer
    from .search import Searcher

    with _user_errors():
        chosen = output(json_output=json_output, color=color, tabular=False)
        with Searcher(_ready_index(index_dir)) as searcher:
            found = name_spellings(searcher, query, rejected=every)
        printer(chosen).names(found)
    held = any(s.articles for word in found.words for s in word.spellings)
    raise typer.Exit(EXIT_OK if held else EXIT_NO_HITS)


@app.command()
def stats(index_dir: IndexOption = None, json_output: JsonOption = False, color: ColorOption = Color.auto) -> None:
    """What the index holds: articles, dates, sources, size, segments, analysis settings."""
    from .printers import Output, printer
    from .stats import index_stats

    with _user_errors():
        facts = index_stats(_index_dir(index_dir))
        printer(Output("json" if json_output else "rich", color=color)).stats(facts)


@app.command()
def check(
    index_dir: IndexOption = None,
    deep: Annotated[
        bool, typer.Option("--deep", help="Also read every article and posting list, as a search would.")
    ] = False,
    json_output: JsonOption = False,
    color: ColorOption = Color.auto,
) -> None:
    """Verify the index: every file against the checksum of its commit (exit 0 whole, 4 damaged)."""
    from .check import check_index
    from .errors import EXIT_INDEX_UNAVAILABLE
    from .printers import Output, printer

    with _user_errors(), _progress() as advance:
        report = check_index(_index_dir(index_dir), deep=deep, on_progress=advance)
        printer(Output("json" if json_output else "rich", color=color)).check(report)
    if not report.healthy:
        raise typer.Exit(EXIT_INDEX_UNAVAILABLE)


@app.command()
def serve(
    idle: Annotated[
        float | None,
        typer.Option("--idle", min=0, metavar="MINUTES", help="Stop after this many minutes without a command."),
    ] = None,
    stop: Annotated[bool, typer.Option("--stop", help="Stop the server that runs, and exit.")] = False,
) -> None:
    """Keep searchkit loaded, so that read-only commands answer about twice as fast: while it runs, `search`, `similar`,
    `timeline`, `kwic`, `cooccur`, `names`, `stats`, `export` (and `show` into a pipe or a file) run in it (a forked
    child that takes the command's folder, environment and terminal), with the output and exit code they have
    without it.

    One server a user, on $XDG_RUNTIME_DIR/searchkit/server.sock (else /tmp/searchkit-UID; SEARCHKIT_SERVER_SOCKET
    names another); it holds no index open, so every command reads the index as it is. It stops on Ctrl-C, SIGTERM,
    `serve --stop`, --idle, or when searchkit's code changes under it. SEARCHKIT_NO_SERVER=1 runs a command in its
    own process. Exit codes: 0 stopped, 1 nothing to stop (--stop), 4 another server runs or the socket cannot be
    made.
    """
    from .server import serve as run_server
    from .server import stop_server

    with _user_errors():
        if stop:
            pid = stop_server()
            if pid is None:
                _err("no server runs")
                raise typer.Exit(EXIT_NO_HITS)
            _err(f"stopped the server (pid {pid})")
            return
        with suppress(KeyboardInterrupt):  # Ctrl-C is how a server run in a terminal is stopped
            run_server(
                idle_seconds=None if idle is None else idle * 60,
                on_ready=lambda path: _err(
                    f"serving on {path} (pid {os.getpid()}); Ctrl-C or `searchkit serve --stop` stops it"
                ),
            )
        _err("server stopped")


watchlist_app = typer.Typer(
    help="Saved searches, whose new articles `searchkit alerts` prints.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(watchlist_app, name="watchlist")


@watchlist_app.command("add")
def watchlist_add(
    name: Annotated[
        str | None, typer.Argument(help="A name for it (letters, digits, _ . -).", show_default=False)
    ] = None,
    query: Annotated[
        str | None, typer.Argument(help="The query, as for `searchkit search`.", show_default=False)
    ] = None,
    index_dir: IndexOption = None,
    query_set: QueriesOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace a saved search of that name.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Save a search: `searchkit alerts` then prints the articles it finds among those indexed from now on.

    `watchlist add --queries FILE` saves each named query of a query set under its name (all or none)."""
    from . import alerts
    from .printers import Output, printer

    with _user_errors():
        _check_dates(since, until)
        if query_set is not None:
            if name is not None:
                raise UsageError("give NAME QUERY or --queries FILE, not both")
            from .querysets import load

            named = [(n.name, n.query) for n in load(query_set)]
        elif name is None or query is None:
            raise UsageError("give NAME QUERY, or --queries FILE")
        else:
            named = [(name, query)]
        entries = alerts.add_all(
            _index_dir(index_dir), named, since=since, until=until, source=source, replace_existing=replace
        )
        printer(Output("json" if json_output else "rich")).watchlist(entries)


@watchlist_app.command("list")
@_table("WATCHLIST_COLUMNS")
def watchlist_list(index_dir: IndexOption = None, chosen: Output = None) -> None:
    """List the saved searches."""
    from . import alerts
    from .printers import printer

    with _user_errors():
        entries = alerts.load(_index_dir(index_dir))
        printer(chosen).watchlist(entries)


@watchlist_app.command("remove")
def watchlist_remove(
    names: Annotated[list[str], typer.Argument(metavar="NAME...", help="Saved searches to remove.")],
    index_dir: IndexOption = None,
) -> None:
    """Remove saved searches (and how far their alerts went)."""
    from . import alerts

    with _user_errors():
        for entry in alerts.remove(_index_dir(index_dir), names):
            _err(f"removed {entry.name}")


@app.command("alerts")
@_listing
def alerts_command(
    names: Annotated[
        list[str] | None,
        typer.Argument(metavar="[NAME]...", help="Saved searches to check (default: all).", show_default=False),
    ] = None,
    index_dir: IndexOption = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Replay: articles indexed since DATE (YYYY[-MM[-DD]] or an ISO time, UTC); saves nothing.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=10_000, help="Hits to show a search.")] = 50,
    chosen: Output = None,
) -> None:
    """Print what each saved search finds among the articles indexed (added or changed) since its last run.

    Exit codes: 0 something new, 1 nothing new, 2 usage (a saved search that cannot run, after the others),
    4 no usable index. Each search's high-water mark is saved after its alerts are printed: an alert may
    repeat after a crash, never be lost.
    """
    from . import alerts
    from .printers import printer

    with _user_errors():
        index_path = _ready_index(index_dir)
        if since is not None:
            alerts.time_stamp(since)  # a bad date is a usage error before any work
        if not alerts.load(index_path):
            _err(f"no saved searches in {index_path}: add one with `searchkit watchlist add NAME QUERY`")
            raise typer.Exit(EXIT_NO_HITS)
        run = alerts.check(index_path, names or [], since=since, limit=limit)
        printer(chosen).alerts(run.alerts)
        sys.stdout.flush()  # printed, and handed to the reader, before the marks move
        if since is None:
            run.save()
        failed = [alert for alert in run.alerts if alert.error]
        for alert in failed:
            _err(f"error: saved search {alert.name}: {alert.error}")
    raise typer.Exit(EXIT_USAGE if failed else EXIT_OK if run.news else EXIT_NO_HITS)


def _check_dates(since: str | None, until: str | None) -> None:
    """``--since`` and ``--until`` are dates, the one not after the other."""
    from .query import parse_date_range

    for name, value in (("--since", since), ("--until", until)):
        if value is None:
            continue
        try:
            parse_date_range(value)
            # one end of a range: not a range itself (date:2022..2023 in a query), nor nothing
            dated = ".." not in value and bool(value.strip())
        except SearchkitError:
            dated = False
        if not dated:
            raise UsageError(f"{name} {value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    if since and until:
        try:
            parse_date_range(f"{since}..{until}")
        except SearchkitError:
            raise UsageError(f"--since {since} comes after --until {until}") from None


def _index_dir(index_dir: Path | None) -> Path:
    """``--index`` (or ``$SEARCHKIT_INDEX``, which Typer reads into it), else ./index."""
    return index_dir if index_dir is not None else DEFAULT_INDEX_DIR


def _ready_index(index_dir: Path | None) -> Path:
    """The index folder to read.

    Only the default ./index is built on the way, from ./corpus, and only when
    nothing was ever built there: a search never writes an index it was
    pointed at, nor one that is damaged or being built by another process.
    """
    from .generations import index_exists

    index_path = _index_dir(index_dir)
    if index_dir is None and not index_exists(index_path):
        _build_default(index_path)
    return index_path


def _build_default(index_path: Path) -> None:
    """A first search builds ./index from ./corpus, saying so on stderr; when
    another process is building it, the search waits for that build instead."""
    from .errors import NoIndex
    from .indexing import build_index
    from .lock import is_locked
    from .wording import counted

    if not DEFAULT_CORPUS_DIR.is_dir():
        raise NoIndex(index_path, f" and no ./{DEFAULT_CORPUS_DIR} to build one from")
    if is_locked(index_path):
        _err(f"{index_path}/ is being built by another process: waiting for it")
    else:
        _err(f"no index in {index_path}/ yet: building it from {DEFAULT_CORPUS_DIR}/ first")
    report = build_index(
        [DEFAULT_CORPUS_DIR], index_path, only_if_missing=True, on_reject=lambda r: _err(f"rejected {r}")
    )
    if report.mode != "none":
        _err(f"indexed {counted(report.documents, 'article')} in {report.seconds:.1f}s")


@functools.cache
def command() -> click.Command:
    """The Click command Typer makes of ``app``, made once: Typer makes it anew at
    each call of ``app()``, 15 ms of every command, which a server makes before
    it forks (``searchkit.server``)."""
    return typer.main.get_command(app)


def main() -> None:
    _watch_standard_streams()
    # What the terminal's encoding cannot show (LC_ALL=C, PYTHONIOENCODING=ascii)
    # is replaced rather than fatal; JSON escapes it instead (render.dump_json).
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    # In the C locale, arguments typed in UTF-8 arrive as surrogate escapes.
    encoding = sys.getfilesystemencoding()
    for i, arg in enumerate(sys.argv[1:], 1):
        if any("\udc80" <= char <= "\udcff" for char in arg):
            with suppress(UnicodeError):  # not UTF-8 either: left as it came, shown replaced
                sys.argv[i] = arg.encode(encoding, "surrogateescape").decode("utf-8")
    try:
        command()()
    except KeyboardInterrupt:  # before a command's own handling began (parsing its options)
        _err("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except SystemExit as leaving:
        if leaving.code == 1 and _reader_left_click():
            _silence(sys.stdout)
            sys.exit(0)
        raise


def _reader_left_click() -> bool:
    """Whether Click met the closed pipe itself (``searchkit --help | head -1``): it exits 1
    for it, where a command's own output (``_user_errors``) keeps the command's code."""
    raw = getattr(getattr(sys.stdout, "buffer", None), "raw", None)
    failure = getattr(raw, "failure", None)
    return isinstance(failure, BrokenPipeError) and not raw.silenced
