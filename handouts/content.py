"""Load and validate a content folder, collecting every problem in one pass.

One rule decides validity: an item whose file has an error makes nothing (its last good PDF
is kept); everything else builds. Nothing here renders: this module is cheap to import (no
Markdown, Jinja2 or WeasyPrint), so ``check`` and no-op builds stay fast.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .frontmatter import (
    Collector,
    Fields,
    Source,
    compose_mapping,
    did_you_mean,
    parse_mapping,
    read_bytes,
    read_text,
    shorten,
    split_front_matter,
)
from .models import (
    DEFAULT_LANG,
    LANGUAGES,
    Article,
    Booklet,
    Content,
    Item,
    Metaphor,
    Output,
    Practice,
    Problem,
    Section,
    booklet_file,
    line_of,
)
from .safety import check_body, resolve_local
from .starter import warn_examples, warn_placeholders
from .theme import load_theme

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MARKDOWN_SUFFIXES = (".md", ".markdown")

PRACTICE_FIELDS = {
    "name": True,
    "phone": True,
    "website": True,
    "booking_url": True,
    "blog_url": False,
    "email": False,
    "address": False,
    "therapists": False,
    "review_interval_months": False,
    "logo": False,
}
REVIEW_FIELDS = {"reviewed": False, "reviewed_by": False}
ARTICLE_FIELDS = {
    "title": True,
    "summary": True,
    "key_points": True,
    "author": False,
    "date": False,
    "url": False,
    "subtitle": False,
    "tags": False,
    **REVIEW_FIELDS,
}
METAPHOR_FIELDS = {
    "title": True,
    "summary": True,
    "article": False,
    "illustration": False,
    "illustration_alt": False,
    "order": False,
    "tags": False,
    **REVIEW_FIELDS,
}
BOOKLET_FIELDS = {"title": True, "subtitle": False, "intro": False, "sections": True}
SECTION_FIELDS = {"title": True, "items": True}
KEY_POINTS_MAX = 3


def split_name(path: Path, out: Collector) -> tuple[str, str] | None:
    """A content file's slug and language: ``glas-water.md`` (Dutch), ``glas-water.fr.md``."""
    stem = path.stem
    slug, _, lang = stem.rpartition(".")
    if not slug or lang not in LANGUAGES:
        slug, lang = stem, DEFAULT_LANG
    if SLUG_RE.match(slug):
        return slug, lang
    suggestion = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")[:60].strip("-") or "name"
    out.add(
        path,
        None,
        f"file name '{shorten(path.name)}' is not a valid slug",
        f"use lowercase letters, digits and single hyphens: rename it to '{suggestion}.md'"
        f" (a translation: '{suggestion}.fr.md' or '{suggestion}.en.md')",
    )
    return None


def read_yaml_file(path: Path, spec: dict[str, bool], out: Collector) -> tuple[str, Fields] | None:
    """A whole YAML file of fields (practice.yml, booklet.yml): its text and checked fields."""
    text = read_text(path, out)
    if text is None:
        return None
    parsed = parse_mapping(path, text, 1, out)
    if parsed is None:
        return None
    return text, Fields(path, *parsed, spec, out, line=1)


def load_practice(root: Path, out: Collector) -> Practice | None:
    path = root / "practice.yml"
    if not path.is_file():
        out.add(path, None, "practice.yml is missing", "create it with name, phone, website and booking_url")
        return None
    read = read_yaml_file(path, PRACTICE_FIELDS, out)
    if read is None:
        return None
    _, fields = read
    warn_placeholders(path, fields.values, fields.lines, out)
    name, phone = fields.text("name"), fields.text("phone")
    website, booking = fields.url("website"), fields.url("booking_url")
    blog = fields.url("blog_url") if "blog_url" in fields.values else website
    email, address = fields.text("email"), fields.text("address")
    therapists = fields.text_list("therapists", most=50)
    interval = fields.integer("review_interval_months")
    if interval is not None and not 1 <= interval <= 120:
        fields.error("review_interval_months", "'review_interval_months' must be between 1 and 120")
    logo = local_file(fields, "logo", root, "images/logo.svg")
    if logo is not None and logo.suffix.lower() not in (".svg", ".png"):
        fields.error(
            "logo",
            f"logo '{shorten(str(fields.text('logo')))}' is not an SVG or PNG file",
            "use an .svg or .png file",
        )
        logo = None
    if not (fields.ok and name and phone and website and booking and blog):
        return None
    return Practice(name, phone, website, booking, blog, email, address, therapists, interval or 24, logo)


