"""A timeline drawn for a paper: ``searchkit timeline --plot FILE.svg|png``.

matplotlib draws it (``pip install 'searchkit[plot]'``), imported only when a
plot is asked for: every other command starts without it.  The caption says
what a reader of the figure needs and the axes cannot: the queries (with
their names from a query set), the bucket, the corpus counted in, the range
left out and the notes.  The file is written under a temporary name and
renamed once whole.
"""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from contextlib import suppress
from pathlib import Path

from .errors import OutputUnavailable, UsageError
from .export import check_output_path
from .models import Timeline

#: What ``--plot`` can write, by the file's extension.
FORMATS = {".svg": "a vector drawing", ".png": "a picture"}
#: Pixels an inch for a PNG: sharp enough to print in a column.
PNG_DPI = 200


def check_plot_path(path: Path) -> Path:
    """``path`` when a plot can be written there: a ``UsageError`` in one line, before any work, otherwise."""
    return check_output_path("--plot", path, FORMATS)


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install 'searchkit[plot]'") from None
    matplotlib.use("Agg")  # no display: a file only
    matplotlib.rcParams["svg.fonttype"] = "none"  # an SVG's text stays text: searchable, editable for a paper
    import matplotlib.pyplot as plt

    return plt


def caption(found: Timeline) -> str:
    """The figure's caption: queries, bucket, what is counted, the corpus, what was left out."""
    queries = "; ".join(
        f"{s.name} = {s.query}" if s.name else s.query for s in found.series
    )  # the name a query set gave it, and the query it stands for
    what = "share of all the articles of the " + found.unit if found.share else "matching articles a " + found.unit
    parts = [f"Queries: {queries}.", f"Counted: {what}.", f"Corpus: {found.corpus}."]
    undated = sum(s.undated for s in found.series)
    if undated:
        parts.append(f"{undated:,} undated matching articles not drawn.")
    parts += [note[0].upper() + note[1:] + "." for note in found.notes if note.startswith("left out")]
    return " ".join(parts)


def plot_timeline(found: Timeline, path: Path) -> None:
    """Draws ``found`` to ``path`` (SVG or PNG, by its extension), a line a query."""
    check_plot_path(path)
    plt = _pyplot()
    starts = [dt.date.fromisoformat(b.start) for b in found.buckets]
    figure, axes = plt.subplots(figsize=(8, 4.8), layout="constrained")
    styles = ("-", "--", "-.", ":")  # told apart in black and white too
    for i, series in enumerate(found.series):
        values = found.shares(series) if found.share else list(series.counts)
        values = [(v or 0) * (100 if found.share else 1) for v in values]
        marker = "o" if len(starts) <= 60 else None
        axes.plot(starts, values, styles[i % 4], marker=marker, markersize=3, label=series.label)
    if not found.share:
        from matplotlib.ticker import MaxNLocator

        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("% of the articles of each " + found.unit if found.share else "articles a " + found.unit)
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    if len(found.series) > 1 or (found.series and found.series[0].name):
        axes.legend(frameon=False)
    figure.autofmt_xdate()
    figure.text(0.01, -0.02, "\n".join(textwrap.wrap(caption(found), 130)), ha="left", va="top", fontsize=7, wrap=True)
    kind = path.suffix.lower().lstrip(".")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        figure.savefig(temporary, format=kind, dpi=PNG_DPI, bbox_inches="tight", metadata=_metadata(kind))
        os.replace(temporary, path)
    except OSError as error:
        raise OutputUnavailable(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        plt.close(figure)
        with suppress(OSError):
            temporary.unlink()


def _metadata(kind: str) -> dict:
    """No creation date in an SVG: the same timeline draws the same file."""
    return {"Date": None} if kind == "svg" else {}
