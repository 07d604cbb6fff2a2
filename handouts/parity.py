"""Translation parity: a translation carries what its original carries.

A translation (``x.fr.md``, ``x.en.md``) of a Dutch original (``x.md``) must keep the same
sections (``##`` headings), the same number of list items in each section, every number of
the original and every phone number, and in its front matter as many key points and the same
numbers in its title, summary, key points and picture description. Each drift is an error
naming the translation, the line in the original and what is missing: a card that drops the
bullet "Gaat de pijn boven 5 ...? Bel ..." cannot reach a patient unnoticed.

Pure: text in, ``Problem`` values out. Numbers are values whatever the language writes around
them ("2 à 3", "10 %", "24/7", "0,5" = "0.5"); a phone number is one item whatever its separators
or country prefix. Numbers as words ("vijf") are not seen: a translation keeps the digits.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .models import DEFAULT_LANG, LANGUAGES, Problem
from .paths import display

KINDS = ("articles", "metaphors")  # the folders whose files have translations
TEXT_FIELDS = ("title", "subtitle", "summary", "illustration_alt")  # front matter whose numbers count
EXCERPT = 50  # characters of the original shown in a message

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^##(?!#)\s*(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(.*)$")
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_LINK_TARGET = re.compile(r"\]\(\s*<?[^\s)>]*>?")  # "](../images/x.svg" of a link or picture
_URL = re.compile(r"\b(?:https?://|www\.)\S+")
# A phone number: starts with "+" or "0", nine digits or more in groups ("0485/26 43 15").
_PHONE = re.compile(r"(?<![\w.,/])(?:\+|0)\d[\d ./()\u00a0\u202f-]{6,}\d(?![\d])")
# A number, with its thousands groups ("1.000", "1 000", "1,000") or decimals ("0,5", "0.5").
_NUMBER = re.compile(r"(?<!\d)\d{1,3}(?:[ \u00a0\u202f]\d{3}(?!\d))+|\d+(?:[.,]\d+)*")
_SPACES = re.compile(r"[\u00a0\u202f\u2009\u2007]")


@dataclass(frozen=True)
class Token:
    """A number or phone number of a text, and where it stands."""

    key: str  # what is compared: "5", "0.5", "1000", "tel:85264315"
    shown: str  # as written: "5", "0,5", "0485/26 43 15"
    line: int
    context: str  # the line's text, for the excerpt
    end: int  # where the token ends in ``context``

    @property
    def is_phone(self) -> bool:
        return self.key.startswith("tel:")

    @property
    def excerpt(self) -> str:
        """The original's words up to the token: "Gaat de pijn boven 5..."."""
        return excerpt(self.context, self.end)


@dataclass(frozen=True)
class Section:
    """The text under one ``##`` heading (or before the first one: ``heading`` empty)."""

    heading: str
    line: int
    items: tuple[tuple[int, str], ...]  # (line, text) of each list item
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Parsed:
    """What parity compares in one Markdown file."""

    name: str  # as shown in messages: the display path, or the file name for the original
    fields: dict[str, tuple[int, Any]]  # front-matter key -> (line, value)
    key_point_lines: tuple[int, ...]
    sections: tuple[Section, ...]  # the first: the text before the first heading


# ---------------------------------------------------------------- reading


def excerpt(text: str, end: int | None = None) -> str:
    """The words of ``text`` up to ``end`` (else from its start): at most ``EXCERPT`` characters."""
    text = _SPACES.sub(" ", text).rstrip()
    if end is None:  # from the start: up to a word's end
        end = len(text) if len(text) <= EXCERPT else (text.rfind(" ", 0, EXCERPT) + 1 or EXCERPT)
    start = max(0, end - EXCERPT)
    if start and " " in text[start:end]:
        start = text.index(" ", start)  # not in the middle of a word
    shown = ("..." if start else "") + text[start:end].strip()
    return shown + ("..." if end < len(text) else "")


def number_key(text: str) -> str:
    """A number as a value: "1.000", "1 000" and "1000" are the same; so are "0,5" and "0.5"."""
    text = _SPACES.sub(" ", text)
    groups = re.split(r"[., ]", text)
    if len(groups) > 1 and all(len(group) == 3 for group in groups[1:]) and len(groups[0]) <= 3:
        return "".join(groups)  # thousands
    whole = groups[0].lstrip("0") or "0"
    return f"{whole}.{''.join(groups[1:])}" if len(groups) > 1 else whole


def phone_key(text: str) -> str:
    """A phone number as its last eight digits: "0485/26 43 15" = "+32 485 26 43 15"."""
    return "tel:" + re.sub(r"\D", "", text)[-8:]


def tokens(text: str, line: int) -> list[Token]:
    """The numbers and phone numbers of one line of text, in order."""
    shown = text = _URL.sub(" ", _LINK_TARGET.sub("](", text))
    found: list[tuple[int, str, re.Match[str]]] = []
    for match in _PHONE.finditer(shown):
        if len(re.sub(r"\D", "", match.group())) >= 9:
            found.append((match.start(), phone_key(match.group()), match))
            text = text[: match.start()] + " " * len(match.group()) + text[match.end() :]
    found += [(match.start(), number_key(match.group()), match) for match in _NUMBER.finditer(text)]
    return [
        Token(key, match.group(), line, shown, match.end())
        for _, key, match in sorted(found, key=lambda f: f[0])
    ]


