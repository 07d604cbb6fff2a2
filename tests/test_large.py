"""Large print that reads well, read back from the PDFs of ``build --variant large``.

Every label of a drawing and every address under a QR code prints at 14 pt or more; a card
takes two pages at most, fills its first page down to the footer, leaves no heading at a page
bottom and never a page with only the QR block. Sizes are a character's font size times its
text matrix (pypdfium2), positions in mm from the top of the page.

``LARGE_PDFS=DIR`` runs the same checks on PDFs built elsewhere (DIR holds ``metaphors/``,
``articles/``, ``booklet.pdf``), such as an older build.
"""

from __future__ import annotations

import ctypes
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from conftest import CONTENT, make_content, run_cli
from test_print import _drawn_text_objects  # what belongs to a drawing, as the label-size test reads it

from handouts import qr
from handouts.cli import main

PT_TO_MM = 25.4 / 72
MIN_LABEL_PT = 14.0  # a drawing's labels and a QR code's address, in large print
# Page 1 of a card ends at most this far above its footer: the most the keep rules may leave
# (a heading with two lines, or a three-line list item kept whole) and the footer's padding.
FILLED_MM = 35.0
HEADING_PT = 17.0  # large print's smallest heading (h3); headings are bold
CARDS = sorted(
    (f"{p.stem.split('.')[1]}/" if "." in p.stem else "") + f"metaphors/{p.stem.split('.')[0]}.pdf"
    for p in (CONTENT / "metaphors").glob("*.md")
)
ARTICLES = sorted(f"articles/{p.stem}.pdf" for p in (CONTENT / "articles").glob("*.md") if "." not in p.stem)
PDFS = CARDS + ARTICLES + ["booklet.pdf"]
PAGE_OF = re.compile(r"(pagina|page)\s*\d+\s*(van|sur|of)\s*\d+")  # the footer's page number
ADDRESS = re.compile(r"^(https?://)?[\w-]+(\.[\w-]+)+(/\S*)?$")


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content in large print (or the folder named by ``LARGE_PDFS``)."""
    if os.environ.get("LARGE_PDFS"):
        return Path(os.environ["LARGE_PDFS"])
    out = tmp_path_factory.mktemp("large")
    args = ["build", "--variant", "large", "--content", str(CONTENT), "--out", str(out), "--jobs", "2", "-q"]
    assert main(args) == 0
    return out / "large"


# ---------------------------------------------------------------------------- reading the PDF


@dataclass(frozen=True)
class Char:
    text: str
    size: float  # pt, as printed
    drawing: bool  # part of a drawing (an SVG's text), not the page's own text
    bold: bool
    left: float  # mm from the left edge of the page
    right: float
    top: float  # mm from the top of the page
    baseline: float  # mm from the top of the page


@dataclass(frozen=True)
class Line:
    chars: tuple[Char, ...]

    @property
    def text(self) -> str:
        """The line's text, with a space where the characters stand apart."""
        text = self.chars[0].text
        for before, char in zip(self.chars, self.chars[1:], strict=False):
            text += (" " if char.left - before.right > char.size * PT_TO_MM / 8 else "") + char.text
        return text

    @property
    def heading(self) -> bool:
        """Set as a heading: bold, and at least as large as large print's smallest heading."""
        return all(c.bold and c.size >= HEADING_PT for c in self.chars)

    @property
    def top(self) -> float:
        return min(c.top for c in self.chars)

    @property
    def baseline(self) -> float:
        return max(c.baseline for c in self.chars)


def _font_name(textpage: pdfium.PdfTextPage, i: int) -> str:
    """The name of the font a character is set in: "ABCDEF+AtkinsonHyperlegible-Bold"."""
    buffer, flags = ctypes.create_string_buffer(128), ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(textpage.raw, i, buffer, ctypes.sizeof(buffer), ctypes.byref(flags))
    return buffer.value.decode("latin-1")


def _char(textpage: pdfium.PdfTextPage, i: int, height: float, drawn: set[int]) -> Char:
    left, _, right, top = textpage.get_charbox(i, loose=True)  # its advance, not its ink
    matrix = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFText_GetMatrix(textpage.raw, i, ctypes.byref(matrix))
    scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
    size = pdfium_c.FPDFText_GetFontSize(textpage.raw, i) * scale
    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDFText_GetCharOrigin(textpage.raw, i, ctypes.byref(x), ctypes.byref(y))
    obj = ctypes.cast(pdfium_c.FPDFText_GetTextObject(textpage.raw, i), ctypes.c_void_p).value
    return Char(
        textpage.get_text_range(i, 1),
        round(size, 2),
        obj in drawn,
        "bold" in _font_name(textpage, i).lower(),
        left * PT_TO_MM,
        right * PT_TO_MM,
        (height - top) * PT_TO_MM,
        (height - y.value) * PT_TO_MM,
    )


