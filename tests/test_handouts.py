"""The A4 handouts read back as a reader (and a phone) sees them.

Behaviour on the SAMPLE content (conftest); on the shipped content only what must hold for any
text the practice writes: everything builds, pages are A4, cards fit one page, QR codes decode.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from conftest import CONTENT, PROJECT, SAMPLE, decode_qr, make_content, page_sizes_mm, page_texts, render_page
from pypdf import PdfReader

from handouts.cli import main
from handouts.content import load
from handouts.models import Article, Metaphor

SHIPPED = load(CONTENT)  # read by the tool's own loader: translations included, whatever the texts say
assert SHIPPED.practice is not None and not SHIPPED.errors, SHIPPED.errors
PRACTICE = SHIPPED.practice
ARTICLES = sorted(key for key, item in SHIPPED.items.items() if isinstance(item, Article))
CARDS = sorted(key for key, item in SHIPPED.items.items() if isinstance(item, Metaphor))
DUTCH_ARTICLES = [key for key in ARTICLES if SHIPPED.items[key].lang == "nl"]
A4 = (210.0, 297.0)


def article_url(slug: str | None) -> str:
    article = SHIPPED.articles.get(slug or "")
    return (article.url if article else None) or PRACTICE.blog_url


def flat(text: str) -> str:
    """Page text with line breaks and soft hyphens undone, for searching phrases."""
    text = re.sub(r"\ufffe(\r?\n)?|[\u00ad-]\r?\n", "", text)  # words hyphenated at a line end
    return re.sub(r"\s+", " ", text)


LONG_URL = "https://www.proef.example/blog/2025/een-lang-adres-met-streepjes"  # parts of <= 30


@pytest.fixture(scope="module")
def sample_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SAMPLE handouts (no booklet), one article with an address long enough to wrap."""
    root = tmp_path_factory.mktemp("sample")
    article = SAMPLE["articles/artikel-een.md"].replace(
        "https://www.proef.example/blog/artikel-een", LONG_URL
    )
    content = make_content(root, {"booklet.yml": None, "articles/artikel-een.md": article})
    assert main(["build", "--content", str(content), "--out", str(root / "out"), "-q"]) == 0
    return root / "out"


def test_every_shipped_item_builds(built: Path) -> None:
    assert DUTCH_ARTICLES and CARDS
    made = {p.relative_to(built).as_posix() for p in built.rglob("*.pdf")}
    assert {f"{key}.pdf" for key in SHIPPED.sources} <= made


@pytest.mark.parametrize("key", ARTICLES + CARDS)
def test_every_page_is_a4_with_title_phone_and_footer(built: Path, key: str) -> None:
    pdf = built / f"{key}.pdf"
    sizes = page_sizes_mm(pdf)
    assert all(abs(w - A4[0]) < 0.5 and abs(h - A4[1]) < 0.5 for w, h in sizes), sizes
    texts = page_texts(pdf)
    assert flat(SHIPPED.items[key].title) in flat(texts[0])
    for number, text in enumerate(texts, start=1):
        # the footer on every page: practice name, phone, website, page X of Y
        assert PRACTICE.name in text and PRACTICE.phone in text and PRACTICE.website_label in text
        lines = [line.strip() for line in text.splitlines()]  # the edition line may follow
        assert any(re.search(rf"\b{number}\D+{len(texts)}$", line) for line in lines), text[-80:]


@pytest.mark.parametrize("key", CARDS)
def test_card_is_exactly_one_page_with_both_qr_codes(built: Path, key: str) -> None:
    pdf, card = built / f"{key}.pdf", SHIPPED.items[key]
    assert isinstance(card, Metaphor)
    assert len(page_texts(pdf)) == 1
    expected_article = article_url(card.article)
    codes = decode_qr(render_page(pdf))
    assert codes == sorted([expected_article, PRACTICE.booking_url])
    text = flat(page_texts(pdf)[0])
    # the URLs are printed too, for those who don't scan
    assert expected_article.split("://")[1] in text.replace(" ", "")
    assert flat(card.summary) in text


@pytest.mark.parametrize("key", ARTICLES)
def test_article_ends_with_both_qr_codes(built: Path, key: str) -> None:
    pdf, article = built / f"{key}.pdf", SHIPPED.items[key]
    pages = len(page_texts(pdf))
    codes = decode_qr(render_page(pdf, pages - 1))
    assert codes == sorted([article_url(article.slug), PRACTICE.booking_url])


def test_printed_addresses_wrap_after_a_slash_never_at_a_hyphen(sample_built: Path) -> None:
    """A reader types the address from paper: "heel-lang-" at a line end is ambiguous."""
    pdfs = sorted(sample_built.rglob("*.pdf"))
    urls = {LONG_URL, "https://www.proef.example/blog", "https://www.proef.example/afspraak"}
    printed = []
    for pdf in pdfs:
        for text in page_texts(pdf):
            lines = text.splitlines()
            for line, following in zip(lines, [*lines[1:], ""], strict=True):
                if re.fullmatch(r"www\.proef\.example\S*", line):
                    printed.append(line + (following if line.endswith("/") else ""))
                    # pdfium joins a line that ends in a hyphen to the next, with U+FFFE between
                    assert "\ufffe" not in line and not line.endswith("-"), f"{pdf.name}: {line!r}"
    for url in urls:  # each address is printed whole somewhere: no part was lost to a wrap
        assert url.split("://", 1)[1] in printed, url


