"""Reading a PDF back, as a printer would: where every character lands on its page.

Independent of the renderer's own check (``handouts.paper``): this reads the PDF's text
objects with PDFium, so a test sees what ends up on paper.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

PT_PER_MM = 72 / 25.4


def text_off_page(pdf: Path | bytes, margin_mm: float = 0.0) -> list[tuple[int, str, float]]:
    """(page, character, mm past the edge) of each character beyond the page or within
    ``margin_mm`` of its edge, at most 20."""
    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    found: list[tuple[int, str, float]] = []
    try:
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            margin = margin_mm * PT_PER_MM
            for char_index in range(textpage.count_chars()):
                char = text[char_index] if char_index < len(text) else "?"
                if not char.strip():
                    continue
                left, bottom, right, top = textpage.get_charbox(char_index)
                past = max(margin - left, margin - bottom, right - (width - margin), top - (height - margin))
                if past > 0.5:
                    found.append((index + 1, char, past / PT_PER_MM))
                    if len(found) >= 20:
                        return found
    finally:
        document.close()
    return found
