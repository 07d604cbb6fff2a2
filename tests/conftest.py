"""Shared fixtures: small content folders made for a test, the shipped content built once, page readers.

Behaviour is tested on the small content that ``make_content`` writes: its texts are the tests'
own, so editing the shipped articles never breaks a test. The shipped content is used only for
invariants (everything builds, cards fit, QR codes decode, no warnings, byte-identical rebuilds).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from handouts.cli import main

PROJECT = Path(__file__).resolve().parent.parent
CONTENT = PROJECT / "content"  # the shipped content: invariants only

SVG_SQUARE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80" viewBox="0 0 120 80">'
    '<rect x="10" y="10" width="100" height="60" fill="#7fa9ae"/></svg>\n'
)
CARD_BODY = """
## Het beeld

Een korte tekst over het beeld.

## Wat betekent dit voor jou?

Het beeld helpt om te begrijpen wat er gebeurt.

## Wat kan je zelf doen?

- Rust genoeg.
- Beweeg elke dag een beetje.
"""
ARTICLE_BODY = """
Een kort artikel om te testen. Het legt een idee uit in eenvoudige woorden.

![Een vierkant](../images/vierkant.svg "Een figuur met een bijschrift.")

## Wat kan je doen?

Bouw rustig op, en vraag raad als je twijfelt.

## Bronnen

- Auteur, A. (2020). Een boek.
"""

# A small content folder: two articles, three cards, a booklet, an image. Paths under content/.
SAMPLE: dict[str, str] = {
    "practice.yml": """\
name: Praktijk De Proef
phone: 012 34 56 78
website: https://www.proef.example
blog_url: https://www.proef.example/blog
booking_url: https://www.proef.example/afspraak
email: info@proef.example
address: Proefstraat 1, 1000 Brussel
""",
    "booklet.yml": """\
title: Het proefboekje
subtitle: Drie beelden en twee artikels
intro: |
  Dit boekje is gemaakt om te testen.
sections:
  - title: Beelden
    items:
      - metaphors/kaart-een
      - metaphors/kaart-twee
      - metaphors/kaart-drie
  - title: Artikels
    items:
      - articles/artikel-een
      - articles/artikel-twee
""",
    "images/vierkant.svg": SVG_SQUARE,
    "articles/artikel-een.md": """\
---
title: Het eerste artikel
subtitle: Een ondertitel voor het eerste artikel
summary: Een korte samenvatting van het eerste artikel.
key_points:
  - Het eerste punt.
  - Het tweede punt.
author: Auteur Een
date: 2025-06-01
url: https://www.proef.example/blog/artikel-een
tags: [proef]
---
"""
    + ARTICLE_BODY,
    "articles/artikel-twee.md": """\
---
title: Het tweede artikel
summary: Een korte samenvatting van het tweede artikel.
key_points:
  - Het enige punt.
author: Auteur Twee
date: 2024-03-01
---
"""
    + ARTICLE_BODY,
    "metaphors/kaart-een.md": """\
---
title: De eerste kaart
summary: De kern van de eerste kaart in een zin.
article: artikel-een
illustration: images/vierkant.svg
order: 1
---
"""
    + CARD_BODY,
    "metaphors/kaart-twee.md": """\
---
title: De tweede kaart
summary: De kern van de tweede kaart in een zin.
order: 2
---
"""
    + CARD_BODY,
    "metaphors/kaart-drie.md": """\
---
title: De derde kaart
summary: De kern van de derde kaart in een zin.
order: 3
---
"""
    + CARD_BODY,
}


def make_content(
    root: Path, files: dict[str, str | bytes | None] | None = None, *, name: str = "content"
) -> Path:
    """Write the SAMPLE content folder under ``root``, with ``files`` added or replaced (None: left out)."""
    content = root / name
    for relative, data in {**SAMPLE, **(files or {})}.items():
        if data is None:
            continue
        path = content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return content


def sample_line(file: str, needle: str) -> int:
    """The line of SAMPLE[file] that contains ``needle`` (exactly one)."""
    lines = [n for n, line in enumerate(SAMPLE[file].splitlines(), 1) if needle in line]
    assert len(lines) == 1, (file, needle, lines)
    return lines[0]


@pytest.fixture(autouse=True)
def no_weasyprint_warnings(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A WeasyPrint warning in a test process is a test failure (workers report theirs as errors)."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    records = [
        record
        for when in ("setup", "call")
        for record in caplog.get_records(when)
        if record.name.startswith("weasyprint") and record.levelno >= logging.WARNING
    ]
    assert not records, [record.getMessage() for record in records]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content, built once for the whole session with two workers."""
    out = tmp_path_factory.mktemp("dist")
    assert main(["build", "--content", str(CONTENT), "--out", str(out), "--jobs", "2", "-q"]) == 0
    return out


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A private SAMPLE content folder, to edit or break."""
    return make_content(tmp_path)


def render_page(pdf: Path | bytes, index: int = 0, scale: float = 3.0) -> Image.Image:
    """One page as a picture, as a reader (or a phone camera) would see it."""
    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        return document[index].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()


def page_texts(pdf: Path | bytes) -> list[str]:
    """The text of every page, as extracted from the PDF."""
    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def page_sizes_mm(pdf: Path | bytes) -> list[tuple[float, float]]:
    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        return [
            (w * 25.4 / 72, h * 25.4 / 72) for w, h in (document[i].get_size() for i in range(len(document)))
        ]
    finally:
        document.close()


def decode_qr(image: Image.Image) -> list[str]:
    """Every QR code that zxing-cpp reads from a rendered page."""
    return sorted(r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode)


def run_cli(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``main`` in this process: its exit status and stderr (worker processes included)."""
    capfd.readouterr()
    code = main(list(args))
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err, out + err
    return code, err


# The session's real CUPS (a cupsd and two IPP printers), for every test module that asks for it.
from cups_fixture import cups  # noqa: E402, F401
