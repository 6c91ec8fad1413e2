"""searchkit: full-text search for French news, with name-variant folding.

The library, in the order data flows: ``corpus`` (readers) → ``analysis``
(French analysis chain) → ``index`` (life cycle, with the ``variants`` table)
→ ``query`` and ``matching`` (the query language) → ``search`` (ranked,
highlighted hits) → ``render`` (Rich and JSON output); ``cli`` is the command
line.
"""

__version__ = "0.1.0"
