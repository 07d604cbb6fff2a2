"""``watch``: after a build, rebuild (incrementally) on every change until Ctrl-C."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import watchfiles

from .console import CONTENT_ERRORS, OK
from .i18n import LOCALE
from .paths import STYLES, TEMPLATES, display


class _Filter(watchfiles.DefaultFilter):
    """Ignore the output folder, dotfiles and editor temp/swap/backup files."""

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        name = Path(path).name
        junk = name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".swx", ".tmp", ".bak"))
        return not junk and super().__call__(change, path)


def watch(content_dir: Path, out: Path, rebuild: Callable[[], int], quiet: bool) -> int:
    """Call ``rebuild`` on every change of the content, templates, styles or catalogues, until Ctrl-C."""

    def say(text: str) -> None:
        if not quiet:
            print(text, file=sys.stderr, flush=True)

    if not content_dir.is_dir():
        return CONTENT_ERRORS  # "content folder not found" has been printed: nothing to watch
    folders = [p for p in (content_dir, TEMPLATES, STYLES, LOCALE) if p.is_dir()]
    say(f"watching {', '.join(display(p) + '/' for p in folders)} (Ctrl-C to stop)")
    changes = watchfiles.watch(
        *(p.resolve() for p in folders), watch_filter=_Filter(ignore_paths=[out.resolve()]), debounce=400
    )
    for batch in changes:
        say("changed: " + ", ".join(sorted({display(Path(path)) for _, path in batch})))
        try:
            rebuild()
        except Exception as exc:  # never stop watching for one bad rebuild (a bug): say it, go on
            print(
                f"handouts: internal error during the rebuild, sorry: {type(exc).__name__}", file=sys.stderr
            )
    return OK
