"""The JSON shapes of everything searchkit prints, in one place.

Every command's ``--json``, ``--jsonl`` and ``--csv`` output is built from
these: one hit shape, one article shape, and one span shape everywhere,
``{"start", "end", "text"}`` with character offsets into the stored title or
body.  The README documents them once.
"""

from __future__ import annotations

from dataclasses import asdict

from . import models as m
from .articles import Rejection

#: The fields of a hit, in order; ``--fields`` chooses among them.
HIT_FIELDS = (
    "rank",
    "id",
    "title",
    "date",
    "source",
    "url",
    "origin",
    "score",
    "partial",
    "title_highlights",
    "snippets",
    "explanation",
    "copies",
)


def span(text: str, where: m.Span) -> dict:
    return {"start": where[0], "end": where[1], "text": text[where[0] : where[1]]}


def snippet(part: m.Snippet) -> dict:
    """A passage of the body; its highlights are offsets into the body, like every span."""
    offset = part.start
    return {
        "text": part.text,
        "start": part.start,
        "end": part.end,
        "highlights": [{"start": a, "end": b, "text": part.text[a - offset : b - offset]} for a, b in part.highlights],
    }


def hit(found: m.Hit, fields: tuple[str, ...] | None = None) -> dict:
    """One hit, all its fields or only ``fields``."""
    record = {
        "rank": found.rank,
        **_facts(found),
        "score": round(found.score, 4) if found.score is not None else None,
        "partial": found.partial,
        "title_highlights": [span(found.title, s) for s in found.title_highlights],
        "snippets": [snippet(s) for s in found.snippets],
    }
    if found.shared:
        record["shared_words"] = list(found.shared)
    if found.copies:  # the ids of its near-duplicates, hidden from the list
        record["copies"] = list(found.copies)
    if found.explanation:
        record["explanation"] = [
            {
                "part": part.part,
                "score": round(part.score, 4),
                "matches": [_word_match(m) for m in part.matches],
            }
            for part in found.explanation
        ]
    return {f: record.get(f, [] if f == "copies" else None) for f in fields} if fields else record


def _word_match(match: m.WordMatch) -> dict:
    """``{"word", "kind", "count"}``, and for a variant its ``source``: rule, alias or learned."""
    shown = {"word": match.word, "kind": match.kind, "count": match.count}
    if match.source is not None:
        shown["source"] = match.source
    return shown


def spellings(counts) -> list[dict]:
    """Where a count comes from: ``[{"word", "articles": {spelling as written: articles}}]``."""
    return [{"word": c.word, "articles": dict(c.counts)} for c in counts]


def result(found: m.SearchResult, fields: tuple[str, ...] | None = None) -> dict:
    """A ranked list: ``query`` for a search, ``similar_to`` for ``similar`` (the other null);
    ``collapsed_total`` when near-duplicates were collapsed (``total`` counting each group once)."""
    shown = {
        "query": found.query,
        "similar_to": found.similar_to,
        "total": found.total,
        "total_estimated": found.total_estimated,
        "offset": found.offset,
        "suggestions": [{"query": s.query, "hits": s.hits} for s in found.suggestions],
        "notes": list(found.notes),
        "spellings": spellings(found.spellings),
        "hits": [hit(h, fields) for h in found.hits],
    } | ({"facets": facets(found.facets)} if found.facets is not None else {})
    if found.collapsed_total is not None:
        shown["collapsed_total"] = found.collapsed_total
    return shown


def _facts(item: m.Hit | m.ArticleView) -> dict:
    """What a hit and a whole article share: the article's stored facts."""
    return {
        "id": item.id,
        "title": item.title,
        "date": item.date,
        "source": item.source,
        "url": item.url,
        "origin": item.origin,
    }


def article(view: m.ArticleView) -> dict:
    return {
        **_facts(view),
        "body": view.body,
        "title_highlights": [span(view.title, s) for s in view.title_highlights],
        "body_highlights": [span(view.body, s) for s in view.body_highlights],
    }


#: The fields of an exported article, in order: the JSON Lines reader's own (an export
#: re-imports), then the query's words as the article wrote them.
EXPORT_FIELDS = ("id", "title", "date", "source", "url", "matched", "body")


def exported_article(found: m.ExportedArticle) -> dict:
    """An article of ``searchkit export``: ``id``, ``title``, ``body``, ``date``, ``source``, ``url``
    as ``searchkit index`` reads them, and ``matched`` (a list), which it ignores."""
    return {name: list(found.matched) if name == "matched" else getattr(found, name) for name in EXPORT_FIELDS}


def rejection(problem: Rejection) -> dict:
    return {"file": problem.path, "line": problem.line, "reason": problem.reason}


