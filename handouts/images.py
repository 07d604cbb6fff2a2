"""Whether the renderer can draw an image file, and whether an SVG draws nothing but a picture.

An SVG is parsed with defusedxml: a DOCTYPE, an entity or an external reference is refused
before anything is expanded or fetched, in any encoding. What is left may only use the SVG
elements of ``SVG_ELEMENTS`` (no script, foreignObject, animation or links), no event handler
and no reference outside the file (an embedded PNG or JPEG as data is a picture too).
"""

from __future__ import annotations

import functools
import os
import re
import stat
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from .frontmatter import shorten

IMAGE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp")
IMAGE_LIMIT = 20_000_000  # bytes

# SVG: drawing elements only (no script, foreignObject, animation or links); editors' metadata
# in their own namespaces is ignored by every renderer and allowed.
SVG = "http://www.w3.org/2000/svg"
SVG_ELEMENTS = frozenset(
    {
        *("svg", "g", "defs", "symbol", "use", "title", "desc", "metadata", "switch", "style"),
        *("path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan"),
        *("textPath", "linearGradient", "radialGradient", "stop", "clipPath", "mask", "pattern"),
        *("marker", "image", "filter", "feGaussianBlur", "feOffset", "feBlend", "feFlood"),
        *("feComposite", "feMerge", "feMergeNode", "feColorMatrix", "feDropShadow"),
    }
)
SVG_METADATA_NAMESPACES = (
    "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://creativecommons.org/ns#",
    "http://purl.org/dc/elements/1.1/",
)
SVG_EMBEDDED_RE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,", re.IGNORECASE)
CSS_URL_RE = re.compile(r"@import|url\(\s*['\"]?(?!#)", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def image_problem(path: Path, mtime_ns: int, size: int) -> str | None:
    """Why the renderer could not draw this image file, or None (checked once per version)."""
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        return "is not an image file: use an .svg, .png or .jpg file"
    if size > IMAGE_LIMIT:
        return f"is too large ({size // 1_000_000} MB; at most {IMAGE_LIMIT // 1_000_000} MB)"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return "is not a regular file"
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = handle.read(IMAGE_LIMIT)
        finally:
            os.close(fd)
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    if suffix == ".svg":
        return _svg_problem(data)
    return _raster_problem(data, suffix)


def _svg_problem(data: bytes) -> str | None:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        return "declares a DOCTYPE or entities, which are refused: save it as plain SVG"
    except ElementTree.ParseError as exc:
        return f"is not a valid SVG file: {exc} (the file is damaged, or not SVG)"
    except (ValueError, RecursionError) as exc:
        return f"is not a valid SVG file: {type(exc).__name__}"
    if not root.tag.endswith("svg"):
        return f"is not an SVG image (it starts with <{shorten(root.tag.rpartition('}')[2], 20)}>)"
    for element in root.iter():
        problem = _svg_element_problem(element)
        if problem:
            return problem
    return None


def _svg_element_problem(element: ElementTree.Element) -> str | None:
    """Why one SVG element is refused: not a drawing element, an event handler, a reference out."""
    namespace, _, name = element.tag.rpartition("}")
    namespace = namespace.lstrip("{")
    if namespace in ("", SVG) and name not in SVG_ELEMENTS:
        return f"contains <{shorten(name, 20)}>, which an illustration may not use: save it as plain SVG"
    if namespace not in ("", SVG, *SVG_METADATA_NAMESPACES):
        return f"contains <{shorten(name, 20)}>, which is not SVG: save it as plain SVG"
    if name == "style" and CSS_URL_RE.search(element.text or ""):
        return "loads a file from outside itself (url() or @import): save it as plain SVG"
    for attribute, value in element.attrib.items():
        local = attribute.rpartition("}")[2]
        if local.lower().startswith("on"):
            return f"has an event handler ({shorten(local, 20)}=), which is not allowed: save it as plain SVG"
        if local == "href" and not (value.startswith("#") or SVG_EMBEDDED_RE.match(value)):
            return f"refers to '{shorten(value)}' outside itself: an illustration is one file"
        if CSS_URL_RE.search(value):
            return "loads a file from outside itself (url() or @import): save it as plain SVG"
    return None


def _raster_problem(data: bytes, suffix: str) -> str | None:
    import io
    import warnings

    from PIL import Image  # a dependency of WeasyPrint

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a decompression bomb warning is a refusal
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                if image.width * image.height > 50_000_000:
                    return f"has too many pixels ({image.width} x {image.height})"
    except Exception as exc:  # Pillow raises many kinds for a damaged file
        reason = str(exc) or type(exc).__name__
        return f"cannot be drawn: {shorten(reason, 80)} (the file is damaged, or not a {suffix[1:].upper()})"
    return None
