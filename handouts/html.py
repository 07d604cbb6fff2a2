"""Models to HTML documents: one Jinja2 environment per language, autoescape on, StrictUndefined."""

from __future__ import annotations

import datetime
import functools
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import i18n
from .i18n import N_
from .links import booking_link, item_links
from .markup import to_html, typography
from .models import DEFAULT_LANG, Article, Booklet, Content, Edition, Item, Metaphor, PartialDate, Personal
from .paths import TEMPLATES


def month_year(date: datetime.date | PartialDate, lang: str = DEFAULT_LANG) -> str:
    """ "juni 2025" (Dutch), "juin 2025", "June 2025"."""
    return i18n.month_year(date, lang)


def edition(value: Edition, lang: str = DEFAULT_LANG) -> str:
    """The edition after "versie": "juni 2025 · 02a502" (the month in the handout's language)."""
    return i18n.edition_text(value, lang)


def long_date(date: datetime.date, lang: str = DEFAULT_LANG) -> str:
    """A date as printed for a reader: "30 november 2026", "30 novembre 2026"."""
    return i18n.long_date(date, lang)


def phone_strong(text: str, phone: str) -> Markup:
    """ "of bel 0485/26 43 15" with the number in bold, never broken over two lines."""
    strong = Markup('<strong class="nowrap">{}</strong>').format(phone)
    return Markup(Markup.escape(text).replace(Markup.escape(phone), strong, 1))


PAGE_OF = N_("pagina %(page)s van %(pages)s")  # the footer; the numbers are CSS counters


def page_of_parts(translated: str) -> tuple[str, str, str]:
    """The texts before, between and after the page numbers, for the footer's CSS counters.

    "pagina %(page)s van %(pages)s" -> ("pagina ", " van ", ""); the stylesheet puts
    ``counter(page)`` and ``counter(pages)`` between them (see common.css).
    """
    before, _, rest = translated.partition("%(page)s")
    between, _, after = rest.partition("%(pages)s")
    return before, between, after


def environment(lang: str = DEFAULT_LANG) -> jinja2.Environment:
    """The templates in one language: its fixed texts, its dates, its ``lang`` attribute.

    One environment per language, kept until its catalogue changes.
    """
    return _environment(lang, i18n.catalogue_path(lang), i18n.catalogue_stamp(lang))


@functools.cache
def _environment(lang: str, catalogue: Path, stamp: int) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    translations = i18n.translations(lang)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters["markdown"] = lambda text, base=None, ticked=(), shift=0, sources=None: Markup(
        to_html(text, base, ticked, shift, sources)
    )
    env.filters["typography"] = typography
    env.filters["phone_strong"] = phone_strong
    env.filters["month_year"] = functools.partial(month_year, lang=lang)
    env.filters["long_date"] = functools.partial(long_date, lang=lang)
    env.filters["edition"] = functools.partial(edition, lang=lang)
    env.globals["lang"] = lang
    env.globals["page_of"] = page_of_parts(i18n.gettext(lang, PAGE_OF))
    return env


def render_item(item: Item, content: Content, personal: Personal | None = None) -> str:
    """The HTML of one A4 handout: an article or a metaphor card.

    ``personal``: the desk's personal block (patient, date, therapist, note, ticked tips).
    """
    template = "article.html" if isinstance(item, Article) else "metaphor.html"
    return (
        environment(item.lang)
        .get_template(template)
        .render(
            item=item,
            practice=content.practice,
            links=item_links(item, content),
            personal=personal,
            ticked=personal.ticked if personal else (),
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
        environment(booklet.lang)
        .get_template("booklet.html")
        .render(
            booklet=booklet,
            practice=content.practice,
            sections=sections,
            links={item.key: item_links(item, content) for _, items in sections for item in items if item},
            booking=booking_link(content.practice) if content.practice else None,
        )
    )


def render_notes(content: Content, lang: str = DEFAULT_LANG) -> str:
    """One lined "Notities" page of the booklet, used to pad it to a multiple of 4 pages."""
    return environment(lang).get_template("notes.html").render(practice=content.practice)
