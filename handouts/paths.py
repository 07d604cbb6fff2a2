"""Where the project's folders are, and how paths are shown to users."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
TEMPLATES = PROJECT / "templates"
STYLES = PROJECT / "styles"
DEFAULT_CONTENT = Path("content")
DEFAULT_OUT = Path("dist")


def display(path: Path) -> str:
    """A path as a user wants to read it: relative to the working folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative
