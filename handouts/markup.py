"""Markdown to HTML: Python-Markdown with a figure for an image that stands alone."""

from __future__ import annotations

import xml.etree.ElementTree as etree  # noqa: N813 (the usual name)
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


class _HandoutExtension(Extension):
    def __init__(self, base: Path | None) -> None:
        super().__init__()
        self.base = base

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.treeprocessors.register(_Figures(md), "figures", 5)
        md.treeprocessors.register(_Sources(md), "sources", 4)
        md.treeprocessors.register(_LocalImages(md, self.base), "local-images", 3)


def to_html(text: str, base: Path | None = None) -> str:
    """Render a Markdown body; relative image paths resolve against ``base``.

    Headings keep their level: the templates print the title as h1.
    """
    return markdown.markdown(
        text,
        extensions=["sane_lists", "attr_list", "tables", "smarty", _HandoutExtension(base)],
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
