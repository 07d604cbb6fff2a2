"""Print for older readers, large print and accessible PDFs: read back from the PDFs.

Sizes are read from the PDF (pypdfium2: a character's font size times its text matrix), the
structure tree with pikepdf, and the `pdfua` checker runs on every patient-facing PDF.
Behaviour is tested on small fixture folders; the shipped content only for invariants.
"""

from __future__ import annotations

import ctypes
import hashlib
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import yaml
from conftest import CONTENT, decode_qr, page_texts, render_page
from pdfua import validate

from handouts import i18n
from handouts.cli import main
from handouts.models import PartialDate

PRACTICE = yaml.safe_load((CONTENT / "practice.yml").read_text(encoding="utf-8"))


def _key(path: Path) -> str:
    """The output key of a content file: "metaphors/glas-water", "fr/metaphors/glas-water"."""
    slug, _, lang = path.name.removesuffix(".md").partition(".")
    return f"{lang}/{path.parent.name}/{slug}" if lang else f"{path.parent.name}/{slug}"


ARTICLES = sorted(p.stem for p in (CONTENT / "articles").glob("*.md") if "." not in p.stem)  # Dutch
METAPHORS = sorted(p.stem for p in (CONTENT / "metaphors").glob("*.md") if "." not in p.stem)
# every handout in every language it is translated into
HANDOUTS = sorted(_key(p) for kind in ("articles", "metaphors") for p in (CONTENT / kind).glob("*.md"))
SOURCES = {_key(p): p for kind in ("articles", "metaphors") for p in (CONTENT / kind).glob("*.md")}
BOOKLETS = ["booklet.pdf"] + [f"{p.stem.split('.')[1]}/booklet.pdf" for p in CONTENT.glob("booklet.*.yml")]
PATIENT_PDFS = [f"{key}.pdf" for key in HANDOUTS] + BOOKLETS  # not the imposed print files


def lang_of(name: str) -> str:
    first = name.split("/")[0]
    return first if first in ("fr", "en") else "nl"


# pdfua 0.1.3 with pikepdf 10: its empty-heading rule raises on a /K array ("getattr" on an Array
# looks the name up as a key); test_headings_nest_without_gaps checks that every heading has text.
PDFUA_BROKEN_RULES = {"UA-14-001"}
# A line that ends in one of these split a word (pdfium reports a hyphen it joined as U+FFFE)
HYPHENS = ("-", "\u2010", "\u00ad", "\ufffe")


# ---------------------------------------------------------------------------- reading the PDF


@dataclass(frozen=True)
class Char:
    text: str
    size: float  # pt, as printed
    drawing: bool  # drawn inside an illustration (an SVG's own text), not the page's text
    baseline: float


def _drawn_text_objects(page: pdfium.PdfPage) -> set[int]:
    """The text objects of an illustration: inside a Figure's marked content, or in a form
    XObject of one (an SVG's groups), as opposed to the text of the page itself."""
    drawn = set()
    for obj in page.get_objects(max_depth=8):
        if obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        names = []
        for k in range(pdfium_c.FPDFPageObj_CountMarks(obj.raw)):
            mark = pdfium_c.FPDFPageObj_GetMark(obj.raw, k)
            buffer, length = (ctypes.c_ushort * 64)(), ctypes.c_ulong()
            pdfium_c.FPDFPageObjMark_GetName(mark, buffer, ctypes.sizeof(buffer), ctypes.byref(length))
            names.append(bytes(buffer)[: length.value].decode("utf-16-le").rstrip("\x00"))
        if obj.level > 0 or "Figure" in names:
            drawn.add(ctypes.cast(obj.raw, ctypes.c_void_p).value or 0)
    return drawn


