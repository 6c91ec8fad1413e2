"""What a command imports: only what it uses (issue 24, cold start).

Each command runs in a fresh interpreter, which then lists the modules it
holds: a module-level import added back (numpy for every search, Rich for
``--json``, the index writers for a search) fails here, not only as a slower
``bench/coldstart.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

#: Runs the CLI as ``python -m searchkit`` does, then writes the names of the modules loaded to the file in argv[1].
_LIST_MODULES = """
import json, sys
out, args = sys.argv[1], json.loads(sys.argv[2])
sys.argv = ["searchkit", *args]
try:
    from searchkit.cli import main
    main()
finally:
    with open(out, "w") as handle:
        json.dump(sorted(sys.modules), handle)
"""

#: Modules no search loads: index time only (numpy signs duplicates, rapidfuzz and the
#: learning compare spellings, Whoosh's writers and multiprocessing write), or other commands'.
NEVER_IN_A_SEARCH = (
    "numpy",
    "rapidfuzz",
    "multiprocessing",
    "whoosh.multiproc",
    "whoosh.writing",
    "searchkit.engine.whoosh_writing",
    "searchkit.names.learning",
    "searchkit.names.decision",
    "searchkit.names.aliases",
    "searchkit.readers",
    "searchkit.corpus",
    "searchkit.indexing",
    "searchkit.explain",
    "rich.table",
    "rich.progress",
    "rich.syntax",
    "rich.markdown",
    # what whoosh.compat's urlretrieve would load (searchkit/__init__.py): http, mail, TLS
    "urllib.request",
    "http.client",
    "ssl",
    # English morphology, which whoosh.query.terms imports for its Variations
    "whoosh.lang.morph_en",
)


def loaded(tmp_path: Path, *args: str) -> set[str]:
    """The modules a fresh ``searchkit ARGS`` holds when it ends."""
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", _LIST_MODULES, str(out), json.dumps(args)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert out.exists(), done.stderr
    return set(json.loads(out.read_text()))


def test_importing_the_command_line_loads_no_library(tmp_path: Path) -> None:
    modules = loaded(tmp_path, "--version")
    assert not {m for m in modules if m.split(".")[0] in ("whoosh", "rich", "numpy", "rapidfuzz")}
    assert not {m for m in modules if m.startswith("searchkit.") and m not in ("searchkit.cli", "searchkit.errors")}


@pytest.mark.parametrize("output", [[], ["--json"]], ids=["rich", "json"])
def test_a_search_loads_neither_the_writers_nor_what_it_does_not_print(
    tmp_path: Path, seed_index: Path, output: list[str]
) -> None:
    modules = loaded(tmp_path, "search", "choigu", "--index", str(seed_index), *output)
    assert "searchkit.search" in modules and "whoosh.searching" in modules  # it did search
    assert "whoosh.compat" in modules
    assert not [m for m in NEVER_IN_A_SEARCH if m in modules]
    if output:
        assert not {m for m in modules if m.split(".")[0] == "rich"}, "--json printed through Rich"
        assert "searchkit.printers.people" not in modules
    else:
        assert "searchkit.printers.scripts" not in modules


def test_what_whoosh_imports_for_nothing_is_imported_when_called() -> None:
    """The stand-ins of ``searchkit/__init__.py``: Whoosh's modules load without them, and
    calling one imports the real function and answers as it does."""
    probe = """
import sys, searchkit
from whoosh import compat
from whoosh.query import terms
assert "urllib.request" not in sys.modules and "whoosh.lang.morph_en" not in sys.modules
found = sorted(terms.variations("rendering"))
from whoosh.lang.morph_en import variations
assert found == sorted(variations("rendering")) and "render" in found, found
assert callable(compat.urlretrieve) and compat.urlretrieve.__name__ == "urlretrieve"
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr
