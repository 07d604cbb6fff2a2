"""The plain-language and review report behind ``check --report``.

Each item's text is read as a reader reads it (``prose``: blocks and sentences, each with its
line in the source file) and measured (``readability``: words, syllables, Flesch-Douma). Here:
the review status of every item, the figures per item, and the cards that miss the
plain-language targets (``CARD_TARGETS``); articles are the practice's own blog text and are
only reported. The table and the JSON are written by ``reportformat`` (which reads this
module). Nothing here renders.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .keypoints import KeyPoint, key_points
from .models import (
    DEFAULT_LANG,
    DEFAULT_REVIEW_MONTHS,
    ERROR,
    WARNING,
    Article,
    Content,
    Item,
    Problem,
    ReviewState,
    Severity,
)
from .paths import display
from .readability import (
    CARD_TARGETS,
    LONG_SENTENCE,
    LONG_WORD_SYLLABLES,
    Paragraph,
    Sentence,
    Targets,
    hardest_first,
    reading_ease,
    sentences_and_paragraphs,
    syllables,
    words_of,
)

__all__ = [
    "CARD_TARGETS",
    "ItemReport",
    "Report",
    "Review",
    "card_problems",
    "hint_once",
    "make_report",
    "review_problems",
]

HARDEST_COUNT = 10


@dataclass(frozen=True)
class Review:
    state: ReviewState
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
    # an article's key points, each with the sentences of its text it most likely summarises
    key_points: tuple[KeyPoint, ...] = ()

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

        def warn(line: int, message: str, hint: str, path: str = path, **params: object) -> None:
            problems.append(Problem.of(path, line, message, hint, WARNING, **params))

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
            assert review.date is not None
            warn(
                line,
                "review overdue: reviewed on {date} by {by}, more than {months} months ago"
                if review.by
                else "review overdue: reviewed on {date}, more than {months} months ago",
                "have a therapist read the printed handout again, then update 'reviewed:' and 'reviewed_by:'",
                date=review.date.isoformat(),
                by=review.by,
                months=months,
            )
        if not item.reviewed_by:
            warn(
                line, "'reviewed' without 'reviewed_by'", "add 'reviewed_by: NAME': the therapist who read it"
            )
        if review.date and review.date > today:
            future = "review date {date} is in the future"
            warn(line, future, "write the date of the reading", date=review.date)
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


def measure(item: Item, months: int, today: datetime.date) -> tuple[ItemReport, list[Sentence]]:
    """One item's figures, and all its sentences."""
    sentences, paragraphs = sentences_and_paragraphs(item)
    words = [word for sentence in sentences for word in words_of(sentence.text)]
    counts = [sentence.words for sentence in sentences]
    long_words = sum(1 for word in words if syllables(word, item.lang) >= LONG_WORD_SYLLABLES)
    ranked = hardest_first(sentences)
    report = ItemReport(
        key=item.key,
        kind=item.kind,
        lang=item.lang,
        path=display(item.path),
        line=item.body_line,
        reading_ease=reading_ease([s.text for s in sentences], item.lang),
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
        key_points=key_points(item) if isinstance(item, Article) else (),
    )
    return report, sentences


def make_report(content: Content, today: datetime.date | None = None) -> Report:
    """The figures for every loaded item, and the hardest sentences of the whole content."""
    today = today or datetime.date.today()
    months = review_interval(content)
    reports, everything = [], []
    for item in items_of(content):
        report, sentences = measure(item, months, today)
        reports.append(report)
        everything += sentences
    return Report(today, months, tuple(reports), tuple(hardest_first(everything)[:HARDEST_COUNT]))


def card_problems(report: Report, strict: bool = False) -> list[Problem]:
    """Cards that miss the targets: warnings, or errors with ``strict``. Articles never."""
    severity: Severity = ERROR if strict else WARNING
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
