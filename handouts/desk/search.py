"""The catalogue's search: word beginnings, ranked, with the words that matched marked.

A query's words are folded (lower case, no accents) and each must begin a word of the
handout: "rug" finds "rugpijn" but not "terug". A word found in the title or the tags weighs
more than one in the summary, and that more than one in the text; a whole word more than a
beginning. The text is the prose a reader reads (``prose.blocks``): the "Bronnen" reference
list is left out, so an author's name is not a reason to show a card.

This is the desk's only search: the catalogue page renders it, and the page's script asks it
for JSON as the therapist types (``Hit.as_json``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..prose import blocks
from .catalogue import Catalogue, Entry, fold

WORD_RE = re.compile(r"[^\W_]+")
WEIGHTS = {"title": 8.0, "tags": 6.0, "summary": 3.0, "label": 2.0, "body": 1.0}
WHOLE_WORD = 1.5  # a whole word found counts this much more than a word beginning
MAX_QUERY = 100  # characters of a query read
MAX_WORDS = 8
SNIPPET_WORDS = 16  # words around the first match in the text
Segment = tuple[str, bool]  # a run of text, and whether it is marked


@dataclass(frozen=True)
class Indexed:
    """One entry as the search reads it: its fields as shown, and their folded words."""

    key: str
    order: int
    fields: tuple[tuple[str, tuple[str, ...]], ...]  # (field name, texts): title, tags, summary, ...
    words: tuple[tuple[str, frozenset[str]], ...]  # (field name, its folded words)


@dataclass(frozen=True)
class Index:
    entries: tuple[Indexed, ...]


@dataclass(frozen=True)
class Hit:
    """An entry the query found, how well, and why: its texts with the found words marked."""

    key: str
    score: float
    title: tuple[Segment, ...]
    summary: tuple[Segment, ...]
    tags: tuple[tuple[Segment, ...], ...]
    snippet: tuple[Segment, ...]  # from the text, when a word was found only there; else empty

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "summary": self.summary,
            "tags": self.tags,
            "snippet": self.snippet,
        }


def query_words(query: str) -> tuple[str, ...]:
    """The folded words of a query, each once, in order."""
    words = WORD_RE.findall(fold(unicodedata.normalize("NFC", query[:MAX_QUERY])))
    return tuple(dict.fromkeys(words))[:MAX_WORDS]


def make_index(catalogue: Catalogue) -> Index:
    """The search index of a catalogue's handouts and booklet."""
    entries = [*catalogue.entries, *([catalogue.booklet] if catalogue.booklet else [])]
    indexed = []
    for order, entry in enumerate(entries):
        item = catalogue.content.item(entry.key) if catalogue.content and entry.key != "booklet" else None
        indexed.append(index_entry(entry, order, body_text(item.body) if item is not None else ()))
    return Index(tuple(indexed))


def body_text(body: str) -> tuple[str, ...]:
    """A Markdown body's paragraphs, headings and list items as read, without the reference list."""
    return tuple(block.text for block in blocks(body, 1)) if body.strip() else ()


def index_entry(entry: Entry, order: int, body: tuple[str, ...]) -> Indexed:
    """One entry as the search reads it; ``order`` breaks ties (the catalogue's order)."""
    fields = (
        ("title", (entry.title,)),
        ("tags", entry.tags),
        ("summary", (entry.summary,)),
        ("label", (entry.label,)),
        ("body", body),
    )
    words = tuple((name, frozenset(_folded_words(texts))) for name, texts in fields)
    return Indexed(entry.key, order, fields, words)


def _folded_words(texts: Iterable[str]) -> Iterator[str]:
    for text in texts:
        for word in WORD_RE.findall(unicodedata.normalize("NFC", text)):
            yield fold(word)


_last: tuple[Catalogue, Index] | None = None  # the index of the current catalogue


def index_for(catalogue: Catalogue) -> Index:
    """The index of ``catalogue``, made once: a rebuild replaces the catalogue, and so the index."""
    global _last
    last = _last
    if last is not None and last[0] is catalogue:
        return last[1]
    index = make_index(catalogue)
    _last = (catalogue, index)
    return index


