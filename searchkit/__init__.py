"""searchkit: full-text search for French news, with name-variant folding.

The library, in the order data flows: ``corpus`` (readers) → ``analysis``
(French analysis chain) → ``indexing`` (builds and updates, with ``lock``,
``generations`` and the ``variants`` table) → ``engine`` (the seam, and the
Whoosh engine behind it) → ``query`` (the query language) → ``search``
(ranked, highlighted hits, a ``Searcher`` to open and close) and ``stats`` →
``models``, ``wire`` and ``printers`` (output); ``cli`` is the command line.
"""

__version__ = "0.1.0"


class _StandInFinder:
    """Imports ``importer`` with a stand-in for ``dependency`` whose ``names`` import the
    real module when called.  Whoosh imports, for functions searchkit never calls:
    ``urllib.request`` in ``whoosh.compat``, which every part of Whoosh imports (it loads
    http.client, email and ssl: 45-70 ms of every search's start), and English
    morphology in ``whoosh.query.terms`` (``morph_en`` compiles its rules: 6-8 ms).
    Hooked on the import of ``importer`` (a command that needs no Whoosh loads none);
    the stand-in is gone once ``importer`` holds its names."""

    def __init__(self, importer: str, dependency: str, names: tuple[str, ...]) -> None:
        self.importer, self.dependency, self.names = importer, dependency, names

    def find_spec(self, name: str, path=None, target=None):
        import sys

        if name != self.importer:
            return None
        sys.meta_path.remove(self)
        if self.dependency in sys.modules:
            return None
        import types
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        real_exec = spec.loader.exec_module
        dependency, names = self.dependency, self.names

        def exec_module(module) -> None:
            stand_in = types.ModuleType(dependency, f"{name}'s {', '.join(names)}, imported when called")
            for called in names:
                setattr(stand_in, called, _deferred(dependency, called))
            sys.modules[dependency] = stand_in
            try:
                real_exec(module)
            finally:
                if sys.modules.get(dependency) is stand_in:
                    del sys.modules[dependency]

        spec.loader.exec_module = exec_module
        return spec


def _deferred(module: str, name: str):
    """``module.name``, imported at its first call."""

    def call(*args, **kwargs):
        from importlib import import_module

        return getattr(import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    return call


def _hook_whoosh_imports() -> None:
    import sys

    for importer, dependency, names in (
        ("whoosh.compat", "urllib.request", ("urlretrieve",)),
        ("whoosh.query.terms", "whoosh.lang.morph_en", ("variations",)),
    ):
        if importer not in sys.modules:
            sys.meta_path.insert(0, _StandInFinder(importer, dependency, names))


_hook_whoosh_imports()
