"""searchkit: full-text search for French news, with name-variant folding.

The library, in the order data flows: ``corpus`` (readers) → ``analysis``
(French analysis chain) → ``indexing`` (builds and updates, with ``lock``,
``generations`` and the ``variants`` table) → ``engine`` (the seam, and the
Whoosh engine behind it) → ``query`` (the query language) → ``search``
(ranked, highlighted hits, a ``Searcher`` to open and close) and ``stats`` →
``models``, ``wire`` and ``printers`` (output); ``cli`` is the command line.
"""

__version__ = "0.1.0"
