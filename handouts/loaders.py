"""The loader of booklet.yml (and its translations: booklet.fr.yml).

Its fields are declared in ``schema``; every problem goes to a ``Collector``, never raised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .frontmatter import Collector, compose_mapping, did_you_mean, read_text, shorten
from .models import DEFAULT_LANG, Booklet, Output, Said, Section, booklet_file
from .schema import BOOKLET, SECTION, Fields, read

ITEM_HINT = "write each item on its own line: '- metaphors/glas-water'"


class _BookletReader:
    """One booklet file's sections, read item by item, with every problem reported."""

    def __init__(self, path: Path, out: Collector, known: set[str], valid: set[str], lang: str) -> None:
        self.path, self.out, self.known, self.valid, self.lang = path, out, known, valid, lang
        self.seen: dict[str, int] = {}  # item key: its line
        self.in_booklet: set[str] = set()  # the keys listed, in the booklet's language

    def sections(self, fields: Fields, raw_sections: Any, node: yaml.Node | None) -> tuple[Section, ...]:
        if "sections" in fields.values and not isinstance(raw_sections, list):
            fields.error("sections", "'sections' must be a list", "start each section with '- title: ...'")
            return ()
        if not isinstance(raw_sections, list) or node is None:
            return ()
        if not raw_sections:
            fields.error("sections", "'sections' is empty", "add a section: '- title: ...' with its items")
        sections = []
        for raw, section_node in zip(raw_sections, node.value, strict=True):
            section = self.section(raw, section_node)
            if section is not None:
                sections.append(section)
        return tuple(sections)

    def section(self, raw: Any, node: yaml.Node) -> Section | None:
        line = node.start_mark.line + 1
        if not isinstance(raw, dict):
            hint = "write '- title: ...' and, below it, 'items:' with one '- metaphors/<slug>' a line"
            self.out.add(self.path, line, "a section must have a title and items", hint)
            return None
        item_nodes = {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        key_lines = {
            str(k.value): k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)
        }
        fields = Fields(self.path, raw, key_lines, SECTION, self.out, line=line)
        title = fields.text("title")
        items = raw.get("items")
        if "items" not in raw:
            return None  # reported as missing
        if not isinstance(items, list):
            fields.error("items", "'items' must be a list", ITEM_HINT)
            return None
        if not items:
            fields.error(
                "items",
                f"the section '{shorten(title or '')}' has no items",
                "list its items below 'items:', one '- metaphors/<slug>' a line, or remove the section",
            )
            return None
        good = [
            key
            for item, n in zip(items, item_nodes["items"].value, strict=True)
            if (key := self.item(item, n))
        ]
        return Section(title=title, items=tuple(good)) if title else None

    def item(self, item: Any, node: yaml.Node) -> str | None:
        """The item's key in the booklet's language, if it can be in the booklet."""
        line = node.start_mark.line + 1
        if not isinstance(item, str) or not item.strip():
            self.out.add(
                self.path,
                line,
                f"an item must be a name like metaphors/<slug>, not {shorten(item)}",
                ITEM_HINT,
            )
            return None
        key = item.strip()
        if key in self.seen:
            message = f"'{shorten(key)}' is already in the booklet (line {self.seen[key]})"
            self.out.add(self.path, line, message, "an item can be in the booklet once: remove one of them")
            return None
        self.seen[key] = line
        original = key
        if self.lang != DEFAULT_LANG:  # the same keys stand for the translations
            try:
                parsed = Output.parse(key)
                key = Output(parsed.kind, parsed.slug, self.lang).key
            except ValueError:
                pass
        self.in_booklet.add(key)
        if key in self.valid:
            return key
        self.refuse(key, original, line)
        return None

    def refuse(self, key: str, original: str, line: int) -> None:
        """Report why an item listed in the booklet cannot be in it."""
        message: str
        if key in self.known:  # without it the booklet would be silently incomplete
            message = Said("'{item}' has errors, so the booklet is not built", item=key)
            hint = "fix the errors reported for that file; until then the last good booklet is kept"
        elif original in self.known:
            from .i18n import language_name  # Babel, only for this message

            wanted = Output.parse(original)
            message = f"'{original}' has no {language_name(self.lang)} translation"
            hint = f"add content/{wanted.kind}/{wanted.slug}.{self.lang}.md, or leave the item out"
        else:
            message = Said("unknown item '{item}'", item=shorten(key))
            hint = did_you_mean(key, self.known) or "write items as metaphors/<slug> or articles/<slug>"
        self.out.add(self.path, line, message, hint)


def load_booklet(
    root: Path, out: Collector, known: set[str], valid: set[str], lang: str = DEFAULT_LANG
) -> Booklet | None:
    """``booklet.yml``, or a translation (``booklet.fr.yml``), whose items are in its language.

    A translated booklet lists the same keys (``metaphors/glas-water``); each stands for
    the item's translation (``glas-water.fr.md``), which must exist.
    """
    path = root / booklet_file(lang)
    if not path.is_file() and not path.is_symlink():  # a link loop or a link out: said by read_text
        return None
    text = read_text(path, out)
    composed = compose_mapping(path, text, 1, out) if text is not None else None
    if text is None or composed is None:
        return None
    values, lines, nodes = composed
    fields = Fields(path, values, lines, BOOKLET, out, line=1)
    v = read(fields, BOOKLET)
    reader = _BookletReader(path, out, known, valid, lang)
    sections = reader.sections(fields, values.get("sections"), nodes.get("sections"))
    if out.has_errors(path) or not v["title"]:
        return None
    for key in sorted(valid - reader.in_booklet) if lang == DEFAULT_LANG else ():
        out.warn(
            path,
            lines.get("sections"),
            f"'{key}' is in no section, so it is not in the booklet",
            "add it to a section's items if it belongs in the booklet",
        )
    return Booklet(
        path=path,
        title=v["title"],
        subtitle=v["subtitle"],
        intro=v["intro"],
        sections=sections,
        lang=lang,
        text=text,
    )