def chars(pdf: Path, index: int) -> list[Char]:
    """Every visible character of one page with the size it is printed at."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[index]
        textpage = page.get_textpage()
        drawn = _drawn_text_objects(page)
        result = []
        for i in range(textpage.count_chars()):
            text = textpage.get_text_range(i, 1)
            if text in "\r\n":
                result.append(Char("\n", 0.0, False, 0.0))
                continue
            left, bottom, right, top = textpage.get_charbox(i)
            if left == right and bottom == top:
                continue  # not drawn: a word joiner, a zero-width space
            matrix = pdfium_c.FS_MATRIX()
            pdfium_c.FPDFText_GetMatrix(textpage.raw, i, ctypes.byref(matrix))
            scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
            size = round(pdfium_c.FPDFText_GetFontSize(textpage.raw, i) * scale, 2)
            x, y = ctypes.c_double(), ctypes.c_double()
            pdfium_c.FPDFText_GetCharOrigin(textpage.raw, i, ctypes.byref(x), ctypes.byref(y))
            obj = ctypes.cast(pdfium_c.FPDFText_GetTextObject(textpage.raw, i), ctypes.c_void_p).value
            result.append(Char(text, size, obj in drawn, y.value))
        return result
    finally:
        document.close()


def page_count(pdf: Path) -> int:
    return len(pdfium.PdfDocument(str(pdf)))


def lines_of(page: list[Char]) -> list[list[Char]]:
    """A page's characters as printed lines (a new line at a line break or a baseline jump)."""
    lines: list[list[Char]] = [[]]
    for char in page:
        last = next((c for c in reversed(lines[-1]) if c.text.strip()), None)
        if char.text == "\n" or (last and char.text.strip() and abs(char.baseline - last.baseline) > 2):
            lines.append([])
        if char.text != "\n":
            lines[-1].append(char)
    return [line for line in lines if "".join(c.text for c in line).strip()]


def text_of(line: list[Char]) -> str:
    return "".join(c.text for c in line).strip()


def flat(text: str) -> str:
    """Text with its line breaks undone and its quotes plain, for finding phrases."""
    text = text.replace("\ufffe", "").translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))
    return re.sub(r"\s+", " ", text).strip()


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def body_size(pdf: Path) -> float:
    """The size most of a document's characters are printed at."""
    sizes: Counter[float] = Counter()
    for index in range(page_count(pdf)):
        sizes.update(round(c.size, 1) for c in chars(pdf, index) if c.text.strip() and not c.drawing)
    return sizes.most_common(1)[0][0]


@dataclass(frozen=True)
class Element:
    role: str  # "H1", "Figure", "Link", ...
    alt: str
    has_content: bool  # marks some page content (an MCID), itself or below


def structure(pdf: Path) -> list[Element]:
    """The structure elements in reading order (depth first)."""
    elements: list[Element] = []

    def marks_content(node: pikepdf.Dictionary) -> bool:
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, int):  # an MCID (pikepdf gives numbers as int)
                return True
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid and marks_content(kid):
                return True
        return False

    def walk(node: pikepdf.Dictionary) -> None:
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                elements.append(Element(str(kid.S)[1:], str(kid.get("/Alt", "")), marks_content(kid)))
                walk(kid)

    with pikepdf.open(pdf) as document:
        walk(document.Root.StructTreeRoot)
    return elements


# ---------------------------------------------------------------------------- fixtures

PRACTICE_YML = """\
name: Proefpraktijk Kinesitherapie
phone: 012/34 56 78
website: https://www.example.org
blog_url: https://www.example.org/blog
booking_url: https://www.example.org/afspraak
"""


def card(body: str, **fields: str) -> str:
    head = {"title": "Proefkaart", "summary": "Een korte boodschap.", **fields}
    return "---\n" + yaml.safe_dump(head, allow_unicode=True) + "---\n\n" + body


def article(body: str, **fields: object) -> str:
    head = {
        "title": "Proefartikel",
        "summary": "Een samenvatting van het artikel.",
        "key_points": ["Het eerste punt.", "Het tweede punt."],
        **fields,
    }
    return "---\n" + yaml.safe_dump(head, allow_unicode=True) + "---\n\n" + body


def build(tmp_path: Path, files: dict[str, str], *extra: str) -> Path:
    """Build a small content folder; return the output folder."""
    content, out = tmp_path / "content", tmp_path / "dist"
    for name, text in {"practice.yml": PRACTICE_YML, **files}.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text, encoding="utf-8")
    assert main(["build", "--content", str(content), "--out", str(out), "--jobs", "1", "-q", *extra]) == 0
    return out


