"""searchkit: full-text search for French news, with name-variant folding.

The library, in the order data flows: ``corpus`` (readers) → ``analysis``
(French analysis chain) → ``indexing`` (builds and updates, with ``lock``,
``generations`` and the ``variants`` table) → ``engine`` (the seam, and the
Whoosh engine behind it) → ``query`` (the query language) → ``search``
(ranked, highlighted hits, a ``Searcher`` to open and close) and ``stats`` →
``models``, ``wire`` and ``printers`` (output); ``cli`` is the command line.
"""

__version__ = "0.1.0"


class _WhooshCompatFinder:
    """Imports ``whoosh.compat``, which every part of Whoosh imports, with a stand-in for
    ``urllib.request``: it takes ``urlretrieve`` from there, which loads http.client, email
    and ssl, 45-70 ms of every search's start, for a function Whoosh never calls.  Hooked on
    the import of ``whoosh.compat`` (a command that needs no Whoosh loads none); the
    stand-in is gone once Whoosh holds its name, and calling it imports the real one."""

    def find_spec(self, name: str, path=None, target=None):
        import sys

        if name != "whoosh.compat":
            return None
        sys.meta_path.remove(self)
        if "urllib.request" in sys.modules:
            return None
        import types
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        real_exec = spec.loader.exec_module

        def exec_module(module) -> None:
            stand_in = types.ModuleType("urllib.request", "whoosh.compat's urlretrieve, imported when called")
            stand_in.urlretrieve = _urlretrieve
            sys.modules["urllib.request"] = stand_in
            try:
                real_exec(module)
            finally:
                if sys.modules.get("urllib.request") is stand_in:
                    del sys.modules["urllib.request"]

        spec.loader.exec_module = exec_module
        return spec


def _urlretrieve(*args, **kwargs):
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _hook_whoosh_compat() -> None:
    import sys

    if "whoosh.compat" not in sys.modules:
        sys.meta_path.insert(0, _WhooshCompatFinder())


_hook_whoosh_compat()
