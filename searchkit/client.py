"""Handing a command to a running ``searchkit serve``, as Mercurial's chg hands one to its command server.

A fresh Python process spends 200-300 ms importing Whoosh, Rich, Typer and
searchkit before it reads a byte of the index, where ripgrep is done in half
that.  ``searchkit serve`` keeps those imports loaded; this module, imported
before any of them, passes the command to it: the argument list, the working
folder, the environment, the umask, the resource limits, and the descriptors
of stdin, stdout and stderr themselves (``SCM_RIGHTS``), so the server's forked child writes to the
same terminal or pipe, with the same width and colours, as the command run
here would.  Signals this process receives (Ctrl-C, a ``timeout``) are passed
on to that child's process group; its exit code is this process's.

Only what reads an index is handed over (``FORWARDED``); any doubt (no server,
one that is gone or runs other code, a closed descriptor,
``SEARCHKIT_NO_SERVER`` set) runs the command here, as if no server existed.
Standard library only, and little of it: this runs before every command.
"""

from __future__ import annotations

import os
import signal
import stat
import sys

#: The commands a server runs: those that only read an index.  ``show`` too when
#: its output is not a terminal: on one, its pager reads keys from the controlling
#: terminal, which the server's child does not have.
FORWARDED = frozenset({"search", "similar", "timeline", "kwic", "cooccur", "names", "stats", "export"})
UNPAGED = frozenset({"show"})

#: How long a server may take to take up a command before it is run here instead.
READY_SECONDS = 5.0

#: The signals that would end this process, passed on to the command's process group.
PASSED_ON = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)

#: The resource limits (``ulimit``) a command keeps when the server runs it: open files,
#: memory, file size, CPU time.
LIMITS = ("RLIMIT_NOFILE", "RLIMIT_AS", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_CPU")

HEADER_BYTES = 4  #: the length of the request, big-endian, before it


def socket_path() -> str:
    """The server's socket: ``$SEARCHKIT_SERVER_SOCKET``, else one per user in
    ``$XDG_RUNTIME_DIR/searchkit``, else in ``$TMPDIR/searchkit-UID`` (``/tmp``)."""
    given = os.environ.get("SEARCHKIT_SERVER_SOCKET")
    if given:
        return os.path.abspath(given)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = (
        os.path.join(runtime, "searchkit")
        if runtime
        else os.path.join(os.environ.get("TMPDIR") or "/tmp", f"searchkit-{os.getuid()}")
    )
    return os.path.join(folder, "server.sock")


def private_folder(folder: str) -> bool:
    """Whether ``folder`` is this user's and closed to everyone else: the only
    place a socket that runs commands as this user is looked for or made."""
    try:
        facts = os.stat(folder, follow_symlinks=False)
    except OSError:
        return False
    return facts.st_uid == os.getuid() and (facts.st_mode & 0o077) == 0 and stat.S_ISDIR(facts.st_mode)


def code_stamp() -> str:
    """What names the code a process runs: the interpreter, searchkit's folder,
    and each of its source files by size and modification time.  A server
    answers only a client of its own stamp: one started before an upgrade or
    an edit would answer with the old code."""
    package = os.path.dirname(os.path.abspath(__file__))
    parts = [sys.executable, sys.version, package]
    for folder, subfolders, files in os.walk(package):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                facts = os.stat(path)
                parts.append(f"{os.path.relpath(path, package)}:{facts.st_size}:{facts.st_mtime_ns}")
    return "\n".join(parts)


def forward(argv: list[str]) -> int | None:
    """Runs ``argv`` (``sys.argv``) in a running server and returns its exit code;
    None when it was not run there, and must be run here."""
    if len(argv) < 2 or os.environ.get("SEARCHKIT_NO_SERVER"):
        return None
    if argv[1] not in FORWARDED and not (argv[1] in UNPAGED and not os.isatty(1)):
        return None
    path = socket_path()
    if not os.path.exists(path) or not private_folder(os.path.dirname(path)):
        return None
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:
        return None  # a closed descriptor: the command line's own handling of it runs here
    import _socket  # the C module under ``socket``, whose Python layer would add 4 ms to every command

    connection = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    replies = _Lines(connection)
    try:
        connection.settimeout(READY_SECONDS)
        connection.connect(path)
        descriptors = b"".join(fd.to_bytes(4, sys.byteorder) for fd in (0, 1, 2))
        request = _request(argv)
        sent = connection.sendmsg([request], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, descriptors)])
        connection.sendall(request[sent:])  # what a full socket buffer left (an environment of some 200 KB)
        if replies.next() != b"ready":
            connection.close()
            return None  # stale code, or a server on its way out: nothing was run
    except OSError:
        connection.close()
        return None  # no server behind the socket (a stale one), or none that answered in time
    connection.settimeout(None)
    return _wait(connection, replies)


def _request(argv: list[str]) -> bytes:
    """What the server needs to run ``argv`` as this process would, marshalled
    (``marshal`` is built in: nothing more to import), after its length."""
    import marshal
    import resource

    umask = os.umask(0)
    os.umask(umask)
    header = marshal.dumps(
        {
            "argv": argv,
            "cwd": os.getcwd(),
            "environ": dict(os.environ),
            "umask": umask,
            "encodings": [[stream.encoding, stream.errors] for stream in (sys.stdin, sys.stdout, sys.stderr)],
            "ignored": [int(signum) for signum in PASSED_ON if signal.getsignal(signum) is signal.SIG_IGN],
            "limits": {name: resource.getrlimit(getattr(resource, name))[0] for name in LIMITS},
            "stamp": code_stamp(),
        }
    )
    return len(header).to_bytes(HEADER_BYTES, "big") + header


class _Lines:
    """The lines the server's child sends, read as they come."""

    def __init__(self, connection) -> None:
        self._connection = connection
        self._held = b""

    def next(self) -> bytes:
        """The next line without its end; what is left (b"" at once) when the connection ends first."""
        while b"\n" not in self._held:
            data = self._connection.recv(256)
            if not data:
                line, self._held = self._held, b""
                return line
            self._held += data
        line, self._held = self._held.split(b"\n", 1)
        return line


def _wait(connection, replies: _Lines) -> int:
    """The command's exit code, once the server's child sends it; meanwhile the
    signals that would end this process are sent on to it, a byte each."""
    from contextlib import suppress

    received: list[int] = []

    def pass_on(signum, _frame) -> None:
        received.append(signum)
        with suppress(OSError):
            connection.sendall(bytes([signum]))

    for signum in PASSED_ON:
        if signal.getsignal(signum) is not signal.SIG_IGN:  # ignored here (nohup, &): ignored there too
            signal.signal(signum, pass_on)
    line = replies.next()
    if line.startswith(b"exit "):
        return int(line[5:])
    if received:  # the child died of the signal passed on, as this process would have
        return 128 + received[-1]
    from .errors import EXIT_INTERNAL_ERROR

    print("searchkit: error: the search server ended before the command did", file=sys.stderr)
    return EXIT_INTERNAL_ERROR
