"""``searchkit serve``: commands handed to a running server answer as a fresh process would.

Every command here is a real ``python -m searchkit`` process, the server a
real ``searchkit serve`` on a socket of the test's own.  That a command was
answered by the server and not run where it was typed is seen in what the
client imported (``-X importtime``): one the server answers never loads Whoosh.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import (
    BUNDLED_CORPUS,
    article,
    child_pids,
    finish,
    kill_group,
    on_terminal,
    one_error_line,
    wait_for,
    write_jsonl,
)

import searchkit
from searchkit.indexing import build_index

ARTICLES = [
    article("1", "Sergueï Choïgou a été limogé, selon Moscou.", title="Choïgou limogé", date="2022-03-01"),
    article("2", "Le ministre Shoigu était à Kiev mardi.", title="Shoigu à Kiev", date="2022-04-02"),
    article("3", "La récolte de blé est bonne cette année en Beauce.", title="Récolte", date="2022-05-03"),
]


def server_env(socket: Path, **extra: str) -> dict[str, str]:
    """The suite's environment with the server on (conftest turns it off for every other test)."""
    return {**os.environ, "SEARCHKIT_NO_SERVER": "", "SEARCHKIT_SERVER_SOCKET": str(socket), **extra}


def ctrl_c_as_in_a_terminal() -> None:
    """A child's SIGINT at its default, also when the suite runs with it ignored (``&``, CI)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_server(socket: Path, *args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.Popen:
    socket.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "searchkit", "serve", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or server_env(socket),
        cwd=cwd,
        start_new_session=True,
        preexec_fn=ctrl_c_as_in_a_terminal,
    )
    wait_for(lambda: answering_pid(socket) == server.pid or server.poll() is not None, 60, "the server's socket")
    assert server.poll() is None, server.communicate()
    return server


@contextmanager
def own_server(
    socket: Path, *args: str, env: dict | None = None, cwd: Path | None = None
) -> Iterator[subprocess.Popen]:
    """A server of the test's own, killed with its group at the end if it still runs."""
    server = start_server(socket, *args, env=env, cwd=cwd)
    try:
        yield server
    finally:
        if server.poll() is None:
            kill_group(server)
            finish(server, 30)


def answering_pid(socket: Path) -> int | None:
    """The pid of the process listening on ``socket``, if any."""
    from searchkit.server import running_pid

    return running_pid(str(socket))


def run(*args: str, env: dict, cwd: Path | None = None, importtime: bool = False) -> subprocess.CompletedProcess:
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, "-m", "searchkit", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


#: What a command run in its own process imports, and the client of a server never does.
HEAVY = {"whoosh", "rich", "typer", "click", "searchkit.cli"}


def loaded_whoosh(stderr: str) -> bool:
    """Whether the process whose ``-X importtime`` lines are in ``stderr`` ran the command itself:
    it imported Whoosh (and then the rest of ``HEAVY``); a client of a server imports none of them."""
    imported = {line.split("|")[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")}
    if "whoosh" in imported:
        return True
    assert not imported & HEAVY, f"a client of the server imported {sorted(imported & HEAVY)}"
    return False


def without_import_lines(stderr: str) -> str:
    return "".join(line + "\n" for line in stderr.splitlines() if not line.startswith("import time:"))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(index folder, socket) of a server that runs for the module's tests, which leave it running."""
    root = tmp_path_factory.mktemp("served")
    index_dir = root / "index"
    build_index([write_jsonl(root / "c.jsonl", ARTICLES)], index_dir)
    socket = root / "run" / "server.sock"
    server = start_server(socket)
    yield index_dir, socket
    server.terminate()
    _, stderr = finish(server, 30)
    assert server.returncode == 0, stderr
    assert not socket.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["search", "Choïgou"],
        ["search", "Choïgou", "--json"],
        ["search", "Shoigu", "--jsonl", "--limit", "1"],
        ["search", "absentissime"],  # exit 1, nothing found
        ["search", "Choïgou", "--since", "2022-13-01"],  # exit 2, a usage error
        ["search", "Choïgou", "--bogus"],  # exit 2, Click's own
        ["timeline", "Choïgou", "--by", "month", "--csv"],
        ["names", "Choïgou"],
        ["stats", "--json"],
        ["show", "2", "--query", "Choïgou"],  # into a pipe: no pager
        ["show", "404"],  # exit 1, no such article
    ],
)
def test_a_served_command_answers_as_a_fresh_process(served, args):
    index_dir, socket = served
    fresh = run(*args, "--index", str(index_dir), env={**os.environ, "SEARCHKIT_NO_SERVER": "1"})
    through = run(*args, "--index", str(index_dir), env=server_env(socket), importtime=True)
    assert not loaded_whoosh(through.stderr), "the command was run by the client, not the server"
    assert (through.returncode, through.stdout, without_import_lines(through.stderr)) == (
        fresh.returncode,
        fresh.stdout,
        fresh.stderr,
    )


