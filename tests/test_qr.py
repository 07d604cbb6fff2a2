"""QR codes that scan from a worn booklet: read back from the rendered pages, as a phone would.

Every code on every page of the shipped PDFs (standard and large print) is rendered at 100 and
150 dpi, sharp and slightly blurred, decoded with zxing-cpp and compared with the address
printed beside or under it; its position is read from the page and checked against the lines
where a handout is folded; its module size and error-correction level are measured.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
import zxingcpp
from conftest import CONTENT, SAMPLE, make_content, run_cli, sample_line
from PIL import Image, ImageFilter

from handouts import qr
from handouts.cli import main

MM_PER_PT = 25.4 / 72
A4_FOLDS_MM = (99.0, 148.5, 198.0)  # an A4 page folded in thirds or in half
SPINE_MM = 297 / 2  # the booklet's spine on its imposed A4 landscape sheets
FOLD_MARGIN_MM = 4.5  # a 2 mm crease, and a hand that folds a little off the line
BLUR_PX_AT_150_DPI = 2.0  # a slight blur: a phone camera a little out of focus


@dataclass(frozen=True)
class Code:
    """A decoded code, its symbol's box in mm from the page's top left, and how it was made."""

    text: str
    left: float
    top: float
    right: float
    bottom: float
    version: int
    level: str

    @property
    def module(self) -> float:
        return (self.right - self.left) / (4 * self.version + 17)

    @property
    def with_quiet_zone(self) -> tuple[float, float, float, float]:
        quiet = qr.QUIET_ZONE * self.module
        return self.left - quiet, self.top - quiet, self.right + quiet, self.bottom + quiet


def scan(image: Image.Image, dpi: float) -> list[Code]:
    codes = []
    for result in zxingcpp.read_barcodes(image):
        if result.format != zxingcpp.BarcodeFormat.QRCode:
            continue
        p = result.position
        corners = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
        xs, ys = [c.x * 25.4 / dpi for c in corners], [c.y * 25.4 / dpi for c in corners]
        extra = result.extra
        codes.append(
            Code(result.text, min(xs), min(ys), max(xs), max(ys), int(extra["Version"]), extra["ECLevel"])
        )
    return sorted(codes, key=lambda c: (round(c.top), c.left))


def render(page: pdfium.PdfPage, dpi: float, blur: bool = False) -> Image.Image:
    image = page.render(scale=dpi / 72).to_pil().convert("L")
    return image.filter(ImageFilter.GaussianBlur(BLUR_PX_AT_150_DPI * dpi / 150)) if blur else image


def drawn_codes(page: pdfium.PdfPage) -> int:
    """How many QR codes are drawn on the page, counted from its vector paths (not decoded):
    a code is one square path of hundreds of segments."""
    count = 0
    for obj in page.get_objects(max_depth=5):
        if obj.type != pdfium_raw.FPDF_PAGEOBJ_PATH or pdfium_raw.FPDFPath_CountSegments(obj.raw) < 200:
            continue
        left, bottom, right, top = obj.get_bounds()
        width, height = (right - left) * MM_PER_PT, (top - bottom) * MM_PER_PT
        count += abs(width - height) < 0.5 and width > 10
    return count


INVISIBLE = re.compile(r"[\s\u200b\u2060\ufffe\x02]")


def printed_next_to(page: pdfium.PdfPage, code: Code, others: list[Code]) -> str:
    """The text printed beside and under ``code``, up to the next code on its row."""
    height = page.get_height() * MM_PER_PT
    right = min((o.left for o in others if o.left > code.right and o.top < code.bottom), default=1000.0)
    box = (code.left - 4, height - (code.bottom + 45), right - 4, height - (code.top - 4))
    text = page.get_textpage().get_text_bounded(*(v / MM_PER_PT for v in box))
    return INVISIBLE.sub("", text)


def pdfs_of(dist: Path) -> list[Path]:
    return sorted(p for p in dist.rglob("*.pdf") if "booklet-print" not in p.name)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("large")
    args = ["build", "--variant", "large", "--content", str(CONTENT), "--out", str(out), "--jobs", "2", "-q"]
    assert main(args) == 0
    return out / "large"


def check_codes_decode_to_their_printed_address(dist: Path, dpi: float, blur: bool) -> int:
    """Every code drawn on every page decodes, and the address printed next to it is its own."""
    total = 0
    for pdf in pdfs_of(dist):
        document = pdfium.PdfDocument(str(pdf))
        try:
            for index in range(len(document)):
                page = document[index]
                expected = drawn_codes(page)
                if not expected:
                    continue
                codes = scan(render(page, dpi, blur), dpi)
                where = f"{pdf.relative_to(dist)} p{index + 1} at {dpi} dpi{' blurred' if blur else ''}"
                assert len(codes) == expected, f"{where}: {len(codes)} of {expected} codes decode"
                for code in codes:
                    address = code.text.split("://", 1)[1].rstrip("/")
                    assert address in printed_next_to(page, code, codes), f"{where}: {address} not printed"
                total += len(codes)
        finally:
            document.close()
    return total


@pytest.mark.parametrize("blur", [False, True], ids=["sharp", "blurred"])
@pytest.mark.parametrize("dpi", [100, 150])
def test_every_code_decodes_to_the_address_printed_next_to_it(
    built: Path, large: Path, dpi: int, blur: bool
) -> None:
    assert check_codes_decode_to_their_printed_address(built, dpi, blur) >= 40
    assert check_codes_decode_to_their_printed_address(large, dpi, blur) >= 40


def codes_per_page(pdf: Path, dpi: float = 200) -> list[tuple[tuple[float, float], list[Code]]]:
    """Each page's size (mm) and its codes, read sharp at ``dpi`` (pages that draw none: none)."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        return [
            (
                (page.get_width() * MM_PER_PT, page.get_height() * MM_PER_PT),
                scan(render(page, dpi), dpi) if drawn_codes(page) else [],
            )
            for page in document
        ]
    finally:
        document.close()


