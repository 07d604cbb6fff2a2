"""The shipped content says what its sources say: safety rules with whom to tell and how, key
points that keep their conditions, no address nobody confirmed, no lede that repeats the text.

Invariants of the shipped content (see conftest): each guards a defect found in a clinical read
of the printed handouts against the source articles.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CONTENT, page_texts

# Every address the practice confirmed (PRACTICE.md: website, blog, the two article pages marked
# certain; the booking link is the home page until the practice gives its own), and the one
# address the source articles themselves print (a reference of the glass article).
CONFIRMED = {
    "https://www.kine-tim.be",
    "https://www.kine-tim.be/blog",
    "https://www.kine-tim.be/blog/kinesist-rugpijn",
    "https://www.kine-tim.be/blog/belasting-en-belastbaarheid",
    "https://www.greglehman.ca/pain-science-workbooks",
}
URL = re.compile(r"(?:https?://|www\.)[^\s)\]>\"'\u2019\u201d]+")
THERAPIST = r"(?:kinesitherapeut|kinésithérapeute|physiotherapist)"
# The drawing's label over 0 to 5 says "only if the pain settles quickly", in each language.
SETTLES = {
    "": "oké als ze snel zakt",
    "fr/": "acceptable si elle passe vite",
    "en/": "OK if it eases quickly",
}


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """(the front matter's values, the body) of a content file: comments are not printed."""
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front) or {}, body


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for each in value.values() for text in strings(each)]
    if isinstance(value, list):
        return [text for each in value for text in strings(each)]
    return []


def printed_texts() -> list[tuple[Path, str]]:
    """Every text of the content folder that can reach paper or a QR code, with its file."""
    texts = []
    for path in sorted(CONTENT.rglob("*.yml")):
        texts += [(path, text) for text in strings(yaml.safe_load(path.read_text(encoding="utf-8")))]
    for path in sorted(CONTENT.rglob("*.md")):
        values, body = front_matter(path)
        texts += [(path, text) for text in [*strings(values), body]]
    return texts


def normalised(url: str) -> str:
    url = url.rstrip(".,;:")
    return ("https://" + url if url.startswith("www.") else url).rstrip("/")


def test_every_printed_address_is_one_the_practice_confirmed() -> None:
    found = {(path.name, normalised(url)) for path, text in printed_texts() for url in URL.findall(text)}
    assert found, "no address found: the test reads nothing"
    assert [(name, url) for name, url in sorted(found) if url not in CONFIRMED] == []


def test_the_booking_link_is_the_home_page_until_the_practice_gives_its_own() -> None:
    practice = yaml.safe_load((CONTENT / "practice.yml").read_text(encoding="utf-8"))
    assert practice["booking_url"] == practice["website"] == "https://www.kine-tim.be"
    assert practice["blog_url"] == "https://www.kine-tim.be/blog"


def escalation_rule(page: str, phone: str) -> str | None:
    """The rule as printed: above 5 (or lasting), tell the therapist; between sessions, call."""
    match = re.search(rf"[^.?•]*\b5\b[^•]{{0,120}}?{THERAPIST}[^•]{{0,80}}?{re.escape(phone)}", flat(page))
    return match.group(0).strip() if match else None


@pytest.mark.parametrize("lang", ["", "fr/", "en/"])
def test_the_pain_scale_card_says_whom_to_tell_and_how(built: Path, lang: str) -> None:
    """Fails on the French card as it was: it had no escalation rule at all."""
    phone = yaml.safe_load((CONTENT / "practice.yml").read_text(encoding="utf-8"))["phone"]
    pages = page_texts(built / f"{lang}metaphors" / "pijnschaal.pdf")
    assert len(pages) == 1
    rule = escalation_rule(pages[0], phone)
    assert rule is not None, flat(pages[0])
    assert "lang" in rule or "longtemps" in rule or "long time" in rule, rule  # the duration counts too


@pytest.mark.parametrize("lang", ["", "fr/", "en/"])
def test_the_pain_scale_drawing_marks_0_to_5_ok_only_when_it_settles(built: Path, lang: str) -> None:
    page = flat(page_texts(built / f"{lang}metaphors" / "pijnschaal.pdf")[0])
    assert SETTLES[lang] in page


def test_the_escalation_rule_is_not_found_where_it_is_missing() -> None:
    page = "Wat kan je zelf doen? Let op hoe snel de pijn weer zakt. Maak een afspraak of bel 0485/26 43 15"
    assert escalation_rule(page, "0485/26 43 15") is None
    assert escalation_rule(page.replace("zakt.", "zakt. Boven 5? Meld het dan."), "0485/26 43 15") is None


def key_points(slug: str) -> list[str]:
    values, _ = front_matter(CONTENT / "articles" / f"{slug}.md")
    return list(values["key_points"])


def test_the_hernia_key_point_keeps_the_sources_condition(built: Path) -> None:
    """An operation is considered only when a clear loss of strength is found (source, line 19)."""
    [point] = [point for point in key_points("kinesist-rugpijn") if "operatie" in point]
    assert "krachtsverlies" in point and "alleen" in point
    first = flat(page_texts(built / "articles" / "kinesist-rugpijn.pdf")[0])
    assert flat(point) in first


def test_keep_moving_keeps_where_possible() -> None:
    """The source says "Blijf bewegen waar mogelijk": not "whatever happens"."""
    [point] = [point for point in key_points("kinesist-rugpijn") if "blijf bewegen" in point]
    assert "waar het kan" in point


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", flat(text).strip()) if s]


@pytest.mark.parametrize("path", sorted((CONTENT / "articles").glob("*.md")), ids=lambda p: p.stem)
def test_the_lede_does_not_repeat_the_first_paragraph(path: Path) -> None:
    values, body = front_matter(path)
    first = next(block for block in body.split("\n\n") if block.strip() and not block.startswith("#"))
    for lede in sentences(values["summary"]):
        for sentence in sentences(first):
            ratio = difflib.SequenceMatcher(None, lede.lower(), sentence.lower()).ratio()
            assert ratio < 0.75, (lede, sentence)


def test_an_article_handout_does_not_send_the_reader_to_the_complete_article(built: Path) -> None:
    """An article handout is the complete article: its QR reads "Dit artikel online"; a card
    that comes from an article still says "Lees het volledige artikel"."""
    article = flat(" ".join(page_texts(built / "articles" / "kinesist-rugpijn.pdf")))
    assert "Dit artikel online" in article
    assert "Lees het volledige artikel" not in article
    cards = [path for path in (built / "metaphors").glob("*.pdf")]
    assert any("Lees het volledige artikel" in flat(" ".join(page_texts(card))) for card in cards)
