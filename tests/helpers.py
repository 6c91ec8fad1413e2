"""Helpers shared by the tests: where things are, corpora the tests write,
real indexes, the CLI as a subprocess (in its own session too), waiting with a
deadline, and the processes of a session, read from /proc."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from searchkit.engine import OpenIndex, default_engine
from searchkit.generations import current_generation
from searchkit.indexing import build_index
from searchkit.search import SearchOptions, SearchResult, search

REPO = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = REPO / "corpus"
SEED = BUNDLED_CORPUS / "347229279346511.txt"
SHARED = REPO.parent / "shared"
SHARED_CORPORA = SHARED / "corpora"


def requires_shared(*parts: str) -> Path:
    """The path under ../shared, or skip the test: a user's clone has no ../shared."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs ../shared/{'/'.join(parts)} beside the repository (absent in a user's clone)")
    return path


def write_jsonl(path: Path, articles: Iterable[dict]) -> Path:
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    return path


def article(id: str, body: str, title: str = "", **extra) -> dict:
    """A JSONL article; the title defaults to a neutral one that matches nothing."""
    return {"id": id, "title": title or f"Article {id}", "body": body, **extra}


class Indexed:
    """A real on-disk index built from articles the test wrote."""

    def __init__(self, root: Path, articles: list[dict]) -> None:
        self.corpus = write_jsonl(root / "corpus.jsonl", articles)
        self.dir = root / "index"
        self.report = build_index([self.corpus], self.dir)

    def search(self, text: str, **options) -> SearchResult:
        return search(self.dir, text, SearchOptions(**options))

    def ids(self, text: str, **options) -> list[str]:
        return [hit.id for hit in self.search(text, **options).hits]


def run_cli(
    *args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """``python -m searchkit ARGS`` as a real subprocess, with no terminal and no stdin."""
    return subprocess.run(
        [sys.executable, "-m", "searchkit", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


def invoke(*args: str, env: dict | None = None):
    """The CLI in process (Typer's CliRunner); stdout and stderr kept apart."""
    from typer.testing import CliRunner

    from searchkit.cli import app

    return CliRunner().invoke(app, list(args), env=env)


def cli_json(*args: str) -> dict:
    """The JSON a successful ``python -m searchkit ARGS`` prints."""
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


MARKER = "zorglub"  #: a word only in every 97th generated article

WORDS = (
    "gouvernement ministre président assemblée élection réforme budget économie croissance inflation "
    "entreprise salariés syndicat grève transport énergie électricité nucléaire climat sécheresse agriculture "
    "récolte village région département commune maire conseil municipal projet école université étudiant "
    "hôpital médecin santé vaccin épidémie police justice tribunal procès avocat enquête frontière armée "
    "guerre paix négociation diplomatie ambassade sommet européen marché banque euro dette impôt retraite "
    "pension logement loyer chantier route autoroute train gare aéroport football match équipe victoire "
    "défaite saison festival cinéma musique théâtre livre auteur exposition musée patrimoine château église "
    "le la les de des du un une et à en dans pour sur avec par qui que"
).split()


def generated_articles(count: int, seed: int = 2022) -> list[dict]:
    """Deterministic French-like articles of about 1.5 KB each."""
    rng = random.Random(seed)
    articles = []
    for i in range(count):
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < 1500:
            words.append(rng.choice(WORDS))
        body = " ".join(words) + "."
        if i % 97 == 0:
            body += f" Le mot {MARKER} apparaît ici."
        title = " ".join(rng.choice(WORDS) for _ in range(6)).capitalize()
        articles.append(
            article(
                f"g{i:05d}",
                body,
                title=title,
                date=f"2022-{1 + i % 12:02d}-{1 + i % 28:02d}",
                source=("Le Monde", "Libération", "Wikinews")[i % 3],
            )
        )
    return articles


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.02):
    """Polls ``condition`` until it returns something true; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def child_pids(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def session_processes(session: int) -> dict[int, str]:
    """The live processes of session ``session`` (pid → state letter), read from /proc.

    Zombies are dead (they only wait to be reaped by whoever adopted them) and
    are left out.
    """
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses
        state, _ppid, _pgrp, sid = stat[stat.rindex(")") + 2 :].split()[:4]
        if int(sid) == session and state not in "ZX":
            found[int(entry.name)] = state
    return found


def spawn(
    *args: str, env: dict | None = None, command: tuple[str, ...] = ("-m", "searchkit"), cwd: Path | None = None
) -> subprocess.Popen:
    """``python -m searchkit ARGS`` (or ``python COMMAND ARGS``) in its own session, not waited for.

    The child takes Ctrl-C as in a terminal (SIGINT at its default), also when
    the suite runs with SIGINT ignored (``&``, cron, CI), which a child inherits."""
    return subprocess.Popen(
        [sys.executable, *command, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=None if env is None else {**os.environ, **env},
        cwd=cwd,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[str, str]:
    """Waits for ``proc`` (killing its whole group when it overruns); returns stdout, stderr."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        proc.communicate(timeout=30)
        raise AssertionError(f"{proc.args} did not finish in {timeout}s") from None


def kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def open_live(index_dir: Path) -> Iterator[OpenIndex]:
    """The live generation of ``index_dir``, opened through the engine seam."""
    engine = default_engine()
    with engine.open(current_generation(index_dir)) as index:
        yield index


def one_error_line(stderr: str) -> str:
    """The one ``searchkit:`` line a failing command prints, never a traceback."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("searchkit:"), stderr
    assert "Traceback" not in stderr
    return lines[0]


def on_terminal(
    *args: str,
    env: dict | None = None,
    rows: int = 24,
    columns: int = 80,
    keys: bytes = b"",
    timeout: float = 60,
    streams: tuple[str, ...] = ("stdout", "stderr"),
) -> tuple[int, bytes]:
    """``python -m searchkit ARGS`` on a pseudo-terminal ``rows`` by ``columns`` that is its
    controlling terminal (a pager reads keys from /dev/tty), ``streams`` written there and the
    other one to /dev/null; ``keys`` are typed once something is shown.  Returns the exit code
    and every byte the terminal received."""
    import fcntl
    import select
    import signal
    import struct
    import termios

    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    def child_setup() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # as helpers.spawn: Ctrl-C as in a terminal
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [sys.executable, "-m", "searchkit", *args],
        stdin=follower,
        stdout=follower if "stdout" in streams else subprocess.DEVNULL,
        stderr=follower if "stderr" in streams else subprocess.DEVNULL,
        env={**os.environ, "TERM": "xterm", **(env or {})},
        start_new_session=True,
        preexec_fn=child_setup,
    )
    os.close(follower)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not select.select([leader], [], [], 0.5)[0]:
                if keys and output:
                    os.write(leader, keys)
                    keys = b""
                elif process.poll() is not None:  # ended, and nothing more to read
                    break
                continue
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: every process closed the terminal
                break
            if not chunk:
                break
            output += chunk
        return process.wait(timeout=10), bytes(output)
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