def local_file(fields: Fields, key: str, root: Path, example: str) -> Path | None:
    """A field naming a file inside the content folder (a logo, an illustration)."""
    ref = fields.text(key)
    if ref is None:
        return None
    target = resolve_local(root, ref, root)
    if isinstance(target, str):
        fields.error(key, target.replace("image", key, 1), f"give a path under content/, e.g. {example}")
        return None
    return target


def _common(
    source: Source, fields: Fields, slug: str, lang: str, root: Path, out: Collector
) -> dict[str, Any]:
    """The fields every item has, checked; and its body."""
    images = check_body(source, out, root)
    return {
        "slug": slug,
        "path": source.path,
        "title": fields.text("title"),
        "summary": fields.text("summary"),
        "body": source.body,
        "body_line": source.body_line,
        "text": source.text,
        "lang": lang,
        "digest": hashlib.sha256(source.text.encode()).hexdigest(),
        "reviewed": fields.date("reviewed"),
        "reviewed_by": fields.text("reviewed_by"),
        "images": images or (),
    }


def load_article(source: Source, slug: str, lang: str, out: Collector, root: Path) -> Article | None:
    parsed = parse_mapping(source.path, source.meta_text, source.meta_line, out)
    if parsed is None:
        return None
    fields = Fields(source.path, *parsed, ARTICLE_FIELDS, out, line=1)
    common = _common(source, fields, slug, lang, root, out)
    article = Article(
        **common,
        author=fields.text("author"),
        date=fields.date("date"),
        key_points=fields.text_list("key_points", most=KEY_POINTS_MAX),
        url=fields.url("url"),
        subtitle=fields.text("subtitle"),
        tags=fields.string_list("tags"),
    )
    if "key_points" in fields.values and not article.key_points:
        fields.error(
            "key_points", "'key_points' is empty", "give one to three short sentences: the main message"
        )
    return article


def load_metaphor(
    source: Source, slug: str, lang: str, out: Collector, root: Path, article_slugs: set[str]
) -> Metaphor | None:
    parsed = parse_mapping(source.path, source.meta_text, source.meta_line, out)
    if parsed is None:
        return None
    fields = Fields(source.path, *parsed, METAPHOR_FIELDS, out, line=1)
    common = _common(source, fields, slug, lang, root, out)
    article = fields.text("article")
    if article is not None and article not in article_slugs:
        fields.error(
            "article",
            f"unknown article '{shorten(article)}'",
            did_you_mean(article, article_slugs)
            or "use the file name of an article in content/articles/, without .md",
        )
    illustration = local_file(fields, "illustration", root, "images/glas.svg")
    common["images"] = common["images"] + ((illustration,) if illustration else ())
    return Metaphor(
        **common,
        article=article,
        illustration=illustration,
        illustration_alt=fields.text("illustration_alt"),
        order=_order(fields),
        tags=fields.string_list("tags"),
    )


def _order(fields: Fields) -> int:
    order = fields.integer("order")
    if order is not None and not 0 <= order <= 9999:
        fields.error("order", "'order' must be a number from 0 to 9999", "write e.g. 'order: 3'")
        return 0
    return order or 0


