"""handouts as an installed package: a wheel, installed without ``-e`` into a fresh virtual
environment, builds the shipped content from another folder into the same bytes as the checkout;
a broken installation is one clear error. And the import graph goes one way, without cycles.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import CONTENT, PROJECT

PACKAGE = PROJECT / "handouts"
PURELIB = Path(sysconfig.get_paths()["purelib"])  # this environment's dependencies


def run(command: list[str | Path], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel of this checkout installed (not editable).

    The wheel is built from a copy of the sources, so nothing is written into the checkout. The
    dependencies come from this test environment (a .pth line), so no network is needed.
    """
    root = tmp_path_factory.mktemp("package")
    source = root / "source"
    ignore = shutil.ignore_patterns(".*", "dist", "build", "*.egg-info", "__pycache__", "tests", "benchmarks")
    shutil.copytree(PROJECT, source, ignore=ignore)
    done = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", root / "wheels", source], root)
    assert done.returncode == 0, done.stderr
    (wheel,) = (root / "wheels").glob("handouts-*.whl")
    venv = root / "venv"
    done = run([sys.executable, "-m", "venv", "--without-pip", venv], root)
    assert done.returncode == 0, done.stderr
    python = venv / "bin" / "python"
    done = run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel], root)
    assert done.returncode == 0, done.stderr
    site = Path(
        run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root).stdout.strip()
    )
    (site / "dependencies.pth").write_text(f"{PURELIB}\n", encoding="utf-8")
    return venv


def installed_folder(venv: Path, name: str) -> Path:
    """Where the installed package keeps its templates or styles (printed by the package itself)."""
    done = run([venv / "bin" / "python", "-c", f"from handouts import paths; print(paths.{name})"], venv)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


def test_the_installed_package_carries_its_templates_styles_and_fonts(installed: Path) -> None:
    for name, folder in (("TEMPLATES", "templates"), ("STYLES", "styles")):
        found = installed_folder(installed, name)
        assert found.is_relative_to(installed), f"{name} is {found}: not inside the installed package"
        shipped = {p.relative_to(PROJECT / folder) for p in (PROJECT / folder).rglob("*") if p.is_file()}
        there = {p.relative_to(found) for p in found.rglob("*") if p.is_file()}
        assert shipped <= there, shipped - there
    done = run([installed / "bin" / "handouts", "init", "new"], installed.parent)  # its starter folder too
    assert done.returncode == 0, done.stderr
    assert (installed.parent / "new/practice.yml").is_file()
    assert len(list((installed.parent / "new").rglob("*.md"))) == 2


