"""Markdown to HTML: Python-Markdown with a figure for an image that stands alone, and the
small typographic care that older readers need (no break where a break misleads)."""

from __future__ import annotations

import copy
import html
import re
import xml.etree.ElementTree as etree  # noqa: N813 (the usual name)
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlparse

import markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, HTML_PLACEHOLDER_RE

NBSP = "\u00a0"
WORD_JOINER = "\u2060"
# smarty reads a leading "'s" as an opening quote: the elision is an apostrophe all the same
_APOSTROPHE = r"(?:['\u2018\u2019]|&[lr]squo;|&#821[67];)"
_UNITS = "%|mm|cm|m|km|g|kg|mg|ml|min|minuten|sec|seconden|uur|dagen|weken|maanden|jaar|meter|keer"
# Where a line break misleads a reader, the space becomes a no-break space:
_NO_BREAK = (
    # "'s morgens", "'t is": the clipped article belongs to its word
    (re.compile(rf"(?<![\w&;]){_APOSTROPHE}([stk])\s+(?=\w)", re.IGNORECASE), "\u2019" + rf"\1{NBSP}"),
    # "5 op 10", "0 tot 10": a score or a range stays on one line
    (re.compile(r"(\d)\s+(op|tot|van|à)\s+(\d)"), rf"\1{NBSP}\2{NBSP}\3"),
    # "0485/26 43 15": the groups of digits of a phone number stay on one line
    (re.compile(r"(?<=\d) (?=\d)"), NBSP),
    # "0 = geen pijn": a number, its sign and the first word of its meaning
    (re.compile(r"(\d)\s*=\s*(\w)"), rf"\1{NBSP}={NBSP}\2"),
    # "500 meter", "10 %": a number and its unit
    (re.compile(rf"(\d)\s+({_UNITS})\b"), rf"\1{NBSP}\2"),
    # "bil- en beenpijn": the clipped word stays with its "en" (a line may break after a
    # hyphen even before a no-break space: the word joiner forbids it)
    (re.compile(r"(\w-)\s+(en|of)\b"), rf"\1{WORD_JOINER}{NBSP}\2"),
    # French punctuation: "déborde ?", "« oui »" never start a line with the sign
    (re.compile(r"(?<=\S) ([?!:;»])"), rf"{NBSP}\1"),
    (re.compile(r"« "), f"«{NBSP}"),
    # "VAS-pijnschaal": no line ends in a hyphen, not even a compound's (a word joiner after it)
    (re.compile(r"(?<=\w)-(?=\w)"), "-" + WORD_JOINER),
)
_TAG = re.compile(r"(<[^>]*>)")


def typography(text: str) -> str:
    """Plain text (or HTML text between tags) with no-break spaces where a break misleads.

    Staff type ordinary spaces; this puts the no-break ones in, so "5 op 10" or "0 = geen
    pijn" is never split over two lines.
    """
    for pattern, replacement in _NO_BREAK:
        text = pattern.sub(replacement, text)
    return text


def typography_html(html: str) -> str:
    """``typography`` on the text of an HTML fragment, never inside its tags."""
    return "".join(part if part.startswith("<") else typography(part) for part in _TAG.split(html))


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


SOURCES_HEADING = "bronnen"
SOURCES_CLASSES = ("bronnen", "bronnen-list")  # the heading, and what follows it up to the next h2/h3


def is_sources_heading(text: str) -> bool:
    """Whether an h2 or h3 with this text opens the reference list: "Bronnen" (or "Bronnen:")."""
    return text.strip().rstrip(":").strip().lower() == SOURCES_HEADING


class _Sources(Treeprocessor):
    """Mark the reference list under a "Bronnen" heading so it can be set smaller.

    With a ``note`` (the booklet), the list is left out and the note stands in its place: one
    line that points to the article online.
    """

    def __init__(self, md: markdown.Markdown, note: str | None) -> None:
        super().__init__(md)
        self.note = note

    def run(self, root: etree.Element) -> None:
        inside = False
        sources = []
        for element in root:
            if element.tag in ("h2", "h3"):
                inside = is_sources_heading("".join(element.itertext()))
                if inside:
                    element.set("class", "bronnen")
            elif inside:
                element.set("class", "bronnen-list")
                sources.append(element)
        if self.note is not None and sources:
            position = list(root).index(sources[0])
            for element in sources:
                root.remove(element)
            note = etree.Element("p", {"class": "bronnen-note"})
            note.text = self.note
            root.insert(position, note)


