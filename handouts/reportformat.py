"""The report as staff read it (a table of 110 columns) and as tools read it (JSON)."""

from __future__ import annotations

import datetime
import json
import textwrap
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from .models import Problem
from .readability import LONG_SENTENCE, LONG_WORD_SYLLABLES

if TYPE_CHECKING:
    from .report import Report, Review

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
    return "\n".join(lines + _key_points(report))


def _key_points(report: Report) -> list[str]:
    """Each article's key points, each followed by the sentences of the text it comes from."""
    articles = [item for item in report.items if item.key_points]
    if not articles:
        return []
    lines = [
        "",
        "Key points and the sentences of the text they come from: check that each key point keeps "
        "the\nconditions and the numbers of its source.",
    ]
    for item in articles:
        lines += ["", f"{item.key} ({item.path})"]
        for point in item.key_points:
            where = f"line {point.line}" if point.line else "front matter"
            text = f"key point, {where}: {point.text}"
            lines += textwrap.wrap(text, WIDTH, initial_indent="  ", subsequent_indent="    ")
            for source in point.sources:
                text = f"text, line {source.line}: {source.text}"
                lines += textwrap.wrap(text, WIDTH, initial_indent="    ", subsequent_indent="      ")
                if source.then:  # where a condition often stands
                    text = f"and then, line {source.then_line}: {source.then}"
                    lines += textwrap.wrap(text, WIDTH, initial_indent="      ", subsequent_indent="        ")
            if not point.sources:
                lines.append("    no sentence of the text shares two of its words: find its source by hand")
            if point.numbers_missing:
                lines.append(f"    its numbers not in these sentences: {', '.join(point.numbers_missing)}")
    return lines


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
