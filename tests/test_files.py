"""Files: the build touches only what it wrote, reads only what is inside the content folder, and
names every file so that a reader sees it as it is.

The output folder may hold the practice's own PDFs: a build removes only the PDFs its manifest
says it made, and its own leftover temporary files. A content file that is a link out of the
content folder, or a link loop, is refused and named as such. Front matter holds plain values,
never YAML tags. A file name with a line break or a bidirectional control is printed quoted, on
one line; a rename hint proposes a free name that keeps the letters. ``init`` explains a file in
its way, and accepts a fresh repository (a folder holding only ``.git``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import SAMPLE, make_content, run_cli, sample_line

CARD = "metaphors/kaart-een.md"


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """The SAMPLE content without its booklet (slow to render) and with one article and two cards."""
    return make_content(
        tmp_path, {"booklet.yml": None, "articles/artikel-twee.md": None, "metaphors/kaart-drie.md": None}
    )


def build(capfd: pytest.CaptureFixture[str], content: Path, out: Path) -> tuple[int, str]:
    return run_cli(capfd, "build", "--content", str(content), "--out", str(out), "--jobs", "1")


def check(capfd: pytest.CaptureFixture[str], content: Path) -> tuple[int, str]:
    return run_cli(capfd, "check", "--content", str(content))


# ---------------------------------------------------------------------------- the output folder


def test_pdfs_placed_by_hand_survive_the_first_build_and_later_ones_with_one_note(
    small: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dist"
    mine = [out / "articles/folder-rug.pdf", out / "metaphors/oefeningen.pdf", out / "metaphors/scan.pdf"]
    for path in mine:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.4 made by the practice\n")

    code, err = build(capfd, small, out)
    assert code == 0, err
    assert all(path.read_bytes() == b"%PDF-1.4 made by the practice\n" for path in mine)
    notes = [line for line in err.splitlines() if "did not make" in line]
    where = f"{out / 'articles'}/, {out / 'metaphors'}/"
    assert notes == [f"handouts: note: left 3 PDF(s) that handouts did not make in {where}"], err
    assert "removed" not in err

    (small / "metaphors/kaart-twee.md").unlink()  # a later build removes its own PDF only
    code, err = build(capfd, small, out)
    assert code == 0, err
    assert f"removed {out / 'metaphors/kaart-twee.pdf'}: its content is gone" in err
    assert err.count("removed") == 1 and err.count("did not make") == 1
    assert all(path.is_file() for path in mine)
    assert {p.name for p in out.rglob("*.pdf")} == {
        "artikel-een.pdf",
        "kaart-een.pdf",
        *(p.name for p in mine),
    }


def test_the_leftovers_of_a_killed_build_are_removed_and_nothing_else(
    small: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dist"
    assert build(capfd, small, out)[0] == 0
    leftovers = [
        out / "metaphors/.kaart-een.pdf.k2x_9abc.tmp",  # as write_atomic names them
        out / "articles/.artikel-een.pdf.0a1b2c3d.tmp",
        out / "..handouts-manifest.json.zz_y9x8w.tmp",
        out / ".handouts-probe.abcdefgh.tmp",
    ]
    others = [out / "metaphors/.notities.tmp", out / ".scan.pdf.tmp", out / "eigen/.x.pdf.abcdefgh.tmp"]
    for path in leftovers + others:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.7 half")

    code, err = build(capfd, small, out)  # nothing changed: still its own leftovers go
    assert code == 0, err
    assert [p for p in leftovers if p.exists()] == []
    assert all(p.is_file() for p in others)


# ---------------------------------------------------------------------------- links


def test_a_link_out_of_the_content_folder_is_refused(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    content = make_content(tmp_path)
    secret = tmp_path / "elders" / ("diep/" * 12) / "geheim.md"
    secret.parent.mkdir(parents=True)
    secret.write_text(SAMPLE[CARD].replace("De eerste kaart", "Geheime tekst"), encoding="utf-8")
    (content / "metaphors/geheim.md").symlink_to(secret)
    (content / "practice.yml").rename(tmp_path / "practice.yml")
    (content / "practice.yml").symlink_to(tmp_path / "practice.yml")

    code, err = check(capfd, content)
    assert code == 1, err
    shown = "…" + ("elders/" + "diep/" * 12 + "geheim.md")[-59:]  # shortened: its end says most
    assert f"content/metaphors/geheim.md: error: a link to '{shown}', outside the content folder" in err
    assert "content/practice.yml: error: a link to 'practice.yml', outside the content folder" in err
    assert "hint: copy the file into the content folder instead of linking to it" in err
    assert "Geheime tekst" not in err


def test_a_link_loop_is_called_a_loop(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    content = make_content(tmp_path)
    (content / "metaphors/lus.md").symlink_to("lus2.md")
    (content / "metaphors/lus2.md").symlink_to("lus.md")
    (content / "images/lus.svg").symlink_to("lus.svg")
    (content / "theme.css").symlink_to("theme.css")
    card = SAMPLE[CARD].replace("## Het beeld", "![Een lus](../images/lus.svg)\n\n## Het beeld")
    (content / CARD).write_text(card, encoding="utf-8")
    code, err = check(capfd, content)
    assert code == 1, err
    assert "content/metaphors/lus.md: error: a link that leads back to itself (a loop)" in err
    assert "image '../images/lus.svg' is a link that leads back to itself (a loop)" in err
    assert "content/theme.css: error: a link that leads back to itself (a loop)" in err
    assert "does not exist" not in err and "not found" not in err


# ---------------------------------------------------------------------------- front matter


def test_a_yaml_tag_in_front_matter_is_refused_at_its_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    content = make_content(tmp_path, {CARD: SAMPLE[CARD].replace("order: 1", "order: !!timestamp 2")})
    code, err = check(capfd, content)
    assert code == 1, err
    line = sample_line(CARD, "order:")
    assert (
        f"content/{CARD}:{line}: error: invalid value for 'order': "
        "YAML tags like !!timestamp are not allowed; write a plain value"
    ) in err


# ---------------------------------------------------------------------------- names in messages


def test_a_rename_hint_proposes_a_free_name_that_keeps_the_letters(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    content = make_content(
        tmp_path,
        {
            "metaphors/glas-water.md": SAMPLE[CARD],
            "metaphors/Glas-water.md": SAMPLE[CARD],
            "metaphors/café.md": SAMPLE[CARD],
        },
    )
    code, err = check(capfd, content)
    assert code == 1, err
    assert "rename it to 'glas-water-2.md'" in err, err
    assert "rename it to 'cafe.md'" in err, err


def test_a_file_name_too_long_for_its_output_is_refused_by_check_as_by_build(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 250-character slug passed check, and build failed writing it ("File name too long")."""
    monkeypatch.chdir(tmp_path)
    long = "-".join(["kaart"] * 42)[:250].strip("-")
    content = make_content(tmp_path, {f"metaphors/{long}.md": SAMPLE[CARD]})
    code, err = check(capfd, content)
    assert code == 1, err
    assert "file name too long for an output file (" in err and "at most 120" in err


