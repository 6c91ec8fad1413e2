"""A small HTML tree on the standard library's parser, and the text of an element.

Enough for markup a program wrote (Europresse's exports, a feed's content):
elements, their classes, their text, the line each starts on.  Saved web
pages, written by hand and by CMSes, go through trafilatura instead.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
#: Elements whose text is a paragraph of its own.
BLOCKS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote section article header footer table tr pre figure "
    "figcaption".split()
)
SKIPPED = frozenset(("script", "style", "template", "noscript"))


@dataclass
class Element:
    """An element of a parsed page: its tag, classes, line, and children (elements and text)."""

    tag: str
    classes: frozenset[str] = frozenset()
    line: int = 1
    children: list[Element | str] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)

    def iter(self) -> Iterator[Element]:
        """This element and every element under it, in document order."""
        stack: list[Element] = [self]
        while stack:
            element = stack.pop()
            yield element
            stack.extend(reversed([c for c in element.children if isinstance(c, Element)]))

    def find(self, *classes: str, tag: str | None = None) -> Element | None:
        """The first element under this one with one of ``classes`` (and of ``tag``, if given)."""
        return next(self.find_all(*classes, tag=tag), None)

    def find_all(self, *classes: str, tag: str | None = None) -> Iterator[Element]:
        wanted = frozenset(classes)
        for element in self.iter():
            if element is not self and (not wanted or element.classes & wanted) and tag in (None, element.tag):
                yield element

    def text(self) -> str:
        """The element's text: paragraphs apart by a blank line, spaces within them collapsed."""
        parts: list[str] = []
        _collect(self, parts)
        paragraphs = (" ".join(p.split()) for p in "".join(parts).split("\n"))
        return "\n\n".join(p for p in paragraphs if p)


def _collect(element: Element, parts: list[str]) -> None:
    if element.tag in SKIPPED:
        return
    block = element.tag in BLOCKS
    if block:
        parts.append("\n")
    for child in element.children:
        if isinstance(child, str):
            parts.append(child)
        else:
            _collect(child, parts)
    if block:
        parts.append("\n")


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.open: list[Element] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        element = Element(tag, frozenset(values.get("class", "").split()), self.getpos()[0], attrs=values)
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        # An end tag closes its element and any left open inside it; a stray one is ignored.
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def parse_html(text: str) -> Element:
    """The tree of an HTML document or fragment."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


_TAG = re.compile(r"<[a-zA-Z/!]")


def html_text(fragment: str) -> str:
    """The text of an HTML fragment (a feed's content), or of plain text as it is."""
    if not _TAG.search(fragment):
        return html.unescape(fragment).strip()
    return parse_html(fragment).text()
