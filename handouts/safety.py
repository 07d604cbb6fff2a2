"""What a Markdown body and its images may ask of the renderer: allow-lists, not deny-lists.

The body is rendered to HTML as the renderer will get it; nh3 (the Ammonia sanitiser) is asked
what it would remove from that HTML under the handout's allow-lists (``ALLOWED_TAGS``,
``ALLOWED_ATTRIBUTES``), and every such tag or attribute is refused with its line. Links may
only go to the web, images only to files inside content/ that can be drawn; an SVG file is
parsed with defusedxml (no DOCTYPE, entities or external references) and may only use the SVG
elements of ``SVG_ELEMENTS``, no event handlers and no reference outside itself.

nh3, defusedxml, Markdown and Pillow are imported only when a body or an image is checked.
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

from .frontmatter import Collector, Source, control_char, shorten
from .images import image_problem
from .models import Said

# What the Markdown of a handout renders to, and the few tags staff may add by hand.
ALLOWED_TAGS = frozenset(
    {
        *("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote"),
        *("hr", "br", "pre", "code", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small"),
        *("sub", "sup", "abbr", "q", "cite", "dfn", "kbd", "samp", "var", "time", "span", "div", "wbr"),
        *("a", "img", "figure", "figcaption", "table", "caption", "thead", "tbody", "tfoot", "tr"),
        *("th", "td", "colgroup", "col"),
    }
)
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "lang", "dir", "title"},  # attr_list's {: .class #id } and plain text
    "a": {"href", "rel"},  # rel: "attachment" is refused on its own, with its own message
    "img": {"src", "alt", "width", "height"},
    "th": {"align", "style", "colspan", "rowspan"},  # style: the tables' text-align
    "td": {"align", "style", "colspan", "rowspan"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "time": {"datetime"},
}
STYLE_PROPERTIES = frozenset({"text-align"})
WEB_SCHEMES = ("http", "https", "mailto", "tel")  # the links a handout may carry
NESTING_LIMIT = 20  # levels of blockquotes, lists and tags in the text: deeper is not a handout
WORD_LIMIT = 50  # characters without a place to break: more does not fit on a line of any handout
BREAKS_RE = re.compile(r"[\s\-/\u00ad\u200b\u2010-\u2014]+")
VOID_TAGS = frozenset(
    ["area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
)


def check_body(source: Source, out: Collector, root: Path) -> tuple[Path, ...] | None:
    """Check the Markdown body as it will be rendered.

    The body is converted to HTML (as the renderer will get it) and that HTML is checked:
    only the tags and attributes a handout uses (nh3 with the allow-lists above), only web
    links, images that exist inside content/ and can be drawn, no nesting too deep to lay out
    and no word too long for a line. Control characters are refused first, with their line.
    """
    if not source.body.strip():
        out.add(source.path, source.body_line, "the text is empty", "write the text below the front matter")
        return None
    if not _no_control_chars(source, out):
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
    # too deep is refused as such; nh3 would take minutes over 100,000 nested tags
    refused = [] if scan.deep else refused_html(html)
    found = scan.found + [("refused", value) for value in refused]
    report = _Report(source, out, root)
    for kind, value in found:
        report.one(kind, value)
    return tuple(report.images) if report.ok else None


def _no_control_chars(source: Source, out: Collector) -> bool:
    ok = True
    for number, line in enumerate(source.body.splitlines(), start=source.body_line):
        bad = control_char(line)
        if bad:
            ok = False
            out.add(
                source.path,
                number,
                f"the text contains the control character {bad}",
                "remove it; it is invisible in most editors: retype the line",
            )
    return ok


class _Report:
    """Each finding of ``_BodyScan`` and nh3 as a problem on the line that asks for it."""

    def __init__(self, source: Source, out: Collector, root: Path) -> None:
        self.source, self.out, self.root = source, out, root
        self.lines = source.body.splitlines()
        self.images: list[Path] = []
        self.ok = True

    def line_with(self, *needles: str) -> int:
        for needle in needles:
            needle = needle.strip()[:40]
            if not needle:
                continue
            for number, line in enumerate(self.lines, start=self.source.body_line):
                if needle.lower() in line.lower():
                    return number
        return self.source.body_line

    def error(self, line: int, message: str, hint: str) -> None:
        self.ok = False
        self.out.add(self.source.path, line, message, hint)

    def one(self, kind: str, value: str) -> None:
        if kind == "refused" and value.startswith("<"):  # "<script>": a tag
            self.error(
                self.line_with(value.rstrip(">")),
                f"raw HTML {value} is not allowed in content",
                "use plain Markdown; styles and templates belong in styles/ and templates/",
            )
        elif kind == "refused":  # "onclick=" or "p style=": an attribute
            attribute = value.rpartition(" ")[2]  # "onclick=": as written, else the bare name
            self.error(
                self.line_with(attribute, attribute.rstrip("=")),
                f"the attribute {value} is not allowed in content",
                "use plain Markdown; styles and templates belong in styles/ and templates/",
            )
        elif kind == "attachment":
            self.error(
                self.line_with(value, "attachment"),
                "an attachment (rel=attachment) is not allowed in content",
                "a handout is paper: link to a web page instead",
            )
        elif kind == "deep":
            self.error(
                self.line_with(value),
                f"the text is nested too deeply (quotes, lists or tags more than {NESTING_LIMIT} levels)",
                "use fewer '>' or less indentation",
            )
        elif kind == "word":  # the style breaks it anywhere, as a last resort: worth a warning
            self.out.warn(
                self.source.path,
                self.line_with(value[:20]),
                f"a word of {len(value)} characters ('{shorten(value, 30)}') is too long for a line:"
                " it will be broken at an arbitrary place",
                "break it up with spaces or hyphens",
            )
        else:
            self.reference(kind, value)

    def reference(self, kind: str, value: str) -> None:
        if kind == "href":
            reason = _link_problem(value)
            if reason:
                self.error(
                    self.line_with(value),
                    reason,
                    "a handout may link to web pages (https://...), e-mail (mailto:) and phones (tel:)",
                )
            return
        target = resolve_local(self.source.path.parent, value, self.root)
        if isinstance(target, str):
            self.error(
                self.line_with(value, "]:"),
                target,
                "put the image in content/images/ and refer to it as ../images/NAME.svg",
            )
        else:
            self.images.append(target)


def refused_html(html: str) -> list[str]:
    """What nh3 removes from ``html`` under the allow-lists: ``<tag>``, or ``tag name=``.

    A tag's attributes go with it; links and image sources are left to ``_link_problem`` and
    ``resolve_local``, which say why. An allowed tag that the HTML parser moves or drops (a
    ``<td>`` outside a table) is structure, not a refusal.
    """
    import nh3

    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(WEB_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
        link_rel=None,
        strip_comments=False,
    )
    removed = _Inventory.of(html) - _Inventory.of(cleaned)
    refused = []
    for tag, name in removed:
        if not name and tag not in ALLOWED_TAGS:
            refused.append(f"<{tag}>")
        elif name.startswith("style:") and tag in ALLOWED_TAGS:
            refused.append(f"{tag} style=")
        elif name and tag in ALLOWED_TAGS and name not in ("href", "src"):
            refused.append(f"{name}=")
    return list(dict.fromkeys(refused))


class _Inventory(HTMLParser):
    """The tags of an HTML text, and their attributes (a style with its declarations)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: Counter[tuple[str, str]] = Counter()

    @classmethod
    def of(cls, html: str) -> Counter[tuple[str, str]]:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser.items

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.items[(tag, "")] += 1
        for name, value in attrs:
            if name == "style":  # the value counts: nh3 keeps only the allowed properties
                name = "style:" + re.sub(r"[\s;]+", "", (value or "").lower())
            self.items[(tag, name)] += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def _link_problem(href: str) -> str | None:
    """Why a link in the text is refused, or None."""
    shown = shorten(href)
    if href.startswith("#"):
        return None
    try:
        parsed = urlparse(href)
        parsed.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return Said("the link '{link}' is not a valid web address", link=shown)
    if parsed.scheme.lower() in WEB_SCHEMES:
        if parsed.scheme.lower() in ("http", "https") and not parsed.netloc:
            return Said("the link '{link}' has no site name", link=shown)
        return None
    if not parsed.scheme:
        return Said("the link '{link}' points to a file, not to a web page", link=shown)
    scheme = shorten(parsed.scheme, 20)
    return Said("the link '{link}' uses '{scheme}:', which is not a web address", link=shown, scheme=scheme)


