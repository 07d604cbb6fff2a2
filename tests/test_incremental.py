"""Incremental builds and ``watch``: what is (and is not) rewritten on disk after each kind of edit.

The content here is small (one article, two short cards, a three-item booklet: the SAMPLE of
conftest, trimmed) so that every test is quick and no card can overflow whatever the card style
is. It is built once per module; each test works on its own copy of the content and of that build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import CARD_BODY, SAMPLE, SVG_SQUARE, make_content

from handouts.cli import main
from handouts.incremental import MANIFEST, TREE

PROJECT = Path(__file__).resolve().parent.parent
OLD_NS = 1_000_000_000 * 10**9  # 2001-09-09: the mtime of every output of a fresh copy

ARTICLE = "articles/artikel-een.pdf"
CARD = "metaphors/kaart-een.pdf"  # the one that shows images/kaart.svg
OTHER_CARD = "metaphors/kaart-twee.pdf"
CARDS = {CARD, OTHER_CARD}
BOOKLET = {"booklet.pdf", "booklet-print.pdf", "booklet-print-long-edge.pdf"}
EVERYTHING = {ARTICLE, *CARDS, *BOOKLET}

BOOKLET_YML = """\
title: Pijn begrijpen
intro: Een klein boekje om te testen.
sections:
  - title: Beelden
    items:
      - metaphors/kaart-een
      - metaphors/kaart-twee
  - title: Om verder te lezen
    items:
      - articles/artikel-een
