"""What a person sees on the terminal after a command: problems, a build's summary, exit status.

One home for ``cli``, ``watch`` and the desk's ``serve``: the exit statuses, how a build and
its problems are reported (``report_build``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from .models import Problem, Summary
from .paths import clip, display, quote

OK, CONTENT_ERRORS, USAGE, INTERNAL, INTERRUPTED = 0, 1, 2, 3, 130  # exit statuses
REPORT_TO = "the handouts issue tracker (or the project's maintainer)"


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def print_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def usage_error(message: object) -> int:
    """Say a wrong use of the command line; returns its exit status."""
    print(f"handouts: error: {message}", file=sys.stderr)
    return USAGE


def waiting_for(out: Path) -> None:
    """Another build holds the output folder: say why nothing happens yet."""
    say(f"handouts: another build is writing into {display(out)}/; waiting for it to finish (Ctrl-C to stop)")


def internal_error(exc: BaseException) -> None:
    """One line of apology for a bug, and where to report it (with the details that help)."""
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
        tb = tb.tb_next
    print(
        f"handouts: internal error (a bug in handouts, not in your content), sorry: "
        f"{type(exc).__name__}{where}: {clip(str(exc))}\n"
        f"    please report it to {REPORT_TO} with this message and the command you ran",
        file=sys.stderr,
    )


def report_build(summary: Summary, out: Path, seconds: float, quiet: bool = False) -> int:
    """Print a build's problems, removed files, notes and counts; return its exit status.

    ``quiet`` leaves out the counts when nothing failed.
    """
    print_problems(summary.problems)
    for removed in summary.removed:  # said even with -q: a file disappears
        print(f"removed {removed}: its content is gone", file=sys.stderr)
    for notice in sorted(summary.notices):
        print(f"handouts: note: {notice}", file=sys.stderr)
    if not quiet or summary.failed:
        counts = (
            f"{len(summary.built)} built, {len(summary.unchanged)} unchanged, {len(summary.failed)} failed"
        )
        say(f"{counts} in {seconds:.1f} s -> {quote(os.path.relpath(out))}/")
    if summary.internal:
        print(
            f"handouts: {len(summary.internal)} output(s) failed on an internal error (a bug in handouts),"
            f" sorry; please report it to {REPORT_TO} with the messages above",
            file=sys.stderr,
        )
        return INTERNAL
    return CONTENT_ERRORS if summary.errors or summary.failed else OK
