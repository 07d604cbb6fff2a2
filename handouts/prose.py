"""A Markdown body as the prose a reader reads: blocks and sentences, each with its source line.

The body is read from the tree that ``markup`` renders (``markup.document``), not parsed again:
headings, paragraphs, list items and table rows are blocks; code is not prose; the "Bronnen"
reference list is left out by the classes ``markup`` gives it. Markdown keeps no line numbers,
so each block's words are found again, in order, in the source lines.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree  # noqa: N813 (the usual name)
from collections.abc import Iterator
from dataclasses import dataclass

HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
SKIPPED = frozenset({"pre", "hr", "script", "style"})  # code is not prose
BLOCK_TAGS = frozenset({*HEADINGS, "p", "ul", "ol", "pre", "blockquote", "table", "figure", "hr", "div"})
WORD_RE = re.compile(r"\w+")


@dataclass(frozen=True)
class Block:
    """A heading, paragraph or list item as plain text, with the file line of each part."""

    kind: str  # "heading", "paragraph" or "item"
    text: str
    starts: tuple[tuple[int, int], ...]  # (offset in text, line in the file), in order

    @property
    def line(self) -> int:
        return self.starts[0][1]

    def line_at(self, offset: int) -> int:
        return next((line for start, line in reversed(self.starts) if start <= offset), self.line)


def blocks(body: str, first_line: int) -> list[Block]:
    """The body's headings, paragraphs and list items, without the "Bronnen" reference list."""
    from .markup import document

    lines = _SourceWords(body, first_line)
    found = []
    for kind, raw in _blocks_in(document(body)):
        text = " ".join(raw.split())
        if text:
            found.append(Block(kind, text, lines.starts(text)))
    return found


def _blocks_in(parent: etree.Element) -> Iterator[tuple[str, str]]:
    from .markup import SOURCES_CLASSES

    for element in parent:
        if element.get("class") not in SOURCES_CLASSES:
            yield from _blocks_of(element)


def _blocks_of(element: etree.Element) -> Iterator[tuple[str, str]]:
    tag = element.tag
    if tag in HEADINGS:
        yield "heading", _text(element)
    elif tag in ("p", "figure"):  # a figure reads as its caption
        yield "paragraph", _text(element)
    elif tag == "li":
        yield from _list_item(element)
    elif tag == "tr":  # a table row reads as one sentence
        cells = (" ".join(_text(cell).split()) for cell in element)
        yield "item", "; ".join(cell for cell in cells if cell)
    elif tag not in SKIPPED:  # lists, quotes, tables: what they hold
        yield from _blocks_in(element)


def _list_item(item: etree.Element) -> Iterator[tuple[str, str]]:
    """A list item's own text is an item; a paragraph of a loose list item is one too, then text."""
    own = _text(item, skip=BLOCK_TAGS)
    if own.strip():
        yield "item", own
    for child in item:
        if child.tag not in BLOCK_TAGS:
            continue
        if child.tag == "p" and not own.strip():
            own = _text(child)
            yield "item", own
        else:
            yield from _blocks_of(child)


def _text(element: etree.Element, skip: frozenset[str] = frozenset()) -> str:
    """The words of an element as printed; an image reads as its caption (its title)."""
    parts = [element.text or "", element.get("title", "") if element.tag == "img" else ""]
    for child in element:
        if child.tag not in skip and child.tag not in SKIPPED:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


class _SourceWords:
    """The words of the source, each with its line, to find a block's words again in order."""

    def __init__(self, body: str, first_line: int) -> None:
        self.words: list[tuple[str, int]] = [
            (match.group().lower(), number)
            for number, line in enumerate(body.splitlines(), start=first_line)
            for match in WORD_RE.finditer(html.unescape(line))
        ]
        self.cursor = 0
        self.line = first_line

    def starts(self, text: str) -> tuple[tuple[int, int], ...]:
        """(offset, line) where the text moves to another source line; the first at offset 0."""
        tokens = list(WORD_RE.finditer(text))
        self._anchor([token.group().lower() for token in tokens[:4]])
        starts: list[tuple[int, int]] = []
        for token in tokens:
            line = self._find(token.group().lower())
            if not starts or line != starts[-1][1]:
                starts.append((text.rfind(" ", 0, token.start()) + 1 if starts else 0, line))
        return tuple(starts) or ((0, self.line),)

    def _anchor(self, first: list[str]) -> None:
        """Move to where the block's first words stand together (not to an earlier stray word)."""
        for start in range(self.cursor, len(self.words)):
            if self.words[start][0] != (first or [""])[0]:
                continue
            window = [word for word, _ in self.words[start : start + 2 * len(first) + 4]]
            position = 0
            for word in window:
                if position < len(first) and word == first[position]:
                    position += 1
            if position == len(first):
                self.cursor = start
                return

    def _find(self, word: str) -> int:
        """The line of the word's next occurrence; where it is not found, the line so far."""
        for index in range(self.cursor, len(self.words)):
            if self.words[index][0] == word:
                self.cursor = index + 1
                self.line = self.words[index][1]
                return self.line
        return self.line


# A sentence ends at . ! ? or … (and closing quotes or brackets) before a space and a capital,
# a digit or an opening quote; "bv. een" and "1.5" go on.
_CLOSE, _OPEN = "\"'\u201d\u2019)\\]", "\"'\u201c\u2018(\\["
SENTENCE_END_RE = re.compile(rf"[.!?…]+[{_CLOSE}]*(?=\s+[{_OPEN}]?[A-ZÀ-Ý0-9])|[.!?…]+[{_CLOSE}]*\s*$")
# A full stop after these does not end a sentence ("Dr. Peeters"); nor after an initial ("J. Smith").
ABBREVIATIONS = frozenset(
    {
        *("bv", "bijv", "vb", "nl", "o.a", "d.w.z", "m.a.w", "i.p.v", "t.o.v"),
        *("dr", "mr", "mevr", "prof", "nr", "st", "ca", "incl", "e.g", "i.e", "vs"),
    }
)


def sentences_of(block: Block) -> list[tuple[str, int]]:
    """A block's sentences, each with the file line where it starts. A heading is one sentence."""
    if block.kind == "heading":
        return [(block.text, block.line)]
    found = []
    start = 0
    for match in SENTENCE_END_RE.finditer(block.text):
        before = block.text[start : match.start()].rsplit(None, 1)
        last_word = before[-1].lower() if before else ""
        at_end = match.end() >= len(block.text.rstrip())
        if (
            not at_end
            and match.group().startswith(".")
            and (last_word in ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word))
        ):
            continue  # "Dr. Jansen", "J. Smith": not the end of a sentence
        found.append((start, match.end()))
        start = match.end()
    if block.text[start:].strip():
        found.append((start, len(block.text)))
    result = []
    for begin, end in found:
        text = block.text[begin:end]
        offset = begin + len(text) - len(text.lstrip())
        if text.strip():
            result.append((text.strip(), block.line_at(offset)))
    return result
