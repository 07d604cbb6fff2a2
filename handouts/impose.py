"""Saddle-stitch imposition: an A5 booklet onto A4 landscape sheets, two pages a side."""

import hashlib
import io

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import ArrayObject, ByteStringObject

MM = 72 / 25.4
SHEET_W, SHEET_H = 297 * MM, 210 * MM  # A4 landscape, in points
A5_W, A5_H = 148 * MM, 210 * MM
TOLERANCE = 1.0  # points; PDF writers round sizes differently


def sheet_order(n: int) -> list[tuple[int, int]]:
    """The (left, right) 1-based page numbers of each output side, in print order."""
    sides = []
    for k in range(n // 4):
        sides.append((n - 2 * k, 2 * k + 1))  # front of sheet k
        sides.append((2 * k + 2, n - 2 * k - 1))  # back of sheet k
    return sides


def _check(reader: PdfReader) -> None:
    n = len(reader.pages)
    if n == 0 or n % 4:
        raise ValueError(f"booklet has {n} pages; saddle stitching needs a multiple of 4")
    for number, page in enumerate(reader.pages, start=1):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        a5 = abs(w - A5_W) <= TOLERANCE and abs(h - A5_H) <= TOLERANCE
        if not a5 or page.rotation % 360:
            raise ValueError(f"page {number} is {w:.1f} x {h:.1f} pt, not A5 portrait")


def _place(sheet: PageObject, page: PageObject, left_half: bool, upside_down: bool) -> None:
    """Put `page` against the fold (the sheet's centre line), vertically centred.

    A5 is 148 mm wide but half of A4 is 148.5 mm: the spare half millimetre goes to the
    outer edge, so facing pages meet exactly at the fold.
    """
    box = page.mediabox
    w, h = float(box.width), float(box.height)
    x = SHEET_W / 2 - w if left_half else SHEET_W / 2
    y = (SHEET_H - h) / 2
    ctm = Transformation().translate(x - float(box.left), y - float(box.bottom))
    if upside_down:  # turn the whole side 180° about the sheet's centre
        ctm = ctm.rotate(180).translate(SHEET_W, SHEET_H)
    sheet.merge_transformed_page(page, ctm)


def impose(booklet: bytes, *, long_edge: bool = False) -> bytes:
    """Impose an A5 booklet (page count a multiple of 4) on A4 landscape sheets for saddle stitching.

    Print the result duplex, flipping on the short edge; with `long_edge=True` every back
    side is turned 180° so that a printer that only flips on the long edge gets it right.
    """
    reader = PdfReader(io.BytesIO(booklet))
    _check(reader)
    writer = PdfWriter()
    for i, (left, right) in enumerate(sheet_order(len(reader.pages))):
        sheet = writer.add_blank_page(width=SHEET_W, height=SHEET_H)
        upside_down = long_edge and i % 2 == 1
        _place(sheet, reader.pages[left - 1], True, upside_down)
        _place(sheet, reader.pages[right - 1], False, upside_down)
        sheet.compress_content_streams()
    title = reader.metadata.title if reader.metadata else None
    if title:
        writer.add_metadata({"/Title": str(title)})
    # pypdf has no public setter for the trailer /ID: derive it from the input.
    file_id = ByteStringObject(hashlib.sha256(booklet).digest()[:16])
    writer._ID = ArrayObject([file_id, file_id])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