def _fields(item: object, *names: str) -> dict:
    """``{name: item.name}`` for each of ``names``: a shape that is its model's fields as they are."""
    return {name: getattr(item, name) for name in names}


def index_report(report: m.IndexReport) -> dict:
    return {
        "index": report.index_dir,
        **_fields(report, "mode", "added", "updated", "removed", "unchanged", "kept", "not_named", "skipped"),
        "rejected": [rejection(r) for r in report.rejected],
        "truncated": [rejection(r) for r in report.truncated],
        "warnings": [rejection(r) for r in report.warnings],
        "skipped_unknown": report.unknown,
        "documents": report.documents,
        "seconds": round(report.seconds, 3),
        "docs_per_second": round(report.docs_per_second, 1),
        "index_bytes": report.index_bytes,
    }


def index_stats(stats: m.IndexStats) -> dict:
    return asdict(stats)


def check_report(report: m.CheckReport) -> dict:
    return {**asdict(report), "healthy": report.healthy}


def watch_batch(batch: m.WatchBatch) -> dict:
    """One batch of ``index --watch``: the ``index --json`` shape, with the batch number and files read and gone."""
    return {"batch": batch.batch, "files": batch.files, "gone": batch.gone, **index_report(batch.report)}


#: The fields of a saved search, in order.
WATCHLIST_COLUMNS = ("name", "query", "since", "until", "source", "created", "checked")


def watch_entry(entry: m.WatchEntry) -> dict:
    return _fields(entry, *WATCHLIST_COLUMNS)


def alert(found: m.Alert, fields: tuple[str, ...] | None = None) -> dict:
    """A saved search's new articles: its name, the indexing times they lie
    between, then the list-of-hits shape (``query`` is the saved query)."""
    return {
        "name": found.name,
        "indexed_after": found.since,
        "indexed_until": found.until,
        "error": found.error,
        **result(found.result, fields),
    }


def alerts(found: list[m.Alert], fields: tuple[str, ...] | None = None) -> dict:
    return {"alerts": [alert(a, fields) for a in found]}


# --- research views: a table of rows each (--csv, --jsonl), inside one document (--json) -----

#: The columns of each view's rows, in order.
TIMELINE_COLUMNS = ("bucket", "start", "end", "query", "count", "articles", "share", "name")
KWIC_COLUMNS = ("docname", "date", "from", "to", "pre", "keyword", "post", "pattern", "field", "start", "end")
COOCCUR_COLUMNS = (
    *("name", "key", "articles", "share", "corpus_articles", "corpus_estimated", "lift", "spellings"),
    "query",  #: the query's name in a query set, else the query
)
FACET_COLUMNS = ("facet", "value", "count")


def timeline_rows(found: m.Timeline) -> list[dict]:
    """A row a (bucket, query), buckets in date order, queries in the order given;
    then a row ``undated`` a query that matched undated articles."""
    rows = []
    shares = [found.shares(series) for series in found.series]
    for i, bucket in enumerate(found.buckets):
        for series, share in zip(found.series, shares, strict=True):
            rows.append(
                {
                    "bucket": bucket.label,
                    "start": bucket.start,
                    "end": bucket.end,
                    "query": series.query,
                    "count": series.counts[i],
                    "articles": found.articles[i],
                    "share": round(share[i], 6) if share[i] is not None else None,
                    "name": series.name,
                }
            )
    for series in found.series:
        if series.undated:
            rows.append(
                {"bucket": "undated", "start": None, "end": None, "query": series.query, "count": series.undated}
                | {"articles": None, "share": None, "name": series.name}
            )
    return rows


def timeline(found: m.Timeline) -> dict:
    queries = []
    for series in found.series:
        queries.append(
            {
                "query": series.query,
                "name": series.name,
                "total": series.total,
                "undated": series.undated,
                "trimmed": series.trimmed,
                "spellings": spellings(series.spellings),
                "peak": _peak(found, series),
            }
        )
    return {
        "unit": found.unit,
        "share": found.share,
        "corpus": found.corpus,
        "queries": queries,
        "trimmed": [{"first": a, "last": b, "articles": n} for a, b, n in found.trimmed],
        "notes": list(found.notes),
        "rows": timeline_rows(found),
    }


def _peak(found: m.Timeline, series: m.Series) -> dict | None:
    """The peak bucket, its count, and that count as a share of the query's matching
    articles (``of_query``) and of all the articles of the bucket (``of_bucket``)."""
    peak = found.peak(series)
    if not peak:
        return None
    bucket, count = peak
    everything = found.articles[found.buckets.index(bucket)]
    return {
        "bucket": bucket.label,
        "count": count,
        "of_query": round(count / series.total, 6) if series.total else None,
        "of_bucket": round(count / everything, 6) if everything else None,
    }


