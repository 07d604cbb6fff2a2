"""The A4 handouts built from the shipped content, read back as a reader (and a phone) sees them."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import yaml
from conftest import CONTENT, PROJECT, decode_qr, page_sizes_mm, page_texts, render_page
from pypdf import PdfReader

from handouts.cli import main

PRACTICE = yaml.safe_load((CONTENT / "practice.yml").read_text(encoding="utf-8"))
# the Dutch originals; a translation is <slug>.<lang>.md
ARTICLES = sorted(p.stem for p in (CONTENT / "articles").glob("*.md") if "." not in p.stem)
METAPHORS = sorted(p.stem for p in (CONTENT / "metaphors").glob("*.md") if "." not in p.stem)
TRANSLATED_CARDS = sorted(p.stem for p in (CONTENT / "metaphors").glob("*.*.md"))
A4 = (210.0, 297.0)
HANDOUTS = [("articles", s) for s in ARTICLES] + [("metaphors", s) for s in METAPHORS]


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def article_url(slug: str) -> str:
    return front_matter(CONTENT / "articles" / f"{slug}.md").get("url") or PRACTICE["blog_url"]


def flat(text: str) -> str:
    """Page text with line breaks and soft hyphens undone, for searching phrases."""
    text = re.sub(r"[\ufffe\u00ad]\r?\n?|-\r?\n", "", text)  # words hyphenated at a line end
    return re.sub(r"\s+", " ", text)


def test_shipped_content_is_complete() -> None:
    assert len(ARTICLES) == 4 and len(METAPHORS) == 6


@pytest.mark.parametrize(
    "kind, slug", [("articles", s) for s in ARTICLES] + [("metaphors", s) for s in METAPHORS]
)
def test_every_page_is_a4_with_title_phone_and_footer(built: Path, kind: str, slug: str) -> None:
    pdf = built / kind / f"{slug}.pdf"
    sizes = page_sizes_mm(pdf)
    assert all(abs(w - A4[0]) < 0.5 and abs(h - A4[1]) < 0.5 for w, h in sizes), sizes
    texts = page_texts(pdf)
    title = front_matter(CONTENT / kind / f"{slug}.md")["title"]
    assert flat(title) in flat(texts[0])
    for number, text in enumerate(texts, start=1):
        # the footer on every page: practice name, phone, website, page X of Y
        assert PRACTICE["name"] in text and PRACTICE["phone"] in text and "www.kine-tim.be" in text
        assert f"pagina {number} van {len(texts)}" in text


@pytest.mark.parametrize("slug", METAPHORS)
def test_card_is_exactly_one_page_with_both_qr_codes(built: Path, slug: str) -> None:
    pdf = built / "metaphors" / f"{slug}.pdf"
    assert len(page_texts(pdf)) == 1
    meta = front_matter(CONTENT / "metaphors" / f"{slug}.md")
    expected_article = article_url(meta["article"]) if meta.get("article") else PRACTICE["blog_url"]
    codes = decode_qr(render_page(pdf))
    assert codes == sorted([expected_article, PRACTICE["booking_url"]])
    text = flat(page_texts(pdf)[0])
    # the URLs are printed too, for those who don't scan
    assert expected_article.split("://")[1] in text.replace(" ", "")
    assert flat(meta["summary"]) in text


@pytest.mark.parametrize("stem", TRANSLATED_CARDS)
def test_a_translated_card_is_one_a4_page_with_both_qr_codes(built: Path, stem: str) -> None:
    slug, lang = stem.split(".")
    pdf = built / lang / "metaphors" / f"{slug}.pdf"
    assert page_sizes_mm(pdf) == [pytest.approx(A4, abs=0.5)]
    meta = front_matter(CONTENT / "metaphors" / f"{stem}.md")
    expected_article = article_url(meta["article"]) if meta.get("article") else PRACTICE["blog_url"]
    assert decode_qr(render_page(pdf)) == sorted([expected_article, PRACTICE["booking_url"]])
    assert flat(meta["title"]) in flat(page_texts(pdf)[0])


@pytest.mark.parametrize("slug", ARTICLES)
def test_article_ends_with_both_qr_codes(built: Path, slug: str) -> None:
    pdf = built / "articles" / f"{slug}.pdf"
    pages = len(page_texts(pdf))
    codes = decode_qr(render_page(pdf, pages - 1))
    assert codes == sorted([article_url(slug), PRACTICE["booking_url"]])
    last = page_texts(pdf)[-1]
    assert "Maak een afspraak" in flat(last)


def test_printed_addresses_wrap_after_a_slash_never_at_a_hyphen(built: Path) -> None:
    """A reader types the address from paper: "belasting-en-" at a line end is ambiguous."""
    pdfs = sorted(built.rglob("*.pdf"))
    urls = {article_url(slug) for slug in ARTICLES}
    assert any(len(url) > 45 for url in urls)  # long enough to wrap in a QR block's column
    printed = []
    for pdf in pdfs:
        for text in page_texts(pdf):
            lines = text.splitlines()
            for line, following in zip(lines, [*lines[1:], ""], strict=True):
                if re.fullmatch(r"www\.kine-tim\.be\S*", line):
                    printed.append(line + (following if line.endswith("/") else ""))
                    # pdfium joins a line that ends in a hyphen to the next, with U+FFFE between
                    assert "\ufffe" not in line and not line.endswith("-"), f"{pdf.name}: {line!r}"
    for url in urls:  # each address is printed whole somewhere: no part was lost to a wrap
        assert url.split("://", 1)[1] in printed, url


def test_qr_codes_are_at_least_2_cm(built: Path) -> None:
    pdf = built / "metaphors" / "glas-water.pdf"
    scale = 4.0  # 288 dpi
    results = __import__("zxingcpp").read_barcodes(render_page(pdf, 0, scale))
    assert len(results) == 2
    for result in results:
        pos = result.position
        width_px = abs(pos.top_right.x - pos.top_left.x)
        width_mm = width_px / scale * 25.4 / 72
        # the position covers the modules only; the quiet zone adds 2 x 4 modules around it
        assert width_mm >= 20, width_mm


@pytest.mark.parametrize(
    "kind, slug", [("articles", s) for s in ARTICLES] + [("metaphors", s) for s in METAPHORS]
)
def test_pdf_is_tagged_dutch_with_metadata_and_embedded_fonts(built: Path, kind: str, slug: str) -> None:
    reader = PdfReader(built / kind / f"{slug}.pdf")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl"
    assert root["/MarkInfo"]["/Marked"] is True or root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert "/StructTreeRoot" in root
    meta = front_matter(CONTENT / kind / f"{slug}.md")
    assert reader.metadata is not None
    assert reader.metadata.title == meta["title"]
    assert reader.metadata.author == meta.get("author", PRACTICE["name"])
    assert reader.metadata.subject == meta["summary"]
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


@pytest.mark.parametrize(
    "kind, slug", [("articles", s) for s in ARTICLES] + [("metaphors", s) for s in METAPHORS]
)
def test_body_text_is_12pt_with_at_most_75_characters_a_line(built: Path, kind: str, slug: str) -> None:
    lines = _lines_with_sizes(built / kind / f"{slug}.pdf")
    # the body is the size most lines are set in: 12 pt in articles, larger on cards
    body_size = Counter(round(size, 1) for _, size in lines).most_common(1)[0][0]
    assert body_size >= (13 if kind == "metaphors" else 12)
    body = [text for text, size in lines if abs(size - body_size) < 0.1]
    assert len(body) > 10
    too_long = [text for text in body if len(text) > 75]
    assert not too_long
    # nothing a patient has to read is set below 11 pt, except footer, captions and sources
    small = [text for text, size in lines if size < 10.9 and size > 2]
    assert len(small) < len(lines) / 2


@pytest.mark.parametrize("slug", ARTICLES)
def test_no_heading_alone_at_the_bottom_of_a_page(built: Path, slug: str) -> None:
    source = (CONTENT / "articles" / f"{slug}.md").read_text(encoding="utf-8")
    headings = {line.lstrip("#").strip() for line in source.splitlines() if line.startswith("##")}
    texts = page_texts(built / "articles" / f"{slug}.pdf")
    for text in texts[:-1]:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        body = [line for line in lines if PRACTICE["phone"] not in line]
        assert body[-1] not in headings, f"heading {body[-1]!r} ends a page"


def test_article_has_bookmarks_for_its_sections(built: Path) -> None:
    reader = PdfReader(built / "articles" / "belasting-en-belastbaarheid.pdf")
    titles = []

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    assert "Belasting en belastbaarheid" in titles
    assert "Bronnen" in titles


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
