"""Booklet imposition, checked as a printer and a reader of the printed sheets would see it."""

import functools
import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader

from handouts.impose import impose

ROOT = Path(__file__).resolve().parents[1]
A4_LANDSCAPE = (841.89, 595.28)  # points
SCALE = 4 * 25.4 / 72  # 4 px per mm: A5 = 592 px, half an A4 sheet = 594 px, exactly
SIZES = [8, 12]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@functools.cache
def booklet(n: int, size: str = "A5") -> bytes:
    """A synthetic booklet: page i shows "i" in huge type, a black bar at a height set by i,
    and a black rule along its spine edge (left on odd pages, right on even ones)."""
    import weasyprint

    pages = "".join(
        f'<section><div class="spine {"odd" if i % 2 else "even"}"></div>'
        f'<div class="bar" style="top: {10 + 12 * i}mm"></div><p>{i}</p></section>'
        for i in range(1, n + 1)
    )
    html = f"""<!doctype html><html lang="en"><head><title>Test booklet</title><style>
      @page {{ size: {size}; margin: 0 }}
      body {{ margin: 0 }}
      section {{ page-break-after: always; position: relative; height: 100vh }}
      p {{ margin: 0; padding-top: 60mm; text-align: center; font: bold 200pt sans-serif }}
      .spine {{ position: absolute; top: 0; bottom: 0; width: 2mm; background: black }}
      .odd {{ left: 0 }}
      .even {{ right: 0 }}
      .bar {{ position: absolute; left: 0; width: 20mm; height: 12mm; background: black }}
    </style></head><body>{pages}</body></html>"""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        pdf = weasyprint.HTML(string=html).write_pdf()
    finally:
        logger.removeHandler(handler)
    assert not handler.records, [r.getMessage() for r in handler.records]
    return pdf