@pytest.fixture(scope="session")
def built_large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content in large print (its own folder: ``built`` stays the standard build)."""
    out = tmp_path_factory.mktemp("dist-large")
    args = ["build", "--variant", "large", "--content", str(CONTENT), "--out", str(out), "--jobs", "2", "-q"]
    assert main(args) == 0
    return out / "large"


# ---------------------------------------------------------------------------- words and breaks


# Many sentences, each a little longer than the last, so that some phrase falls at every
# position of a line: without the protection, some line would end inside it.
def _staggered(phrase: str, count: int = 40) -> str:
    return " ".join(f"{'a' * (1 + i % 9)} {'woord ' * (i % 5)}{phrase}." for i in range(count))


def test_no_line_ends_in_a_hyphen_or_splits_a_word(tmp_path: Path) -> None:
    """Easy-read: never a word split across lines; a compound's own hyphen does not end a line."""
    long_word = "arbeidsongeschiktheidsverzekeringsmaatschappijen" * 3  # wider than the column
    body = "\n\n".join(
        [
            _staggered("de VAS-pijnschaal"),
            _staggered("bil- en beenpijn"),
            "Langere woorden zoals ontstekingsreactie, bewegingsangst, belastbaarheid en "
            "herstelvermogen worden nooit gesplitst, ook niet in een smalle kolom. " * 12,
            long_word,
        ]
    )
    out = build(tmp_path, {"articles/proef.md": article(body), "articles/leeg.md": article("Leeg.")})
    pdf = out / "articles" / "proef.pdf"
    # the words of the text, and those the template prints around it (title, QR block, footer)
    words = set(re.findall(r"\w+", body + " ".join(page_texts(out / "articles" / "leeg.pdf"))))
    for index in range(page_count(pdf)):
        lines = [text_of(line) for line in lines_of(chars(pdf, index))]
        for line in lines:
            assert not line.endswith(HYPHENS) and "\ufffe" not in line, f"a line ends in a hyphen: {line!r}"
            # no piece of a word: a part of a longer word of the text that is not a word itself
            for word in re.findall(r"[^\W\d_]+", line):
                pieces = [w for w in words if w != word and (w.startswith(word) or w.endswith(word))]
                assert word in words or word in long_word or not pieces, f"split word: {word!r}"
    # the over-long word is not cut off: it wraps, as a last resort
    assert long_word in "".join(flat(t).replace(" ", "") for t in page_texts(pdf))


def test_no_break_where_a_break_misleads(tmp_path: Path) -> None:
    """ "'s morgens", "5 op 10" and "0 = geen pijn" never start on one line and end on the next."""
    body = "\n\n".join(_staggered(p) for p in ("\u2019s morgens", "'s avonds", "5 op 10", "0 = geen pijn"))
    out = build(tmp_path, {"articles/proef.md": article(body)})
    pdf = out / "articles" / "proef.pdf"
    ends = re.compile(r"(\u2019s|\d op|\d =|=)$")
    starts = re.compile(r"^(morgens|avonds|op \d|\d+\b|= |geen pijn)")
    for index in range(page_count(pdf)):
        lines = [text_of(line) for line in lines_of(chars(pdf, index))]
        for line, following in itertools.pairwise(lines):
            assert not (ends.search(line) and starts.match(following)), (line, following)
    assert "'s morgens" in flat(" ".join(page_texts(pdf))).replace("\xa0", " ")


@pytest.mark.parametrize("name", [n for n in PATIENT_PDFS if not n.startswith("articles/")])
def test_shipped_cards_and_booklet_never_end_a_line_in_a_hyphen(built: Path, name: str) -> None:
    for number, text in enumerate(page_texts(built / name), start=1):
        assert "\ufffe" not in text, f"{name} page {number}: a word hyphenated at a line end"
        ends = [line for line in text.splitlines() if line.rstrip().endswith(HYPHENS)]
        assert not ends, f"{name} page {number}: {ends}"


# ---------------------------------------------------------------------------- type sizes


def test_booklet_body_is_12pt_and_nothing_is_under_10pt(built: Path) -> None:
    pdf = built / "booklet.pdf"
    assert body_size(pdf) >= 12
    for index in range(page_count(pdf)):
        small = {c.text for c in chars(pdf, index) if c.text.strip() and not c.drawing and c.size < 10}
        assert not small, f"booklet page {index + 1}: text under 10 pt: {sorted(small)}"


