"""A practice's own look: ``content/theme.css``, loaded after the tool's stylesheets.

The theme overrides the brand variables of styles/brand.css (colours, the font). Checked
here, before anything renders: the files it loads must be inside the content folder, and
text colours must keep a contrast of 4.5:1 against white and against the tinted panels.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .frontmatter import Collector, read_text, shorten
from .paths import RESOURCE_SUFFIXES, STYLES

THEME = "theme.css"
TEXT_COLOURS = ("--ink", "--muted", "--brand", "--accent")
PANEL = "--brand-light"  # the tinted panels ("In het kort", a card's message) behind text
ON_PANELS = ("--ink", "--muted", "--brand")  # --accent is never set on a panel
MIN_CONTRAST = 4.5
LOCAL_HINT = "put the file in content/fonts/ (fonts) or content/images/ and name it by a relative path"


def luminance(rgb: tuple[float, float, float]) -> float:
    """Relative luminance (WCAG 2) of an sRGB colour with channels 0..1."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _variables(text: str) -> dict[str, tuple[str, int]]:
    """The custom properties set on :root, with the line of each: {"--ink": ("#1f2933", 3)}."""
    import tinycss2

    found: dict[str, tuple[str, int]] = {}
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule" or tinycss2.serialize(rule.prelude).strip() not in (":root", "html"):
            continue
        declarations = tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True)
        for declaration in declarations:
            if declaration.type == "declaration" and declaration.name.startswith("--"):
                value = tinycss2.serialize(declaration.value).strip()
                found[declaration.name] = (value, declaration.source_line)
    return found


def _colour(value: str) -> tuple[float, float, float] | None:
    """An opaque colour's channels (0..1); None for anything else."""
    from tinycss2.color3 import parse_color

    parsed: Any = parse_color(value)
    if parsed is None or isinstance(parsed, str) or parsed.alpha < 1:
        return None
    return (parsed.red, parsed.green, parsed.blue)


def load_theme(root: Path, out: Collector) -> Path | None:
    """``content/theme.css`` if there is one (None when absent), its problems reported to ``out``."""
    path = root / THEME
    if not path.is_file() and not path.is_symlink():  # a link loop or a link out: said by read_text
        return None
    text = read_text(path, out)
    if text is None:
        return None
    import tinycss2

    for node in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if node.type == "error":
            out.add(path, node.source_line, f"invalid CSS: {node.message}", "check the braces and semicolons")
    _check_addresses(path, text, root, out)
    _check_contrast(path, text, out)
    return path


def _addresses(text: str) -> Iterator[tuple[str, int]]:
    """Every address a stylesheet loads (its url()s and @imports), with its line."""
    import tinycss2

    def first_string(tokens: list[Any], line: int) -> Iterator[tuple[str, int]]:
        yield from ((t.value, line) for t in tokens if t.type == "string")

    def walk(nodes: Iterable[Any]) -> Iterator[tuple[str, int]]:
        for node in nodes:
            if node.type == "url":
                yield node.value, node.source_line
            elif node.type == "function" and node.lower_name == "url":
                yield from first_string(node.arguments, node.source_line)
            elif node.type == "at-rule" and node.lower_at_keyword == "import":
                yield from first_string(node.prelude, node.source_line)
            for part in ("prelude", "content", "value", "arguments"):
                children = getattr(node, part, None)
                if isinstance(children, list):
                    yield from walk(children)

    yield from walk(tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True))


def _check_addresses(path: Path, text: str, root: Path, out: Collector) -> None:
    """Every file the theme loads is one the renderer will serve: inside the content folder, a
    font, an image or a stylesheet; never a web address or a file: URL."""
    for address, line in _addresses(text):
        scheme = address.split(":", 1)[0].lower() if ":" in address else ""
        if scheme == "data" or address.startswith("#"):
            continue
        if scheme or address.startswith("//"):
            why = (
                "the renderer is offline" if scheme != "file" else "a file: address leaves the content folder"
            )
            out.add(path, line, f"'{shorten(address, 60)}' cannot be loaded: {why}", LOCAL_HINT)
            continue
        target = path.parent / unquote(address.split("?", 1)[0].split("#", 1)[0])
        shown = shorten(target.name, 60)
        if not target.resolve().is_relative_to(root.resolve()):
            out.add(path, line, f"'{shown}' is outside the content folder", LOCAL_HINT)
        elif not target.is_file():
            out.add(path, line, f"'{shown}' not found", LOCAL_HINT)
        elif target.suffix.lower() not in RESOURCE_SUFFIXES:
            out.add(path, line, f"'{shown}' is not a font, an image or a stylesheet", LOCAL_HINT)


def _check_contrast(path: Path, text: str, out: Collector) -> None:
    """Every text colour the theme sets (or sits on) keeps 4.5:1 against white and the panels."""
    defaults = {name: value for name, (value, _) in _variables(_brand_css()).items()}
    theirs = _variables(text)
    colours: dict[str, tuple[float, float, float]] = {}
    for name in (*TEXT_COLOURS, PANEL):
        if name in theirs:
            value, line = theirs[name]
            colour = _colour(value)
            if colour is None:
                out.add(path, line, f"'{name}' is not a colour: '{value}'", "write a colour such as #1d5c63")
                continue
            colours[name] = colour
        elif name in defaults and (colour := _colour(defaults[name])) is not None:
            colours[name] = colour
    white = (1.0, 1.0, 1.0)
    for name in TEXT_COLOURS:
        if name not in colours:
            continue
        grounds: list[tuple[str, tuple[float, float, float], str | None]] = [("white", white, None)]
        if name in ON_PANELS and PANEL in colours:
            grounds.append((f"the panel colour {PANEL}", colours[PANEL], PANEL))
        for label, ground, ground_name in grounds:
            if name not in theirs and ground_name not in theirs:
                continue  # neither colour is the theme's: the tool's own are checked by its tests
            ratio = contrast(colours[name], ground)
            if ratio < MIN_CONTRAST:
                value, line = theirs[name] if name in theirs else theirs[PANEL]
                out.add(
                    path,
                    line,
                    f"'{name}' has a contrast of {ratio:.1f}:1 against {label}; text needs {MIN_CONTRAST}:1",
                    "use a darker text colour (or a lighter panel colour)",
                )


def _brand_css() -> str:
    try:
        return (STYLES / "brand.css").read_text(encoding="utf-8")
    except OSError:
        return ""
