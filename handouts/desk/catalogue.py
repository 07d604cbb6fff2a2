"""What the desk shows: the built handouts with their thumbnails, and the builds it ran.

A ``Catalogue`` is made after each build (in the desk's build thread) and then only read:
the web threads share it without locks, and a rebuild replaces it whole.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..content import load
from ..markup import tips
from ..models import (
    ARTICLES,
    BOOKLET,
    DEFAULT_REVIEW_MONTHS,
    METAPHORS,
    Article,
    Content,
    Metaphor,
    Output,
    OutputKind,
    Problem,
    Summary,
)
from ..report import ItemReport, Review, make_report
from .guard import inside
from .kept import broken_keys, last_good, made, outdated
from .thumbs import thumbnails
from .words import N_, _

# The desk's words for these (words.py): marked here, translated where a page shows them.
KIND_LABELS = {METAPHORS: N_("Kaart"), ARTICLES: N_("Artikel"), BOOKLET: N_("Boekje")}
LANGUAGE_NAMES = {"fr": N_("Frans"), "en": N_("Engels")}
MISSES = {  # the report's plain-language targets, as the staff page names a miss
    "reading_ease": N_("leesgemak te laag"),
    "mean_sentence": N_("zinnen gemiddeld te lang"),
    "sentence": N_("een zin te lang"),
    "paragraph": N_("een alinea te lang"),
}


def fold(text: str) -> str:
    """Text for searching: lower case, without accents ("Oké" -> "oke")."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@dataclass(frozen=True)
class Entry:
    """One handout (or the booklet) as the desk lists it."""

    key: str  # "metaphors/glas-water", "articles/...", "booklet"
    kind: OutputKind
    title: str
    summary: str
    tags: tuple[str, ...]
    search: str  # folded words of the title, summary, tags and text
    thumbs: tuple[str, ...]  # PNG paths relative to the output folder, one per page
    tips: tuple[str, ...] = ()  # a card's "Wat kan je zelf doen?" list
    version: str = ""
    review: Review | None = None  # when a therapist last checked it, and when that is due again
    reading_ease: float | None = None  # Flesch-Douma, from the plain-language report
    misses: tuple[str, ...] = ()  # the plain-language targets a card misses (MISSES, untranslated)
    translations: tuple[tuple[str, str], ...] = ()  # (LANGUAGE_NAMES, untranslated; PDF path): print as is
    # Set when the PDF is not made from today's text (it has an error, or did not render):
    # when the last good PDF was made. Shown to the staff on the desk, never on the page.
    kept: datetime.datetime | None = None
    broken: bool = False  # its text has an error: it prints as built, without a personal block

    @property
    def pdf(self) -> str:
        return f"{self.key}.pdf"

    @property
    def label(self) -> str:
        """ "Kaart", "Artikel", "Boekje", in the desk's language."""
        return _(KIND_LABELS[self.kind])

    @property
    def slug(self) -> str:
        return self.key.rpartition("/")[2]


