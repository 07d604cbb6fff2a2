"""The A5 reception booklet and its imposed print file, read back as reception and a patient see them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
import yaml
from conftest import CONTENT, decode_qr, make_content, page_sizes_mm, page_texts, render_page
from pypdf import PdfReader

from handouts.cli import main
from handouts.impose import sheet_order

PX_PER_MM = 4  # render scale for comparisons: whole pixels for A5 (592 px) and half A4 (594 px)
SCALE = PX_PER_MM * 25.4 / 72


def flat(text: str) -> str:
    text = re.sub(r"-\r?\n", "", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Made:
    """A booklet as built, and the content it was built from."""

    out: Path
    content: Path

    @property
    def pdf(self) -> Path:
        return self.out / "booklet.pdf"

    def read(self, name: str) -> dict:
        return yaml.safe_load((self.content / name).read_text(encoding="utf-8"))

    @property
    def booklet(self) -> dict:
        return self.read("booklet.yml")

    @property
    def practice(self) -> dict:
        return self.read("practice.yml")

    def title_of(self, key: str) -> str:
        text = (self.content / f"{key}.md").read_text(encoding="utf-8")
        return yaml.safe_load(text.split("---")[1])["title"]


@pytest.fixture(scope="module")
def sample_booklet(tmp_path_factory: pytest.TempPathFactory) -> Made:
    """The SAMPLE content's booklet: the behaviour, on texts that are the tests' own."""
    root = tmp_path_factory.mktemp("sample")
    content, out = make_content(root), root / "out"
    assert main(["build", "booklet", "--content", str(content), "--out", str(out), "-q"]) == 0
    return Made(out, content)


@pytest.fixture(params=["sample", "shipped"])
def made(request: pytest.FixtureRequest) -> Made:
    """Each booklet test on the SAMPLE booklet, and on the shipped one as an invariant."""
    if request.param == "shipped":
        return Made(request.getfixturevalue("built"), CONTENT)
    return request.getfixturevalue("sample_booklet")


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


def test_booklet_pages_are_a5_and_a_multiple_of_4(made: Made) -> None:
    sizes = page_sizes_mm(made.pdf)
    assert len(sizes) % 4 == 0 and len(sizes) >= 8
    assert all(abs(w - 148) < 0.5 and abs(h - 210) < 0.5 for w, h in sizes), sizes


def test_cover_has_title_and_a_booking_qr_that_scans(made: Made) -> None:
    pdf, practice = made.pdf, made.practice
    cover = flat(page_texts(pdf)[0])
    assert made.booklet["title"] in cover and practice["name"].split()[0] in cover
    assert decode_qr(render_page(pdf, 0)) == [practice["booking_url"]]


def test_back_cover_is_the_last_page_with_contact_and_booking_qr(made: Made) -> None:
    pdf, practice = made.pdf, made.practice
    texts = page_texts(pdf)
    back = flat(texts[-1])
    website = practice["website"].split("://")[1].rstrip("/")
    assert practice["phone"] in back and "Maak een afspraak" in back and website in back
    for optional in ("email", "address"):
        assert practice.get(optional, "") in back
    assert decode_qr(render_page(pdf, len(texts) - 1)) == [practice["booking_url"]]
    assert all(practice["phone"] not in t for t in texts[1:-1] if "Telefoon" in t)


def test_table_of_contents_page_numbers_are_where_the_items_start(made: Made) -> None:
    texts = page_texts(made.pdf)
    keys = [key for section in made.booklet["sections"] for key in section["items"]]
    titles = [made.title_of(key) for key in keys]
    entries = toc_entries(texts, titles)
    toc_page = next(i for i, t in enumerate(texts, start=1) if t.lstrip().startswith("Inhoud"))
    for title in titles:
        assert entries[title] == title_page(texts, title, toc_page), title
    assert list(entries.values()) == sorted(entries.values())


def test_bookmarks_list_every_section_and_item(made: Made) -> None:
    outline, booklet = PdfReader(made.pdf).outline, made.booklet
    sections = [item for item in outline if not isinstance(item, list)]
    children = [item for item in outline if isinstance(item, list)]
    assert [s.title for s in sections] == [s["title"] for s in booklet["sections"]]
    assert [[c.title for c in group] for group in children] == [
        [made.title_of(key) for key in s["items"]] for s in booklet["sections"]
    ]


def test_running_header_names_the_section(made: Made) -> None:
    texts, booklet = page_texts(made.pdf), made.booklet
    first_item = title_page(texts, made.title_of(booklet["sections"][0]["items"][0]), 3)
    # the page after a section opens carries the section title in its header
    assert booklet["sections"][0]["title"] in texts[first_item]


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


def test_long_edge_version_turns_the_backs(made: Made) -> None:
    short, long = made.out / "booklet-print.pdf", made.out / "booklet-print-long-edge.pdf"

    def sheet(pdf: Path, index: int, turned: bool = False) -> np.ndarray:
        image = np.asarray(render_page(pdf, index, 1.0).convert("L"), dtype=np.int16)
        return _blur(image[::-1, ::-1] if turned else image)  # averages: no anti-aliasing noise

    assert np.abs(sheet(short, 0) - sheet(long, 0)).mean() < 1
    turned = np.abs(sheet(short, 1) - sheet(long, 1, turned=True)).mean()
    assert turned < 1
    assert np.abs(sheet(short, 1) - sheet(long, 1)).mean() > turned + 1  # not turned: clearly different


@pytest.fixture
def small_booklet(tmp_path: Path) -> Path:
    """A one-card booklet: too short for a multiple of 4, so it gets notes pages."""
    booklet = (
        "title: Kort\nintro: Een kort boekje.\nsections:\n"
        "  - title: Een beeld\n    items:\n      - metaphors/kaart-twee\n"
    )
    content, out = make_content(tmp_path, {"booklet.yml": booklet}), tmp_path / "out"
    assert main(["build", "booklet", "--content", str(content), "--out", str(out), "-q"]) == 0
    return out / "booklet.pdf"


def test_short_booklet_is_padded_with_notes_before_the_back_cover(small_booklet: Path) -> None:
    texts = page_texts(small_booklet)
    assert len(texts) % 4 == 0
    notes = [i for i, t in enumerate(texts) if t.lstrip().startswith("Notities")]
    assert notes, "no notes pages"
    assert notes == list(range(notes[0], len(texts) - 1)), notes  # together, just before the back
    assert "012 34 56 78" in texts[-1] and "Notities" not in texts[-1]
    title = "De tweede kaart"
    assert toc_entries(texts, [title])[title] == title_page(texts, title, 3)


def test_booklet_is_deterministic(built: Path, small_booklet: Path) -> None:
    again = small_booklet.parent.parent / "again"
    content = small_booklet.parent.parent / "content"
    assert main(["build", "booklet", "--content", str(content), "--out", str(again), "-q"]) == 0
    for name in ("booklet.pdf", "booklet-print.pdf", "booklet-print-long-edge.pdf"):
        assert (again / name).read_bytes() == (small_booklet.parent / name).read_bytes()
    pdfium.PdfDocument(str(again / "booklet-print.pdf")).close()


def test_booklet_is_tagged_dutch_with_only_the_bundled_fonts(made: Made) -> None:
    for name in ("booklet.pdf", "booklet-print.pdf"):
        reader = PdfReader(made.out / name)
        assert reader.metadata is not None and reader.metadata.title == made.booklet["title"]
        fonts = {
            str(font.get_object()["/BaseFont"])
            for page in reader.pages
            for font in page["/Resources"].get_object().get("/Font", {}).values()
        }
        if name == "booklet.pdf":
            assert reader.trailer["/Root"]["/Lang"] == "nl"
            assert fonts and all("Atkinson-Hyperlegible" in font for font in fonts), fonts
