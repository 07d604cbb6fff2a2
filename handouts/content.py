"""Load and validate a content folder, collecting every problem in one pass.

``load`` is the first layer of the verdict (``verdict``). The fields are declared in
``schema``; booklet.yml is read in ``loaders``, practice.yml and the items here.
One rule decides validity: an item whose file has an error makes nothing (its last good PDF
is kept); everything else builds. Nothing here renders: this module is cheap to import (no
Markdown, Jinja2 or WeasyPrint), so ``check`` and no-op builds stay fast.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

from . import glyphs
from .frontmatter import (
    Collector,
    Source,
    control_char,
    did_you_mean,
    parse_mapping,
    read_bytes,
    read_text,
    shorten,
    split_front_matter,
)
from .loaders import load_booklet
from .models import (
    ARTICLES,
    DEFAULT_LANG,
    KINDS,
    LANGUAGES,
    Article,
    Content,
    Item,
    Kind,
    Metaphor,
    Output,
    Practice,
    Problem,
    booklet_file,
    line_of,
)
from .paths import display, missing_files
from .schema import ARTICLE, METAPHOR, PRACTICE, Fields, FieldSpec, Schema, read
from .starter import warn_examples, warn_placeholders
from .theme import load_theme

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MARKDOWN_SUFFIXES = (".md", ".markdown")

# Raw HTML that could fetch, attach or run something is not content.
FORBIDDEN_TAGS = frozenset(
    {
        *("script", "link", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "base"),
        *("meta", "form", "input", "button", "textarea", "select", "video", "audio", "source", "track"),
        *("picture", "portal", "template"),
    }
)
WEB_SCHEMES = ("http", "https", "mailto", "tel")  # the links a handout may carry
IMAGE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp")
IMAGE_LIMIT = 20_000_000  # bytes
NESTING_LIMIT = 20  # levels of blockquotes, lists and tags in the text: deeper is not a handout
WORD_LIMIT = 50  # characters without a place to break: more does not fit on a line of any handout
BREAKS_RE = re.compile(r"[\s\-/\u00ad\u200b\u2010-\u2014]+")
VOID_TAGS = frozenset(
    ["area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
)


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


def check_body(source: Source, out: Collector, root: Path) -> tuple[Path, ...] | None:
    """Check the Markdown body as it will be rendered.

    The body is converted to HTML (as the renderer will get it) and that HTML is checked:
    no raw HTML that could fetch, attach or run something, only web links, images that exist
    inside content/ and can be drawn, no nesting too deep to lay out and no word too long
    for a line. Control characters are refused first, with their line.
    """
    if not source.body.strip():
        out.add(source.path, source.body_line, "the text is empty", "write the text below the front matter")
        return None
    lines = source.body.splitlines()
    ok = True
    for number, line in enumerate(lines, start=source.body_line):
        bad = control_char(line)
        if bad:
            ok = False
            out.add(
                source.path,
                number,
                f"the text contains the control character {bad}",
                "remove it; it is invisible in most editors: retype the line",
            )
    if not ok:
        return None
    from .markup import to_html

    try:
        html = to_html(source.body)
    except RecursionError:
        out.add(
            source.path,
            source.body_line,
            f"the text is nested too deeply (quotes or lists more than {NESTING_LIMIT} levels)",
            "use fewer '>' or less indentation",
        )
        return None
    scan = _BodyScan()
    scan.feed(html)
    scan.close()

    def line_with(*needles: str) -> int:
        for needle in needles:
            needle = needle.strip()[:40]
            if not needle:
                continue
            for number, line in enumerate(lines, start=source.body_line):
                if needle.lower() in line.lower():
                    return number
        return source.body_line

    images: list[Path] = []
    for kind, value in scan.found:
        if kind == "tag":
            ok = False
            out.add(
                source.path,
                line_with(f"<{value}"),
                f"raw HTML <{value}> is not allowed in content",
                "use plain Markdown; styles and templates belong in styles/ and templates/",
            )
        elif kind == "attachment":
            ok = False
            out.add(
                source.path,
                line_with(value, "attachment"),
                "an attachment (rel=attachment) is not allowed in content",
                "a handout is paper: link to a web page instead",
            )
        elif kind == "deep":
            ok = False
            out.add(
                source.path,
                line_with(value),
                f"the text is nested too deeply (quotes, lists or tags more than {NESTING_LIMIT} levels)",
                "use fewer '>' or less indentation",
            )
        elif kind == "word":  # the style breaks it anywhere, as a last resort: worth a warning
            out.warn(
                source.path,
                line_with(value[:20]),
                f"a word of {len(value)} characters ('{shorten(value, 30)}') is too long for a line:"
                " it will be broken at an arbitrary place",
                "break it up with spaces or hyphens",
            )
        elif kind == "href":
            reason = _link_problem(value)
            if reason:
                ok = False
                out.add(
                    source.path,
                    line_with(value),
                    reason,
                    "a handout may link to web pages (https://...), e-mail (mailto:) and phones (tel:)",
                )
        elif kind == "src":
            target = resolve_local(source.path.parent, value, root)
            if isinstance(target, str):
                ok = False
                out.add(
                    source.path,
                    line_with(value, "]:"),
                    target,
                    "put the image in content/images/ and refer to it as ../images/NAME.svg",
                )
            else:
                images.append(target)
    return tuple(images) if ok else None


def _link_problem(href: str) -> str | None:
    """Why a link in the text is refused, or None."""
    shown = shorten(href)
    if href.startswith("#"):
        return None
    try:
        parsed = urlparse(href)
        parsed.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return f"the link '{shown}' is not a valid web address"
    if parsed.scheme.lower() in WEB_SCHEMES:
        if parsed.scheme.lower() in ("http", "https") and not parsed.netloc:
            return f"the link '{shown}' has no site name"
        return None
    if not parsed.scheme:
        return f"the link '{shown}' points to a file, not to a web page"
    return f"the link '{shown}' uses '{shorten(parsed.scheme, 20)}:', which is not a web address"


class _BodyScan(HTMLParser):
    """What the rendered HTML of a body asks for: tags, links, images, attachments, words."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.open: list[str] = []
        self.deep = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)
        if tag not in VOID_TAGS:
            self.open.append(tag)
            if len(self.open) > NESTING_LIMIT and not self.deep:
                self.deep = True  # reported with the first text inside, to find its line

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.deep and data.strip() and not any(kind == "deep" for kind, _ in self.found):
            self.found.append(("deep", data.strip()))
        for word in BREAKS_RE.split(data):
            if len(word) > WORD_LIMIT:
                self.found.append(("word", word))

    def close(self) -> None:
        super().close()
        if self.deep and not any(kind == "deep" for kind, _ in self.found):
            self.found.append(("deep", ""))

    def _element(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.found.append(("tag", tag))
        for name, value in attrs:
            value = value or ""
            if name == "rel" and "attachment" in value.lower().split():
                self.found.append(("attachment", self.get_starttag_text() or ""))
            elif name in ("href", "xlink:href") or (name == "src" and tag != "img"):
                self.found.append(("href", value))
            elif name == "src":
                self.found.append(("src", value))
            elif name in ("srcset", "data", "poster", "background", "formaction", "action"):
                self.found.append(("tag", f"{tag} {name}="))


def resolve_local(base: Path, ref: str, root: Path) -> Path | str:
    """Resolve a reference to a local image file inside ``root``, or explain why not."""
    shown = shorten(ref)
    try:
        parsed = urlparse(ref)
    except ValueError:
        return f"image '{shown}' is not a valid address"
    if parsed.scheme in ("http", "https"):
        return f"image '{shown}' is on the internet; rendering is offline and cannot fetch it"
    if parsed.scheme == "data":
        return f"image '{shorten(ref, 30)}' is embedded as data; save it as a file in content/images/"
    if parsed.scheme:
        return f"image '{shown}' uses '{shorten(parsed.scheme, 20)}:'; only files inside content/ can be used"
    relative = unquote(parsed.path)
    if "\0" in relative:
        return f"image '{shown}' contains a NUL character"
    if any(len(part.encode()) > 255 for part in Path(relative).parts):
        return f"image '{shown}' has a file name longer than 255 bytes"
    try:
        target = (base / relative).resolve()
        if not target.is_relative_to(root.resolve()):
            return f"image '{shown}' is outside the content folder"
        if not target.is_file():
            return f"image '{shown}' not found"
        info = target.stat()
    except (OSError, ValueError, RuntimeError) as exc:
        return f"image '{shown}' cannot be read: {getattr(exc, 'strerror', None) or exc}"
    problem = _image_problem(target, info.st_mtime_ns, info.st_size)
    return f"image '{shown}' {problem}" if problem else target


@functools.lru_cache(maxsize=256)
def _image_problem(path: Path, mtime_ns: int, size: int) -> str | None:
    """Why the renderer could not draw this image file, or None (checked once per version)."""
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        return "is not an image file: use an .svg, .png or .jpg file"
    if size > IMAGE_LIMIT:
        return f"is too large ({size // 1_000_000} MB; at most {IMAGE_LIMIT // 1_000_000} MB)"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return "is not a regular file"
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = handle.read(IMAGE_LIMIT)
        finally:
            os.close(fd)
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    if suffix == ".svg":
        return _svg_problem(data)
    return _raster_problem(data, suffix)


def _svg_problem(data: bytes) -> str | None:
    import xml.etree.ElementTree as ElementTree

    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        return "declares a DOCTYPE or entities, which are refused: save it as plain SVG"
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        return f"is not a valid SVG file: {exc} (the file is damaged, or not SVG)"
    except (ValueError, RecursionError) as exc:
        return f"is not a valid SVG file: {type(exc).__name__}"
    if not root.tag.endswith("svg"):
        return f"is not an SVG image (it starts with <{shorten(root.tag.rpartition('}')[2], 20)}>)"
    return None


def _raster_problem(data: bytes, suffix: str) -> str | None:
    import io
    import warnings

    from PIL import Image  # a dependency of WeasyPrint

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a decompression bomb warning is a refusal
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                if image.width * image.height > 50_000_000:
                    return f"has too many pixels ({image.width} x {image.height})"
    except Exception as exc:  # Pillow raises many kinds for a damaged file
        reason = str(exc) or type(exc).__name__
        return f"cannot be drawn: {shorten(reason, 80)} (the file is damaged, or not a {suffix[1:].upper()})"
    return None


def load_practice(root: Path, out: Collector) -> Practice | None:
    path = root / "practice.yml"
    if not path.is_file():
        out.add(path, None, "practice.yml is missing", "create it with name, phone, website and booking_url")
        return None
    text = read_text(path, out)
    parsed = parse_mapping(path, text, 1, out) if text is not None else None
    if parsed is None:
        return None
    fields = Fields(path, *parsed, PRACTICE, out, line=1)
    warn_placeholders(path, fields.values, fields.lines, out)
    v = read(fields, PRACTICE, functools.partial(local_file, root=root))
    if not 1 <= v["review_interval_months"] <= 120:
        fields.error("review_interval_months", "'review_interval_months' must be between 1 and 120")
    if v["logo"] is not None and v["logo"].suffix.lower() not in (".svg", ".png"):
        fields.error(
            "logo",
            f"logo '{shorten(str(fields.text('logo')))}' is not an SVG or PNG file",
            "use an .svg or .png file",
        )
    if not fields.ok:
        return None
    return Practice(
        name=v["name"],
        phone=v["phone"],
        website=v["website"],
        booking_url=v["booking_url"],
        blog_url=v["blog_url"],
        email=v["email"],
        address=v["address"],
        therapists=v["therapists"],
        review_interval_months=v["review_interval_months"],
        logo=v["logo"],
    )


def local_file(fields: Fields, spec: FieldSpec, root: Path) -> Path | None:
    """A field naming a file inside the content folder (a logo, an illustration)."""
    ref = fields.text(spec.name)
    if ref is None:
        return None
    target = resolve_local(root, ref, root)
    if isinstance(target, str):
        hint = f"give a path under content/, e.g. {spec.example}"
        fields.error(spec.name, target.replace("image", spec.name, 1), hint)
        return None
    return target


ItemT = TypeVar("ItemT", Article, Metaphor)


def _front_matter(
    source: Source, schema: Schema, out: Collector, root: Path
) -> tuple[Fields, dict[str, Any]] | None:
    """An item's front matter: its checked fields, and their values as the schema reads them."""
    parsed = parse_mapping(source.path, source.meta_text, source.meta_line, out)
    if parsed is None:
        return None
    fields = Fields(source.path, *parsed, schema, out, line=1)
    return fields, read(fields, schema, functools.partial(local_file, root=root))


def _item(model: type[ItemT], source: Source, name: tuple[str, str], v: dict[str, Any], **own: Any) -> ItemT:
    """An article or card: what every item has, from its file and its front matter; and its own."""
    slug, lang = name
    return model(
        slug=slug,
        path=source.path,
        title=v["title"],
        summary=v["summary"],
        body=source.body,
        body_line=source.body_line,
        text=source.text,
        lang=lang,
        digest=hashlib.sha256(source.text.encode()).hexdigest(),
        reviewed=v["reviewed"],
        reviewed_by=v["reviewed_by"],
        **own,
    )


def load_article(source: Source, slug: str, lang: str, out: Collector, root: Path) -> Article | None:
    """An article; None when it has a problem in its front matter or its text."""
    read_fields = _front_matter(source, ARTICLE, out, root)
    if read_fields is None:
        return None
    fields, v = read_fields
    images = check_body(source, out, root)
    if "key_points" in fields.values and not v["key_points"]:
        fields.error(
            "key_points", "'key_points' is empty", "give one to three short sentences: the main message"
        )
    if not fields.ok or images is None:
        return None
    return _item(
        Article,
        source,
        (slug, lang),
        v,
        images=images,
        author=v["author"],
        date=v["date"],
        key_points=v["key_points"],
        url=v["url"],
        subtitle=v["subtitle"],
        tags=v["tags"],
    )


def load_metaphor(
    source: Source, slug: str, lang: str, out: Collector, root: Path, article_slugs: set[str]
) -> Metaphor | None:
    """A card; None when it has a problem in its front matter or its text."""
    read_fields = _front_matter(source, METAPHOR, out, root)
    if read_fields is None:
        return None
    fields, v = read_fields
    images = check_body(source, out, root)
    article = v["article"]
    if article is not None and article not in article_slugs:
        fields.error(
            "article",
            f"unknown article '{shorten(article)}'",
            did_you_mean(article, article_slugs)
            or "use the file name of an article in content/articles/, without .md",
        )
    if not 0 <= v["order"] <= 9999:
        fields.error("order", "'order' must be a number from 0 to 9999", "write e.g. 'order: 3'")
    if not fields.ok or images is None:
        return None
    illustration = v["illustration"]
    return _item(
        Metaphor,
        source,
        (slug, lang),
        v,
        images=images + ((illustration,) if illustration else ()),
        article=article,
        illustration=illustration,
        illustration_alt=v["illustration_alt"],
        order=v["order"],
        tags=v["tags"],
    )


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


def load(root: Path) -> Content:
    """Load and validate everything in a content folder. Never raises for content problems.

    The first layer of the verdict (see ``verdict``): the tool's own files, practice.yml and
    theme.css, every item, the booklets, and the signs the font cannot draw in any of them.
    """
    root = root.resolve()
    incomplete = _tool_problem()
    if incomplete is not None:  # one clear error, not a complaint about every character
        return Content(root=root, practice=None, problems=(incomplete,))
    out = Collector(root)
    if not root.is_dir():
        out.add(root, None, "content folder not found", "pass --content DIR, or run from the project folder")
        return Content(root=root, practice=None, problems=tuple(out.problems))
    practice = load_practice(root, out)
    _check_glyphs(root / "practice.yml", out)
    theme = load_theme(root, out)
    warn_examples(root, out)
    if out.has_errors(root / "practice.yml") or (theme and out.has_errors(theme)):
        practice = None  # every output shows the practice and its look: nothing builds
    sources: dict[str, Path] = {}
    clashes: set[str] = set()
    for kind in KINDS:
        found, clashed = discover(root, kind, out)
        sources.update(found)
        clashes |= clashed
    items = _load_items(root, {k: p for k, p in sources.items() if k not in clashes}, out)
    _check_items(items, sources, out)
    booklets = {}
    for lang in LANGUAGES:
        valid = {key for key, item in items.items() if item.lang == lang}
        booklet = load_booklet(root, out, set(sources), valid, lang)
        _check_glyphs(root / booklet_file(lang), out)
        if booklet is not None and not out.has_errors(booklet.path):
            booklets[lang] = booklet
    return Content(
        root=root,
        practice=practice,
        items=items,
        booklet=booklets.get(DEFAULT_LANG),
        problems=tuple(sorted(set(out.problems), key=_problem_order)),
        sources=sources,
        booklets=booklets,
        theme=theme,
    )


def _tool_problem() -> Problem | None:
    """The one error when the tool's own templates or fonts are missing: a broken installation."""
    missing = missing_files()
    if not missing:
        return None
    return Problem(
        ", ".join(display(path) for path in missing),
        None,
        f"handouts is incomplete: {len(missing)} of its own file(s) missing",
        "reinstall handouts (pip install --force-reinstall handouts), or restore the file from git",
    )


def _load_items(root: Path, sources: dict[str, Path], out: Collector) -> dict[str, Item]:
    """Every item without an error in its file, by source key."""
    article_slugs = {Output.parse(key).slug for key in sources if key.startswith(f"{ARTICLES}/")}
    loaded: dict[str, Item] = {}
    for key, path in sources.items():
        text = read_text(path, out)
        source = split_front_matter(path, text, out) if text is not None else None
        if source is None:
            continue
        _check_glyphs(path, out, text)
        output = Output.parse(key)
        item: Item | None
        if output.kind == ARTICLES:
            item = load_article(source, output.slug, output.lang, out, root)
        else:
            item = load_metaphor(source, output.slug, output.lang, out, root, article_slugs)
        if item is not None and not out.has_errors(path):
            loaded[key] = item
    return loaded


def _check_items(loaded: dict[str, Item], sources: dict[str, Path], out: Collector) -> None:
    """What is checked across items: a translation's original, a card's article."""
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
        if isinstance(item, Metaphor) and item.article and f"{ARTICLES}/{item.article}" not in loaded:
            out.add(
                item.path,
                line_of(item.text, "article:"),
                f"its article '{item.article}' has errors, so its link is unknown",
                "fix the article first",
            )
            del loaded[key]


def _check_glyphs(path: Path, out: Collector, text: str | None = None) -> None:
    """Report signs the font cannot draw: they would print as empty boxes."""
    if text is None:
        data = read_bytes(path, Collector(out.root))  # a regular file only: a pipe would hang
        try:
            text = data.decode("utf-8-sig") if data is not None else None
        except UnicodeDecodeError:
            text = None
        if text is None:
            return  # missing, or already reported by its loader
    out.problems.extend(glyphs.check(path, text, 1))


def _problem_order(problem: Problem) -> tuple[str, int, str]:
    return (problem.path, problem.line or 0, problem.message)