def load_booklet(
    root: Path, out: Collector, known: set[str], valid: set[str], lang: str = DEFAULT_LANG
) -> Booklet | None:
    """``booklet.yml``, or a translation (``booklet.fr.yml``), whose items are in its language.

    A translated booklet lists the same keys (``metaphors/glas-water``); each stands for
    the item's translation (``glas-water.fr.md``), which must exist.
    """
    path = root / booklet_file(lang)
    if not path.is_file():
        return None
    text = read_text(path, out)
    if text is None:
        return None
    composed = compose_mapping(path, text, 1, out)
    if composed is None:
        return None
    values, lines, nodes = composed
    fields = Fields(path, values, lines, BOOKLET_FIELDS, out, line=1)
    title, subtitle, intro = fields.text("title"), fields.text("subtitle"), fields.text("intro")
    raw_sections = values.get("sections")
    sections = []
    seen: dict[str, int] = {}
    in_booklet: set[str] = set()
    if "sections" in values and not isinstance(raw_sections, list):
        fields.error("sections", "'sections' must be a list", "start each section with '- title: ...'")
    elif isinstance(raw_sections, list):
        section_nodes = nodes["sections"].value
        if not raw_sections:
            fields.error("sections", "'sections' is empty", "add a section: '- title: ...' with its items")
        for raw, node in zip(raw_sections, section_nodes, strict=True):
            line = node.start_mark.line + 1
            if not isinstance(raw, dict):
                out.add(
                    path,
                    line,
                    "a section must have a title and items",
                    "write '- title: ...' and, below it, 'items:' with one '- metaphors/<slug>' a line",
                )
                continue
            item_lines = {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
            key_lines = {
                str(k.value): k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)
            }
            section_fields = Fields(path, raw, key_lines, SECTION_FIELDS, out, line=line)
            section_title = section_fields.text("title")
            items = raw.get("items")
            if "items" not in raw:
                continue  # reported as missing
            if not isinstance(items, list):
                section_fields.error(
                    "items",
                    "'items' must be a list",
                    "write each item on its own line: '- metaphors/glas-water'",
                )
                continue
            if not items:
                section_fields.error(
                    "items",
                    f"the section '{shorten(section_title or '')}' has no items",
                    "list its items below 'items:', one '- metaphors/<slug>' a line, or remove the section",
                )
                continue
            good = []
            for item, item_node in zip(items, item_lines["items"].value, strict=True):
                item_line = item_node.start_mark.line + 1
                if not isinstance(item, str) or not item.strip():
                    out.add(
                        path,
                        item_line,
                        f"an item must be a name like metaphors/<slug>, not {shorten(item)}",
                        "write each item on its own line: '- metaphors/glas-water'",
                    )
                    continue
                key = item.strip()
                if key in seen:
                    out.add(
                        path,
                        item_line,
                        f"'{shorten(key)}' is already in the booklet (line {seen[key]})",
                        "an item can be in the booklet once: remove one of them",
                    )
                    continue
                seen[key] = item_line
                original = key
                if lang != DEFAULT_LANG:  # the same keys stand for the translations
                    try:
                        parsed = Output.parse(key)
                        key = Output(parsed.kind, parsed.slug, lang).key
                    except ValueError:
                        pass
                in_booklet.add(key)
                if key in valid:
                    good.append(key)
                elif key in known:  # without it the booklet would be silently incomplete
                    out.add(
                        path,
                        item_line,
                        f"'{key}' has errors, so the booklet is not built",
                        "fix the errors reported for that file; until then the last good booklet is kept",
                    )
                elif original in known and key not in known:
                    from .i18n import language_name  # Babel, only for this message

                    wanted = Output.parse(original)
                    out.add(
                        path,
                        item_line,
                        f"'{original}' has no {language_name(lang)} translation",
                        f"add content/{wanted.kind}/{wanted.slug}.{lang}.md, or leave the item out",
                    )
                else:
                    out.add(
                        path,
                        item_line,
                        f"unknown item '{shorten(key)}'",
                        did_you_mean(key, known) or "write items as metaphors/<slug> or articles/<slug>",
                    )
            if section_title:
                sections.append(Section(section_title, tuple(good)))
    if out.has_errors(path) or not title:
        return None
    for key in sorted(valid - in_booklet) if lang == DEFAULT_LANG else ():
        out.warn(
            path,
            lines.get("sections"),
            f"'{key}' is in no section, so it is not in the booklet",
            "add it to a section's items if it belongs in the booklet",
        )
    return Booklet(
        path=path,
        title=title,
        subtitle=subtitle,
        intro=intro or "",
        sections=tuple(sections),
        lang=lang,
        text=text,
    )


