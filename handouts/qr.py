"""QR codes as inline vector SVG, sized and placed to scan from a worn, folded page.

Every code is printed ``BOX_MM`` wide, its quiet zone included (``.qr`` in styles/common.css):
the symbol itself is 24.6 mm or more. Its modules (the small squares) stay at ``MIN_MODULE_MM``
or more, which is where the address limit comes from; the error-correction level is Q, or H
when the address fits the same size at H, and M only for an address so long that Q would
make the modules finer than ``ROBUST_MODULE_MM``.

``keep_off_folds`` moves the QR block of an A4 page off the lines where a handout is folded
in half or in thirds: a crease through a code kills it.

No heavy imports here: the address limit is read when content is checked.
"""

from __future__ import annotations

import functools
from typing import Any

from markupsafe import Markup

BOX_MM = 34.0  # the printed width of every code, quiet zone included
QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks
MIN_MODULE_MM = 0.5  # finer modules fail when printed on an office printer or read at 100 dpi
ROBUST_MODULE_MM = 0.6  # from here up, a code takes level Q or H
FOLDS_MM = (99.0, 148.5, 198.0)  # an A4 page folded in thirds, or in half
FOLD_CLEARANCE_MM = 5.0  # no part of a code (quiet zone included) nearer to a fold line
A4_MM = (210.0, 297.0)

# Bytes an address may have at each error-correction level, for versions 1 to 15 (the QR
# standard, ISO/IEC 18004, byte mode; tests/test_qr.py checks them against qrcode's tables).
CAPACITY = {
    "M": (14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412),
    "Q": (11, 20, 32, 46, 60, 74, 86, 108, 130, 151, 177, 203, 241, 258, 292),
    "H": (7, 14, 24, 34, 44, 58, 64, 84, 98, 119, 137, 155, 177, 194, 220),
}
PX_TO_MM = 25.4 / 96


def module_mm(version: int, box_mm: float = BOX_MM) -> float:
    """The printed size of one module of a code of ``version`` in a box of ``box_mm``."""
    return box_mm / (4 * version + 17 + 2 * QUIET_ZONE)


def version_for(size: int, level: str) -> int | None:
    """The smallest version that holds ``size`` bytes at ``level`` (None: none in the table)."""
    return next((v for v, room in enumerate(CAPACITY[level], 1) if room >= size), None)


def address_limit(box_mm: float = BOX_MM) -> int:
    """The longest address (bytes) whose code keeps modules of ``MIN_MODULE_MM`` in ``box_mm``."""
    fine = [room for v, room in enumerate(CAPACITY["M"], 1) if module_mm(v, box_mm) >= MIN_MODULE_MM]
    return fine[-1] if fine else 0


URL_LIMIT = address_limit()


def level_for(size: int, box_mm: float = BOX_MM) -> tuple[str, int]:
    """The error-correction level and version of the code for an address of ``size`` bytes.

    Level Q at its smallest version while its modules stay at ``ROBUST_MODULE_MM`` or more, H
    instead when the address fits that version at H too (more correction, same module size);
    else M. Choosing H at a larger version would shrink the modules, which blur does not forgive.
    """
    version = version_for(size, "Q")
    if version is not None and module_mm(version, box_mm) >= ROBUST_MODULE_MM:
        return ("H" if CAPACITY["H"][version - 1] >= size else "Q"), version
    return "M", version_for(size, "M") or len(CAPACITY["M"])


@functools.cache
def qr_svg(url: str, alt: str) -> Markup:
    """An inline <svg> for ``url`` that scales to its box (``BOX_MM``, set in CSS).

    ``alt`` is its alternative text (the SVG's <title>, which tagged PDFs carry as /Alt).

    Each row's dark modules are drawn as runs, one rectangle per run: a few hundred path
    commands instead of thousands, which keeps PDFs small and rendering fast.
    """
    import qrcode
    from qrcode.util import MODE_8BIT_BYTE, QRData

    data = url.encode()
    level, version = level_for(len(data))
    levels = {"M": qrcode.constants.ERROR_CORRECT_M, "Q": qrcode.constants.ERROR_CORRECT_Q}
    code = qrcode.QRCode(
        version=version,
        error_correction=levels.get(level, qrcode.constants.ERROR_CORRECT_H),
        border=QUIET_ZONE,
    )
    code.add_data(QRData(data, mode=MODE_8BIT_BYTE))  # byte mode: the capacities above hold
    code.make(fit=True)  # the version above, or larger for an address over the limit
    matrix = code.get_matrix()  # includes the quiet zone
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return Markup(
        f'<svg class="qr" viewBox="0 0 {size} {size}" xmlns="http://www.w3.org/2000/svg" '
        f'shape-rendering="crispEdges" role="img"><title>{Markup.escape(alt)}</title>'
        f'<path d="{"".join(runs)}" fill="#000"/></svg>'
    )


