"""``init``: a new content folder for another practice, and what in it is still a placeholder.

The starter folder (handouts/starter/) builds as it is. ``check`` warns about each field of
practice.yml that still holds the starter's placeholder, and about example items left unchanged.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from .frontmatter import Collector
from .paths import STARTER


class FolderNotEmptyError(Exception):
    """``init`` never writes into a folder that has something in it."""


def create(folder: Path) -> list[Path]:
    """Copy the starter content into ``folder`` (new or empty); the files made, in order."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FolderNotEmptyError(f"'{folder}' exists and is not empty")
    shutil.copytree(STARTER, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    return sorted(p for p in folder.rglob("*") if p.is_file())


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
