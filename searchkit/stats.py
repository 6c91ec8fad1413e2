"""What an index holds and how it was built: ``searchkit stats``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from . import generations as g
from .analysis import FRENCH_STOP_WORDS
from .engine import Engine, default_engine
from .errors import IndexUnavailable, NoIndex
from .lock import is_locked
from .models import AnalysisFacts, IndexStats
from .recorded import recorded_paths

STEMMER = "Savoy minimal French (plural, feminine, -er infinitive; words of 6+ letters)"
NAME_VARIANTS = "transliteration rules + exonym table; spellings of capitalised words"


def live_generation(index_dir: Path, engine: Engine) -> Path:
    """The live generation, ready to be read; ``IndexUnavailable`` (or a
    subclass) saying why when there is none usable."""
    generation = g.check_live(index_dir, engine)
    if generation is None:
        if is_locked(index_dir):
            raise IndexUnavailable(f"index {index_dir} is being built by another process: try again when it is done")
        raise NoIndex(index_dir)
    return generation


def index_stats(index_dir: Path, engine: Engine | None = None) -> IndexStats:
    """What the index at ``index_dir`` holds and how it was built."""
    engine = engine or default_engine()
    generation = live_generation(index_dir, engine)
    meta = g.read_meta(generation)
    with engine.reading(index_dir), engine.open(generation) as index:
        rows = list(index.live_values("date", "source_name"))
        segments = index.segment_count()
    known_dates = sorted(date for date, _ in rows if date)
    sources = Counter(source.decode() for _, source in rows if source)
    return IndexStats(
        index=str(index_dir),
        generation=generation.name,
        documents=len(rows),
        dated=len(known_dates),
        first_date=known_dates[0] if known_dates else None,
        last_date=known_dates[-1] if known_dates else None,
        sources=dict(sources.most_common()),
        bytes=g.folder_size(generation),
        segments=segments,
        created=meta.get("created"),
        updated=meta.get("updated"),
        corpus=recorded_paths(meta),
        analysis=AnalysisFacts(
            version=meta.get("analysis_version"),
            schema_version=meta.get("schema_version"),
            stop_words=len(FRENCH_STOP_WORDS),
            stemmer=STEMMER,
            name_variants=NAME_VARIANTS,
        ),
    )
