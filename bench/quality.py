"""Quality metrics: name-variant recall/precision, confusable leaks, PIAF ranking.

Rules, identical for every engine (printed under the tables too):

* truth: an article contains a spelling when the spelling is one of its
  capitalised tokens, by the regex of bench/clusters.json's ``method``
  (exact, case-sensitive), over title and body; a cluster's truth is the
  articles containing any of its spellings.
* relevant (precision): a retrieved article is relevant to a cluster when it
  is in the truth, or its text folded (unidecode, lower case) has a word
  starting with one of the folded spellings less a final s (so ``poutinien``,
  ``taiwanais``, ``ouïgoure`` or a lower-case ``zelensky`` count).
* leak: querying ``a`` retrieves an article that contains ``b`` (truth rule)
  but no word ``a`` (folded, whole word: strict, so ``Slovaque`` retrieved for
  ``Slovaquie`` is a leak).  Both directions of every pair.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable

from unidecode import unidecode

#: The tokenizer of bench/clusters.json ("method"): capitalised tokens.
TOKEN = re.compile(r"\b[^\W\d_][^\W\d_'’-]*\b")

RULES = (
    "truth = articles with a spelling as an exact token (clusters.json regex); "
    "precision counts as relevant any article with a word starting with a folded spelling less a final s; "
    "leak = query a retrieves an article with token b and no folded word a (both directions)"
)

Search = Callable[[str], list[str]]


def fold(text: str) -> str:
    return unidecode(text).lower()


class Truth:
    """Which of the indexed articles contain which spellings."""

    def __init__(self, texts: dict[str, str], spellings: Iterable[str]) -> None:
        self.texts = texts
        wanted = set(spellings)
        self.exact: dict[str, set[str]] = {s: set() for s in wanted}
        for doc_id, text in texts.items():
            for token in wanted.intersection(TOKEN.findall(text)):
                self.exact[token].add(doc_id)
        self._folded: dict[str, str] = {}
        self._patterns: dict[tuple[tuple[str, ...], bool], re.Pattern[str]] = {}

    def any_of(self, spellings: Iterable[str]) -> set[str]:
        return set().union(*(self.exact[s] for s in spellings))

    def mentions(self, doc_id: str, spellings: Iterable[str], prefix: bool) -> bool:
        """Whether the folded text has one of the folded spellings as a whole word, or
        (``prefix``) a word starting with one, less a final s."""
        key = (tuple(spellings), prefix)
        if key not in self._patterns:
            alternatives = "|".join(re.escape(fold(s).removesuffix("s") if prefix else fold(s)) for s in key[0])
            self._patterns[key] = re.compile(rf"\b(?:{alternatives})" + ("" if prefix else r"\b"))
        if doc_id not in self._folded:
            self._folded[doc_id] = fold(self.texts[doc_id])
        return self._patterns[key].search(self._folded[doc_id]) is not None


def name_scores(search: Search, groups: list[dict], truth: Truth) -> dict:
    """Micro-averaged recall and precision, one query per (cluster, spelling).

    Clusters with no article among the indexed ones are skipped.
    """
    wanted = found = retrieved = relevant = 0
    queries = []
    for group in groups:
        spellings = group["spellings"]
        expected = truth.any_of(spellings)
        if not expected:
            continue
        for spelling in spellings:
            got = set(search(spelling))
            hits = got & expected
            extra = sum(1 for d in got - expected if truth.mentions(d, spellings, prefix=True))
            wanted += len(expected)
            found += len(hits)
            retrieved += len(got)
            relevant += len(hits) + extra
            queries.append(
                {
                    "cluster": group["name"],
                    "query": spelling,
                    "truth": len(expected),
                    "retrieved": len(got),
                    "found": len(hits),
                    "relevant": len(hits) + extra,
                }
            )
    return {
        "recall": found / wanted if wanted else None,
        "precision": relevant / retrieved if retrieved else None,
        "queries": queries,
    }


def leak_scores(search: Search, pairs: list[dict], truth: Truth) -> dict:
    """Articles with only ``b`` retrieved by the query ``a``, both ways round."""
    total = 0
    details = []
    for pair in pairs:
        for a, b in ((pair["a"], pair["b"]), (pair["b"], pair["a"])):
            candidates = truth.exact[b] - truth.exact[a]
            if not candidates:
                continue
            leaked = [d for d in set(search(a)) & candidates if not truth.mentions(d, [a], prefix=False)]
            total += len(leaked)
            if leaked:
                details.append({"query": a, "other": b, "leaked": len(leaked), "of": len(candidates)})
    return {"leaks": total, "pairs": details}


def ranking_scores(search: Search, queries: list[dict]) -> dict:
    """nDCG@10, MRR@10 and recall@100, averaged over the queries (binary relevance)."""
    ndcg = mrr = recall = 0.0
    for query in queries:
        relevant = set(query["relevant"])
        ranked = search(query["question"])[:100]
        gains = [1.0 / math.log2(rank + 2) for rank, d in enumerate(ranked[:10]) if d in relevant]
        ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(len(relevant), 10)))
        ndcg += sum(gains) / ideal
        first = next((rank for rank, d in enumerate(ranked[:10], 1) if d in relevant), None)
        mrr += 1.0 / first if first else 0.0
        recall += len(relevant.intersection(ranked)) / len(relevant)
    n = len(queries) or 1
    return {"ndcg@10": ndcg / n, "mrr@10": mrr / n, "recall@100": recall / n, "queries": len(queries)}