def fold_shift_mm(codes: list[tuple[float, float]], room_mm: float, foot: bool = False) -> float | None:
    """How far (mm, 0 or more) to move a block down so that none of its ``codes`` (top and
    bottom, mm from the top of the page) comes within ``FOLD_CLEARANCE_MM`` of a fold line;
    at most ``room_mm``: the least such move, or with ``foot`` the greatest (the block as near
    the foot of the page as the folds allow). None when no such move exists."""

    def clear(shift: float) -> bool:
        return all(
            top + shift >= fold + FOLD_CLEARANCE_MM or bottom + shift <= fold - FOLD_CLEARANCE_MM
            for top, bottom in codes
            for fold in FOLDS_MM
        )

    candidates = [0.0, room_mm] + [
        shift
        for top, bottom in codes
        for fold in FOLDS_MM
        for shift in (fold + FOLD_CLEARANCE_MM - top, fold - FOLD_CLEARANCE_MM - bottom)
    ]
    fitting = [s for s in candidates if 0 <= s <= room_mm and clear(s)]
    return (max if foot else min)(fitting, default=None)


def keep_off_folds(document: Any) -> None:
    """Move each A4 page's QR block (``.links``) down, into the room left at the foot of the
    page, until no code lies on a fold line; a block styled ``--qr-place: foot`` (large-print
    cards, styles/large.css) moves to the foot of its page. ``document`` is a rendered
    WeasyPrint document; its pages are changed in place (nothing is laid out again)."""
    from weasyprint.document import Page

    for index, page in enumerate(document.pages):
        size = (page.width * PX_TO_MM, page.height * PX_TO_MM)
        if any(abs(a - b) > 1 for a, b in zip(size, A4_MM, strict=True)):
            continue  # the booklet's A5 pages fold only at the spine, far from any code
        page_box = page._page_box
        bottom = page_box.content_box_y() + page_box.height
        moved = False
        for block in _qr_blocks(page_box):
            codes = [
                (box.content_box_y() * PX_TO_MM, (box.content_box_y() + box.height) * PX_TO_MM)
                for box in block.descendants()
                if _classes(box) and "qr" in _classes(box)
            ]
            room = (bottom - block.position_y - block.margin_height()) * PX_TO_MM
            shift = fold_shift_mm(codes, max(room - 0.1, 0.0), _at_foot(block))
            if codes and shift:
                _move_down(block, shift / PX_TO_MM)
                moved = True
        if moved:  # links and bookmarks are gathered from the boxes: gather them again
            document.pages[index] = Page(page_box)


def _classes(box: Any) -> list[str]:
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None and hasattr(element, "get") else []


def _at_foot(block: Any) -> bool:
    """Whether the stylesheets place this QR block at the foot of its page (``--qr-place: foot``)."""
    return any(getattr(token, "value", None) == "foot" for token in block.style["__qr_place"] or ())


def _qr_blocks(page_box: Any) -> list[Any]:
    return [box for box in page_box.descendants() if "links" in _classes(box)]


def _move_down(block: Any, dy: float) -> None:
    """Move a laid-out block and everything in it ``dy`` px down, backgrounds included (the
    layout places those apart from the boxes: the codes' white quiet zones, a panel's tint)."""
    block.translate(0, dy)

    def down(area: Any) -> Any:
        return area if isinstance(area, str) else (area[0], area[1] + dy, *area[2:])

    for box in block.descendants():
        background = getattr(box, "background", None)
        if background is not None:
            layers = [
                layer._replace(
                    painting_area=down(layer.painting_area),
                    positioning_area=down(layer.positioning_area),
                    clipped_boxes=[down(clip) for clip in layer.clipped_boxes],
                )
                for layer in background.layers
            ]
            box.background = background._replace(layers=layers)
