"""Nothing printed off the paper, and ``check`` promises what ``build`` does.

Ordinary content wraps inside the page: a code block, a 60-character word in a card's title or
summary, a long word in the booklet's title (A5). What only a style can do (``position:
absolute`` in content/theme.css) is an error naming the file, in the build and in ``check``
alike. ``check`` names the file at fault for what it can know without rendering (an address
in theme.css), and renders in memory what only rendering tells (``--fast`` skips that).
Every PDF is read back with PDFium: where each character lands on its page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_content, page_texts, run_cli, sample_line
from readback import text_off_page

from handouts.paper import TRIM_MM

CARD = "metaphors/kaart-een.md"
ARTICLE = "articles/artikel-een.md"
WORD = "Pijnstillers" + "x" * 48  # 60 characters, no place to break


def build(capfd: pytest.CaptureFixture[str], content: Path, out: Path, *items: str) -> tuple[int, str]:
    return run_cli(capfd, "build", "--content", str(content), "--out", str(out), "-j", "1", *items)


def check(capfd: pytest.CaptureFixture[str], content: Path, *args: str) -> tuple[int, str]:
    return run_cli(capfd, "check", "--content", str(content), *args)


def edited(tmp_path: Path, file: str, old: str, new: str) -> Path:
    content = make_content(tmp_path)
    text = (content / file).read_text(encoding="utf-8")
    assert text.count(old) == 1
    (content / file).write_text(text.replace(old, new), encoding="utf-8")
    return content


def test_an_indented_paragraph_wraps_inside_the_page(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    line = "    " + "een regel code die veel te lang is voor de kolom van een handout " * 3
    content = edited(tmp_path, ARTICLE, "## Wat kan je doen?", line + "\n\n## Wat kan je doen?")
    code, err = build(capfd, content, tmp_path / "dist", "articles/artikel-een")
    assert code == 0, err
    pdf = tmp_path / "dist/articles/artikel-een.pdf"
    assert "code die veel" in "".join(page_texts(pdf))
    assert text_off_page(pdf, TRIM_MM) == []


@pytest.mark.parametrize(
    "old", ["title: De eerste kaart", "summary: De kern van de eerste kaart in een zin."]
)
def test_a_60_character_word_in_a_card_stays_on_the_page(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], old: str
) -> None:
    content = edited(tmp_path, CARD, old, f"{old.split(':')[0]}: Over {WORD} en meer")
    code, err = build(capfd, content, tmp_path / "dist", "metaphors/kaart-een")
    assert code == 0, err
    pdf = tmp_path / "dist/metaphors/kaart-een.pdf"
    assert len(page_texts(pdf)) == 1
    assert text_off_page(pdf, TRIM_MM) == []


def test_a_long_word_in_the_booklet_title_stays_on_the_a5_page(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    content = edited(tmp_path, "booklet.yml", "title: Het proefboekje", "title: " + "Rugpijnboekje" * 4)
    code, err = build(capfd, content, tmp_path / "dist", "booklet")
    assert code == 0, err
    for name in ("booklet.pdf", "booklet-print.pdf"):
        assert text_off_page(tmp_path / "dist" / name, TRIM_MM) == [], name


def test_text_a_style_places_off_the_page_is_an_error_in_build_and_check(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    content = make_content(tmp_path, {"theme.css": ".card h1 { position: absolute; left: 190mm; }\n"})
    where = f"{content / CARD}:{sample_line(CARD, 'title:')}: error: text 'De eerste kaart' runs off the page"
    code, err = build(capfd, content, tmp_path / "dist")
    assert code == 1 and where in err, err
    assert not (tmp_path / "dist/metaphors/kaart-een.pdf").exists()
    assert (tmp_path / "dist/articles/artikel-een.pdf").exists()  # the articles build
    code, err = check(capfd, content)
    assert code == 1 and where in err, err
    code, err = check(capfd, content, "--fast")
    assert code == 0 and "--fast" in err.splitlines()[-1] and "not rendered" in err, err


@pytest.mark.parametrize(
    "style",
    [
        ".card h1 { transform: translateX(150mm); }",  # moved sideways
        ".card h1 { transform: translate(-40mm, -60mm); }",  # up and out of the top
        ".card h1 { transform: rotate(-90deg); transform-origin: 0 0; }",  # turned up out of the page
        ".card h1 { transform: scale(6); }",  # grown past both sides
    ],
)
def test_text_a_transform_moves_off_the_page_is_an_error_in_build_and_check(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], style: str
) -> None:
    """A ``transform`` moves a box as it is drawn, after layout: the check reads where it lands."""
    content = make_content(tmp_path, {"theme.css": style + "\n"})
    where = f"{content / CARD}:{sample_line(CARD, 'title:')}: error: text 'De eerste kaart' runs off the page"
    code, err = build(capfd, content, tmp_path / "dist")
    assert code == 1 and where in err and "transform" in err, err
    assert not (tmp_path / "dist/metaphors/kaart-een.pdf").exists()
    code, err = check(capfd, content)
    assert code == 1 and where in err, err


def test_a_transform_that_keeps_text_on_the_page_is_fine(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    content = make_content(
        tmp_path, {"theme.css": ".card h1 { transform: translateX(5mm) rotate(-1deg); }\n"}
    )
    code, err = check(capfd, content)
    assert code == 0, err


@pytest.mark.parametrize(
    "address",
    [
        "https://fonts.example/x.woff2",
        "file:///usr/share/fonts/x.ttf",
        "//fonts.example/x.woff2",
        "../../x.ttf",
        "fonts/nope.ttf",
        "notes.txt",
    ],
)
def test_check_names_the_theme_line_whose_address_the_renderer_refuses(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], address: str
) -> None:
    theme = f":root {{ --brand: #1d5c63; }}\n\n@font-face {{ font-family: Eigen; src: url({address}); }}\n"
    content = make_content(tmp_path, {"theme.css": theme, "notes.txt": "x"})
    for fast in ((), ("--fast",)):
        code, err = check(capfd, content, "-q", *fast)
        shown = address if ":" in address or address.startswith("//") else Path(address).name
        assert code == 1 and f"{content / 'theme.css'}:3: error: '{shown}'" in err, err
        assert ".md" not in err, err  # the theme is at fault, not the items


def test_a_style_with_an_address_in_an_article_is_refused_by_check(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    html = '<p style="background: url(https://x.example/a.png)">Tekst</p>'
    content = edited(tmp_path, ARTICLE, "## Wat kan je doen?", html + "\n\n## Wat kan je doen?")
    code, err = check(capfd, content, "--fast")
    assert (
        code == 1 and f"{content / ARTICLE}:{sample_line(ARTICLE, '## Wat kan je doen?')}: error:" in err
    ), err


def test_check_renders_in_memory_what_only_rendering_tells(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    long = "\n\n" + "Een lange zin over pijn en over herstel en over wat je zelf kan doen. " * 120
    content = make_content(tmp_path)
    (content / CARD).write_text((content / CARD).read_text(encoding="utf-8") + long, encoding="utf-8")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code, err = check(capfd, content)
    assert code == 1 and f"{content / CARD}: error: does not fit on 1 page" in err, err
    code, err = check(capfd, content, "--fast")
    assert code == 0, err
    assert "not rendered" in err.splitlines()[-1], err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written
    code, err = build(capfd, content, tmp_path / "dist")
    assert code == 1 and f"{content / CARD}: error: does not fit on 1 page" in err, err