@dataclass(frozen=True)
class BuildRecord:
    """One build the desk ran: when, why, and what came of it."""

    finished: datetime.datetime
    seconds: float
    reason: str
    built: tuple[str, ...]
    unchanged: int
    failed: tuple[str, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Catalogue:
    content: Content | None = None
    review_months: int = DEFAULT_REVIEW_MONTHS  # how long a review holds (practice.yml)
    cards: tuple[Entry, ...] = ()
    articles: tuple[Entry, ...] = ()
    booklet: Entry | None = None
    files: frozenset[str] = frozenset()  # every file of the output folder the desk may serve
    by_key: dict[str, Entry] = field(default_factory=dict)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.cards + self.articles


def _search_text(*parts: str) -> str:
    words = re.findall(r"[^\W_]+", fold(" ".join(parts)))
    return " ".join(dict.fromkeys(words))


def make(content_dir: Path, out: Path) -> Catalogue:
    """The catalogue of what is built in ``out`` from ``content_dir`` (a PDF missing: not listed)."""
    data = load(content_dir)
    files: set[str] = set()  # filled in by _pages and the entries: what the desk may serve
    report = make_report(data)
    reports = {item.key: item for item in report.items}
    items: list[Metaphor | Article] = [
        *sorted(data.metaphors.values(), key=lambda m: (m.order or 999, m.title)),
        *sorted(data.articles.values(), key=lambda a: a.title),
    ]
    entries = {
        item.key: _item_entry(item, reports[item.key], out, files)
        for item in items
        if inside(out, f"{item.key}.pdf") is not None
    }
    entries = _keep_last_good(entries, data, out, files)
    booklet = _booklet_entry(data, out, files)
    return Catalogue(
        content=data,
        review_months=report.review_interval_months,
        cards=tuple(e for e in entries.values() if e.kind == METAPHORS),
        articles=tuple(e for e in entries.values() if e.kind == ARTICLES),
        booklet=booklet,
        files=frozenset(files),
        by_key=entries,
    )


def _pages(out: Path, name: str, files: set[str]) -> tuple[str, ...]:
    """The page thumbnails of ``out/name``, relative to ``out``; the PDF and they go into ``files``."""
    relative = tuple(str(p.relative_to(out)) for p in thumbnails(out, name))
    files.update(relative)
    files.add(name)
    return relative


def _item_entry(item: Metaphor | Article, report: ItemReport, out: Path, files: set[str]) -> Entry:
    translations = tuple(
        (LANGUAGE_NAMES.get(lang, lang), pdf)
        for lang in sorted(LANGUAGE_NAMES)
        if (pdf := Output(item.kind, item.slug, lang).files[0]) and inside(out, pdf) is not None
    )
    files.update(pdf for _language, pdf in translations)
    return Entry(
        key=item.key,
        kind=item.kind,
        title=item.title,
        summary=item.summary,
        tags=item.tags,
        search=_search_text(item.title, item.summary, " ".join(item.tags), KIND_LABELS[item.kind], item.body),
        thumbs=_pages(out, f"{item.key}.pdf", files),
        tips=tips(item.body) if isinstance(item, Metaphor) else (),
        version=item.version,
        review=report.review,
        reading_ease=report.reading_ease,
        misses=tuple(MISSES[m] for m in report.misses()) if item.kind == METAPHORS else (),
        translations=translations,
    )


def _keep_last_good(entries: dict[str, Entry], data: Content, out: Path, files: set[str]) -> dict[str, Entry]:
    """``entries`` with the date of the last good PDF where it is older than the text, and an
    entry from its last good PDF for each handout whose text has an error today."""
    old = outdated(out)
    kept = {key: replace(e, kept=made(out / e.pdf)) if old(key) else e for key, e in entries.items()}
    for key in broken_keys(data, out):
        kept[key] = _broken_entry(key, out, files)
    return kept


def _broken_entry(key: str, out: Path, files: set[str]) -> Entry:
    """A handout whose text has an error, as its last good PDF shows it."""
    output = Output.parse(key)
    good = last_good(out / f"{key}.pdf", output.slug)
    translations = tuple(
        (LANGUAGE_NAMES.get(lang, lang), pdf)
        for lang in sorted(LANGUAGE_NAMES)
        if (pdf := Output(output.kind, output.slug, lang).files[0]) and inside(out, pdf) is not None
    )
    files.update(pdf for _language, pdf in translations)
    label = KIND_LABELS[output.kind]
    return Entry(
        key=key,
        kind=output.kind,
        title=good.title,
        summary=good.summary,
        tags=good.tags,
        search=_search_text(good.title, good.summary, " ".join(good.tags), label, good.text),
        thumbs=_pages(out, f"{key}.pdf", files),
        translations=translations,
        kept=good.made,
        broken=True,
    )


def _booklet_entry(data: Content, out: Path, files: set[str]) -> Entry | None:
    """The booklet, when all its PDFs are built: from its last good PDF when booklet.yml (or an
    item in it) has an error today."""
    booklet_files = Output(BOOKLET).files
    if not all(inside(out, name) is not None for name in booklet_files):
        return None
    if data.booklet is None and not (data.root / "booklet.yml").is_file():
        return None  # no booklet any more
    files.update(booklet_files)
    thumbs = _pages(out, "booklet.pdf", files)
    kept: datetime.datetime | None
    if data.booklet is None:
        good = last_good(out / "booklet.pdf", "Boekje")
        title, summary, kept = good.title, good.summary, good.made
    else:
        title, summary = data.booklet.title, data.booklet.subtitle or ""
        kept = made(out / "booklet.pdf") if outdated(out)("booklet") else None
    return Entry(
        key="booklet",
        kind=BOOKLET,
        title=title,
        summary=summary,
        tags=(),
        search=_search_text(title, summary, "boekje"),
        thumbs=thumbs,
        kept=kept,
        broken=data.booklet is None,
    )


def record(summary: Summary, started: datetime.datetime, seconds: float, reason: str) -> BuildRecord:
    return BuildRecord(
        finished=started + datetime.timedelta(seconds=seconds),
        seconds=seconds,
        reason=reason,
        built=tuple(summary.built),
        unchanged=len(summary.unchanged),
        failed=tuple(sorted(summary.failed)),
        problems=tuple(summary.problems),
    )
