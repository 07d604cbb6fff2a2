"""Which files in a content folder are items: their slugs and languages, and a name to propose
for a file whose name is not a slug.

A slug is lowercase letters, digits and single hyphens; ``glas-water.fr.md`` is the French
``glas-water``. A name that is not a slug is an error whose hint proposes a free name that
keeps the letters (``café.md`` -> ``cafe.md``; ``Glas-water.md`` -> ``glas-water-2.md`` when
``glas-water.md`` is there). Names are shown quoted when they hold control characters.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from .models import DEFAULT_LANG, LANGUAGES, Kind, Output
from .paths import quote, quoted
from .reading import Collector

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_LIMIT = 120  # characters: room for the output's temporary name and its folders on any disk
MARKDOWN_SUFFIXES = (".md", ".markdown")


def split_name(path: Path, out: Collector) -> tuple[str, str] | None:
    """A content file's slug and language: ``glas-water.md`` (Dutch), ``glas-water.fr.md``."""
    stem = path.stem
    slug, _, lang = stem.rpartition(".")
    if not slug or lang not in LANGUAGES:
        slug, lang = stem, DEFAULT_LANG
    if SLUG_RE.match(slug) and len(slug) <= SLUG_LIMIT:
        return slug, lang
    if SLUG_RE.match(slug):
        too_long = "file name too long for an output file ({length} characters; at most {most})"
        out.add(path, None, too_long, "give it a shorter name", length=len(slug), most=SLUG_LIMIT)
        return None
    suggestion = free_slug(path.parent, slug, lang)
    hint = (
        "use lowercase letters, digits and single hyphens: rename it to '{suggestion}.md'"
        " (a translation: '{suggestion}.fr.md' or '{suggestion}.en.md')"
        if lang == DEFAULT_LANG
        else "use lowercase letters, digits and single hyphens: rename it to '{suggestion}.{lang}.md'"
    )
    message = "file name {name} is not a valid slug"
    out.add(path, None, message, hint, name=quoted(path.name), suggestion=suggestion, lang=lang)
    return None


# Letters that NFKD does not take apart into a plain letter and its accents.
LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})


def free_slug(folder: Path, name: str, lang: str) -> str:
    """A valid slug for ``name`` that keeps its letters (``Café`` -> ``cafe``) and that no file
    in ``folder`` has yet (``glas-water-2`` when ``glas-water.md`` is there)."""
    letters = unicodedata.normalize("NFKD", name.lower().translate(LETTERS))
    plain = "".join(char for char in letters if not unicodedata.combining(char))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-") or "name"
    try:
        taken = {p.name.rsplit(".", 1)[0] for p in folder.iterdir()}  # the stems, with a language
    except OSError:
        taken = set()
    suffix = "" if lang == DEFAULT_LANG else f".{lang}"
    candidate, number = slug, 1
    while candidate + suffix in taken:
        number += 1
        candidate = f"{slug}-{number}"
    return candidate


def discover(root: Path, kind: Kind, out: Collector) -> tuple[dict[str, Path], set[str]]:
    """Item files of one kind, by source key; and the keys that two files claim."""
    folder = root / kind
    found: dict[str, Path] = {}
    clashes: set[str] = set()
    if not folder.is_dir():
        return found, clashes
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix.lower() not in MARKDOWN_SUFFIXES:
            out.add(
                path,
                None,
                f"{quoted(path.name)} is not a Markdown file",
                "give it the extension .md, or move it out of this folder",
            )
            continue
        name = split_name(path, out)
        if name is None:
            continue
        key = Output(kind, *name).key
        if key in found:
            both = f"{quote(found[key].name)} and {quote(path.name)}"
            out.add(
                path,
                None,
                f"two files produce the same output {key}.pdf: {both}",
                "rename or remove one of them",
            )
            out.add(found[key], None, f"two files produce the same output {key}.pdf", "rename or remove one")
            clashes.add(key)
            continue
        found[key] = path
    return found, clashes
