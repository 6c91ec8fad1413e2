"""``searchkit serve``: keeps searchkit loaded, and runs the commands clients hand it (``searchkit.client``).

Each command runs in a child forked for it, which takes the client's
descriptors as its stdin, stdout and stderr, its folder, environment, umask
and arguments, then runs the command line as a fresh process would, from the
imports onwards already done.  The child opens the index itself: a server
holds no index open, so every command sees the generation current when it
starts, as a fresh process does, and a build never waits on a server.  A
child is its own process group, which gets the signals the client passes on
(a build's writer processes with it); if the client vanishes, the group is
ended.

The socket lives in a folder closed to other users; the server also checks
each client's user id.  A client whose code differs from the server's
(``client.code_stamp``: another checkout, an upgrade, an edit) is refused and
runs its command itself; when it is the server's own code that changed on
disk, the server stops: it would answer with code that is gone.
"""

from __future__ import annotations

import gc
import io
import marshal
import os
import resource
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import suppress
from itertools import islice

from . import client
from .errors import EXIT_INDEX_UNAVAILABLE, EXIT_INTERNAL_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, SearchkitError

#: How many clients may wait for the server to take them up.
BACKLOG = 64
#: How many of the bundled articles a server analyses as it starts, to have their words' analysis at hand.
WARM_ARTICLES = 500


class ServerUnavailable(SearchkitError):
    """Another server answers on the socket, or the socket cannot be made."""

    exit_code = EXIT_INDEX_UNAVAILABLE  #: 4, as for an index that cannot be written


def serve(
    path: str | None = None, idle_seconds: float | None = None, on_ready: Callable[[str], None] | None = None
) -> None:
    """Answers clients on ``path`` (``client.socket_path()``) until SIGTERM, Ctrl-C,
    ``idle_seconds`` without a command, or a client of other code."""
    path = path or client.socket_path()
    _warm()
    listener = _listen(path)
    bound = os.stat(path)
    stamp = client.code_stamp()
    stopping: list[int] = []

    def stop(signum, _frame) -> None:
        stopping.append(signum)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGHUP)}
    gc.collect()
    gc.freeze()  # what the children inherit is never scanned by their collector: fewer pages copied on write
    children: set[int] = set()
    try:
        if on_ready:
            on_ready(path)
        last = time.monotonic()
        listener.settimeout(0.5)
        while not stopping:
            _reap(children)
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                if idle_seconds is not None and not children and time.monotonic() - last > idle_seconds:
                    break
                continue
            last = time.monotonic()
            with connection:
                server = os.getpid()
                pid = os.fork()
                if pid == 0:
                    os._exit(_child_exit_code(listener, connection, stamp, server))
                children.add(pid)
    finally:
        gc.unfreeze()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _close(listener, path, bound)


def stop_server(path: str | None = None) -> int | None:
    """Stops the server answering on ``path``: the pid it was asked to stop, None when none runs."""
    path = path or client.socket_path()
    pid = running_pid(path)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
    return pid


def _warm() -> None:
    """Loads what the forwarded commands use, builds the command line's Click
    command, and runs the analysis over the words of the articles in
    ``./corpus`` (the bundled ones, in searchkit's folder), so that a child
    starts with what a fresh process spends its first 300 ms on."""
    from . import cli, cooccur, export, kwic, search, stats, timeline, wire  # noqa: F401
    from .engine import whoosh_engine  # noqa: F401
    from .names import view  # noqa: F401
    from .printers import people, scripts  # noqa: F401

    cli.command()
    from .analysis import WORDS
    from .corpus import read_corpus

    try:
        for article in islice(read_corpus([cli.DEFAULT_CORPUS_DIR], on_reject=lambda _: None), WARM_ARTICLES):
            text = f"{article.title}\n{article.body}"
            WORDS.positions(text)
            WORDS.spellings(text)  # and the pattern of capitals it compiles
    except (OSError, SearchkitError):
        pass  # no corpus in this folder: the words are analysed as they come


def _listen(path: str) -> socket.socket:
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError as error:
        raise ServerUnavailable(f"cannot make {folder}: {error.strerror or error}") from None
    if not client.private_folder(folder):
        raise ServerUnavailable(
            f"{folder} is not a folder of yours closed to others (chmod 700 it, or set SEARCHKIT_SERVER_SOCKET)"
        )
    pid = running_pid(path)
    if pid is not None:
        raise ServerUnavailable(f"a server already answers on {path} (pid {pid}; `searchkit serve --stop` stops it)")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        if os.path.exists(path):
            os.unlink(path)  # a server that died without removing it: nothing answers there
        listener.bind(path)
        listener.listen(BACKLOG)
    except OSError as error:
        listener.close()
        raise ServerUnavailable(f"cannot listen on {path}: {error.strerror or error}") from None
    return listener