"""
SMALL: dict[str, str | bytes | None] = {
    "articles/artikel-twee.md": None,
    "metaphors/kaart-drie.md": None,
    "images/kaart.svg": SVG_SQUARE,
    "metaphors/kaart-een.md": SAMPLE["metaphors/kaart-een.md"].replace(
        "images/vierkant.svg", "images/kaart.svg"
    ),
}


# ---------------------------------------------------------------------------- helpers


def set_body(path: Path, body: str) -> None:
    """Keep the front matter of a Markdown file, replace its text."""
    front = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    path.write_text(f"{front}\n---\n{body}", encoding="utf-8")


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def make_small(root: Path, booklet: bool = True) -> Path:
    """1 article and 2 short cards (and a small booklet) in ``root``/content."""
    return make_content(root, {**SMALL, "booklet.yml": BOOKLET_YML if booklet else None})


def make_long(root: Path) -> Path:
    """Enough cards for a booklet that takes seconds to render: time to interrupt the build."""
    cards = {
        f"metaphors/extra-{n}.md": f"---\ntitle: Kaart {n}\nsummary: Kaart nummer {n}.\n---\n{CARD_BODY}"
        for n in range(16)
    }
    items = "".join(f"      - metaphors/extra-{n}\n" for n in range(16))
    booklet = SAMPLE["booklet.yml"].replace(
        "  - title: Artikels\n", f"  - title: Meer\n    items:\n{items}  - title: Artikels\n"
    )
    return make_content(root, {**cards, "booklet.yml": booklet})


def files(out: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under the output folder: (mtime_ns, bytes) by relative path."""
    return {
        p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def rewritten(before: dict[str, tuple[int, bytes]], after: dict[str, tuple[int, bytes]]) -> set[str]:
    """The PDFs written (or removed) between two snapshots."""
    names = {n for n in before.keys() | after.keys() if n.endswith(".pdf")}
    return {n for n in names if n not in before or n not in after or before[n][0] != after[n][0]}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run the command line in this process; the exit status and what it printed on stderr."""
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().err


def build_args(content: Path, out: Path, *extra: str) -> list[str]:
    return ["build", "--content", str(content), "--out", str(out), *extra]


@pytest.fixture(scope="module")
def small_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The small content, built once for this module (two workers)."""
    root = tmp_path_factory.mktemp("small")
    content = make_small(root)
    out = root / "out"
    assert main(build_args(content, out, "--jobs", "2", "-q")) == 0
    assert set(files(out)) == {*EVERYTHING, MANIFEST}
    return content, out


@pytest.fixture
def site(small_built: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the small content and of its build, every output dated OLD_NS."""
    content = Path(shutil.copytree(small_built[0], tmp_path / "content"))
    out = Path(shutil.copytree(small_built[1], tmp_path / "out"))
    for path in out.rglob("*"):
        os.utime(path, ns=(OLD_NS, OLD_NS))
    return content, out


# ---------------------------------------------------------------------------- what is rebuilt


def test_second_build_rewrites_nothing(
    site: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The copy lives elsewhere than the first build's content, and runs from another working
    # folder: neither is an input of any output.
    content, out = site
    monkeypatch.chdir(content.parent)
    before = files(out)
    code, err = cli(capsys, *build_args(content, out, "--jobs", "2"))
    assert code == 0, err
    assert re.search(r"^0 built, 4 unchanged, 0 failed in ", err, re.M), err
    assert files(out) == before  # every file, manifest included: same mtime_ns, same bytes


def test_editing_a_card_rebuilds_that_card_and_the_booklet(
    site: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    content, out = site
    before = files(out)
    replace(content / "metaphors/kaart-een.md", "Een korte tekst", "Een andere korte tekst")
    code, err = cli(capsys, *build_args(content, out, "--jobs", "2"))
    assert code == 0, err
    assert rewritten(before, files(out)) == {CARD, *BOOKLET}
    assert "2 built, 2 unchanged, 0 failed" in err


def test_editing_practice_yml_rebuilds_everything(site: tuple[Path, Path]) -> None:
    content, out = site
    before = files(out)
    replace(content / "practice.yml", "phone: 012 34 56 78", "phone: 012 34 56 79")
    assert main(build_args(content, out, "--jobs", "2", "-q")) == 0
    assert rewritten(before, files(out)) == EVERYTHING


def test_a_change_to_the_tools_own_code_rebuilds_everything(
    site: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade, or an edit of the renderer in a checkout, may print differently: the code's
    digest is an input of every output (the desk's code is not)."""
    from handouts import incremental

    content, out = site
    before = files(out)
    monkeypatch.setattr(incremental, "_code_digest", lambda: "another version of the code")
    assert main(build_args(content, out, "--jobs", "2", "-q")) == 0
    assert rewritten(before, files(out)) == EVERYTHING


def test_editing_an_image_rebuilds_only_what_shows_it(site: tuple[Path, Path]) -> None:
    content, out = site
    before = files(out)
    with (content / "images/kaart.svg").open("a", encoding="utf-8") as svg:
        svg.write("<!-- redrawn -->\n")
    assert main(build_args(content, out, "--jobs", "2", "-q")) == 0
    assert rewritten(before, files(out)) == {CARD, *BOOKLET}  # the card and the booklet show it


def test_style_edits_rebuild_every_output_that_uses_the_style(
    site: tuple[Path, Path], tmp_path: Path
) -> None:
    # styles/ belongs to the project, not to the content: edit a private copy of the project and
    # run the copy's build.py, whose own handouts package (beside it) finds its own styles/.
    content, out = site
    project = tmp_path / "project"
    for name in ("handouts", "templates", "styles"):
        shutil.copytree(PROJECT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(PROJECT / "build.py", project / "build.py")

    def build() -> set[str]:
        before = files(out)
        command = [sys.executable, str(project / "build.py"), *build_args(content, out, "--jobs", "2", "-q")]
        done = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return rewritten(before, files(out))

    build()  # a no-op, unless the project's styles changed since the module's build
    with (project / "styles/card.css").open("a", encoding="utf-8") as css:
        css.write("\n.card h1 { letter-spacing: 0; }\n")
    assert build() == CARDS  # cards only: articles and the booklet do not use card.css
    with (project / "styles/common.css").open("a", encoding="utf-8") as css:
        css.write("\nbody { letter-spacing: 0; }\n")
    assert build() == EVERYTHING  # everything imports common.css


# ---------------------------------------------------------------------------- recovering


@pytest.mark.parametrize("garbage", [b"\x00\xff{not json", b'["valid JSON", "of the wrong shape"]'])
def test_a_corrupt_manifest_means_build_everything(site: tuple[Path, Path], garbage: bytes) -> None:
    content, out = site
    (out / MANIFEST).write_bytes(garbage)
    before = files(out)
    assert main(build_args(content, out, "--jobs", "2", "-q")) == 0
    assert rewritten(before, files(out)) == EVERYTHING
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    outputs = {name.removesuffix(".pdf") for name in (ARTICLE, *CARDS)} | {"booklet"}
    assert set(manifest) == outputs | {TREE}  # and the digest of all inputs of this clean build
    assert all(isinstance(v, str) and len(v) == 64 for v in manifest.values())


def test_a_deleted_output_is_rebuilt(site: tuple[Path, Path]) -> None:
    content, out = site
    (out / OTHER_CARD).unlink()
    (out / "booklet-print.pdf").unlink()  # the manifest still says both are up to date
    before = files(out)
    assert main(build_args(content, out, "--jobs", "2", "-q")) == 0
    assert rewritten(before, files(out)) == {OTHER_CARD, *BOOKLET}


def test_force_rebuilds_everything_and_one_worker_gives_the_same_bytes(site: tuple[Path, Path]) -> None:
    # The module's build used two worker processes, for content in another folder; this one
    # renders everything in this process, from the same inputs: every byte is the same.
    content, out = site
    before, keys = files(out), (out / MANIFEST).read_bytes()
    assert main(build_args(content, out, "--force", "--jobs", "1", "-q")) == 0
    after = files(out)
    assert rewritten(before, after) == EVERYTHING
    assert (out / MANIFEST).read_bytes() == keys, "the inputs changed during the test"
    for name in sorted(EVERYTHING):
        assert after[name][1] == before[name][1], f"{name} differs between --jobs 2 and --jobs 1"


IMPORTS = """
import sys
from handouts.cli import main
code = main(sys.argv[1:])
print("weasyprint" in sys.modules)
sys.exit(code)
"""


def test_a_build_with_nothing_to_render_does_not_import_weasyprint(site: tuple[Path, Path]) -> None:
    content, out = site

    def imports_weasyprint(*args: str) -> bool:
        command = [sys.executable, "-c", IMPORTS, *args]
        done = subprocess.run(command, cwd=content.parent, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return {"True": True, "False": False}[done.stdout.strip()]

    assert imports_weasyprint(*build_args(content, out, "-q")) is False
    # The same check sees the import when something is rendered (in process, with one job).
    fresh = content.parent / "fresh"
    assert imports_weasyprint(*build_args(content, fresh, "--jobs", "1", "-q", "kaart-een")) is True


SUBPROCESSES = """
import subprocess, sys
started = []
real = subprocess.Popen.__init__
def spy(self, args, *rest, **kwargs):
    started.append(args)
    real(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = spy
import %s
print(len(started))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the search is switched off on Linux only")
def test_workers_load_weasyprint_without_its_library_search() -> None:
    """WeasyPrint's library search (ldconfig, gcc, ld for every miss) costs 0.3 s per worker."""

    def subprocesses(module: str) -> int:
        command = [sys.executable, "-c", SUBPROCESSES % module]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return int(done.stdout)

    assert subprocesses("handouts.engine") == 0
    assert subprocesses("weasyprint") > 0  # the spy sees the search when it is not switched off


def _processes() -> list[tuple[int, int, int]]:
    """(pid, parent pid, session id) of every live process (Linux)."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            state, ppid, _, session = (Path("/proc", entry, "stat").read_text().rsplit(")", 1)[1].split())[:4]
        except (OSError, ValueError):
            continue
        if state != "Z":
            found.append((int(entry), int(ppid), int(session)))
    return found


def _in_session(session: int) -> list[int]:
    return [pid for pid, _, sid in _processes() if sid == session]


def _workers(build: int) -> list[int]:
    """The render workers of a build: the children of its fork server."""
    table = _processes()
    servers = {pid for pid, ppid, _ in table if ppid == build}
    return [pid for pid, ppid, _ in table if ppid in servers]


def _start(content: Path, out: Path, tmp: Path) -> subprocess.Popen[str]:
    """A build in its own session, as a terminal starts it (Ctrl-C reaches the whole group).

    Its temporary folder is ``tmp`` (made empty here): what the build leaves there can be seen.
    """
    tmp.mkdir()
    command = [sys.executable, "build.py", *build_args(content, out, "--jobs", "2")]
    pipe, both, env = subprocess.PIPE, subprocess.STDOUT, {**os.environ, "TMPDIR": str(tmp)}
    return subprocess.Popen(
        command, cwd=PROJECT, stdout=pipe, stderr=both, text=True, start_new_session=True, env=env
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_stops_a_build_without_a_traceback_and_keeps_what_was_built(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    with _start(make_long(tmp_path), out, tmp_path / "tmp") as process:  # the booklet takes seconds
        assert process.stdout is not None
        printed = []
        for line in process.stdout:  # wait until the first handout is done, then press Ctrl-C
            printed.append(line)
            if re.match(r"\[\d+/\d+\] built ", line):
                break
        os.killpg(process.pid, signal.SIGINT)
        printed.append(process.stdout.read())
        assert process.wait(timeout=60) == 130, "".join(printed)
    output = "".join(printed)
    assert "Traceback" not in output
    assert "handouts: interrupted. The PDFs finished so far are saved; run again to do the rest." in output
    built = re.findall(r"\] built (\S+)", output)
    manifest = json.loads((out / MANIFEST).read_text())
    assert built and sorted(built) == sorted(key for key in manifest if key != TREE), output
    assert all((out / f"{key}.pdf").is_file() for key in built)
    assert "booklet" not in built and not (out / "booklet.pdf").exists()  # the interruption was real
    wait_for(lambda: not _in_session(process.pid), "the workers to stop", timeout=30)
    assert not list((tmp_path / "tmp").iterdir()), "the stopped workers' temporary files were left behind"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_worker_is_reported_and_the_next_build_recovers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, content = tmp_path / "out", make_long(tmp_path)
    with _start(content, out, tmp_path / "tmp") as process:
        wait_for(lambda: _workers(process.pid) or process.poll() is not None, "a render worker")
        os.kill(_workers(process.pid)[0], signal.SIGKILL)  # as the out-of-memory killer would
        try:
            output = process.communicate(timeout=120)[0]
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # a hung build fails the test, not the whole run
            raise
    assert process.returncode == 1, output
    assert "Traceback" not in output
    assert re.search(
        r"^\S*out: error: a render worker stopped unexpectedly \(killed, or out of memory\?\): "
        r"\d+ output\(s\) not rendered\n    hint: run the build again; what was built is kept$",
        output,
        re.M,
    ), output
    wait_for(lambda: not _in_session(process.pid), "the other workers to stop", timeout=30)
    assert not list((tmp_path / "tmp").iterdir()), "the killed worker's temporary files were left behind"
    code, err = cli(capsys, *build_args(content, out, "--jobs", "2", "-q"))
    assert code == 0, err
    assert (out / "booklet.pdf").is_file()


def test_errors_are_reported_again_on_every_build_until_fixed(
    site: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    content, out = site
    replace(content / CARD.replace(".pdf", ".md"), "title:", "titel:")
    for _ in range(2):  # the second build has nothing new to render, yet it says what is wrong
        code, err = cli(capsys, *build_args(content, out, "--jobs", "1"))
        assert code == 1
        assert "kaart-een.md:2: error: unknown field 'titel'" in err, err
    replace(content / CARD.replace(".pdf", ".md"), "titel:", "title:")
    code, err = cli(capsys, *build_args(content, out, "--jobs", "1"))
    assert code == 0, err
    code, err = cli(capsys, *build_args(content, out, "--jobs", "1"))
    assert code == 0 and "0 built, 4 unchanged" in err, err


def test_a_build_with_nothing_to_do_reads_no_content(site: tuple[Path, Path]) -> None:
    """Nothing changed since a clean build: only file digests are compared, nothing is parsed."""
    content, out = site
    code = (
        "import sys; from handouts.cli import main; "
        f"rc = main({build_args(content, out, '-q')!r}); "
        "print(rc, 'handouts.content' in sys.modules, 'yaml' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["0", "False", "False"], done.stderr


# ---------------------------------------------------------------------------- ITEM arguments and failures


def test_build_item_builds_only_that_item(
    site: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    content, _ = site
    out = content.parent / "items"
    assert cli(capsys, *build_args(content, out, "kaart-een"))[0] == 0
    assert set(files(out)) == {CARD, MANIFEST}
    assert cli(capsys, *build_args(content, out, "metaphors/kaart-twee"))[0] == 0
    assert set(files(out)) == {*CARDS, MANIFEST}

    (content / "articles/kaart-twee.md").write_text(
        "---\ntitle: Twee\nsummary: Een test.\nkey_points: [Een punt.]\n---\n\nTekst.\n", encoding="utf-8"
    )
    before = files(out)
    code, err = cli(capsys, *build_args(content, out, "kaart-twee"))
    assert code == 2
    assert "'kaart-twee' is ambiguous: say articles/kaart-twee or metaphors/kaart-twee" in err
    code, err = cli(capsys, *build_args(content, out, "kaart-tweee"))
    assert code == 2
    assert "unknown item 'kaart-tweee'" in err
    assert files(out) == before


def test_a_card_failing_in_a_worker_is_a_content_error(site: tuple[Path, Path]) -> None:
    content, _ = site
    set_body(content / "metaphors/kaart-een.md", CARD_BODY + "\nNog een zin die te lang is.\n" * 80)
    command = [
        sys.executable,
        str(PROJECT / "build.py"),
        *build_args(Path("content"), Path("fresh"), "--jobs", "2", "metaphors/kaart-een", "kaart-twee"),
    ]
    done = subprocess.run(command, cwd=content.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert re.search(r"^content/metaphors/kaart-een\.md: error: does not fit on 1 page", done.stderr, re.M)
    assert "Traceback" not in done.stderr
    assert "1 built, 0 unchanged, 1 failed" in done.stderr
    assert set(files(content.parent / "fresh")) == {OTHER_CARD, MANIFEST}


def test_a_build_leaves_nothing_in_the_temporary_folder(site: tuple[Path, Path], tmp_path: Path) -> None:
    """WeasyPrint copies the fonts into a temporary folder that a render worker never removed when
    it exited: one to four folders of 220 KB after every build. Now the workers' folder goes with them."""
    content, _ = site
    set_body(content / "metaphors/kaart-een.md", CARD_BODY + "\nNog een zin die te lang is.\n" * 80)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    command = [
        sys.executable,
        str(PROJECT / "build.py"),
        *build_args(content, tmp_path / "fresh", "--jobs", "2"),
    ]
    env = {**os.environ, "TMPDIR": str(tmp)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1, done.stderr  # the card that does not fit
    assert re.search(r"\b[1-9]\d* built, 0 unchanged, 1 failed", done.stderr), done.stderr
    assert not list(tmp.iterdir())


# ---------------------------------------------------------------------------- watch


def wait_for(
    condition: Callable[[], object], what: str, timeout: float = 60, retry: Callable[[], object] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    next_retry = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        if retry and time.monotonic() > next_retry:
            retry()  # in case the change landed before the watcher was watching
            next_retry = time.monotonic() + 10
        time.sleep(0.1)


@pytest.fixture
def watching(
    tmp_path: Path,
) -> Iterator[tuple[subprocess.Popen[bytes], Path, Path, Path]]:
    content, out, log = make_small(tmp_path, booklet=False), tmp_path / "out", tmp_path / "watch.log"
    command = [
        sys.executable,
        "build.py",
        "watch",
        "--content",
        str(content),
        "--out",
        str(out),
        "--jobs",
        "2",
    ]
    with log.open("wb") as sink:  # in its own session, as a terminal starts it: Ctrl-C reaches all
        process = subprocess.Popen(
            command, cwd=PROJECT, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process, content, out, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if sys.platform.startswith("linux") and _in_session(process.pid):
            os.killpg(process.pid, signal.SIGKILL)  # a failed test leaves no workers behind


def test_watch_rebuilds_on_changes_reports_errors_and_stops_on_ctrl_c(
    watching: tuple[subprocess.Popen[bytes], Path, Path, Path],
) -> None:
    process, content, out, log = watching

    def printed() -> str:
        return log.read_text(encoding="utf-8", errors="replace")

    wait_for(lambda: "(Ctrl-C to stop)" in printed() or process.poll() is not None, "the first build")
    assert process.poll() is None, printed()
    assert {ARTICLE, *CARDS} <= set(files(out))
    assert re.search(
        r"^watching .+/, templates/, styles/, handouts/locale/ \(Ctrl-C to stop\)$", printed(), re.M
    )
    time.sleep(0.5)  # let the watcher start
    workers = _workers(process.pid) if sys.platform.startswith("linux") else []

    card = content / "metaphors/kaart-een.md"
    good = card.read_text(encoding="utf-8")
    lines = good.split("\n")
    lines.insert(lines.index("---", 1), "titel: Een kaart")  # before the closing ---
    line = lines.index("titel: Een kaart") + 1
    broken = "\n".join(lines)
    card.write_text(broken, encoding="utf-8")
    error = f"{card}:{line}: error: unknown field 'titel'"
    wait_for(lambda: error in printed(), error, retry=lambda: card.write_text(broken, encoding="utf-8"))
    assert process.poll() is None, printed()

    mtime = (out / CARD).stat().st_mtime_ns
    seen = len(printed())
    fixed = good.replace("Een korte tekst", "Een nieuwe korte tekst")
    card.write_text(fixed, encoding="utf-8")
    wait_for(
        lambda: (
            (out / CARD).stat().st_mtime_ns != mtime
            and re.search(r"built, \d+ unchanged, 0 failed", printed()[seen:])
        ),
        "the card to be rebuilt",
        retry=lambda: card.write_text(fixed, encoding="utf-8"),
    )
    assert process.poll() is None, printed()

    if sys.platform.startswith("linux"):  # the same workers, warm, rendered the rebuilds
        assert workers and _workers(process.pid) == workers

    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=30) == 130, printed()  # as the README promises for Ctrl-C
    assert "Traceback" not in printed()
    assert "interrupted" in printed()
    if sys.platform.startswith("linux"):
        wait_for(lambda: not _in_session(process.pid), "the workers to stop", timeout=30)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_stops_watch_and_its_workers(watching: tuple[subprocess.Popen[bytes], Path, Path, Path]) -> None:
    """``kill`` reaches only the main process: it must stop the workers itself, or they wait forever."""
    process, _, _, log = watching
    wait_for(lambda: "(Ctrl-C to stop)" in log.read_text() or process.poll() is not None, "the first build")
    assert _workers(process.pid), log.read_text()
    process.terminate()  # SIGTERM, to the main process only
    assert process.wait(timeout=30) == 130, log.read_text()
    assert "Traceback" not in log.read_text()
    wait_for(lambda: not _in_session(process.pid), "the workers to stop", timeout=30)