class _ShiftHeadings(Treeprocessor):
    """Headings ``shift`` levels down, to nest under the page's own (the booklet's item h3)."""

    def __init__(self, md: markdown.Markdown, shift: int) -> None:
        super().__init__(md)
        self.shift = shift

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if self.shift and re.fullmatch(r"h[1-6]", element.tag):
                element.tag = f"h{min(int(element.tag[1]) + self.shift, 6)}"


class _Typography(Postprocessor):
    def run(self, text: str) -> str:
        return typography_html(text)


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


# smarty's entities, as they were typed
_TYPED = {"&lsquo;": "'", "&rsquo;": "'", "&ldquo;": '"', "&rdquo;": '"', "&ndash;": "--", "&mdash;": "---"}
_TYPED |= {"&hellip;": "...", "&laquo;": "<<", "&raquo;": ">>"}


class _Capture(Treeprocessor):
    """Keep a copy of the finished tree, with the text that Markdown stashed put back as text.

    Raw HTML is stashed as a placeholder until the HTML is written: here its tags are dropped
    and its text kept, as a reader sees it. smarty's quotes, dashes and dots are put back as
    they were typed, so that the words are the source's words.
    """

    def __init__(self, md: markdown.Markdown, into: list[etree.Element]) -> None:
        super().__init__(md)
        self.into = into

    def run(self, root: etree.Element) -> None:
        tree = copy.deepcopy(root)
        for element in tree.iter():
            element.text = self._plain(element.text)
            element.tail = self._plain(element.tail)
        self.into.append(tree)

    def _plain(self, text: str | None) -> str | None:
        if not text or "\x02" not in text:
            return text
        stash = self.md.htmlStash.rawHtmlBlocks

        def unstash(match: re.Match[str]) -> str:
            stored = stash[int(match.group(1))]
            raw = stored if isinstance(stored, str) else etree.tostring(stored, encoding="unicode")
            return _TYPED.get(raw) or html.unescape(_TAG.sub("", raw))

        text = HTML_PLACEHOLDER_RE.sub(unstash, text)
        return html.unescape(text.replace(AMP_SUBSTITUTE, "&"))


class _HandoutExtension(Extension):
    def __init__(
        self,
        base: Path | None,
        ticked: frozenset[int] = frozenset(),
        shift: int = 0,
        sources: str | None = None,
    ) -> None:
        super().__init__()
        self.base = base
        self.ticked = ticked
        self.tips: list[str] = []  # filled by the conversion
        self.shift = shift
        self.sources = sources
        self.trees: list[etree.Element] = []  # filled by the conversion, with ``capture``
        self.capture = False

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.treeprocessors.register(_Figures(md), "figures", 5)
        md.treeprocessors.register(_Sources(md, self.sources), "sources", 4)
        md.treeprocessors.register(_LocalImages(md, self.base), "local-images", 3)
        md.treeprocessors.register(_Tips(md, self.ticked, self.tips), "tips", 2)
        md.treeprocessors.register(_ShiftHeadings(md, self.shift), "shift-headings", 1)  # after tips
        if self.capture:  # after Markdown's own "unescape" (0): backslash escapes are text again
            md.treeprocessors.register(_Capture(md, self.trees), "capture", -1)
        # last: after the stashed HTML (smarty's quotes, for one) is back in the text
        md.postprocessors.register(_Typography(md), "typography", 1)


def to_html(
    text: str,
    base: Path | None = None,
    ticked: Iterable[int] = (),
    shift: int = 0,
    sources: str | None = None,
) -> str:
    """Render a Markdown body; relative image paths resolve against ``base``.

    Headings keep their level (the templates print the title as h1), or go ``shift`` levels
    down. ``ticked``: the indexes of the tips under "Wat kan je zelf doen?" to mark (see
    ``tips``). With ``sources``, the list under "Bronnen" is replaced by that one line.
    """
    return _convert(text, _HandoutExtension(base, frozenset(ticked), shift, sources))


def tips(text: str) -> tuple[str, ...]:
    """The tips listed under the heading "Wat kan je zelf doen?", as plain text, in order."""
    extension = _HandoutExtension(None)
    _convert(text, extension)
    return tuple(extension.tips)


def document(text: str) -> etree.Element:
    """The tree ``to_html`` writes out, as a reader sees it: raw HTML tags gone, their text kept.

    Nothing renders it: it is for reading the text (the report). The reference list keeps its
    classes (``SOURCES_CLASSES``) to be told apart.
    """
    extension = _HandoutExtension(None)
    extension.capture = True
    _convert(text, extension)
    return extension.trees[-1]


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