def _front_matter(lines: Sequence[str]) -> tuple[int, dict[str, tuple[int, Any]], tuple[int, ...]]:
    """(index of the first body line, fields with their lines, the lines of the key points)."""
    if not lines or lines[0].strip() != "---":
        return 0, {}, ()
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return 0, {}, ()
    try:
        values = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError:  # reported by the loader
        values = None
    values = values if isinstance(values, dict) else {}
    fields: dict[str, tuple[int, Any]] = {}
    points: list[int] = []
    current = ""
    for index in range(1, end):
        match = _KEY.match(lines[index])
        if match:
            current = match.group(1)
            if current in values:
                fields[current] = (index + 1, values[current])
        elif current == "key_points" and re.match(r"^\s+-\s", lines[index]):
            points.append(index + 1)
    return end + 1, fields, tuple(points)


def _sections(lines: Sequence[str], start: int) -> tuple[Section, ...]:
    """The body cut at its ``##`` headings (first: the text before them, maybe empty); line
    numbers count from the file's first line."""
    found: list[Section] = []
    heading, line = "", start + 1
    items: list[tuple[int, str]] = []
    found_tokens: list[Token] = []
    fenced = False
    for index in range(start, len(lines)):
        text, number = lines[index], index + 1
        if _FENCE.match(text):
            fenced = not fenced
            continue
        if fenced:
            continue
        match = _HEADING.match(text)
        if match:
            found.append(Section(heading, line, tuple(items), tuple(found_tokens)))
            heading, line, items, found_tokens = match.group(0).strip(), number, [], []
            found_tokens += tokens(match.group(1), number)
            continue
        item = _ITEM.match(text)
        if item:
            items.append((number, item.group(1)))
            text = item.group(1)
        found_tokens += tokens(text, number)
    found.append(Section(heading, line, tuple(items), tuple(found_tokens)))
    return tuple(found)


def parse(name: str, text: str) -> Parsed:
    """Read one Markdown file (front matter and body) for comparison."""
    lines = text.splitlines()
    start, fields, points = _front_matter(lines)
    return Parsed(name, fields, points, _sections(lines, start))


# ---------------------------------------------------------------- comparing


def missing(original: Iterable[Token], translation: Iterable[Token]) -> list[Token]:
    """The original's tokens the translation lacks (counted: two 5s need two 5s)."""
    have = Counter(token.key for token in translation)
    seen: Counter[str] = Counter()
    lost = []
    for token in original:
        seen[token.key] += 1
        if seen[token.key] > have[token.key]:
            lost.append(token)
    return lost


def _token_problem(path: str, line: int, token: Token, original: str) -> Problem:
    what = "the phone number" if token.is_phone else "the number"
    return Problem(
        path,
        line,
        f"missing {what} '{token.shown}' of {original}:{token.line} (\"{token.excerpt}\")",
        f"write {token.shown} in the translation where the original has it"
        " (a translation carries every number and phone number of its original)",
    )


def _field_tokens(parsed: Parsed, key: str) -> list[Token]:
    """The numbers of a front-matter field; a key point's on its own line when it has one."""
    line, value = parsed.fields.get(key, (0, None))
    values = value if isinstance(value, list) else [value]
    lines = (
        parsed.key_point_lines if key == "key_points" and len(parsed.key_point_lines) == len(values) else ()
    )
    return [
        token
        for index, each in enumerate(values)
        if isinstance(each, str)
        for token in tokens(each, lines[index] if lines else line)
    ]


def _key_points(parsed: Parsed) -> int:
    value = parsed.fields.get("key_points", (0, None))[1]
    return len(value) if isinstance(value, list) else 0


def _compare_fields(original: Parsed, translation: Parsed) -> list[Problem]:
    """Key points counted, and the numbers of the text fields and the key points."""
    problems = []
    top = translation.fields.get("title", (1, None))[0] or 1
    count_o, count_t = _key_points(original), _key_points(translation)
    if count_o != count_t:
        line = translation.fields.get("key_points", (top, None))[0]
        problems.append(
            Problem(
                translation.name,
                line,
                f"{_plural(count_t, 'key point')} where {original.name}:"
                f"{original.fields.get('key_points', (1, None))[0]} has {count_o}",
                "translate every key point of the original, one for one",
            )
        )
    for key in (*TEXT_FIELDS, "key_points"):
        line = translation.fields.get(key, (top, None))[0]
        for token in missing(_field_tokens(original, key), _field_tokens(translation, key)):
            problems.append(_token_problem(translation.name, line, token, original.name))
    return problems


def _quote(section: Section) -> str:
    return f'"{section.heading}"' if section.heading else "the text before the first heading"


