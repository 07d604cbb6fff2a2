"""``check`` and ``build`` agree on random content folders, and no text leaves the page.

The fuzzer of ``mutate`` makes small content folders with hostile edits (long words,
code blocks, broken YAML, odd HTML, ...). For each: ``check`` (which renders in memory) and a
build into a fresh folder must report the same errors, a folder that ``check`` passes must
build, and every PDF built is read back: no character beyond the page or in its trim margin.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
from conftest import run_cli
from mutate import FILES, make_content, make_input
from readback import text_off_page

from handouts.paper import TRIM_MM

SEED = 21
FOLDERS = 24  # at most; and at most SECONDS in all
SECONDS = 45.0


def errors(err: str) -> set[str]:
    """The error lines of a command's output, "path:line: error: message"."""
    return {line for line in err.splitlines() if re.search(r": error: ", line)}


def test_check_and_build_agree_on_random_folders(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(SEED)
    base_root = make_content(tmp_path / "base")
    base = {name: (base_root / name).read_text(encoding="utf-8") for name in FILES}
    started, tried, clean, pdfs = time.monotonic(), 0, 0, 0
    while tried < FOLDERS and time.monotonic() - started < SECONDS:
        content = tmp_path / f"input-{tried}"
        done = make_input(content, base, rng)
        tried += 1
        checked, check_err = run_cli(capfd, "check", "-q", "--content", str(content))
        out = tmp_path / f"dist-{tried}"
        built, build_err = run_cli(
            capfd, "build", "-q", "-j", "1", "--content", str(content), "--out", str(out)
        )
        what = f"folder {tried - 1} ({done}):\ncheck:\n{check_err}\nbuild:\n{build_err}"
        assert checked in (0, 1) and built in (0, 1), what
        if checked == 0:
            clean += 1
            assert built == 0, what  # check's promise
        assert errors(check_err) == errors(build_err), what
        for pdf in sorted(out.rglob("*.pdf")):
            pdfs += 1
            assert text_off_page(pdf, TRIM_MM) == [], f"{pdf.name} of {what}"
    assert tried >= 8 and clean >= 2 and pdfs >= 8, (tried, clean, pdfs)
