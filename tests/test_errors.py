"""Content errors, as the staff member who made them reads them: which file, which line, what to do.

Each case breaks ONE file of a private copy of the small SAMPLE content (conftest) and builds it
all: the build exits 1, names the problem compiler style (``path:line: error: message`` and a
hint), builds every valid item and writes nothing for the broken one. ``check`` reports the same
problems and writes nothing. All problems of all files come in one run; a broken item's last good
PDF is kept. Wrong use of the command line exits 2.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CONTENT, PROJECT, SAMPLE, make_content, run_cli, sample_line

from handouts.cli import main

GLAS = "metaphors/kaart-een.md"  # a card with an article, an illustration and a list of tips
ARTICLE = "articles/artikel-twee.md"  # no card takes its link from this article
BOOKLET = frozenset({"booklet.pdf", "booklet-print.pdf", "booklet-print-long-edge.pdf"})
HANDOUTS = frozenset(name.removesuffix(".md") + ".pdf" for name in SAMPLE if name.endswith(".md"))
LONG_TEXT = (
    "\n\n" + "Dit is een lange zin over pijn, over herstel en over wat je zelf kan doen. " * 400 + "\n"
)


line_of = sample_line  # the line of SAMPLE[file] that contains a text


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def edit(file: str, old: str, new: str) -> Callable[[Path], object]:
    return lambda content: replace(content / file, old, new)


def append(file: str, text: str) -> Callable[[Path], object]:
    return lambda content: (content / file).write_text(
        (content / file).read_text(encoding="utf-8") + text, encoding="utf-8"
    )


def front_matter_only(content: Path) -> None:
    text = (content / GLAS).read_text(encoding="utf-8")
    (content / GLAS).write_text(text[: text.index("\n---\n") + 5], encoding="utf-8")


def without_front_matter(content: Path) -> None:
    text = (content / GLAS).read_text(encoding="utf-8")
    (content / GLAS).write_text(text.split("\n---\n", 1)[1], encoding="utf-8")


def latin1_on_line(number: int) -> Callable[[Path], object]:
    def apply(content: Path) -> None:
        lines = (content / GLAS).read_bytes().split(b"\n")
        lines[number - 1] += " caf\xe9".encode("latin-1")
        (content / GLAS).write_bytes(b"\n".join(lines))

    return apply


# ---------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    id: str
    edit: Callable[[Path], object]
    file: str  # the file the problem is reported against, relative to content/
    line: int | None  # None: a problem of the whole file
    says: tuple[str, ...]  # in the message or its hint
    unbuilt: frozenset[str]  # outputs that must not be written
    booklet: bool = False  # keep booklet.yml (otherwise removed: the booklet is slow to render)
    render_time: bool = False  # found while rendering: by ``check``, not by ``check --fast``
    failed: int = 1  # items (and booklet) the build summary counts as failed


WHAT_TO_DO = line_of(GLAS, "## Wat kan je zelf doen?")
FIRST_TIP = line_of(GLAS, "- Rust genoeg")
GLAS_PDF = frozenset({"metaphors/kaart-een.pdf"})
ARTICLE_PDF = frozenset({"articles/artikel-twee.pdf"})

CASES = [
    Case(
        "unknown-field",
        edit(GLAS, "title:", "titel:"),
        GLAS,
        line_of(GLAS, "title:"),
        ("unknown field 'titel'", "did you mean 'title'?"),
        GLAS_PDF,
    ),
    Case(
        "missing-required-field",
        edit(GLAS, "summary: De kern", "# summary: De kern"),
        GLAS,
        1,
        ("missing required field 'summary'", "add a line 'summary: ...'"),
        GLAS_PDF,
    ),
    Case(
        "yaml-unclosed-quote",
        edit(GLAS, "article: artikel", 'article: "artikel'),
        GLAS,
        line_of(GLAS, "article:"),
        ("invalid YAML", "quoted text that starts on this line"),
        GLAS_PDF,
    ),
    Case(
        "yaml-bad-indent",
        edit(GLAS, "article: artikel", "   article: artikel"),
        GLAS,
        line_of(GLAS, "article:"),
        ("invalid YAML", "check the indentation"),
        GLAS_PDF,
    ),
    Case("missing-front-matter", without_front_matter, GLAS, 1, ("missing front matter",), GLAS_PDF),
    Case(
        "bad-date",
        edit(ARTICLE, "date: 2024-03-01", "date: 2025-13-45"),
        ARTICLE,
        line_of(ARTICLE, "date:"),
        ("'date' is not a valid date: '2025-13-45'", "YYYY-MM-DD"),
        ARTICLE_PDF,
    ),
    Case(
        "url-ftp",
        edit(ARTICLE, "date: 2024-03-01", "date: 2024-03-01\nurl: ftp://www.proef.example/blog/x"),
        ARTICLE,
        line_of(ARTICLE, "date:") + 1,
        ("'url' is not a web address: 'ftp://www.proef.example/blog/x'", "https://"),
        ARTICLE_PDF,
    ),
    Case(
        "url-without-scheme",
        edit(ARTICLE, "date: 2024-03-01", "date: 2024-03-01\nurl: www.proef.example/blog/x"),
        ARTICLE,
        line_of(ARTICLE, "date:") + 1,
        ("'url' is not a web address: 'www.proef.example/blog/x'", "https://"),
        ARTICLE_PDF,
    ),
    Case(
        "unknown-article",
        edit(GLAS, "article: artikel-een", "article: artikel-eeen"),
        GLAS,
        line_of(GLAS, "article:"),
        ("unknown article 'artikel-eeen'", "did you mean 'artikel-een'?"),
        GLAS_PDF,
    ),
    Case(
        "bad-file-name",
        lambda content: (content / GLAS).rename(content / "metaphors/Kaart Een.md"),
        "metaphors/Kaart Een.md",
        None,
        ("file name 'Kaart Een.md' is not a valid slug", "rename it to 'kaart-een.md'"),
        GLAS_PDF,
        failed=0,  # not an item at all
    ),
    Case(
        "missing-image",
        edit(GLAS, "## Wat kan je zelf doen?", "![Een glas](../images/nope.svg)\n\n## Wat kan je zelf doen?"),
        GLAS,
        WHAT_TO_DO,
        ("image '../images/nope.svg' not found", "content/images/"),
        GLAS_PDF,
    ),
    Case(
        "missing-illustration",
        edit(GLAS, "illustration: images/vierkant.svg", "illustration: images/nope.svg"),
        GLAS,
        line_of(GLAS, "illustration:"),
        ("illustration 'images/nope.svg' not found",),
        GLAS_PDF,
    ),
    Case(
        "not-utf-8",
        latin1_on_line(WHAT_TO_DO),
        GLAS,
        WHAT_TO_DO,
        ("not UTF-8 text (byte 0xe9)", "save the file as UTF-8"),
        GLAS_PDF,
    ),
    Case(
        "empty-body",
        front_matter_only,
        GLAS,
        line_of(GLAS, "order:") + 2,  # the line after the closing '---'
        ("the text is empty",),
        GLAS_PDF,
    ),
    Case(
        "card-too-long",
        append(GLAS, LONG_TEXT),
        GLAS,
        None,
        ("does not fit on 1 page", " mm too long"),
        GLAS_PDF,
        render_time=True,
    ),
    Case(
        "two-files-one-output",
        lambda content: shutil.copy(content / ARTICLE, content / "articles/artikel-twee.markdown"),
        ARTICLE,
        None,
        (
            "two files produce the same output articles/artikel-twee.pdf",
            "artikel-twee.markdown and artikel-twee.md",
        ),
        ARTICLE_PDF,
    ),
    Case(
        "emoji",
        edit(GLAS, "- Rust genoeg", "- 👉 Rust genoeg"),
        GLAS,
        FIRST_TIP,
        ("the font has no sign for '👉'", "empty box"),
        GLAS_PDF,
    ),
    Case(
        "raw-script",
        edit(GLAS, "- Rust genoeg", "<script>alert('hallo')</script>\n\n- Rust genoeg"),
        GLAS,
        FIRST_TIP,
        ("raw HTML <script> is not allowed",),
        GLAS_PDF,
    ),
    Case(
        "raw-link-attachment",
        edit(GLAS, "- Rust genoeg", '<link rel="attachment" href="file:///etc/passwd">\n\n- Rust genoeg'),
        GLAS,
        FIRST_TIP,
        ("raw HTML <link> is not allowed",),
        GLAS_PDF,
    ),
    Case(
        "raw-event-handler",
        edit(GLAS, "- Rust genoeg", '<p onmouseover="steel()">Tekst.</p>\n\n- Rust genoeg'),
        GLAS,
        FIRST_TIP,
        ("the attribute onmouseover= is not allowed", "use plain Markdown"),
        GLAS_PDF,
    ),
    Case(
        "anchor-attachment-inside-content",
        edit(
            GLAS,
            "- Rust genoeg",
            '<a rel="attachment" href="../images/vierkant.svg">x</a>\n\n- Rust genoeg',
        ),
        GLAS,
        FIRST_TIP,
        ("an attachment (rel=attachment) is not allowed",),
        GLAS_PDF,
    ),
    Case(
        "duplicate-field",
        edit(GLAS, "order: 1\n", "order: 1\ntitle: Nog een titel\n"),
        GLAS,
        line_of(GLAS, "order:") + 1,
        ("field 'title' appears twice", "keep one of them"),
        GLAS_PDF,
    ),
    Case(
        "booklet-unknown-item",
        edit("booklet.yml", "- metaphors/kaart-twee", "- metaphors/kaart-twe"),
        "booklet.yml",
        line_of("booklet.yml", "- metaphors/kaart-twee"),
        ("unknown item 'metaphors/kaart-twe'", "did you mean 'metaphors/kaart-twee'?"),
        BOOKLET,
        booklet=True,
    ),
    Case(
        "booklet-bad-yaml",
        edit("booklet.yml", "- title: Artikels", "- title: Meer: artikels"),
        "booklet.yml",
        line_of("booklet.yml", "- title: Artikels"),
        ("invalid YAML", "put quotes around text containing ': '"),
        BOOKLET,
        booklet=True,
    ),
    Case(
        "booklet-emoji",
        edit("booklet.yml", "Dit boekje is", "Dit boekje 📖 is"),
        "booklet.yml",
        line_of("booklet.yml", "Dit boekje is"),
        ("the font has no sign for '📖'", "empty box"),
        BOOKLET,
        booklet=True,
    ),
    Case(
        "practice-unknown-field",
        edit("practice.yml", "\nphone:", "\ne-mail: info@proef.example\nphone:"),
        "practice.yml",
        line_of("practice.yml", "phone:"),
        ("unknown field 'e-mail'", "did you mean 'email'?"),
        HANDOUTS,  # every handout prints the practice: nothing can be built
        failed=len(HANDOUTS),
    ),
]


# ---------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Reported:
    path: str
    line: int | None
    text: str  # the message, and the hint if there is one


PROBLEM_RE = re.compile(r"^(?P<path>\S.*?)(?::(?P<line>\d+))?: error: (?P<message>.*)$")


def reported(err: str) -> list[Reported]:
    """The problems printed on stderr, in order."""
    problems: list[Reported] = []
    in_error = False  # a warning's hint (check's review warnings) belongs to no error
    for line in err.splitlines():
        if match := PROBLEM_RE.match(line):
            number = int(match["line"]) if match["line"] else None
            problems.append(Reported(match["path"], number, match["message"]))
            in_error = True
        elif line.startswith("    hint: ") and problems and in_error:
            last = problems[-1]
            problems[-1] = Reported(last.path, last.line, f"{last.text}\n{line.strip()}")
        elif not line.startswith("    "):
            in_error = False
    return problems


run = run_cli


def pdfs(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*.pdf")} if out.exists() else set()


def tree(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``folder``: (mtime_ns, bytes) by relative path."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def assert_reported(err: str, file: str, line: int | None, *says: str) -> None:
    """``content/<file>[:line]: error: ...`` is printed, and its message and hint say ``says``."""
    where = f"content/{file}:{line}: error: " if line else f"content/{file}: error: "
    assert where in err, f"{where!r} not in:\n{err}"
    matching = [p for p in reported(err) if p.path.endswith(f"content/{file}") and p.line == line]
    assert any(all(s in p.text for s in says) for p in matching), f"{says} not said at {where!r}:\n{err}"


# ---------------------------------------------------------------------------- one broken file


# Rendered again by every case below: a problem elsewhere must not stop the rendering.
RENDERED = frozenset({"articles/artikel-een.pdf", "metaphors/kaart-drie.pdf"})
SUMMARY_RE = re.compile(r"^(\d+) built, (\d+) unchanged, (\d+) failed in ", re.M)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The handouts of the SAMPLE content (no booklet: slow, and not needed), built once."""
    root = tmp_path_factory.mktemp("reference")
    make_content(root, {"booklet.yml": None})
    args = ["build", "--content", str(root / "content"), "--out", str(root / "out"), "--jobs", "2", "-q"]
    assert main(args) == 0
    assert pdfs(root / "out") == HANDOUTS
    return root / "out"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_one_broken_file(
    case: Case,
    reference: Path,
    sample: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each case builds incrementally on a copy of the reference build (the full builds are in the
    tests below): minus the broken item's outputs, which must not come back, and minus RENDERED,
    which must be rendered again. The summary says every other valid item is up to date, not failed.
    """
    monkeypatch.chdir(tmp_path)  # paths print as the user typed them: content/...
    content, out = Path("content"), Path("out")
    if not case.booklet:
        (sample / "booklet.yml").unlink()
    case.edit(sample)
    shutil.copytree(reference, out)
    for name in case.unbuilt | RENDERED:
        (out / name).unlink(missing_ok=True)

    before = tree(tmp_path)
    code, checked = run(capfd, "check", "--content", str(content))
    assert tree(tmp_path) == before, "check wrote something"
    assert code == 1, checked  # check renders in memory what only rendering tells
    assert_reported(checked, case.file, case.line, *case.says)
    if case.render_time:  # ... and ``check --fast`` does not render
        code, fast = run(capfd, "check", "--fast", "--content", str(content))
        assert code == 0 and "--fast" in fast.splitlines()[-1], fast

    # one job: rendered in this process, where WeasyPrint is imported and warmed up once
    # not quiet: the summary line is printed even when nothing failed (a bad file name)
    code, err = run(capfd, "build", "--content", str(content), "--out", str(out), "--jobs", "1")
    assert code == 1, err
    assert_reported(err, case.file, case.line, *case.says)
    assert reported(err) == reported(checked), "check and build report different problems"
    assert pdfs(out) == HANDOUTS - case.unbuilt, err
    summary = SUMMARY_RE.search(err)
    assert summary, err
    rendered, unchanged = RENDERED - case.unbuilt, HANDOUTS - case.unbuilt - RENDERED
    assert tuple(map(int, summary.groups())) == (len(rendered), len(unchanged), case.failed), err
    assert not list(out.rglob("*.tmp")), "a temporary file was left behind"


def test_every_problem_in_every_file_is_reported_in_one_run_sorted_by_path(
    sample: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for case_id in ("unknown-field", "emoji", "bad-date", "booklet-unknown-item"):
        next(c for c in CASES if c.id == case_id).edit(sample)
    append("metaphors/kaart-twee.md", LONG_TEXT)(sample)  # found only while rendering

    code, err = run(capfd, "build", "--content", "content", "--out", "out", "--jobs", "2", "-q")

    assert code == 1, err
    assert_reported(err, GLAS, line_of(GLAS, "title:"), "unknown field 'titel'", "did you mean 'title'?")
    assert_reported(err, GLAS, 1, "missing required field 'title'")
    assert_reported(err, GLAS, FIRST_TIP, "the font has no sign for '👉'")
    assert_reported(err, ARTICLE, line_of(ARTICLE, "date:"), "'date' is not a valid date")
    assert_reported(err, "metaphors/kaart-twee.md", None, "does not fit on 1 page")
    booklet_line = line_of("booklet.yml", "- metaphors/kaart-twee")
    assert_reported(err, "booklet.yml", booklet_line, "unknown item 'metaphors/kaart-twe'")
    # a booklet without one of its items would be silently incomplete: it is not built either
    glas_line = line_of("booklet.yml", "- metaphors/kaart-een")
    assert_reported(err, "booklet.yml", glas_line, "'metaphors/kaart-een' has errors")
    problems = reported(err)
    assert len(problems) == 8, err
    assert [(p.path, p.line or 0) for p in problems] == sorted((p.path, p.line or 0) for p in problems)
    assert "failed" in err  # the summary line is printed even with -q when something failed
    broken = {"metaphors/kaart-een.pdf", "metaphors/kaart-twee.pdf", "articles/artikel-twee.pdf"}
    assert pdfs(Path("out")) == HANDOUTS - broken


def test_the_last_good_pdf_of_a_broken_item_is_kept(
    sample: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["build", "--content", str(sample), "--out", str(out), "--jobs", "2"]
    code, err = run(capfd, *args)
    assert code == 0, err
    assert "0 failed" in err
    assert pdfs(out) == HANDOUTS | BOOKLET
    good = tree(out)

    replace(sample / GLAS, "title:", "titel:")
    code, err = run(capfd, *args, "--force")  # --force: every valid item is rendered again

    assert code == 1, err
    assert_reported(err, GLAS, line_of(GLAS, "title:"), "unknown field 'titel'")
    after = tree(out)
    kept = {"metaphors/kaart-een.pdf", *BOOKLET}  # the booklet shows the broken card: kept too
    for name in kept:
        assert after[name] == good[name], f"{name} was touched"
    for name in HANDOUTS - kept:
        mtime, data = after[name]
        assert mtime != good[name][0], f"{name} was not built again"
        assert data == good[name][1], f"{name} changed"  # same inputs, same bytes
    assert not list(out.rglob("*.tmp"))


def test_a_bug_while_rendering_is_an_error_on_its_item_and_the_rest_still_builds(
    sample: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from handouts import pdf

    real = pdf._render

    def buggy(job: pdf.RenderJob) -> pdf.RenderResult:
        if job.key == "metaphors/kaart-twee":
            raise KeyError("simulated bug")
        return real(job)

    monkeypatch.setattr(pdf, "_render", buggy)  # --jobs 1 renders in this process
    (sample / "booklet.yml").unlink()  # not needed here, and slow
    out = tmp_path / "out"
    code, err = run(capfd, "build", "--content", str(sample), "--out", str(out), "--jobs", "1")
    assert code == 3, err  # an internal error: a status of its own
    problem = "internal error while rendering: KeyError: 'simulated bug'"
    assert_reported(err, "metaphors/kaart-twee.md", None, problem, "this is a bug in handouts; please report")
    assert pdfs(out) == HANDOUTS - {"metaphors/kaart-twee.pdf"}
    assert re.search(r"^4 built, 0 unchanged, 1 failed in ", err, re.M), err


# ---------------------------------------------------------------------------- check


def test_check_passes_on_the_shipped_content_and_writes_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = tree(CONTENT)
    code, err = run(capfd, "check", "--content", str(CONTENT))
    assert code == 0, err
    assert "Content OK" in err and "error" not in err
    assert "still the placeholder" not in err and "example from 'handouts init'" not in err
    assert tree(CONTENT) == before
    assert not list(tmp_path.iterdir())


def test_check_from_the_command_line_reports_without_a_traceback(sample: Path) -> None:
    replace(sample / GLAS, "title:", "titel:")
    replace(sample / ARTICLE, "date: 2024-03-01", "date: 2025-13-45")
    done = subprocess.run(
        [sys.executable, "build.py", "check", "--content", str(sample)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert_reported(done.stderr, GLAS, line_of(GLAS, "title:"), "unknown field 'titel'")
    assert_reported(done.stderr, ARTICLE, line_of(ARTICLE, "date:"), "'2025-13-45'")


# ---------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    "args, says",
    [
        (["build", "nope"], "unknown item 'nope'"),
        (["build", "kaart-eeen"], "did you mean 'metaphors/kaart-een'?"),
        (["build", "--jobs", "0"], "argument --jobs/-j: must be at least 1"),
        (["build", "--jobs", "veel"], "argument --jobs/-j: 'veel' is not a number"),
        (["build", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["check", "--force"], "unrecognized arguments: --force"),
        (["bulid"], "invalid choice: 'bulid'"),
    ],
    ids=[
        "unknown-item",
        "misspelled-item",
        "jobs-0",
        "jobs-not-a-number",
        "unknown-option",
        "check-force",
        "command",
    ],
)
def test_usage_errors_exit_2_and_say_what_was_wrong(
    args: list[str], says: str, sample: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    where = ["--content", str(sample)] + (["--out", str(out)] if args[0] == "build" else [])
    code, err = run(capfd, *args, *where)
    assert code == 2, err
    assert says in err, err
    assert not out.exists()
