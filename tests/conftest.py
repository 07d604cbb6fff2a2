"""Shared fixtures: the shipped content built once, copies of it to break, and page readers."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from handouts.cli import main

PROJECT = Path(__file__).resolve().parent.parent
CONTENT = PROJECT / "content"


def handout_pdf(kind: str, source: Path) -> str:
    """The PDF a content file makes, under the output folder: a translation goes in its language's folder."""
    slug, _, lang = source.stem.partition(".")
    return f"{lang}/{kind}/{slug}.pdf" if lang else f"{kind}/{slug}.pdf"


def shipped_handouts(content: Path = CONTENT) -> set[str]:
    """Every handout PDF the content folder makes (not the booklet)."""
    return {handout_pdf(kind, p) for kind in ("articles", "metaphors") for p in (content / kind).glob("*.md")}


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
def content_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped content, to edit or break."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


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
