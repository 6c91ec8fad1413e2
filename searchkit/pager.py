"""Paging what ``show`` prints on a terminal, as git pages its output.

The pager is ``$SEARCHKIT_PAGER``, else ``$PAGER``, else ``less``; an empty
one, or ``cat``, pages nothing.  ``LESS=FRX`` is set when ``LESS`` is not (R
shows the styles instead of raw escape codes, F quits at once on a text that
fits, X leaves it on the screen), ``LV=-c`` when ``LV`` is not.  A text that
fits the screen is written as it is: no pager to quit for five lines.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import IO

#: What the shell answers for a command it cannot find (127) or run (126).
_NOT_RUN = (126, 127)


def pager_command() -> str | None:
    """The pager's shell command, or None for none."""
    command = os.environ.get("SEARCHKIT_PAGER", os.environ.get("PAGER", "less"))
    return None if command.strip() in ("", "cat") else command


def page(text: str, rows: int, stream: IO[str] | None = None) -> None:
    """Writes ``text`` to ``stream`` (a terminal ``rows`` lines high), through the
    pager when it has more lines than the screen.  A pager that cannot be run
    (the shell has said why on stderr) leaves the text written as it is."""
    stream = stream or sys.stdout
    command = pager_command()
    if command is None or text.count("\n") < rows:
        stream.write(text)
        return
    stream.flush()
    environment = {"LESS": "FRX", "LV": "-c"} | dict(os.environ)
    pager = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=environment)
    try:
        with pager.stdin as into:
            into.write(text.encode(getattr(stream, "encoding", None) or "utf-8", "replace"))
    except BrokenPipeError:  # quit before the end (q in less): what it did not show is not wanted
        pass
    while True:  # Ctrl-C is the pager's (less stops a search with it): leaving it running would break the terminal
        try:
            code = pager.wait()
            break
        except KeyboardInterrupt:
            continue
    if code in _NOT_RUN:
        stream.write(text)
