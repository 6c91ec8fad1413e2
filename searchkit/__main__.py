"""``python -m searchkit`` and the ``searchkit`` command.

A command that only reads an index goes first to a running ``searchkit
serve`` (``client.forward``), before anything heavy is imported.  Otherwise
the command line is imported here, inside the guard: a Ctrl-C that lands
while Python is still importing it is one ``interrupted`` line and exit 130,
as anywhere else, never a traceback.
"""

import gc
import sys


def run() -> None:
    try:
        from .client import forward

        code = forward(sys.argv)
        if code is not None:
            sys.exit(code)
        from .cli import main
    except KeyboardInterrupt:
        print("searchkit: interrupted", file=sys.stderr)
        sys.exit(130)
    try:
        main()
    finally:
        # The command's work is done and written (its output flushed, its files closed):
        # the interpreter's last collection need not walk all it made, 35-50 ms of a search.
        gc.freeze()


if __name__ == "__main__":
    run()
