"""Where each handout's QR codes point, and a card's place in the series (no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from .models import Article, Content, Item, Practice


@dataclass(frozen=True)
class Link:
    """A QR code with its label and the URL printed beneath it."""

    label: str
    url: str
    phone: str | None = None  # printed beside it: "of bel ..." (the booking link)

    @property
    def qr(self) -> Markup:
        from .qr import qr_svg

        return qr_svg(self.url, self.alt)

    @property
    def alt(self) -> str:
        """The QR code's alternative text, for a screen reader: where it leads."""
        return f"QR-code naar {self.url.split('://', 1)[-1].rstrip('/')}"

    @property
    def printed(self) -> str:
        """The URL as printed: no scheme, wrapping after a slash, not at a hyphen.

        A reader types it from paper: a line that ends in "belasting-en-" leaves them
        guessing whether the hyphen belongs to the address. A part too long for a column
        (over 30 characters) may still wrap at its hyphens. Plain text (a zero-width space
        after each slash, a word joiner after each hyphen), so that the link around it is
        one Link in the tagged PDF, not one per piece.
        """
        text = self.url.split("://", 1)[-1].rstrip("/")
        parts = [part.replace("-", "-\u2060") if len(part) <= 30 else part for part in text.split("/")]
        return "/\u200b".join(parts)


def booking_link(practice: Practice) -> Link:
    return Link("Maak een afspraak", practice.booking_url, practice.phone)


def article_link(article: Article | None, practice: Practice) -> Link:
    if article is not None and article.url:
        return Link("Lees het volledige artikel", article.url)
    return Link("Lees meer op onze blog", practice.blog_url)


def item_links(item: Item, content: Content) -> tuple[Link, Link]:
    """The two QR codes of a handout: its article (or the blog), and booking."""
    assert content.practice is not None
    if isinstance(item, Article):
        source: Article | None = item
    else:
        found = content.item(f"articles/{item.article}") if item.article else None
        source = found if isinstance(found, Article) else None
    return article_link(source, content.practice), booking_link(content.practice)
