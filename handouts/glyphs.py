"""Characters the bundled fonts cannot draw would print as empty boxes: find them first.

``check`` reports them in a content file (``content.load`` runs it on every file it reads);
``unprintable`` finds them in a text typed at the desk.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from .models import Problem
from .paths import STYLES, display


@functools.cache
def supported(fonts: Path = STYLES / "fonts") -> frozenset[int]:
    """Every code point that the regular bundled font draws."""
    from fontTools.ttLib import TTFont

    points: set[int] = set()
    for path in sorted(fonts.glob("*Regular.[ot]tf")):
        with TTFont(path) as font:
            points.update(font["cmap"].getBestCmap())
    return frozenset(points)


def check(path: Path, text: str, first_line: int = 1) -> list[Problem]:
    """One problem per line that has characters the bundled font lacks."""
    if text.isascii():
        return []
    have = supported()
    problems = []
    for number, line in enumerate(text.splitlines(), start=first_line):
        if line.isascii():
            continue
        missing = sorted(
            {ch for ch in line if ord(ch) > 127 and ord(ch) not in have and ch not in "\ufeff\u00ad\u200b"}
        )
        if missing:
            shown = ", ".join(
                f"'{ch}' (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed').lower()})" for ch in missing
            )
            problems.append(
                Problem(
                    display(path),
                    number,
                    f"the font has no sign for {shown}: it would print as an empty box",
                    "remove it or say it in words (emoji cannot be printed)",
                )
            )
    return problems


def unprintable(text: str) -> list[str]:
    """The characters of ``text`` the bundled font cannot draw (the desk's personal fields)."""
    have = supported()
    return sorted({c for c in text if ord(c) not in have and not c.isspace()})
