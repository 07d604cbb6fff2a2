"""Nothing printed off the paper: every laid-out page is read back before a PDF is written.

Text or a drawing (an image, a QR code, a coloured panel, a border) that reaches beyond the
page, or into the strip along its edge that a guillotine trims and office printers hardly
print (``TRIM_MM``), is an error on the item, named by its file and, where the text can be
found in it, its line. The stylesheets wrap what can be wrapped (long words, code blocks), so
ordinary content never gets here; a style that places text off the page does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .models import Problem

PX_PER_MM = 96 / 25.4
# The strip along each edge that must stay empty: the 3 mm a print shop's guillotine may cut
# (the usual bleed, ``@page { bleed: 3mm }``), about what an office printer leaves unprinted.
# Text is measured by its font's box (ascent to descent, without the line's leading), so ink
# stays a little further in. The stylesheets' page margins are 13 mm and more: only what a
# style moves, or what cannot wrap, gets here. (Large-print article footers, three lines in
# the 24 mm bottom margin, come closest: their last line's box ends 3.0 mm above the edge.)
TRIM_MM = 3.0
EDGES = ("left", "top", "right", "bottom")


@dataclass(frozen=True)
class OffPage:
    """One thing found too near the edge of a page, or beyond it."""

    page: int  # 1-based
    what: str  # "text" or "a drawing"
    text: str  # the text run (for a drawing: empty)
    context: str  # all the text of its element (a heading, a paragraph, a panel), if any
    edge: str  # "left", "top", "right", "bottom"
    mm: float  # how far past the safe area (TRIM_MM inside the edge)
    element: int = 0  # which element it belongs to (the same number for the same element)

    @property
    def beyond(self) -> bool:
        """Past the paper itself, not only into the trim margin."""
        return self.mm > TRIM_MM


def off_page(document: Any) -> list[OffPage]:
    """Everything visible on the pages of a WeasyPrint document that leaves the safe area."""
    found = []
    for number, page in enumerate(document.pages, 1):
        box = page._page_box
        trim = TRIM_MM * PX_PER_MM
        safe = (trim, trim, box.margin_width() - trim, box.margin_height() - trim)
        for what, text, element, rect in _marks(box):
            worst = _past(rect, safe)
            if worst is not None:
                edge, px = worst
                context = _text_of(element)
                found.append(OffPage(number, what, text, context, edge, px / PX_PER_MM, id(element)))
    return found


def off_page_problems(document: Any, blame: Callable[..., tuple[str, int | None]]) -> list[Problem]:
    """An error for each element with text or a drawing off the paper (or into its trim
    margin), at the first place found. ``blame(run, element_text)`` names the file and line
    that hold the text."""
    problems: dict[int, Problem] = {}
    for found in off_page(document):
        if found.element in problems:
            continue
        shown = " ".join((found.context or found.text).split())
        what = f"{found.what} '{shown if len(shown) <= 40 else shown[:40] + '…'}'" if shown else found.what
        if found.beyond:
            where = f"runs off the page: {found.mm - TRIM_MM:.0f} mm past its {found.edge} edge"
        else:
            where = f"comes within {TRIM_MM - found.mm:.1f} mm of the page's {found.edge} edge"
        message = f"{what} {where} (page {found.page}; keep {TRIM_MM:.0f} mm free)"
        problems[found.element] = Problem(*blame(" ".join(found.text.split()), shown), message, OFF_PAGE_HINT)
    return list(problems.values())


OFF_PAGE_HINT = (
    "a style in content/theme.css that places, moves or sizes text (position, transform, width, "
    "margin) may put it there; otherwise break up what is too wide"
)


def _past(
    rect: tuple[float, float, float, float], safe: tuple[float, float, float, float]
) -> tuple[str, float] | None:
    """The edge a rectangle (left, top, right, bottom) crosses most, and by how much (px)."""
    x0, y0, x1, y1 = rect
    left, top, right, bottom = safe
    overs = (left - x0, top - y0, x1 - right, y1 - bottom)
    worst = max(range(4), key=lambda i: overs[i])
    return (EDGES[worst], overs[worst]) if overs[worst] > 0.5 else None  # half a pixel: rounding


Mark = tuple[str, str, Any, tuple[float, float, float, float]]  # what, text, element, rectangle


def _marks(page_box: Any) -> Iterator[Mark]:
    """What a page prints: each text run, image, and box with a background or border, where it
    lands on the page (moved, turned or scaled by a CSS ``transform`` as it is drawn)."""
    from weasyprint.anchors import rectangle_aabb

    for box, matrix in _boxes(page_box, None):
        if box is page_box or box.style["visibility"] != "visible":
            continue
        for what, text, element, (x0, y0, x1, y1) in _box_marks(box):
            yield what, text, element, rectangle_aabb(matrix, x0, y0, x1 - x0, y1 - y0)


def _boxes(box: Any, matrix: Any) -> Iterator[tuple[Any, Any]]:
    """A box and its descendants, each with the transform it is drawn with (None: none).

    WeasyPrint keeps each box's own ``transform`` as a matrix (set when the page is made); a
    box is drawn with its own, then its ancestors', as ``weasyprint.anchors`` composes them."""
    box = getattr(box, "_box", box)  # an absolutely placed box stands in the tree as a placeholder
    own = getattr(box, "transformation_matrix", None)
    if own is not None:
        matrix = own if matrix is None else own @ matrix
    yield box, matrix
    for child in getattr(box, "children", ()):
        yield from _boxes(child, matrix)