def check_codes_off_the_folds(dist: Path) -> int:
    checked = 0
    for pdf in sorted(dist.rglob("*.pdf")):
        for number, (size, codes) in enumerate(codes_per_page(pdf, 150), 1):
            for code in codes:
                left, top, right, bottom = code.with_quiet_zone
                where = f"{pdf.relative_to(dist)} p{number}: {code.text} at y {top:.0f}-{bottom:.0f} mm"
                if abs(size[0] - 210) < 1 and abs(size[1] - 297) < 1:  # an A4 handout
                    for fold in A4_FOLDS_MM:
                        assert top >= fold + FOLD_MARGIN_MM or bottom <= fold - FOLD_MARGIN_MM, (where, fold)
                    checked += 1
                elif abs(size[0] - 297) < 1:  # an imposed booklet sheet: the spine down its middle
                    assert left >= SPINE_MM + FOLD_MARGIN_MM or right <= SPINE_MM - FOLD_MARGIN_MM, where
                    checked += 1
    return checked


def test_no_code_lies_on_a_fold_line_or_the_spine(built: Path, large: Path) -> None:
    assert check_codes_off_the_folds(built) >= 40
    assert check_codes_off_the_folds(large) >= 40


def check_size_and_level(dist: Path) -> int:
    checked = 0
    for pdf in pdfs_of(dist):
        for number, (_, codes) in enumerate(codes_per_page(pdf), 1):
            for code in codes:
                where = f"{pdf.relative_to(dist)} p{number}: {code.text}"
                assert code.right - code.left >= 20, (where, code.right - code.left)
                assert code.module >= 0.5, (where, code.module)
                if code.module >= 0.6:
                    assert code.level in ("Q", "H"), (where, code.module, code.level)
                checked += 1
    return checked


def test_codes_are_2_cm_with_modules_of_half_a_millimetre_and_level_q_or_h(built: Path, large: Path) -> None:
    assert check_size_and_level(built) >= 40
    assert check_size_and_level(large) >= 40


# ------------------------------------------------------------------ sizes, limits, folds


def test_capacities_are_the_standards() -> None:
    import qrcode.constants
    from qrcode.base import rs_blocks

    levels = {"M": qrcode.constants.ERROR_CORRECT_M, "Q": qrcode.constants.ERROR_CORRECT_Q}
    for level, rooms in qr.CAPACITY.items():
        for version, room in enumerate(rooms, 1):
            blocks = rs_blocks(version, levels.get(level, qrcode.constants.ERROR_CORRECT_H))
            bits = sum(b.data_count for b in blocks) * 8 - 4 - (8 if version < 10 else 16)
            assert room == bits // 8, (level, version)


