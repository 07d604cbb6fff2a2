"""Handouts kept from their last good build: never lose one because its text got an error.

A handout whose file has an error today is not rebuilt, but its last good PDF stays in the
output folder (the build keeps it, and its manifest no longer vouches for it). The desk keeps
listing it, printable from that PDF, with a mark for the staff, never on the page itself.
What the desk shows of it then comes from the PDF: its title, summary and keywords (the
document's metadata), its text (for searching) and its date.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..incremental import read_manifest
from ..models import DEFAULT_LANG, Content, Output
from .guard import inside


@dataclass(frozen=True)
class LastGood:
    """What the last good PDF of a handout says of itself."""

    title: str
    summary: str
    tags: tuple[str, ...]
    text: str  # every page's text, for searching
    made: datetime.datetime  # when it was written


def made(pdf: Path) -> datetime.datetime:
    """When ``pdf`` was written: the date of the last good version."""
    return datetime.datetime.fromtimestamp(pdf.stat().st_mtime)


def last_good(pdf: Path, fallback_title: str) -> LastGood:
    """The title, summary, keywords and text of a built PDF (``fallback_title`` without a title)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    info: Mapping[str, object]
    try:
        reader = PdfReader(pdf)
        info = reader.metadata or {}
        text = " ".join(page.extract_text() or "" for page in reader.pages)
    except (OSError, ValueError, PyPdfError):
        info, text = {}, ""
    keywords = str(info.get("/Keywords") or "")
    return LastGood(
        title=str(info.get("/Title") or fallback_title),
        summary=str(info.get("/Subject") or ""),
        tags=tuple(word.strip() for word in keywords.split(",") if word.strip()),
        text=text,
        made=made(pdf),
    )


def broken_keys(data: Content, out: Path) -> list[str]:
    """The Dutch handouts whose file has an error today, and whose last good PDF is still there."""
    keys = []
    for key in sorted(data.broken):
        try:
            output = Output.parse(key)
        except ValueError:
            continue
        if output.lang == DEFAULT_LANG and output.kind != "booklet" and inside(out, f"{key}.pdf") is not None:
            keys.append(key)
    return keys


def outdated(out: Path) -> OutdatedCheck:
    """Which built outputs the last build did not make from today's text (``manifest`` lacks them)."""
    return OutdatedCheck(read_manifest(out))


@dataclass(frozen=True)
class OutdatedCheck:
    manifest: Mapping[str, str]

    def __call__(self, key: str) -> bool:
        """The PDF of ``key`` is older than its text: its last render failed, or its text is broken.

        Without a manifest (a folder built by hand, or never by this tool) nothing is marked.
        """
        return bool(self.manifest) and key not in self.manifest
