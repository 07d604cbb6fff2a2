"""Load and validate a content folder, collecting every problem in one pass.

``load`` is the first layer of the verdict (``verdict``). The fields are declared in
``schema``; booklet.yml is read in ``loaders``, practice.yml and the items here; which files
are items, in ``discovery``.
One rule decides validity: an item whose file has an error makes nothing (its last good PDF
is kept); everything else builds. Nothing here renders: this module is cheap to import (no
Markdown, Jinja2 or WeasyPrint), so ``check`` and no-op builds stay fast.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any, TypeVar

from . import glyphs
from .discovery import discover
from .frontmatter import (
    Collector,
    Source,
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
    Metaphor,
    Output,
    Practice,
    Problem,
    booklet_file,
    line_of,
)
from .parity import translation_problems
from .paths import display, missing_files
from .safety import check_body, resolve_local
from .schema import ARTICLE, METAPHOR, PRACTICE, Fields, FieldSpec, Schema, read
from .starter import warn_examples, warn_placeholders
from .theme import load_theme


def load_practice(root: Path, out: Collector) -> Practice | None:
    path = root / "practice.yml"
    if not path.is_file() and not path.is_symlink():  # a link loop or a link out: said by read_text
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
    return Practice(**{name: v[name] for name in PRACTICE.names})  # every field the schema declares


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
    _check_parity(sources, out)
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


def _check_parity(sources: dict[str, Path], out: Collector) -> None:
    """A translation carries what its original carries (sections, list items, numbers, the phone
    number): one that drops any is an error, so it makes nothing (``parity``)."""
    for key, path in sources.items():
        output = Output.parse(key)
        original = sources.get(Output(output.kind, output.slug).key)
        if output.lang == DEFAULT_LANG or original is None:
            continue
        try:
            texts = original.read_text(encoding="utf-8"), path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # reported when the file is read
        out.problems += translation_problems(original, texts[0], path, texts[1])


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
