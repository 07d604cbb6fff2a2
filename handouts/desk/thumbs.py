"""Page thumbnails of the built PDFs, for the desk: PNGs in ``<out>/.thumbs/``.

Each PDF's thumbnails are named for a digest of the PDF, so a rebuilt PDF gets new ones and
an unchanged one costs a hash. Made from one thread at a time (pypdfium2 is not thread-safe).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from ..outfolder import write_atomic
from .guard import inside

THUMBS = ".thumbs"
WIDTH_PX = 400  # shown about 200 px wide: sharp on a high-density screen


def thumbnails(out: Path, name: str) -> tuple[Path, ...]:
    """The thumbnail of every page of ``out/name`` (a PDF), made when missing or out of date."""
    pdf = inside(out, name)
    if pdf is None:  # gone, or a link out of the output folder: nothing to show
        return ()
    data = pdf.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = out / THUMBS / name.removesuffix(".pdf")
    made = sorted(folder.glob(f"{digest}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    if made:
        return tuple(made)
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        paths = []
        for index in range(len(document)):
            page = document[index]
            image = page.render(scale=WIDTH_PX / page.get_width()).to_pil()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=True)
            path = folder / f"{digest}-{index + 1}.png"
            write_atomic(path, buffer.getvalue())
            paths.append(path)
    finally:
        document.close()
    for old in folder.glob("*.png"):
        if not old.name.startswith(digest):
            old.unlink(missing_ok=True)
    return tuple(paths)
