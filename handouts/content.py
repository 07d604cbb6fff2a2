"""Load and validate a content folder, collecting every problem in one pass.

Nothing here renders: this module is cheap to import (no Markdown, Jinja2 or WeasyPrint),
so ``check`` and no-op builds stay fast.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from .models import Article, Booklet, Content, Metaphor, Practice, Problem, Section
from .paths import display

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
}
ARTICLE_FIELDS = {
    "title": True,
    "summary": True,
    "author": True,
    "date": True,
    "url": False,
    "subtitle": False,
    "tags": False,
    "reviewed": False,
}
METAPHOR_FIELDS = {
    "title": True,
    "summary": True,
    "article": False,
    "illustration": False,
    "order": False,
}
BOOKLET_FIELDS = {"title": True, "subtitle": False, "intro": False, "sections": True}
SECTION_FIELDS = {"title": True, "items": True}

# Raw HTML that could fetch, attach or run something is not content.
FORBIDDEN_TAGS_RE = re.compile(
    r"<\s*(script|link|iframe|object|embed|style|base|meta|form|input|video|audio|source)\b"
    r"|<[^>]*\brel\s*=\s*[\"']?(attachment)",
    re.IGNORECASE,
)
# YAML errors found far from their cause (an unclosed quote, at the end of the text):
# reported where the quoted text, key or list began (the error's context_mark).
YAML_BEGINS = {
    "while scanning a quoted scalar": "in the quoted text that starts on this line",
    "while scanning a simple key": "on this line",
    "while parsing a flow sequence": "in the list '[' that starts on this line",
    "while parsing a flow mapping": "in the '{' that starts on this line",
}
MD_IMAGE_RE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_SRC_RE = re.compile(r"""<\s*img\b[^>]*\bsrc\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML without implicit timestamps: dates are checked by us, with good messages."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Source:
    """A text file split into YAML front matter and body."""

    path: Path
    text: str
    meta_text: str
    meta_line: int  # line of the first YAML line
    body: str
    body_line: int  # line of the first body line


class Collector:
    """Collects problems for one content folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def add(self, path: Path, line: int | None, message: str, hint: str = "") -> None:
        self.problems.append(Problem(display(path), line, message, hint))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A close match. Item keys compare by slug: a shared 'metaphors/' makes any two look alike."""
    prefix, _, tail = word.rpartition("/")
    by_tail: dict[str, str] = {}
    for choice in sorted(choices, key=lambda c: c.rpartition("/")[0] != prefix):
        by_tail.setdefault(choice.rpartition("/")[2], choice)
    match = difflib.get_close_matches(tail, list(by_tail), n=1, cutoff=0.6)
    return f"did you mean '{by_tail[match[0]]}'?" if match else ""


def read_text(path: Path, out: Collector) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        out.add(path, None, f"cannot read file: {exc.strerror}")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        out.add(
            path,
            line,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
            "save the file as UTF-8 in your editor",
        )
        return None


def split_front_matter(path: Path, text: str, out: Collector) -> Source | None:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        out.add(
            path,
            1,
            "missing front matter",
            "start the file with a line '---', the fields (title: ...), and another '---'",
        )
        return None
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            body_lines = lines[index + 1 :]
            return Source(
                path=path,
                text=text,
                meta_text="\n".join(lines[1:index]),
                meta_line=2,
                body="\n".join(body_lines),
                body_line=index + 2,
            )
    out.add(path, 1, "front matter is not closed", "add a line '---' after the last field")
    return None