#: A concordance line's attribute for each column that quanteda names otherwise.
_KWIC_ATTRIBUTES = {"docname": "id", "from": "first", "to": "last"}


def kwic_line(line: m.KwicLine) -> dict:
    """quanteda's ``kwic`` columns (``docname`` is the article's id), then the field and character offsets."""
    return {column: getattr(line, _KWIC_ATTRIBUTES.get(column, column)) for column in KWIC_COLUMNS}


def concordance_head(found: m.Concordance) -> dict:
    """What a concordance's JSON says before its ``lines``: known before any is found."""
    return {
        "query": found.query,
        "articles": found.articles,
        "spellings": spellings(found.spellings),
        "limit": found.limit,
        "sort": found.sort,
    }


def concordance_tail(found: m.Concordance) -> dict:
    """What a concordance's JSON says after its ``lines``: final once they are read."""
    return {
        "read": found.read,
        "occurrences": found.occurrences,
        "complete": found.complete,
        "notes": list(found.notes),
    }


def co_name(name: m.CoName, read: int) -> dict:
    """``articles`` and ``share`` are of the matching articles read (``Cooccurrence.read``)."""
    return {
        "name": name.name,
        "key": name.key,
        "articles": name.articles,
        "share": round(name.articles / read, 6) if read else None,
        "corpus_articles": name.corpus_articles,
        "corpus_estimated": name.corpus_estimated,
        "lift": round(name.lift, 3),
        "spellings": [{"spelling": s, "count": c} for s, c in name.spellings],
    }


def cooccurrence_rows(found: m.Cooccurrence) -> list[dict]:
    """A row a name, labelled with its query's name (in a query set) or its query."""
    return [co_name(n, found.read) | {"query": found.name or found.query} for n in found.names]


def cooccurrence(found: m.Cooccurrence) -> dict:
    return {
        "query": found.query,
        "articles": found.articles,
        "spellings": spellings(found.spellings),
        "read": found.read,
        "corpus": found.corpus,
        "found": found.found,
        "limit": found.limit,
        "min_articles": found.min_articles,
        "sort": found.sort,
        "name": found.name,
        "notes": list(found.notes),
        "names": [co_name(n, found.read) for n in found.names],
        **({"edges": [edge(e) for e in found.edges]} if found.edges else {}),
    }


#: The columns of an edge list (``cooccur --edges FILE.csv``), as Gephi and igraph read them.
EDGE_COLUMNS = ("source", "target", "weight")


def edge(found: m.Edge) -> dict:
    return {"source": found.source, "target": found.target, "weight": found.weight}


def facets(found: list[m.Facet]) -> dict:
    """``{"source": [{"value", "count"}, ...], "month": [...]}``; ``value`` null for articles with none."""
    return {f.name: [{"value": c.value, "count": c.count} for c in f.counts] for f in found}


def facet_rows(found: list[m.Facet]) -> list[dict]:
    return [{"facet": f.name, "value": c.value, "count": c.count} for f in found for c in f.counts]


def name_spellings(found: m.NameSpellings) -> dict:
    """``{"query", "exact", "words": [{"word", "exact", "name", "matched", "unnamed", "spellings":
    [{"spelling", "written", "articles", "in_phrase", "source", "links"}], "rejected", "stem":
    {"read", "left_out": [{"written", "articles"}]}}]}``; ``matched``, the articles the word (or
    its phrase) matches, ``unnamed`` how many of them hold none of its spellings as a name;
    ``in_phrase``, for a word of a phrase, the phrase's articles holding the spelling (else
    null); ``links`` lists, for alias and learned spellings, the merges that brought them with
    their evidence; ``stem``, whether the word's stem is searched (for its ordinary uses) and the
    other names sharing it that are not."""
    return {
        "query": found.query,
        "exact": found.exact,
        "words": [
            {
                "word": w.word,
                "exact": w.exact,
                "name": w.name,
                "matched": w.matched,
                "unnamed": w.unnamed,
                "spellings": [
                    {
                        "spelling": s.spelling,
                        "written": s.written,
                        "articles": s.articles,
                        "in_phrase": s.in_phrase,
                        "source": s.source,
                        "links": list(s.links),
                    }
                    for s in w.spellings
                ],
                "rejected": list(w.rejected),
                "stem": {"read": w.stem_read, "left_out": [{"written": n, "articles": a} for n, a in w.stem_left_out]},
            }
            for w in found.words
        ],
    }