def test_a_missing_index_is_one_line_and_exit_4(served, tmp_path):
    _, socket = served
    done = run("search", "Choïgou", "--index", str(tmp_path / "nothing"), env=server_env(socket))
    assert done.returncode == 4
    assert "no index" in one_error_line(done.stderr).lower() or "index" in one_error_line(done.stderr)


def test_the_callers_folder_and_environment_are_the_commands(served, tmp_path):
    """A relative --index is the caller's, as is SEARCHKIT_INDEX; a file written goes where the caller is."""
    index_dir, socket = served
    os.symlink(index_dir, tmp_path / "here")
    relative = run("search", "Shoigu", "--json", "--index", "here", env=server_env(socket), cwd=tmp_path)
    assert relative.returncode == 0, relative.stderr
    assert {hit["id"] for hit in json.loads(relative.stdout)["hits"]} == {"1", "2"}
    by_variable = run("search", "récolte", "--json", env=server_env(socket, SEARCHKIT_INDEX="here"), cwd=tmp_path)
    assert [hit["id"] for hit in json.loads(by_variable.stdout)["hits"]] == ["3"]
    exported = run(
        "export",
        "Shoigu",
        "--index",
        "here",
        "--format",
        "jsonl",
        "--output",
        "out.jsonl",
        env=server_env(socket),
        cwd=tmp_path,
    )
    assert exported.returncode == 0, exported.stderr
    assert {json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()} == {"1", "2"}


def test_an_index_rebuilt_under_a_running_server_is_read_as_it_is_now(tmp_path):
    socket = tmp_path / "run" / "server.sock"
    index_dir = tmp_path / "index"
    build_index([write_jsonl(tmp_path / "a.jsonl", ARTICLES)], index_dir)
    with own_server(socket):
        assert run("search", "Choïgou", "--index", str(index_dir), env=server_env(socket)).returncode == 0
        corpus = write_jsonl(tmp_path / "b.jsonl", [article("9", "Un zorglub est apparu à Lyon.", title="Zorglub")])
        build_index([corpus], index_dir, rebuild=True)
        after = run("search", "zorglub", "--json", "--index", str(index_dir), env=server_env(socket), importtime=True)
        assert not loaded_whoosh(after.stderr)
        assert [hit["id"] for hit in json.loads(after.stdout)["hits"]] == ["9"]
        assert run("search", "Choïgou", "--index", str(index_dir), env=server_env(socket)).returncode == 1


def test_show_on_a_terminal_is_left_to_the_client_for_its_pager(served, tmp_path):
    """The pager reads keys from the controlling terminal, which a server's child has not:
    ``show`` on a terminal runs where it was typed, its pager on that terminal."""
    _, socket = served
    long = article("long", "\n\n".join(f"Paragraphe {i} sur Sergueï Choïgou." for i in range(80)), title="Long")
    index_dir = tmp_path / "index"
    build_index([write_jsonl(tmp_path / "c.jsonl", [long])], index_dir)
    marker = tmp_path / "pager"
    pager = f"{{ : < /dev/tty && echo terminal || echo none; }} > {marker} 2>/dev/null; cat > /dev/null"
    environment = {"SEARCHKIT_SERVER_SOCKET": str(socket), "SEARCHKIT_NO_SERVER": "", "SEARCHKIT_PAGER": pager}
    code, _ = on_terminal("show", "long", "--index", str(index_dir), env=environment)
    assert code == 0
    assert marker.read_text().strip() == "terminal", "the pager ran with the terminal it reads keys from"


def test_a_terminal_gets_the_same_styled_page_through_the_server(served):
    index_dir, socket = served
    environment = {"SEARCHKIT_SERVER_SOCKET": str(socket), "COLUMNS": "", "SEARCHKIT_PAGER": "cat"}
    args = ("search", "Choïgou", "--index", str(index_dir))
    fresh = on_terminal(*args, env={**environment, "SEARCHKIT_NO_SERVER": "1"}, columns=60)
    through = on_terminal(*args, env={**environment, "SEARCHKIT_NO_SERVER": ""}, columns=60)
    assert fresh[0] == through[0] == 0
    assert b"\x1b[" in through[1], "styled, as on a terminal"
    assert through[1] == fresh[1]