@pytest.mark.parametrize("name", PATIENT_PDFS)
def test_nothing_a_patient_reads_is_under_10pt(built: Path, name: str) -> None:
    """The page's own text: footer, addresses, captions, running heads included."""
    pdf = built / name
    for index in range(page_count(pdf)):
        for line in lines_of(chars(pdf, index)):
            small = [c for c in line if c.text.strip() and not c.drawing and c.size < 10]
            assert not small, f"{name} p{index + 1}: {text_of(line)!r} at {small[0].size:.1f} pt"


def test_labels_in_the_illustrations_are_10pt_or_more(built: Path) -> None:
    for name in PATIENT_PDFS:
        pdf = built / name
        for index in range(page_count(pdf)):
            small = {c.text for c in chars(pdf, index) if c.text.strip() and c.drawing and c.size < 10}
            assert not small, f"{name} p{index + 1}: an illustration's label under 10 pt"


def test_cards_use_their_spare_room_for_larger_type(built: Path) -> None:
    for key in HANDOUTS:
        if "metaphors/" in key:
            assert body_size(built / f"{key}.pdf") >= 13, key


@pytest.mark.parametrize("name", PATIENT_PDFS)
def test_the_phone_number_stands_beside_every_maak_een_afspraak_at_12pt(built: Path, name: str) -> None:
    pdf = built / name
    phone = PRACTICE["phone"]
    label = i18n.gettext(lang_of(name), "Maak een afspraak")
    call = i18n.gettext(lang_of(name), "of bel %(phone)s").split("%(phone)s")[0].strip()
    seen = 0
    for index in range(page_count(pdf)):
        page = [c for c in chars(pdf, index) if c.text != "\n"]
        text = "".join(c.text for c in page)
        if label not in text:
            continue
        seen += 1
        match = re.search(re.escape(call) + r"\s*" + re.escape(phone), text.replace("\xa0", " "))
        assert match, f"{name} p{index + 1}: no '{call} {phone}' beside '{label}'"
        start = match.end() - len(phone)
        sizes = [c.size for c in page[start : match.end()] if c.text.strip()]
        assert min(sizes) >= 12, f"{name} p{index + 1}: phone at {min(sizes):.1f} pt"
    # every handout has the booking QR; the booklet on both covers
    assert seen >= (2 if name.endswith("booklet.pdf") else 1)


# ---------------------------------------------------------------------------- large print


def test_large_print_writes_every_handout_and_the_booklet(built_large: Path) -> None:
    for name in PATIENT_PDFS:
        assert (built_large / name).is_file(), name
    for name in ("booklet.pdf", "booklet-print.pdf", "booklet-print-long-edge.pdf"):
        assert (built_large / name).is_file(), name
    pages = page_count(built_large / "booklet.pdf")
    assert pages % 4 == 0 and page_count(built_large / "booklet-print.pdf") == pages // 2
    for key in HANDOUTS:  # a large card may take two pages, no more
        if "metaphors/" in key:
            assert page_count(built_large / f"{key}.pdf") <= 2, key


@pytest.mark.parametrize("name", PATIENT_PDFS)
def test_large_print_body_is_16pt_and_nothing_under_12pt(built_large: Path, built: Path, name: str) -> None:
    assert body_size(built_large / name) >= 16
    assert body_size(built_large / name) > body_size(built / name)
    pdf = built_large / name
    for index in range(page_count(pdf)):
        small = {c.text for c in chars(pdf, index) if c.text.strip() and not c.drawing and c.size < 12}
        assert not small, f"{name} p{index + 1}: {sorted(small)}"


def test_large_print_qr_codes_are_the_same_and_no_smaller(built_large: Path, built: Path) -> None:
    pdf = "metaphors/glas-water.pdf"
    standard = decode_qr(render_page(built / pdf))
    large = sorted(
        code
        for i in range(page_count(built_large / pdf))
        for code in decode_qr(render_page(built_large / pdf, i))
    )
    assert large == standard and len(large) == 2


# ---------------------------------------------------------------------------- footer: review and version


