"""``init``: a new content folder for another practice, and what in it is still a placeholder.

The starter folder (handouts/starter/) builds as it is. ``check`` warns about each field of
practice.yml that still holds the starter's placeholder, and about example items left unchanged.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from .frontmatter import Collector
from .paths import STARTER, quoted


class FolderNotEmptyError(Exception):
    """``init`` never writes over a file, nor into a folder that has something in it; a fresh
    repository (a folder holding only ``.git``) is fine. ``hint`` says what to do instead."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def create(folder: Path) -> list[Path]:
    """Copy the starter content into ``folder`` (new, empty, or holding only ``.git``); the files
    made, in order."""
    shown = quoted(str(folder))
    if folder.exists() or folder.is_symlink():
        if not folder.is_dir():
            raise FolderNotEmptyError(f"{shown} is a file, not a folder", "give the name of a new folder")
        if any(entry.name != ".git" for entry in folder.iterdir()):
            raise FolderNotEmptyError(
                f"{shown} exists and is not empty",
                "give a new folder, an empty one, or a fresh git repository (a folder holding only .git)",
            )
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(STARTER, folder, dirs_exist_ok=True, ignore=ignore)
    starter = (p.relative_to(STARTER) for p in STARTER.rglob("*") if p.is_file())
    return sorted(folder / p for p in starter if "__pycache__" not in p.parts)


def _placeholders() -> dict[str, str]:
    """The starter's practice.yml values, by field."""
    values = yaml.safe_load((STARTER / "practice.yml").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}


def warn_placeholders(path: Path, values: dict[str, object], lines: dict[str, int], out: Collector) -> None:
    """Warn about each field of practice.yml that still holds the starter's placeholder."""
    for key, placeholder in _placeholders().items():
        if key in values and str(values[key]).strip() == placeholder:
            out.warn(
                path,
                lines.get(key),
                f"'{key}' is still the placeholder '{placeholder}'",
                "fill in your practice's own details",
            )


def warn_examples(root: Path, out: Collector) -> None:
    """Warn about example items from ``init`` that are still unchanged."""
    for example in sorted(STARTER.glob("*/*.md")):
        mine = root / example.relative_to(STARTER)
        try:
            unchanged = mine.read_bytes() == example.read_bytes()
        except OSError:
            continue
        if unchanged:
            out.warn(
                mine,
                None,
                "this is still the example from 'handouts init'",
                "rewrite it for your practice, or delete it and its line in booklet.yml",
            )
