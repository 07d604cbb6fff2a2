"""The content model: frozen dataclasses, problems as values, and the outputs they make."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import ClassVar, Literal, TypeGuard

from .edition import Edition, PartialDate

Kind = Literal["articles", "metaphors"]  # a content item: a folder of content/
OutputKind = Literal["articles", "metaphors", "booklet"]
Variant = Literal["standard", "large"]  # the normal handouts, or large print (in large/)
Severity = Literal["error", "warning"]  # a warning is reported, but nothing is refused for it
ReviewState = Literal["never", "current", "overdue"]  # a therapist's last reading of an item

ARTICLES: Kind = "articles"
METAPHORS: Kind = "metaphors"
BOOKLET: OutputKind = "booklet"
STANDARD: Variant = "standard"
LARGE: Variant = "large"
ERROR: Severity = "error"
WARNING: Severity = "warning"
KINDS: tuple[Kind, ...] = (ARTICLES, METAPHORS)
VARIANTS: tuple[Variant, ...] = (STANDARD, LARGE)
DEFAULT_LANG = "nl"
LANGUAGES = ("nl", "fr", "en")  # a translation is <slug>.<lang>.md
DEFAULT_REVIEW_MONTHS = 24  # how long a therapist's review holds, unless practice.yml says otherwise


def is_kind(word: str) -> TypeGuard[Kind]:
    return word in KINDS


def is_variant(word: str) -> TypeGuard[Variant]:
    return word in VARIANTS


def line_of(text: str, needle: str) -> int | None:
    """The number of the first line of ``text`` that contains ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


class UsageError(Exception):
    """Wrong command-line use (exit status 2): an unknown item, an output folder inside content/."""


def fill(template: str, params: dict[str, object]) -> str:
    """``template`` with each ``{name}`` replaced by its value (other braces stay as they are)."""
    for name, value in params.items():
        template = template.replace("{" + name + "}", str(value))
    return template


