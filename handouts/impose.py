"""Saddle-stitch imposition: an A5 booklet onto A4 landscape sheets, two pages a side."""

import hashlib
import io

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
)

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


def _form(writer: PdfWriter, page: PageObject) -> IndirectObject:
    """The page as a Form XObject in ``writer``: its content and resources, untouched.

    Placing a page by reference is fast and exact: no content stream is parsed or rewritten
    (pypdf's merge_transformed_page parses every operator, which takes seconds a booklet).
    """
    # The page's content and resources, copied into the writer; not its links to the rest of
    # the document (page tree, annotations, structure tree), which a print sheet doesn't need.
    copy = page.clone(writer, ignore_fields=("/Parent", "/Annots", "/StructParents", "/B"))
    contents = copy.get("/Contents")
    parts = contents.get_object() if contents is not None else ArrayObject()
    streams = list(parts) if isinstance(parts, ArrayObject) else [parts]
    data = DecodedStreamObject()
    data.set_data(b"\n".join(stream.get_object().get_data() for stream in streams))
    form = data.flate_encode()
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(FloatObject(v) for v in page.mediabox),
            NameObject("/Resources"): copy.get("/Resources", DictionaryObject()),
        }
    )
    return writer._add_object(form)


def _placement(page: PageObject, left_half: bool, upside_down: bool) -> str:
    """The matrix that puts ``page`` against the fold (the sheet's centre line), centred in height.

    A5 is 148 mm wide but half of A4 is 148.5 mm: the spare half millimetre goes to the
    outer edge, so facing pages meet exactly at the fold.
    """
    box = page.mediabox
    w, h = float(box.width), float(box.height)
    x = (SHEET_W / 2 - w if left_half else SHEET_W / 2) - float(box.left)
    y = (SHEET_H - h) / 2 - float(box.bottom)
    if upside_down:  # turn the whole side 180° about the sheet's centre
        return f"-1 0 0 -1 {SHEET_W - x:.4f} {SHEET_H - y:.4f} cm"
    return f"1 0 0 1 {x:.4f} {y:.4f} cm"


def impose(booklet: bytes, *, long_edge: bool = False) -> bytes:
    """Impose an A5 booklet (page count a multiple of 4) on A4 landscape sheets for saddle stitching.

    Print the result duplex, flipping on the short edge; with `long_edge=True` every back
    side is turned 180° so that a printer that only flips on the long edge gets it right.
    """
    reader = PdfReader(io.BytesIO(booklet))
    _check(reader)
    writer = PdfWriter()
    forms = [_form(writer, page) for page in reader.pages]
    for i, (left, right) in enumerate(sheet_order(len(reader.pages))):
        sheet = writer.add_blank_page(width=SHEET_W, height=SHEET_H)
        upside_down = long_edge and i % 2 == 1
        commands = [
            f"q {_placement(reader.pages[number - 1], half, upside_down)} /P{number} Do Q"
            for number, half in ((left, True), (right, False))
        ]
        sheet[NameObject("/Resources")] = DictionaryObject(
            {
                NameObject("/XObject"): DictionaryObject(
                    {NameObject(f"/P{number}"): forms[number - 1] for number in (left, right)}
                )
            }
        )
        content = DecodedStreamObject()
        content.set_data("\n".join(commands).encode())
        sheet[NameObject("/Contents")] = writer._add_object(content.flate_encode())
    title = reader.metadata.title if reader.metadata else None
    if title:
        writer.add_metadata({"/Title": str(title)})
    # pypdf has no public setter for the trailer /ID: derive it from the input.
    file_id = ByteStringObject(hashlib.sha256(booklet).digest()[:16])
    writer._ID = ArrayObject([file_id, file_id])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
