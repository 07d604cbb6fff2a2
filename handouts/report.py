"""The plain-language and review report behind ``check --report``.

Each item's Markdown body becomes plain text: blocks (paragraphs, list items, headings) and
sentences, each with its line in the source file. Headings and list items count as sentences;
the "Bronnen" reference list does not count. The reading ease is textstat's Flesch-Douma, the
Dutch Flesch formula (206.835 - 0.93 x words per sentence - 77 x syllables per word).

Cards are measured against plain-language targets (``CARD_TARGETS``); articles are the practice's
own blog text and are only reported. Nothing here renders, and textstat is imported only when a
report is made, so a plain ``check`` stays fast.
"""

from __future__ import annotations

import calendar
import datetime
import html
import json
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache
from typing import Any

from .models import DEFAULT_LANG, Content, Item, Problem
from .paths import display

DEFAULT_REVIEW_MONTHS = 24
HARDEST_COUNT = 10
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


@dataclass(frozen=True)
class Review:
    state: str  # "never", "current" or "overdue"
    date: datetime.date | None = None
    by: str | None = None
    due: datetime.date | None = None  # the date the next review is due

    def __str__(self) -> str:
        if self.date is None:
            return "never reviewed"
        text = f"reviewed on {self.date.isoformat()}"
        if self.by:
            text += f" by {self.by}"
        return f"overdue: {text}" if self.state == "overdue" else text


@dataclass(frozen=True)
class ItemReport:
    key: str
    kind: str  # "articles" or "metaphors"
    lang: str
    path: str
    line: int  # first line of the text
    reading_ease: float | None  # Flesch-Douma; None for text that is not Dutch, or no text
    words: int
    sentences: int
    mean_sentence: float
    max_sentence: int
    long_sentence_share: float  # share of sentences over LONG_SENTENCE words
    longest_paragraph: int
    long_word_share: float  # share of words of LONG_WORD_SYLLABLES syllables or more
    review: Review
    long_sentences: tuple[Sentence, ...]  # every sentence over LONG_SENTENCE words
    long_paragraphs: tuple[Paragraph, ...]  # every paragraph over CARD_TARGETS.paragraph words
    hardest: Sentence | None  # its hardest sentence

    @property
    def gated(self) -> bool:
        """Cards are held to the targets; articles are only reported."""
        return self.kind == "metaphors"

    def misses(self, targets: Targets = CARD_TARGETS) -> tuple[str, ...]:
        """The figures that miss the card targets: names of ``Targets`` fields."""
        missed = []
        if self.reading_ease is not None and self.reading_ease < targets.reading_ease:
            missed.append("reading_ease")
        if self.mean_sentence > targets.mean_sentence:
            missed.append("mean_sentence")
        if self.max_sentence > targets.sentence:
            missed.append("sentence")
        if self.longest_paragraph > targets.paragraph:
            missed.append("paragraph")
        return tuple(missed)


@dataclass(frozen=True)
class Report:
    today: datetime.date
    review_interval_months: int
    items: tuple[ItemReport, ...]
    hardest: tuple[Sentence, ...]  # the hardest Dutch sentences of the whole content
    targets: Targets = CARD_TARGETS


# ---------------------------------------------------------------- review status


def items_of(content: Content) -> list[Item]:
    """Every loaded item, translations included, in a stable order."""
    return sorted(content.items.values(), key=lambda i: (i.kind, i.slug, i.lang != DEFAULT_LANG, i.lang))


def review_interval(content: Content) -> int:
    return content.practice.review_interval_months if content.practice else DEFAULT_REVIEW_MONTHS


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def review_of(item: Item, months: int, today: datetime.date) -> Review:
    if item.reviewed is None:
        return Review("never", by=item.reviewed_by)
    due = add_months(item.reviewed, months)
    return Review("overdue" if today > due else "current", item.reviewed, item.reviewed_by, due)