def search(index: Index, query: str) -> list[Hit]:
    """The entries every word of ``query`` begins a word of, best first (then catalogue order)."""
    words = query_words(query)
    if not words:
        return []
    scored = []
    for entry in index.entries:
        score = _score(entry, words)
        if score > 0:
            scored.append((-score, entry.order, entry))
    return [_hit(entry, -negative, words) for negative, _, entry in sorted(scored, key=lambda s: s[:2])]


def _score(entry: Indexed, words: Sequence[str]) -> float:
    """The sum over the query's words of the best field each begins a word of; 0 if one is missing."""
    total = 0.0
    for word in words:
        best = 0.0
        for name, folded in entry.words:
            if word in folded:
                best = max(best, WEIGHTS[name] * WHOLE_WORD)
            elif any(w.startswith(word) for w in folded):
                best = max(best, WEIGHTS[name])
        if best == 0:
            return 0.0
        total += best
    return total


def _hit(entry: Indexed, score: float, words: Sequence[str]) -> Hit:
    fields = dict(entry.fields)
    shown = [*fields["title"], *fields["tags"], *fields["summary"]]
    missing = [w for w in words if not any(_begins(t, w) for t in shown)]
    snippet: tuple[Segment, ...] = ()
    if missing:
        block = next((b for b in fields["body"] if _begins(b, missing[0])), None)
        snippet = snippet_of(block, words) if block else ()
    return Hit(
        key=entry.key,
        score=score,
        title=marks(fields["title"][0], words),
        summary=marks(fields["summary"][0], words),
        tags=tuple(marks(tag, words) for tag in fields["tags"]),
        snippet=snippet,
    )


def _begins(text: str, word: str) -> bool:
    return any(fold(w).startswith(word) for w in WORD_RE.findall(unicodedata.normalize("NFC", text)))


def marks(text: str, words: Sequence[str]) -> tuple[Segment, ...]:
    """``text`` in runs, a word that one of ``words`` (folded) begins marked."""
    text = unicodedata.normalize("NFC", text)
    segments: list[Segment] = []
    end = 0
    for found in WORD_RE.finditer(text):
        if any(fold(found.group()).startswith(w) for w in words):
            segments.append((text[end : found.start()], False))
            segments.append((found.group(), True))
            end = found.end()
    segments.append((text[end:], False))
    return _joined(segments)


def snippet_of(text: str, words: Sequence[str]) -> tuple[Segment, ...]:
    """About ``SNIPPET_WORDS`` words of ``text`` around its first found word, marked, with "…"."""
    text = unicodedata.normalize("NFC", text)
    spans = [m.span() for m in WORD_RE.finditer(text)]
    first = next(
        (i for i, (a, b) in enumerate(spans) if any(fold(text[a:b]).startswith(w) for w in words)), 0
    )
    start = max(0, first - SNIPPET_WORDS // 3)
    stop = min(len(spans), start + SNIPPET_WORDS)
    cut = text[spans[start][0] : spans[stop - 1][1]] if spans else text
    if stop < len(spans):
        cut += text[spans[stop - 1][1] :][:1].strip(" ")  # a full stop or comma right after
    segments = marks(cut, words)
    before = ("… ", False) if start > 0 else None
    after = (" …", False) if stop < len(spans) else None
    return _joined([s for s in (before, *segments, after) if s is not None])


def _joined(segments: Iterable[Segment]) -> tuple[Segment, ...]:
    """Runs without empty ones, neighbours of the same kind joined."""
    joined: list[Segment] = []
    for text, marked in segments:
        if not text:
            continue
        if joined and joined[-1][1] == marked:
            joined[-1] = (joined[-1][0] + text, marked)
        else:
            joined.append((text, marked))
    return tuple(joined)


def results(catalogue: Catalogue, query: str) -> list[Hit] | None:
    """The hits of ``query`` in ``catalogue``; None when the query has no words (show everything)."""
    if not query_words(query):
        return None
    return search(index_for(catalogue), query)