def test_footer_prints_the_review_and_the_version_on_every_page(tmp_path: Path) -> None:
    body = "## Eerste deel\n\n" + "Een zin met wat tekst om de pagina te vullen. " * 300
    files = {
        "articles/nagekeken.md": article(
            body, date="2025-06-01", reviewed="2026-01-15", reviewed_by="An Peeters"
        ),
        "articles/maand.md": article(body, date="2025-06"),
        "articles/niet-nagekeken.md": article(body),
        "metaphors/proefkaart.md": card("Tekst.", reviewed="2025-03-09"),
    }
    out = build(tmp_path, files)
    content = tmp_path / "content"

    def digest(key: str) -> str:
        return hashlib.sha256((content / f"{key}.md").read_bytes()).hexdigest()[:6]

    # the edition is a month (the content's, else the review's) and a hash: never a day
    expected = {
        "articles/nagekeken": (
            "Nagekeken door An Peeters op 15 januari 2026",
            f"versie juni 2025 · {digest('articles/nagekeken')}",
        ),
        "articles/maand": (None, f"versie juni 2025 · {digest('articles/maand')}"),
        "articles/niet-nagekeken": (None, f"versie {digest('articles/niet-nagekeken')}"),
        "metaphors/proefkaart": (
            "Nagekeken op 9 maart 2025",
            f"versie maart 2025 · {digest('metaphors/proefkaart')}",
        ),
    }
    for key, (review, version) in expected.items():
        texts = page_texts(out / f"{key}.pdf")
        assert len(texts) >= (2 if key.startswith("articles/") else 1)
        for text in texts:
            text = flat(text)
            assert version in text, (key, version)
            assert "2025-06" not in text and "2025-03" not in text
            if review:
                assert review in text, (key, review)
            else:
                assert "Nagekeken" not in text
    # the footer is small print, but not under 10 pt
    pdf = out / "articles" / "nagekeken.pdf"
    footer = [line for line in lines_of(chars(pdf, 0)) if "versie" in text_of(line)]
    assert footer and min(c.size for c in footer[0] if c.text.strip()) >= 10


@pytest.mark.parametrize("key", HANDOUTS)
def test_shipped_footer_version_matches_the_content(built: Path, key: str) -> None:
    source, lang = SOURCES[key], lang_of(key)
    meta = front_matter(source)
    short = hashlib.sha256(source.read_bytes()).hexdigest()[:6]
    date = meta.get("date") or meta.get("reviewed")
    month = PartialDate.parse(str(date)[:7]) if date else None
    version = i18n.gettext(lang, "versie %(version)s") % {
        "version": f"{i18n.month_year(month, lang)} · {short}" if month else short
    }
    review = None
    if meta.get("reviewed"):
        when = i18n.long_date(meta["reviewed"], lang)
        review = (
            i18n.gettext(lang, "Nagekeken door %(name)s op %(date)s")
            % {"name": meta["reviewed_by"], "date": when}
            if meta.get("reviewed_by")
            else i18n.gettext(lang, "Nagekeken op %(date)s") % {"date": when}
        )
    for text in page_texts(built / f"{key}.pdf"):
        assert version in flat(text)
        if review:
            assert review in flat(text)


# ---------------------------------------------------------------------------- In het kort, Bronnen


@pytest.mark.parametrize("slug", ARTICLES)
def test_every_article_opens_with_in_het_kort(built: Path, slug: str) -> None:
    meta = front_matter(CONTENT / "articles" / f"{slug}.md")
    first = flat(page_texts(built / "articles" / f"{slug}.pdf")[0])
    title = flat(meta["title"])
    after_title = first[first.index(title) + len(title) :].strip()
    if meta.get("subtitle"):
        after_title = after_title.removeprefix(flat(meta["subtitle"])).strip()
    assert after_title.startswith("In het kort")
    box = after_title.removeprefix("In het kort")
    for point in meta["key_points"]:
        assert flat(point) in box.replace("\xa0", " ")
    assert box.index(flat(meta["key_points"][-1])) < box.index(flat(meta["summary"])[:30])


