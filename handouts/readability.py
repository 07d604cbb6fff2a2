"""Plain-language figures of a text: words, syllables, sentence length and reading ease.

The reading ease is textstat's Flesch-Douma, the Dutch Flesch formula (206.835 - 0.93 x words
per sentence - 77 x syllables per word). Headings and list items count as sentences (see
``prose``). textstat is imported only when a figure is asked for, so a plain ``check`` stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from .models import Item
from .paths import display
from .prose import blocks, sentences_of

LONG_SENTENCE = 15  # words: a sentence over this is long
LONG_WORD_SYLLABLES = 4  # a word of this many syllables or more is long


@dataclass(frozen=True)
class Targets:
    """Plain-language targets for a metaphor card."""

    reading_ease: float = 70.0  # Flesch-Douma, at least
    mean_sentence: float = 12.0  # words per sentence on average, at most
    sentence: int = LONG_SENTENCE  # words in any sentence, at most
    paragraph: int = 80  # words in any paragraph, at most


CARD_TARGETS = Targets()


@dataclass(frozen=True)
class Sentence:
    path: str
    line: int
    text: str
    words: int
    syllables: int
    reading_ease: float | None  # Flesch-Douma of the sentence on its own (Dutch only)

    @property
    def load(self) -> float:
        """How hard the sentence is to read: its Douma shortfall from 206.835 times its length.

        That is 0.93 x words^2 + 77 x syllables: long sentences of long words come first, and a
        two-word heading with one long word (a very low Douma on its own) does not.
        """
        return 0.93 * self.words**2 + 77 * self.syllables


@dataclass(frozen=True)
class Paragraph:
    path: str
    line: int
    words: int


# ---------------------------------------------------------------- figures


@cache
def _textstat() -> Any:
    """textstat, imported late: it loads nltk, half a second that a plain ``check`` does without."""
    import textstat

    return textstat


@cache
def _hyphenator(lang: str) -> Any:
    import pyphen

    return pyphen.Pyphen(lang=lang)


def words_of(text: str) -> list[str]:
    """The words, counted as textstat counts them: punctuation (hyphens too) removed, split on spaces."""
    return re.sub(r"[^\w\s']", "", text).split()


def syllables(word: str, lang: str) -> int:
    """Syllables as textstat counts them for Dutch (pyphen's hyphenation points plus one), in any language."""
    return len(_hyphenator(lang).positions(word.lower())) + 1


def reading_ease(sentences: Sequence[str], lang: str) -> float | None:
    """textstat's Flesch-Douma for Dutch sentences; None for other languages or no words.

    Each sentence is given to textstat with one full stop at its end and none inside, so that
    textstat counts the same sentences as this report ("bv." or "1.5" would split them).
    """
    if not _is_dutch(lang) or not any(words_of(s) for s in sentences):
        return None
    text = " ".join(re.sub(r"[.!?…]+", ",", s.rstrip(".!?…:;, ")) + "." for s in sentences if words_of(s))
    textstat = _textstat()
    textstat.set_lang("nl")  # Flesch-Douma: 206.835 - 0.93 x words/sentence - 77 x syllables/word
    return float(textstat.flesch_reading_ease(text))


def _is_dutch(lang: str) -> bool:
    return lang.lower().split("_")[0].split("-")[0] == "nl"


def sentences_and_paragraphs(item: Item) -> tuple[list[Sentence], list[Paragraph]]:
    """Every sentence of an item's text with its figures, and every paragraph's length."""
    path, lang = display(item.path), item.lang
    sentences: list[Sentence] = []
    paragraphs: list[Paragraph] = []
    for block in blocks(item.body, item.body_line):
        for text, line in sentences_of(block):
            words = words_of(text)
            if words:
                count = sum(syllables(word, lang) for word in words)
                sentences.append(Sentence(path, line, text, len(words), count, reading_ease([text], lang)))
        if block.kind != "heading":
            paragraphs.append(Paragraph(path, block.line, len(words_of(block.text))))
    return sentences, paragraphs


def hardest_first(sentences: Iterable[Sentence]) -> list[Sentence]:
    """The Dutch sentences, hardest (highest load) first."""
    scored = [s for s in sentences if s.reading_ease is not None]
    return sorted(scored, key=lambda s: (-s.load, s.path, s.line))
