"""A practice's own look (a logo, content/theme.css) and a new practice's folder (``init``).

Read from the PDFs: the logo is drawn where the wordmark was, the theme's colour is on the page;
a theme whose text colours are too light is a ``check`` error on its line.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from conftest import SAMPLE, decode_qr, make_content, page_texts, render_page, run_cli
from PIL import Image
from pypdf import PdfReader

from handouts.theme import contrast

MAGENTA = (255, 0, 255)
LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="80">'
    '<rect width="300" height="80" fill="#ff00ff"/></svg>\n'
)


def png(colour: tuple[int, int, int]) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (300, 80), colour).save(data, "PNG")
    return data.getvalue()


def with_practice(extra: str) -> str:
    return SAMPLE["practice.yml"] + extra


def build_card(capfd: pytest.CaptureFixture[str], content: Path, out: Path) -> tuple[int, str, Path]:
    code, err = run_cli(capfd, "build", "metaphors/kaart-twee", "--content", str(content), "--out", str(out))
    return code, err, out / "metaphors/kaart-twee.pdf"


def pixels_near(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 12) -> np.ndarray:
    """A mask of the pixels within ``tolerance`` of ``colour`` in every channel."""
    array = np.asarray(image).astype(int)
    return np.all(np.abs(array - np.array(colour)) <= tolerance, axis=-1)


def image_objects(pdf: Path) -> int:
    document = pdfium.PdfDocument(str(pdf))
    try:
        return sum(1 for o in document[0].get_objects(max_depth=4) if o.type == pdfium_raw.FPDF_PAGEOBJ_IMAGE)
    finally:
        document.close()


def alt_texts(pdf: Path) -> list[str]:
    """The alternative texts of the figures in the PDF's structure tree (what a screen reader says)."""
    found: list[str] = []

    def walk(node: object) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, dict):
            if "/Alt" in node:
                found.append(str(node["/Alt"]))
            walk(node.get("/K"))
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(PdfReader(pdf).trailer["/Root"]["/StructTreeRoot"])
    return found


# ---------------------------------------------------------------------------- the logo


