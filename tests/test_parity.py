"""Translation parity: a translation that drops a section, a list item, a number or the phone
number is an error naming the translation, the line in the original and what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CONTENT

from handouts.parity import number_key, parity_problems, tokens, translation_problems

ORIGINAL = """\
---
title: De pijnschaal
summary: Pijn tot 5 op 10 is oké.
illustration_alt: Een schaal van 0 tot 10.
---

## Het beeld

We gebruiken een schaal van 0 tot 10.

## Wat kan je zelf doen?

- Geef je pijn een cijfer.
- Wandel 500 meter per dag.
- Gaat de pijn boven 5? Bel 0485/26 43 15.
"""

TRANSLATION = """\
---
# Translation: not yet reviewed by a therapist.
title: L'échelle de la douleur
summary: Une douleur jusqu'à 5 sur 10 est acceptable.
illustration_alt: Une échelle de 0 à 10.
---

## L'image

Nous utilisons une échelle de 0 à 10.

## Ce que vous pouvez faire

- Donnez une note à votre douleur.
- Marchez 500 mètres par jour.
- La douleur dépasse 5 ? Appelez le 0485/26 43 15.
"""

WHERE = "content/metaphors/kaart.fr.md"


def problems_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, translation: str, original: str = ORIGINAL
) -> list[str]:
    """Parity of one card pair written into a content folder, as printed by ``check``."""
    content = tmp_path / "content"
    (content / "metaphors").mkdir(parents=True)
    (content / "metaphors" / "kaart.md").write_text(original, encoding="utf-8")
    (content / "metaphors" / "kaart.fr.md").write_text(translation, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    found = parity_problems(Path("content"))
    assert all(problem.is_error for problem in found)
    return [str(problem).split("\n")[0] for problem in found]


def test_a_faithful_translation_has_no_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert problems_for(tmp_path, monkeypatch, TRANSLATION) == []


def test_a_dropped_bullet_names_it_its_number_and_the_phone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped = TRANSLATION.replace("- La douleur dépasse 5 ? Appelez le 0485/26 43 15.\n", "")
    assert problems_for(tmp_path, monkeypatch, dropped) == [
        f'{WHERE}:12: error: the section "## Ce que vous pouvez faire" has 2 list items where kaart.md:11 '
        '("## Wat kan je zelf doen?") has 3; the one dropped is perhaps kaart.md:15 '
        '("Gaat de pijn boven 5? Bel 0485/26 43 15.")',
        f"{WHERE}:12: error: missing the number '5' of kaart.md:15 (\"Gaat de pijn boven 5...\")",
        f"{WHERE}:12: error: missing the phone number '0485/26 43 15' of kaart.md:15 "
        '("Gaat de pijn boven 5? Bel 0485/26 43 15...")',
    ]


def test_a_dropped_number_names_the_line_of_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped = TRANSLATION.replace("Marchez 500 mètres par jour.", "Marchez un peu chaque jour.")
    assert problems_for(tmp_path, monkeypatch, dropped) == [
        f"{WHERE}:15: error: missing the number '500' of kaart.md:14 (\"Wandel 500...\")",
    ]


def test_a_dropped_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dropped = TRANSLATION.replace("## L'image\n\nNous utilisons une échelle de 0 à 10.\n\n", "")
    assert problems_for(tmp_path, monkeypatch, dropped) == [
        f"{WHERE}:8: error: 1 section ('## ' headings) where kaart.md has 2; the one dropped is perhaps "
        'kaart.md:7 ("## Het beeld")',
        f"{WHERE}:8: error: missing the number '0' of kaart.md:9 (\"We gebruiken een schaal van 0...\")",
        f"{WHERE}:8: error: missing the number '10' of kaart.md:9 "
        '("We gebruiken een schaal van 0 tot 10...")',
    ]


def test_a_dropped_phone_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dropped = TRANSLATION.replace("Appelez le 0485/26 43 15.", "Appelez-nous.")
    assert problems_for(tmp_path, monkeypatch, dropped) == [
        f"{WHERE}:16: error: missing the phone number '0485/26 43 15' of kaart.md:15 "
        '("Gaat de pijn boven 5? Bel 0485/26 43 15...")',
    ]


def test_an_extra_item(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = TRANSLATION + "- Reposez-vous bien.\n"
    assert problems_for(tmp_path, monkeypatch, extra) == [
        f'{WHERE}:12: error: the section "## Ce que vous pouvez faire" has 4 list items where kaart.md:11 '
        '("## Wat kan je zelf doen?") has 3; the extra one is perhaps line 17 ("Reposez-vous bien.")',
    ]


def test_front_matter_numbers_and_key_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = ORIGINAL.replace("---\n\n", "key_points:\n  - Pijn tot 5 is oké.\n  - Beweeg.\n---\n\n", 1)
    translation = TRANSLATION.replace("jusqu'à 5 sur 10", "modérée").replace(
        "---\n\n", "key_points:\n  - Bougez.\n---\n\n", 1
    )
    assert problems_for(tmp_path, monkeypatch, translation, original) == [
        f"{WHERE}:6: error: 1 key point where kaart.md:5 has 2",
        f"{WHERE}:4: error: missing the number '5' of kaart.md:3 (\"Pijn tot 5...\")",
        f"{WHERE}:4: error: missing the number '10' of kaart.md:3 (\"Pijn tot 5 op 10...\")",
        f"{WHERE}:6: error: missing the number '5' of kaart.md:6 (\"Pijn tot 5...\")",
    ]


def test_numbers_are_values_whatever_the_language_writes_around_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = ORIGINAL.replace(
        "We gebruiken een schaal van 0 tot 10.", "2 à 3 keer, 10%, 24/7, 0,5 liter, 1.000 stappen."
    )
    translation = TRANSLATION.replace(
        "Nous utilisons une échelle de 0 à 10.", "2 to 3 times, 10 %, 24/7, 0.5 litre, 1 000 steps."
    ).replace("0485/26 43 15", "+32 485 26 43 15")
    assert problems_for(tmp_path, monkeypatch, translation, original) == []


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("2 à 3", ["2", "3"]),
        ("10%", ["10"]),
        ("24/7", ["24", "7"]),
        ("60-80%", ["60", "80"]),
        ("in 2015 500 meter", ["2015", "500"]),
        ("bel 0485/26 43 15", ["tel:85264315"]),
        ("![5 op 10](../images/x2.svg)", ["5", "10"]),
        ("www.kine-tim.be/blog2 of 7", ["7"]),
    ],
)
def test_tokens(text: str, keys: list[str]) -> None:
    assert [token.key for token in tokens(text, 1)] == keys


def test_number_keys() -> None:
    assert number_key("1.000") == number_key("1 000") == number_key("1,000") == "1000"
    assert number_key("0,5") == number_key("0.5") == "0.5"
    assert number_key("05") == "5"


def test_the_per_pair_function_reads_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    found = translation_problems(
        Path("kaart.md"), ORIGINAL, Path("x/kaart.en.md"), TRANSLATION.replace("500", "")
    )
    assert [f"{p.path}:{p.line}" for p in found] == ["x/kaart.en.md:15"]


def test_the_shipped_translations_carry_what_their_originals_carry() -> None:
    """Fails on the French pain-scale card as it was (without its escalation rule)."""
    assert [str(problem) for problem in parity_problems(CONTENT)] == []


def test_the_shipped_pain_scale_card_without_its_rule_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    original = CONTENT / "metaphors" / "pijnschaal.md"
    translation = CONTENT / "metaphors" / "pijnschaal.fr.md"
    text = translation.read_text(encoding="utf-8")
    rule = next(line for line in text.splitlines() if "0485/26 43 15" in line)
    found = translation_problems(
        original, original.read_text(encoding="utf-8"), translation, text.replace(rule, "")
    )
    messages = [problem.message for problem in found]
    assert any("has 3 list items where" in message for message in messages), messages
    assert any(message.startswith("missing the number '5' of pijnschaal.md:") for message in messages), (
        messages
    )
    assert any(message.startswith("missing the phone number '0485/26 43 15'") for message in messages), (
        messages
    )


def test_check_and_build_refuse_a_translation_that_drops_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shipped French pain-scale card without its escalation rule: ``check`` fails naming it,
    and ``build`` makes the Dutch card but not the French one (its last good PDF would stay)."""
    import shutil

    from handouts.cli import main

    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    card = content / "metaphors" / "pijnschaal.fr.md"
    lines = card.read_text(encoding="utf-8").splitlines(keepends=True)
    rule = [line for line in lines if line.startswith("- ") and "5" in line and "0485" in line]
    assert len(rule) == 1, rule
    card.write_text("".join(line for line in lines if line not in rule), encoding="utf-8")
    assert main(["check", "--content", str(content), "-q"]) == 1
    err = capsys.readouterr().err
    assert "content/metaphors/pijnschaal.fr.md" in err and "missing the number '5'" in err
    out = tmp_path / "dist"
    status = main(
        ["build", "--content", str(content), "--out", str(out), "-q", "pijnschaal", "fr/metaphors/pijnschaal"]
    )
    assert status == 1
    assert (out / "metaphors" / "pijnschaal.pdf").is_file()
    assert not (out / "fr" / "metaphors" / "pijnschaal.pdf").exists()