def test_booklet_articles_open_with_in_het_kort_and_leave_out_the_reference_lists(built: Path) -> None:
    texts = [flat(t) for t in page_texts(built / "booklet.pdf")]
    whole = " ".join(texts)
    for slug in ARTICLES:
        source = CONTENT / "articles" / f"{slug}.md"
        meta = front_matter(source)
        start = next(i for i, t in enumerate(texts) if flat(meta["title"]) in t and i > 3)
        page = texts[start]
        assert page.index("In het kort") < page.index(flat(meta["summary"])[:30])
        sources = source.read_text(encoding="utf-8").partition("## Bronnen")[2]
        references = [line[2:] for line in sources.splitlines() if line.startswith("- ")]
        for reference in references:
            assert flat(reference)[:40] not in whole, reference
        if references:
            url = (meta.get("url") or PRACTICE["blog_url"]).split("://")[1]
            note = f"De bronnen staan bij het artikel op {url}"
            assert note.replace(" ", "") in whole.replace(" ", "").replace("\xa0", ""), note


def test_the_booklet_covers_carry_no_running_head_or_page_number(built: Path, built_large: Path) -> None:
    booklet = yaml.safe_load((CONTENT / "booklet.yml").read_text(encoding="utf-8"))
    sections = {flat(section["title"]) for section in booklet["sections"]}
    for pdf in (built / "booklet.pdf", built_large / "booklet.pdf"):
        texts = page_texts(pdf)
        for text in (texts[0], texts[-1]):
            lines = {flat(line) for line in text.splitlines()}
            assert not lines & sections, lines & sections
            assert not [line for line in lines if line.isdigit()], lines


# ---------------------------------------------------------------------------- page layout


def _body_lines(pdf: Path, index: int) -> list[list[Char]]:
    """A page's printed lines without its footer."""
    return [
        line
        for line in lines_of(chars(pdf, index))
        if not re.search(r"pagina \d+ van \d+$", text_of(line))
        and not re.match(r"(versie|Nagekeken) ", text_of(line))
        and text_of(line) != "\u2022"  # pdfium lists a list's bullets after the page's text
    ]


