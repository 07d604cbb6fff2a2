"""QR codes as inline vector SVG, with the standard quiet zone."""

from __future__ import annotations

import re

import qrcode
import qrcode.image.svg
from markupsafe import Markup

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks


def qr_svg(url: str) -> Markup:
    """An inline <svg> for ``url`` that scales to its box (size it with CSS)."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=QUIET_ZONE,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(url)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    # Size comes from the stylesheet; crisp edges keep neighbouring modules seamless.
    svg = re.sub(
        r'<svg width="[^"]*" height="[^"]*"',
        '<svg class="qr" shape-rendering="crispEdges" role="img"',
        svg,
        count=1,
    )
    svg = svg.replace(' id="qr-path"', "")  # many codes share a page: no duplicate ids
    return Markup(svg)
