"""``python -m searchkit`` and the ``searchkit`` command.

The command line is imported here, inside the guard: a Ctrl-C that lands
while Python is still importing it is one ``interrupted`` line and exit 130,
as anywhere else, never a traceback.
"""

import sys


def run() -> None:
    try:
        from .cli import main
    except KeyboardInterrupt:
        print("searchkit: interrupted", file=sys.stderr)
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