class Said(str):
    """A message that keeps its template and values: ``Said("image '{image}' not found",
    image="a.svg")`` is the string "image 'a.svg' not found", and ``Problem.of`` keeps the rest."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, **params: object) -> Said:
        said = super().__new__(cls, fill(template, params))
        said.template, said.params = template, params
        return said


@dataclass(frozen=True, order=True)
class Problem:
    """One content problem, printed compiler style: ``path:line: error: message``."""

    path: str
    line: int | None
    message: str
    hint: str = ""
    severity: Severity = ERROR
    # The message as data, for the desk's Dutch: the English templates and their values
    # (``Problem.of``); empty for a message made as a finished sentence.
    template: str = field(default="", compare=False, repr=False)
    hint_template: str = field(default="", compare=False, repr=False)
    params: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def of(
        cls,
        path: str,
        line: int | None,
        template: str,
        hint: str = "",
        severity: Severity = ERROR,
        **params: object,
    ) -> Problem:
        """A problem whose message and hint are templates ("unknown field '{field}'") with
        ``params``: rendered in English here, in Dutch on the desk (``handouts.dutch``)."""
        for said in (template, hint):  # a reason or hint found elsewhere, as data
            if isinstance(said, Said):
                params = {**said.params, **params}
        template = template.template if isinstance(template, Said) else template
        hint = hint.template if isinstance(hint, Said) else hint
        values = tuple((name, str(value)) for name, value in params.items())
        return cls(path, line, fill(template, params), fill(hint, params), severity, template, hint, values)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


@dataclass(frozen=True, order=True)
class Output:
    """One thing the build makes: a handout (or the booklet) in one language and one variant.

    The one place that knows how an output is named, where its files go, which stylesheets
    lay it out and how many pages it may take.
    """

    kind: OutputKind
    slug: str = ""  # empty for the booklet
    lang: str = DEFAULT_LANG
    variant: Variant = STANDARD

    @property
    def prefix(self) -> str:
        """The output sub-folder: "", "fr/", "large/", "large/fr/"."""
        parts: list[str] = [self.variant] if self.variant != STANDARD else []
        if self.lang != DEFAULT_LANG:
            parts.append(self.lang)
        return "".join(f"{p}/" for p in parts)

    @property
    def key(self) -> str:
        """How users and the manifest name it: "metaphors/glas-water", "large/fr/booklet"."""
        return self.prefix + (BOOKLET if self.is_booklet else f"{self.kind}/{self.slug}")

    @property
    def is_booklet(self) -> bool:
        return self.kind == BOOKLET

    @property
    def source_key(self) -> str:
        """The content item it is made from: "fr/metaphors/glas-water" (no variant)."""
        return Output(self.kind, self.slug, self.lang).key

    @property
    def files(self) -> tuple[str, ...]:
        """Its files, relative to the output folder."""
        if self.is_booklet:
            names = ("booklet.pdf", "booklet-print.pdf", "booklet-print-long-edge.pdf")
            return tuple(self.prefix + name for name in names)
        return (f"{self.key}.pdf",)

    @property
    def stylesheet(self) -> str:
        """The stylesheet in styles/ that lays it out."""
        return {ARTICLES: "article.css", METAPHORS: "card.css", BOOKLET: "booklet.css"}[self.kind]

    @property
    def stylesheets(self) -> tuple[str, ...]:
        """Every stylesheet in styles/ it is rendered with, in cascade order: the layout, then
        the variant's type scale (large.css: large print changes the scale, not the layout)."""
        return (self.stylesheet,) + (("large.css",) if self.variant == LARGE else ())

    @property
    def max_pages(self) -> int | None:
        """A card is one page; in large print it may take two (its pages stay together)."""
        if self.kind != METAPHORS:
            return None
        return 2 if self.variant == LARGE else 1

    @classmethod
    def parse(cls, key: str) -> Output:
        """The inverse of ``key``; raises ValueError for a name that is not an output."""
        parts = key.strip("/").split("/")
        variant, first = STANDARD, parts[0]
        if is_variant(first):
            variant = first
            parts.pop(0)
        lang = parts.pop(0) if parts and parts[0] in LANGUAGES else DEFAULT_LANG
        if parts == [BOOKLET]:
            return cls(BOOKLET, "", lang, variant)
        if len(parts) == 2 and is_kind(parts[0]) and parts[1]:
            return cls(parts[0], parts[1], lang, variant)
        raise ValueError(f"not an output: {key!r}")


def booklet_file(lang: str = DEFAULT_LANG) -> str:
    """The booklet's file in the content folder: "booklet.yml", "booklet.fr.yml"."""
    return "booklet.yml" if lang == DEFAULT_LANG else f"booklet.{lang}.yml"


@dataclass(frozen=True, kw_only=True)
class Practice:
    """practice.yml: who the practice is. Its fields are declared in ``schema.PRACTICE``."""

    name: str
    phone: str
    website: str
    booking_url: str
    blog_url: str  # the website when not given
    email: str | None = None
    address: str | None = None
    therapists: tuple[str, ...] = ()
    review_interval_months: int = DEFAULT_REVIEW_MONTHS
    logo: Path | None = None
    printer: str | None = None  # CUPS queues (print, the desk)
    booklet_printer: str | None = None

    @property
    def website_label(self) -> str:
        """The website as printed: without the scheme and trailing slash."""
        return self.website.split("://", 1)[-1].rstrip("/")


@dataclass(frozen=True, kw_only=True)
class _ItemBase:
    """What every content item (article or card) has: its front matter's fields are declared
    in ``schema.ARTICLE`` and ``schema.METAPHOR``, the rest comes from its file."""

    kind: ClassVar[Kind]

    slug: str
    path: Path
    title: str
    summary: str
    body: str
    body_line: int
    text: str  # the whole source file, for finding the line of a render-time problem
    lang: str
    digest: str  # sha256 of the source file: names the edition given to a patient
    images: tuple[Path, ...]
    reviewed: datetime.date | None = None
    reviewed_by: str | None = None

    @property
    def output(self) -> Output:
        return Output(self.kind, self.slug, self.lang)

    @property
    def key(self) -> str:
        return self.output.key

    @property
    def edition(self) -> Edition:
        """The edition, as the footer prints it: the month of the content's date (else of its
        review) and a short hash of its file."""
        date: PartialDate | None = getattr(self, "date", None)
        if date is None and self.reviewed is not None:
            date = PartialDate.of(self.reviewed)
        return Edition(date.month_only if date else None, self.digest[:6])

    @property
    def version(self) -> str:
        """The edition in Dutch, as the desk shows it: "juni 2025 · 02a502"."""
        return self.edition.text(DEFAULT_LANG)