def review_problems(content: Content, today: datetime.date | None = None) -> list[Problem]:
    """Warnings for items never reviewed, reviewed too long ago, or with half a review record."""
    today = today or datetime.date.today()
    months = review_interval(content)
    problems = []
    for item in items_of(content):
        review = review_of(item, months, today)
        path = display(item.path)
        line = _field_line(item.text, "reviewed") or 1

        def warn(line: int, message: str, hint: str, path: str = path) -> None:
            problems.append(Problem(path, line, message, hint, severity="warning"))

        if review.state == "never":
            warn(
                _field_line(item.text, "reviewed_by") or 1,
                "never reviewed by a therapist"
                + (": 'reviewed_by' is given, but not the date ('reviewed')" if item.reviewed_by else ""),
                "when a therapist has read the printed handout, add 'reviewed: YYYY-MM-DD' and "
                "'reviewed_by: NAME' to the front matter",
            )
            continue
        if review.state == "overdue":
            warn(
                line,
                f"review overdue: {str(review).removeprefix('overdue: ')}, more than {months} months ago",
                "have a therapist read the printed handout again, then update 'reviewed:' and 'reviewed_by:'",
            )
        if not item.reviewed_by:
            warn(
                line, "'reviewed' without 'reviewed_by'", "add 'reviewed_by: NAME': the therapist who read it"
            )
        if review.date and review.date > today:
            warn(
                line,
                f"review date {review.date.isoformat()} is in the future",
                "write the date of the reading",
            )
    return problems


def hint_once(problems: Sequence[Problem]) -> list[Problem]:
    """The problems to print: a warning's hint only the first time (22 unreviewed items, one hint)."""
    seen: set[str] = set()
    result = []
    for problem in problems:
        if not problem.is_error and problem.hint in seen:
            problem = replace(problem, hint="")
        seen.add(problem.hint)
        result.append(problem)
    return result


def _field_line(text: str, key: str) -> int | None:
    """The line of a front-matter field in an item's source text."""
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    return next((number for number, line in enumerate(text.splitlines(), 1) if pattern.match(line)), None)


# ---------------------------------------------------------------- Markdown to plain text


@dataclass(frozen=True)
class Block:
    """A heading, paragraph or list item as plain text, with the file line of each part."""

    kind: str  # "heading", "paragraph" or "item"
    text: str
    starts: tuple[tuple[int, int], ...]  # (offset in text, line in the file), in order

    @property
    def line(self) -> int:
        return self.starts[0][1]

    def line_at(self, offset: int) -> int:
        return next((line for start, line in reversed(self.starts) if start <= offset), self.line)


HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SETEXT_RE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+")
RULE_RE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
LINK_DEFINITION_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S")
IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(\s*<?[^)\s>]*>?(?:\s+[\"']([^\"']*)[\"'])?\s*\)")
LINK_RE = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])")
AUTOLINK_RE = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
TAG_RE = re.compile(r"</?[A-Za-z][^>]*>")
ATTR_LIST_RE = re.compile(r"\{:?\s*[#.][^}]*\}")


def inline_text(line: str) -> str:
    """One line of Markdown as the words a reader sees: markup gone, link text and captions kept."""
    line = IMAGE_RE.sub(lambda m: m.group(2) or "", line)
    line = LINK_RE.sub(r"\1", line)
    line = AUTOLINK_RE.sub(r"\1", line)
    line = TAG_RE.sub("", line)
    line = ATTR_LIST_RE.sub("", line)
    line = re.sub(r"\\([\\`*_{}\[\]()#+\-.!>|])", r"\1", line)
    line = line.replace("`", "").replace("*", "")
    line = re.sub(r"(?<!\w)_+|_+(?!\w)", "", line)
    return " ".join(html.unescape(line).split())


