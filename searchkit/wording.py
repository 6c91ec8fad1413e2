"""How human output words a count: ``1 article``, ``1,211 articles``.

One place, so that every summary writes its numbers the same way (thousands
separated) and never says "1 articles"; machine outputs (JSON, CSV) keep plain
numbers and never come here.
"""

from __future__ import annotations


def counted(count: int, word: str, plural: str | None = None) -> str:
    """``count`` with ``word``, singular for exactly one, ``plural`` (default: ``word`` + s) otherwise."""
    return f"{count:,} {word if count == 1 else plural or word + 's'}"