def discover(root: Path, kind: str, out: Collector) -> tuple[dict[str, Path], set[str]]:
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
                f"'{path.name}' is not a Markdown file",
                "give it the extension .md, or move it out of this folder",
            )
            continue
        name = split_name(path, out)
        if name is None:
            continue
        key = Output(kind, *name).key
        if key in found:
            out.add(
                path,
                None,
                f"two files produce the same output {key}.pdf: {found[key].name} and {path.name}",
                "rename or remove one of them",
            )
            out.add(found[key], None, f"two files produce the same output {key}.pdf", "rename or remove one")
            clashes.add(key)
            continue
        found[key] = path
    return found, clashes


def load(root: Path, check_glyphs: Callable[[Path, str, int], list[Problem]] | None = None) -> Content:
    """Load and validate everything in a content folder. Never raises for content problems."""
    root = root.resolve()
    out = Collector(root)
    if not root.is_dir():
        out.add(root, None, "content folder not found", "pass --content DIR, or run from the project folder")
        return Content(root=root, practice=None, problems=tuple(out.problems))
    practice = load_practice(root, out)
    _check_glyphs(root / "practice.yml", check_glyphs, out)
    theme = load_theme(root, out)
    warn_examples(root, out)
    if out.has_errors(root / "practice.yml") or (theme and out.has_errors(theme)):
        practice = None  # every output shows the practice and its look: nothing builds
    sources: dict[str, Path] = {}
    clashes: set[str] = set()
    for kind in ("articles", "metaphors"):
        found, clashed = discover(root, kind, out)
        sources.update(found)
        clashes |= clashed
    article_slugs = {Output.parse(key).slug for key in sources if key.startswith("articles/")}
    loaded: dict[str, Item] = {}
    for key, path in sources.items():
        if key in clashes:
            continue
        text = read_text(path, out)
        source = split_front_matter(path, text, out) if text is not None else None
        if source is None:
            continue
        _check_glyphs(path, check_glyphs, out, text)
        output = Output.parse(key)
        item: Item | None
        if output.kind == "articles":
            item = load_article(source, output.slug, output.lang, out, root)
        else:
            item = load_metaphor(source, output.slug, output.lang, out, root, article_slugs)
        if item is not None and not out.has_errors(path):
            loaded[key] = item
    # A translation without its original is probably misnamed; it still builds.
    for item in loaded.values():
        original = Output(item.kind, item.slug).key
        if item.lang != DEFAULT_LANG and original not in sources:
            out.warn(
                item.path,
                None,
                f"a translation of '{original}', which does not exist",
                f"add {original}.md, or rename this file",
            )
    # A card takes its QR link from its article.
    for key, item in list(loaded.items()):
        if isinstance(item, Metaphor) and item.article and f"articles/{item.article}" not in loaded:
            out.add(
                item.path,
                line_of(item.text, "article:"),
                f"its article '{item.article}' has errors, so its link is unknown",
                "fix the article first",
            )
            del loaded[key]
    booklets = {}
    for lang in LANGUAGES:
        valid = {key for key, item in loaded.items() if item.lang == lang}
        booklet = load_booklet(root, out, set(sources), valid, lang)
        _check_glyphs(root / booklet_file(lang), check_glyphs, out)
        if booklet is not None and not out.has_errors(booklet.path):
            booklets[lang] = booklet
    problems = tuple(sorted(set(out.problems), key=_problem_order))
    return Content(
        root=root,
        practice=practice,
        items=loaded,
        booklet=booklets.get(DEFAULT_LANG),
        problems=problems,
        sources=sources,
        booklets=booklets,
        theme=theme,
    )


def _check_glyphs(
    path: Path,
    check_glyphs: Callable[[Path, str, int], list[Problem]] | None,
    out: Collector,
    text: str | None = None,
) -> None:
    """Report signs the font cannot draw: they would print as empty boxes."""
    if check_glyphs is None:
        return
    if text is None:
        data = read_bytes(path, Collector(out.root))  # a regular file only: a pipe would hang
        try:
            text = data.decode("utf-8-sig") if data is not None else None
        except UnicodeDecodeError:
            text = None
        if text is None:
            return  # missing, or already reported by its loader
    out.problems.extend(check_glyphs(path, text, 1))


def _problem_order(problem: Problem) -> tuple[str, int, str]:
    return (problem.path, problem.line or 0, problem.message)
