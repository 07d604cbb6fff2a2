"""QR codes as inline vector SVG, with the standard quiet zone."""

from __future__ import annotations

import functools

import qrcode
from markupsafe import Markup

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks


@functools.cache
def qr_svg(url: str, alt: str) -> Markup:
    """An inline <svg> for ``url`` that scales to its box (size it with CSS).

    ``alt`` is its alternative text (the SVG's <title>, which tagged PDFs carry as /Alt).

    Each row's dark modules are drawn as runs, one rectangle per run: a few hundred path
    commands instead of thousands, which keeps PDFs small and rendering fast.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the quiet zone
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return Markup(
        f'<svg class="qr" viewBox="0 0 {size} {size}" xmlns="http://www.w3.org/2000/svg" '
        f'shape-rendering="crispEdges" role="img"><title>{Markup.escape(alt)}</title>'
        f'<path d="{"".join(runs)}" fill="#000"/></svg>'
    )