def test_the_address_limit_is_what_the_printed_size_holds_at_half_a_millimetre() -> None:
    limit = qr.URL_LIMIT
    level, version = qr.level_for(limit)
    assert level == "M" and qr.module_mm(version) >= 0.5
    _, longer = qr.level_for(limit + 1)
    assert qr.module_mm(longer) < 0.5
    assert qr.address_limit(22) == 62 and qr.address_limit(30) == 152  # the sizes of before


def long_url(size: int) -> str:
    head = "https://www.proef.example/blog/"
    return head + ("een-heel-lang-adres-" * 20)[: size - len(head)]


def test_an_address_at_the_limit_prints_codes_with_modules_of_half_a_millimetre(tmp_path: Path) -> None:
    url = long_url(qr.URL_LIMIT)
    article = SAMPLE["articles/artikel-een.md"].replace("https://www.proef.example/blog/artikel-een", url)
    content = make_content(tmp_path, {"articles/artikel-een.md": article})
    out = tmp_path / "dist"
    assert main(["build", "--content", str(content), "--out", str(out), "-q"]) == 0
    found = 0
    pdfs = (out / "booklet.pdf", out / "articles" / "artikel-een.pdf", out / "metaphors" / "kaart-een.pdf")
    for pdf in pdfs:
        for _, codes in codes_per_page(pdf):
            for code in codes:
                assert code.module >= 0.5, (pdf.name, code.module)
                found += code.text == url
    assert found >= 4  # the article, its card, and both in the booklet
    assert check_codes_off_the_folds(out) >= 6


def test_a_longer_address_says_how_long_it_may_be(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    size = qr.URL_LIMIT + 1
    article = SAMPLE["articles/artikel-een.md"].replace(
        "https://www.proef.example/blog/artikel-een", long_url(size)
    )
    content = make_content(tmp_path, {"articles/artikel-een.md": article})
    code, err = run_cli(capfd, "check", "--content", str(content))
    assert code == 1
    line = sample_line("articles/artikel-een.md", "url:")
    assert f"articles/artikel-een.md:{line}: error: 'url' is too long for a QR code" in err
    assert f"{size} characters; an address may have at most {qr.URL_LIMIT}" in err
    assert "hint: use a shorter address" in err and f"{qr.BOX_MM:g} mm" in err


SENTENCE = "Dit is een gewone zin die de bladzijde vult, met woorden van alledag. "


def test_the_codes_keep_off_the_folds_wherever_the_text_ends(tmp_path: Path) -> None:
    """Articles and cards of every length: their QR block sweeps down the page."""
    files: dict[str, str | bytes | None] = {}
    for n in range(1, 40, 3):
        files[f"articles/a{n}.md"] = (
            f"---\ntitle: Artikel {n}\nsummary: Een korte samenvatting.\nkey_points:\n  - Een punt.\n---\n\n"
            + SENTENCE * (n * 2)
            + "\n"
        )
    for n in range(0, 12, 2):
        body = SAMPLE["metaphors/kaart-twee.md"].replace("Een korte tekst over het beeld.", SENTENCE * n)
        files[f"metaphors/k{n}.md"] = body.replace("order: 2", f"order: {n + 10}")
    content = make_content(tmp_path, files)
    out = tmp_path / "dist"
    assert main(["build", "--content", str(content), "--out", str(out), "--jobs", "2", "-q"]) == 0
    assert check_codes_off_the_folds(out) >= 2 * len(files)


def test_a_shift_is_the_least_that_clears_every_fold() -> None:
    assert qr.fold_shift_mm([(210.0, 244.0)], 50) == 0.0
    assert qr.fold_shift_mm([(200.0, 234.0)], 50) == pytest.approx(3.0)  # 2 mm below a fold: too near
    assert qr.fold_shift_mm([(180.0, 214.0)], 50) == pytest.approx(198 + 5 - 180)
    assert qr.fold_shift_mm([(180.0, 214.0)], 20) is None  # no room at the foot of the page
    shift = qr.fold_shift_mm([(120.0, 154.0)], 100)
    assert shift is not None and math.isclose(shift, 148.5 + 5 - 120)