def test_the_installed_package_serves_the_desk_with_its_pages_and_styles(
    installed: Path, tmp_path: Path
) -> None:
    """The desk's modules travel in the wheel (handouts.desk), and find their pages and styles."""
    script = (
        "import pathlib\n"
        "from handouts.workers import Workers\n"
        "from handouts.desk.app import create_app\n"
        "from handouts.desk.state import Desk\n"
        "client = create_app(Desk(pathlib.Path('content'), pathlib.Path('dist'), Workers(1))).test_client()\n"
        "page = client.get('/')\n"
        "style = client.get('/desk/desk.css')\n"
        "print(page.status_code, style.status_code, 'Er zijn nog geen handouts gebouwd' in page.text)\n"
    )
    done = run([installed / "bin" / "python", "-c", script], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["200", "200", "True"], done.stdout


def test_the_wheel_builds_the_shipped_content_into_the_same_bytes(
    installed: Path, built: Path, tmp_path: Path
) -> None:
    """Run by its console script from another folder; compared with the editable install's build."""
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    command = [installed / "bin" / "handouts", "build", "--content", CONTENT, "--out", "out", "--jobs", "2"]
    done = run(command, workdir)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    mine = {p.relative_to(workdir / "out") for p in (workdir / "out").rglob("*.pdf")}
    theirs = {p.relative_to(built) for p in built.rglob("*.pdf")}
    assert mine == theirs and mine
    different = [
        str(p) for p in sorted(mine) if (workdir / "out" / p).read_bytes() != (built / p).read_bytes()
    ]
    assert not different, f"not byte-identical to the editable build: {different}"


@pytest.mark.parametrize(
    "folder, name",
    [("STYLES", "fonts/AtkinsonHyperlegible-Regular.ttf"), ("TEMPLATES", "macros.html")],
    ids=["font", "template"],
)
def test_a_missing_font_or_template_is_one_clear_error(
    installed: Path, tmp_path: Path, folder: str, name: str
) -> None:
    missing = installed_folder(installed, folder) / name
    kept = tmp_path / "kept"
    shutil.move(missing, kept)
    try:
        for command in ("build", "check"):
            done = run([installed / "bin" / "handouts", command, "--content", CONTENT], tmp_path)
            assert done.returncode == 1, done.stderr
            assert "Traceback" not in done.stderr, done.stderr
            errors = [line for line in done.stderr.splitlines() if ": error: " in line]
            assert len(errors) == 1, done.stderr
            assert Path(name).name in errors[0] and "missing" in errors[0], done.stderr
            assert "hint: reinstall handouts" in done.stderr
            assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").rglob("*.pdf"))
    finally:
        shutil.move(kept, missing)


def test_the_installation_check_knows_every_template_and_stylesheet_the_renderer_starts_from() -> None:
    """paths.missing_files starts from these names: one the renderer uses must be among them."""
    from handouts import paths
    from handouts.models import KINDS, Output

    used = set(re.findall(r'"(\w+\.html)"', (PACKAGE / "html.py").read_text(encoding="utf-8")))
    assert used and used <= set(paths.ENTRY_TEMPLATES)
    sheets = {Output(kind, "x").stylesheet for kind in KINDS} | {Output("booklet").stylesheet}
    assert sheets <= set(paths.STYLESHEETS)


# ---------------------------------------------------------------------------- the import graph

# Stage -> the stages it must never import: the line goes content -> HTML -> PDF -> disk.
EARLY = ("content", "frontmatter", "models", "theme", "starter")
BUILD = {"build", "plan", "incremental", "outfolder", "workers", "cli", "watch"}  # the build and its parts
FORBIDDEN = {
    **{module: {"html", "pdf", *BUILD} for module in EARLY},
    "html": {"pdf", *BUILD},
    "pdf": {"html", *BUILD},
}


def imports_of(path: Path) -> set[str]:
    """The handouts modules a module imports, at any level, except under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        test = node.test if isinstance(node, ast.If) else None
        if test is not None and "TYPE_CHECKING" in ast.unparse(test):
            skipped |= {id(child) for stmt in node.body for child in ast.walk(stmt)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:  # from . import html, pdf
                found |= {alias.name for alias in node.names}
            elif node.module and node.module.startswith("handouts."):
                found.add(node.module.split(".")[1])
            elif node.module == "handouts":
                found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("handouts.")}
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    return (found & modules) - {path.stem, "__init__"}


GRAPH = {path.stem: imports_of(path) for path in sorted(PACKAGE.glob("*.py"))}


def test_the_import_graph_has_no_cycle() -> None:
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", "import cycle: " + " -> ".join([*trail, module])
        state[module] = "open"
        for imported in sorted(GRAPH[module]):
            visit(imported, [*trail, module])
        state[module] = "done"

    for module in GRAPH:
        visit(module, [])


def test_no_stage_reaches_back() -> None:
    wrong = {m: sorted(GRAPH[m] & banned) for m, banned in FORBIDDEN.items() if GRAPH[m] & banned}
    assert not wrong, f"imports against the direction of the pipeline: {wrong}"


def test_the_import_checks_can_fail(tmp_path: Path) -> None:
    """A function-level import is seen; one under TYPE_CHECKING is not."""
    module = tmp_path / "content.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .pdf import RenderJob\n"
        "def f():\n    from . import html\n    from .build import load\n",
        encoding="utf-8",
    )
    assert imports_of(module) == {"html", "build"}


def test_check_reads_the_texts_that_babel_cfg_names() -> None:
    """``check`` extracts the translatable texts from the package as installed; ``pybabel extract``
    reads babel.cfg in the checkout. Both must find the same texts."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    from handouts import i18n

    with (PROJECT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = extract_from_dir(PROJECT, method_map, options_map)
    expected = {message[0] if isinstance(message, tuple) else message for _, _, message, _, _ in found}
    assert set(i18n.template_messages()) == expected - {""}
    assert len(expected) > 10
