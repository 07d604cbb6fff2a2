"""The edition a handout prints ("versie juni 2025 · 02a502"): a date only as precise as its source.

A source that says "juni 2025" is written ``date: 2025-06``; no page then prints a day it never
gave. Read back from the PDF pages; bad dates are ``file:line`` problems with a hint.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from pathlib import Path

import pytest
from conftest import CONTENT, SAMPLE, make_content, page_texts, sample_line

from handouts.cli import main
from handouts.content import load
from handouts.models import PartialDate
from handouts.report import make_report

ARTICLE = "articles/artikel-een.md"


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\ufffe", "")).strip()


def with_date(date: str, lang: str = "") -> dict[str, str | bytes | None]:
    """The sample's first article (and its translation into ``lang``) dated ``date``."""
    text = SAMPLE[ARTICLE].replace("date: 2025-06-01", f"date: {date}")
    files: dict[str, str | bytes | None] = {ARTICLE: text}
    if lang:
        files[f"articles/artikel-een.{lang}.md"] = text
    return files


def test_a_date_is_a_month_or_a_day_and_orders_by_its_earliest_day() -> None:
    month, day = PartialDate.parse("2025-06"), PartialDate.parse("2025-06-12")
    assert (month.precision, month.isoformat(), month.day) == ("month", "2025-06", 0)
    assert (day.precision, day.isoformat()) == ("day", "2025-06-12")
    assert month < PartialDate.parse("2025-06-01") < day < PartialDate.parse("2025-07")
    assert day.month_only == month and month.first_day == datetime.date(2025, 6, 1)


BAD_DATES = ["2025-6", "2025-13", "2025-06-31", "juni 2025", "2025/06", "20250601", "2025"]


@pytest.mark.parametrize("bad", BAD_DATES)
def test_a_bad_date_is_reported_on_its_line_with_a_hint(tmp_path: Path, bad: str) -> None:
    content = make_content(tmp_path, with_date(bad))
    [problem] = [p for p in load(content).problems if "date" in p.message]
    assert problem.path.endswith(ARTICLE) and problem.line == sample_line(ARTICLE, "date:")
    assert problem.message == f"'date' is not a valid date: '{bad}'"
    assert "YYYY-MM-DD" in problem.hint and "YYYY-MM " in problem.hint
    assert str(problem).startswith(f"{problem.path}:{problem.line}: error: ")


def test_a_review_stays_a_day(tmp_path: Path) -> None:
    text = SAMPLE[ARTICLE].replace("date: 2025-06-01", "date: 2025-06\nreviewed: 2026-01")
    problems = load(make_content(tmp_path, {ARTICLE: text})).problems
    assert "'reviewed' is not a valid date: '2026-01'" in [p.message for p in problems]


def test_a_month_date_loads_and_the_review_age_still_counts(tmp_path: Path) -> None:
    text = SAMPLE[ARTICLE].replace("date: 2025-06-01", "date: 2025-06\nreviewed: 2025-07-01")
    data = load(make_content(tmp_path, {ARTICLE: text}))
    assert not data.errors
    article = data.articles["artikel-een"]
    assert article.date == PartialDate(2025, 6)
    assert article.version.startswith("juni 2025 · ")
    report = make_report(data, today=datetime.date(2028, 1, 1))
    [entry] = [r for r in report.items if r.key == "articles/artikel-een"]
    assert entry.review.state == "overdue"


def build(content: Path, out: Path) -> Path:
    assert main(["build", "--content", str(content), "--out", str(out), "--jobs", "1", "-q"]) == 0
    return out


def test_every_footer_prints_the_month_in_its_language_and_never_a_day(tmp_path: Path) -> None:
    content = make_content(tmp_path, {**with_date("2025-06", "fr"), **with_date("2025-06", "en")})
    out = build(content, tmp_path / "dist")
    for key, version in {
        "articles/artikel-een": "versie juni 2025 · ",
        "fr/articles/artikel-een": "version juin 2025 · ",
        "en/articles/artikel-een": "version June 2025 · ",
    }.items():
        slug, lang = key.split("/")[-1], key.split("/")[0]
        source = content / "articles" / (f"{slug}.{lang}.md" if lang in ("fr", "en") else f"{slug}.md")
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:6]
        texts = [flat(t) for t in page_texts(out / f"{key}.pdf")]
        assert texts and all(version + digest in text for text in texts), (key, texts[0][-200:])
        assert not any("2025-06" in text or " 1 juni" in text for text in texts)
    booklet = flat(" ".join(page_texts(out / "booklet.pdf")))
    assert "versie juni 2025 · " in booklet and "2025-06" not in booklet


def test_the_shipped_dated_articles_print_no_invented_day(built: Path) -> None:
    dated = {"belasting-en-belastbaarheid": "juni 2025", "sneller-herstellen": "september 2025"}
    for slug, month in dated.items():
        source = CONTENT / "articles" / f"{slug}.md"
        assert re.search(r"^date: \d{4}-\d{2}\b(?!-)", source.read_text(encoding="utf-8"), re.M)
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:6]
        texts = [flat(t) for t in page_texts(built / "articles" / f"{slug}.pdf")]
        assert all(f"versie {month} · {digest}" in text for text in texts)
        assert not any(re.search(r"\d{4}-\d{2}-\d{2}", text) for text in texts)
    booklet = flat(" ".join(page_texts(built / "booklet.pdf")))
    assert "versie juni 2025 · " in booklet and "versie september 2025 · " in booklet
    assert not re.search(r"versie \d{4}-\d{2}", booklet)