@dataclass(frozen=True, kw_only=True)
class Article(_ItemBase):
    author: str | None = None
    date: PartialDate | None = None  # a month or a day, as the source gives it
    key_points: tuple[str, ...]
    url: str | None = None
    subtitle: str | None = None
    tags: tuple[str, ...] = ()

    kind: ClassVar[Kind] = ARTICLES


@dataclass(frozen=True, kw_only=True)
class Metaphor(_ItemBase):
    article: str | None = None
    illustration: Path | None = None
    illustration_alt: str | None = None
    order: int = 0
    tags: tuple[str, ...] = ()

    kind: ClassVar[Kind] = METAPHORS


Item = Article | Metaphor


@dataclass(frozen=True, kw_only=True)
class Section:
    """One section of the booklet: its title and its items' source keys, in order."""

    title: str
    items: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Booklet:
    """booklet.yml (or a translation: booklet.fr.yml). Its fields: ``schema.BOOKLET``."""

    path: Path
    title: str
    sections: tuple[Section, ...]
    subtitle: str | None = None
    intro: str = ""
    lang: str = DEFAULT_LANG
    text: str = ""  # the whole booklet.yml


@dataclass(frozen=True)
class Content:
    """Everything loaded from a content folder, with every problem found on the way."""

    root: Path
    practice: Practice | None
    # every valid item, by its source key: "metaphors/glas-water", "fr/metaphors/glas-water"
    items: dict[str, Item] = field(default_factory=dict)
    booklet: Booklet | None = None
    problems: tuple[Problem, ...] = ()
    # every item file found, by source key, valid or not
    sources: dict[str, Path] = field(default_factory=dict)
    # every valid booklet by language, the Dutch ``booklet`` too: booklet.yml, booklet.fr.yml
    booklets: dict[str, Booklet] = field(default_factory=dict)
    theme: Path | None = None  # content/theme.css: the practice's colours and fonts

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def broken(self) -> frozenset[str]:
        """Source keys of items whose file exists but has errors."""
        return frozenset(key for key in self.sources if key not in self.items)

    @property
    def articles(self) -> dict[str, Article]:
        """The articles in the default language, by slug."""
        return {i.slug: i for i in self.items.values() if isinstance(i, Article) and i.lang == DEFAULT_LANG}

    @property
    def metaphors(self) -> dict[str, Metaphor]:
        """The cards in the default language, by slug."""
        return {i.slug: i for i in self.items.values() if isinstance(i, Metaphor) and i.lang == DEFAULT_LANG}

    def item(self, key: str) -> Item | None:
        """An item by source key ("metaphors/glas-water", "fr/metaphors/glas-water")."""
        return self.items.get(key)


@dataclass(frozen=True)
class Personal:
    """The desk's personal block of one print: printed on the page, never kept."""

    date: datetime.date
    name: str = ""
    therapist: str = ""
    note: str = ""
    ticked: tuple[int, ...] = ()  # indexes of the tips under "Wat kan je zelf doen?"


@dataclass(frozen=True)
class Summary:
    """What a build did, output by output (keys), and what it has to say."""

    built: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    notices: frozenset[str] = frozenset()  # about the machine or the output folder: printed once
    removed: tuple[str, ...] = ()  # stale PDFs removed, as displayed paths
    internal: tuple[str, ...] = ()  # outputs that failed on a bug of ours

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def __add__(self, other: Summary) -> Summary:
        """Both summaries in one: each field of ``self``, then of ``other``."""
        joined = {
            f.name: getattr(self, f.name) + getattr(other, f.name)
            for f in fields(self)
            if f.name != "notices"
        }
        return Summary(**joined, notices=self.notices | other.notices)