def _figure_top(pdf: Path, index: int) -> float | None:
    """The top (pt from the page bottom) of the highest figure drawn on a page."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        tops = []
        for obj in document[index].get_objects(max_depth=1):
            names = []
            for k in range(pdfium_c.FPDFPageObj_CountMarks(obj.raw)):
                mark = pdfium_c.FPDFPageObj_GetMark(obj.raw, k)
                buffer, length = (ctypes.c_ushort * 64)(), ctypes.c_ulong()
                pdfium_c.FPDFPageObjMark_GetName(mark, buffer, ctypes.sizeof(buffer), ctypes.byref(length))
                names.append(bytes(buffer)[: length.value].decode("utf-16-le").rstrip("\x00"))
            if "Figure" in names:
                box = [ctypes.c_float() for _ in range(4)]
                pdfium_c.FPDFPageObj_GetBounds(obj.raw, *map(ctypes.byref, box))
                tops.append(box[3].value)
        return max(tops, default=None)
    finally:
        document.close()


def check_headings_keep_three_lines(pdf: Path, headings: list[str]) -> None:
    """No heading at a page foot with fewer than three lines under it."""
    for index in range(page_count(pdf) - 1):
        lines = [flat(text_of(line)) for line in _body_lines(pdf, index)]
        for position, line in enumerate(lines):
            heading = next((h for h in headings if h.startswith(line) and len(line) > 3), None)
            if heading is None:
                continue
            end = position  # a heading may wrap over more lines
            while " ".join(lines[position : end + 1]) != heading and end + 1 < len(lines):
                end += 1
            assert len(lines) - end - 1 >= 3, f"{pdf.name} p{index + 1}: {heading!r} at the foot"


def check_list_items_whole(pdf: Path, items: list[str]) -> None:
    """Each list item on one page (compared without spaces: a line may break after "doi:")."""
    pages = [re.sub(r"\s", "", flat(t)) for t in page_texts(pdf)]
    for item in items:
        words = flat(re.sub(r"[*_`]", "", item)).split()
        head, tail = "".join(words[:4]), "".join(words[-4:])
        assert any(head in page and tail in page for page in pages), f"{pdf.name}: split {item[:50]!r}"


def check_last_page_is_not_only_the_qr_block(pdf: Path) -> None:
    last = [text_of(line) for line in _body_lines(pdf, page_count(pdf) - 1)]
    qr_block = ("Meer weten?", "Lees", "Maak een afspraak", "www.", "of bel")
    assert [line for line in last if not line.startswith(qr_block)], f"{pdf.name}: {last}"


def check_no_quarter_page_empty_before_a_figure(pdf: Path, content_height_mm: float) -> None:
    """When a page starts with a figure, the page before it is not left a quarter empty."""
    for index in range(1, page_count(pdf)):
        top = _figure_top(pdf, index)
        lines = _body_lines(pdf, index)
        if top is None or (lines and max(c.baseline for c in lines[0]) > top):
            continue  # this page does not start with a figure
        everything = lines_of(chars(pdf, index - 1))
        body = _body_lines(pdf, index - 1)
        footer = min(c.baseline for line in everything for c in line)  # the footer's last line
        lowest = min(c.baseline for line in body for c in line)  # pdfium lists bullets last
        gap_mm = (lowest - footer) * 25.4 / 72
        assert gap_mm - 12 < content_height_mm / 4, f"{pdf.name} p{index}: {gap_mm:.0f} mm empty"


@pytest.mark.parametrize("slug", ARTICLES)
def test_shipped_articles_break_pages_well(built: Path, slug: str) -> None:
    source = (CONTENT / "articles" / f"{slug}.md").read_text(encoding="utf-8")
    lines = source.splitlines()
    pdf = built / "articles" / f"{slug}.pdf"
    check_headings_keep_three_lines(pdf, [flat(line.lstrip("#")) for line in lines if line.startswith("##")])
    # an article online prints one line for its references (they stay online), not the list
    printed = source.partition("\n## Bronnen")[0] if re.search(r"^url: ", source, re.M) else source
    items = [line[2:] for line in printed.splitlines() if line.startswith("- ") and len(line) > 80]
    check_list_items_whole(pdf, items)
    check_last_page_is_not_only_the_qr_block(pdf)
    check_no_quarter_page_empty_before_a_figure(pdf, 255)


SENTENCE = "Dit is een gewone zin die de bladzijde vult, met woorden van alledag. "


# A sentence is one line of an article, whose first page holds 27 lines of text: a lead of
# n sentences puts what follows it on line n + 1. Each sweep moves a block past the page foot.
ITEMS = [
    f"Begin van punt {i}: "
    + " ".join(f"een gewone zin die de regel vult, zin {k} van {i}." for k in range(6))
    for i in range(3)
]
SWEEPS = {
    "heading": ("## Het volgende deel\n\n" + SENTENCE * 10, range(20, 28)),
    "list": ("\n".join(f"- {item}" for item in ITEMS) + "\n\n" + SENTENCE * 4, range(8, 28, 2)),
    "figure": (
        '![Een glas water](../images/glas.svg "Het glas als beeld.")\n\n' + SENTENCE * 10,
        range(14, 28),
    ),
}


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {
        f"articles/{name}-{n}.md": article(SENTENCE * n + "\n\n" + block)
        for name, (block, offsets) in SWEEPS.items()
        for n in offsets
    }
    files["images/glas.svg"] = (CONTENT / "images" / "glas-water.svg").read_text(encoding="utf-8")
    return build(tmp_path_factory.mktemp("sweeps"), files, "--jobs", "2") / "articles"


def test_a_heading_keeps_three_lines_under_it_wherever_it_falls(sweeps: Path) -> None:
    for n in SWEEPS["heading"][1]:
        check_headings_keep_three_lines(sweeps / f"heading-{n}.pdf", ["Het volgende deel"])


def test_a_list_item_is_never_split_over_two_pages(sweeps: Path) -> None:
    for n in SWEEPS["list"][1]:
        check_list_items_whole(sweeps / f"list-{n}.pdf", ITEMS)


def test_no_quarter_page_is_left_empty_before_a_figure(sweeps: Path) -> None:
    for n in SWEEPS["figure"][1]:
        check_no_quarter_page_empty_before_a_figure(sweeps / f"figure-{n}.pdf", 255)


def test_the_qr_block_never_stands_alone_on_the_last_page(tmp_path: Path) -> None:
    """Articles of every length around a page: the QR block takes some text along."""
    files = {f"articles/l{n}.md": article(SENTENCE * (n * 3)) for n in range(28, 40)}
    out = build(tmp_path, files)
    for n in range(28, 40):
        check_last_page_is_not_only_the_qr_block(out / "articles" / f"l{n}.pdf")


# ---------------------------------------------------------------------------- PDF/UA-1


def _all_patient_pdfs(built: Path, built_large: Path) -> list[Path]:
    return [built / name for name in PATIENT_PDFS] + [built_large / name for name in PATIENT_PDFS]


def test_pdfua_checker_passes_on_every_patient_facing_pdf(built: Path, built_large: Path) -> None:
    for pdf in _all_patient_pdfs(built, built_large):
        report = validate(str(pdf))
        findings = [f"{f.rule_id}: {f.message}" for f in report.findings]
        assert not findings, (pdf, findings)
        skipped = {o.rule_id for o in report.outcomes if o.skipped_reason}
        assert skipped <= PDFUA_BROKEN_RULES, (pdf, skipped)
        with pikepdf.open(pdf) as document:
            assert b"pdfuaid:part" in document.Root.Metadata.read_bytes()  # PDF/UA-1 identification


@pytest.mark.parametrize("name", PATIENT_PDFS)
def test_headings_nest_without_gaps_under_one_h1(built: Path, name: str) -> None:
    headings = [e for e in structure(built / name) if re.fullmatch(r"H[1-6]", e.role)]
    levels = [int(e.role[1]) for e in headings]
    assert levels.count(1) == 1 and levels[0] == 1, levels
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"{name}: H{before} then H{after}"
    assert all(e.has_content for e in headings), f"{name}: an empty heading"


@pytest.mark.parametrize("name", PATIENT_PDFS)
def test_figures_and_qr_codes_have_alternative_text(built: Path, name: str) -> None:
    alts = [e.alt for e in structure(built / name) if e.role == "Figure"]
    assert alts and all(alt.strip() for alt in alts), alts
    # a QR code's says where it leads (in the page's language), as scanned from the page
    prefix = i18n.gettext(lang_of(name), "QR-code naar %(address)s").split("%(address)s")[0]
    qr_alts = {alt.removeprefix(prefix) for alt in alts if alt.startswith(prefix)}
    pages = range(len(page_texts(built / name)))
    scanned = {u.split("://")[1].rstrip("/") for i in pages for u in decode_qr(render_page(built / name, i))}
    assert scanned and scanned <= qr_alts, (scanned, qr_alts)


@pytest.mark.parametrize("name", PATIENT_PDFS)
def test_links_sit_in_link_elements_and_the_window_shows_the_title(built: Path, name: str) -> None:
    with pikepdf.open(built / name) as document:
        root = document.Root
        assert root.ViewerPreferences.DisplayDocTitle is True
        assert str(root.Lang) == lang_of(name)
        assert str(document.docinfo.Title).strip()
        parents: dict[int, pikepdf.Object] = {}
        todo = [root.StructTreeRoot.ParentTree]
        while todo:
            node = todo.pop()
            todo += list(node.get("/Kids", []))
            nums = node.get("/Nums", [])
            parents.update({int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)})
        annotations = [a for page in document.pages for a in page.obj.get("/Annots", [])]
        links = [a for a in annotations if a.Subtype == "/Link"]
        assert links  # the printed addresses are links, for a PDF read on screen
        for link in links:
            assert "/Contents" in link
            assert str(parents[int(link.StructParent)].S) == "/Link"


def test_the_booklet_headings_nest_sections_items_and_their_own_headings(built: Path) -> None:
    """Cover title H1; Welkom, Inhoud and the sections H2; an item H3; its own headings H4."""
    headings = [e for e in structure(built / "booklet.pdf") if re.fullmatch(r"H[1-6]", e.role)]
    levels = Counter(int(e.role[1]) for e in headings)
    booklet = yaml.safe_load((CONTENT / "booklet.yml").read_text(encoding="utf-8"))
    items = sum(len(section["items"]) for section in booklet["sections"])
    assert levels[3] == items
    assert levels[2] >= len(booklet["sections"]) + 2
    assert levels[4] > items  # In het kort, and the texts' sections
