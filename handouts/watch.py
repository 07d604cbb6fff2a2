"""``watch``: build, then rebuild (incrementally) on every change until Ctrl-C."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import watchfiles

from .build import Workers
from .cli import run_build
from .paths import STYLES, TEMPLATES, display


class _Filter(watchfiles.DefaultFilter):
    """Ignore the output folder, dotfiles and editor temp/swap/backup files."""

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        name = Path(path).name
        junk = name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".swx", ".tmp", ".bak"))
        return not junk and super().__call__(change, path)


def watched(content_dir: Path) -> list[Path]:
    """The folders whose changes call for a rebuild: content, templates, styles."""
    return [p for p in (content_dir, TEMPLATES, STYLES) if p.is_dir()]


def changes(content_dir: Path, out: Path, stop: threading.Event | None = None) -> Iterator[list[Path]]:
    """The files changed in the watched folders, one batch at a time, until ``stop`` is set."""
    batches = watchfiles.watch(
        *(p.resolve() for p in watched(content_dir)),
        watch_filter=_Filter(ignore_paths=[out.resolve()]),
        debounce=400,
        stop_event=stop,
    )
    for batch in batches:
        yield sorted({Path(path) for _, path in batch})


def watch(content_dir: Path, out: Path, jobs: int | None, quiet: bool) -> int:
    def say(text: str) -> None:
        if not quiet:
            print(text, file=sys.stderr, flush=True)

    workers = Workers(jobs or os.cpu_count() or 1)  # kept between rebuilds: they stay warm
    try:
        status = run_build(content_dir, out, jobs=jobs, quiet=quiet, workers=workers)
        if not content_dir.is_dir():
            return status  # "content folder not found" has been printed: nothing to watch
        say(f"watching {', '.join(display(p) + '/' for p in watched(content_dir))} (Ctrl-C to stop)")
        for batch in changes(content_dir, out):
            say("changed: " + ", ".join(display(path) for path in batch))
            run_build(content_dir, out, jobs=jobs, quiet=quiet, workers=workers)
    except KeyboardInterrupt:
        say("\nstopped watching.")
    finally:
        workers.stop()
    return 0
