"""``check --report``: the plain-language figures and review status as staff read them.

Small content folders are written in ``tmp_path``; the CLI runs in this process and the tests
read what it prints: ``path:line: warning|error: ...`` on stderr, the table or JSON on stdout.
Only the shipped-content test reads ``content/``, and only for an invariant (the cards meet the
targets), never for its sentences.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CONTENT, PROJECT

from handouts.cli import main

PRACTICE = """\
name: Praktijk Proef
phone: 012 34 56 78
website: https://www.example.org
booking_url: https://www.example.org/afspraak
"""
EASY = """\
## Het beeld

Je lichaam is een glas. Er komt elke dag water in. Soms loopt het glas over.

## Wat kan je zelf doen?

- Slaap genoeg.
- Beweeg elke dag een beetje.
"""
# 25 words, on a line of its own inside a paragraph.
LONG_SENTENCE = (
    "Als je pijn voelt na het sporten, is het goed om even te rusten en daarna rustig weer te "
    "beginnen met wandelingen in het park."
)
LONG = f"""\
## Het beeld

Je lichaam is een glas.
{LONG_SENTENCE}
Dat helpt.
"""


def write_content(root: Path, practice: str = PRACTICE) -> Path:
    (root / "metaphors").mkdir(parents=True)
    (root / "practice.yml").write_text(practice, encoding="utf-8")
    return root


def write_card(root: Path, slug: str, body: str, **front: str) -> Path:
    fields = {"title": "Een kaart", "summary": "Je lichaam is een glas.", **front}
    head = "".join(f"{key}: {value}\n" for key, value in fields.items())
    path = root / "metaphors" / f"{slug}.md"
    path.write_text(f"---\n{head}---\n\n{body}", encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    assert len(lines) == 1, (path, needle, lines)
    return lines[0]


def check(capfd: pytest.CaptureFixture[str], content: Path, *options: str) -> tuple[int, str, str]:
    """``check`` in this process: exit status, stdout and stderr."""
    capfd.readouterr()
    code = main(["check", "--content", str(content), *options])
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err, out + err
    return code, out, err


def report_json(capfd: pytest.CaptureFixture[str], content: Path) -> dict:
    code, out, _ = check(capfd, content, "--report", "--json")
    assert code == 0
    return json.loads(out)


def test_a_25_word_sentence_on_a_card_fails_strict_at_its_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    content = write_content(tmp_path / "content")
    card = write_card(content, "lang", LONG)
    where = f"{card}:{line_of(card, 'Als je pijn voelt')}"

    code, out, err = check(capfd, content, "--report", "--strict")
    assert code == 1
    assert f"{where}: error: sentence of 25 words" in err
    assert "hint: split it into shorter sentences: 'Als je pijn voelt na" in err
    assert "metaphors/lang" in out  # the table is printed all the same

    code, _, err = check(capfd, content, "--report")
    assert code == 0
    assert f"{where}: warning: sentence of 25 words" in err
    assert ": error:" not in err


def test_a_plain_easy_card_passes_strict(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    content = write_content(tmp_path / "content")
    write_card(content, "makkelijk", EASY)
    code, out, err = check(capfd, content, "--report", "--strict")
    assert code == 0, err
    assert "sentence of" not in err and "reading ease" not in err and "paragraph of" not in err
    row = next(line for line in out.splitlines() if line.startswith("metaphors/makkelijk"))
    assert "*" not in row  # no figure marked as missing a target


def test_a_long_paragraph_and_hard_words_are_located(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    content = write_content(tmp_path / "content")
    paragraph = " ".join(["Je rust uit."] * 30)  # 90 words in sentences of three
    wall = write_card(content, "muur", f"## Het beeld\n\n{paragraph}\n")
    hard = write_card(
        content,
        "moeilijk",
        "Individuele belastbaarheidsprofielen verschillen.\n"
        "Fysiotherapeutische revalidatiebegeleiding vereist multidisciplinaire samenwerkingsverbanden.\n",
    )
    code, _, err = check(capfd, content, "--strict")  # --strict alone checks the targets too
    assert code == 1
    assert f"{wall}:{line_of(wall, 'Je rust uit.')}: error: paragraph of 90 words" in err
    assert f"{wall}: error: reading ease" not in err
    # the card's hardest sentence is where to start
    assert f"{hard}:{line_of(hard, 'Fysiotherapeutische')}: error: reading ease -" in err
    assert "hint: use shorter sentences and everyday words" in err
    code, out, _ = check(capfd, content, "--report")
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("metaphors/muur "))
    assert " 90* " in row  # the figure that misses the target is marked


def test_a_high_mean_sentence_length_is_a_warning(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    content = write_content(tmp_path / "content")
    card = write_card(
        content,
        "gemiddeld",
        "Je lichaam is als een glas dat elke dag een beetje voller loopt.\n"
        "Als je goed slaapt en rust neemt, loopt het glas weer wat leeg.\n",
    )
    code, _, err = check(capfd, content, "--report")
    assert code == 0
    assert f"{card}:{line_of(card, 'als een glas dat')}: warning: sentences have 13.0 words on average" in err
    assert "sentence of" not in err  # no single sentence is over 15 words


def test_json_has_every_figure(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    content = write_content(tmp_path / "content")
    card = write_card(content, "lang", LONG)
    data = report_json(capfd, content)
    (item,) = data["items"]
    assert item["key"] == "metaphors/lang"
    assert item["path"] == str(card)
    assert item["lang"] == "nl"
    # "Het beeld" (a heading counts as a sentence), 5 words, 25 words, 2 words
    assert item["sentences"] == 4
    assert item["words"] == 34
    assert item["mean_sentence"] == pytest.approx(34 / 4)
    assert item["max_sentence"] == 25
    assert item["long_sentence_share"] == pytest.approx(0.25)
    assert item["longest_paragraph"] == 32
    assert 0 <= item["long_word_share"] < 0.2
    assert item["reading_ease"] > 0
    assert item["meets_targets"] is False
    assert item["review"]["state"] == "never"
    assert [s["line"] for s in item["long_sentences"]] == [line_of(card, "Als je pijn voelt")]
    assert data["hardest"][0]["path"] == str(card)
    assert data["hardest"][0]["line"] == line_of(card, "Als je pijn voelt")
    assert data["hardest"][0]["words"] == 25
    assert {p["severity"] for p in data["problems"]} == {"warning"}
    assert data["targets"] == {"reading_ease": 70.0, "mean_sentence": 12.0, "sentence": 15, "paragraph": 80}


def test_reading_ease_is_flesch_douma(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Counted by hand: 10 words in 2 sentences, 11 syllables (wa-ter): 206.835 - 0.93 x 5 - 77 x 1.1."""
    content = write_content(tmp_path / "content")
    write_card(content, "kat", "De kat zit op de mat.\nHet water loopt over.\n")
    (item,) = report_json(capfd, content)["items"]
    assert item["words"] == 10 and item["sentences"] == 2
    assert item["reading_ease"] == pytest.approx(206.835 - 0.93 * 5 - 77 * 1.1)


