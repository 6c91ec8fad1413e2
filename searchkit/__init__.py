"""searchkit: full-text search for French news, with name-variant folding.

The library, in the order data flows: ``corpus`` (readers) → ``analysis``
(French analysis chain) → ``index`` (life cycle) → ``search`` (queries and
hits) → ``render`` (Rich and JSON output); ``cli`` is the command line.
"""

__version__ = "0.1.0"
