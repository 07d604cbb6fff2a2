"""Where the tool's own files are (templates, styles, fonts), and how paths are shown to users.

In a checkout (and an editable install) templates/ and styles/ are top-level folders beside
the package; an installed wheel carries them inside it, as handouts/templates and
handouts/styles (pyproject.toml maps them there).
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _data_folder(name: str) -> Path:
    """handouts/<name> when installed; <checkout>/<name> when running from the checkout."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name


TEMPLATES = _data_folder("templates")
STYLES = _data_folder("styles")
DESK_TEMPLATES = TEMPLATES / "desk"  # the desk's own pages (``serve``)
DESK_STATIC = STYLES / "desk"  # the desk's stylesheet, script and icon
STARTER = PACKAGE / "starter"  # the content folder that ``init`` copies
DEFAULT_CONTENT = Path("content")
DEFAULT_OUT = Path("dist")
# What the renderer may read: images, stylesheets and fonts. Nothing else can end up in a PDF
# (the renderer's fetcher in pdf.py; theme.py checks content/theme.css against it).
RESOURCE_SUFFIXES = frozenset(
    {".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".css", ".ttf", ".otf", ".woff", ".woff2"}
)

# The templates the renderer starts from (html.py); the rest are found through them.
ENTRY_TEMPLATES = ("article.html", "metaphor.html", "booklet.html", "notes.html")
STYLESHEETS = ("article.css", "card.css", "booklet.css", "large.css")
_TEMPLATE_REF_RE = re.compile(r"""\{%-?\s*(?:extends|include|import|from)\s+["']([^"']+)["']""")
_CSS_REF_RE = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)|url\(\s*["']?([^"')\s]+)""")


# Characters that must never reach a terminal as they are: controls (a line break splits a
# message), format characters (U+202E turns the rest of the line around), line separators, and
# the surrogates that stand for bytes of a file name that is not UTF-8.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def is_unsafe(char: str) -> bool:
    return unicodedata.category(char) in UNSAFE_CATEGORIES


def quote(name: str) -> str:
    """A name as printed: itself, or, when it holds a control or bidirectional character, quoted
    with Python's escapes (``'kaart\\nvier.md'``), so that it stays on one line and reads as it is."""
    return repr(name) if any(is_unsafe(char) for char in name) else name


def quoted(name: str) -> str:
    """A name in quotes inside a message: ``'glas-water.md'``; escaped as ``quote`` does when needed."""
    shown = quote(name)
    return shown if shown != name else f"'{name}'"


def display(path: Path) -> str:
    """A path as a user wants to read it: relative to the working folder when inside it; quoted
    (``quote``) when it holds a control or bidirectional character."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return quote(str(path))
    return quote(str(path) if relative.startswith("..") else relative)


def css_references(path: Path) -> list[Path]:
    """The local files a stylesheet names: its @imports and url()s (fonts, images)."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in _CSS_REF_RE.finditer(re.sub(r"/\*.*?\*/", "", text, flags=re.S)):
        ref = match.group(1) or match.group(2)
        if ":" not in ref and not ref.startswith("#"):  # not data:, http:, ...
            found.append(path.parent / ref)
    return found


def missing_files() -> list[Path]:
    """The tool's own files that the build needs and cannot find: a broken installation.

    Every entry template and what it extends, includes or imports; every stylesheet and what
    it @imports or loads (fonts). Checked before any content is read, so that a missing font
    is one clear error rather than a complaint about every character.
    """
    missing: list[Path] = []
    seen: set[Path] = set()
    todo = [TEMPLATES / name for name in ENTRY_TEMPLATES] + [STYLES / name for name in STYLESHEETS]
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        if not path.is_file():
            missing.append(path)
        elif path.suffix == ".html":
            text = path.read_text(encoding="utf-8")
            todo += [TEMPLATES / name for name in _TEMPLATE_REF_RE.findall(text)]
        elif path.suffix == ".css":
            todo += css_references(path)
    return missing


CLIP = 200  # characters of an exception's message shown


def clip(text: str, limit: int = CLIP) -> str:
    """``text`` on one line, at most ``limit`` characters, then an ellipsis."""
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"