def blocks(body: str, first_line: int) -> list[Block]:
    """The body's headings, paragraphs and list items, without the "Bronnen" reference list."""
    found: list[Block] = []
    parts: list[tuple[str, int]] = []
    kind = "paragraph"
    fence = ""
    in_sources = False

    def close() -> None:
        nonlocal parts
        text, starts = "", []
        for part, line in parts:
            if part:
                starts.append((len(text) + (1 if text else 0), line))
                text = f"{text} {part}" if text else part
        if text and not in_sources:
            found.append(Block(kind, text, tuple(starts)))
        parts = []

    def heading(title: str, level: int, line: int) -> None:
        nonlocal in_sources, parts, kind
        if level in (2, 3):  # as markup.py marks the reference list: up to the next h2 or h3
            in_sources = title.rstrip(":").strip().lower() == "bronnen"
        parts, kind = [(title, line)], "heading"
        close()

    for number, raw in enumerate(body.splitlines(), start=first_line):
        if fence:  # code is not prose
            fence = "" if raw.strip().startswith(fence) else fence
            continue
        opening = FENCE_RE.match(raw)
        if opening:
            close()
            fence = opening.group(1)
            continue
        line = re.sub(r"^\s{0,3}(>\s?)+", "", raw)  # block quotes read as text
        if not line.strip() or LINK_DEFINITION_RE.match(line) or ("-" in line and TABLE_RULE_RE.match(line)):
            close()
            continue
        setext = SETEXT_RE.match(line)
        if setext and parts and kind == "paragraph":  # underlines the paragraph above: a heading
            title = " ".join(part for part, _ in parts)
            first = parts[0][1]
            parts = []
            heading(title, 1 if setext.group(1).startswith("=") else 2, first)
            continue
        if RULE_RE.match(line):
            close()
            continue
        match = HEADING_RE.match(line)
        if match:
            close()
            heading(inline_text(match.group(2)), len(match.group(1)), number)
            continue
        item = LIST_ITEM_RE.match(line)
        if item:
            close()
            parts, kind = [(inline_text(line[item.end() :]), number)], "item"
            continue
        if line.lstrip().startswith("|"):  # a table row reads as one sentence
            close()
            cells = [inline_text(cell) for cell in line.strip().strip("|").split("|")]
            parts, kind = [("; ".join(cell for cell in cells if cell), number)], "item"
            close()
            continue
        if not parts:
            kind = "paragraph"
        parts.append((inline_text(line), number))
    close()
    return found


# A sentence ends at . ! ? or … (and closing quotes or brackets) before a space and a capital,
# a digit or an opening quote; "bv. een" and "1.5" go on.
_CLOSE, _OPEN = "\"'\u201d\u2019)\\]", "\"'\u201c\u2018(\\["
SENTENCE_END_RE = re.compile(rf"[.!?…]+[{_CLOSE}]*(?=\s+[{_OPEN}]?[A-ZÀ-Ý0-9])|[.!?…]+[{_CLOSE}]*\s*$")
# A full stop after these does not end a sentence ("Dr. Peeters"); nor after an initial ("J. Smith").
ABBREVIATIONS = frozenset(
    {
        *("bv", "bijv", "vb", "nl", "o.a", "d.w.z", "m.a.w", "i.p.v", "t.o.v"),
        *("dr", "mr", "mevr", "prof", "nr", "st", "ca", "incl", "e.g", "i.e", "vs"),
    }
)


def sentences_of(block: Block) -> list[tuple[str, int]]:
    """A block's sentences, each with the file line where it starts. A heading is one sentence."""
    if block.kind == "heading":
        return [(block.text, block.line)]
    found = []
    start = 0
    for match in SENTENCE_END_RE.finditer(block.text):
        before = block.text[start : match.start()].rsplit(None, 1)
        last_word = before[-1].lower() if before else ""
        at_end = match.end() >= len(block.text.rstrip())
        if (
            not at_end
            and match.group().startswith(".")
            and (last_word in ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word))
        ):
            continue  # "Dr. Jansen", "J. Smith": not the end of a sentence
        found.append((start, match.end()))
        start = match.end()
    if block.text[start:].strip():
        found.append((start, len(block.text)))
    result = []
    for begin, end in found:
        text = block.text[begin:end]
        offset = begin + len(text) - len(text.lstrip())
        if text.strip():
            result.append((text.strip(), block.line_at(offset)))
    return result


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


