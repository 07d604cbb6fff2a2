"""Translations: French and English handouts read in their language, and check finds what is missing.

Small fixture folders in tmp_path; the shipped content only for the catalogues' invariant.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest
from conftest import decode_qr, page_texts, render_page, run_cli

from handouts import i18n

APOSTROPHE = "\u2019"  # the typographic apostrophe of the French texts

PRACTICE = """\
name: Praktijk Test
phone: 0470/12 34 56
website: https://www.example.be
blog_url: https://www.example.be/blog
booking_url: https://www.example.be/afspraak
"""
DUTCH_URL = "https://www.example.be/blog/belasting"
FRENCH_URL = "https://www.example.be/fr/charge"


def card(title: str, summary: str, body: str) -> str:
    return f"""---
title: {title}
summary: {summary}
article: belasting
order: 2
---

{body}
"""


def article(title: str, summary: str, key_point: str, url: str | None, body: str) -> str:
    link = f"url: {url}\n" if url else ""
    return f"""---
title: {title}
summary: {summary}
key_points:
  - {key_point}
author: Tim Willems
date: 2025-06-01
{link}---

{body}
"""


FILES = {
    "practice.yml": PRACTICE,
    "articles/belasting.md": article(
        "Belasting", "Wat je aankan.", "Je glas kan groeien.", DUTCH_URL, "Een korte tekst over belasting."
    ),
    # a French article online: the French card's QR leads to it
    "articles/belasting.fr.md": article(
        "La charge", "Ce que vous supportez.", "Votre verre peut grandir.", FRENCH_URL, "Un court texte."
    ),
    # an English article that is not online: its QR, and the English card's, lead to the Dutch one
    "articles/belasting.en.md": article(
        "Load", "What you can handle.", "Your glass can grow.", None, "A short text about load."
    ),
    "metaphors/glas.md": card("Het glas", "Een vol glas loopt over.", "## Het beeld\n\nEen glas water."),
    "metaphors/glas.fr.md": card(
        "Le verre", "Un verre plein déborde.", f"## L{APOSTROPHE}image\n\nUn verre d{APOSTROPHE}eau."
    ),
    "metaphors/glas.en.md": card(
        "The glass", "A full glass overflows.", "## The picture\n\nA glass of water."
    ),
    # a French booklet: its items are the French translations
    "booklet.fr.yml": """\
title: Comprendre la douleur
intro: Ce livret vous aide.
sections:
  - title: Les images
    items:
      - metaphors/glas
""",
}

# The fixed texts of the templates, by language: what a reader must see, and must not.
FIXED = {
    "nl": ["Maak een afspraak", "pagina 1 van 1", "in het Nederlands", "Pijn begrijpen", "In het kort"],
    "fr": ["Prendre rendez-vous", "page 1 sur 1", "néerlandais", "Comprendre la douleur", "En bref"],
    "en": ["Make an appointment", "page 1 of 1", "in Dutch", "Understanding pain", "In short"],
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def pdf_lang(path: Path) -> str:
    return str(pypdf.PdfReader(path).trailer["/Root"]["/Lang"])


def text_of(path: Path) -> str:
    """The PDF's text, with line breaks and hyphenation undone, so phrases can be searched."""
    text = "\n".join(page_texts(path)).replace("\r", "")
    return re.sub(r"\s+", " ", re.sub(r"-\s*\n", "", text))


