"""The names' network of a ``cooccur`` list, for network tools: ``cooccur QUERY --edges FILE``.

``.csv``: an edge list, ``source,target,weight`` (RFC 4180, UTF-8), as Gephi's
spreadsheet import, igraph's ``read.csv`` + ``graph_from_data_frame`` and
networkx's ``read_edgelist`` take it.  ``.gexf``: GEXF 1.3 for Gephi, an
undirected graph whose nodes carry each name's matching articles, index
articles and lift, and whose edges carry their weight: the matching articles
read naming both names.  Written under a temporary name, renamed once whole
(``export.output_file``).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO
from xml.sax.saxutils import quoteattr

from . import wire
from .cooccur import EDGE_NAMES
from .export import check_output_path
from .models import Cooccurrence

#: What ``--edges`` can write, by the file's extension.
FORMATS = {".csv": "an edge list", ".gexf": "Gephi"}


def check_edges_path(path: Path) -> Path:
    """``path`` when an edge list can be written there; a ``UsageError`` in one line, before any work."""
    return check_output_path("--edges", path, FORMATS)


def write_edges(found: Cooccurrence, path: Path) -> int:
    """Writes the network of ``found`` to ``path`` (by its extension); the edges written."""
    from .export import output_file

    with output_file(path) as stream:
        if path.suffix.lower() == ".gexf":
            write_gexf(found, stream)
        else:
            write_csv(found, stream)
    return len(found.edges)


def write_csv(found: Cooccurrence, stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=wire.EDGE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(wire.edge(e) for e in found.edges)


def write_gexf(found: Cooccurrence, stream: IO[str]) -> None:
    """GEXF 1.3: a node a listed name (its label the name, its id its key), an edge a pair."""
    listed = {n.name: n for n in found.names}
    nodes = dict.fromkeys(n.name for n in found.names[:EDGE_NAMES])  # every listed name, linked or not
    ids = {name: f"n{i}" for i, name in enumerate(nodes)}
    w = stream.write
    w('<?xml version="1.0" encoding="UTF-8"?>\n')
    w('<gexf xmlns="http://gexf.net/1.3" version="1.3">\n')
    w(f"  <meta>\n    <creator>searchkit cooccur</creator>\n    <description>{_text(_describe(found))}")
    w("</description>\n  </meta>\n")
    w('  <graph mode="static" defaultedgetype="undirected">\n')
    w('    <attributes class="node">\n')
    w('      <attribute id="articles" title="matching articles" type="integer"/>\n')
    w('      <attribute id="corpus_articles" title="index articles" type="integer"/>\n')
    w('      <attribute id="lift" title="lift" type="double"/>\n')
    w("    </attributes>\n    <nodes>\n")
    for name in nodes:
        n = listed[name]
        w(f"      <node id={quoteattr(ids[name])} label={quoteattr(name)}>\n        <attvalues>\n")
        w(f'          <attvalue for="articles" value="{n.articles}"/>\n')
        w(f'          <attvalue for="corpus_articles" value="{n.corpus_articles}"/>\n')
        w(f'          <attvalue for="lift" value="{round(n.lift, 3)}"/>\n')
        w("        </attvalues>\n      </node>\n")
    w("    </nodes>\n    <edges>\n")
    for i, e in enumerate(found.edges):
        w(f'      <edge id="e{i}" source="{ids[e.source]}" target="{ids[e.target]}" weight="{e.weight}"/>\n')
    w("    </edges>\n  </graph>\n</gexf>\n")


def _describe(found: Cooccurrence) -> str:
    return (
        f"Names named together in the {found.read:,} articles read of the {found.articles:,} matching "
        f"{found.query!r}; an edge weighs the articles naming both."
    )


def _text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