@pytest.mark.parametrize("key", CARDS)
def test_qr_codes_are_at_least_2_cm(built: Path, key: str) -> None:
    pdf = built / f"{key}.pdf"
    scale = 4.0  # 288 dpi
    results = __import__("zxingcpp").read_barcodes(render_page(pdf, 0, scale))
    assert len(results) == 2
    for result in results:
        pos = result.position
        width_px = abs(pos.top_right.x - pos.top_left.x)
        width_mm = width_px / scale * 25.4 / 72
        # the position covers the modules only; the quiet zone adds 2 x 4 modules around it
        assert width_mm >= 20, width_mm


@pytest.mark.parametrize("key", ARTICLES + CARDS)
def test_pdf_is_tagged_with_metadata_and_embedded_fonts(built: Path, key: str) -> None:
    reader, item = PdfReader(built / f"{key}.pdf"), SHIPPED.items[key]
    root = reader.trailer["/Root"]
    if item.lang == "nl":  # translations: their language tag comes with the translated templates
        assert root["/Lang"] == "nl"
    assert root["/MarkInfo"]["/Marked"] is True or root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert "/StructTreeRoot" in root
    assert reader.metadata is not None
    assert reader.metadata.title == item.title
    assert reader.metadata.author == (getattr(item, "author", None) or PRACTICE.name)
    assert reader.metadata.subject == item.summary
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (
                font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            )
            fonts[str(font["/BaseFont"])] = any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts and all(fonts.values()), fonts
    assert all("Atkinson-Hyperlegible" in name for name in fonts), fonts


def _lines_with_sizes(pdf: Path) -> list[tuple[str, float]]:
    """Every printed line of every page (split by position on the page), with its font size in pt."""
    lines: list[tuple[str, float]] = []
    document = pdfium.PdfDocument(str(pdf))
    for index in range(len(document)):
        textpage = document[index].get_textpage()
        current, size, baseline = "", 0.0, None
        for i in range(textpage.count_chars()):
            char = textpage.get_text_range(i, 1)
            if char in "\r\n":
                continue
            _, bottom, _, _ = textpage.get_charbox(i)
            if baseline is not None and abs(bottom - baseline) > 3 and char.strip():
                lines.append((current.strip(), size))
                current, baseline = "", None
            if baseline is None and char.strip():
                baseline, size = bottom, pdfium_c.FPDFText_GetFontSize(textpage.raw, i) * 0.75  # px -> pt
            current += char
        if current.strip():
            lines.append((current.strip(), size))
    document.close()
    return lines


@pytest.mark.parametrize("key", ARTICLES + CARDS)
def test_body_text_is_12pt_with_at_most_75_characters_a_line(built: Path, key: str) -> None:
    lines = _lines_with_sizes(built / f"{key}.pdf")
    # the body is the size most lines are set in: 12 pt in articles, larger on cards
    body_size = Counter(round(size, 1) for _, size in lines).most_common(1)[0][0]
    assert body_size >= (13 if key.startswith("metaphors/") else 12)
    body = [text for text, size in lines if abs(size - body_size) < 0.1]
    assert len(body) >= 3
    too_long = [text for text in body if len(text) > 75]
    assert not too_long
    # nothing a patient has to read is set below 11 pt, except footer, captions and sources
    small = [text for text, size in lines if size < 10.9 and size > 2]
    assert len(small) < len(lines) / 2


@pytest.mark.parametrize("key", ARTICLES)
def test_no_heading_alone_at_the_bottom_of_a_page(built: Path, key: str) -> None:
    source = SHIPPED.items[key].body
    headings = {line.lstrip("#").strip() for line in source.splitlines() if line.startswith("##")}
    texts = page_texts(built / f"{key}.pdf")
    for text in texts[:-1]:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        body = [line for line in lines if PRACTICE.phone not in line]
        assert body[-1] not in headings, f"heading {body[-1]!r} ends a page"


def test_article_has_bookmarks_for_its_sections(sample_built: Path) -> None:
    reader = PdfReader(sample_built / "articles" / "artikel-een.pdf")
    titles = []

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    assert titles[0] == "Het eerste artikel"
    assert {"Wat kan je doen?", "Bronnen"} <= set(titles)


def test_brand_colours_keep_text_contrast() -> None:
    css = (PROJECT / "styles" / "brand.css").read_text(encoding="utf-8")
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a: str, b: str) -> float:
        la, lb = sorted((luminance(a), luminance(b)), reverse=True)
        return (la + 0.05) / (lb + 0.05)

    for name in ("ink", "muted", "brand", "accent"):
        assert contrast(colours[name], "#ffffff") >= 4.5, name
    assert contrast(colours["brand"], colours["brand-light"]) >= 4.5


def test_rebuild_is_byte_identical(built: Path, tmp_path: Path) -> None:
    """A second, independent build (one process, no manifest) gives the same bytes."""
    out = tmp_path / "again"
    assert main(["build", "--content", str(CONTENT), "--out", str(out), "--jobs", "1", "-q"]) == 0
    pdfs = sorted(p.relative_to(out) for p in out.rglob("*.pdf"))
    assert pdfs == sorted(p.relative_to(built) for p in built.rglob("*.pdf"))
    for relative in pdfs:
        assert (out / relative).read_bytes() == (built / relative).read_bytes(), relative
