"""Where each handout's QR codes point, and a card's place in the series (no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from .i18n import N_
from .models import ARTICLES, DEFAULT_LANG, Article, Content, Item, Output, Practice


@dataclass(frozen=True)
class Link:
    """A QR code with its label and the URL printed beneath it.

    ``label`` and ``note`` are Dutch: the template translates them into the handout's language.
    ``note`` says when the page it leads to is not in the handout's language.
    """

    label: str
    url: str
    note: str = ""
    phone: str | None = None  # printed beside it: "of bel ..." (the booking link)

    @property
    def address(self) -> str:
        """The URL without its scheme: "www.kine-tim.be/blog"."""
        return self.url.split("://", 1)[-1].rstrip("/")

    @property
    def qr(self) -> Markup:
        """The QR code, its alternative text in Dutch (templates use ``qr_with``)."""
        return self.qr_with(f"QR-code naar {self.address}")

    def qr_with(self, alt: str) -> Markup:
        """The QR code; ``alt`` (a screen reader's text) says where it leads, in the page's language."""
        from .qr import qr_svg

        return qr_svg(self.url, str(alt))

    @property
    def printed(self) -> str:
        """The URL as printed: no scheme, wrapping after a slash, not at a hyphen.

        A reader types it from paper: a line that ends in "belasting-en-" leaves them
        guessing whether the hyphen belongs to the address. A part too long for a column
        (over 30 characters) may still wrap at its hyphens. Plain text (a zero-width space
        after each slash, a word joiner after each hyphen), so that the link around it is
        one Link in the tagged PDF, not one per piece.
        """
        parts = [p.replace("-", "-\u2060") if len(p) <= 30 else p for p in self.address.split("/")]
        return "/\u200b".join(parts)


def booking_link(practice: Practice) -> Link:
    return Link(N_("Maak een afspraak"), practice.booking_url, phone=practice.phone)


def article_link(
    article: Article | None, practice: Practice, lang: str = DEFAULT_LANG, own: bool = False
) -> Link:
    """The "read more" QR: the article online, else the blog; noted when not in ``lang``.

    ``own``: the handout is that article itself (it is complete): the QR is "this article online".
    """
    if article is not None and article.url:
        note = N_("artikel in het Nederlands") if article.lang != lang else ""
        label = N_("Dit artikel online") if own else N_("Lees het volledige artikel")
        return Link(label, article.url, note)
    note = N_("in het Nederlands") if lang != DEFAULT_LANG else ""
    return Link(N_("Lees meer op onze blog"), practice.blog_url, note)


def _article(item: Item, content: Content) -> Article | None:
    """The article a handout leads to: online in the handout's language if it can, else Dutch."""
    if isinstance(item, Article):
        candidates = [item, content.item(Output(ARTICLES, item.slug).key)]
    elif item.article:
        own = Output(ARTICLES, item.article, item.lang).key
        candidates = [content.item(own), content.item(Output(ARTICLES, item.article).key)]
    else:
        return None
    articles = [found for found in candidates if isinstance(found, Article)]
    return next((a for a in articles if a.url), articles[0] if articles else None)


def item_links(item: Item, content: Content) -> tuple[Link, Link]:
    """The two QR codes of a handout: its article (or the blog), and booking.

    A translated handout leads to the translated article when it is online, else to the
    Dutch one, and says so.
    """
    assert content.practice is not None
    own = isinstance(item, Article)
    return article_link(_article(item, content), content.practice, item.lang, own), booking_link(
        content.practice
    )