def measure(item: Item, months: int, today: datetime.date) -> tuple[ItemReport, list[Sentence]]:
    """One item's figures, and all its sentences."""
    path = display(item.path)
    lang = item.lang
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
    words = [word for sentence in sentences for word in words_of(sentence.text)]
    counts = [sentence.words for sentence in sentences]
    long_words = sum(1 for word in words if syllables(word, lang) >= LONG_WORD_SYLLABLES)
    ranked = _hardest_first(sentences)
    report = ItemReport(
        key=item.key,
        kind=item.kind,
        lang=lang,
        path=path,
        line=item.body_line,
        reading_ease=reading_ease([s.text for s in sentences], lang),
        words=len(words),
        sentences=len(sentences),
        mean_sentence=sum(counts) / len(counts) if counts else 0.0,
        max_sentence=max(counts, default=0),
        long_sentence_share=sum(1 for c in counts if c > LONG_SENTENCE) / len(counts) if counts else 0.0,
        longest_paragraph=max((p.words for p in paragraphs), default=0),
        long_word_share=long_words / len(words) if words else 0.0,
        review=review_of(item, months, today),
        long_sentences=tuple(s for s in sentences if s.words > CARD_TARGETS.sentence),
        long_paragraphs=tuple(p for p in paragraphs if p.words > CARD_TARGETS.paragraph),
        hardest=ranked[0] if ranked else None,
    )
    return report, sentences


def _hardest_first(sentences: Iterable[Sentence]) -> list[Sentence]:
    """The Dutch sentences, hardest (highest load) first."""
    scored = [s for s in sentences if s.reading_ease is not None]
    return sorted(scored, key=lambda s: (-s.load, s.path, s.line))


def make_report(content: Content, today: datetime.date | None = None) -> Report:
    """The figures for every loaded item, and the hardest sentences of the whole content."""
    today = today or datetime.date.today()
    months = review_interval(content)
    reports, everything = [], []
    for item in items_of(content):
        report, sentences = measure(item, months, today)
        reports.append(report)
        everything += sentences
    return Report(today, months, tuple(reports), tuple(_hardest_first(everything)[:HARDEST_COUNT]))


def card_problems(report: Report, strict: bool = False) -> list[Problem]:
    """Cards that miss the targets: warnings, or errors with ``strict``. Articles never."""
    severity = "error" if strict else "warning"
    targets = report.targets
    problems = []
    for item in report.items:
        if not item.gated:
            continue
        missed = item.misses(targets)
        hardest = item.hardest
        if "reading_ease" in missed and hardest is not None:
            problems.append(
                Problem(
                    item.path,
                    hardest.line,
                    f"reading ease {item.reading_ease:.0f} (Flesch-Douma); cards aim for "
                    f"{targets.reading_ease:.0f} or more",
                    "use shorter sentences and everyday words; the hardest sentence is on this line: "
                    f"'{_start(hardest.text)}'",
                    severity=severity,
                )
            )
        if "mean_sentence" in missed:
            longest = max(item.long_sentences, key=lambda s: s.words, default=hardest)
            problems.append(
                Problem(
                    item.path,
                    longest.line if longest else item.line,
                    f"sentences have {item.mean_sentence:.1f} words on average; cards aim for "
                    f"{targets.mean_sentence:.0f} or fewer",
                    "give each message its own short sentence",
                    severity=severity,
                )
            )
        for sentence in item.long_sentences:
            problems.append(
                Problem(
                    item.path,
                    sentence.line,
                    f"sentence of {sentence.words} words; on a card no sentence has more than "
                    f"{targets.sentence}",
                    f"split it into shorter sentences: '{_start(sentence.text)}'",
                    severity=severity,
                )
            )
        for paragraph in item.long_paragraphs:
            problems.append(
                Problem(
                    item.path,
                    paragraph.line,
                    f"paragraph of {paragraph.words} words; on a card no paragraph has more than "
                    f"{targets.paragraph}",
                    "split it, or make a list of the steps",
                    severity=severity,
                )
            )
    return sorted(problems, key=lambda p: (p.path, p.line or 0, p.message))


