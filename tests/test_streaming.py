"""Unbounded research views (``kwic --limit 0``, ``cooccur --sample 0``) as a script or a
pipe sees them: lines written as they are found, a closed pipe or Ctrl-C ending the run
at once and cleanly.  Times are compared within one run, never with a fixed budget: the
machine is shared.  Peak memory is measured by ``bench/stream.py``, not here."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import threading
import time

import pytest
from helpers import Indexed, article, finish, generated_articles, run_cli, spawn

#: The CLI, with Ctrl-C raising KeyboardInterrupt even where the test runs with SIGINT
#: ignored (nohup, a background job), which the child would inherit.
INTERRUPTIBLE = (
    "-c",
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('searchkit', run_name='__main__')",
)

#: Every article holds dozens of words starting with ``de`` (de, des, département, défaite, dette…).
BROAD = "de*"
#: The same words as an operator's: where it was satisfied is read again for every article listed,
#: the costliest concordance to list in full.
OPERATOR = "atleast2(de* OR le*)"


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Indexed:
    """Enough articles that reading them all takes a second or two: 6,000 lines of ``de*``."""
    return Indexed(tmp_path_factory.mktemp("streaming"), generated_articles(1000))


def test_kwic_limit_0_writes_its_first_lines_long_before_its_last(many):
    """The first line comes once the first articles are read, not once every one is:
    most of the reading comes after it (the collecting code wrote every line at the end).

    What a run costs before it reads any article (starting Python, opening the index,
    matching the query) is taken from a run listing one line, and left out of both sides."""
    args = ("kwic", OPERATOR, "--jsonl", "--sort", "date", "--index", str(many.dir))
    started = time.monotonic()
    one = spawn(*args, "--limit", "1")
    finish(one)
    before_reading = time.monotonic() - started
    started = time.monotonic()
    proc = spawn(*args, "--limit", "0")
    first = json.loads(proc.stdout.readline())
    arrived = time.monotonic() - started
    rest = proc.stdout.read()
    ended = time.monotonic() - started
    _, err = finish(proc)
    assert proc.returncode == 0, err
    assert first["pattern"].startswith("atleast2")
    assert len(rest.splitlines()) > 5000  # thousands of lines followed it
    assert arrived - before_reading < 0.5 * (ended - before_reading), (before_reading, arrived, ended)


@pytest.mark.parametrize("output", [(), ("--jsonl",), ("--csv",), ("--json",)])
def test_a_closed_pipe_ends_kwic_at_once_with_exit_0_and_nothing_on_stderr(many, output):
    """As ``searchkit kwic de* --limit 0 | head -2``: the run ends as soon as it next writes,
    exit 0, no traceback, no note (Rich's console alone used to exit 1)."""
    proc = spawn("kwic", BROAD, "--limit", "0", *output, "--index", str(many.dir))
    proc.stdout.readline()
    proc.stdout.readline()
    proc.stdout.close()
    closed = time.monotonic()
    proc.wait(timeout=120)
    with proc.stderr:
        err = proc.stderr.read()
    assert proc.returncode == 0, err
    assert err == ""
    assert time.monotonic() - closed < 60


def test_ctrl_c_stops_kwic_mid_stream_with_exit_130(many):
    proc = spawn("kwic", BROAD, "--limit", "0", "--jsonl", "--index", str(many.dir), command=INTERRUPTIBLE)
    proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    _, err = finish(proc, timeout=60)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "searchkit: interrupted"
    assert "Traceback" not in err


def test_streamed_json_is_the_document_json_dumps_writes(make_index):
    index = make_index(
        [
            article("a1", "Zorglub et zorglub, puis Zorglub encore.", date="2022-01-02"),
            article("a2", "Ici Zorglub.", title="Zorglub en titre", date="2022-01-03"),
        ]
    )
    for limit in ("0", "2"):
        done = run_cli("kwic", "zorglub", "--limit", limit, "--json", "--index", str(index.dir))
        assert done.returncode == 0, done.stderr
        found = json.loads(done.stdout)
        assert done.stdout == json.dumps(found, indent=2, ensure_ascii=False) + "\n"
        assert found["occurrences"] == len(found["lines"]) == (5 if limit == "0" else 2)
        assert found["complete"] is (limit == "0")


def test_a_progress_bar_on_a_terminal_stderr_leaves_every_line_on_stdout(many):
    """With stderr a terminal and stdout a pipe, the bar is drawn on stderr and
    every line still goes to stdout (Rich's bar would take what goes to sys.stdout)."""
    args = ("kwic", BROAD, "--limit", "0", "--jsonl", "--index", str(many.dir))
    piped = run_cli(*args)
    terminal, stderr = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "searchkit", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    os.close(stderr)
    drawn = bytearray()

    def read_terminal() -> None:  # as it is written: a terminal nobody reads would block the run
        while True:
            try:
                drawn.extend(os.read(terminal, 65536))
            except OSError:  # the terminal's other end is closed: all read
                return

    reader = threading.Thread(target=read_terminal)
    reader.start()
    out, _ = proc.communicate(timeout=120)
    reader.join(timeout=30)
    os.close(terminal)
    assert proc.returncode == 0, drawn
    assert out == piped.stdout and len(out.splitlines()) > 1000
    assert "━".encode() in drawn and b"Traceback" not in drawn
