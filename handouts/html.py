"""Models to HTML documents: one Jinja2 environment, autoescape on, StrictUndefined."""

from __future__ import annotations

import datetime
import functools

import jinja2
from markupsafe import Markup

from .links import booking_link, item_links
from .markup import to_html, typography
from .models import Article, Booklet, Content, Item, Metaphor
from .paths import TEMPLATES

MONTHS_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def month_year(date: datetime.date) -> str:
    return f"{MONTHS_NL[date.month - 1]} {date.year}"


def long_date(date: datetime.date) -> str:
    """A date as printed for a reader: "30 november 2026"."""
    return f"{date.day} {month_year(date)}"


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = lambda text, base=None, shift=0, sources=None: Markup(
        to_html(text, base, shift, sources)
    )
    env.filters["typography"] = typography
    env.filters["month_year"] = month_year
    env.filters["long_date"] = long_date
    return env


def render_item(item: Item, content: Content) -> str:
    """The HTML of one A4 handout: an article or a metaphor card."""
    template = "article.html" if isinstance(item, Article) else "metaphor.html"
    return (
        environment()
        .get_template(template)
        .render(
            item=item,
            practice=content.practice,
            links=item_links(item, content),
            illustration=item.illustration.as_uri()
            if isinstance(item, Metaphor) and item.illustration
            else None,
        )
    )


def render_booklet(booklet: Booklet, content: Content) -> str:
    """The HTML of the A5 booklet: cover, intro, contents, sections, notes, back cover."""
    sections = [
        (section, [content.item(key) for key in section.items if content.item(key)])
        for section in booklet.sections
    ]
    return (
        environment()
        .get_template("booklet.html")
        .render(
            booklet=booklet,
            practice=content.practice,
            sections=sections,
            links={item.key: item_links(item, content) for _, items in sections for item in items if item},
            booking=booking_link(content.practice) if content.practice else None,
        )
    )


def render_notes(content: Content) -> str:
    """One lined "Notities" page of the booklet, used to pad it to a multiple of 4 pages."""
    return environment().get_template("notes.html").render(practice=content.practice)