class _BodyScan(HTMLParser):
    """What the rendered HTML of a body asks for: links, images, attachments, nesting, words."""

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
        for name, value in attrs:
            value = value or ""
            if name == "rel" and "attachment" in value.lower().split():
                self.found.append(("attachment", self.get_starttag_text() or ""))
            elif name in ("href", "xlink:href") or (name == "src" and tag != "img"):
                self.found.append(("href", value))
            elif name == "src":
                self.found.append(("src", value))


def resolve_local(base: Path, ref: str, root: Path) -> Path | str:
    """Resolve a reference to a local image file inside ``root``, or explain why not."""
    shown = shorten(ref)
    try:
        parsed = urlparse(ref)
    except ValueError:
        return f"image '{shown}' is not a valid address"
    if parsed.scheme in ("http", "https"):
        online = "image '{image}' is on the internet; rendering is offline and cannot fetch it"
        return Said(online, image=shown)
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
            return Said("image '{image}' is outside the content folder", image=shown)
        if not target.is_file():
            return Said("image '{image}' not found", image=shown)
        info = target.stat()
    except RuntimeError:  # Python 3.11's word for a link loop
        return f"image '{shown}' is a link that leads back to itself (a loop)"
    except (OSError, ValueError) as exc:
        return f"image '{shown}' cannot be read: {getattr(exc, 'strerror', None) or exc}"
    problem = image_problem(target, info.st_mtime_ns, info.st_size)
    return f"image '{shown}' {problem}" if problem else target