def spawn_client(socket: Path, *args: str, cwd: Path | None = None, preexec=None) -> subprocess.Popen:
    """``python -m searchkit ARGS`` for the server on ``socket``, in its own session, not waited for."""
    return subprocess.Popen(
        [sys.executable, "-m", "searchkit", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=server_env(socket),
        cwd=cwd,
        start_new_session=True,
        preexec_fn=preexec,
    )


def blocked_command(socket: Path, tmp_path: Path, preexec) -> tuple[subprocess.Popen, Path]:
    """A served ``timeline`` waiting to read its query set from a FIFO no one writes."""
    fifo = tmp_path / "queries.txt"
    os.mkfifo(fifo)
    args = ("timeline", "--queries", str(fifo), "--index", str(tmp_path / "none"))
    return spawn_client(socket, *args, preexec=preexec), fifo


def served_children(server: subprocess.Popen) -> list[int]:
    return child_pids(server.pid)


def test_ctrl_c_reaches_the_command_the_server_runs(tmp_path):
    socket = tmp_path / "run" / "server.sock"
    with own_server(socket) as server:
        client, _ = blocked_command(socket, tmp_path, ctrl_c_as_in_a_terminal)
        wait_for(lambda: served_children(server), 30, "the server's child")
        time.sleep(0.3)  # the child is past its set-up, reading the FIFO
        client.send_signal(signal.SIGINT)
        _, stderr = finish(client, 30)
        assert client.returncode == 130
        assert one_error_line(stderr) == "searchkit: interrupted"
        wait_for(lambda: not served_children(server), 10, "the server's child to end")
        assert server.poll() is None, "the server itself keeps running"


def test_a_client_killed_ends_the_command_it_handed_over(tmp_path):
    socket = tmp_path / "run" / "server.sock"
    with own_server(socket) as server:
        client, _ = blocked_command(socket, tmp_path, None)
        wait_for(lambda: served_children(server), 30, "the server's child")
        client.kill()
        finish(client, 30)
        wait_for(lambda: not served_children(server), 10, "the orphaned command to end")


def test_a_dead_servers_socket_runs_commands_in_process_and_is_replaced(served, tmp_path):
    index_dir, _ = served
    socket = tmp_path / "run" / "server.sock"
    server = start_server(socket)
    kill_group(server)  # SIGKILL: the socket file stays behind
    finish(server, 30)
    assert socket.exists()
    done = run("search", "Shoigu", "--json", "--index", str(index_dir), env=server_env(socket), importtime=True)
    assert done.returncode == 0 and loaded_whoosh(done.stderr)
    assert {hit["id"] for hit in json.loads(done.stdout)["hits"]} == {"1", "2"}
    with own_server(socket):
        answered = run("search", "Shoigu", "--index", str(index_dir), env=server_env(socket), importtime=True)
        assert answered.returncode == 0 and not loaded_whoosh(answered.stderr)


def test_one_server_a_socket_and_stop(tmp_path):
    socket = tmp_path / "run" / "server.sock"
    with own_server(socket) as server:
        second = run("serve", env=server_env(socket))
        assert second.returncode == 4
        assert f"a server already answers on {socket} (pid {server.pid}" in one_error_line(second.stderr)
        stopped = run("serve", "--stop", env=server_env(socket))
        assert stopped.returncode == 0, stopped.stderr
        finish(server, 30)
        assert server.returncode == 0 and not socket.exists()
        nothing = run("serve", "--stop", env=server_env(socket))
        assert nothing.returncode == 1 and one_error_line(nothing.stderr) == "searchkit: no server runs"


def test_an_idle_server_stops_by_itself(tmp_path):
    socket = tmp_path / "run" / "server.sock"
    server = start_server(socket, "--idle", "0.02")  # 1.2 s
    finish(server, 60)
    assert server.returncode == 0 and not socket.exists()


def test_a_socket_folder_open_to_others_is_neither_served_nor_used(served, tmp_path):
    index_dir, _ = served
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o755)
    socket = folder / "server.sock"
    refused = run("serve", env=server_env(socket))
    assert refused.returncode == 4 and "closed to others" in one_error_line(refused.stderr)
    # a socket someone else could have put there is not connected to
    import socket as sockets

    listener = sockets.socket(sockets.AF_UNIX, sockets.SOCK_STREAM)
    listener.bind(str(socket))
    listener.listen(1)
    try:
        done = run("search", "Shoigu", "--index", str(index_dir), env=server_env(socket), importtime=True)
        assert done.returncode == 0 and loaded_whoosh(done.stderr)
    finally:
        listener.close()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755