def test_a_name_with_a_line_break_or_a_bidi_control_is_printed_quoted_on_one_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    content = make_content(
        tmp_path, {"metaphors/kaart\nvier.md": SAMPLE[CARD], "metaphors/kaart\u202efdp.md": SAMPLE[CARD]}
    )
    code, err = check(capfd, content)
    assert code == 1, err
    assert "\u202e" not in err
    lines = err.splitlines()
    assert (
        "'content/metaphors/kaart\\nvier.md': error: file name 'kaart\\nvier.md' is not a valid slug" in lines
    )
    assert (
        "'content/metaphors/kaart\\u202efdp.md': error: file name 'kaart\\u202efdp.md' is not a valid slug"
        in lines
    )
    assert not any(line.startswith("vier.md") for line in lines)


# ---------------------------------------------------------------------------- init


def test_init_into_a_file_says_it_is_a_file(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("notities.txt").write_text("van mij", encoding="utf-8")
    code, err = run_cli(capfd, "init", "notities.txt")
    assert code == 2
    assert "handouts: error: 'notities.txt' is a file, not a folder" in err
    assert "hint: give the name of a new folder" in err
    assert Path("notities.txt").read_text(encoding="utf-8") == "van mij"


def test_init_into_a_fresh_repository_keeps_its_git_folder(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "praktijk/.git").mkdir(parents=True)
    (tmp_path / "praktijk/.git/HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    code, err = run_cli(capfd, "init", "praktijk")
    assert code == 0, err
    assert (tmp_path / "praktijk/practice.yml").is_file()
    assert (tmp_path / "praktijk/.git/HEAD").read_text(encoding="utf-8") == "ref: refs/heads/main\n"
    (tmp_path / "ander/.git").mkdir(parents=True)
    (tmp_path / "ander/README.md").write_text("x", encoding="utf-8")
    code, err = run_cli(capfd, "init", "ander")
    assert code == 2
    assert "'ander' exists and is not empty" in err
    assert "hint: give a new folder, an empty one, or a fresh git repository" in err
    assert os.listdir(tmp_path / "ander") in (["README.md", ".git"], [".git", "README.md"])
