"""Names: which spellings of a name a query searches, and why.

The machinery in one place, handed to the engine as data (``engine.NameSpellings``):
``keys`` (transliteration rules and exonyms: what proposes), ``learning`` (pairs of
adjacent names and the merges first names support), ``evidence`` and ``decision``
(every proposed pair decided on the articles), ``aliases`` (the user's file, which
wins), ``table`` (the decisions kept beside each commit, and the lookup a query
makes) and ``view`` (``searchkit names`` and the counts by spelling).
"""
