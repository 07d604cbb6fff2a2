"""The A5 reception booklet and its imposed print file, read back as reception and a patient see them."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
import yaml
from conftest import CONTENT, decode_qr, page_sizes_mm, page_texts, render_page
from pypdf import PdfReader

from handouts.cli import main
from handouts.impose import sheet_order

BOOKLET = yaml.safe_load((CONTENT / "booklet.yml").read_text(encoding="utf-8"))
PRACTICE = yaml.safe_load((CONTENT / "practice.yml").read_text(encoding="utf-8"))
PX_PER_MM = 4  # render scale for comparisons: whole pixels for A5 (592 px) and half A4 (594 px)
SCALE = PX_PER_MM * 25.4 / 72


def flat(text: str) -> str:
    text = re.sub(r"-\r?\n", "", text)
    return re.sub(r"\s+", " ", text).strip()


def title_of(key: str) -> str:
    path = CONTENT / f"{key}.md"
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])["title"]


def toc_entries(texts: list[str], titles: list[str]) -> dict[str, int]:
    """The page number printed after each title in the table of contents."""
    toc = next(flat(t) for t in texts if t.lstrip().startswith("Inhoud"))
    entries = {}
    for title in titles:
        match = re.search(re.escape(flat(title)) + r"[\s.]*?(\d+)\b", toc)
        assert match, f"{title!r} not in the table of contents"
        entries[title] = int(match.group(1))
    return entries


def title_page(texts: list[str], title: str, after: int) -> int:
    """The first page (1-based) after ``after`` whose opening lines carry ``title``."""
    for number, text in enumerate(texts, start=1):
        head = flat(" ".join(text.splitlines()[:4]))
        if number > after and flat(title) in head:
            return number
    raise AssertionError(f"no page starts with {title!r}")


def test_booklet_pages_are_a5_and_a_multiple_of_4(built: Path) -> None:
    sizes = page_sizes_mm(built / "booklet.pdf")
    assert len(sizes) % 4 == 0 and len(sizes) >= 8
    assert all(abs(w - 148) < 0.5 and abs(h - 210) < 0.5 for w, h in sizes), sizes


def test_cover_has_title_and_a_booking_qr_that_scans(built: Path) -> None:
    pdf = built / "booklet.pdf"
    cover = flat(page_texts(pdf)[0])
    assert BOOKLET["title"] in cover and PRACTICE["name"].split()[0] in cover
    assert decode_qr(render_page(pdf, 0)) == [PRACTICE["booking_url"]]


def test_back_cover_is_the_last_page_with_contact_and_booking_qr(built: Path) -> None:
    pdf = built / "booklet.pdf"
    texts = page_texts(pdf)
    back = flat(texts[-1])
    assert PRACTICE["phone"] in back and "Maak een afspraak" in back and "kine-tim.be" in back
    assert decode_qr(render_page(pdf, len(texts) - 1)) == [PRACTICE["booking_url"]]
    assert all(PRACTICE["phone"] not in t for t in texts[1:-1] if "Telefoon" in t)


def test_table_of_contents_page_numbers_are_where_the_items_start(built: Path) -> None:
    texts = page_texts(built / "booklet.pdf")
    keys = [key for section in BOOKLET["sections"] for key in section["items"]]
    titles = [title_of(key) for key in keys]
    entries = toc_entries(texts, titles)
    toc_page = next(i for i, t in enumerate(texts, start=1) if t.lstrip().startswith("Inhoud"))
    for title in titles:
        assert entries[title] == title_page(texts, title, toc_page), title
    assert list(entries.values()) == sorted(entries.values())


def test_bookmarks_list_every_section_and_item(built: Path) -> None:
    outline = PdfReader(built / "booklet.pdf").outline
    sections = [item for item in outline if not isinstance(item, list)]
    children = [item for item in outline if isinstance(item, list)]
    assert [s.title for s in sections] == [s["title"] for s in BOOKLET["sections"]]
    assert [[c.title for c in group] for group in children] == [
        [title_of(key) for key in s["items"]] for s in BOOKLET["sections"]
    ]


def test_running_header_names_the_section(built: Path) -> None:
    texts = page_texts(built / "booklet.pdf")
    first_item = title_page(texts, title_of(BOOKLET["sections"][0]["items"][0]), 3)
    # the page after a section opens carries the section title in its header
    assert BOOKLET["sections"][0]["title"] in texts[first_item]


def _render(pdf: Path, index: int) -> np.ndarray:
    return np.asarray(render_page(pdf, index, SCALE).convert("L"), dtype=np.int16)


def _blur(image: np.ndarray) -> np.ndarray:
    """4 x 4 pixel averages: sub-pixel anti-aliasing noise goes, the page's layout stays."""
    height, width = (image.shape[0] // 4) * 4, (image.shape[1] // 4) * 4
    return image[:height, :width].reshape(height // 4, 4, width // 4, 4).mean(axis=(1, 3))


def _difference(sheet: np.ndarray, left_half: bool, page: np.ndarray) -> float:
    """Mean difference between one half of a sheet and a page, at the best offset of a few pixels."""
    height, width = page.shape
    middle = sheet.shape[1] // 2
    if left_half:
        starts = range(max(0, middle - width - 4), middle - width + 1)
    else:
        starts = range(middle - 1, min(middle + 4, sheet.shape[1] - width) + 1)
    target = _blur(page)
    return min(float(np.abs(_blur(sheet[:height, x : x + width]) - target).mean()) for x in starts)


def test_imposed_sheets_carry_the_right_pages(built: Path) -> None:
    booklet, imposed = built / "booklet.pdf", built / "booklet-print.pdf"
    pages = [_render(booklet, i) for i in range(len(page_sizes_mm(booklet)))]
    n = len(pages)
    sizes = page_sizes_mm(imposed)
    assert len(sizes) == n // 2
    assert all(abs(w - 297) < 0.5 and abs(h - 210) < 0.5 for w, h in sizes), sizes
    for side, (left, right) in enumerate(sheet_order(n)):
        sheet = _render(imposed, side)
        for left_half, number in ((True, left), (False, right)):
            right_page = _difference(sheet, left_half, pages[number - 1])
            assert right_page < 3.0, (side, number, right_page)
            # and it is not a neighbouring page (the comparison can tell pages apart)
            wrong_page = _difference(sheet, left_half, pages[number % n])
            assert wrong_page > right_page + 2.0, (side, number, wrong_page)


def test_imposition_follows_the_saddle_stitch_formula(built: Path) -> None:
    n = len(page_sizes_mm(built / "booklet.pdf"))
    for k in range(n // 4):
        assert sheet_order(n)[2 * k] == (n - 2 * k, 2 * k + 1)
        assert sheet_order(n)[2 * k + 1] == (2 * k + 2, n - 2 * k - 1)
    # folding the stack: fronts' right halves, backs' left halves, then the rest in reverse
    order = sheet_order(n)
    first = [page for k in range(n // 4) for page in (order[2 * k][1], order[2 * k + 1][0])]
    second = [page for k in reversed(range(n // 4)) for page in (order[2 * k + 1][1], order[2 * k][0])]
    assert first + second == list(range(1, n + 1))


def test_long_edge_version_turns_the_backs(built: Path) -> None:
    short, long = built / "booklet-print.pdf", built / "booklet-print-long-edge.pdf"
    front_short = np.asarray(render_page(short, 0, 1.0).convert("L"), dtype=np.int16)
    front_long = np.asarray(render_page(long, 0, 1.0).convert("L"), dtype=np.int16)
    assert np.abs(front_short - front_long).mean() < 1
    back_short = np.asarray(render_page(short, 1, 1.0).convert("L"), dtype=np.int16)
    back_long = np.asarray(render_page(long, 1, 1.0).convert("L"), dtype=np.int16)[::-1, ::-1]
    # Turned pages are rasterised on a grid shifted by part of a pixel: compare 4x4 blocks.
    assert np.abs(_blocks(back_short) - _blocks(back_long)).mean() < 1
    assert np.abs(_blocks(back_short) - _blocks(back_long[::-1, ::-1])).mean() > 2


def _blocks(image: np.ndarray, size: int = 4) -> np.ndarray:
    h, w = (image.shape[0] // size) * size, (image.shape[1] // size) * size
    return image[:h, :w].reshape(h // size, size, w // size, size).mean(axis=(1, 3))


@pytest.fixture
def small_booklet(content_copy: Path, tmp_path: Path) -> Path:
    """A one-card booklet: too short for a multiple of 4, so it gets notes pages."""
    (content_copy / "booklet.yml").write_text(
        "title: Kort\nintro: Een kort boekje.\nsections:\n"
        "  - title: Een beeld\n    items:\n      - metaphors/pijnschaal\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["build", "booklet", "--content", str(content_copy), "--out", str(out), "-q"]) == 0
    return out / "booklet.pdf"


def test_short_booklet_is_padded_with_notes_before_the_back_cover(small_booklet: Path) -> None:
    texts = page_texts(small_booklet)
    assert len(texts) % 4 == 0
    notes = [i for i, t in enumerate(texts) if t.lstrip().startswith("Notities")]
    assert notes, "no notes pages"
    assert notes == list(range(notes[0], len(texts) - 1)), notes  # together, just before the back
    assert PRACTICE["phone"] in texts[-1] and "Notities" not in texts[-1]
    title = title_of("metaphors/pijnschaal")
    assert toc_entries(texts, [title])[title] == title_page(texts, title, 3)


def test_booklet_is_deterministic(built: Path, small_booklet: Path) -> None:
    again = small_booklet.parent.parent / "again"
    content = small_booklet.parent.parent / "content"
    assert main(["build", "booklet", "--content", str(content), "--out", str(again), "-q"]) == 0
    for name in ("booklet.pdf", "booklet-print.pdf", "booklet-print-long-edge.pdf"):
        assert (again / name).read_bytes() == (small_booklet.parent / name).read_bytes()
    pdfium.PdfDocument(str(again / "booklet-print.pdf")).close()


def test_booklet_is_tagged_dutch_with_only_the_bundled_fonts(built: Path) -> None:
    for name in ("booklet.pdf", "booklet-print.pdf"):
        reader = PdfReader(built / name)
        assert reader.metadata is not None and reader.metadata.title == BOOKLET["title"]
        fonts = {
            str(font.get_object()["/BaseFont"])
            for page in reader.pages
            for font in page["/Resources"].get_object().get("/Font", {}).values()
        }
        if name == "booklet.pdf":
            assert reader.trailer["/Root"]["/Lang"] == "nl"
            assert fonts and all("Atkinson-Hyperlegible" in font for font in fonts), fonts