@pytest.fixture(scope="module")
def translated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture folder built once: Dutch, French and English cards and articles."""
    from handouts.cli import main

    root = tmp_path_factory.mktemp("languages")
    write(root / "content", FILES)
    assert main(["build", "--content", str(root / "content"), "--out", str(root / "out"), "--jobs", "2"]) == 0
    return root / "out"


def test_the_default_build_builds_every_translation(translated: Path) -> None:
    found = {p.relative_to(translated).as_posix() for p in translated.rglob("*.pdf")}
    assert found == {
        "articles/belasting.pdf",
        "metaphors/glas.pdf",
        "fr/articles/belasting.pdf",
        "fr/metaphors/glas.pdf",
        "en/articles/belasting.pdf",
        "en/metaphors/glas.pdf",
        "fr/booklet.pdf",
        "fr/booklet-print.pdf",
        "fr/booklet-print-long-edge.pdf",
    }


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_translated_card_has_its_fixed_texts_in_its_language(translated: Path, lang: str) -> None:
    pdf = translated / lang / "metaphors/glas.pdf"
    text = text_of(pdf)
    expected = {
        "fr": ["Le verre", "Prendre rendez-vous", f"Lire l{APOSTROPHE}article complet", "page 1 sur 1"],
        "en": ["The glass", "Make an appointment", "Read the full article", "page 1 of 1"],
    }[lang]
    kicker = {"fr": "Comprendre la douleur · image 2", "en": "Understanding pain · picture 2"}[lang]
    for phrase in [*expected, kicker]:
        assert phrase in text, (phrase, text)
    for dutch in ["Maak een afspraak", "Lees het volledige artikel", "pagina", "Pijn begrijpen", "beeld"]:
        assert dutch not in text, (dutch, text)
    assert pdf_lang(pdf) == lang


def test_a_french_card_leads_to_the_french_article_an_english_one_to_the_dutch_and_says_so(
    translated: Path,
) -> None:
    french, english = translated / "fr/metaphors/glas.pdf", translated / "en/metaphors/glas.pdf"
    assert FRENCH_URL in decode_qr(render_page(french))
    assert "néerlandais" not in text_of(french)
    assert DUTCH_URL in decode_qr(render_page(english))
    assert "Read the full article (article in Dutch)" in text_of(english)


@pytest.mark.parametrize(
    ("lang", "date", "note"),
    [("nl", "juni 2025", None), ("fr", "juin 2025", None), ("en", "June 2025", "article in Dutch")],
)
def test_a_translated_article_has_its_dates_headings_and_lang(
    translated: Path, lang: str, date: str, note: str | None
) -> None:
    pdf = translated / ("" if lang == "nl" else f"{lang}/") / "articles/belasting.pdf"
    text = text_of(pdf)
    assert f"Tim Willems · {date}" in text, text
    assert FIXED[lang][-1] in text, text  # "In het kort", "En bref", "In short"
    assert FIXED[lang][1] in text, text  # the footer's page X of Y
    others = [phrase for other, phrases in FIXED.items() if other != lang for phrase in phrases]
    assert not [phrase for phrase in others if phrase in text], text
    assert (note in text) if note else "Dutch" not in text and "néerlandais" not in text
    assert pdf_lang(pdf) == lang


def test_the_dutch_card_is_unchanged_by_translations(translated: Path) -> None:
    pdf = translated / "metaphors/glas.pdf"
    text = text_of(pdf)
    assert "Maak een afspraak" in text and "pagina 1 van 1" in text and "Pijn begrijpen · beeld 2" in text
    assert "Nederlands" not in text  # the note is for translated handouts only
    assert pdf_lang(pdf) == "nl"


def test_a_french_booklet_has_the_french_cards_and_its_fixed_texts_in_french(translated: Path) -> None:
    pdf = translated / "fr/booklet.pdf"
    text = text_of(pdf)
    for phrase in ["Comprendre la douleur", "Bienvenue", "Sommaire", "Le verre", "Un verre d", "Notes"]:
        assert phrase in text, (phrase, text)
    for dutch in ["Het glas", "Welkom", "Inhoud", "Notities", "Maak een afspraak", "Telefoon"]:
        assert dutch not in text, (dutch, text)
    assert FRENCH_URL in decode_qr(render_page(pdf, 3))  # the card's page leads to the French article
    assert pdf_lang(pdf) == "fr"


def test_a_translated_booklet_naming_an_untranslated_item_is_an_error_on_its_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    files = {k: v for k, v in FILES.items() if k != "metaphors/glas.fr.md"}
    write(tmp_path / "content", files)
    code, err = run_cli(capfd, "check", "--content", "content")
    assert code == 1, err
    assert "content/booklet.fr.yml:6: error: 'metaphors/glas' has no French translation" in err, err
    assert "hint: add content/metaphors/glas.fr.md" in err, err


def test_editing_a_catalogue_rebuilds_the_handouts_in_that_language_only(
    translated: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    shutil.copytree(translated, out)
    break_catalogue(tmp_path, monkeypatch, '"Prendre rendez-vous"', '"Prendre un rendez-vous"')
    content = translated.parent / "content"
    code, err = run_cli(capfd, "build", "--content", str(content), "--out", str(out), "--jobs", "1")
    assert code == 0, err
    built = sorted(re.findall(r"built (\S+)", err))
    assert built == ["fr/articles/belasting", "fr/booklet", "fr/metaphors/glas"], err
    assert "Prendre un rendez-vous" in text_of(out / "fr/metaphors/glas.pdf")


# ---------------------------------------------------------------------------- check


def test_every_template_text_has_a_translation_in_every_catalogue() -> None:
    """Extraction runs in-process, as ``pybabel extract -F babel.cfg`` would."""
    messages = i18n.template_messages()
    # the extraction sees the templates and the code: a test that found nothing would prove nothing
    assert {"Maak een afspraak", "Notities", "In het kort", "pagina %(page)s van %(pages)s"} <= set(messages)
    assert any(file.startswith("templates/") for uses in messages.values() for file, _ in uses)
    problems = i18n.check_catalogues()
    assert set(problems) == {"fr", "en"}
    assert problems == {"fr": [], "en": []}, "\n".join(str(p) for ps in problems.values() for p in ps)


class _Texts(HTMLParser):
    """Every text a reader (or a screen reader) gets from an HTML page: text and labels."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name in ("alt", "aria-label", "title") or name.startswith("data-")):
                self.texts.add(value.strip())

    def handle_data(self, data: str) -> None:
        data = data.replace("\u200b", "").replace("\u2060", "")  # break hints in printed addresses
        if data.strip():
            self.texts.add(data.strip())