def test_an_svg_logo_is_drawn_where_the_wordmark_was(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    plain = make_content(tmp_path, name="plain")
    code, err, plain_pdf = build_card(capfd, plain, tmp_path / "plain-out")
    assert code == 0, err
    content = make_content(
        tmp_path, {"practice.yml": with_practice("logo: images/logo.svg\n"), "images/logo.svg": LOGO_SVG}
    )
    code, err, pdf = build_card(capfd, content, tmp_path / "out")
    assert code == 0, err

    before, after = render_page(plain_pdf, scale=1), render_page(pdf, scale=1)
    top = after.height // 6  # the masthead
    assert not pixels_near(before, MAGENTA).any()
    magenta = pixels_near(after, MAGENTA)
    assert magenta[:top].sum() > 2000, "the logo is not in the masthead"
    assert not magenta[top:].any()
    # the typographic wordmark is gone from the masthead; the name stays in the footer
    assert page_texts(plain_pdf)[0].count("Praktijk De Proef") == 2
    assert page_texts(pdf)[0].count("Praktijk De Proef") == 1
    assert "Praktijk De Proef" in alt_texts(pdf)  # a screen reader says the practice's name


def test_a_png_logo_is_an_image_on_the_page(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    content = make_content(
        tmp_path, {"practice.yml": with_practice("logo: images/logo.png\n"), "images/logo.png": png(MAGENTA)}
    )
    code, err, pdf = build_card(capfd, content, tmp_path / "out")
    assert code == 0, err
    assert image_objects(pdf) == 1
    assert pixels_near(render_page(pdf, scale=1), MAGENTA).any()


def test_a_logo_that_is_not_there_is_an_error_on_its_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    make_content(tmp_path, {"practice.yml": with_practice("logo: images/logo.svg\n")})
    code, err = run_cli(capfd, "check", "--content", "content")
    assert code == 1
    line = len(SAMPLE["practice.yml"].splitlines()) + 1
    assert f"content/practice.yml:{line}: error: logo 'images/logo.svg' not found" in err, err


# ---------------------------------------------------------------------------- the theme

RED = (192, 0, 0)  # 6.4:1 on white


def test_the_theme_colour_is_on_the_page_and_an_edit_rebuilds(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    content = make_content(tmp_path, {"booklet.yml": None})
    out = tmp_path / "out"
    code, err, pdf = build_card(capfd, content, out)
    assert code == 0, err
    assert not pixels_near(render_page(pdf, scale=1), RED).any()

    (content / "theme.css").write_text(":root {\n  --brand: #c00000;\n}\n", encoding="utf-8")
    code, err = run_cli(capfd, "build", "--content", str(content), "--out", str(out))
    assert code == 0, err
    assert "5 built, 0 unchanged" in err  # every output shows the brand colour
    assert pixels_near(render_page(pdf, scale=1), RED).sum() > 500  # headings and rules

    code, err = run_cli(capfd, "build", "--content", str(content), "--out", str(out))
    assert "0 built, 5 unchanged" in err
    (content / "theme.css").write_text(":root {\n  --brand: #0000c0;\n}\n", encoding="utf-8")
    code, err = run_cli(capfd, "build", "--content", str(content), "--out", str(out))
    assert "5 built, 0 unchanged" in err
    assert not pixels_near(render_page(pdf, scale=1), RED).any()


def test_a_font_from_the_content_folder_is_used(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """A @font-face in theme.css loads a font file inside content/ (here a bundled one, renamed)."""
    from handouts.paths import STYLES

    theme = (
        '@font-face { font-family: "Eigen Letter"; src: url(fonts/Eigen.ttf); }\n'
        ':root { --font: "Eigen Letter"; }\n'
    )
    content = make_content(
        tmp_path,
        {
            "theme.css": theme,
            "fonts/Eigen.ttf": (STYLES / "fonts/AtkinsonHyperlegible-Italic.ttf").read_bytes(),
        },
    )
    code, err, pdf = build_card(capfd, content, tmp_path / "out")
    assert code == 0, err
    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(pdf).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("Italic" in name for name in fonts), fonts  # the body is set in the theme's font


@pytest.mark.parametrize(
    "theme, line, says",
    [
        (
            ":root {\n  --ink: #1f2933;\n  --muted: #aaaaaa;\n}\n",
            3,
            "'--muted' has a contrast of 2.3:1 against white",
        ),
        (":root {\n  --brand-light: #5a7f86;\n}\n", 2, "'--ink' has a contrast of 3.4:1 against the panel"),
        (":root {\n  --accent: grün;\n}\n", 2, "'--accent' is not a colour: 'grün'"),
        ("@font-face { font-family: X; src: url(fonts/nope.ttf); }\n", 1, "'nope.ttf' not found"),
    ],
    ids=["light-text", "dark-panel", "not-a-colour", "missing-font"],
)
def test_a_bad_theme_is_a_check_error_with_its_line(
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    theme: str,
    line: int,
    says: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    make_content(tmp_path, {"theme.css": theme})
    code, err = run_cli(capfd, "check", "--content", "content")
    assert code == 1, err
    assert f"content/theme.css:{line}: error: {says}" in err, err
    code, err = run_cli(capfd, "build", "--content", "content", "--out", "out")
    assert code == 1, err
    assert not list(Path("out").rglob("*.pdf"))  # no handout in colours nobody can read


def test_contrast_is_the_wcag_ratio() -> None:
    assert contrast((0, 0, 0), (1, 1, 1)) == pytest.approx(21)
    assert contrast((1, 1, 1), (1, 1, 1)) == pytest.approx(1)
    grey = 0x76 / 255  # #767676: the lightest grey with 4.5:1 on white
    assert contrast((grey, grey, grey), (1, 1, 1)) == pytest.approx(4.54, abs=0.01)


# ---------------------------------------------------------------------------- init


def test_init_makes_a_folder_that_builds_and_check_names_what_to_fill_in(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, err = run_cli(capfd, "init", "nieuw")
    assert code == 0, err

    code, err = run_cli(capfd, "check", "--content", "nieuw")
    assert code == 0, err
    assert ": error:" not in err
    for field in ("name", "phone", "website", "booking_url", "blog_url"):
        assert f"warning: '{field}' is still the placeholder" in err, err
    assert "nieuw/practice.yml:4: warning: 'name' is still the placeholder 'Naam van de praktijk'" in err
    for example in ("metaphors/voorbeeld-kaart.md", "articles/voorbeeld-artikel.md"):
        assert f"nieuw/{example}: warning: this is still the example" in err, err

    code, err = run_cli(capfd, "build", "--content", "nieuw", "--out", "out", "--jobs", "2")
    assert code == 0, err
    assert "3 built, 0 unchanged, 0 failed" in err
    card = Path("out/metaphors/voorbeeld-kaart.pdf")
    assert len(page_texts(card)) == 1
    assert decode_qr(render_page(card)) == [
        "https://www.praktijk.example/afspraak",
        "https://www.praktijk.example/blog",
    ]
    assert Path("out/articles/voorbeeld-artikel.pdf").is_file() and Path("out/booklet.pdf").is_file()

    practice = Path("nieuw/practice.yml")
    practice.write_text(practice.read_text(encoding="utf-8").replace("Naam van de praktijk", "Praktijk Zon"))
    code, err = run_cli(capfd, "check", "--content", "nieuw")
    assert "'name' is still the placeholder" not in err and "'phone' is still the placeholder" in err


def test_init_refuses_a_folder_that_is_not_empty(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bestaand").mkdir()
    Path("bestaand/notities.txt").write_text("van mij", encoding="utf-8")
    code, err = run_cli(capfd, "init", "bestaand")
    assert code == 2
    assert "'bestaand' exists and is not empty" in err
    assert sorted(p.name for p in Path("bestaand").iterdir()) == ["notities.txt"]
    Path("leeg").mkdir()
    assert run_cli(capfd, "init", "leeg")[0] == 0  # an empty folder is fine


def test_every_field_of_practice_yml_reaches_the_model(tmp_path: Path) -> None:
    """printer: and booklet_printer: were declared in the schema but never reached Practice."""
    from handouts.content import load

    extra = "printer: Kantoor\nbooklet_printer: Balie\ntherapists: [Tim Willems]\n"
    content = make_content(tmp_path, {"practice.yml": with_practice(extra)})
    practice = load(content).practice
    assert practice is not None
    assert (practice.printer, practice.booklet_printer, practice.therapists) == (
        "Kantoor",
        "Balie",
        ("Tim Willems",),
    )