def running_pid(path: str) -> int | None:
    """The pid of the server answering on ``path``, asked over the socket; None when nothing answers."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(2)
        probe.connect(path)
        credentials = probe.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return struct.unpack("3i", credentials)[0]
    except OSError:
        return None
    finally:
        probe.close()


def _close(listener: socket.socket, path: str, bound: os.stat_result) -> None:
    """Closes the socket and removes its file, unless another server has made its own there since."""
    try:
        now = os.stat(path)
        if (now.st_dev, now.st_ino) == (bound.st_dev, bound.st_ino):
            os.unlink(path)
    except OSError:
        pass
    listener.close()


def _reap(children: set[int]) -> None:
    for pid in list(children):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            children.discard(pid)


def _child_exit_code(listener: socket.socket, connection: socket.socket, stamp: str, server: int) -> int:
    """What the forked child ends with: never does it return into the server's loop."""
    try:
        return _child(listener, connection, stamp, server)
    except BaseException:  # a bug here: said where the client reads it (or the server's stderr), then ended
        traceback.print_exc()
        return EXIT_INTERNAL_ERROR


def _child(listener: socket.socket, connection: socket.socket, stamp: str, server: int) -> int:
    """Runs one client's command in this forked child of process ``server``; the exit code it ends with."""
    listener.close()
    os.setpgid(0, 0)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        request, descriptors = _received(connection)
    except (OSError, ValueError):
        return 1  # a client gone, or not one of ours: nothing to run
    if request.get("stamp") != stamp:  # a client of other code: it runs the command itself
        with suppress(OSError):
            connection.sendall(b"stale\n")
        # The server's own code changed on disk (an upgrade, an edit): it stops answering.  (Not the
        # process that adopted this one, were the server gone; nor for a client of another checkout.)
        if os.getppid() == server and client.code_stamp() != stamp:
            os.kill(server, signal.SIGTERM)
        return 0
    try:
        _become(request, descriptors)
    except (OSError, ValueError, KeyError, TypeError):  # its folder gone, say: the client runs the command itself
        with suppress(OSError):
            connection.sendall(b"refused\n")
        return 1
    try:
        connection.sendall(b"ready\n")
    except OSError:  # the client gave up waiting (a server stopped a while), and runs the command itself
        return 1
    finished = threading.Event()
    threading.Thread(target=_pass_on_signals, args=(connection, finished), daemon=True).start()
    from .cli import main

    try:
        main()
        code = EXIT_OK
    except SystemExit as leaving:
        code = leaving.code if isinstance(leaving.code, int) else (EXIT_OK if leaving.code is None else EXIT_USAGE)
    except KeyboardInterrupt:  # past the command line's own handling of it
        code = EXIT_INTERRUPTED
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
    finished.set()
    with suppress(OSError):
        connection.sendall(f"exit {code}\n".encode())
    return code


def _received(connection: socket.socket) -> tuple[dict, list[int]]:
    """The client's request and its three descriptors; ValueError when it is not one."""
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    if struct.unpack("3i", credentials)[1] != os.getuid():
        raise ValueError("a client of another user")
    connection.settimeout(client.READY_SECONDS)
    data, descriptors, _, _ = socket.recv_fds(connection, 1 << 16, 3)
    if len(descriptors) != 3 or len(data) < client.HEADER_BYTES:
        for fd in descriptors:
            os.close(fd)
        raise ValueError("not a request")
    size = int.from_bytes(data[: client.HEADER_BYTES], "big")
    data = data[client.HEADER_BYTES :]
    while len(data) < size:
        more = connection.recv(size - len(data))
        if not more:
            raise ValueError("a request cut short")
        data += more
    connection.settimeout(None)
    try:
        request = marshal.loads(data)
    except (EOFError, TypeError) as error:
        raise ValueError(f"not a request: {error}") from None
    if not isinstance(request, dict):
        raise ValueError("not a request")
    return request, descriptors


def _become(request: dict, descriptors: list[int]) -> None:
    """Makes this child the process the client would have been: its standard
    streams, folder, environment, umask, arguments, ignored signals and
    resource limits (as far as the server's hard limits allow)."""
    for target, fd in enumerate(descriptors):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["environ"])
    os.umask(request["umask"])
    sys.argv = request["argv"]
    for signum in request["ignored"]:
        signal.signal(signum, signal.SIG_IGN)
    for name, soft in request["limits"].items():
        limit = getattr(resource, name)
        hard = resource.getrlimit(limit)[1]
        if hard != resource.RLIM_INFINITY and (soft == resource.RLIM_INFINITY or soft > hard):
            soft = hard
        resource.setrlimit(limit, (soft, hard))
    (stdin, stdin_errors), (stdout, stdout_errors), (stderr, stderr_errors) = request["encodings"]
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding=stdin, errors=stdin_errors)
    sys.stdout = io.TextIOWrapper(
        io.FileIO(1, "w", closefd=False), encoding=stdout, errors=stdout_errors, line_buffering=os.isatty(1)
    )
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding=stderr, errors=stderr_errors, line_buffering=True
    )


def _pass_on_signals(connection: socket.socket, finished: threading.Event) -> None:
    """Sends this process group each signal the client passes on (a byte each);
    when the client is gone before the command has ``finished``, ends the group."""
    passed_on = {int(signum) for signum in client.PASSED_ON}
    while True:
        try:
            data = connection.recv(16)
        except OSError:
            data = b""
        if not data:
            if not finished.is_set():
                os.killpg(0, signal.SIGTERM)
            return
        for signum in data:
            if signum in passed_on:
                os.killpg(0, signum)
