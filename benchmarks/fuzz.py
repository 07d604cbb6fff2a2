"""Fuzz the content checks and the build: no input may end in an internal error.

    .venv/bin/python benchmarks/fuzz.py                        # 10,000 checks, 200 builds
    .venv/bin/python benchmarks/fuzz.py --inputs 500 --builds 10 --seed 3   # a quick look

Part 1 feeds mutated content folders (front matter, booklet.yml, practice.yml, Markdown; now
and then a pipe, a dangling link or binary garbage instead of a file) to ``check`` in this
process, and makes the HTML of every valid output as the build does: any exception is a crash.
Part 2 runs full builds (``handouts build --jobs 1``, in this process, so WeasyPrint loads
once) of small mutated folders: the exit status must be 0 or 1, never 3 (internal error), no
traceback, and no PDF may carry an embedded file. It prints its figures; crashes are kept in
a folder for a look.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "tests"))

from mutate import ARTICLE, BOOKLET, CARD, PRACTICE, _copy_regular, fuzz_check, make_content, make_input  # noqa: E402


def embedded_files(pdf: Path) -> int:
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    count = len(reader.attachments)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            count += annotation.get_object().get("/Subtype") == "/FileAttachment"
    return count


def fuzz_builds(tmp: Path, seed: int, count: int) -> dict[str, object]:
    """Full builds of mutated folders; the booklet in one build of four (it is slow)."""
    from handouts.cli import main

    rng = random.Random(seed)
    base = {
        name: text
        for name, text in (
            ("practice.yml", PRACTICE),
            ("booklet.yml", BOOKLET),
            ("articles/artikel.md", ARTICLE),
            ("metaphors/kaart.md", CARD),
            ("metaphors/tweede.md", CARD.replace("order: 1", "order: 2")),
        )
    }
    statuses: dict[int, int] = {}
    crashes: list[str] = []
    pdfs = embedded = 0
    started = time.monotonic()
    for index in range(count):
        root = tmp / "build" / "content"
        out = tmp / "build" / "out"
        shutil.rmtree(out, ignore_errors=True)
        make_input(root, base, rng, most=1)  # one edit: more of them still build
        if index % 4 and (root / "booklet.yml").is_file() and not (root / "booklet.yml").is_symlink():
            (root / "booklet.yml").unlink()
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            try:
                code = main(["build", "--content", str(root), "--out", str(out), "--jobs", "1", "-q"])
            except BaseException as exc:  # anything escaping main is a crash
                code = -1
                err.write(f"escaped main: {type(exc).__name__}: {exc}")
        statuses[code] = statuses.get(code, 0) + 1
        text = err.getvalue()
        if code not in (0, 1) or "Traceback" in text:
            crashes.append(f"build {index}: status {code}: {text[-600:]}")
            shutil.copytree(root, tmp / f"build-crash-{index}", symlinks=True, copy_function=_copy_regular)
        for pdf in out.rglob("*.pdf") if out.is_dir() else []:
            pdfs += 1
            embedded += embedded_files(pdf)
    return {
        "builds": count,
        "statuses": dict(sorted(statuses.items())),
        "crashes": crashes,
        "pdfs": pdfs,
        "embedded": embedded,
        "seconds": time.monotonic() - started,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="mutated folders for check")
    parser.add_argument("--builds", type=int, default=200, help="full builds of mutated folders")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", type=Path, default=None, help="keep the work folder (crashes) here")
    options = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="handouts-fuzz-")) if options.keep is None else options.keep
    tmp.mkdir(parents=True, exist_ok=True)

    checked = fuzz_check(tmp / "check", options.seed, options.inputs, make_content)
    print(
        f"check: {checked['inputs']} inputs in {checked['seconds']:.0f} s: {checked['errors']} with content "
        f"errors, {checked['clean']} clean, {len(checked['crashes'])} internal errors"
    )
    for crash in checked["crashes"][:10]:
        print(f"  input {crash['input']} ({', '.join(crash['mutated'])}): {crash['error']}\n{crash['where']}")

    built = fuzz_builds(tmp, options.seed, options.builds)
    statuses = ", ".join(f"{count} x {code}" for code, count in built["statuses"].items())  # type: ignore[attr-defined]
    print(
        f"build: {built['builds']} full builds in {built['seconds']:.0f} s: exit statuses {statuses}; "
        f"{built['pdfs']} PDFs written, {built['embedded']} embedded files; "
        f"{len(built['crashes'])} internal errors"  # type: ignore[arg-type]
    )
    for crash in built["crashes"][:10]:  # type: ignore[attr-defined]
        print(f"  {crash}")
    if checked["crashes"] or built["crashes"] or built["embedded"]:
        print(f"kept: {tmp}")
        return 1
    if options.keep is None:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
