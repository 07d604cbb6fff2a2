"""Markdown to HTML: Python-Markdown with a figure for an image that stands alone."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree  # noqa: N813 (the usual name)
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlparse

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor


class _Figures(Treeprocessor):
    """``![alt](src "caption")`` alone in a paragraph becomes <figure> with a <figcaption>."""

    def run(self, root: etree.Element) -> None:
        for paragraph in root.iter("p"):
            children = list(paragraph)
            if len(children) != 1 or children[0].tag != "img":
                continue
            if (paragraph.text or "").strip() or (children[0].tail or "").strip():
                continue
            image = children[0]
            paragraph.tag = "figure"
            caption = image.attrib.pop("title", "")
            if caption:
                figcaption = etree.SubElement(paragraph, "figcaption")
                figcaption.text = caption


class _Sources(Treeprocessor):
    """Mark the reference list under a "Bronnen" heading so it can be set smaller."""

    def run(self, root: etree.Element) -> None:
        inside = False
        for element in root:
            if element.tag in ("h2", "h3"):
                inside = "".join(element.itertext()).strip().rstrip(":").lower() == "bronnen"
                if inside:
                    element.set("class", "bronnen")
            elif inside:
                element.set("class", "bronnen-list")


class _LocalImages(Treeprocessor):
    """Relative image paths become absolute file URLs, so a text renders the same anywhere."""

    def __init__(self, md: markdown.Markdown, base: Path | None) -> None:
        super().__init__(md)
        self.base = base

    def run(self, root: etree.Element) -> None:
        if self.base is None:
            return
        for image in root.iter("img"):
            src = image.get("src", "")
            if src and not urlparse(src).scheme:
                image.set("src", (self.base / unquote(src)).resolve().as_uri())


TIPS_HEADING = "wat kan je zelf doen"


class _Tips(Treeprocessor):
    """The list under the heading "Wat kan je zelf doen?": collect its tips, mark the ticked ones.

    A ticked tip (the desk's personalised card) gets the class ``ticked``: bold, with a check.
    """

    def __init__(self, md: markdown.Markdown, ticked: frozenset[int], tips: list[str]) -> None:
        super().__init__(md)
        self.ticked = ticked
        self.tips = tips

    def run(self, root: etree.Element) -> None:
        inside = False
        for element in root:
            if element.tag in ("h2", "h3"):
                text = "".join(element.itertext()).strip().rstrip("?:").strip().lower()
                inside = text == TIPS_HEADING
            elif inside and element.tag in ("ul", "ol"):
                for index, item in enumerate(element.findall("li")):
                    self.tips.append(self._plain(item))
                    if index in self.ticked:
                        item.set("class", "ticked")
                return

    def _plain(self, element: etree.Element) -> str:
        """The text of an element, with the typographic quotes and dashes put back."""
        stash = self.md.htmlStash.rawHtmlBlocks
        text = re.sub(
            r"\x02wzxhzdk:(\d+)\x03",
            lambda m: html.unescape(str(stash[int(m.group(1))])),
            "".join(element.itertext()),
        )
        return " ".join(text.split())


class _HandoutExtension(Extension):
    def __init__(self, base: Path | None, ticked: frozenset[int] = frozenset()) -> None:
        super().__init__()
        self.base = base
        self.ticked = ticked
        self.tips: list[str] = []  # filled by the conversion

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.treeprocessors.register(_Figures(md), "figures", 5)
        md.treeprocessors.register(_Sources(md), "sources", 4)
        md.treeprocessors.register(_LocalImages(md, self.base), "local-images", 3)
        md.treeprocessors.register(_Tips(md, self.ticked, self.tips), "tips", 2)


def to_html(text: str, base: Path | None = None, ticked: Iterable[int] = ()) -> str:
    """Render a Markdown body; relative image paths resolve against ``base``.

    Headings keep their level: the templates print the title as h1. ``ticked``: the indexes
    of the tips under "Wat kan je zelf doen?" to mark (see ``tips``).
    """
    return _convert(text, _HandoutExtension(base, frozenset(ticked)))


def tips(text: str) -> tuple[str, ...]:
    """The tips listed under the heading "Wat kan je zelf doen?", as plain text, in order."""
    extension = _HandoutExtension(None)
    _convert(text, extension)
    return tuple(extension.tips)


def _convert(text: str, extension: _HandoutExtension) -> str:
    return markdown.markdown(
        text,
        extensions=["sane_lists", "attr_list", "tables", "smarty", extension],
        extension_configs={
            "smarty": {
                "substitutions": {
                    "left-single-quote": "&lsquo;",
                    "right-single-quote": "&rsquo;",
                    "left-double-quote": "&ldquo;",
                    "right-double-quote": "&rdquo;",
                }
            }
        },
        output_format="html",
    )