def test_markup_is_not_counted(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    content = write_content(tmp_path / "content")
    body = (
        '- **Geen paniek:** een [zenuw](https://www.example.org/zenuw "Over zenuwen") is *gevoelig*.\n'
        "- Bv. `rust` helpt.\n\n"
        '![Een tekening van een glas](../images/glas.svg "Het glas loopt over.")\n'
    )
    write_card(content, "opmaak", body)
    (content / "images").mkdir()
    (content / "images" / "glas.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8"
    )
    (item,) = report_json(capfd, content)["items"]
    # 6 + 3 + the caption's 4; no URL, no alt text, "Bv." does not end a sentence
    assert (item["sentences"], item["words"], item["max_sentence"]) == (3, 13, 6)


def test_the_text_is_read_as_it_is_printed(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """The report reads the rendered text: what the page shows as one paragraph is one, a heading
    underlined with dashes is a heading, quotes from raw HTML keep their words."""
    content = write_content(tmp_path / "content")
    body = (
        "Het beeld\n---------\n\n"  # a heading (the old reader took it for a paragraph)
        "Je doet drie dingen:\n- rust\n- beweeg\n- slaap\n\n"  # no blank line: printed as one paragraph
        'Een <span class="klein">zin met "aanhalingstekens"</span> en collega\'s.\n'
    )
    card = write_card(content, "gedrukt", body)
    data = report_json(capfd, content)
    (item,) = data["items"]
    # "Het beeld", "Je doet drie dingen: - rust - beweeg - slaap", the sentence with the span
    assert (item["sentences"], item["words"]) == (3, 2 + 7 + 6)
    assert item["longest_paragraph"] == 7  # the heading is no paragraph
    quoted = next(s for s in data["hardest"] if s["text"].startswith("Een zin"))
    assert quoted["text"] == 'Een zin met "aanhalingstekens" en collega\'s.'
    assert quoted["line"] == line_of(card, "Een <span")


def test_a_sources_heading_with_a_colon_is_left_out_as_the_handout_sets_it(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    content = write_content(tmp_path / "content")
    body = f"{EASY}\n### Bronnen :\n\n- {LONG_SENTENCE}\n"
    write_card(content, "bron", body)
    (item,) = report_json(capfd, content)["items"]
    assert item["max_sentence"] < 15  # the reference list is not counted
    # one rule for both: the handout sets the same list as its reference list (in small type)
    from handouts.markup import to_html

    assert '<ul class="bronnen-list">' in to_html(body)


def test_articles_are_reported_not_gated_and_their_sources_not_counted(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    content = write_content(tmp_path / "content")
    (content / "articles").mkdir()
    reference = " ".join(["Lehman G, Pain Guidebook, Verkregen van de website van de auteur."] * 4)
    (content / "articles" / "artikel.md").write_text(
        "---\ntitle: Een artikel\nsummary: Over pijn.\nkey_points: [Pijn is een signaal.]\n---\n\n"
        f"{LONG_SENTENCE}\n\n## Bronnen\n\n- {reference}\n",
        encoding="utf-8",
    )
    write_card(content, "glas", EASY)
    # a translation carries its original's sections and list items (the parity check)
    french = "## L\u2019image\n\nTon corps est un verre. Il se remplit chaque jour.\n\n## Que faire ?\n\n"
    write_card(content, "glas.fr", french + "- Dormez assez.\n- Bougez un peu chaque jour.\n")

    code, out, err = check(capfd, content, "--report", "--strict")
    assert code == 0, err
    assert "sentence of" not in err
    assert "articles/artikel " in out
    data = report_json(capfd, content)
    items = {item["key"]: item for item in data["items"]}
    article = items["articles/artikel"]
    assert (article["sentences"], article["max_sentence"]) == (1, 25)  # the reference list is left out
    assert article["meets_targets"] is None
    assert items["fr/metaphors/glas"]["lang"] == "fr"
    assert items["fr/metaphors/glas"]["reading_ease"] is None  # Flesch-Douma is for Dutch
    assert items["fr/metaphors/glas"]["words"] == 1 + 10 + 2 + 2 + 5
    assert all("Lehman" not in sentence["text"] for sentence in data["hardest"])


def test_review_status(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    content = write_content(tmp_path / "content", PRACTICE + "review_interval_months: 12\n")
    today = datetime.date.today()
    never = write_card(content, "nooit", EASY)
    overdue = write_card(content, "te-laat", EASY, reviewed="2020-03-01", reviewed_by="An Peeters")
    recent = write_card(
        content, "recent", EASY, reviewed=(today - datetime.timedelta(days=30)).isoformat(), reviewed_by="Tim"
    )
    nameless = write_card(content, "zonder-naam", EASY, reviewed=today.isoformat())
    dateless = write_card(content, "zonder-datum", EASY, reviewed_by="Tim")
    future = write_card(content, "toekomst", EASY, reviewed="2099-01-01", reviewed_by="Tim")

    code, out, err = check(capfd, content)  # plain check: review warnings, exit 0, no report
    assert code == 0, err
    assert out == ""
    assert f"{never}:1: warning: never reviewed by a therapist" in err
    # the same hint for two unreviewed items: printed once
    assert err.count("hint: when a therapist has read the printed handout, add 'reviewed: YYYY-MM-DD'") == 1
    assert (
        f"{overdue}:{line_of(overdue, 'reviewed:')}: warning: review overdue: reviewed on 2020-03-01 "
        "by An Peeters, more than 12 months ago"
    ) in err
    assert str(recent) not in err
    assert f"{nameless}:{line_of(nameless, 'reviewed:')}: warning: 'reviewed' without 'reviewed_by'" in err
    assert (
        f"{dateless}:{line_of(dateless, 'reviewed_by:')}: warning: never reviewed by a therapist: "
        "'reviewed_by' is given, but not the date ('reviewed')"
    ) in err
    assert f"{future}:{line_of(future, 'reviewed:')}: warning: review date 2099-01-01 is in the future" in err

    code, _, err = check(capfd, content, "--report", "--strict")  # review never gates
    assert code == 0, err

    data = report_json(capfd, content)
    states = {item["key"]: item["review"] for item in data["items"]}
    never = [p for p in data["problems"] if p["message"].startswith("never reviewed")]
    assert len(never) == 2 and all(p["hint"] for p in never)  # tools get every hint
    assert states["metaphors/nooit"]["state"] == "never"
    assert states["metaphors/te-laat"] == {
        "state": "overdue",
        "date": "2020-03-01",
        "by": "An Peeters",
        "due": "2021-03-01",
    }
    assert states["metaphors/recent"]["state"] == "current"
    assert states["metaphors/recent"]["by"] == "Tim"

    code, _, err = check(capfd, content, "-q")
    assert code == 0 and err == ""  # -q prints only errors


def test_the_table_fits_110_columns_and_names_the_hardest_sentences(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # paths print as staff see them: content/metaphors/...
    content = write_content(Path("content"))
    card = write_card(content, "een-kaart-met-een-heel-erg-lange-naam-die-niet-past", LONG)
    write_card(content, "kort", EASY, reviewed="2020-03-01", reviewed_by="Dr. Annemie Vandenbroucke-Peeters")
    code, out, _ = check(capfd, content, "--report")
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 110, out
    assert lines[0].split() == [
        "item",
        "lang",
        "Douma",
        "w/sent",
        "max",
        ">15",
        "para",
        "long",
        "w",
        "review",
    ]
    assert any("OVERDUE 2020-03-01" in line for line in lines)
    assert any("never reviewed" in line for line in lines)
    hardest = lines.index(next(line for line in lines if line.startswith("The ")))
    assert f"{card}:{line_of(card, 'Als je pijn voelt')}" in lines[hardest + 1]


def test_a_reader_that_stops_early_is_no_error(tmp_path: Path) -> None:
    """``check --report | head -1``: the pipe closes before the table is printed; no traceback."""
    content = write_content(tmp_path / "content")
    write_card(content, "glas", EASY)
    command = [sys.executable, "build.py", "check", "--content", str(content), "--report"]
    done = subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert done.stdout is not None
    done.stdout.close()  # before the report is written: textstat alone takes longer to import
    _, err = done.communicate(timeout=60)
    assert done.returncode == 0, err
    assert "Traceback" not in err and "Content OK" in err


def test_the_shipped_content_meets_the_card_targets(capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capfd, CONTENT, "--report", "--strict")
    assert code == 0, err
    rows = {line.split(" ", 1)[0]: line for line in out.splitlines()}  # by the item column
    for card in sorted((CONTENT / "metaphors").glob("*.md")):
        slug, _, lang = card.stem.partition(".")
        key = f"{lang}/metaphors/{slug}" if lang else f"metaphors/{slug}"
        assert key in rows, key  # every card is measured, translations too
        assert "*" not in rows[key]
