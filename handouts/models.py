"""The content model: frozen dataclasses, and problems as values."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One content problem, printed compiler style: ``path:line: message``."""

    path: str
    line: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: error: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


@dataclass(frozen=True)
class Practice:
    name: str
    phone: str
    website: str
    booking_url: str
    blog_url: str
    email: str | None = None
    address: str | None = None

    @property
    def website_label(self) -> str:
        """The website as printed: without the scheme and trailing slash."""
        return self.website.split("://", 1)[-1].rstrip("/")


@dataclass(frozen=True)
class Article:
    slug: str
    path: Path
    title: str
    summary: str
    author: str
    date: datetime.date
    body: str
    body_line: int
    url: str | None = None
    subtitle: str | None = None
    tags: tuple[str, ...] = ()
    reviewed: datetime.date | None = None
    images: tuple[Path, ...] = ()

    kind = "articles"

    @property
    def key(self) -> str:
        return f"articles/{self.slug}"


@dataclass(frozen=True)
class Metaphor:
    slug: str
    path: Path
    title: str
    summary: str
    body: str
    body_line: int
    article: str | None = None
    illustration: Path | None = None
    order: int = 0
    images: tuple[Path, ...] = ()

    kind = "metaphors"

    @property
    def key(self) -> str:
        return f"metaphors/{self.slug}"


Item = Article | Metaphor


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Booklet:
    path: Path
    title: str
    sections: tuple[Section, ...]
    subtitle: str | None = None
    intro: str = ""


@dataclass(frozen=True)
class Content:
    """Everything loaded from a content folder, with every problem found on the way."""

    root: Path
    practice: Practice | None
    articles: dict[str, Article] = field(default_factory=dict)
    metaphors: dict[str, Metaphor] = field(default_factory=dict)
    booklet: Booklet | None = None
    problems: tuple[Problem, ...] = ()
    # keys ("articles/x") of items whose source exists but has problems
    broken: frozenset[str] = frozenset()
    # every item file found, by key, valid or not
    sources: dict[str, Path] = field(default_factory=dict)

    def item(self, key: str) -> Item | None:
        kind, _, slug = key.partition("/")
        table: dict[str, Article] | dict[str, Metaphor] = (
            self.articles if kind == "articles" else self.metaphors
        )
        return table.get(slug)