def texts(page: str) -> set[str]:
    parser = _Texts()
    parser.feed(page)
    return parser.texts


def test_no_fixed_text_of_a_template_is_left_in_dutch(tmp_path: Path) -> None:
    """A French translation identical to its Dutch original: what differs between the two pages
    is the templates' fixed texts. A text on both pages that is not in the content is a fixed
    text left out of the catalogues (not wrapped in ``_()``).
    """
    from handouts import html
    from handouts.content import load

    same = {name: text for name, text in FILES.items() if ".fr." not in name and ".en." not in name}
    same |= {name.replace(".md", ".fr.md"): text for name, text in same.items() if name.endswith(".md")}
    same["booklet.yml"] = same["booklet.fr.yml"] = FILES["booklet.fr.yml"]
    data = load(write(tmp_path / "content", same))
    assert not data.errors, data.errors
    pages = {
        lang: [
            html.render_item(data.items[f"{prefix}articles/belasting"], data),
            html.render_item(data.items[f"{prefix}metaphors/glas"], data),
            html.render_booklet(data.booklets[lang], data),
            html.render_notes(data, lang),
        ]
        for lang, prefix in (("nl", ""), ("fr", "fr/"))
    }
    sources = "\n".join(same.values())

    def fixed(text: str) -> bool:
        """Not from the content: words ("·" or "2" are not), not the practice's details."""
        parts = text.strip(" ·").split(" · ")  # the footer's phone number is a text of its own
        return any(part not in sources and re.search(r"[^\W\d]{2}", part) for part in parts)

    for dutch, french in zip(pages["nl"], pages["fr"], strict=True):
        left = {text for text in texts(dutch) & texts(french) if fixed(text)}
        assert not left, f"fixed texts left in Dutch: {sorted(left)}"


def break_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> Path:
    """A copy of the catalogues with one French entry changed, used instead of the real ones."""
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE, locale)
    po = locale / "fr/LC_MESSAGES/messages.po"
    text = po.read_text(encoding="utf-8")
    assert old in text
    po.write_text(text.replace(old, new), encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE", locale)
    return po


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('msgid "Maak een afspraak"\nmsgstr "Prendre rendez-vous"\n', "", "no French translation for"),
        ('msgstr "Prendre rendez-vous"', 'msgstr ""', "no French translation for"),
        (
            'msgid "Maak een afspraak"',
            '#, fuzzy\nmsgid "Maak een afspraak"',
            "only a fuzzy (unchecked) French translation for",
        ),
    ],
    ids=["entry missing", "msgstr empty", "fuzzy"],
)
def test_a_missing_translation_is_a_check_error_naming_the_string_and_the_catalogue(
    old: str,
    new: str,
    says: str,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    po = break_catalogue(tmp_path, monkeypatch, old, new)
    content = write(tmp_path / "content", FILES)
    code, err = run_cli(capfd, "check", "--content", str(content))
    assert code == 1, err
    assert re.search(
        rf"^{re.escape(str(po))}(:\d+)?: error: {re.escape(says)} 'Maak een afspraak'$", err, re.M
    ), err
    assert "English translation" not in err, err


def test_a_language_with_a_missing_translation_is_not_built_and_the_others_are(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    po = break_catalogue(tmp_path, monkeypatch, 'msgstr "Prendre rendez-vous"', 'msgstr ""')
    files = {k: v for k, v in FILES.items() if "articles/" not in k or k == "articles/belasting.md"}
    content, out = write(tmp_path / "content", files), tmp_path / "out"
    code, err = run_cli(capfd, "build", "--content", str(content), "--out", str(out), "--jobs", "1", "-q")
    assert code == 1, err
    assert f"{po}:" in err and "no French translation for 'Maak een afspraak'" in err, err
    built = {p.relative_to(out).as_posix() for p in out.rglob("*.pdf")}
    assert built == {"articles/belasting.pdf", "metaphors/glas.pdf", "en/metaphors/glas.pdf"}


def test_a_card_without_translation_is_a_warning_in_check(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "content", {k: v for k, v in FILES.items() if k != "metaphors/glas.en.md"})
    code, err = run_cli(capfd, "check", "--content", "content")
    assert code == 0, err  # a warning does not change the exit status
    warnings = [line for line in err.splitlines() if ": warning: " in line and "translation" in line]
    assert warnings == ["content/metaphors/glas.md: warning: no English translation (glas.en.md)"], err
    assert ": error: " not in err