def read_pages(pdf: Path) -> list[list[Char]]:
    """Every visible character of every page, in the order the PDF gives them."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            drawn = _drawn_text_objects(page)
            chars = []
            for i in range(textpage.count_chars()):
                left, bottom, right, top = textpage.get_charbox(i)
                if left == right or bottom == top or not textpage.get_text_range(i, 1).strip():
                    continue  # a line break, a space or a joiner: nothing printed
                chars.append(_char(textpage, i, page.get_height(), drawn))
            pages.append(chars)
        return pages
    finally:
        document.close()


def lines_of(chars: list[Char]) -> list[Line]:
    """The page's own text (not its drawings) as printed lines, top to bottom."""
    rows: dict[float, list[Char]] = {}
    for char in sorted((c for c in chars if not c.drawing), key=lambda c: c.baseline):
        key = next((b for b in rows if abs(b - char.baseline) < 1.0), char.baseline)
        rows.setdefault(key, []).append(char)
    return [Line(tuple(sorted(row, key=lambda c: c.left))) for _, row in sorted(rows.items())]


def split_footer(lines: list[Line]) -> tuple[list[Line], float | None]:
    """The lines above the running footer, and the top of the footer (None: no footer)."""
    footer = next((n for n, line in enumerate(lines) if PAGE_OF.search(line.text)), None)
    if footer is None:
        return lines, None
    return lines[:footer], lines[footer].top


def uri_rects(pdf: Path) -> list[list[tuple[str, tuple[float, float, float, float]]]]:
    """Each page's links to an address: (URI, (left, top, right, bottom) in mm)."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        result = []
        for page in document:
            height, found, position = page.get_height(), [], ctypes.c_int(0)
            link = pdfium_c.FPDF_LINK()
            while pdfium_c.FPDFLink_Enumerate(page.raw, ctypes.byref(position), ctypes.byref(link)):
                action = pdfium_c.FPDFLink_GetAction(link)
                if not action or pdfium_c.FPDFAction_GetType(action) != pdfium_c.PDFACTION_URI:
                    continue
                size = pdfium_c.FPDFAction_GetURIPath(document.raw, action, None, 0)
                buffer = ctypes.create_string_buffer(size)
                pdfium_c.FPDFAction_GetURIPath(document.raw, action, buffer, size)
                rect = pdfium_c.FS_RECTF()
                pdfium_c.FPDFLink_GetAnnotRect(link, ctypes.byref(rect))
                top, bottom = sorted((height - rect.top, height - rect.bottom))
                box = (rect.left * PT_TO_MM, top * PT_TO_MM, rect.right * PT_TO_MM, bottom * PT_TO_MM)
                found.append((buffer.value.decode(), box))
            result.append(found)
        return result
    finally:
        document.close()


# ---------------------------------------------------------------------------- what a reader sees


def small_drawing_labels(pdf: Path) -> list[str]:
    """The drawings' labels printed under ``MIN_LABEL_PT``: "p1 'geen pijn' 12.8 pt"."""
    found = []
    for number, chars in enumerate(read_pages(pdf), 1):
        drawn = [c for c in chars if c.drawing]
        small = [c for c in drawn if c.size < MIN_LABEL_PT]
        if small:
            text = "".join(c.text for c in small)
            found.append(f"p{number} {text[:30]!r} {min(c.size for c in small):.1f} pt")
    return found


def small_addresses(pdf: Path) -> list[str]:
    """The addresses under the QR codes printed under ``MIN_LABEL_PT``: "p2 www.x.be 13.0 pt".

    An address is the text of a link to an address that reads as one (not a sentence)."""
    found = []
    for number, (chars, links) in enumerate(zip(read_pages(pdf), uri_rects(pdf), strict=True), 1):
        for _, (left, top, right, bottom) in links:
            inside = [
                c
                for c in chars
                if not c.drawing
                and left - 0.5 <= c.left <= c.right <= right + 0.5
                and top - 1 <= c.baseline <= bottom + 1
            ]
            text = "".join(c.text for c in inside)
            if inside and ADDRESS.match(text) and min(c.size for c in inside) < MIN_LABEL_PT:
                found.append(f"p{number} {text} {min(c.size for c in inside):.1f} pt")
    return found


def test_reading_a_drawing_and_an_address_finds_their_sizes(large: Path) -> None:
    pdf = large / "metaphors/pijnschaal.pdf"
    drawn = [c.text for c in read_pages(pdf)[0] if c.drawing]
    assert "".join(drawn).count("geenpijn") == 1 and "10" in "".join(drawn)
    addresses = {uri for page in uri_rects(pdf) for uri, _ in page}
    assert any("afspraak" in uri or "kine-tim.be" in uri for uri in addresses)
    lines, footer = split_footer(lines_of(read_pages(pdf)[0]))
    assert footer and footer > 270 and "Het beeld" in [line.text for line in lines if line.heading]


@pytest.mark.parametrize("name", PDFS)
def test_every_label_of_a_drawing_prints_at_14pt_or_more(large: Path, name: str) -> None:
    assert not small_drawing_labels(large / name), small_drawing_labels(large / name)


@pytest.mark.parametrize("name", PDFS)
def test_the_address_under_each_qr_code_prints_at_14pt_or_more(large: Path, name: str) -> None:
    assert not small_addresses(large / name), small_addresses(large / name)


# ---------------------------------------------------------------------------- a card's pages