def _start(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


# ---------------------------------------------------------------- output

WIDTH = 110
COLUMNS = (  # title, width, alignment
    ("item", 38, "<"),
    ("lang", 4, "<"),
    ("Douma", 6, ">"),
    ("w/sent", 6, ">"),
    ("max", 4, ">"),
    (">15", 4, ">"),
    ("para", 5, ">"),
    ("long w", 6, ">"),
    ("review", 29, "<"),
)


def format_report(report: Report) -> str:
    """The report as a table that fits 110 columns, then the hardest sentences."""
    targets = report.targets
    lines = [_row([title for title, _, _ in COLUMNS]), _row(["-" * width for _, width, _ in COLUMNS])]
    for item in report.items:
        missed = item.misses(targets) if item.gated else ()

        def mark(text: str, field: str, missed: tuple[str, ...] = missed) -> str:
            return text + ("*" if field in missed else " ")

        lines.append(
            _row(
                [
                    item.key,
                    item.lang,
                    mark("-" if item.reading_ease is None else f"{item.reading_ease:.0f}", "reading_ease"),
                    mark(f"{item.mean_sentence:.1f}", "mean_sentence"),
                    mark(str(item.max_sentence), "sentence"),
                    f"{item.long_sentence_share:.0%}",
                    mark(str(item.longest_paragraph), "paragraph"),
                    f"{item.long_word_share:.0%}",
                    _review_cell(item.review),
                ]
            )
        )
    lines += [
        "",
        f"Douma: Flesch-Douma reading ease (higher is easier); w/sent: words per sentence; max: longest "
        f"sentence;\n>15: share of sentences over {LONG_SENTENCE} words; para: longest paragraph in words; "
        f"long w: share of words of\n{LONG_WORD_SYLLABLES} or more syllables. * misses the card target "
        f"(Douma >= {targets.reading_ease:.0f}, w/sent <= {targets.mean_sentence:.0f}, max <= "
        f"{targets.sentence}, para <= {targets.paragraph});\narticles are not held to it. A review is "
        f"overdue after {report.review_interval_months} months.",
    ]
    if report.hardest:
        lines += [
            "",
            f"The {len(report.hardest)} hardest sentence{'s' if len(report.hardest) > 1 else ''} "
            "(most words and syllables: 0.93 x words² + 77 x syllables):",
        ]
        for number, sentence in enumerate(report.hardest, 1):
            lines.append(
                f"{number:2}. {sentence.path}:{sentence.line}  Douma {sentence.reading_ease:.0f}, "
                f"{sentence.words} words"
            )
            text = textwrap.shorten(sentence.text, width=3 * (WIDTH - 8), placeholder=" ...")
            lines += textwrap.wrap(text, WIDTH, initial_indent="    ", subsequent_indent="    ")
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    out = []
    for text, (_, width, align) in zip(cells, COLUMNS, strict=True):
        if len(text) > width:
            text = text[: width - 1] + "…"
        out.append(f"{text:{align}{width}}")
    return " ".join(out).rstrip()


def _review_cell(review: Review) -> str:
    if review.date is None:
        return "never reviewed"
    text = review.date.isoformat() + (f" {review.by}" if review.by else "")
    return f"OVERDUE {text}" if review.state == "overdue" else text


def to_json(report: Report, problems: Sequence[Problem] = ()) -> str:
    """The report for tools: every figure, the hardest sentences, and the problems found."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {key: plain(v) for key, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, float):
            return round(value, 3)
        return value

    data = asdict(report)
    for item, raw in zip(report.items, data["items"], strict=True):
        raw["meets_targets"] = not item.misses(report.targets) if item.gated else None
    data["problems"] = [
        {
            "path": p.path,
            "line": p.line,
            "severity": p.severity,
            "message": p.message,
            "hint": p.hint,
        }
        for p in problems
    ]
    return json.dumps(plain(data), ensure_ascii=False, indent=2)
