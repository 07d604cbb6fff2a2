"""Unbreakable builds: no input, fault or second build crashes a build, leaks a file into a PDF,
or leaves processes behind.

Every value of the content is untrusted: each bad input below is answered with the usual
``file:line: error:`` and a hint, by ``check`` and by the build, and the other items still
build. The content here is tiny (one article, two cards, a booklet) and written here, so that
no test depends on the shipped texts.
"""

from __future__ import annotations

import errno
import fcntl
import io
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PROJECT, run_cli
from mutate import ARTICLE, BOOKLET, CARD, PRACTICE, make_content
from PIL import Image
from pypdf import PdfReader

from handouts import content as content_module
from handouts.paths import STYLES
from handouts.pdf import RenderJob, render


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return make_content(tmp_path / "content")


def set_front(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (old, path)
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_in(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


PROBLEM_RE = re.compile(r"^(?P<path>\S.*?)(?::(?P<line>\d+))?: (?P<severity>error|warning): (?P<message>.*)$")


def problems(err: str) -> list[tuple[str, int | None, str, str]]:
    """(path, line, severity, message + hint) of every problem printed."""
    found: list[tuple[str, int | None, str, str]] = []
    for line in err.splitlines():
        if match := PROBLEM_RE.match(line):
            number = int(match["line"]) if match["line"] else None
            found.append((match["path"], number, match["severity"], match["message"]))
        elif line.startswith("    hint: ") and found:
            path, number, severity, text = found[-1]
            found[-1] = (path, number, severity, f"{text}\nhint: {line.strip()[6:]}")
    return found


# ---------------------------------------------------------------------------- 1. untrusted values


@dataclass(frozen=True)
class Bad:
    id: str
    file: str  # relative to content/
    old: str  # replaced once by ``new`` in that file ("" appends)
    new: str
    line_of: str | None  # the reported line is the first line containing this (None: no line)
    says: str  # in the message


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
    for prev, name in zip(["", "a", "b", "c", "d", "e", "f", "g"], "abcdefgh", strict=True)
)
LONG_URL = "https://www.example.be/" + "x" * 3000

BAD_VALUES = [
    Bad(
        "int-tag",
        "metaphors/kaart.md",
        "title: Een kaart",
        "title: !!int abc",
        "title:",
        "YAML tags like !!int",
    ),
    Bad(
        "float-tag", "metaphors/kaart.md", "order: 1", "order: !!float x", "order:", "YAML tags like !!float"
    ),
    Bad(
        "bool-tag",
        "metaphors/kaart.md",
        "title: Een kaart",
        "title: !!bool maybe",
        "title:",
        "YAML tags like !!bool",
    ),
    Bad(
        "timestamp-tag",
        "articles/artikel.md",
        "url:",
        "reviewed: !!timestamp x\nurl:",
        "reviewed:",
        "YAML tags like !!timestamp",
    ),
    Bad(
        "seq-tag",
        "metaphors/kaart.md",
        "title: Een kaart",
        "title: !!seq abc",
        "title:",
        "YAML tags like !!seq",
    ),
    Bad(
        "map-tag",
        "metaphors/kaart.md",
        "title: Een kaart",
        "title: !!map abc",
        "title:",
        "YAML tags like !!map",
    ),
    Bad(
        "unknown-tag",
        "metaphors/kaart.md",
        "title: Een kaart",
        "title: !pijn abc",
        "title:",
        "YAML tags like !pijn are not allowed",
    ),
    Bad("list-key", "metaphors/kaart.md", "order: 1", "order: 1\n[a, b]: x", "[a, b]", "not a list '[a, b]'"),
    Bad("map-key", "metaphors/kaart.md", "order: 1", "order: 1\n? {a: 1}\n: x", "? {a", "fields '{a: 1}'"),
    Bad("bool-key", "metaphors/kaart.md", "order: 1", "order: 1\ntrue: x", "true:", "unknown field 'true'"),
    Bad("null-key", "metaphors/kaart.md", "order: 1", "order: 1\n~: x", "~:", "unknown field '~'"),
    Bad(
        "ipv6-url",
        "articles/artikel.md",
        "url: https://www.example.be/blog/artikel",
        "url: http://[::1",
        "url:",
        "not a valid web address",
    ),
    Bad(
        "url-too-long-for-a-qr-code",
        "articles/artikel.md",
        "url: https://www.example.be/blog/artikel",
        f"url: {LONG_URL}",
        "url:",
        "too long for a QR code",
    ),
    Bad("huge-integer", "metaphors/kaart.md", "order: 1", "order: " + "9" * 5000, "order:", "whole number"),
    Bad(
        "huge-integer-text",
        "metaphors/kaart.md",
        "order: 1",
        "order: '" + "9" * 5000 + "'",
        "order:",
        "whole number",
    ),
    Bad(
        "file-name-too-long",
        "metaphors/kaart.md",
        "illustration: images/beeld.svg",
        "illustration: images/" + "a" * 300 + ".svg",
        "illustration:",
        "longer than 255 bytes",
    ),
    Bad(
        "nul-in-illustration",
        "metaphors/kaart.md",
        "illustration: images/beeld.svg",
        'illustration: "images/be\\0eld.svg"',
        "illustration:",
        "control character U+0000",
    ),
    Bad(
        "nul-in-reference-image",
        "metaphors/kaart.md",
        "- Beweeg elke dag.",
        "- Beweeg elke dag.\n\n![x][beeld]\n\n[beeld]: ../images/be\0eld.svg",
        "[beeld]: ",
        "U+0000",
    ),
    Bad(
        "alias-bomb", "metaphors/kaart.md", "order: 1", "order: 1\n" + BOMB + "tags: *h", "h: &h", "too large"
    ),
    Bad(
        "control-character-in-text",
        "metaphors/kaart.md",
        "Een korte tekst.",
        "Een korte\x07 tekst.",
        "Een korte",
        "control character U+0007",
    ),
    Bad(
        "control-character-in-yaml",
        "metaphors/kaart.md",
        "title: Een kaart",
        'title: "Een\\x01 kaart"',
        "title:",
        "control character U+0001",
    ),
    Bad(
        "raw-control-character-in-yaml",
        "metaphors/kaart.md",
        "title: Een kaart",
        "title: Een\x01 kaart",
        "title:",
        "control character U+0001",
    ),
    Bad(
        "deep-blockquotes",
        "metaphors/kaart.md",
        "Een korte tekst.",
        ">" * 3000 + " diep",
        ">>>>",
        "nested too deeply",
    ),
    Bad(
        "nested-lists",
        "metaphors/kaart.md",
        "- Beweeg elke dag.",
        "\n".join("  " * i + "- x" for i in range(40)),
        "- x",
        "nested too deeply",
    ),
    Bad(
        "javascript-link",
        "metaphors/kaart.md",
        "Een korte tekst.",
        "Een [klik](javascript:alert(1)) tekst.",
        "javascript:",
        "uses 'javascript:'",
    ),
    Bad(
        "file-link",
        "metaphors/kaart.md",
        "Een korte tekst.",
        "Een [x](file:///etc/passwd) tekst.",
        "file:",
        "uses 'file:'",
    ),
    Bad(
        "local-file-link",
        "metaphors/kaart.md",
        "Een korte tekst.",
        "Zie [dit](../practice.yml).",
        "practice.yml",
        "points to a file",
    ),
    Bad(
        "raw-html-link-split-over-lines",
        "metaphors/kaart.md",
        "Een korte tekst.",
        '<a\nhref="data:text/html,x">x</a>',
        'href="data',
        "uses 'data:'",
    ),
    Bad(
        "booklet-int-tag", "booklet.yml", "title: Beelden", "title: !!int x", "!!int", "YAML tags like !!int"
    ),
    Bad(
        "booklet-items-map-tag",
        "booklet.yml",
        "  - title: Lezen\n    items:\n      - articles/artikel",
        "  - title: Lezen\n    items: !!map x",
        "!!map",
        "YAML tags like !!map",
    ),
    Bad(
        "booklet-list-key",
        "booklet.yml",
        "  - title: Lezen",
        "  - [a]: 1\n    title: Lezen",
        "[a]",
        "not a list '[a]'",
    ),
    Bad(
        "booklet-item-tag",
        "booklet.yml",
        "- articles/artikel",
        "- !!int artikel",
        "!!int",
        "YAML tags like !!int",
    ),
    Bad(
        "booklet-item-list",
        "booklet.yml",
        "- articles/artikel",
        "- [articles/artikel]",
        "- [articles",
        "must be a name",
    ),
    Bad(
        "booklet-alias-bomb",
        "booklet.yml",
        "intro: Een kort boekje.",
        BOMB + "intro: *h",
        "h: &h",
        "too large",
    ),
    Bad(
        "booklet-duplicate-item",
        "booklet.yml",
        "      - articles/artikel",
        "      - articles/artikel\n      - metaphors/kaart",
        None,
        "is already in the booklet (line 6)",
    ),
    Bad(
        "booklet-empty-section",
        "booklet.yml",
        "  - title: Lezen\n    items:\n      - articles/artikel",
        "  - title: Lezen\n    items: []\n  - title: Meer\n    items:\n      - articles/artikel",
        "items: []",
        "has no items",
    ),
    Bad(
        "booklet-top-level-list", "booklet.yml", BOOKLET, "- metaphors/kaart\n", "- metaphors", "found a list"
    ),
    Bad("practice-top-level-list", "practice.yml", PRACTICE, "- name\n- phone\n", "- name", "found a list"),
    Bad(
        "practice-wrong-types",
        "practice.yml",
        "name: Praktijk Test",
        "name: [Praktijk, Test]",
        "name:",
        "'name' must be text, not a list",
    ),
    Bad(
        "practice-port",
        "practice.yml",
        "website: https://www.example.be",
        "website: https://a.be:99999",
        "website:",
        "not a valid web address",
    ),
]


def apply(bad: Bad, content: Path) -> int | None:
    path = content / bad.file
    text = path.read_text(encoding="utf-8")
    assert text.count(bad.old) == 1, (bad.id, bad.old)
    path.write_text(text.replace(bad.old, bad.new), encoding="utf-8")
    if bad.line_of is None:
        return None
    return line_in(path, bad.line_of)


@pytest.mark.parametrize("bad", BAD_VALUES, ids=[b.id for b in BAD_VALUES])
def test_an_untrusted_value_is_a_content_error_with_its_line_and_a_hint(
    bad: Bad, tiny: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tiny.parent)
    line = apply(bad, tiny)
    if bad.id == "booklet-duplicate-item":
        line = len((tiny / bad.file).read_text(encoding="utf-8").splitlines())  # the second one
        assert line == 11
    code, err = run_cli(capfd, "check", "--content", "content")
    assert code == 1, err
    found = [p for p in problems(err) if p[0] == f"content/{bad.file}" and p[2] == "error"]
    assert any(p[1] == line and bad.says in p[3] for p in found), f"{bad.says!r} at line {line}:\n{err}"
    assert all("\nhint: " in p[3] for p in found), err  # every error says what to do
    assert "ScalarNode" not in err and "Node(" not in err
    assert len(err) < 3000, "a user value was echoed unbounded"
    assert all(len(line) < 400 for line in err.splitlines()), err


def test_valid_items_still_build_beside_every_bad_value(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """One build with many broken cards: each is an error on its file, the good ones are built."""
    content = make_content(tmp_path / "content", booklet=False)
    chosen = [b for b in BAD_VALUES if b.file == "metaphors/kaart.md"]
    for number, bad in enumerate(chosen):
        card = content / f"metaphors/kapot-{number}.md"
        card.write_text(CARD.replace(bad.old, bad.new) if bad.old else CARD + bad.new, encoding="utf-8")
    out = tmp_path / "out"
    code, err = run_cli(capfd, "build", "--content", str(content), "--out", str(out), "--jobs", "1", "-q")
    assert code == 1, err
    assert {p.relative_to(out).as_posix() for p in out.rglob("*.pdf")} == {
        "articles/artikel.pdf",
        "metaphors/kaart.pdf",
        "metaphors/tweede.pdf",
    }, err
    broken = {p[0] for p in problems(err) if p[2] == "error"}
    assert broken == {str(content / f"metaphors/kapot-{n}.md") for n in range(len(chosen))}, err


def test_a_list_key_prints_readably(tiny: Path) -> None:
    set_front(tiny / "metaphors/kaart.md", "order: 1", "order: 1\n[een, twee]: x")
    data = content_module.load(tiny)
    [problem] = [p for p in data.problems if p.path.endswith("kaart.md")]
    assert problem.message == "a field name must be a word, not a list '[een, twee]'"


@pytest.mark.parametrize("kind", ["dangling-symlink", "named-pipe", "folder-named-md"])
def test_a_file_that_is_not_a_regular_file_is_an_error_and_never_hangs(
    tiny: Path, tmp_path: Path, kind: str
) -> None:
    target = tiny / "metaphors/vreemd.md"
    if kind == "dangling-symlink":
        target.symlink_to(tmp_path / "weg.md")
        says, hint = "a link to", "remove the link"
    elif kind == "named-pipe":
        os.mkfifo(target)
        says, hint = "not a regular file", "replace it"
    else:
        (tiny / "metaphors/map.md").mkdir()
        target = tiny / "metaphors/map.md"
        says, hint = "", ""
    # In a separate process: a hang must fail the test, not freeze it.
    done = subprocess.run(
        [sys.executable, "build.py", "check", "--content", str(tiny)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr
    if not says:  # a folder is not an item: ignored
        assert done.returncode == 0, done.stderr
        return
    assert done.returncode == 1, done.stderr
    assert f"{target}: error: {says}" in done.stderr
    assert f"hint: {hint}" in done.stderr


def test_a_5000_letter_word_is_a_warning_with_its_line(tiny: Path) -> None:
    """The style breaks an over-long word anywhere, as a last resort: the writer is told where."""
    card = tiny / "metaphors/kaart.md"
    set_front(card, "Een korte tekst.", "Een korte tekst.\n\n" + "a" * 5000)
    data = content_module.load(tiny)
    [problem] = data.problems
    assert (problem.severity, problem.line) == ("warning", line_in(card, "aaaa"))
    assert (
        "a word of 5000 characters ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…') is too long for a line"
        in problem.message
    )
    assert "metaphors/kaart" in data.items  # still built


def test_a_valid_item_in_no_section_is_a_warning_and_the_booklet_still_builds(tiny: Path) -> None:
    (tiny / "booklet.yml").write_text(BOOKLET.replace("      - metaphors/tweede\n", ""), encoding="utf-8")
    data = content_module.load(tiny)
    assert data.booklet is not None
    [problem] = data.problems
    assert problem.severity == "warning"
    assert problem.line == line_in(tiny / "booklet.yml", "sections:")
    assert "'metaphors/tweede' is in no section" in problem.message


def png_bytes() -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (40, 20), (30, 120, 60)).save(image, "PNG")
    return image.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("kapot.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "cannot be drawn"),
        ("kapot.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><rect", "not a valid SVG file"),
        ("geen.svg", b"<html><body>x</body></html>", "is not an SVG image"),
        (
            "entiteiten.svg",
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b"<svg xmlns='http://www.w3.org/2000/svg'><text>&b;</text></svg>",
            "DOCTYPE or entities",
        ),
        ("tekst.txt", b"geen beeld", "not an image file"),
        ("half.png", png_bytes()[:60], "cannot be drawn"),
    ],
)
def test_a_corrupt_or_hostile_image_is_refused_at_check_saying_what_is_wrong(
    tiny: Path, name: str, data: bytes, says: str
) -> None:
    (tiny / "images" / name).write_bytes(data)
    set_front(tiny / "metaphors/kaart.md", "illustration: images/beeld.svg", f"illustration: images/{name}")
    card = tiny / "metaphors/kaart.md"
    set_front(card, "Een korte tekst.", f"Een korte tekst.\n\n![x](../images/{name})")
    data_ = content_module.load(tiny)
    found = {(p.line, p.message) for p in data_.problems if p.path.endswith("kaart.md")}
    assert any(line == line_in(card, "illustration:") and says in m for line, m in found), found
    assert any(line == line_in(card, f"![x](../images/{name})") and says in m for line, m in found), found
    assert "metaphors/kaart" not in data_.items


def test_a_png_image_is_accepted(tiny: Path) -> None:
    (tiny / "images/foto.png").write_bytes(png_bytes())
    set_front(tiny / "metaphors/kaart.md", "illustration: images/beeld.svg", "illustration: images/foto.png")
    data = content_module.load(tiny)
    assert data.problems == () and "metaphors/kaart" in data.items


# ---------------------------------------------------------------------------- render-time messages


def uri(content: Path) -> str:
    return content.resolve().as_uri() + "/"


def render_job(content: Path, body: str, parts: tuple[tuple[Path, str], ...] = ()) -> RenderJob:
    html = f'<html lang="nl">\n<head><title>t</title></head>\n<body>\n{body}\n</body>\n</html>\n'
    source = content / "booklet.yml"
    return RenderJob(
        key="booklet-test",
        files=("test.pdf",),
        source=source,
        source_text=source.read_text(encoding="utf-8"),
        html=html,
        base_url=content.resolve().as_uri() + "/",
        stylesheets=("article.css",),
        roots=(content.resolve(), STYLES),
        identifier=b"0" * 32,
        source_date_epoch=946684800,
        parts=parts,
    )


def test_a_render_error_in_the_booklet_is_blamed_on_the_item_that_asked(tiny: Path) -> None:
    card = tiny / "metaphors/kaart.md"
    card.write_text(card.read_text(encoding="utf-8") + "\n![x](../images/weg.svg)\n", encoding="utf-8")
    job = render_job(
        tiny,
        f'<p>x</p><img alt="x" src="{uri(tiny)}images/weg.svg">',
        parts=((card, card.read_text(encoding="utf-8")),),
    )
    result = render(job)
    assert result.outputs is None
    [problem] = result.problems
    assert problem.path.endswith("metaphors/kaart.md"), problem
    assert problem.line == line_in(card, "weg.svg")
    assert "images/weg.svg" in problem.message and ".handouts-content" not in problem.message


def test_an_image_the_renderer_cannot_read_says_why(tiny: Path) -> None:
    """Validation refuses a damaged image; should one reach the renderer, its message is not empty."""
    (tiny / "images/kapot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    result = render(render_job(tiny, f'<p>x</p><img alt="x" src="{uri(tiny)}images/kapot.png">'))
    assert result.outputs is None
    [problem] = result.problems
    assert re.search(r"Failed to load image at '\S*images/kapot\.png': \S", problem.message), problem
    assert problem.hint


# ---------------------------------------------------------------------------- internal errors


def test_an_internal_error_exits_3_with_an_apology_not_a_traceback(
    tiny: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(content_module, "load", broken)
    for command in (["check"], ["build", "--out", str(tmp_path / "out"), "--jobs", "1"]):
        code, err = run_cli(capfd, *command, "--content", str(tiny))
        assert code == 3, err
        assert "internal error (a bug in handouts, not in your content), sorry" in err
        assert "ZeroDivisionError" in err and "please report it" in err
        assert len(err.strip().splitlines()) == 2, err


def test_a_bug_while_rendering_exits_3_and_the_rest_still_builds(
    tiny: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from handouts import pdf

    real = pdf._render

    def buggy(job: RenderJob) -> pdf.RenderResult:
        if job.key == "metaphors/tweede":
            raise KeyError("simulated bug")
        return real(job)

    monkeypatch.setattr(pdf, "_render", buggy)
    (tiny / "booklet.yml").unlink()
    out = tmp_path / "out"
    code, err = run_cli(capfd, "build", "--content", str(tiny), "--out", str(out), "--jobs", "1")
    assert code == 3, err
    assert "internal error while rendering: KeyError" in err and "please report" in err
    assert {p.name for p in out.rglob("*.pdf")} == {"artikel.pdf", "kaart.pdf"}


def test_watch_survives_a_bug_in_a_rebuild(
    tiny: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from handouts import cli, watch

    calls = []

    def rebuild(*args: object, **kwargs: object) -> int:
        calls.append(1)
        if len(calls) == 2:
            raise RecursionError("simulated bug")
        return 0

    def two_saves(*folders: object, **kwargs: object) -> object:
        yield {(1, str(tiny / "metaphors/kaart.md"))}
        yield {(1, str(tiny / "metaphors/kaart.md"))}

    monkeypatch.setattr(cli, "run_build", rebuild)
    monkeypatch.setattr(watch.watchfiles, "watch", two_saves)
    code, err = run_cli(capfd, "watch", "--content", str(tiny), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert code == 0, err  # the saves ran out: in real life, watch goes on until Ctrl-C
    assert len(calls) == 3, err  # the first build, the broken rebuild, and the next one
    assert "internal error" in err and "RecursionError" in err


# ---------------------------------------------------------------------------- 2. attachments


def embedded_files(pdf: bytes) -> list[str]:
    """What a PDF carries as files: names in /EmbeddedFiles, and file attachment annotations."""
    reader = PdfReader(io.BytesIO(pdf))
    found = list(reader.attachments)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            if annotation.get_object().get("/Subtype") == "/FileAttachment":
                found.append("annotation")
    return found


ATTACHING_BODIES = [
    '<p><a rel="attachment" href="../practice.yml">Bijlage</a></p>',
    '<p><a rel="nofollow attachment" href="../images/beeld.svg">Bijlage</a></p>',
    '<p><a\nhref="../images/beeld.svg"\nrel="noopener\n ATTACHMENT">Bijlage</a></p>',
    '<link rel="attachment" href="../images/beeld.svg"><p>x</p>',
    '<link rel="attachment icon" href="../practice.yml"><p>x</p>',
]


@pytest.mark.parametrize("body", ATTACHING_BODIES)
def test_the_renderer_refuses_attachments_and_no_pdf_carries_a_file(tiny: Path, body: str) -> None:
    job = render_job(tiny, body.replace("../", uri(tiny)))
    result = render(job)
    assert result.outputs is None, "an attachment was rendered"
    assert any("rel=attachment" in p.message for p in result.problems), result.problems


def test_the_renderer_embeds_nothing_even_with_its_refusals_ignored(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were the refusals not reported (a bug), the PDF written would still carry no file."""
    from handouts import pdf

    monkeypatch.setattr(pdf, "_attachment_problems", lambda job, refused: [])
    monkeypatch.setattr(pdf, "_problems", lambda job, refused, messages: [])
    (tiny / "images/beeld.css").write_text("p { color: black }", encoding="utf-8")  # allowed: a stylesheet
    written = []
    for body in [*ATTACHING_BODIES, '<p><a rel="attachment" href="../images/beeld.css">x</a></p>']:
        result = render(render_job(tiny, body.replace("../", uri(tiny))))
        assert result.outputs is not None, result.problems
        written += [data for _, data in result.outputs]
    for data in written:
        assert embedded_files(data) == []
        assert b"/EmbeddedFiles" not in data and b"/FileAttachment" not in data


def test_no_output_of_a_build_carries_an_embedded_file(
    tiny: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    card = tiny / "metaphors/kaart.md"
    set_front(
        card, "Een korte tekst.", 'Een <a href="../practice.yml"\nrel="nofollow attachment">bijlage</a>.'
    )
    code, err = run_cli(capfd, "check", "--content", str(tiny))
    assert code == 1
    assert f"{card}:{line_in(card, 'rel=')}: error: an attachment (rel=attachment) is not allowed" in err
    out = tmp_path / "out"
    code, err = run_cli(capfd, "build", "--content", str(tiny), "--out", str(out), "--jobs", "1", "-q")
    assert code == 1, err
    written = list(out.rglob("*.pdf"))
    assert {p.name for p in written} == {"artikel.pdf", "tweede.pdf"}
    for path in written:
        assert embedded_files(path.read_bytes()) == [], path


# ---------------------------------------------------------------------------- 3. faults


def _processes_in(session: int) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path("/proc", entry, "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError):
            continue
        if fields[0] != "Z" and int(fields[3]) == session:
            found.append(int(entry))
    return found


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            ppid = int(Path("/proc", entry, "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux parent-death signal, /proc")
def test_kill_9_of_the_build_leaves_no_process_behind_and_a_pipe_ends(tiny: Path, tmp_path: Path) -> None:
    for number in range(6):  # enough work that the kill lands while the workers render
        (tiny / f"metaphors/kaart-{number}.md").write_text(CARD, encoding="utf-8")
    command = [sys.executable, "build.py", "build", "--content", str(tiny), "--out", str(tmp_path / "out")]
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    environment = {**os.environ, "TMPDIR": str(temporary)}
    process = subprocess.Popen(
        [*command, "--jobs", "2"],
        cwd=PROJECT,
        stdout=subprocess.PIPE,  # as `build | tee log`: the pipe must end when the build is killed
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=environment,
    )
    try:
        deadline = time.monotonic() + 60
        while len(_descendants(process.pid)) < 3 and time.monotonic() < deadline:  # server, 2 workers
            time.sleep(0.05)
        assert len(_descendants(process.pid)) >= 3, "the workers never started"
        os.kill(process.pid, signal.SIGKILL)
        assert process.stdout is not None
        started = time.monotonic()
        process.stdout.read()  # returns when no process holds the pipe any more
        assert time.monotonic() - started < 20
        process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _processes_in(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _processes_in(process.pid) == [], "processes of the killed build remain"

        # The killed build could not remove its workers' folder (WeasyPrint's copies of the fonts);
        # the next build does. (Python's own fork-server socket folder, pymp-*, stays: not ours.)
        def ours() -> list[str]:
            return sorted(p.name for p in temporary.iterdir() if p.name.startswith("handouts-"))

        assert [name.startswith(f"handouts-render-{process.pid}-") for name in ours()] == [True], ours()
        again = subprocess.run([*command, "--jobs", "2", "-q"], cwd=PROJECT, env=environment, check=False)
        assert again.returncode == 0 and ours() == []
    finally:
        for pid in _processes_in(process.pid):
            os.kill(pid, signal.SIGKILL)
        process.kill()
        process.communicate()


def test_the_output_path_is_a_file(tiny: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.write_text("not a folder", encoding="utf-8")
    code, err = run_cli(capfd, "build", "--content", str(tiny), "--out", str(out), "--jobs", "1")
    assert code == 1, err
    assert f"{out}: error: cannot write the output folder: {out} (or a folder above it) is a file" in err
    assert "hint: choose another --out" in err
    assert out.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
        (PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
        (OSError(errno.EROFS, "Read-only file system"), "Read-only file system"),
    ],
    ids=["full-disk", "read-only-folder", "read-only-file-system"],
)
def test_an_output_folder_that_cannot_be_written_is_refused_before_rendering(
    tiny: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    failure: OSError,
    says: str,
) -> None:
    """Running as root, chmod cannot make a folder read-only: the operating system's answer is
    simulated where a file is created in the output folder."""
    from handouts import outfolder, pdf

    def refuse(*args: object, **kwargs: object) -> object:
        raise failure

    rendered = []
    monkeypatch.setattr(outfolder.tempfile, "mkstemp", refuse)
    monkeypatch.setattr(pdf, "_render", lambda job: rendered.append(job))
    out = tmp_path / "out"
    code, err = run_cli(capfd, "build", "--content", str(tiny), "--out", str(out), "--jobs", "1")
    assert code == 1, err
    assert f"{out}: error: cannot write the output folder: {says}" in err, err
    assert rendered == [], "rendered before finding the folder unwritable"
    assert "hint: " in err


def test_a_write_failure_while_saving_is_an_error_naming_the_file_and_the_last_good_pdf_is_kept(
    tiny: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from handouts import outfolder

    (tiny / "booklet.yml").unlink()
    out = tmp_path / "out"
    assert run_cli(capfd, "build", "--content", str(tiny), "--out", str(out), "--jobs", "1", "-q")[0] == 0
    good = (out / "metaphors/kaart.pdf").read_bytes()
    set_front(tiny / "metaphors/kaart.md", "Een korte tekst.", "Een andere korte tekst.")
    real_fsync = os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outfolder.os, "fsync", full)
    code, err = run_cli(capfd, "build", "--content", str(tiny), "--out", str(out), "--jobs", "1")
    monkeypatch.setattr(outfolder.os, "fsync", real_fsync)
    assert code == 1, err
    assert (
        f"{out / 'metaphors/kaart.pdf'}: error: cannot write {out / 'metaphors/kaart.pdf'}: the disk is full"
        in err
    )
    assert "hint: free some disk space" in err
    assert (out / "metaphors/kaart.pdf").read_bytes() == good
    assert not list(out.rglob("*.tmp"))
    code, err = run_cli(capfd, "build", "--content", str(tiny), "--out", str(out), "--jobs", "1", "-q")
    assert code == 0, err  # space again: the next build does it
    assert (out / "metaphors/kaart.pdf").read_bytes() != good


def test_a_second_build_into_the_same_folder_waits_for_the_first(tiny: Path, tmp_path: Path) -> None:
    (tiny / "booklet.yml").unlink()
    out = tmp_path / "out"
    out.mkdir()
    holder = os.open(out, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # as a running build holds it
    try:
        process = subprocess.Popen(
            [sys.executable, "build.py", "build", "--content", str(tiny), "--out", str(out), "--jobs", "1"],
            cwd=PROJECT,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        first = process.stderr.readline()
        assert "another build is writing into" in first and "waiting for it to finish" in first, first
        time.sleep(1)
        assert process.poll() is None
        assert not list(out.rglob("*.pdf")), "wrote while another build held the folder"
    finally:
        os.close(holder)
    rest = process.communicate(timeout=120)[1]
    assert process.returncode == 0, first + rest
    assert len(list(out.rglob("*.pdf"))) == 3


@pytest.mark.parametrize("where", ["same", "out-inside-content", "content-inside-out"])
def test_overlapping_content_and_output_folders_are_a_usage_error(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], where: str
) -> None:
    if where == "content-inside-out":
        content, out = make_content(tmp_path / "site/content"), tmp_path / "site"
    else:
        content = make_content(tmp_path / "content")
        out = content if where == "same" else content / "dist"
    for command in ("build", "watch"):
        code, err = run_cli(capfd, command, "--content", str(content), "--out", str(out), "--jobs", "1")
        assert code == 2, err
        assert "overlap" in err and "use --out DIR outside the content folder" in err
    assert not list(tmp_path.rglob("*.pdf"))


def test_pdf_bytes_do_not_depend_on_where_the_content_is(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A PNG's name in the PDF was a hash of its absolute URL: the same content in another folder
    gave other bytes."""
    built = []
    for where in ("een", "twee/dieper"):
        content = make_content(tmp_path / where / "content", booklet=False)
        (content / "images/foto.png").write_bytes(png_bytes())
        set_front(
            content / "metaphors/kaart.md", "illustration: images/beeld.svg", "illustration: images/foto.png"
        )
        set_front(content / "articles/artikel.md", "../images/beeld.svg", "../images/foto.png")
        out = tmp_path / where / "out"
        code, err = run_cli(capfd, "build", "--content", str(content), "--out", str(out), "--jobs", "1", "-q")
        assert code == 0, err
        built.append({p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.pdf")})
        assert str(tmp_path).encode() not in b"".join(built[-1].values())
    assert built[0].keys() == built[1].keys() and len(built[0]) == 3
    assert built[0] == built[1]


def test_the_pdfs_of_deleted_and_renamed_items_are_removed_and_said(
    tiny: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (tiny / "booklet.yml").unlink()
    out = tmp_path / "out"
    assert run_cli(capfd, "build", "--content", str(tiny), "--out", str(out), "--jobs", "1", "-q")[0] == 0
    (out / "notes.txt").write_text("not ours", encoding="utf-8")
    (tiny / "metaphors/tweede.md").rename(tiny / "metaphors/derde.md")
    (tiny / "articles/artikel.md").write_text(ARTICLE.replace("Een korte tekst", "Nieuw"), encoding="utf-8")
    set_front(tiny / "metaphors/kaart.md", "title: Een kaart", "titel: Een kaart")  # broken: kept
    code, err = run_cli(capfd, "build", "--content", str(tiny), "--out", str(out), "--jobs", "1", "-q")
    assert code == 1, err
    assert f"removed {out / 'metaphors/tweede.pdf'}: its content is gone" in err
    assert {p.relative_to(out).as_posix() for p in out.rglob("*.pdf")} == {
        "articles/artikel.pdf",
        "metaphors/kaart.pdf",  # the last good PDF of a broken item stays
        "metaphors/derde.pdf",
    }
    assert (out / "notes.txt").is_file()
    assert err.count("removed") == 1


# ---------------------------------------------------------------------------- 4. fuzzing


def test_fuzzed_content_never_crashes_check_or_the_html(tmp_path: Path) -> None:
    """A seeded mutator with a fixed budget: mutated front matter, booklet.yml, practice.yml and
    Markdown, loaded as ``check`` does and made into HTML as the build does; no exception escapes."""
    from mutate import fuzz_check

    figures = fuzz_check(tmp_path, seed=12, count=1000, make_content=make_content)
    assert figures["crashes"] == [], figures["crashes"][:3]
    assert figures["inputs"] == 1000
    assert figures["errors"] > 300  # the mutations do break things: the test can fail