def parse_mapping(
    path: Path, text: str, first_line: int, out: Collector
) -> tuple[dict[str, Any], dict[str, int]] | None:
    """Parse YAML that must be a mapping; return values and the line of each key."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        context, context_mark = getattr(exc, "context", None) or "", getattr(exc, "context_mark", None)
        if context in YAML_BEGINS and context_mark is not None:
            mark, problem = context_mark, f"{problem} {YAML_BEGINS[context]}"
        line = first_line + mark.line if mark is not None else first_line
        out.add(
            path,
            line,
            f"invalid YAML: {problem}",
            "check the indentation and put quotes around text containing ': ' or '#'",
        )
        return None
    if node is None:
        return {}, {}
    if not isinstance(node, yaml.MappingNode):
        out.add(path, first_line, "expected fields ('name: value' lines)")
        return None
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    constructor = _Loader("")
    for key_node, value_node in node.value:
        key = str(key_node.value)
        line = first_line + key_node.start_mark.line
        if key in values:
            out.add(path, line, f"field '{key}' appears twice", "keep one of them")
            continue
        try:
            values[key] = constructor.construct_object(value_node, deep=True)
        except yaml.YAMLError as exc:
            out.add(path, line, f"invalid value for '{key}': {exc}")
            continue
        lines[key] = line
    return values, lines


class Fields:
    """Typed access to one mapping's fields, reporting problems against their lines."""

    def __init__(
        self,
        path: Path,
        values: dict[str, Any],
        lines: dict[str, int],
        spec: dict[str, bool],
        out: Collector,
        line: int,
    ) -> None:
        self.path, self.values, self.lines, self.out, self.line = path, values, lines, out, line
        self.ok = True
        for key in values:
            if key not in spec:
                self.error(
                    key,
                    f"unknown field '{key}'",
                    did_you_mean(key, spec) or f"allowed fields: {', '.join(spec)}",
                )
        for key, required in spec.items():
            if required and key not in values:
                self.ok = False
                out.add(
                    path,
                    line,
                    f"missing required field '{key}'",
                    f"add a line '{key}: ...' to the front matter",
                )

    def error(self, key: str, message: str, hint: str = "") -> None:
        self.ok = False
        self.out.add(self.path, self.lines.get(key, self.line), message, hint)

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is None:
            if key in self.values:
                self.error(key, f"'{key}' is empty")
            return None
        if isinstance(value, (dict, list)):
            self.error(key, f"'{key}' must be text, not a {type(value).__name__}")
            return None
        result = str(value).strip()
        if not result:
            self.error(key, f"'{key}' is empty")
            return None
        return result

    def date(self, key: str) -> datetime.date | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.error(key, f"'{key}' is not a valid date: '{value}'", "write it as YYYY-MM-DD")
            return None

    def url(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            self.error(
                key,
                f"'{key}' is not a web address: '{value}'",
                "write a full address starting with https://",
            )
            return None
        return value

    def integer(self, key: str) -> int | None:
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                return int(str(value))
            except ValueError:
                self.error(key, f"'{key}' must be a whole number, not '{value}'")
                return None
        return value

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.values.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            self.error(key, f"'{key}' must be a list of words", f"write {key}: [pijn, rug]")
            return ()
        return tuple(str(v) for v in value if str(v).strip())


def check_slug(path: Path, out: Collector) -> str | None:
    slug = path.stem
    if SLUG_RE.match(slug):
        return slug
    suggestion = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-") or "name"
    out.add(
        path,
        None,
        f"file name '{path.name}' is not a valid slug",
        f"use lowercase letters, digits and single hyphens: rename it to '{suggestion}.md'",
    )
    return None


def check_body(source: Source, out: Collector, root: Path) -> tuple[Path, ...] | None:
    """Check the Markdown body: not empty, no forbidden HTML, images that exist inside content/."""
    if not source.body.strip():
        out.add(source.path, source.body_line, "the text is empty", "write the text below the front matter")
        return None
    images: list[Path] = []
    ok = True
    for number, line in enumerate(source.body.splitlines(), start=source.body_line):
        tag = FORBIDDEN_TAGS_RE.search(line)
        if tag:
            ok = False
            out.add(
                source.path,
                number,
                f"raw HTML <{tag.group(1).lower()}> is not allowed in content"
                if tag.group(1)
                else "an attachment (rel=attachment) is not allowed in content",
                "use plain Markdown; styles and templates belong in styles/ and templates/",
            )
        for match in [*MD_IMAGE_RE.finditer(line), *HTML_SRC_RE.finditer(line)]:
            target = resolve_local(source.path.parent, match.group(1), root)
            if isinstance(target, str):
                ok = False
                out.add(
                    source.path,
                    number,
                    target,
                    "put the image in content/images/ and refer to it as ../images/NAME.svg",
                )
            else:
                images.append(target)
    return tuple(images) if ok else None


def resolve_local(base: Path, ref: str, root: Path) -> Path | str:
    """Resolve a reference to a local file inside ``root``, or explain why not."""
    parsed = urlparse(ref)
    if parsed.scheme in ("http", "https"):
        return f"image '{ref}' is on the internet; rendering is offline and cannot fetch it"
    if parsed.scheme == "data":
        return f"image '{ref[:30]}...' is embedded as data; save it as a file in content/images/"
    if parsed.scheme:
        return f"image '{ref}' uses '{parsed.scheme}:'; only files inside content/ can be used"
    target = (base / parsed.path).resolve()
    if not target.is_relative_to(root.resolve()):
        return f"image '{ref}' is outside the content folder"
    if not target.is_file():
        return f"image '{ref}' not found"
    return target


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
    name, phone = fields.text("name"), fields.text("phone")
    website, booking = fields.url("website"), fields.url("booking_url")
    blog = fields.url("blog_url") if "blog_url" in fields.values else website
    email, address = fields.text("email"), fields.text("address")
    if not (fields.ok and name and phone and website and booking and blog):
        return None
    return Practice(name, phone, website, booking, blog, email, address)


def load_article(source: Source, slug: str, out: Collector, root: Path) -> Article | None:
    parsed = parse_mapping(source.path, source.meta_text, source.meta_line, out)
    if parsed is None:
        return None
    fields = Fields(source.path, *parsed, ARTICLE_FIELDS, out, line=1)
    title, summary, author = fields.text("title"), fields.text("summary"), fields.text("author")
    date = fields.date("date")
    url = fields.url("url")
    subtitle = fields.text("subtitle")
    tags = fields.string_list("tags")
    reviewed = fields.date("reviewed")
    images = check_body(source, out, root)
    if not (fields.ok and title and summary and author and date and images is not None):
        return None
    return Article(
        slug=slug,
        path=source.path,
        title=title,
        summary=summary,
        author=author,
        date=date,
        body=source.body,
        body_line=source.body_line,
        url=url,
        subtitle=subtitle,
        tags=tags,
        reviewed=reviewed,
        images=images,
    )


def load_metaphor(
    source: Source, slug: str, out: Collector, root: Path, article_slugs: set[str]
) -> Metaphor | None:
    parsed = parse_mapping(source.path, source.meta_text, source.meta_line, out)
    if parsed is None:
        return None
    fields = Fields(source.path, *parsed, METAPHOR_FIELDS, out, line=1)
    title, summary = fields.text("title"), fields.text("summary")
    article = fields.text("article")
    if article is not None and article not in article_slugs:
        fields.error(
            "article",
            f"unknown article '{article}'",
            did_you_mean(article, article_slugs)
            or "use the file name of an article in content/articles/, without .md",
        )
    illustration = None
    ill_ref = fields.text("illustration")
    if ill_ref is not None:
        target = resolve_local(root, ill_ref, root)
        if isinstance(target, str):
            fields.error(
                "illustration",
                target.replace("image", "illustration", 1),
                "give a path under content/, e.g. images/glas.svg",
            )
        else:
            illustration = target
    order = fields.integer("order")
    images = check_body(source, out, root)
    if not (fields.ok and title and summary and images is not None):
        return None
    return Metaphor(
        slug=slug,
        path=source.path,
        title=title,
        summary=summary,
        body=source.body,
        body_line=source.body_line,
        article=article,
        illustration=illustration,
        order=order or 0,
        images=images + ((illustration,) if illustration else ()),
    )


def load_booklet(root: Path, out: Collector, known: set[str], valid: set[str]) -> Booklet | None:
    path = root / "booklet.yml"
    if not path.is_file():
        return None
    read = read_yaml_file(path, BOOKLET_FIELDS, out)
    if read is None:
        return None
    text, fields = read
    title, subtitle, intro = fields.text("title"), fields.text("subtitle"), fields.text("intro")
    sections = []
    for raw, line, item_lines in _section_nodes(text):
        section_fields = Fields(path, raw, {}, SECTION_FIELDS, out, line=line)
        section_title = section_fields.text("title")
        items = raw.get("items")
        if not isinstance(items, list):
            out.add(
                path,
                line,
                "'items' must be a list",
                "write each item on its own line: '- metaphors/glas-water'",
            )
            fields.ok = False
            continue
        good = []
        for item, item_line in zip(items, item_lines, strict=False):
            key = str(item).strip()
            if key in valid:
                good.append(key)
                continue
            fields.ok = False
            if key in known:  # without it the booklet would be silently incomplete: keep the last good one
                out.add(
                    path,
                    item_line,
                    f"'{key}' has errors, so the booklet is not built",
                    "fix the errors reported for that file; until then the last good booklet is kept",
                )
                continue
            out.add(
                path,
                item_line,
                f"unknown item '{key}'",
                did_you_mean(key, known) or "write items as metaphors/<slug> or articles/<slug>",
            )
        if not (section_fields.ok and section_title):
            fields.ok = False
            continue
        sections.append(Section(section_title, tuple(good)))
    if "sections" in fields.values and not isinstance(fields.values["sections"], list):
        fields.error("sections", "'sections' must be a list", "start each section with '- title: ...'")
    if not (fields.ok and title):
        return None
    return Booklet(path=path, title=title, subtitle=subtitle, intro=intro or "", sections=tuple(sections))


def _section_nodes(text: str) -> list[tuple[dict[str, Any], int, list[int]]]:
    """Each section of booklet.yml as (values, line, line of each item); the YAML is valid."""
    node = yaml.compose(text, Loader=_Loader)
    result: list[tuple[dict[str, Any], int, list[int]]] = []
    if not isinstance(node, yaml.MappingNode):
        return result
    constructor = _Loader("")
    for key_node, value_node in node.value:
        if key_node.value != "sections" or not isinstance(value_node, yaml.SequenceNode):
            continue
        for section in value_node.value:
            values = constructor.construct_object(section, deep=True)
            item_lines: list[int] = []
            if isinstance(section, yaml.MappingNode):
                for k, v in section.value:
                    if k.value == "items" and isinstance(v, yaml.SequenceNode):
                        item_lines = [item.start_mark.line + 1 for item in v.value]
            result.append(
                (values if isinstance(values, dict) else {}, section.start_mark.line + 1, item_lines)
            )
    return result


def _find_line(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def find_line(path: Path, needle: str) -> int | None:
    """The first line of ``path`` that contains ``needle`` (for render-time problems)."""
    try:
        return _find_line(path.read_text(encoding="utf-8"), needle)
    except (OSError, UnicodeDecodeError):
        return None


def discover(root: Path, kind: str, out: Collector) -> dict[str, Path]:
    """Item files of one kind, by slug; reports bad names and two files for one output."""
    folder = root / kind
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
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
        slug = check_slug(path, out)
        if slug is None:
            continue
        if slug in found:
            out.add(
                path,
                None,
                f"two files produce the same output {kind}/{slug}.pdf: {found[slug].name} and {path.name}",
                "rename or remove one of them",
            )
            found[slug] = path  # keep reporting; both are broken
            continue
        found[slug] = path
    return found


def load(root: Path, check_glyphs: Callable[[Path, str, int], list[Problem]] | None = None) -> Content:
    """Load and validate everything in a content folder. Never raises for content problems."""
    root = root.resolve()
    out = Collector(root)
    if not root.is_dir():
        out.add(root, None, "content folder not found", "pass --content DIR, or run from the project folder")
        return Content(root=root, practice=None, problems=tuple(out.problems))
    # Any problem in a file breaks what it makes, even one its loader lets through (a field
    # given twice, a sign the font cannot draw): count the problems before and after.
    reported = len(out.problems)
    practice = load_practice(root, out)
    _check_glyphs(root / "practice.yml", check_glyphs, out)
    if len(out.problems) > reported:
        practice = None
    article_files = discover(root, "articles", out)
    metaphor_files = discover(root, "metaphors", out)
    duplicated = {
        f"{kind}/{slug}"
        for kind, files in (("articles", article_files), ("metaphors", metaphor_files))
        for slug, path in files.items()
        if any(p.path == display(path) and "same output" in p.message for p in out.problems)
    }
    articles: dict[str, Article] = {}
    metaphors: dict[str, Metaphor] = {}
    sources: dict[str, Path] = {}
    for kind, files in (("articles", article_files), ("metaphors", metaphor_files)):
        for slug, path in files.items():
            key = f"{kind}/{slug}"
            sources[key] = path
            if key in duplicated:
                continue
            text = read_text(path, out)
            if text is None:
                continue
            source = split_front_matter(path, text, out)
            if source is None:
                continue
            reported = len(out.problems)
            _check_glyphs(path, check_glyphs, out, text)
            if kind == "articles":
                article = load_article(source, slug, out, root)
                if article and len(out.problems) == reported:
                    articles[slug] = article
            else:
                metaphor = load_metaphor(source, slug, out, root, set(article_files))
                if metaphor and len(out.problems) == reported:
                    metaphors[slug] = metaphor
    # A metaphor takes its QR link from its article: a broken article breaks the link.
    for slug, metaphor in list(metaphors.items()):
        if metaphor.article and metaphor.article not in articles:
            out.add(
                metaphor.path,
                find_line(metaphor.path, "article:"),
                f"its article '{metaphor.article}' has errors, so its link is unknown",
                "fix the article first",
            )
            del metaphors[slug]
    valid = {*(a.key for a in articles.values()), *(m.key for m in metaphors.values())}
    reported = len(out.problems)
    booklet = load_booklet(root, out, set(sources), valid)
    _check_glyphs(root / "booklet.yml", check_glyphs, out)
    if len(out.problems) > reported:
        booklet = None
    problems = tuple(sorted(set(out.problems), key=_problem_order))
    broken = frozenset(key for key in sources if key not in valid)
    return Content(
        root=root,
        practice=practice,
        articles=articles,
        metaphors=metaphors,
        booklet=booklet,
        problems=problems,
        broken=broken,
        sources=sources,
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
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return  # missing, or already reported by its loader
    out.problems.extend(check_glyphs(path, text, 1))


def _problem_order(problem: Problem) -> tuple[str, int, str]:
    return (problem.path, problem.line or 0, problem.message)
