"""Nothing printed that the practice did not say: optional author and date, "In het kort" first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import page_texts, run_cli

PRACTICE = """\
name: Praktijk Test
phone: 012/34 56 78
website: https://example.org
booking_url: https://example.org/afspraak
"""

UNDATED = """\
---
title: Een artikel zonder datum
summary: Dit artikel heeft geen auteur en geen datum.
key_points:
  - Eerste kernboodschap over bewegen.
  - Tweede kernboodschap over rust.
---

Dit is de tekst van het artikel. Hij staat onder het kader.
"""

DATED = """\
---
title: Een artikel met datum
summary: Dit artikel heeft wel een auteur en een datum.
author: Jan Janssens
date: 2025-06-01
key_points:
  - De enige kernboodschap.
---

Tekst.
"""

MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path]:
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    (content / "practice.yml").write_text(PRACTICE, encoding="utf-8")
    (content / "articles" / "zonder-datum.md").write_text(UNDATED, encoding="utf-8")
    (content / "articles" / "met-datum.md").write_text(DATED, encoding="utf-8")
    return content, tmp_path / "dist"


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_a_handout_without_author_or_date_prints_neither(
    site: tuple[Path, Path], capfd: pytest.CaptureFixture[str]
) -> None:
    content, out = site
    code, err = run_cli(capfd, "build", "--content", str(content), "--out", str(out), "--jobs", "1", "-q")
    assert code == 0, err
    undated = flat(" ".join(page_texts(out / "articles" / "zonder-datum.pdf")))
    assert not re.search(rf"\b({MONTHS})\b", undated), undated
    assert not re.search(r"\b(19|20)\d\d\b", undated), undated
    dated = flat(" ".join(page_texts(out / "articles" / "met-datum.pdf")))
    assert "Jan Janssens" in dated and "juni 2025" in dated  # the same template prints what is given


def test_every_article_opens_with_in_het_kort(
    site: tuple[Path, Path], capfd: pytest.CaptureFixture[str]
) -> None:
    content, out = site
    code, err = run_cli(capfd, "build", "--content", str(content), "--out", str(out), "--jobs", "1", "-q")
    assert code == 0, err
    first = flat(page_texts(out / "articles" / "zonder-datum.pdf")[0])
    box = first.index("In het kort")
    assert box < first.index("Eerste kernboodschap") < first.index("Tweede kernboodschap")
    assert first.index("Tweede kernboodschap") < first.index("Dit is de tekst van het artikel")


def test_an_article_without_key_points_is_an_error_with_a_hint(
    site: tuple[Path, Path], capfd: pytest.CaptureFixture[str]
) -> None:
    content, _ = site
    path = content / "articles" / "met-datum.md"
    path.write_text(DATED.replace("key_points:\n  - De enige kernboodschap.\n", ""), encoding="utf-8")
    code, err = run_cli(capfd, "check", "--content", str(content))
    assert code == 1
    assert "met-datum.md:1: error: missing required field 'key_points'" in err
    path.write_text(DATED.replace("key_points:\n", "key_points:\n  - a\n  - b\n  - c\n"), encoding="utf-8")
    code, err = run_cli(capfd, "check", "--content", str(content))
    assert code == 1 and "'key_points' has 4 items; at most 3" in err and "hint:" in err