def body_lines(pdf: Path) -> list[tuple[list[Line], float | None]]:
    """Each page's lines above its footer, and the top of its footer."""
    return [split_footer(lines_of(chars)) for chars in read_pages(pdf)]


@pytest.mark.parametrize("name", CARDS)
def test_a_card_takes_two_pages_at_most_and_fills_the_first(large: Path, name: str) -> None:
    pages = body_lines(large / name)
    assert len(pages) <= 2, f"{name}: {len(pages)} pages"
    if len(pages) == 2:
        lines, footer = pages[0]
        assert footer is not None, f"{name}: no footer on page 1"
        gap = footer - lines[-1].baseline
        assert gap <= FILLED_MM, f"{name}: page 1 stops {gap:.0f} mm above its footer ({lines[-1].text!r})"


@pytest.mark.parametrize("name", CARDS + ARTICLES)
def test_no_heading_stands_alone_at_the_foot_of_a_page(large: Path, name: str) -> None:
    pages = body_lines(large / name)
    for number, (lines, _) in enumerate(pages[:-1], 1):
        last = lines[-1]
        assert not last.heading, f"{name} p{number} ends with the heading {last.text!r}"


@pytest.mark.parametrize("name", CARDS + ARTICLES)
def test_the_qr_block_never_stands_alone_on_a_page(large: Path, name: str) -> None:
    """The last page holds text above the QR block: more than its labels and addresses."""
    pdf = large / name
    lines, _ = body_lines(pdf)[-1]
    links = uri_rects(pdf)[-1]
    assert links, f"{name}: no QR block on the last page"
    block_top = min(top for _, (_, top, _, _) in links) - 50  # the code and its label, above its address
    above = [line for line in lines if line.baseline < block_top and not ADDRESS.match(line.text)]
    assert sum(len(line.text) for line in above) >= 40, f"{name}: the last page holds only the QR block"


# ---------------------------------------------------------------------------- the checks can fail

SENTENCE = "Een zin over het beeld, in gewone woorden, zodat je weet wat het betekent. "
TIP = "iets wat je elke dag zelf kunt doen, rustig en zonder haast, thuis."
LONG_CARD = (
    "---\ntitle: Een lange kaart\nsummary: De kern van de kaart in een zin.\n---\n\n"
    + "".join(f"## Deel {n}\n\n{SENTENCE * 5}\n\n" for n in (1, 2))
    + "## Wat kan je zelf doen?\n\n"
    + "".join(f"- Tip {n}: {TIP}\n" for n in range(6))
)


@pytest.mark.parametrize("as_before", [False, True])
def test_a_card_laid_out_as_before_fails_the_fill_check(tmp_path: Path, as_before: bool) -> None:
    """A list kept whole (as standard print does) leaves page 1 a third empty: the check sees it."""
    files: dict[str, str | bytes | None] = {"metaphors/lang.md": LONG_CARD}
    if as_before:
        files["theme.css"] = ".card .text ul { break-inside: avoid !important; }\n"
    content = make_content(tmp_path, files)
    out = tmp_path / "dist"
    args = ["metaphors/lang", "--variant", "large", "--content", str(content), "--out", str(out), "-q"]
    assert main(["build", *args]) == 0
    (lines, footer), *rest = body_lines(out / "large/metaphors/lang.pdf")
    assert footer is not None and len(rest) == 1
    assert (footer - lines[-1].baseline > FILLED_MM) == as_before
    assert not lines[-1].heading


def test_a_qr_block_set_at_the_foot_goes_as_low_as_the_folds_allow() -> None:
    assert qr.fold_shift_mm([(120.0, 154.0)], 100, foot=True) == 100  # 220 to 254 mm: clear
    assert qr.fold_shift_mm([(100.0, 134.0)], 70, foot=True) == pytest.approx(59)  # above the 198 mm fold
    assert qr.fold_shift_mm([(120.0, 154.0)], 100) == pytest.approx(148.5 + 5 - 120)  # the least move


def test_check_renders_large_print_as_build_does(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """``check --variant large`` renders what ``build --variant large`` makes, and says the same."""
    card = LONG_CARD + "".join(f"- Nog een tip {n}: {TIP}\n" for n in range(24))
    content = make_content(tmp_path, {"metaphors/lang.md": card})
    where = f"{content / 'metaphors/lang.md'}: error: does not fit on"
    code, err = run_cli(capfd, "check", "--content", str(content))
    assert code == 1 and re.search(rf"{re.escape(where)} 1 page: it needs [2-9] pages", err), err
    code, err = run_cli(capfd, "check", "--content", str(content), "--variant", "large")
    assert code == 1 and re.search(rf"{re.escape(where)} 2 pages: it needs [3-9] pages", err), err
    said = re.search(r"does not fit on 2 pages.*", err)
    assert said is not None
    out = tmp_path / "dist"
    code, built = run_cli(
        capfd, "build", "--content", str(content), "--out", str(out), "--variant", "large", "-q"
    )
    assert code == 1 and said.group(0) in built, built
    assert (
        not (out / "large/metaphors/lang.pdf").exists() and (out / "large/metaphors/kaart-een.pdf").is_file()
    )
