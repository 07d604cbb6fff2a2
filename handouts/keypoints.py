"""An article's key points next to the sentences of its text they summarise, for its reviewer.

A key point ("In het kort") is printed first and read most: it must keep the conditions and the
numbers of what it summarises ("an operation is considered only when ..."). Nothing can judge
that but a reader; this finds, for each key point, the sentences of the body that share the most
words with it (with their lines), so that ``check --report`` can show the two side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import Article, line_of
from .prose import blocks, sentences_of

MATCHES = 2  # sentences shown per key point
STEM = 5  # letters compared: "operatie" and "operaties" are one word
# Words under four letters are left out anyway; these longer ones say nothing either.
_STOPWORDS = """deze door hier jouw kunt maar meer naar niet over veel voor wordt worden zijn zich
zoals zodat hebben heeft omdat waar want waarbij wanneer even echter daarom that with this from
your have when dans pour avec vous votre sont cette plus"""
STOPWORDS = frozenset(_STOPWORDS.split())


@dataclass(frozen=True)
class Match:
    """A sentence of the body that a key point may summarise, and the sentence after it in the
    same paragraph (where a condition often stands: "Dit wordt alleen overwogen wanneer ...")."""

    line: int
    text: str
    shared: tuple[str, ...]  # the key point's words it has too, as the key point writes them
    then: str = ""  # the next sentence of its paragraph or list item, if any
    then_line: int | None = None


@dataclass(frozen=True)
class KeyPoint:
    """One key point, where it is written, and the sentences it most likely comes from."""

    text: str
    line: int | None  # in the source file
    sources: tuple[Match, ...]  # best first; empty when no sentence shares two words with it
    numbers_missing: tuple[str, ...]  # its numbers that none of those sentences has


def _words(text: str) -> dict[str, str]:
    """The words that carry meaning, by their stem: every number, and words of four letters or more."""
    found: dict[str, str] = {}
    for word in re.findall(r"\w+", text.lower()):
        if word.isdigit() or (len(word) >= 4 and word not in STOPWORDS):
            found.setdefault(word if word.isdigit() else word[:STEM], word)
    return found


Found = tuple[str, int, tuple[str, int] | None]  # a sentence, its line, and the next in its block


def body_sentences(article: Article) -> list[Found]:
    """The sentences of the text as printed (headings left out): each with its line, and the
    sentence after it in the same paragraph or list item."""
    found: list[Found] = []
    for block in blocks(article.body, article.body_line):
        if block.kind != "heading":
            sentences = sentences_of(block)
            found += [
                (*sentence, after) for sentence, after in zip(sentences, [*sentences[1:], None], strict=True)
            ]
    return found


def match(point: str, sentences: list[Found]) -> tuple[Match, ...]:
    """The sentences that share the most words with ``point`` (at least two), best first."""
    wanted = _words(point)
    scored = []
    for text, line, after in sentences:
        words = _words(text)
        shared = tuple(wanted[stem] for stem in wanted if stem in words)
        if len(shared) >= 2:
            then, then_line = after or ("", None)
            found = Match(line, text, shared, then, then_line)
            scored.append((-len(shared), -len(shared) / len(words), line, found))
    scored.sort(key=lambda entry: entry[:3])
    return tuple(entry[3] for entry in scored[:MATCHES])


def _point_line(article: Article, point: str) -> int | None:
    start = point[:40]
    return line_of(article.text, start) or line_of(article.text, "key_points")


def key_points(article: Article) -> tuple[KeyPoint, ...]:
    """Each key point of ``article`` with the sentences of its text it most likely summarises."""
    sentences = body_sentences(article)
    result = []
    for point in article.key_points:
        sources = match(point, sentences)
        numbers = re.findall(r"\d+", point)
        found = {n for source in sources for n in re.findall(r"\d+", f"{source.text} {source.then}")}
        missing = tuple(n for n in dict.fromkeys(numbers) if n not in found)
        result.append(KeyPoint(point, _point_line(article, point), sources, missing))
    return tuple(result)