def _which(dropped: bool, name: str, line: int, text: str) -> str:
    """ "the one dropped is perhaps x.md:23 (...)" or "the extra one is perhaps line 24 (...)"."""
    where = f"{name}:{line}" if dropped else f"line {line}"
    return f'{"the one dropped" if dropped else "the extra one"} is perhaps {where} ("{excerpt(text)}")'


def _odd_one(longer: Sequence[Hashable], shorter: Sequence[Hashable]) -> int:
    """The index in ``longer`` of the first entry without a counterpart in ``shorter`` (compared
    by what survives translation: numbers, list items); else the first past ``shorter``'s end."""
    left = Counter(shorter)
    for index, key in enumerate(longer):
        if left[key] <= 0:
            return index
        left[key] -= 1
    return len(shorter)


def _item_key(item: tuple[int, str]) -> Hashable:
    return tuple(sorted(token.key for token in tokens(item[1], item[0])))


def _section_key(section: Section) -> Hashable:
    return len(section.items), tuple(sorted(token.key for token in section.tokens))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _compare_section(original: Section, translation: Section, names: tuple[str, str]) -> list[Problem]:
    """One pair of sections: as many list items, every number and phone number."""
    name_o, name_t = names
    problems = []
    items_o, items_t = original.items, translation.items
    if len(items_o) != len(items_t):
        dropped = len(items_t) < len(items_o)
        longer, shorter = (items_o, items_t) if dropped else (items_t, items_o)
        line, text = longer[_odd_one([_item_key(i) for i in longer], [_item_key(i) for i in shorter])]
        problems.append(
            Problem(
                name_t,
                translation.line,
                f"the section {_quote(translation)} has {_plural(len(items_t), 'list item')} where "
                f"{name_o}:{original.line} ({_quote(original)}) has {len(items_o)}; "
                + _which(dropped, name_o, line, text),
                "a translation has one list item for each of the original's, in the same order",
            )
        )
    lines = {line: items_t[i][0] for i, (line, _) in enumerate(items_o) if i < len(items_t)}
    for token in missing(original.tokens, translation.tokens):
        line = lines.get(token.line, translation.line) if len(items_o) == len(items_t) else translation.line
        problems.append(_token_problem(name_t, line, token, name_o))
    return problems


def _section_count_problem(original: Parsed, translation: Parsed) -> Problem:
    heads_o, heads_t = original.sections[1:], translation.sections[1:]
    dropped = len(heads_t) < len(heads_o)
    longer, shorter = (heads_o, heads_t) if dropped else (heads_t, heads_o)
    index = _odd_one([_section_key(s) for s in longer], [_section_key(s) for s in shorter])
    example = longer[index]
    here = translation.sections[min(index + 1, len(translation.sections) - 1)].line
    return Problem(
        translation.name,
        here if dropped else example.line,
        f"{_plural(len(heads_t), 'section')} ('## ' headings) where {original.name} has {len(heads_o)}; "
        + _which(dropped, original.name, example.line, example.heading),
        "a translation has one section for each of the original's, in the same order",
    )


def compare(original: Parsed, translation: Parsed) -> list[Problem]:
    """Every drift of ``translation`` from ``original``, in the order of the original."""
    problems = _compare_fields(original, translation)
    if len(original.sections) == len(translation.sections):
        for pair in zip(original.sections, translation.sections, strict=True):
            problems += _compare_section(*pair, (original.name, translation.name))
        return problems
    count = _section_count_problem(original, translation)
    problems.append(count)
    everything_o = [token for section in original.sections for token in section.tokens]
    everything_t = [token for section in translation.sections for token in section.tokens]
    for token in missing(everything_o, everything_t):
        problems.append(_token_problem(translation.name, count.line or 1, token, original.name))
    return problems


def translation_problems(
    original: Path, original_text: str, translation: Path, translation_text: str
) -> list[Problem]:
    """The parity errors of one translation against its original (texts given, nothing read).

    Problems name the translation by its display path and the original by its file name:
    ``content/metaphors/pijnschaal.fr.md:23: missing the number '5' of pijnschaal.md:23 (...)``.
    """
    return compare(parse(original.name, original_text), parse(display(translation), translation_text))


# ---------------------------------------------------------------- the content folder


def content_folder(root: Path) -> Path:
    """``root`` is the content folder (as ``--content``), or a project folder holding ``content/``."""
    inner = root / "content"
    return inner if not any((root / kind).is_dir() for kind in KINDS) and inner.is_dir() else root


def translation_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """(original, translation) for every translation in articles/ and metaphors/ with an original."""
    pairs = []
    for kind in KINDS:
        for original in sorted((folder / kind).glob("*.md")):
            if "." in original.stem:
                continue
            for lang in LANGUAGES:
                translation = original.with_name(f"{original.stem}.{lang}.md")
                if lang != DEFAULT_LANG and translation.is_file():
                    pairs.append((original, translation))
    return pairs


def parity_problems(root: Path) -> list[Problem]:
    """The parity errors of every translation in the content folder (unreadable files: skipped,
    the loader reports them)."""
    problems = []
    for original, translation in translation_pairs(content_folder(root)):
        try:
            texts = original.read_text(encoding="utf-8"), translation.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        problems += translation_problems(original, texts[0], translation, texts[1])
    return problems