def expected(n: int) -> list[tuple[int, int]]:
    """(left, right) page numbers per output side, straight from the imposition rule."""
    sides = []
    for k in range(n // 4):
        sides += [(n - 2 * k, 2 * k + 1), (2 * k + 2, n - 2 * k - 1)]
    return sides


def render(pdf: bytes) -> list[Image.Image]:
    doc = pdfium.PdfDocument(pdf)
    return [doc[i].render(scale=SCALE).to_pil().convert("RGB") for i in range(len(doc))]


def halves(sheet: Image.Image, page_width: int) -> tuple[Image.Image, Image.Image]:
    """The two A5 pages of a rendered sheet: they meet at the fold, the sheet's centre line."""
    fold, height = sheet.width // 2, sheet.height
    return (
        sheet.crop((fold - page_width, 0, fold, height)),
        sheet.crop((fold, 0, fold + page_width, height)),
    )


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference of the worst colour channel, 0..255."""
    assert a.size == b.size
    return max(ImageStat.Stat(ImageChops.difference(a, b)).mean)


def assert_shows(half: Image.Image, pages: list[Image.Image], number: int) -> None:
    """`half` looks like source page `number` and unlike every other page."""
    diffs = {i: difference(half, page) for i, page in enumerate(pages, start=1)}
    assert diffs[number] < 2, f"half differs from page {number}: {diffs}"
    others = {i: d for i, d in diffs.items() if i != number}
    assert min(others.values()) > 5, f"half also looks like another page: {diffs}"


def numbers_on_halves(pdf: bytes) -> list[tuple[int, int]]:
    """The page number a reader finds on the left and right half of every output page."""
    doc = pdfium.PdfDocument(pdf)
    found = []
    for i in range(len(doc)):
        width, height = doc[i].get_size()
        text = doc[i].get_textpage()
        left = text.get_text_bounded(0, 0, width / 2, height)
        right = text.get_text_bounded(width / 2, 0, width, height)
        found.append((int(left.strip()), int(right.strip())))
    return found


@pytest.mark.parametrize("n", SIZES)
def test_sheets_are_a4_landscape_with_half_as_many_pages(n: int) -> None:
    reader = PdfReader(io.BytesIO(impose(booklet(n))))
    assert len(reader.pages) == n // 2
    for page in reader.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_LANDSCAPE, abs=0.5)
    assert reader.metadata is not None and reader.metadata.title == "Test booklet"


@pytest.mark.parametrize("long_edge", [False, True])
@pytest.mark.parametrize("n", SIZES)
def test_text_on_each_half(n: int, long_edge: bool) -> None:
    # Turning a side by 180° keeps its text but swaps which half it is on.
    sides = [
        (right, left) if long_edge and i % 2 else (left, right) for i, (left, right) in enumerate(expected(n))
    ]
    assert numbers_on_halves(impose(booklet(n), long_edge=long_edge)) == sides


@pytest.mark.parametrize("n", SIZES)
def test_each_half_looks_like_its_source_page(n: int) -> None:
    pages = render(booklet(n))
    for sheet, (left, right) in zip(render(impose(booklet(n))), expected(n), strict=True):
        shown_left, shown_right = halves(sheet, pages[0].width)
        assert_shows(shown_left, pages, left)
        assert_shows(shown_right, pages, right)


@pytest.mark.parametrize("long_edge", [False, True])
@pytest.mark.parametrize("n", SIZES)
def test_facing_pages_meet_at_the_fold(n: int, long_edge: bool) -> None:
    # A5 is 148 mm wide, half an A4 sheet 148.5 mm: the spare goes to the outer edges.
    # The spine rules of both pages must touch the centre line, with no gap between.
    for i, sheet in enumerate(render(impose(booklet(n), long_edge=long_edge)), start=1):
        fold = sheet.width // 2
        strip = sheet.crop((fold - 4, 0, fold + 4, sheet.height)).convert("L")
        assert ImageStat.Stat(strip).extrema[0][1] < 64, f"light pixels at the fold of output page {i}"


@pytest.mark.parametrize("n", SIZES)
def test_long_edge_flip_shows_what_short_edge_flip_shows(n: int) -> None:
    # A long-edge flip turns every back side 180° relative to a short-edge flip, so
    # once the printer has flipped, the reader must see the short-edge sheets again.
    pages = render(booklet(n))
    short = render(impose(booklet(n)))
    long = render(impose(booklet(n), long_edge=True))
    for i, (s, lo, (left, right)) in enumerate(zip(short, long, expected(n), strict=True)):
        seen = lo.transpose(Image.Transpose.ROTATE_180) if i % 2 else lo
        assert difference(seen, s) < 1, f"output page {i + 1}"
        shown_left, shown_right = halves(seen, pages[0].width)
        assert_shows(shown_left, pages, left)
        assert_shows(shown_right, pages, right)
    assert difference(long[1], short[1]) > 10  # the back sides really are turned


@pytest.mark.parametrize("long_edge", [False, True])
@pytest.mark.parametrize("n", SIZES)
def test_folded_stack_reads_1_to_n(n: int, long_edge: bool) -> None:
    # Print duplex, stack the sheets with sheet 0 outside and fronts facing out, fold.
    # The outer leaf is sheet 0's front-right (page 1); turning a leaf shows its
    # reverse, and with a short-edge flip the reverse of a right half is the back's
    # left half. So the first half of the booklet is, per sheet going inwards,
    # front-right then back-left. The centre spread is the innermost back side; from
    # there on, each back-right is followed by the front-left behind it, with the
    # sheets going outwards again, ending at sheet 0's front-left (the back cover).
    # A long-edge flip turns the back 180°: its halves swap before the reader sees them.
    found = numbers_on_halves(impose(booklet(n), long_edge=long_edge))
    fronts = found[0::2]
    backs = [(b, a) if long_edge else (a, b) for a, b in found[1::2]]
    order = []
    for (_, front_right), (back_left, _) in zip(fronts, backs, strict=True):
        order += [front_right, back_left]
    for (front_left, _), (_, back_right) in reversed(list(zip(fronts, backs, strict=True))):
        order += [back_right, front_left]
    assert order == list(range(1, n + 1))


@pytest.mark.parametrize("n", [1, 2, 6, 10])
def test_page_count_not_a_multiple_of_4_is_refused(n: int) -> None:
    with pytest.raises(ValueError, match="multiple of 4"):
        impose(booklet(n))


def test_pages_that_are_not_a5_are_refused() -> None:
    with pytest.raises(ValueError, match="not A5"):
        impose(booklet(4, "A4"))


def test_output_is_byte_identical_across_runs_and_processes(tmp_path: Path) -> None:
    source = tmp_path / "booklet.pdf"
    source.write_bytes(booklet(8))
    first = impose(booklet(8))
    assert impose(booklet(8)) == first
    script = (
        "import sys; from pathlib import Path; from handouts.impose import impose; "
        "sys.stdout.buffer.write(impose(Path(sys.argv[1]).read_bytes()))"
    )
    other = subprocess.run(
        [sys.executable, "-c", script, str(source)],
        cwd=ROOT,
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    ).stdout
    assert other == first
    info = PdfReader(io.BytesIO(first)).metadata
    assert info is not None
    assert "/CreationDate" not in info and "/ModDate" not in info