def _box_marks(box: Any) -> Iterator[Mark]:
    """What one box prints, where its layout put it."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        if box.text.strip() and box.width > 0:  # the font's box of the text, without the leading
            x, y = box.content_box_x(), box.content_box_y()
            yield "text", box.text, box.element, (x, y, x + box.width, y + box.height)
    elif isinstance(box, boxes.ReplacedBox):
        yield from _painted(box, full=True)
    elif box.element_tag not in ("html", "body"):
        yield from _painted(box, full=_has_background(box))


def _painted(box: Any, full: bool) -> Iterator[Mark]:
    """The rectangles a box paints: all of its border box (an image, a background), or only
    the strips of its visible borders."""
    from weasyprint.draw.color import get_color

    x0, y0 = box.border_box_x(), box.border_box_y()
    x1, y1 = x0 + box.border_width(), y0 + box.border_height()
    if x1 <= x0 or y1 <= y0:
        return
    if full:
        yield "a drawing", "", box.element, (x0, y0, x1, y1)
        return
    for side in EDGES:
        width = getattr(box, f"border_{side}_width", 0) or 0
        if width <= 0 or get_color(box.style, f"border_{side}_color").alpha == 0:
            continue
        strip = {
            "left": (x0, y0, x0 + width, y1),
            "top": (x0, y0, x1, y0 + width),
            "right": (x1 - width, y0, x1, y1),
            "bottom": (x0, y1 - width, x1, y1),
        }[side]
        yield "a drawing", "", box.element, strip


def _has_background(box: Any) -> bool:
    """A box that paints a background: a colour or an image."""
    background = getattr(box, "background", None)
    return background is not None and (
        background.color.alpha > 0 or any(layer.image for layer in background.layers)
    )


def _text_of(element: Any) -> str:
    if element is None or not hasattr(element, "itertext"):
        return ""
    return " ".join("".join(element.itertext()).split())


def overflow_mm(document: Any) -> float:
    """How much too long the content is, in millimetres: what spilled onto the pages after the
    first, less the room still free at the foot of the first page (a block that cannot be split,
    like the QR codes, moves whole and leaves that room behind)."""

    def extent(page: Any) -> tuple[float, float, float]:
        root = page._page_box.children[0]  # the <html> box; the rest are margin boxes
        top = bottom = root.content_box_y()
        for box in root.descendants():
            # <html> and <body> continued on the next page reach down to its foot: skip them
            if box.element_tag not in ("html", "body") and getattr(box, "position_y", None) is not None:
                bottom = max(bottom, box.position_y + box.margin_height())
        return top, bottom, page._page_box.content_box_y() + page._page_box.height

    spilled = sum(bottom - top for top, bottom, _ in map(extent, document.pages[1:]))
    _, used, end = extent(document.pages[0])
    return max(spilled - max(end - used, 0.0), 1.0) / PX_PER_MM
