"""``check --report`` shows each article's key points next to the sentences they summarise.

A fixture article whose key point drops the condition of its source: the reviewer must see the
key point and the sentence with the condition, each with its line, in the table and in the JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handouts.cli import main

PRACTICE = """\
name: Praktijk Proef
phone: 012 34 56 78
website: https://www.example.org
booking_url: https://www.example.org/afspraak
"""
ARTICLE = """\
---
title: Een hernia
summary: Wat een hernia is en wat je eraan doet.
key_points:
  - Een operatie is zelden nodig bij een hernia.
  - Wandel elke dag 5 minuten langer.
  - Lees de krant op zondag.
---

## Wat is een hernia?

Een hernia geneest vaak vanzelf. Dat duurt soms maanden.
Een operatie bij een hernia is zelden nodig.
Een operatie wordt alleen overwogen wanneer er een duidelijk krachtsverlies is vastgesteld.

## Wat kan je doen?

Wandel elke dag een beetje langer, tot je een half uur haalt.

## Bronnen

- Een operatie bij een hernia: een boek over zelden nodige ingrepen (2020).
"""
CARD = """\
---
title: Een kaart
summary: Je lichaam is een glas.
---

## Het beeld

Je lichaam is een glas.
"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "articles").mkdir(parents=True)
    (root / "metaphors").mkdir()
    (root / "practice.yml").write_text(PRACTICE, encoding="utf-8")
    (root / "articles" / "hernia.md").write_text(ARTICLE, encoding="utf-8")
    (root / "metaphors" / "glas.md").write_text(CARD, encoding="utf-8")
    return root


def line(needle: str) -> int:
    [number] = [n for n, text in enumerate(ARTICLE.splitlines(), 1) if needle in text]
    return number


def report(capfd: pytest.CaptureFixture[str], content: Path, *options: str) -> str:
    capfd.readouterr()
    assert main(["check", "--content", str(content), "--report", *options]) == 0
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    return out


def test_the_json_gives_each_key_point_its_sentences_with_their_lines(
    content: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(report(capfd, content, "--json"))
    items = {item["key"]: item for item in data["items"]}
    assert items["metaphors/glas"]["key_points"] == []
    operation, walk, paper = items["articles/hernia"]["key_points"]
    assert operation["text"] == "Een operatie is zelden nodig bij een hernia."
    assert operation["line"] == line("- Een operatie is zelden")
    sources = [(s["line"], s["text"]) for s in operation["sources"]]
    # the sentence after each, where a condition often stands
    then = [(s["then_line"], s["then"]) for s in operation["sources"]]
    condition = "Een operatie wordt alleen overwogen wanneer er een duidelijk krachtsverlies is vastgesteld."
    assert sources[0] == (
        line("Een operatie bij een hernia is"),
        "Een operatie bij een hernia is zelden nodig.",
    )
    assert (line("alleen overwogen"), condition) in then
    assert not any("boek" in text for _, text in sources)  # the references are not the text
    assert walk["sources"][0]["line"] == line("Wandel elke dag een beetje")
    assert walk["numbers_missing"] == ["5"]  # "5 minuten" is in no sentence it comes from
    assert paper["sources"] == [] and operation["numbers_missing"] == []


def test_the_table_shows_the_key_points_beside_their_sentences_and_asks_for_conditions_and_numbers(
    content: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = report(capfd, content)
    section = out[out.index("Key points and the sentences") :]
    assert "keeps the\nconditions and the numbers of its source" in section
    lines = section.splitlines()
    start = lines.index(f"articles/hernia ({content / 'articles' / 'hernia.md'})")
    point = lines.index(
        f"  key point, line {line('- Een operatie is zelden')}: Een operatie is zelden nodig bij een hernia."
    )
    assert start < point
    following = "\n".join(lines[point + 1 : point + 4])
    assert f"    text, line {line('operatie bij een hernia is')}: Een operatie bij een hernia is" in following
    assert (
        f"      and then, line {line('alleen overwogen')}: Een operatie wordt alleen overwogen" in following
    )
    assert "    its numbers not in these sentences: 5" in section
    assert "    no sentence of the text shares two of its words: find its source by hand" in section
    assert "metaphors/glas (" not in section
    assert max(len(text) for text in lines) <= 110