def test_a_server_whose_code_changed_answers_no_more(served, tmp_path):
    """An edit (or an upgrade) under a running server: the command runs in the client, the server stops."""
    index_dir, _ = served
    copy = tmp_path / "code"
    package = Path(searchkit.__file__).parent
    shutil.copytree(package, copy / "searchkit", ignore=shutil.ignore_patterns("__pycache__"))
    socket = tmp_path / "run" / "server.sock"
    env = server_env(socket, PYTHONPATH=str(copy))
    with own_server(
        socket, env=env, cwd=tmp_path
    ) as server:  # not the repository's folder, whose searchkit -m would run
        served_before = run("search", "Shoigu", "--index", str(index_dir), env=env, cwd=tmp_path, importtime=True)
        assert served_before.returncode == 0 and not loaded_whoosh(served_before.stderr)
        edited = copy / "searchkit" / "wording.py"
        edited.write_text(edited.read_text() + "\n# edited while the server runs\n")
        done = run("search", "Shoigu", "--json", "--index", str(index_dir), env=env, cwd=tmp_path, importtime=True)
        assert done.returncode == 0 and loaded_whoosh(done.stderr)
        assert {hit["id"] for hit in json.loads(done.stdout)["hits"]} == {"1", "2"}
        finish(server, 30)
        assert server.returncode == 0 and not socket.exists()


def test_a_server_that_does_not_answer_in_time_leaves_the_command_to_the_client(served, tmp_path):
    """A stopped server (SIGSTOP) holds the command's connection: after ``READY_SECONDS`` the
    command runs in its own process, and the server, woken, does not run it a second time."""
    index_dir, _ = served
    socket = tmp_path / "run" / "server.sock"
    with own_server(socket) as server:
        os.kill(server.pid, signal.SIGSTOP)
        client = subprocess.Popen(
            [sys.executable, "-m", "searchkit", "search", "Shoigu", "--json", "--index", str(index_dir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=server_env(socket),
        )
        assert client.wait(60) == 0
        os.kill(server.pid, signal.SIGCONT)  # it takes the connection up now, and finds the client gone
        stdout, stderr = client.communicate(timeout=30)
        assert {hit["id"] for hit in json.loads(stdout)["hits"]} == {"1", "2"}, "one answer, not two"
        assert stderr == b""
        assert not served_children(server) or wait_for(lambda: not served_children(server), 10, "no command run")


def test_a_large_environment_reaches_the_command(served, tmp_path):
    """An environment past the socket's buffer (300 KB here) arrives whole: the command sees its variables."""
    index_dir, socket = served
    filler = {f"SEARCHKIT_FILLER_{i}": "x" * 1000 for i in range(300)}
    env = server_env(socket, **filler, SEARCHKIT_INDEX=str(index_dir))
    done = run("search", "récolte", "--json", env=env, importtime=True)
    assert done.returncode == 0, done.stderr
    assert not loaded_whoosh(done.stderr)
    assert [hit["id"] for hit in json.loads(done.stdout)["hits"]] == ["3"]


def test_a_client_of_another_checkout_runs_its_command_itself_and_the_server_keeps_answering(served, tmp_path):
    index_dir, socket = served
    copy = tmp_path / "code"
    shutil.copytree(Path(searchkit.__file__).parent, copy / "searchkit", ignore=shutil.ignore_patterns("__pycache__"))
    other = run(
        "search", "Shoigu", "--json", "--index", str(index_dir),
        env=server_env(socket, PYTHONPATH=str(copy)), cwd=tmp_path, importtime=True,
    )  # fmt: skip
    assert other.returncode == 0 and loaded_whoosh(other.stderr), "run by the client, in its own code"
    assert {hit["id"] for hit in json.loads(other.stdout)["hits"]} == {"1", "2"}
    time.sleep(1.5)  # a server told to stop would be gone by now (it looks every 0.5 s)
    ours = run("search", "Shoigu", "--index", str(index_dir), env=server_env(socket), importtime=True)
    assert ours.returncode == 0 and not loaded_whoosh(ours.stderr), "the server still answers its own code's clients"


def test_ctrl_c_stops_a_first_search_building_the_index_through_the_server(tmp_path):
    """A first search builds ./index in the server's child; Ctrl-C stops it as without a
    server: 130, nothing half-built, and the next search builds."""
    shutil.copytree(BUNDLED_CORPUS, tmp_path / "corpus")
    socket = tmp_path / "run" / "server.sock"
    with own_server(socket) as server:
        client = spawn_client(socket, "search", "Poutine", cwd=tmp_path, preexec=ctrl_c_as_in_a_terminal)
        index_dir = tmp_path / "index"
        wait_for(lambda: index_dir.exists() and len(list(index_dir.iterdir())) > 1, 60, "the build's generation")
        client.send_signal(signal.SIGINT)
        _, stderr = finish(client, 60)
        assert client.returncode == 130, stderr
        assert stderr.strip().splitlines()[-1] == "searchkit: interrupted"
        wait_for(lambda: not served_children(server), 30, "the command and its writers to end")
        assert not [p for p in index_dir.iterdir() if p.name != ".lock"], "nothing half-built"
        again = run("search", "Poutine", "--json", env=server_env(socket), cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["total"] >= 10
