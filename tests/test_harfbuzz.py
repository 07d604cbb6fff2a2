"""A machine without HarfBuzz-Subset still builds everything, with one notice, and the same bytes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import CONTENT, PROJECT

# Runs the build in one process (--jobs 1) with WeasyPrint unable to load libharfbuzz-subset,
# as on a fresh Debian machine where the package is not installed.
WITHOUT_SUBSET = """
import sys
import cffi

_dlopen = cffi.FFI.dlopen

def dlopen(self, name, *args, **kwargs):
    if name and "subset" in str(name):
        raise OSError(f"hidden for this test: {name}")
    return _dlopen(self, name, *args, **kwargs)

cffi.FFI.dlopen = dlopen
from handouts.cli import main
sys.exit(main(sys.argv[1:]))
"""


def build_without_subset(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-c",
            WITHOUT_SUBSET,
            "build",
            "--content",
            str(CONTENT),
            "--out",
            str(out),
            "--jobs",
            "1",
            "--force",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_without_harfbuzz_subset_everything_builds_with_one_notice_and_the_same_bytes(tmp_path: Path) -> None:
    first = build_without_subset(tmp_path / "one")
    assert first.returncode == 0, first.stderr
    assert "error" not in first.stderr, first.stderr
    assert "Traceback" not in first.stderr
    notes = [line for line in first.stderr.splitlines() if "HarfBuzz-Subset" in line]
    assert len(notes) == 1, first.stderr  # one notice per build, not one per handout
    assert "note:" in notes[0] and "libharfbuzz-subset0" in notes[0]
    pdfs = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.pdf"))
    items = [*CONTENT.glob("articles/*.md"), *CONTENT.glob("metaphors/*.md")]
    assert len(pdfs) == len(items) + 3  # every handout, the booklet and its two print files
    # fontTools did the subsetting (so the hiding worked): its fonts differ from HarfBuzz's,
    # but two runs give the same bytes.
    second = build_without_subset(tmp_path / "two")
    assert second.returncode == 0, second.stderr
    for pdf in pdfs:
        assert (tmp_path / "one" / pdf).read_bytes() == (tmp_path / "two" / pdf).read_bytes(), pdf
