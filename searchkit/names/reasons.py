"""The reasons of a pair decided apart for want of evidence, not on evidence against it.

Written by the decision (``searchkit.names.decision``) and read by a search
(``searchkit.names.table``), which imports this module alone: the decision's
imports are a good part of a cold start.
"""

NO_FIRST_NAME = "no rule joins them, and no first name"
NO_EVIDENCE = "no evidence for it"
WANT_OF_EVIDENCE = frozenset({NO_FIRST_NAME, NO_EVIDENCE})
